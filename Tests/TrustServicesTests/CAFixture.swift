import Foundation
import GRDB
import KeyCustody
import TestSupport
import TrustCrypto
import TrustModel
@testable import TrustServices
import TrustStore

/// A working CA on disk: SQLite file, software key store, the repository's profiles, SM2 and RSA hierarchies.
final class CAFixture: @unchecked Sendable {
    let dir: TemporaryDirectory
    let keys: SoftwareKeyStore
    let store: SQLiteStore
    let ca: CertificateAuthority
    var databasePath: String { dir.file("trustd.sqlite") }

    init(faultPoint: (@Sendable (String) throws -> Void)? = nil, initialize: Bool = true) throws {
        dir = try TemporaryDirectory("trustd-ca")
        keys = try SoftwareKeyStore(directory: dir.file("keys"), kek: try KeyEncryptionKey.generate(writingTo: dir.file("kek")))
        store = try SQLiteStore(path: dir.file("trustd.sqlite"))
        let profiles = try ProfileCatalog.load(directory: TestPaths.packageRoot.appendingPathComponent("policies/profiles").path)
        ca = CertificateAuthority(store: store, keys: keys, profiles: profiles, faultPoint: faultPoint)
        if initialize { try ca.initialize(actor: "test-officer") }
    }

    /// Issues a certificate for a fresh key.
    func issue(_ type: KeyType, profile: String, ca name: String, subject: DistinguishedName,
               sans: [GeneralName] = [], identity: [CertificateProfile.IdentityExtension: String] = [:]) throws -> (IssuedCertificate, PrivateKey) {
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
