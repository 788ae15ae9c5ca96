import Foundation
import KeyCustody
import TrustCrypto
import TrustModel

/// The daemon's TLS server identity: a P-256 key in key custody and a `tls-server` certificate from one of trustd's
/// own RSA or ECDSA issuing CAs (TLS stacks do not speak SM2 certificates), kept by ``SystemIdentities``: reused
/// across restarts, renewed near expiry or when the names change (keeping the key).
public struct ServerIdentity: Sendable {
    public let keyID: KeyID
    public let keyType: KeyType
    /// The server certificate followed by its issuing CA and root.
    public let chain: [Certificate]
    /// `true` when this start issued a new certificate (first start, changed names, near expiry, revoked).
    public let issued: Bool

    public var certificate: Certificate { chain[0] }

    /// Loads the identity saved by an earlier start, or makes one. `names` are DNS names or IP addresses; the first
    /// is also the subject CN.
    public static func ensure(identities: SystemIdentities, ca: CertificateAuthority, caName: String, names: [String])
        throws -> ServerIdentity
    {
        guard !names.isEmpty, names.count <= 20 else { throw TrustError.invalid("the TLS server needs 1 to 20 names") }
        guard let info = try ca.list().first(where: { $0.name == caName }) else {
            throw TrustError.notFound("no CA named \(caName)")
        }
        guard info.algorithm != .sm2 else {
            throw TrustError.invalid("CA \(caName) is an SM2 CA; TLS server certificates come from an RSA or ECDSA CA")
        }
        let sans = names.map { GeneralName.isIPAddress($0) ? GeneralName.ip($0) : GeneralName.dns($0) }
        let identity = try identities.identity(
            SystemIdentities.Spec(
                name: "tls", keyType: .p256, profile: "tls-server", ca: caName,
                subject: DistinguishedName(["O": ca.configuration.organization, "CN": names[0]]),
                subjectAlternativeNames: sans, keepsKey: true))
        return ServerIdentity(keyID: identity.keyID, keyType: .p256, chain: identity.chain, issued: identity.issued)
    }
}
