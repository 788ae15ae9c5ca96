import Foundation
import KeyCustody
import Synchronization
import TrustCrypto
import TrustModel

/// Public view of a CA.
public struct CAInfo: Sendable, Hashable {
    public let name: String
    public let role: CARole
    public let algorithm: CAAlgorithm
    public let parent: String?
    public let certificate: Certificate
    public let keyID: String
    /// Set once the CA was renewed: the CA that issues in its place.
    public let successor: String?
    /// The certificate's fields as the API shows them (read once here, so views need no X.509 parsing).
    public let subject: String
    public let serial: String
    public let notAfter: Date
    /// A re-keyed root's cross-certificates (see ``CARecord/newWithOld``); empty for every other CA.
    public let crossCertificates: [Certificate]
    /// An imported CA's issuer chain outside trustd (issuer first); empty otherwise.
    public let issuerChain: [Certificate]

    init(
        name: String, role: CARole, algorithm: CAAlgorithm, parent: String?, certificate: Certificate, keyID: String,
        successor: String? = nil, crossCertificates: [Certificate] = [], issuerChain: [Certificate] = []
    ) {
        self.successor = successor
        self.crossCertificates = crossCertificates
        self.issuerChain = issuerChain
        self.name = name
        self.role = role
        self.algorithm = algorithm
        self.parent = parent
        self.certificate = certificate
        self.keyID = keyID
        subject = certificate.subject.description
        serial = certificate.serialHex
        notAfter = certificate.notAfter
    }
}

/// A CA ready to sign: its record as loaded, certificate, signer in custody and chain.
struct LoadedCA: Sendable {
    /// The record as loaded (role, parent, key id; counters such as crlNumber are read fresh in transactions).
    let record: CARecord
    let certificate: Certificate
    let signer: KeyStoreSigner
    /// This CA's certificate and its parents up to the root.
    let chain: [Certificate]
}

/// trustd's CA hierarchies: an SM2 and an RSA root, each with an issuing CA, every CA with a delegated OCSP signer.
/// Keys are journaled before they are made and settled in the transaction that names them.
final class CAHierarchy: Sendable {
    let store: any TransactionalStore
    let keys: any KeyStore
    let profiles: ProfileCatalog
    let configuration: CAConfiguration
    let journal: KeyJournal
    let clock: @Sendable () -> Date
    let faultPoint: (@Sendable (String) throws -> Void)?
    /// CAs loaded once (certificate, signer, chain): parsing and key references are not free in OpenSSL 3.0.
    private let loaded = Mutex<[String: LoadedCA]>([:])

    init(
        store: any TransactionalStore, keys: any KeyStore, profiles: ProfileCatalog, configuration: CAConfiguration,
        journal: KeyJournal,
        clock: @escaping @Sendable () -> Date, faultPoint: (@Sendable (String) throws -> Void)?
    ) {
        self.store = store
        self.keys = keys
        self.profiles = profiles
        self.configuration = configuration
        self.journal = journal
        self.clock = clock
        self.faultPoint = faultPoint
    }

    /// Creates the SM2 and RSA hierarchies (root + issuing CA each, with delegated OCSP signers), skipping what exists.
    func initialize(actor: String) throws {
        for family in ["sm2", "rsa"] {
            if try store.read({ try $0.ca("\(family)-root") }) == nil {
                try createCA(
                    name: "\(family)-root", parent: nil, keyType: family == "sm2" ? "sm2" : configuration.rsaRootKey,
                    actor: actor)
            }
            if try store.read({ try $0.ca("\(family)-issuing") }) == nil {
                try createCA(
                    name: "\(family)-issuing", parent: "\(family)-root",
                    keyType: family == "sm2" ? "sm2" : configuration.rsaIssuingKey, actor: actor)
            }
        }
    }

