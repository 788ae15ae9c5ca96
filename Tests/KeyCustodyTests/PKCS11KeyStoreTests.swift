import Foundation
import KeyCustody
import TestSupport
import Testing
import TrustCrypto

/// Against a real SoftHSM2 token made by `hsm/init-softhsm.sh` in a temporary directory.
///
/// One token directory per test process: SoftHSM2 reads `SOFTHSM2_CONF` at `C_Initialize`, and the environment
/// is process-wide. Each test uses its own token label, and the suite is serialized so each test logs in afresh.
@Suite(.serialized) struct PKCS11KeyStoreTests {
    static let fixture = Result { try HSMFixture() }

    final class HSMFixture: Sendable {
        let dir: TemporaryDirectory
        init() throws { dir = try TemporaryDirectory("trustd-hsm") }

        /// Creates a fresh token with the script and returns its configuration path.
        func token(_ label: String) throws -> String {
            let script = TestPaths.packageRoot.appendingPathComponent("hsm/init-softhsm.sh").path
            let made = try Subprocess.run("/bin/bash", [script, dir.path, label])
            guard made.succeeded else { throw TestSupportError("init-softhsm.sh failed: \(made.stderr)") }
            return dir.file(label == "trustd" ? "pkcs11.yaml" : "pkcs11-\(label).yaml")
        }
    }

    func store(_ label: String) throws -> (PKCS11KeyStore, HSMConfiguration) {
        let configuration = try HSMConfiguration.load(try Self.fixture.get().token(label))
        return (try PKCS11KeyStore(configuration: configuration), configuration)
    }

    static func uniqueLabel(_ prefix: String) -> String { "\(prefix)-\(Hex.encode(SecureRandom.bytes(4)))" }

    @Test func rsaAndP256KeysAreGeneratedUsedAndDestroyedInsideTheToken() throws {
        let (store, _) = try store(Self.uniqueLabel("life"))
        let dir = try TemporaryDirectory()
        let message = SecureRandom.bytes(2000)
        let cases: [(KeyType, SignatureAlgorithm, [String])] = [
            (.rsa2048, .rsaPKCS1v15(.sha256), ["-sha256"]),
            (
                .rsa2048, .rsaPSS(.sha256),
                ["-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"]
            ),
            (.p256, .ecdsa(.sha256), ["-sha256"]),
        ]
        var made: [KeyID] = []
        for (type, algorithm, options) in cases {
            let info = try store.generate(type, label: "hsm \(type)")
            made.append(info.id)
            #expect(info.backend == "pkcs11" && info.type == type)
            #expect(try store.isNonExtractable(info.id))
            let publicKey = try store.publicKey(info.id)
            #expect(publicKey.fingerprintHex() == info.publicKeyFingerprint)

            let signature = try store.sign(message, with: info.id, algorithm: algorithm)
            #expect(try publicKey.isValidSignature(signature, for: message, algorithm: algorithm))
            let fromDigest = try store.sign(digest: Digest.hash(.sha256, message), with: info.id, algorithm: algorithm)
            #expect(try publicKey.isValidSignature(fromDigest, for: message, algorithm: algorithm))

            // Independent check with the openssl command line.
            let pub = try dir.write("pub.pem", publicKey.pem)
            let sig = try dir.write("sig.bin", signature)
            let msg = try dir.write("msg.bin", message)
            let check = try Subprocess.run("openssl", ["dgst"] + options + ["-verify", pub, "-signature", sig, msg])
            #expect(check.stdout.contains("Verified OK"), "\(type) \(algorithm): \(check.stderr)")
        }
        #expect(Set(try store.list().map(\.id)) == Set(made))
        #expect(try store.info(made[0]).label == "hsm rsa2048")

        for id in made { try store.destroy(id) }
        #expect(try store.list().isEmpty)
        #expect(throws: KeyCustodyError(.keyNotFound, "")) { try store.sign(message, with: made[0]) }
        #expect(throws: KeyCustodyError(.keyNotFound, "")) { try store.destroy(made[1]) }
    }

    @Test func theLoginSurvivesFailedOperations() throws {
        let (store, _) = try store(Self.uniqueLabel("login"))
        let info = try store.generate(.p256, label: "k")
        // Several failures in a row, each of which used to close the (only) session and so log the token out.
        for _ in 0..<3 {
            #expect(throws: KeyCustodyError(.keyNotFound, "")) { try store.sign([1], with: KeyID.random()) }
        }
        let signature = try store.sign([1, 2, 3], with: info.id)
        #expect(try store.publicKey(info.id).isValidSignature(signature, for: [1, 2, 3]))
        #expect(try store.generate(.rsa2048, label: "after errors").type == .rsa2048)
    }

