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
            try db.create(index: "certificate_by_issuer_status", on: "certificate", columns: ["issuer", "status", "status_changed_at"])
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
            try db.create(index: "principal_certificate_principal", on: "principal_certificate", columns: ["principal_id"])
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
                    try db.execute(sql: """
                        UPDATE \(table) SET \(name) = (julianday(\(name)) - 2440587.5) * 86400.0 WHERE typeof(\(name)) = 'text'
                        """)
                }
            }
        }
        return migrator
    }
}
