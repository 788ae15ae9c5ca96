import Foundation

/// The one description of trustd's schema that every store engine is held to: each table, its columns with their
/// types and constraints, and its indexes, as the latest migration leaves them. SQLite reaches it through the shipped
/// GRDB migrations (`Schema`); PostgreSQL's DDL is generated from it (`TrustStorePostgres`); a test reads both
/// databases' catalogues back and compares them with this. A new migration changes this description too.
public enum SchemaDescription {
    /// The version the description stands for: the number of migrations (SQLite's `v14-client-assertions`).
    public static let version = 14

    /// One stored value, as every engine reads and writes it (used to copy an installation between engines).
    public enum Value: Sendable, Hashable {
        case text(String)
        case blob(Data)
        case integer(Int64)
        case double(Double)
        case boolean(Bool)
        case null
    }

    public enum ColumnType: String, Sendable, CaseIterable {
        case text, blob, integer, double, boolean
    }

    public struct Column: Sendable, Hashable {
        public let name: String
        public let type: ColumnType
        public let notNull: Bool
        public let unique: Bool
        public let references: String?
        /// The only values the column may hold (a CHECK constraint).
        public let allowed: [String]?

        init(
            _ name: String, _ type: ColumnType, notNull: Bool = true, unique: Bool = false, references: String? = nil,
            allowed: [String]? = nil
        ) {
            self.name = name
            self.type = type
            self.notNull = notNull
            self.unique = unique
            self.references = references
            self.allowed = allowed
        }
    }

    public struct Table: Sendable {
        public let name: String
        public let columns: [Column]
        public let primaryKey: [String]
        /// The primary key is a number the database assigns.
        public let autoIncrement: Bool
        /// Non-unique indexes: name and columns.
        public let indexes: [(name: String, columns: [String])]

        init(
            _ name: String, primaryKey: [String], autoIncrement: Bool = false,
            indexes: [(name: String, columns: [String])] = [], _ columns: [Column]
        ) {
            self.name = name
            self.columns = columns
            self.primaryKey = primaryKey
            self.autoIncrement = autoIncrement
            self.indexes = indexes
        }

        public func column(_ name: String) -> Column? { columns.first { $0.name == name } }
    }