    @Test func sm2IsRefusedWithoutAVendorMechanism() throws {
        let (store, _) = try store(Self.uniqueLabel("nosm2"))
        do {
            _ = try store.generate(.sm2, label: "seal")
            Issue.record("SoftHSM2 must not produce SM2 keys")
        } catch let error as KeyCustodyError {
            #expect(error.code == .unsupportedAlgorithm)
            #expect(error.message.contains("sm2.keyGenMechanism"))
        }
    }

    @Test func aConfiguredSM2MechanismTheTokenLacksIsRefusedAtStart() throws {
        var configuration = try HSMConfiguration.load(try Self.fixture.get().token(Self.uniqueLabel("vendor")))
        configuration.sm2 = .init(keyGenMechanism: 0x8000_0001, signMechanism: 0x8000_0002)
        #expect(throws: KeyCustodyError(.mechanismNotSupported, "")) {
            try PKCS11KeyStore(configuration: configuration)
        }
    }

    @Test func aWrongPINIsReported() throws {
        let fixture = try Self.fixture.get()
        var configuration = try HSMConfiguration.load(try fixture.token(Self.uniqueLabel("pin")))
        let pinFile = try fixture.dir.write("wrong-\(UUID().uuidString).pin", "00000000")
        chmod(pinFile, 0o600)
        configuration.pin = .file(pinFile)
        #expect(throws: KeyCustodyError(.wrongPIN, "")) { try PKCS11KeyStore(configuration: configuration) }
    }

    @Test func aMissingTokenOrModuleIsReported() throws {
        var configuration = try HSMConfiguration.load(try Self.fixture.get().token(Self.uniqueLabel("exists")))
        configuration.tokenLabel = "no-such-token"
        do {
            _ = try PKCS11KeyStore(configuration: configuration)
            Issue.record("expected tokenNotFound")
        } catch let error as KeyCustodyError {
            #expect(error.code == .tokenNotFound)
            #expect(error.message.contains("no-such-token"))
        }
        configuration.module = "/nonexistent/libpkcs11.so"
        #expect(throws: KeyCustodyError(.moduleUnavailable, "")) { try PKCS11KeyStore(configuration: configuration) }
        configuration.module = "/usr/lib/x86_64-linux-gnu/libc.so.6"
        #expect(throws: KeyCustodyError(.moduleUnavailable, "")) { try PKCS11KeyStore(configuration: configuration) }
    }

    @Test func configurationErrorsNameFileAndField() throws {
        let dir = try TemporaryDirectory()
        let cases: [(String, String)] = [
            ("tokenLabel: x\npin: { file: p }\n", "module"),
            ("module: m\npin: { file: p }\n", "tokenLabel"),
            ("module: m\ntokenLabel: x\n", "pin"),
            ("module: m\ntokenLabel: x\npin: { file: p, env: E }\n", "pin"),
            ("module: m\ntokenLabel: x\npin: { env: E }\nslot: 3\n", "slot"),
            ("module: m\ntokenLabel: x\npin: { env: E }\nsm2: { signMechanism: 0x1 }\n", "sm2.keyGenMechanism"),
            (
                "module: m\ntokenLabel: x\npin: { env: E }\nsm2: { keyGenMechanism: banana, signMechanism: 1 }\n",
                "sm2.keyGenMechanism"
            ),
            ("[unclosed", "YAML"),
        ]
        for (index, (text, field)) in cases.enumerated() {
            let path = try dir.write("c\(index).yaml", text)
            do {
                _ = try HSMConfiguration.load(path)
                Issue.record("case \(index) should fail")
            } catch let error as KeyCustodyError {
                #expect(error.code == .invalidConfiguration)
                #expect(error.message.contains(path) && error.message.contains(field), "\(error.message)")
            }
        }
        let good = try HSMConfiguration.load(
            try dir.write(
                "good.yaml",
                "module: lib/m.so\ntokenLabel: x\npin: { env: E }\nsm2: { keyGenMechanism: 0x80000001, signMechanism: 2147483650 }\n"
            ))
        #expect(good.module == dir.file("lib/m.so"))
        #expect(good.sm2 == .init(keyGenMechanism: 0x8000_0001, signMechanism: 0x8000_0002))
    }

    @Test func aPINFileReadableByOthersIsRefused() throws {
        let fixture = try Self.fixture.get()
        var configuration = try HSMConfiguration.load(try fixture.token(Self.uniqueLabel("perm")))
        let pinFile = try fixture.dir.write("open-\(UUID().uuidString).pin", "12345678")
        chmod(pinFile, 0o644)
        configuration.pin = .file(pinFile)
        #expect(throws: KeyCustodyError(.insecurePermissions, "")) { try PKCS11KeyStore(configuration: configuration) }
    }
}