    @discardableResult
    func createCA(
        name: String, parent: String?, keyType typeName: String, actor: String, predecessor: String? = nil,
        rekeying oldRoot: LoadedCA? = nil
    ) throws -> CAInfo {
        try Self.validateName(name)
        guard let keyType = KeyType(name: typeName) else { throw TrustError.invalid("unknown key type \(typeName)") }
        if try store.read({ try $0.ca(name) }) != nil { throw TrustError.conflict("CA \(name) exists") }
        let profile = try profiles.profile(parent == nil ? "root-ca" : "issuing-ca")
        guard profile.keyTypes.contains(keyType.rawValue) else {
            throw TrustError.invalid("profile \(profile.name) does not allow \(keyType) keys")
        }
        let parentCA = try parent.map { try load($0) }
        if let parentCA, parentCA.record.role != .root {
            throw TrustError.invalid("an issuing CA must be created under a root")
        }

        let family: CAAlgorithm = keyType == .sm2 ? .sm2 : keyType.isRSA ? .rsa : .ecdsa
        let label = "ca:\(name)"
        let keyInfo = try journal.generate(keyType, label: label)
        var generated = [keyInfo.id]
        do {
            let signer = try KeyStoreSigner(store: keys, keyID: keyInfo.id)
            let now = clock()
            let subject = DistinguishedName([
                .init("C", configuration.country), .init("O", configuration.organization),
                .init(
                    "CN",
                    "\(configuration.organization) \(family.rawValue.uppercased()) \(parent == nil ? "Root" : "Issuing") CA"
                        + (parent == nil ? Self.generationSuffix(name) : "")
                ),
            ])
            var notAfter = now.addingTimeInterval(TimeInterval(profile.validityDays) * 86400)
            if let parentCA { notAfter = min(notAfter, parentCA.certificate.notAfter) }
            var extensions: [CertificateExtension] = [
                .basicConstraints(ca: true, pathLength: profile.pathLength),
                .keyUsage(KeyUsage(profile.keyUsage.compactMap(KeyUsage.init(name:)))),
                .subjectKeyIdentifier, .authorityKeyIdentifier,
            ]
            if let parent {
                extensions.append(.crlDistributionPoints([configuration.crlURL(parent)]))
                extensions.append(
                    .authorityInfoAccess(ocsp: [configuration.ocspURL], caIssuers: [configuration.caIssuersURL(parent)])
                )
            }
            let template = CertificateTemplate(
                serialNumber: CertificateBuilder.randomSerialNumber(), subject: subject,
                notBefore: now.addingTimeInterval(-configuration.backdate), notAfter: notAfter,
                publicKey: signer.publicKey, extensions: extensions)
            let certificate = try crypto {
                try CertificateBuilder.issue(
                    template, issuer: parentCA?.certificate, signer: parentCA?.signer ?? signer)
            }
            // The CA's delegated OCSP signer.
            let (ocspKey, ocspCertificate) = try makeOCSPSigner(
                caName: name, caCertificate: certificate, caSigner: signer, caKeyType: keyType, at: now)
            generated.append(ocspKey.id)
            // A re-keyed root: each generation certifies the other's key.
            let cross = try oldRoot.map {
                try crossCertificates(
                    newRoot: certificate, named: name, newSigner: signer, extensions: extensions, oldRoot: $0, at: now)
            }
            var record = CARecord(
                name: name, role: parent == nil ? .root : .issuing, algorithm: family, parent: parent,
                keyID: keyInfo.id.rawValue, certificate: Data(certificate.der),
                ocspSignerKeyID: ocspKey.id.rawValue, ocspSignerCertificate: Data(ocspCertificate.der),
                createdAt: now)
            record.newWithOld = cross.map { Data($0.newWithOld.der) }
            record.oldWithNew = cross.map { Data($0.oldWithNew.der) }
            try store.write { tx in
                try tx.insert(record)
                if let cross, let oldRoot {
                    try registerCross(cross.newWithOld, issuer: oldRoot.record.name, at: now, in: tx)
                    try registerCross(cross.oldWithNew, issuer: name, at: now, in: tx)
                }
                for id in generated { try journal.settle(id, in: tx) }
                var details = [
                    "role": record.role.rawValue, "algorithm": family.rawValue, "parent": parent ?? "",
                    "subject": certificate.subject.description,
                    "serial": certificate.serialHex, "fingerprint": certificate.fingerprint,
                    "key": keyInfo.id.rawValue,
                    "ocspSigner": ocspCertificate.serialHex,
                ]
                if let predecessor {
                    // Checked again inside the write lock: two renewals of one CA cannot both win.
                    guard var old = try tx.ca(predecessor), old.successor == nil else {
                        throw TrustError.conflict("CA \(predecessor) was renewed meanwhile")
                    }
                    old.successor = name
                    try tx.update(old)
                    details["predecessor"] = predecessor
                    if let cross {
                        details["newWithOld"] = cross.newWithOld.serialHex
                        details["oldWithNew"] = cross.oldWithNew.serialHex
                    }
                    // Other nodes reload their OCSP signers (the new CA's) when they hear this.
                    try tx.announce(.signers)
                }
                try tx.appendAudit(
                    AuditEntry(
                        actor: actor,
                        action: predecessor == nil ? "ca.create" : oldRoot == nil ? "ca.renew" : "ca.rekey",
                        object: "ca:\(name)",
                        details: details), at: now)
                try faultPoint?("ca.before-commit")
            }
            return CAInfo(
                name: name, role: record.role, algorithm: family, parent: parent, certificate: certificate,
                keyID: keyInfo.id.rawValue)
        } catch {
            // Nothing names the fresh keys: destroy them rather than leave orphans in custody.
            for id in generated { journal.abandon(id) }
            throw error
        }
    }

