import Foundation
import TrustCrypto

/// A small PKI built in code (root → issuing CA → leaf) for tests, with in-memory keys.
public struct TestPKI: Sendable {
    public let rootKey: PrivateKey
    public let root: Certificate
    public let issuingKey: PrivateKey
    public let issuing: Certificate

    public init(
        _ type: KeyType, name: String = "Test", notBefore: Date = Date(timeIntervalSinceNow: -3600),
        notAfter: Date = Date(timeIntervalSinceNow: 10 * 365 * 86400)
    ) throws {
        rootKey = try PrivateKey.generate(type)
        root = try CertificateBuilder.issue(
            CertificateTemplate(
                serialNumber: CertificateBuilder.randomSerialNumber(),
                subject: DistinguishedName(["C": "CN", "O": "trustd tests", "CN": "\(name) \(type) Root"]),
                notBefore: notBefore, notAfter: notAfter, publicKey: try rootKey.publicKey,
                extensions: [
                    .basicConstraints(ca: true, pathLength: nil), .keyUsage([.keyCertSign, .cRLSign]),
                    .subjectKeyIdentifier, .authorityKeyIdentifier,
                ]),
            issuer: nil, signer: try PrivateKeySigner(rootKey))
        issuingKey = try PrivateKey.generate(type)
        issuing = try CertificateBuilder.issue(
            CertificateTemplate(
                serialNumber: CertificateBuilder.randomSerialNumber(),
                subject: DistinguishedName(["C": "CN", "O": "trustd tests", "CN": "\(name) \(type) Issuing"]),
                notBefore: notBefore, notAfter: notAfter, publicKey: try issuingKey.publicKey,
                extensions: [
                    .basicConstraints(ca: true, pathLength: 0), .keyUsage([.keyCertSign, .cRLSign]),
                    .subjectKeyIdentifier, .authorityKeyIdentifier,
                ]),
            issuer: root, signer: try PrivateKeySigner(rootKey))
    }

    /// Issues a leaf for `key` from the issuing CA.
    public func leaf(
        _ key: PrivateKey, commonName: String = "leaf", subject: DistinguishedName? = nil,
        extensions: [CertificateExtension]? = nil,
        notBefore: Date = Date(timeIntervalSinceNow: -60), notAfter: Date = Date(timeIntervalSinceNow: 86400),
        issuer: Certificate? = nil, issuerKey: PrivateKey? = nil
    ) throws -> Certificate {
        try CertificateBuilder.issue(
            CertificateTemplate(
                serialNumber: CertificateBuilder.randomSerialNumber(),
                subject: subject ?? DistinguishedName(["C": "CN", "CN": commonName]),
                notBefore: notBefore, notAfter: notAfter, publicKey: try key.publicKey,
                extensions: extensions ?? [
                    .basicConstraints(ca: false, pathLength: nil),
                    .keyUsage([.digitalSignature, .nonRepudiation]),
                    .subjectKeyIdentifier, .authorityKeyIdentifier,
                ]),
            issuer: issuer ?? issuing, signer: try PrivateKeySigner(issuerKey ?? issuingKey))
    }
}
