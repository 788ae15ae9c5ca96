import Foundation
import KeyCustody
import TestSupport
import Testing
import TrustCrypto

/// Re-encrypting a software store under a new KEK: every key keeps working under the new KEK only, a store in use is
/// refused, a tampered key stops the rotation before anything changes, and an interrupted rotation is finished.
@Suite struct KEKRotationTests {
    let dir: TemporaryDirectory
    var keys: String { dir.file("keys") }
    var kekPath: String { dir.file("kek") }

    init() throws { dir = try TemporaryDirectory("trustd-kek") }

    /// Keys made under a first KEK, and a signature by each to check against later; the store is closed again.
    func populate() throws -> [(KeyID, PublicKey)] {
        let kek = try KeyEncryptionKey.generate(writingTo: kekPath)
        let store = try SoftwareKeyStore(directory: keys, kek: kek)
        return try [KeyType.sm2, .p256, .rsa2048].map { type in
            let info = try store.generate(type, label: "rotation \(type)")
            return (info.id, try store.publicKey(info.id))
        }
    }

    func signsUnder(_ kek: KeyEncryptionKey, _ made: [(KeyID, PublicKey)]) throws -> Bool {
        let store = try SoftwareKeyStore(directory: keys, kek: kek)
        let message = Array("after rotation".utf8)
        return try made.allSatisfy { id, publicKey in
            try publicKey.isValidSignature(try store.sign(message, with: id), for: message)
        }
    }

    @Test func everyKeyMovesToTheNewKEKAndTheOldOneOpensNothing() throws {
        let made = try populate()
        let old = try KeyEncryptionKey(file: kekPath)
        let outcome = try KEKRotation.rotate(storeDirectory: keys, kekPath: kekPath)
        #expect(outcome.keys == 3 && outcome.oldKEK == old.identifier && outcome.newKEK != old.identifier)
        let new = try KeyEncryptionKey(file: kekPath)
        #expect(new.identifier == outcome.newKEK)
        #expect(try signsUnder(new, made))
        #expect(throws: KeyCustodyError(.wrongKEK, "")) {
            _ = try SoftwareKeyStore(directory: keys, kek: old).sign([1], with: made[0].0)
        }
        let mode = try FileManager.default.attributesOfItem(atPath: kekPath)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(!FileManager.default.fileExists(atPath: KEKRotation.pendingPath(kekPath)))
    }

    @Test func aStoreInUseIsNotRotated() throws {
        _ = try populate()
        let open = try SoftwareKeyStore(directory: keys, kek: try KeyEncryptionKey(file: kekPath))
        #expect(throws: KeyCustodyError.self) { try KEKRotation.rotate(storeDirectory: keys, kekPath: kekPath) }
        withExtendedLifetime(open) {}
    }

    @Test func aTamperedKeyStopsTheRotationBeforeAnythingChanges() throws {
        let made = try populate()
        let before = try dir.read("kek")
        let path = dir.file("keys/\(made[1].0).key")
        var text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
        text = text.replacingOccurrences(of: "rotation p256", with: "rotation P256")
        try SecureFile.write(Array(text.utf8), to: path)
        #expect(throws: KeyCustodyError(.tamperedKey, "")) {
            try KEKRotation.rotate(storeDirectory: keys, kekPath: kekPath)
        }
        #expect(try dir.read("kek") == before, "the KEK is unchanged")
        #expect(!FileManager.default.fileExists(atPath: KEKRotation.pendingPath(kekPath)))
    }

    @Test func anInterruptedRotationIsFinishedWhenTheStoreIsNextOpened() throws {
        let made = try populate()
        // A crash after the new KEK was written and one key rewritten under it. The rewritten file is made by
        // finishing the same half-done rotation on a copy of that one key.
        let new = try KeyEncryptionKey.generate(writingTo: KEKRotation.pendingPath(kekPath))
        let first = dir.file("keys/\(made[0].0).key")
        try FileManager.default.createDirectory(atPath: dir.file("one"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: first, toPath: dir.file("one/\(made[0].0).key"))
        try FileManager.default.copyItem(atPath: kekPath, toPath: dir.file("one-kek"))
        try FileManager.default.copyItem(
            atPath: KEKRotation.pendingPath(kekPath), toPath: KEKRotation.pendingPath(dir.file("one-kek")))
        #expect(try KEKRotation.recover(storeDirectory: dir.file("one"), kekPath: dir.file("one-kek")))
        try FileManager.default.removeItem(atPath: first)
        try FileManager.default.copyItem(atPath: dir.file("one/\(made[0].0).key"), toPath: first)

        // Now the store holds one key under the new KEK and two under the old, with both KEK files present.
        #expect(try KEKRotation.recover(storeDirectory: keys, kekPath: kekPath))
        #expect(try KeyEncryptionKey(file: kekPath).identifier == new.identifier)
        #expect(try signsUnder(new, made))
        #expect(try !KEKRotation.recover(storeDirectory: keys, kekPath: kekPath), "nothing left to finish")
    }
}
