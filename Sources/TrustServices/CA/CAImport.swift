import Foundation
import KeyCustody
import TrustCrypto
import TrustModel

/// An existing CA a province brings to trustd: its certificate and its key — from a PKCS#12 file, a PKCS#8 PEM
/// (password-protected or not), or a key already in the HSM named by its id.
public struct CAImportRequest: Sendable {
    public enum KeyMaterial: Sendable {
        /// A PKCS#12 file (DER) and its password; it may carry the certificate and the issuer chain as well.
        case pkcs12(der: [UInt8], password: String)
        /// A PEM private key, encrypted under `password` when one is given.
        case pem(String, password: String?)
        /// A key already in custody (an HSM key imported with the token's own tool), by its 32-hex id.
        case custody(keyID: String)

        /// The audit's word for where the key came from.
        var source: String {
            switch self {
            case .pkcs12: "pkcs12"
            case .pem: "pkcs8"
            case .custody: "custody"
            }
        }
    }

    public let name: String
    /// The CA certificate (PEM); may be omitted when the PKCS#12 file carries it.
    public let certificatePEM: String?
    /// The issuer's certificates up to a self-signed root (PEM), for a CA whose issuer is not a trustd CA; taken
    /// from the PKCS#12 file when omitted.
    public let chainPEM: String?
    public let key: KeyMaterial

    public init(name: String, certificatePEM: String?, chainPEM: String?, key: KeyMaterial) {
        self.name = name
        self.certificatePEM = certificatePEM
        self.chainPEM = chainPEM
        self.key = key
    }
}

extension CAHierarchy {
    /// Imports a CA (see ``CAImportRequest``). A self-signed certificate becomes a root; a certificate signed by a
    /// trustd root becomes an issuing CA under it; any other needs its issuer chain up to a self-signed root, which
    /// is kept with it (the root key stays wherever it is). The key must match the certificate; a key given in clear
    /// goes into custody through the journal, and the CA gets a delegated OCSP signer like any other. One
    /// `ca.import` audit record; nothing is kept if any step fails (an HSM key named by id is never destroyed).
    func importCA(_ request: CAImportRequest, actor: String) throws -> CAInfo {
        try Self.validateName(request.name)
        if try store.read({ try $0.ca(request.name) }) != nil { throw TrustError.conflict("CA \(request.name) exists") }
        let material = try crypto { try ImportedMaterial(request) }
        let certificate = material.certificate
        let now = clock()
        guard certificate.isCA, certificate.keyUsage.map({ $0.contains(.keyCertSign) }) ?? true else {
            throw TrustError.invalid("the certificate is not a CA certificate (basicConstraints CA, keyCertSign)")
        }
        guard certificate.notAfter > now, certificate.notBefore <= now.addingTimeInterval(300) else {
            throw TrustError.invalid("the CA certificate is not valid now (\(UTCTime.iso8601(certificate.notAfter)))")
        }
        let publicKey = try crypto { try certificate.publicKey }
        let cas = try store.read { try $0.cas() }
        let placement = try place(certificate, publicKey: publicKey, chain: material.chain, among: cas, at: now)

        var generated: [KeyID] = []
        do {
            let keyID: KeyID
            switch material.key {
            case .inClear(let privateKey):
                guard try crypto({ try privateKey.publicKey.spkiDER }) == publicKey.spkiDER else {
                    throw TrustError.invalid("the private key does not match the CA certificate")
                }
                keyID = try journal.importKey(privateKey, label: "ca:\(request.name)").id
                generated.append(keyID)
            case .custody(let id):
                keyID = id
                guard try custody({ try keys.publicKey(id) }).spkiDER == publicKey.spkiDER else {
                    throw TrustError.invalid("key \(id) in custody does not match the CA certificate")
                }
                if let user = cas.first(where: { $0.keyID == id.rawValue }) {
                    throw TrustError.conflict("key \(id) is already the key of CA \(user.name)")
                }
            }
            let signer = try KeyStoreSigner(store: keys, keyID: keyID)
            let (ocspKey, ocspCertificate) = try makeOCSPSigner(
                caName: request.name, caCertificate: certificate, caSigner: signer, caKeyType: publicKey.type, at: now)
            generated.append(ocspKey.id)
            let family: CAAlgorithm = publicKey.type == .sm2 ? .sm2 : publicKey.type.isRSA ? .rsa : .ecdsa
            var record = CARecord(
                name: request.name, role: placement.role, algorithm: family, parent: placement.parent,
                keyID: keyID.rawValue, certificate: Data(certificate.der), ocspSignerKeyID: ocspKey.id.rawValue,
                ocspSignerCertificate: Data(ocspCertificate.der), createdAt: now)
            record.issuerChain =
                placement.externalChain.isEmpty
                ? nil : Data(placement.externalChain.map(\.pem).joined().utf8)
            try store.write { tx in
                try tx.insert(record)
                for id in generated { try journal.settle(id, in: tx) }
                try tx.appendAudit(
                    AuditEntry(
                        actor: actor, action: "ca.import", object: "ca:\(request.name)",
                        details: [
                            "role": record.role.rawValue, "algorithm": family.rawValue,
                            "parent": placement.parent ?? placement.externalChain.first?.subject.description ?? "",
                            "subject": certificate.subject.description, "serial": certificate.serialHex,
                            "fingerprint": certificate.fingerprint, "key": keyID.rawValue,
                            "keySource": request.key.source, "ocspSigner": ocspCertificate.serialHex,
                        ]), at: now)
            }
            return CAInfo(
                name: record.name, role: record.role, algorithm: family, parent: record.parent,
                certificate: certificate, keyID: keyID.rawValue, issuerChain: placement.externalChain)
        } catch {
            for id in generated { journal.abandon(id) }
            throw error
        }
    }

