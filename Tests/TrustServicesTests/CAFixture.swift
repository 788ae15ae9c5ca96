import Foundation
import GRDB
import KeyCustody
import TestSupport
import TrustCrypto
import TrustModel
import TrustStore

@testable import TrustServices

extension CAConfiguration {
    /// The second hierarchy on P-256 instead of RSA-3072/2048 (named rsa-* all the same): the same code paths without
    /// seconds of RSA key generation per fixture. RSA itself is covered by ``CAFixture/rsa()`` and the daemon tests.
    static let fastTests = CAConfiguration(rsaRootKey: "p256", rsaIssuingKey: "p256")
}

/// A working CA: SQLite file, keys in memory (or the software key store where custody is what is tested), the
/// repository's profiles, the SM2 hierarchy and a second one (P-256 by default, RSA on request).
final class CAFixture: @unchecked Sendable {
    let dir: TemporaryDirectory
    let keys: any KeyStore
    let store: SQLiteStore
    let ca: CertificateAuthority
    var databasePath: String { dir.file("trustd.sqlite") }

    init(
        faultPoint: (@Sendable (String) throws -> Void)? = nil, initialize: Bool = true,
        configuration: CAConfiguration = .fastTests,
        softwareKeys: Bool = false, clock: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        dir = try TemporaryDirectory("trustd-ca")
        keys =
            softwareKeys
            ? try SoftwareKeyStore(
                directory: dir.file("keys"), kek: try KeyEncryptionKey.generate(writingTo: dir.file("kek")))
            : MemoryKeyStore()
        store = try SQLiteStore(path: dir.file("trustd.sqlite"))
        let profiles = try ProfileCatalog.load(
            directory: TestPaths.packageRoot.appendingPathComponent("policies/profiles").path)
        ca = CertificateAuthority(
            store: store, keys: keys, profiles: profiles, configuration: configuration, clock: clock,
            faultPoint: faultPoint)
        if initialize { try ca.initialize(actor: "test-officer") }
    }

    /// The real default hierarchy: RSA-3072 root, RSA-2048 issuing CA, keys in the software key store.
    static func rsa() throws -> CAFixture { try CAFixture(configuration: CAConfiguration(), softwareKeys: true) }

    /// Issues a certificate for a fresh key.
    func issue(
        _ type: KeyType, profile: String, ca name: String, subject: DistinguishedName,
        sans: [GeneralName] = [], identity: [CertificateProfile.IdentityExtension: String] = [:]
    ) throws -> (IssuedCertificate, PrivateKey) {
        let key = try PrivateKey.generate(type)
        let csr = try CertificateSigningRequest.make(subject: subject, key: key, subjectAlternativeNames: sans)
        return (try ca.issue(csr: csr, profile: profile, ca: name, identity: identity, actor: "test-officer"), key)
    }

    /// Direct SQL on the database file, as an attacker with file access would do.
    func tamper(_ sql: String) throws {
        let queue = try DatabaseQueue(path: databasePath)
        try queue.write { try $0.execute(sql: sql) }
    }
}

let tlsSubject = DistinguishedName(["C": "CN", "O": "Example Platform", "CN": "platform.example.gov.cn"])
let sealSubject = DistinguishedName(["C": "CN", "O": "Example Bureau", "CN": "Example Bureau Official Seal"])
