import Foundation
import KeyCustody
import Synchronization
import TrustCrypto
import TrustModel

/// trustd's own keys with certificates from its own CAs — the seal maker, the time-stamping units, the TLS server —
/// made on first use, reused, and renewed under one policy.
///
/// Making or renewing one is a single transaction (certificate, the settings that name key and certificate, the key
/// journal entry settled) under one lock, so a crash leaves the old identity or the new one, never a certificate
/// without settings or a key nobody names.
public final class SystemIdentities: Sendable {
    /// What an identity is: its key type, certificate profile and issuing CA, subject and names.
    public struct Spec: Sendable, Hashable {
        /// Prefix of the settings naming key and certificate (`<name>.key_id`, `<name>.serial`).
        public let name: String
        public let keyType: KeyType
        public let profile: String
        public let ca: String
        public let subject: DistinguishedName
        public let subjectAlternativeNames: [GeneralName]
        /// Keep the key when the certificate is renewed (TLS: clients may pin it); otherwise a fresh key.
        public let keepsKey: Bool

        public init(
            name: String, keyType: KeyType, profile: String, ca: String, subject: DistinguishedName,
            subjectAlternativeNames: [GeneralName] = [], keepsKey: Bool = false
        ) {
            self.name = name
            self.keyType = keyType
            self.profile = profile
            self.ca = ca
            self.subject = subject
            self.subjectAlternativeNames = subjectAlternativeNames
            self.keepsKey = keepsKey
        }
    }

    public struct Identity: Sendable {
        public let keyID: KeyID
        /// The identity's certificate, its issuing CA and the root.
        public let chain: [Certificate]
        /// `true` when this call made or renewed it.
        public let issued: Bool
        public var certificate: Certificate { chain[0] }
    }

    /// Renewal: when less than 30 days, or a third of the certificate's lifetime if that is shorter, remain.
    public static func renewalMargin(for certificate: Certificate) -> TimeInterval {
        min(30 * 86400, certificate.notAfter.timeIntervalSince(certificate.notBefore) / 3)
    }

    let ca: CertificateAuthority
    let journal: KeyJournal
    let clock: @Sendable () -> Date
    private let loaded = Mutex<[Spec: Identity]>([:])
    private let making = NSLock()

    public init(ca: CertificateAuthority, journal: KeyJournal, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.ca = ca
        self.journal = journal
        self.clock = clock
    }

    /// The identity for `spec`: from memory, from the settings of an earlier run, or made now.
    public func identity(_ spec: Spec) throws -> Identity {
        if let known = loaded.withLock({ $0[spec] }), !isDue(known.certificate) { return known }
        return try making.withLock {
            if let known = loaded.withLock({ $0[spec] }), !isDue(known.certificate) { return known }
            let identity = try storedIdentity(spec) ?? make(spec)
            loaded.withLock { $0[spec] = Identity(keyID: identity.keyID, chain: identity.chain, issued: false) }
            return identity
        }
    }

    private func isDue(_ certificate: Certificate) -> Bool {
        certificate.notAfter.timeIntervalSince(clock()) < Self.renewalMargin(for: certificate)
    }

    /// The saved identity if it still fits the spec: key in custody, certificate valid in the registry and not due
    /// for renewal, same issuer, names and public key.
    private func storedIdentity(_ spec: Spec) throws -> Identity? {
        guard let (keyID, record) = try saved(spec), record.issuer == spec.ca, record.status == .valid else {
            return nil
        }
        let certificate = try Certificate(der: Array(record.der))
        guard !isDue(certificate),
            Set(certificate.subjectAlternativeNames.map(GeneralName.canonical))
                == Set(spec.subjectAlternativeNames.map(GeneralName.canonical)),
            let key = try? custody({ try ca.keys.publicKey(keyID) }), try certificate.publicKey == key
        else { return nil }
        return Identity(keyID: keyID, chain: [certificate] + (try ca.chain(of: spec.ca)), issued: false)
    }

    private func saved(_ spec: Spec) throws -> (KeyID, CertificateRecord)? {
        let (keyText, serial) = try ca.store.read { reader in
            (try reader.setting("\(spec.name).key_id"), try reader.setting("\(spec.name).serial"))
        }
        guard let keyText, let serial, let keyID = try? KeyID(keyText),
            let record = try ca.store.read({ try $0.certificate(serial: serial) })
        else { return nil }
        return (keyID, record)
    }

    private func make(_ spec: Spec) throws -> Identity {
        var kept: KeyID? = nil
        if spec.keepsKey, let (keyID, _) = try saved(spec), (try? ca.keys.info(keyID)) != nil { kept = keyID }
        let fresh = try kept == nil ? journal.generate(spec.keyType, label: spec.name) : nil
        let keyID = kept ?? fresh!.id
        do {
            let pending = try ca.prepare(
                publicKey: try custody { try ca.keys.publicKey(keyID) }, subject: spec.subject,
                subjectAlternativeNames: spec.subjectAlternativeNames, profile: spec.profile, ca: spec.ca,
                actor: "system:\(spec.name)")
            try ca.store.write { tx in
                try ca.commit(pending, in: tx)
                try tx.setSetting("\(spec.name).key_id", keyID.rawValue)
                try tx.setSetting("\(spec.name).serial", pending.issued.record.serial)
                if fresh != nil { try journal.settle(keyID, in: tx) }
            }
            return Identity(keyID: keyID, chain: [pending.issued.certificate] + pending.issued.chain, issued: true)
        } catch {
            if fresh != nil { journal.abandon(keyID) }
            throw error
        }
    }
}

extension GeneralName {
    /// One spelling per name: IP addresses normalised (`::1` and `0:0:0:0:0:0:0:1` are the same), DNS names in lower case.
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
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }
}
