import GRDB

extension Schema {
    /// Migrations from v9 on (kept apart so each file stays readable): the public seal lookup, CA renewal and
    /// re-key, the login service.
    static func registerLaterMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v9-seal-filing-number") { db in
            // The public seal lookup (验章 page) finds a seal by its filing number.
            try db.create(index: "seal_filing_number", on: "seal", columns: ["filing_number"])
        }
        migrator.registerMigration("v10-ca-successor") { db in
            // A renewed CA names its successor: issuance goes there; the CA itself keeps its CRL and OCSP.
            try db.alter(table: "ca") { t in t.add(column: "successor", .text).references("ca") }
        }
        migrator.registerMigration("v11-ca-cross-certificates") { db in
            // A re-keyed root keeps its cross-certificates; an imported CA may keep an issuer chain outside trustd.
            try db.alter(table: "ca") { t in
                t.add(column: "new_with_old", .blob)
                t.add(column: "old_with_new", .blob)
                t.add(column: "issuer_chain", .blob)
            }
        }
        migrator.registerMigration("v12-login") { db in
            // The login service (OpenID Connect): platforms, sessions, single-use codes and refresh tokens.
            try db.create(table: "oidc_client") { t in
                t.primaryKey("id", .text)
                t.column("name", .text).notNull()
                t.column("secret_hash", .text)
                t.column("redirect_uris", .text).notNull()
                t.column("scopes", .text).notNull()
                t.column("backchannel_logout_uri", .text)
                t.column("created_at", .double).notNull()
                t.column("disabled_at", .double)
            }
            try db.create(table: "login_session") { t in
                t.primaryKey("id", .text)
                t.column("handle", .text).notNull().unique()
                t.column("person_id", .text).notNull().references("person")
                t.column("level", .text).notNull()
                t.column("methods", .text).notNull()
                t.column("auth_time", .double).notNull()
                t.column("expires_at", .double).notNull()
                t.column("revoked_at", .double)
            }
            try db.create(index: "login_session_by_expiry", on: "login_session", columns: ["expires_at"])
            try db.create(table: "oidc_code") { t in
                t.primaryKey("code_hash", .text)
                t.column("client_id", .text).notNull().references("oidc_client")
                t.column("session_id", .text).notNull().references("login_session")
                t.column("redirect_uri", .text).notNull()
                t.column("scope", .text).notNull()
                t.column("nonce", .text)
                t.column("code_challenge", .text).notNull()
                t.column("created_at", .double).notNull()
                t.column("expires_at", .double).notNull()
                t.column("used_at", .double)
            }
            try db.create(table: "oidc_refresh_token") { t in
                t.primaryKey("token_hash", .text)
                t.column("family", .text).notNull()
                t.column("client_id", .text).notNull().references("oidc_client")
                t.column("session_id", .text).notNull().references("login_session")
                t.column("scope", .text).notNull()
                t.column("created_at", .double).notNull()
                t.column("expires_at", .double).notNull()
                t.column("used_at", .double)
                t.column("revoked_at", .double)
            }
            try db.create(index: "oidc_refresh_by_family", on: "oidc_refresh_token", columns: ["family"])
            try db.create(index: "oidc_refresh_by_session", on: "oidc_refresh_token", columns: ["session_id"])
        }
        migrator.registerMigration("v13-login-consent") { db in
            // Consent remembered per person, platform and scopes; login failures counted per person (lockout).
            try db.alter(table: "oidc_client") { t in
                t.add(column: "consent_required", .boolean)
                // The platform principal that may pass this client's ID tokens to /v1/sign.
                t.add(column: "principal_id", .text)
            }
            try db.create(table: "oidc_consent") { t in
                t.column("person_id", .text).notNull().references("person")
                t.column("client_id", .text).notNull().references("oidc_client")
                t.column("scopes", .text).notNull()
                t.column("granted_at", .double).notNull()
                t.primaryKey(["person_id", "client_id"])
            }
            try db.create(index: "otp_by_person", on: "otp", columns: ["person_id", "created_at"])
        }
        migrator.registerMigration("v14-client-assertions") { db in
            // private_key_jwt: a platform's public key, and each assertion's jti until it expires (no replay).
            try db.alter(table: "oidc_client") { t in t.add(column: "jwt_public_key", .text) }
            try db.create(table: "oidc_client_assertion") { t in
                t.column("client_id", .text).notNull().references("oidc_client")
                t.column("jti_hash", .text).notNull()
                t.column("expires_at", .double).notNull()
                t.primaryKey(["client_id", "jti_hash"])
            }
        }
    }
}
