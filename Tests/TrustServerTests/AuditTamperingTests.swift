import Foundation
import TestSupport
import Testing
import TrustCrypto

/// Someone with the data directory edits the database while trustd is stopped, with the sqlite3 command line:
/// every edit below kept the hash chain consistent and went unnoticed before the checkpoints were anchored outside
/// the database and certificate statuses reconciled with the log. `trustctl audit verify` must now say what happened.
@Suite(.serialized) struct AuditTamperingTests {
    struct Running {
        let process: BackgroundProcess
        let url: String
    }

    static func start(_ data: String) throws -> Running {
        let process = try BackgroundProcess(
            try TestPaths.builtProduct("trustd"),
            [
                "--data", data, "--listen", "127.0.0.1:0",
                "--policies", TestPaths.packageRoot.appendingPathComponent("policies").path,
            ])
        return Running(process: process, url: try process.waitForLine(#"listening on (http://\S+)"#))
    }

    static func trustctl(_ running: Running, _ data: String, _ arguments: [String]) throws -> ProcessResult {
        try Subprocess.run(
            try TestPaths.builtProduct("trustctl"), arguments,
            environment: ["TRUSTCTL_SERVER": running.url, "TRUSTCTL_TOKEN_FILE": "\(data)/admin.token"])
    }

    static func sqlite(_ data: String, _ sql: String) throws -> String {
        let result = try Subprocess.run("sqlite3", ["\(data)/trustd.sqlite", sql])
        guard result.succeeded else { throw TestSupportError("sqlite3: \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The chain hash as the audit format defines it: SHA-256(previous hash ‖ each field length-prefixed).
    static func chainHash(previous: String, _ fields: [String]) -> String {
        var bytes = Array(previous.utf8)
        for field in fields {
            let utf8 = Array(field.utf8)
            let length = UInt32(utf8.count)
            bytes +=
                [UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff)]
                + utf8
        }
        return Hex.encode(Digest.hash(.sha256, bytes))
    }

    /// Rewrites record `seq`'s details and recomputes its hash and the next record's, as a careful attacker would.
    static func rewrite(_ data: String, seq: Int64) throws {
        func row(_ n: Int64) throws -> [String] {
            try sqlite(
                data,
                "SELECT seq, time, actor, action, object, outcome, details, prev_hash FROM audit_log WHERE seq = \(n)"
            )
            .components(separatedBy: "|")
        }
        var edited = try row(seq)
        edited[6] = #"{"note":"nothing happened here"}"#
        let editedHash = chainHash(previous: edited[7], Array(edited[0..<7]))
        let next = try row(seq + 1)
        let nextHash = chainHash(previous: editedHash, Array(next[0..<7]))
        _ = try sqlite(
            data,
            """
            UPDATE audit_log SET details = '\(edited[6])', hash = '\(editedHash)' WHERE seq = \(seq);
            UPDATE audit_log SET prev_hash = '\(editedHash)', hash = '\(nextHash)' WHERE seq = \(seq + 1);
            """)
    }

    @Test func editsOfTheStoppedDatabaseAreReportedByAuditVerify() throws {
        let dir = try TemporaryDirectory("trustd-tamper")
        let data = dir.file("data")
        // Some history: a certificate issued and revoked, a checkpoint, another certificate; then a clean stop, which
        // checkpoints the log's end.
        let first = try Self.start(data)
        let csr = dir.file("svc.csr")
        try #require(
            try Subprocess.run(
                "openssl",
                [
                    "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", dir.file("svc.key"), "-subj", "/CN=svc.example.gov.cn",
                    "-addext", "subjectAltName=DNS:svc.example.gov.cn", "-out", csr,
                ]
            ).succeeded)
        let issue = [
            "cert", "issue", "--csr", csr, "--profile", "tls-server", "--ca", "rsa-issuing", "--out",
            dir.file("chain.pem"),
        ]
        let serial = try Self.trustctl(first, data, issue).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try Self.trustctl(first, data, ["cert", "revoke", serial, "--reason", "keyCompromise"]).succeeded)
        #expect(try Self.trustctl(first, data, ["audit", "checkpoint"]).succeeded)
        #expect(try Self.trustctl(first, data, issue).succeeded)
        #expect(first.process.stop() == 0)
        let anchors = String(decoding: try dir.read("data/audit-checkpoints"), as: UTF8.self)
        #expect(anchors.split(separator: "\n").count >= 2, "\(anchors)")

        let cases: [(String, String?, String)] = [
            ("nothing", nil, ""),
            (
                "the last record", "DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log);",
                "before checkpoint"
            ),
            (
                "the last five records", "DELETE FROM audit_log WHERE seq > (SELECT MAX(seq) - 5 FROM audit_log);",
                "before checkpoint"
            ),
            (
                "the records from the last checkpoint on, with that checkpoint",
                "DELETE FROM audit_log WHERE seq >= (SELECT MAX(seq) FROM audit_checkpoint); DELETE FROM audit_checkpoint WHERE seq = (SELECT MAX(seq) FROM audit_checkpoint);",
                "before checkpoint"
            ),
            (
                "every checkpoint and every record from the first checkpoint on",
                "DELETE FROM audit_log WHERE seq >= (SELECT MIN(seq) FROM audit_log WHERE action = 'audit.checkpoint'); DELETE FROM audit_checkpoint;",
                "before checkpoint"
            ),
            ("the second-to-last record, hashes recomputed", nil, "differs from checkpoint"),
            (
                "a revoked certificate set back to valid",
                "UPDATE certificate SET status = 'valid', revoked_at = NULL, revocation_reason = NULL WHERE serial = '\(serial)';",
                "is valid in the registry, but audit record"
            ),
        ]
        for (index, (name, sql, expected)) in cases.enumerated() {
            let copy = dir.file("case-\(index)")
            try #require(try Subprocess.run("cp", ["-a", data, copy]).succeeded)
            if let sql { _ = try Self.sqlite(copy, sql) }
            if name.hasPrefix("the second-to-last") {
                let head = Int64(try Self.sqlite(copy, "SELECT MAX(seq) FROM audit_log"))!
                try Self.rewrite(copy, seq: head - 1)
            }
            let running = try Self.start(copy)
            defer { running.process.stop() }
            let verdict = try Self.trustctl(running, copy, ["audit", "verify", "--json"])
            if expected.isEmpty {
                #expect(
                    verdict.status == 0 && verdict.stdout.contains("\"intact\" : true"),
                    "\(name): \(verdict.stdout)\(verdict.stderr)")
            } else {
                #expect(
                    verdict.status == 1 && verdict.stdout.contains(expected),
                    "\(name): \(verdict.stdout)\(verdict.stderr)")
            }
        }
    }
}
