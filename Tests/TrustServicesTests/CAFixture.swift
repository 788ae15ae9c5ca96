import Foundation
import GRDB
import KeyCustody
import TestSupport
import TrustCrypto
import TrustModel
import TrustStore
import TrustStorePostgres

@testable import TrustServices

extension CAConfiguration {
    /// The second hierarchy on P-256 instead of RSA-3072/2048 (named rsa-* all the same): the same code paths without
    /// seconds of RSA key generation per fixture. RSA itself is covered by ``CAFixture/rsa()`` and the daemon tests.
    static let fastTests = CAConfiguration(rsaRootKey: "p256", rsaIssuingKey: "p256")
}

/// The store engine the services tests run on: SQLite by default, PostgreSQL (a database each on the test
/// process's private server) with `TRUSTD_TEST_STORE=postgres` — `.ci/test` runs this suite both ways.
enum TestStoreEngine: String {
    case sqlite, postgres
    static let current =
        TestStoreEngine(rawValue: ProcessInfo.processInfo.environment["TRUSTD_TEST_STORE"] ?? "") ?? .sqlite
    /// Tests about the SQLite file itself (its bytes, its column affinities).
    static var isSQLite: Bool { current == .sqlite }

    /// A new store for a fixture in `dir`, and a way to run SQL on it as an attacker with database access would.
    static func makeStore(in dir: TemporaryDirectory) throws -> (any TransactionalStore, (String) throws -> Void) {
        switch current {
        case .sqlite:
            let path = dir.file("trustd.sqlite")
            return (
                try SQLiteStore(path: path),
                { sql in try DatabaseQueue(path: path).write { try $0.execute(sql: sql) } }
            )
        case .postgres:
            let cluster = try PostgresCluster.sharedCluster()
            let database = try cluster.createDatabase()
            let settings = try PostgresSettings(
                url: cluster.url(database: database), passwordFile: cluster.passwordFile, poolSize: 4)
            return (try PostgresStore(settings: settings), { try cluster.psql($0, database: database) })
        }
    }
}

/// A working CA: its store (``TestStoreEngine``), keys in memory (or the software key store where custody is what is tested), the
/// repository's profiles, the SM2 hierarchy and a second one (P-256 by default, RSA on request).
final class CAFixture: @unchecked Sendable {
    let dir: TemporaryDirectory
    let keys: any KeyStore
    let store: any TransactionalStore
    private let tamperSQL: (String) throws -> Void
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
        (store, tamperSQL) = try TestStoreEngine.makeStore(in: dir)
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

    /// Direct SQL on the database, as an attacker with file or database access would do.
    func tamper(_ sql: String) throws { try tamperSQL(sql) }
}

let tlsSubject = DistinguishedName(["C": "CN", "O": "Example Platform", "CN": "platform.example.gov.cn"])
let sealSubject = DistinguishedName(["C": "CN", "O": "Example Bureau", "CN": "Example Bureau Official Seal"])
