import Foundation
import TrustCrypto
import TrustModel

/// Which certificates end soon: every CA's own certificate, and the valid certificates trustd issued that end within
/// the window, per profile (TSA, TLS, OCSP signers, seal maker, seals, signing keys …). Read by the maintenance loop
/// at start and hourly (it counts the certificate table), logged as warnings and shown as metrics.
public struct ExpiryReport: Sendable {
    public struct CA: Sendable, Hashable {
        public let name: String
        public let notAfter: Date
    }

    public let checkedAt: Date
    public let windowDays: Int
    /// Every CA, expiring or not (the metrics show each one's remaining time).
    public let cas: [CA]
    /// Issued certificates ending within the window, per profile.
    public let expiring: [ExpiringCertificates]

    public var windowEnd: Date { checkedAt.addingTimeInterval(TimeInterval(windowDays) * 86400) }
    public var expiringCAs: [CA] { cas.filter { $0.notAfter < windowEnd } }

    /// One line per warning, for the log.
    public var warnings: [String] {
        expiringCAs.map { "CA \($0.name) certificate expires at \(UTCTime.iso8601($0.notAfter))" }
            + expiring.map {
                "\($0.count) \($0.profile) certificate(s) expire within \(windowDays) days, the first at "
                    + UTCTime.iso8601($0.soonest)
            }
    }
}

extension CertificateAuthority {
    /// The expiry report now, for a window of `windowDays`.
    public func expiryReport(windowDays: Int, at now: Date = Date()) throws -> ExpiryReport {
        let end = now.addingTimeInterval(TimeInterval(windowDays) * 86400)
        return try store.read { reader in
            ExpiryReport(
                checkedAt: now, windowDays: windowDays,
                cas: try reader.cas().map { record in
                    ExpiryReport.CA(
                        name: record.name, notAfter: try Certificate.cached(der: Array(record.certificate)).notAfter)
                },
                expiring: try reader.expiringCertificates(from: now, before: end))
        }
    }
}
