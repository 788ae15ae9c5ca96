import GRDB

/// Versioned migrations. Never edit a shipped migration; add a new one.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-ca-certificates-audit") { db in
            try db.create(table: "setting") { t in
                t.primaryKey("key", .text)
                t.column("value", .text).notNull()
            }
            try db.create(table: "ca") { t in
                t.primaryKey("name", .text)
                t.column("role", .text).notNull().check { ["root", "issuing"].contains($0) }
                t.column("algorithm", .text).notNull()
                t.column("parent", .text).references("ca")
                t.column("key_id", .text).notNull()
                t.column("certificate", .blob).notNull()
                t.column("ocsp_signer_key_id", .text)
                t.column("ocsp_signer_certificate", .blob)
                t.column("crl_number", .integer).notNull().defaults(to: 0)
                t.column("created_at", .double).notNull()
            }
            try db.create(table: "certificate") { t in
                t.primaryKey("serial", .text)
                t.column("issuer", .text).notNull().references("ca")
                t.column("subject", .text).notNull()
                t.column("profile", .text).notNull()
                t.column("not_before", .double).notNull()
                t.column("not_after", .double).notNull()
                t.column("status", .text).notNull().check { ["valid", "revoked", "hold"].contains($0) }
                t.column("revoked_at", .double)
                t.column("revocation_reason", .integer)
                t.column("status_changed_at", .double).notNull()
                t.column("der", .blob).notNull()
                t.column("fingerprint", .text).notNull().unique()
                t.column("issued_at", .double).notNull()
            }
            try db.create(
                index: "certificate_by_issuer_status", on: "certificate",
                columns: ["issuer", "status", "status_changed_at"])
            try db.create(table: "crl") { t in
                t.column("issuer", .text).notNull().references("ca")
                t.column("number", .integer).notNull()
                t.column("this_update", .double).notNull()
                t.column("next_update", .double).notNull()
                t.column("delta_base", .integer)
                t.column("der", .blob).notNull()
                t.primaryKey(["issuer", "number"])
            }
            try db.create(table: "audit_log") { t in
                t.primaryKey("seq", .integer)
                t.column("time", .text).notNull()
                t.column("actor", .text).notNull()
                t.column("action", .text).notNull()
                t.column("object", .text).notNull()
                t.column("outcome", .text).notNull()
                t.column("details", .text).notNull()
                t.column("prev_hash", .text).notNull()
                t.column("hash", .text).notNull()
            }
            try db.create(table: "audit_checkpoint") { t in
                t.primaryKey("seq", .integer)
                t.column("time", .text).notNull()
                t.column("hash", .text).notNull()
                t.column("key_id", .text).notNull()
                t.column("algorithm", .text).notNull()
                t.column("signature", .blob).notNull()
            }
        }
        migrator.registerMigration("v2-principals-tokens") { db in
            try db.create(table: "principal") { t in
                t.primaryKey("id", .text)
                t.column("name", .text).notNull().unique()
                t.column("roles", .text).notNull()
                t.column("created_at", .double).notNull()
            }
            try db.create(table: "token") { t in
                t.primaryKey("id", .text)
                t.column("principal_id", .text).notNull().references("principal")
                t.column("hash", .text).notNull().unique()
                t.column("created_at", .double).notNull()
                t.column("expires_at", .double).notNull()
                t.column("revoked_at", .double)
            }
        }
        migrator.registerMigration("v3-client-certificates") { db in
            // Mutual TLS: a client certificate (by SHA-256 fingerprint of its DER) authenticates one principal.
            try db.create(table: "principal_certificate") { t in
                t.primaryKey("fingerprint", .text)
                t.column("principal_id", .text).notNull().references("principal")
                t.column("serial", .text).notNull()
                t.column("issuer", .text).notNull()
                t.column("created_at", .double).notNull()
            }
            try db.create(
                index: "principal_certificate_principal", on: "principal_certificate", columns: ["principal_id"])
        }
        migrator.registerMigration("v4-real-dates") { db in
            // Earlier builds wrote dates of updated rows as text (GRDB 7 reads the per-column strategy function, not
            // a static property). Every date is seconds since 1970 (REAL), so comparisons in SQL and the CAST used
            // for CRL entries see one type.
            let columns: [String: [String]] = [
                "ca": ["created_at"],
                "certificate": ["not_before", "not_after", "revoked_at", "status_changed_at", "issued_at"],
                "crl": ["this_update", "next_update"],
                "principal": ["created_at"],
                "token": ["created_at", "expires_at", "revoked_at"],
                "principal_certificate": ["created_at"],
            ]
            for (table, names) in columns.sorted(by: { $0.key < $1.key }) {
                for name in names {
                    try db.execute(
                        sql: """
                            UPDATE \(table) SET \(name) = (julianday(\(name)) - 2440587.5) * 86400.0 WHERE typeof(\(name)) = 'text'
                            """)
                }
            }
        }
        migrator.registerMigration("v5-identity") { db in
            // Natural persons: the ID number only as a keyed hash (lookup) and AES-GCM ciphertext; masks for display.
            try db.create(table: "person") { t in
                t.primaryKey("id", .text)
                t.column("name", .text).notNull()
                t.column("id_hash", .text).notNull().unique()
                t.column("id_sealed", .blob).notNull()
                t.column("id_masked", .text).notNull()
                t.column("mobile_sealed", .blob).notNull()
                t.column("mobile_masked", .text).notNull()
                t.column("level", .text).notNull()
                t.column("created_at", .double).notNull()
            }
            try db.create(table: "organization") { t in
                t.primaryKey("id", .text)
                t.column("name", .text).notNull()
                t.column("credit_code", .text).notNull().unique()
                t.column("legal_representative_id", .text).notNull().references("person")
                t.column("level", .text).notNull()
                t.column("created_at", .double).notNull()
            }
            try db.create(table: "evidence") { t in
                t.primaryKey("id", .text)
                t.column("subject_kind", .text).notNull()
                t.column("subject_id", .text).notNull()
                t.column("method", .text).notNull()
                t.column("passed", .boolean).notNull()
                t.column("verified_at", .double).notNull()
                t.column("expires_at", .double)
                t.column("source", .text).notNull()
                t.column("reference", .text)
                t.column("operator", .text)
                t.column("revoked_at", .double)
                t.column("revocation_reason", .text)
            }
            try db.create(index: "evidence_subject", on: "evidence", columns: ["subject_kind", "subject_id"])
            try db.create(table: "otp") { t in
                t.primaryKey("id", .text)
                t.column("person_id", .text).notNull().references("person")
                t.column("code_hash", .text).notNull()
                t.column("created_at", .double).notNull()
                t.column("expires_at", .double).notNull()
                t.column("attempts", .integer).notNull()
                t.column("used_at", .double)
            }
            try db.create(table: "challenge") { t in
                t.primaryKey("id", .text)
                t.column("subject_kind", .text).notNull()
                t.column("subject_id", .text).notNull()
                t.column("purpose", .text).notNull()
                t.column("nonce", .blob).notNull()
                t.column("created_at", .double).notNull()
                t.column("expires_at", .double).notNull()
                t.column("used_at", .double)
            }
            try db.create(table: "authorization") { t in
                t.primaryKey("id", .text)
                t.column("organization_id", .text).notNull().references("organization")
                t.column("person_id", .text).notNull().references("person")
                t.column("scope", .text).notNull()
                t.column("valid_from", .double).notNull()
                t.column("valid_to", .double).notNull()
                t.column("revoked_at", .double)
                t.column("created_at", .double).notNull()
            }
            // Default adapters' data (stand-ins for the government services): loaded from CSV files.
            try db.create(table: "registry_person") { t in
                t.primaryKey("id_hash", .text)
                t.column("name", .text).notNull()
            }
            try db.create(table: "registry_organization") { t in
                t.primaryKey("credit_code", .text)
                t.column("name", .text).notNull()
                t.column("legal_representative_name", .text).notNull()
                t.column("legal_representative_id_hash", .text).notNull()
            }
            try db.create(table: "registry_realname") { t in
                t.column("method", .text).notNull()
                t.column("subject_key", .text).notNull()
                t.column("name", .text).notNull()
                t.column("reference", .text).notNull()
                t.primaryKey(["method", "subject_key"])
            }
        }
        migrator.registerMigration("v6-seals") { db in
            try db.create(table: "seal") { t in
                t.primaryKey("id", .text)
                t.column("organization_id", .text).notNull().references("organization")
                t.column("type", .text).notNull()
                t.column("name", .text).notNull()
                t.column("state", .text).notNull()
                t.column("applicant", .text).notNull()
                t.column("applicant_person_id", .text).notNull().references("person")
                t.column("picture_format", .text).notNull()
                t.column("picture", .blob).notNull()
                t.column("width_mm", .integer).notNull()
                t.column("height_mm", .integer).notNull()
                t.column("key_type", .text).notNull()
                t.column("valid_from", .double).notNull()
                t.column("valid_to", .double).notNull()
                t.column("es_id", .text).notNull().unique()
                t.column("key_id", .text)
                t.column("certificate_serial", .text)
                t.column("eseal", .blob)
                t.column("filing_number", .text)
                t.column("filing_authority", .text)
                t.column("created_at", .double).notNull()
                t.column("updated_at", .double).notNull()
            }
            try db.create(table: "seal_event") { t in
                t.autoIncrementedPrimaryKey("seq")
                t.column("seal_id", .text).notNull().references("seal")
                t.column("step", .text).notNull()
                t.column("from_state", .text)
                t.column("to_state", .text).notNull()
                t.column("actor", .text).notNull()
                t.column("comment", .text)
                t.column("time", .double).notNull()
            }
            try db.create(index: "seal_event_seal", on: "seal_event", columns: ["seal_id"])
            try db.create(table: "seal_grant") { t in
                t.primaryKey("id", .text)
                t.column("seal_id", .text).notNull().references("seal")
                t.column("grantee_kind", .text).notNull()
                t.column("grantee_id", .text).notNull()
                t.column("min_level", .text).notNull()
                t.column("valid_from", .double).notNull()
                t.column("valid_to", .double).notNull()
                t.column("usage_limit", .integer)
                t.column("usage_count", .integer).notNull()
                t.column("withdrawn_at", .double)
                t.column("created_at", .double).notNull()
            }
            try db.create(index: "seal_grant_seal", on: "seal_grant", columns: ["seal_id"])
        }
        migrator.registerMigration("v7-signing-keys") { db in
            // Personal and organisation signing keys (POST /v1/keys): the key lives in custody, the certificate in `certificate`.
            try db.create(table: "signing_key") { t in
                t.primaryKey("id", .text)
                t.column("owner_kind", .text).notNull()
                t.column("person_id", .text).notNull().references("person")
                t.column("organization_id", .text).references("organization")
                t.column("principal_id", .text).notNull()
                t.column("key_id", .text).notNull()
                t.column("key_type", .text).notNull()
                t.column("certificate_serial", .text).notNull()
                t.column("state", .text).notNull()
                t.column("created_at", .double).notNull()
                t.column("revoked_at", .double)
            }
            try db.create(index: "signing_key_person", on: "signing_key", columns: ["person_id"])
        }
        migrator.registerMigration("v8-key-journal") { db in
            // Keys being generated (action create) or retired (action destroy) whose naming transaction has not settled
            // them: what is left here after a crash is finished at the next start (orphans destroyed).
            try db.create(table: "key_journal") { t in
                t.primaryKey("key_id", .text)
                t.column("action", .text).notNull().check { ["create", "destroy"].contains($0) }
                t.column("label", .text).notNull()
                t.column("node", .text).notNull()
                t.column("created_at", .double).notNull()
            }
        }
        registerLaterMigrations(&migrator)
        return migrator
    }
}
