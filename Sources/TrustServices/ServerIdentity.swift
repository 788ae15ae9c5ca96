import Foundation
import KeyCustody
import TrustCrypto
import TrustModel
import TrustStore

/// The daemon's TLS server identity: a P-256 key in key custody and a `tls-server` certificate from one of trustd's
/// own RSA or ECDSA issuing CAs (TLS stacks do not speak SM2 certificates).
public struct ServerIdentity: Sendable {
    public let keyID: KeyID
    public let keyType: KeyType
    /// The server certificate followed by its issuing CA and root.
    public let chain: [Certificate]
    /// `true` when this start issued a new certificate (first start, changed names, near expiry, revoked).
    public let issued: Bool

    public var certificate: Certificate { chain[0] }

    /// Certificates are renewed when fewer than this many seconds of validity remain.
    public static let renewalMargin: TimeInterval = 30 * 86400

    /// Loads the identity saved by an earlier start, or makes one. `names` are DNS names or IP addresses; the first
    /// is also the subject CN.
    public static func ensure(ca: CertificateAuthority, caName: String, names: [String], actor: String) throws -> ServerIdentity {
        guard !names.isEmpty, names.count <= 20 else { throw TrustError.invalid("the TLS server needs 1 to 20 names") }
        let sans = names.map { Self.isIPAddress($0) ? GeneralName.ip($0) : GeneralName.dns($0) }
        guard let info = try ca.list().first(where: { $0.name == caName }) else { throw TrustError.notFound("no CA named \(caName)") }
        guard info.algorithm != "sm2" else {
            throw TrustError.invalid("CA \(caName) is an SM2 CA; TLS server certificates come from an RSA or ECDSA CA")
        }
        let saved = try ca.store.read { reader in (try reader.setting("tls.key_id"), try reader.setting("tls.serial")) }
        var keyID: KeyID? = nil
        if let savedKey = saved.0, let id = try? KeyID(savedKey), (try? ca.keys.info(id)) != nil { keyID = id }
        if let keyID, let serial = saved.1, let record = try? ca.certificate(serial: serial),
           record.issuer == caName, record.status == .valid, record.notAfter > Date().addingTimeInterval(renewalMargin) {
            let certificate = try Certificate(der: Array(record.der))
            if Set(certificate.subjectAlternativeNames.map(Self.canonical)) == Set(sans.map(Self.canonical)), try certificate.publicKey == custody({ try ca.keys.publicKey(keyID) }) {
                return ServerIdentity(keyID: keyID, keyType: .p256, chain: [certificate] + (try ca.chain(of: caName)), issued: false)
            }
        }
        let id = try keyID ?? custody { try ca.keys.generate(.p256, label: "tls-server").id }
        let publicKey = try custody { try ca.keys.publicKey(id) }
        let issued = try ca.issue(publicKey: publicKey, subject: DistinguishedName(["O": ca.configuration.organization, "CN": names[0]]),
                                  subjectAlternativeNames: sans, profile: "tls-server", ca: caName, actor: actor)
        try ca.store.write { tx in
            try tx.setSetting("tls.key_id", id.rawValue)
            try tx.setSetting("tls.serial", issued.record.serial)
        }
        return ServerIdentity(keyID: id, keyType: .p256, chain: [issued.certificate] + issued.chain, issued: true)
    }

    /// IP addresses in one spelling (`::1` and `0:0:0:0:0:0:0:1` are the same), DNS names in lower case.
    static func canonical(_ name: GeneralName) -> String {
        switch name {
        case .ip(let text):
            var v6 = in6_addr()
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            if inet_pton(AF_INET6, text, &v6) == 1, inet_ntop(AF_INET6, &v6, &buffer, socklen_t(buffer.count)) != nil {
                return "IP:" + String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
            return "IP:\(text)"
        case .dns(let text): return "DNS:\(text.lowercased())"
        default: return name.description
        }
    }

    static func isIPAddress(_ text: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }
}