    /// A fresh delegated OCSP signer for a CA: a key of the CA's family and an `ocsp-signer` certificate (at most
    /// until the CA's own end). The key is journaled; the caller settles it in the transaction that names it.
    func makeOCSPSigner(
        caName name: String, caCertificate certificate: Certificate, caSigner signer: KeyStoreSigner,
        caKeyType keyType: KeyType, at now: Date
    ) throws -> (KeyInfo, Certificate) {
        let ocspType: KeyType = keyType == .sm2 ? .sm2 : keyType.isRSA ? .rsa2048 : .p256
        let ocspKey = try journal.generate(ocspType, label: "ocsp:\(name)")
        do {
            let ocspProfile = try profiles.profile("ocsp-signer")
            let ocspSigner = try KeyStoreSigner(store: keys, keyID: ocspKey.id)
            let ocspCertificate = try crypto {
                try CertificateBuilder.issue(
                    CertificateTemplate(
                        serialNumber: CertificateBuilder.randomSerialNumber(),
                        subject: DistinguishedName([
                            .init("C", configuration.country), .init("O", configuration.organization),
                            .init("CN", "\(configuration.organization) OCSP Signer (\(name))"),
                        ]),
                        notBefore: now.addingTimeInterval(-configuration.backdate),
                        notAfter: min(
                            now.addingTimeInterval(TimeInterval(ocspProfile.validityDays) * 86400), certificate.notAfter
                        ),
                        publicKey: ocspSigner.publicKey,
                        extensions: [
                            .basicConstraints(ca: false, pathLength: nil), .keyUsage([.digitalSignature]),
                            .extendedKeyUsage(
                                ocspProfile.extendedKeyUsage, critical: ocspProfile.extendedKeyUsageCritical),
                            .ocspNoCheck, .subjectKeyIdentifier, .authorityKeyIdentifier,
                        ]),
                    issuer: certificate, signer: signer)
            }
            return (ocspKey, ocspCertificate)
        } catch {
            journal.abandon(ocspKey.id)
            throw error
        }
    }

