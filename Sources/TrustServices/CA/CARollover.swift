import Foundation
import KeyCustody
import TrustCrypto
import TrustModel

/// Renewing an issuing CA and re-keying a root: a new generation (`<name>-g2`, `-g3` …) takes over from the old
/// CA, which keeps signing CRLs and OCSP answers for what it issued until the last of it ends.
extension CAHierarchy {
    /// The CA that issues for `name` now: `name` itself, or the successor it was renewed to (read from the store, so
    /// a renewal on another node is followed at once).
    func current(_ name: String) throws -> String {
        var current = name
        for _ in 0..<16 {
            guard let successor = try store.read({ try $0.ca(current) })?.successor else { return current }
            current = successor
        }
        throw TrustError(.integrity, "CA \(name) has a successor chain longer than 16")
    }

    /// Renews an issuing CA: a new key and a new certificate, with the same subject, from its root — the root's
    /// current generation, so after a root re-key the issuing CA moves under the new root. The old CA names the new
    /// one as its successor in the same transaction. Issuance that names the old CA goes to the new one.
    func renew(_ name: String, actor: String) throws -> CAInfo {
        let record = try unrenewed(name)
        guard record.role == .issuing else {
            throw TrustError.invalid("a root is not renewed: re-key it (POST /v1/cas/\(name)/rekey)")
        }
        guard let parent = record.parent else {
            throw TrustError.invalid(
                "CA \(name) was imported with an issuer outside trustd: renew it there and import the new CA")
        }
        let keyType = try keys.info(try KeyID(record.keyID)).type
        let info = try createCA(
            name: try nextGeneration(of: name), parent: try current(parent), keyType: keyType.rawValue, actor: actor,
            predecessor: name)
        forget(name)
        return info
    }

    /// Re-keys a root (RFC 4210 §4.4): a new self-signed root `<name>-g2` ("… Root CA G2") with a new key, and two
    /// cross-certificates — the new key certified by the old root (`newWithOld`) and the old key by the new root
    /// (`oldWithNew`) — so relying parties that trust either root validate both hierarchies during the changeover.
    /// The issuing CAs move under the new root when they are next renewed; the old root keeps its CRL and OCSP.
    func rekeyRoot(_ name: String, actor: String) throws -> CAInfo {
        let record = try unrenewed(name)
        guard record.role == .root else {
            throw TrustError.invalid("only a root is re-keyed; an issuing CA is renewed (POST /v1/cas/\(name)/renew)")
        }
        let old = try load(name)
        guard old.certificate.subject == old.certificate.issuer else {
            throw TrustError.invalid("CA \(name) is not self-signed; it cannot be re-keyed as a root")
        }
        let keyType = try keys.info(try KeyID(record.keyID)).type
        let info = try createCA(
            name: try nextGeneration(of: name), parent: nil, keyType: keyType.rawValue, actor: actor,
            predecessor: name, rekeying: old)
        forget(name)
        return info
    }

    private func unrenewed(_ name: String) throws -> CARecord {
        guard let record = try store.read({ try $0.ca(name) }) else { throw TrustError.notFound("no CA named \(name)") }
        if let successor = record.successor {
            throw TrustError.conflict("CA \(name) was already renewed: its successor is \(successor)")
        }
        return record
    }

    /// `<base>-g2`, `-g3` …: the first generation name not taken.
    private func nextGeneration(of name: String) throws -> String {
        let base = name.replacingOccurrences(of: "-g[0-9]+$", with: "", options: .regularExpression)
        let existing = Set(try store.read { try $0.cas() }.map(\.name))
        guard let next = (2..<1000).map({ "\(base)-g\($0)" }).first(where: { !existing.contains($0) }) else {
            throw TrustError.conflict("no free generation name for \(base)")
        }
        return next
    }

    /// " G2" for `sm2-root-g2`: a new root generation gets its own name, so a path builder never confuses the two
    /// roots (a cross-certificate then chains by name as well as by key identifier).
    static func generationSuffix(_ name: String) -> String {
        guard let range = name.range(of: "-g[0-9]+$", options: .regularExpression) else { return "" }
        return " G" + name[range].dropFirst(2)
    }

    /// The two cross-certificates between an old root and its new generation. Each is a CA certificate with the
    /// subject and key of one root, issued by the other, pointing at its issuer's CRL, and ending no later than
    /// either root.
    func crossCertificates(
        newRoot: Certificate, named newName: String, newSigner: KeyStoreSigner, extensions: [CertificateExtension],
        oldRoot: LoadedCA, at now: Date
    ) throws -> (newWithOld: Certificate, oldWithNew: Certificate) {
        func cross(subject: Certificate, issuer: Certificate, issuerName: String, signer: KeyStoreSigner) throws
            -> Certificate
        {
            try crypto {
                try CertificateBuilder.issue(
                    CertificateTemplate(
                        serialNumber: CertificateBuilder.randomSerialNumber(), subject: subject.subject,
                        notBefore: now.addingTimeInterval(-configuration.backdate),
                        notAfter: min(subject.notAfter, issuer.notAfter), publicKey: try subject.publicKey,
                        extensions: extensions + [
                            .crlDistributionPoints([configuration.crlURL(issuerName)]),
                            .authorityInfoAccess(
                                ocsp: [configuration.ocspURL], caIssuers: [configuration.caIssuersURL(issuerName)]),
                        ]),
                    issuer: issuer, signer: signer)
            }
        }
        return (
            newWithOld: try cross(
                subject: newRoot, issuer: oldRoot.certificate, issuerName: oldRoot.record.name,
                signer: oldRoot.signer),
            oldWithNew: try cross(subject: oldRoot.certificate, issuer: newRoot, issuerName: newName, signer: newSigner)
        )
    }

    /// A cross-certificate is a certificate its issuer vouches for: registered, so the issuer's CRL and OCSP can
    /// revoke it like any other.
    func registerCross(_ certificate: Certificate, issuer: String, at now: Date, in tx: any Repositories) throws {
        try tx.insert(
            CertificateRecord(
                serial: certificate.serialHex, issuer: issuer, subject: certificate.subject.description,
                profile: "cross-certificate", notBefore: certificate.notBefore, notAfter: certificate.notAfter,
                status: .valid, revokedAt: nil, revocationReason: nil, statusChangedAt: now,
                der: Data(certificate.der), fingerprint: certificate.fingerprint, issuedAt: now))
    }
}