    /// Where an imported CA sits: a root, under a trustd root, or under an issuer outside trustd (chain checked by
    /// OpenSSL's path validation up to the chain's self-signed root).
    private func place(
        _ certificate: Certificate, publicKey: PublicKey, chain: [Certificate], among cas: [CARecord], at now: Date
    ) throws -> (role: CARole, parent: String?, externalChain: [Certificate]) {
        if certificate.isSelfIssued, certificate.isSigned(by: publicKey) {
            guard chain.isEmpty else { throw TrustError.invalid("a self-signed root is imported without a chain") }
            return (.root, nil, [])
        }
        for record in cas where record.role == .root {
            guard let parent = try? Certificate.cached(der: Array(record.certificate)),
                parent.subject == certificate.issuer, let key = try? parent.publicKey, certificate.isSigned(by: key)
            else { continue }
            return (.issuing, record.name, [])
        }
        guard let top = chain.last else {
            throw TrustError.invalid(
                "the CA's issuer (\(certificate.issuer)) is not a trustd root: give its chain up to a self-signed root")
        }
        guard top.isSelfIssued, let topKey = try? top.publicKey, top.isSigned(by: topKey) else {
            throw TrustError.invalid("the issuer chain must end with a self-signed root")
        }
        let outcome = PathValidator(trustAnchors: [top]).validate(
            certificate, intermediates: Array(chain.dropLast()), at: now)
        guard outcome.isValid else {
            throw TrustError.invalid("the CA certificate does not validate against the given chain: \(outcome)")
        }
        return (.issuing, nil, chain)
    }

    static func validateName(_ name: String) throws {
        guard name.range(of: "^[a-z0-9][a-z0-9-]{0,62}$", options: .regularExpression) != nil else {
            throw TrustError.invalid("CA name must be lower-case letters, digits and dashes")
        }
    }
}

/// The decoded parts of an import: certificate, issuer chain and key (in clear, or a custody id).
private struct ImportedMaterial {
    enum Key {
        case inClear(PrivateKey)
        case custody(KeyID)
    }
    let certificate: Certificate
    let chain: [Certificate]
    let key: Key

    init(_ request: CAImportRequest) throws {
        do {
            try self.init(decoding: request)
        } catch let error as CryptoError where error.code == .authenticationFailed {
            // A wrong password is the caller's mistake, not a failure of the appliance.
            throw CryptoError(.invalidArgument, error.message)
        }
    }

    private init(decoding request: CAImportRequest) throws {
        let given = try request.certificatePEM.map { try Certificate(pem: $0) }
        var chain = try request.chainPEM.map { try Certificate.parseChain(pem: $0) }
        switch request.key {
        case .pkcs12(let der, let password):
            let contents = try PKCS12Contents(der: der, password: password)
            if let given, given.der != contents.certificate.der {
                throw CryptoError(.invalidArgument, "the certificate given is not the one in the PKCS#12 file")
            }
            certificate = contents.certificate
            chain = chain ?? contents.others
            key = .inClear(contents.privateKey)
        case .pem(let pem, let password):
            key = .inClear(try password.map { try PrivateKey(pem: pem, password: $0) } ?? PrivateKey(pem: pem))
            guard let given else { throw CryptoError(.invalidArgument, "the CA certificate is missing") }
            certificate = given
        case .custody(let id):
            do { key = .custody(try KeyID(id)) } catch { throw CryptoError(.invalidArgument, "\(error)") }
            guard let given else { throw CryptoError(.invalidArgument, "the CA certificate is missing") }
            certificate = given
        }
        // A PKCS#12 file often carries the whole chain, root included; only the issuer's side is kept.
        let own = certificate.der
        self.chain = (chain ?? []).filter { $0.der != own }
    }
}
