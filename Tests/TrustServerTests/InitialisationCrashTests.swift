import Foundation
import GRDB
import TestSupport
import Testing

/// A first start killed at any point must not brick the appliance: the next start completes the installation, and
/// no key is left in custody that nothing names.
@Suite(.serialized) struct InitialisationCrashTests {
    static func start(_ dir: TemporaryDirectory) throws -> BackgroundProcess {
        try BackgroundProcess(
            try TestPaths.builtProduct("trustd"),
            [
                "--data", dir.file("data"), "--listen", "127.0.0.1:0",
                "--policies", TestPaths.packageRoot.appendingPathComponent("policies").path,
            ])
    }

    static func port(_ process: BackgroundProcess) throws -> Int {
        Int(try process.waitForLine(#"listening on http://127\.0\.0\.1:(\d+)"#))!
    }

    /// Key ids the database names (CA and OCSP signer keys, identities kept in settings) and the journal's leftovers.
    static func namedKeys(_ database: String) throws -> (named: Set<String>, journal: Int) {
        let queue = try DatabaseQueue(path: database)
        return try queue.read { db in
            var named = Set(try String.fetchAll(db, sql: "SELECT key_id FROM ca"))
            named.formUnion(
                try String.fetchAll(db, sql: "SELECT ocsp_signer_key_id FROM ca WHERE ocsp_signer_key_id IS NOT NULL"))
            named.formUnion(try String.fetchAll(db, sql: "SELECT value FROM setting WHERE key LIKE '%key_id'"))
            return (named, try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM key_journal") ?? 0)
        }
    }

    @Test func aKillAnywhereInTheFirstStartIsCompletedByTheNextStart() throws {
        // How long a whole first start takes here: the kills land anywhere inside it.
        let reference = try TemporaryDirectory("trustd-init")
        let began = Date()
        let first = try Self.start(reference)
        _ = try Self.port(first)
        let firstStart = Date().timeIntervalSince(began)
        first.stop()

        var interrupted = 0
        for round in 0..<20 {
            let dir = try TemporaryDirectory("trustd-init-kill")
            let victim = try Self.start(dir)
            usleep(UInt32(Double.random(in: 0...firstStart) * 1_000_000))
            victim.stop(signal: SIGKILL)
            let manager = FileManager.default
            if manager.fileExists(atPath: dir.file("data/trustd.sqlite"))
                && !manager.fileExists(atPath: dir.file("data/init.complete"))
            {
                interrupted += 1
            }

            let daemon = try Self.start(dir)
            defer { daemon.stop() }
            let port = try Self.port(daemon)
            let health = try RawSocket(port: port).request("GET", "/healthz")
            #expect(
                health.status == 200,
                "round \(round): /healthz \(health.status) \(String(decoding: health.body, as: UTF8.self))")
            let token = String(decoding: try dir.read("data/admin.token"), as: UTF8.self).trimmingCharacters(
                in: .whitespacesAndNewlines)
            let cas = try RawSocket(port: port).request("GET", "/v1/cas", headers: ["Authorization": "Bearer \(token)"])
            let names = String(decoding: cas.body, as: UTF8.self)
            #expect(
                cas.status == 200
                    && ["sm2-root", "sm2-issuing", "rsa-root", "rsa-issuing"].allSatisfy { names.contains("\"\($0)\"") },
                "round \(round): \(cas.status) \(names)")
            #expect(FileManager.default.fileExists(atPath: dir.file("data/init.complete")))

            let files = Set(
                try FileManager.default.contentsOfDirectory(atPath: dir.file("data/keys"))
                    .filter { $0.hasSuffix(".key") }.map { String($0.dropLast(4)) })
            let (named, journal) = try Self.namedKeys(dir.file("data/trustd.sqlite"))
            #expect(
                files == named,
                "round \(round): orphan key files \(files.subtracting(named)), missing \(named.subtracting(files))")
            #expect(journal == 0, "round \(round): \(journal) key journal entries left")
        }
        #expect(interrupted >= 3, "only \(interrupted) of 20 kills landed inside the initialisation")
        print(
            "initialisation kills: \(interrupted) of 20 left an incomplete installation (first start \(firstStart) s)")
    }

    @Test func healthzIsNotReadyWithoutACompleteInstallation() throws {
        let dir = try TemporaryDirectory("trustd-init")
        let daemon = try Self.start(dir)
        defer { daemon.stop() }
        let port = try Self.port(daemon)
        #expect(try RawSocket(port: port).request("GET", "/healthz").status == 200)
        // Every file the daemon made is the owner's alone; so is every directory.
        let data = dir.file("data")
        let manager = FileManager.default
        for relative in try manager.subpathsOfDirectory(atPath: data) {
            let attributes = try manager.attributesOfItem(atPath: "\(data)/\(relative)")
            let mode = (attributes[.posixPermissions] as? Int ?? 0) & 0o777
            let isDirectory = attributes[.type] as? FileAttributeType == .typeDirectory
            #expect(mode == (isDirectory ? 0o700 : 0o600), "\(relative) has mode \(String(mode, radix: 8))")
        }
        try FileManager.default.removeItem(atPath: dir.file("data/init.complete"))
        sleep(1)  // past the probe's one-second memory
        let answer = try RawSocket(port: port).request("GET", "/healthz")
        #expect(answer.status == 503 && String(decoding: answer.body, as: UTF8.self).contains("not_ready"))
    }
}