    /// Tables in creation order (a table comes after the tables it references).
    public static let tables: [Table] = [
        Table("setting", primaryKey: ["key"], [Column("key", .text), Column("value", .text)]),
        Table(
            "ca", primaryKey: ["name"],
            [
                Column("name", .text), Column("role", .text, allowed: ["root", "issuing"]),
                Column("algorithm", .text), Column("parent", .text, notNull: false, references: "ca"),
                Column("key_id", .text), Column("certificate", .blob),
                Column("ocsp_signer_key_id", .text, notNull: false),
                Column("ocsp_signer_certificate", .blob, notNull: false),
                Column("crl_number", .integer), Column("created_at", .double),
                Column("successor", .text, notNull: false, references: "ca"),
                Column("new_with_old", .blob, notNull: false), Column("old_with_new", .blob, notNull: false),
                Column("issuer_chain", .blob, notNull: false),
            ]),
        Table(
            "certificate", primaryKey: ["serial"],
            indexes: [("certificate_by_issuer_status", ["issuer", "status", "status_changed_at"])],
            [
                Column("serial", .text), Column("issuer", .text, references: "ca"), Column("subject", .text),
                Column("profile", .text), Column("not_before", .double), Column("not_after", .double),
                Column("status", .text, allowed: ["valid", "revoked", "hold"]),
                Column("revoked_at", .double, notNull: false), Column("revocation_reason", .integer, notNull: false),
                Column("status_changed_at", .double), Column("der", .blob),
                Column("fingerprint", .text, unique: true), Column("issued_at", .double),
            ]),
        Table(
            "crl", primaryKey: ["issuer", "number"],
            [
                Column("issuer", .text, references: "ca"), Column("number", .integer),
                Column("this_update", .double), Column("next_update", .double),
                Column("delta_base", .integer, notNull: false), Column("der", .blob),
            ]),
        Table(
            "audit_log", primaryKey: ["seq"],
            [
                Column("seq", .integer), Column("time", .text), Column("actor", .text), Column("action", .text),
                Column("object", .text), Column("outcome", .text), Column("details", .text),
                Column("prev_hash", .text), Column("hash", .text),
            ]),
        Table(
            "audit_checkpoint", primaryKey: ["seq"],
            [
                Column("seq", .integer), Column("time", .text), Column("hash", .text), Column("key_id", .text),
                Column("algorithm", .text), Column("signature", .blob),
            ]),
        Table(
            "principal", primaryKey: ["id"],
            [
                Column("id", .text), Column("name", .text, unique: true), Column("roles", .text),
                Column("created_at", .double),
            ]),
        Table(
            "token", primaryKey: ["id"],
            [
                Column("id", .text), Column("principal_id", .text, references: "principal"),
                Column("hash", .text, unique: true), Column("created_at", .double), Column("expires_at", .double),
                Column("revoked_at", .double, notNull: false),
            ]),
        Table(
            "principal_certificate", primaryKey: ["fingerprint"],
            indexes: [("principal_certificate_principal", ["principal_id"])],
            [
                Column("fingerprint", .text), Column("principal_id", .text, references: "principal"),
                Column("serial", .text), Column("issuer", .text), Column("created_at", .double),
            ]),
        Table(
            "person", primaryKey: ["id"],
            [
                Column("id", .text), Column("name", .text), Column("id_hash", .text, unique: true),
                Column("id_sealed", .blob), Column("id_masked", .text), Column("mobile_sealed", .blob),
                Column("mobile_masked", .text), Column("level", .text), Column("created_at", .double),
            ]),
        Table(
            "organization", primaryKey: ["id"],
            [
                Column("id", .text), Column("name", .text), Column("credit_code", .text, unique: true),
                Column("legal_representative_id", .text, references: "person"), Column("level", .text),
                Column("created_at", .double),
            ]),
        Table(
            "evidence", primaryKey: ["id"], indexes: [("evidence_subject", ["subject_kind", "subject_id"])],
            [
                Column("id", .text), Column("subject_kind", .text), Column("subject_id", .text),
                Column("method", .text), Column("passed", .boolean), Column("verified_at", .double),
                Column("expires_at", .double, notNull: false), Column("source", .text),
                Column("reference", .text, notNull: false), Column("operator", .text, notNull: false),
                Column("revoked_at", .double, notNull: false), Column("revocation_reason", .text, notNull: false),
            ]),
        Table(
            "otp", primaryKey: ["id"],
            indexes: [("otp_by_person", ["person_id", "created_at"])],
            [
                Column("id", .text), Column("person_id", .text, references: "person"), Column("code_hash", .text),
                Column("created_at", .double), Column("expires_at", .double), Column("attempts", .integer),
                Column("used_at", .double, notNull: false),
            ]),
        Table(
            "challenge", primaryKey: ["id"],
            [
                Column("id", .text), Column("subject_kind", .text), Column("subject_id", .text),
                Column("purpose", .text), Column("nonce", .blob), Column("created_at", .double),
                Column("expires_at", .double), Column("used_at", .double, notNull: false),
            ]),
        Table(
            "authorization", primaryKey: ["id"],
            [
                Column("id", .text), Column("organization_id", .text, references: "organization"),
                Column("person_id", .text, references: "person"), Column("scope", .text),
                Column("valid_from", .double), Column("valid_to", .double),
                Column("revoked_at", .double, notNull: false), Column("created_at", .double),
            ]),
        Table("registry_person", primaryKey: ["id_hash"], [Column("id_hash", .text), Column("name", .text)]),
        Table(
            "registry_organization", primaryKey: ["credit_code"],
            [
                Column("credit_code", .text), Column("name", .text), Column("legal_representative_name", .text),
                Column("legal_representative_id_hash", .text),
            ]),
        Table(
            "registry_realname", primaryKey: ["method", "subject_key"],
            [
                Column("method", .text), Column("subject_key", .text), Column("name", .text),
                Column("reference", .text),
            ]),
        Table(
            "seal", primaryKey: ["id"], indexes: [("seal_filing_number", ["filing_number"])],
            [
                Column("id", .text), Column("organization_id", .text, references: "organization"),
                Column("type", .text), Column("name", .text), Column("state", .text), Column("applicant", .text),
                Column("applicant_person_id", .text, references: "person"), Column("picture_format", .text),
                Column("picture", .blob), Column("width_mm", .integer), Column("height_mm", .integer),
                Column("key_type", .text), Column("valid_from", .double), Column("valid_to", .double),
                Column("es_id", .text, unique: true), Column("key_id", .text, notNull: false),
                Column("certificate_serial", .text, notNull: false), Column("eseal", .blob, notNull: false),
                Column("filing_number", .text, notNull: false), Column("filing_authority", .text, notNull: false),
                Column("created_at", .double), Column("updated_at", .double),
            ]),
        Table(
            "seal_event", primaryKey: ["seq"], autoIncrement: true, indexes: [("seal_event_seal", ["seal_id"])],
            [
                Column("seq", .integer), Column("seal_id", .text, references: "seal"), Column("step", .text),
                Column("from_state", .text, notNull: false), Column("to_state", .text), Column("actor", .text),
                Column("comment", .text, notNull: false), Column("time", .double),
            ]),
        Table(
            "seal_grant", primaryKey: ["id"], indexes: [("seal_grant_seal", ["seal_id"])],
            [
                Column("id", .text), Column("seal_id", .text, references: "seal"), Column("grantee_kind", .text),
                Column("grantee_id", .text), Column("min_level", .text), Column("valid_from", .double),
                Column("valid_to", .double), Column("usage_limit", .integer, notNull: false),
                Column("usage_count", .integer), Column("withdrawn_at", .double, notNull: false),
                Column("created_at", .double),
            ]),
        Table(
            "signing_key", primaryKey: ["id"], indexes: [("signing_key_person", ["person_id"])],
            [
                Column("id", .text), Column("owner_kind", .text), Column("person_id", .text, references: "person"),
                Column("organization_id", .text, notNull: false, references: "organization"),
                Column("principal_id", .text), Column("key_id", .text), Column("key_type", .text),
                Column("certificate_serial", .text), Column("state", .text), Column("created_at", .double),
                Column("revoked_at", .double, notNull: false),
            ]),
        Table(
            "key_journal", primaryKey: ["key_id"],
            [
                Column("key_id", .text), Column("action", .text, allowed: ["create", "destroy"]),
                Column("label", .text), Column("node", .text), Column("created_at", .double),
            ]),
        Table(
            "oidc_client", primaryKey: ["id"],
            [
                Column("id", .text), Column("name", .text), Column("secret_hash", .text, notNull: false),
                Column("redirect_uris", .text), Column("scopes", .text),
                Column("backchannel_logout_uri", .text, notNull: false), Column("created_at", .double),
                Column("disabled_at", .double, notNull: false), Column("consent_required", .boolean, notNull: false),
                Column("principal_id", .text, notNull: false), Column("jwt_public_key", .text, notNull: false),
            ]),
        Table(
            "oidc_client_assertion", primaryKey: ["client_id", "jti_hash"],
            [
                Column("client_id", .text, references: "oidc_client"), Column("jti_hash", .text),
                Column("expires_at", .double),
            ]),
        Table(
            "oidc_consent", primaryKey: ["person_id", "client_id"],
            [
                Column("person_id", .text, references: "person"), Column("client_id", .text, references: "oidc_client"),
                Column("scopes", .text), Column("granted_at", .double),
            ]),
        Table(
            "login_session", primaryKey: ["id"],
            indexes: [("login_session_by_expiry", ["expires_at"])],
            [
                Column("id", .text), Column("handle", .text, unique: true),
                Column("person_id", .text, references: "person"), Column("level", .text), Column("methods", .text),
                Column("auth_time", .double), Column("expires_at", .double),
                Column("revoked_at", .double, notNull: false),
            ]),
        Table(
            "oidc_code", primaryKey: ["code_hash"],
            [
                Column("code_hash", .text), Column("client_id", .text, references: "oidc_client"),
                Column("session_id", .text, references: "login_session"), Column("redirect_uri", .text),
                Column("scope", .text), Column("nonce", .text, notNull: false), Column("code_challenge", .text),
                Column("created_at", .double), Column("expires_at", .double),
                Column("used_at", .double, notNull: false),
            ]),
        Table(
            "oidc_refresh_token", primaryKey: ["token_hash"],
            indexes: [("oidc_refresh_by_family", ["family"]), ("oidc_refresh_by_session", ["session_id"])],
            [
                Column("token_hash", .text), Column("family", .text),
                Column("client_id", .text, references: "oidc_client"),
                Column("session_id", .text, references: "login_session"), Column("scope", .text),
                Column("created_at", .double), Column("expires_at", .double),
                Column("used_at", .double, notNull: false),
                Column("revoked_at", .double, notNull: false),
            ]),
    ]

    public static func table(_ name: String) -> Table? { tables.first { $0.name == name } }
}