    /// Renews every delegated OCSP signer that comes within ``SystemIdentities/renewalMargin(for:)`` of its end
    /// (the profile gives them 90 days): a new key and certificate replace the old ones in one transaction with the
    /// audit record; the old key is retired through the journal. Returns the CAs whose signer was renewed.
    func renewOCSPSigners(actor: String) throws -> [String] {
        let now = clock()
        var renewed: [String] = []
        for record in try store.read({ try $0.cas() }) {
            guard let der = record.ocspSignerCertificate, let current = try? Certificate(der: Array(der)),
                current.notAfter.timeIntervalSince(now) <= SystemIdentities.renewalMargin(for: current)
            else { continue }
            let ca = try load(record.name)
            // A CA at its end gets no new responder.
            guard ca.certificate.notAfter > now.addingTimeInterval(86400) else { continue }
            let keyType = ca.signer.publicKey.type
            let (key, certificate) = try makeOCSPSigner(
                caName: record.name, caCertificate: ca.certificate, caSigner: ca.signer,
                caKeyType: keyType, at: now)
            let old = record.ocspSignerKeyID.flatMap { try? KeyID($0) }
            do {
                try store.write { tx in
                    guard var fresh = try tx.ca(record.name), fresh.ocspSignerKeyID == record.ocspSignerKeyID else {
                        throw TrustError.conflict("the OCSP signer of \(record.name) changed meanwhile")
                    }
                    fresh.ocspSignerKeyID = key.id.rawValue
                    fresh.ocspSignerCertificate = Data(certificate.der)
                    try tx.update(fresh)
                    try journal.settle(key.id, in: tx)
                    if let old { try journal.retire(old, label: "ocsp:\(record.name) (renewed)", in: tx) }
                    try tx.appendAudit(
                        AuditEntry(
                            actor: actor, action: "ocsp.signer-renew", object: "ca:\(record.name)",
                            details: [
                                "previous": current.serialHex, "serial": certificate.serialHex,
                                "notAfter": UTCTime.iso8601(certificate.notAfter), "key": key.id.rawValue,
                            ]), at: now)
                }
            } catch {
                journal.abandon(key.id)
                throw error
            }
            if let old { journal.completeRetirement(old) }
            renewed.append(record.name)
        }
        return renewed
    }

    func list() throws -> [CAInfo] {
        try store.read { try $0.cas() }.map { record in
            CAInfo(
                name: record.name, role: record.role, algorithm: record.algorithm, parent: record.parent,
                certificate: try Certificate.cached(der: Array(record.certificate)), keyID: record.keyID,
                successor: record.successor,
                crossCertificates: try [record.newWithOld, record.oldWithNew].compactMap { $0 }.map {
                    try Certificate.cached(der: Array($0))
                },
                issuerChain: try record.issuerChain.map {
                    try Certificate.parseChain(pem: String(decoding: $0, as: UTF8.self))
                } ?? [])
        }
    }

    /// Drops a loaded CA (renewed or re-keyed: its record changed).
    func forget(_ name: String) { loaded.withLock { $0[name] = nil } }

    func load(_ name: String) throws -> LoadedCA {
        if let cached = loaded.withLock({ $0[name] }) { return cached }
        guard let record = try store.read({ try $0.ca(name) }) else { throw TrustError.notFound("no CA named \(name)") }
        let certificate = try Certificate(der: Array(record.certificate))
        let ca = LoadedCA(
            record: record, certificate: certificate,
            signer: try KeyStoreSigner(store: keys, keyID: try KeyID(record.keyID)), chain: try readChain(of: name))
        loaded.withLock { $0[name] = ca }
        return ca
    }

    /// The CA's certificate followed by its parents up to the root.
    func chain(of name: String) throws -> [Certificate] { try load(name).chain }

    private func readChain(of name: String) throws -> [Certificate] {
        var out: [Certificate] = []
        var next: String? = name
        var external: Data? = nil
        while let current = next, out.count < 8 {
            guard let record = try store.read({ try $0.ca(current) }) else {
                throw TrustError.notFound("no CA named \(current)")
            }
            out.append(try Certificate(der: Array(record.certificate)))
            next = record.parent
            external = record.issuerChain
        }
        // An imported CA whose issuer stays outside trustd carries that issuer's chain.
        if let external { out += try Certificate.parseChain(pem: String(decoding: external, as: UTF8.self)) }
        return out
    }
}
