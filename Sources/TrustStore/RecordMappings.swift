import Foundation
import GRDB
import TrustServices

/// Records whose dates are stored as seconds since 1970 (REAL): no date-string formatting or parsing per row, and
/// SQL compares stored values of one type. Column names are the records' persisted field names (their CodingKeys).
protocol SecondsDateRecord: FetchableRecord, PersistableRecord {}

extension SecondsDateRecord {
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy {
        .timeIntervalSince1970
    }
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy {
        .timeIntervalSince1970
    }
}

extension CARecord: SecondsDateRecord { public static let databaseTableName = "ca" }
extension CertificateRecord: SecondsDateRecord { public static let databaseTableName = "certificate" }
extension CRLRecord: SecondsDateRecord { public static let databaseTableName = "crl" }
extension PrincipalRecord: SecondsDateRecord { public static let databaseTableName = "principal" }
extension TokenRecord: SecondsDateRecord { public static let databaseTableName = "token" }
extension PrincipalCertificateRecord: SecondsDateRecord {
    public static let databaseTableName = "principal_certificate"
}
extension KeyJournalRecord: SecondsDateRecord { public static let databaseTableName = "key_journal" }
extension PersonRecord: SecondsDateRecord { public static let databaseTableName = "person" }
extension OrganizationRecord: SecondsDateRecord { public static let databaseTableName = "organization" }
extension EvidenceRecord: SecondsDateRecord { public static let databaseTableName = "evidence" }
extension OTPRecord: SecondsDateRecord { public static let databaseTableName = "otp" }
extension ChallengeRecord: SecondsDateRecord { public static let databaseTableName = "challenge" }
extension AuthorizationRecord: SecondsDateRecord { public static let databaseTableName = "authorization" }
extension SealRecord: SecondsDateRecord { public static let databaseTableName = "seal" }
extension SealEventRecord: SecondsDateRecord { public static let databaseTableName = "seal_event" }
extension SealGrantRecord: SecondsDateRecord { public static let databaseTableName = "seal_grant" }
extension SigningKeyRecord: SecondsDateRecord { public static let databaseTableName = "signing_key" }

/// Audit records keep their time as text (part of what is hashed).
extension AuditRecord: FetchableRecord, PersistableRecord { public static let databaseTableName = "audit_log" }
extension AuditCheckpointRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "audit_checkpoint"
}

/// Small key-value settings.
struct SettingRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "setting"
    var key: String
    var value: String
}
