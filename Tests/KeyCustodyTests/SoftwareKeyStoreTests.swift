import Foundation
import KeyCustody
import TestSupport
import Testing
import TrustCrypto

@Suite struct SoftwareKeyStoreTests {
    let dir: TemporaryDirectory
    let kek: KeyEncryptionKey
    let store: SoftwareKeyStore

    init() throws {
        dir = try TemporaryDirectory()
        kek = try KeyEncryptionKey.generate(writingTo: dir.file("kek"))
        store = try SoftwareKeyStore(directory: dir.file("keys"), kek: kek)
    }

    func keyFile(_ id: KeyID) -> String { dir.file("keys/\(id).key") }

    func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }

    @Test(arguments: KeyType.allCases)
    func keysRoundTripThroughAFreshStore(_ type: KeyType) throws {
        let info = try store.generate(type, label: "issuing CA \(type)")
        #expect(info.type == type && info.backend == "software" && info.label == "issuing CA \(type)")
        let message = Array("to be signed".utf8)
        let signature = try store.sign(message, with: info.id)
        // A second store on the same files (no cache) loads, decrypts and uses the same key.
        let reopened = try SoftwareKeyStore(
            directory: dir.file("keys"), kek: try KeyEncryptionKey(file: dir.file("kek")))
        let publicKey = try reopened.publicKey(info.id)
        #expect(publicKey.fingerprintHex() == info.publicKeyFingerprint)
        #expect(try publicKey.isValidSignature(signature, for: message))
        #expect(try publicKey.isValidSignature(try reopened.sign(message, with: info.id), for: message))
        #expect(try reopened.list().map(\.id) == [info.id])
        #expect(try reopened.info(info.id) == info)
    }

    @Test func digestSigningUsesTheStoredKey() throws {
        let info = try store.generate(.p256, label: "tsa")
        let digest = Digest.hash(.sha256, [1, 2, 3])
        let signature = try store.sign(digest: digest, with: info.id, algorithm: .ecdsa(.sha256))
        #expect(try store.publicKey(info.id).isValidSignature(signature, for: [1, 2, 3]))
    }

    @Test func secretFilesAre0600AndTheDirectory0700() throws {
        let info = try store.generate(.sm2, label: "seal")
        #expect(try mode(keyFile(info.id)) == 0o600)
        #expect(try mode(dir.file("kek")) == 0o600)
        #expect(try mode(dir.file("keys")) == 0o700)
        // No stray temporary files are left behind by the atomic write.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.file("keys")) == ["\(info.id).key"])
        // The private key is not in the file in clear.
        let text = String(decoding: try dir.read("keys/\(info.id).key"), as: UTF8.self)
        #expect(!text.contains("PRIVATE KEY"))
    }

    @Test func aWrongKEKIsToldApartFromDamage() throws {
        let info = try store.generate(.rsa2048, label: "root")
        let other = try SoftwareKeyStore(
            directory: dir.file("keys"), kek: try KeyEncryptionKey(text: Hex.encode(SecureRandom.bytes(32))))
        #expect(throws: KeyCustodyError(.wrongKEK, "")) { try other.sign([1], with: info.id) }
    }

    @Test func truncatedOrAlteredFilesAreTampered() throws {
        let info = try store.generate(.sm2, label: "seal")
        let original = try dir.read("keys/\(info.id).key")
        let text = String(decoding: original, as: UTF8.self)
        let otherKey = try PrivateKey.generate(.sm2).publicKey.spkiDER
        let variants: [[UInt8]] = [
            Array(original.prefix(original.count / 2)),
            [],
            Array(text.replacingOccurrences(of: "\"label\" : \"seal\"", with: "\"label\" : \"s3al\"").utf8),
            Array(text.replacingOccurrences(of: "\"type\" : \"sm2\"", with: "\"type\" : \"p256\"").utf8),
            Array(
                text.replacingOccurrences(
                    of: Data(try store.publicKey(info.id).spkiDER).base64EncodedString(),
                    with: Data(otherKey).base64EncodedString()
                ).utf8),
            flipCiphertextByte(text),
        ]
        for (index, variant) in variants.enumerated() {
            #expect(variant != original, "variant \(index) must change the file")
            let fresh = try SoftwareKeyStore(directory: dir.file("keys"), kek: kek)
            try dir.write("keys/\(info.id).key", variant)
            #expect(throws: KeyCustodyError(.tamperedKey, ""), "variant \(index)") {
                try fresh.sign([1], with: info.id)
            }
        }
    }

    private func flipCiphertextByte(_ text: String) -> [UInt8] {
        // Change one base64 character inside the ciphertext value.
        let marker = "\"ciphertext\" : \""
        let start = text.range(of: marker)!.upperBound
        let index = text.index(start, offsetBy: 10)
        var out = text
        out.replaceSubrange(index...index, with: text[index] == "A" ? "B" : "A")
        return Array(out.utf8)
    }

    @Test func aKeyFileCopiedUnderAnotherIDIsRejected() throws {
        let first = try store.generate(.p256, label: "a")
        let second = try store.generate(.p256, label: "b")
        try FileManager.default.removeItem(atPath: keyFile(second.id))
        try FileManager.default.copyItem(atPath: keyFile(first.id), toPath: keyFile(second.id))
        let fresh = try SoftwareKeyStore(directory: dir.file("keys"), kek: kek)
        #expect(throws: KeyCustodyError(.tamperedKey, "")) { try fresh.sign([1], with: second.id) }
    }

    @Test func readableByOthersIsRefused() throws {
        let info = try store.generate(.p256, label: "x")
        chmod(keyFile(info.id), 0o644)
        let fresh = try SoftwareKeyStore(directory: dir.file("keys"), kek: kek)
        #expect(throws: KeyCustodyError(.insecurePermissions, "")) { try fresh.sign([1], with: info.id) }
        chmod(dir.file("kek"), 0o640)
        #expect(throws: KeyCustodyError(.insecurePermissions, "")) { try KeyEncryptionKey(file: dir.file("kek")) }
    }

    @Test func destroyedKeysAreGone() throws {
        let info = try store.generate(.sm2, label: "to destroy")
        try store.destroy(info.id)
        #expect(!FileManager.default.fileExists(atPath: keyFile(info.id)))
        #expect(throws: KeyCustodyError(.keyNotFound, "")) { try store.sign([1], with: info.id) }
        #expect(throws: KeyCustodyError(.keyNotFound, "")) { try store.destroy(info.id) }
        #expect(try store.list().isEmpty)
    }

    @Test func badRequestsAreTyped() throws {
        #expect(throws: KeyCustodyError(.invalidRequest, "")) { try KeyID("../../etc/passwd") }
        #expect(throws: KeyCustodyError(.invalidRequest, "")) { try store.generate(.sm2, label: "") }
        #expect(throws: KeyCustodyError(.invalidRequest, "")) { try store.generate(.sm2, label: "a\nb") }
        #expect(throws: KeyCustodyError(.keyNotFound, "")) { try store.publicKey(KeyID.random()) }
        let info = try store.generate(.sm2, label: "k")
        #expect(throws: KeyCustodyError(.invalidRequest, "")) {
            try store.sign([1], with: info.id, algorithm: .rsaPSS(.sha256))
        }
        #expect(throws: KeyCustodyError(.invalidRequest, "")) {
            try store.sign(digest: [1], with: info.id, algorithm: nil)
        }
    }

    @Test func kekSourcesAreCheckedAndNeverOverwritten() throws {
        #expect(throws: KeyCustodyError(.invalidRequest, "")) {
            try KeyEncryptionKey.generate(writingTo: dir.file("kek"))
        }
        #expect(throws: KeyCustodyError(.secretUnavailable, "")) { try KeyEncryptionKey(text: "not a key") }
        #expect(throws: KeyCustodyError(.secretUnavailable, "")) {
            try KeyEncryptionKey(text: Hex.encode(SecureRandom.bytes(16)))
        }
        #expect(throws: KeyCustodyError(.secretUnavailable, "")) { try KeyEncryptionKey(file: dir.file("missing")) }
        #expect(throws: KeyCustodyError(.secretUnavailable, "")) {
            try KeyEncryptionKey(environment: "TRUSTD_KEK", in: [:])
        }
        let text = Data(SecureRandom.bytes(32)).base64EncodedString()
        let fromEnv = try KeyEncryptionKey(environment: "TRUSTD_KEK", in: ["TRUSTD_KEK": text])
        #expect(fromEnv.identifier == (try KeyEncryptionKey(text: text + "\n")).identifier)
        #expect(fromEnv.identifier != kek.identifier)
    }

    @Test func concurrentSigningWithOneStoreIsSafe() async throws {
        let info = try store.generate(.sm2, label: "busy")
        let publicKey = try store.publicKey(info.id)
        let store = self.store
        let ok = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<48 {
                group.addTask {
                    let message = Array("m\(index)".utf8)
                    return try publicKey.isValidSignature(try store.sign(message, with: info.id), for: message)
                }
            }
            return try await group.allSatisfy { $0 }
        }
        #expect(ok)
    }
}
