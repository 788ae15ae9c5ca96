import Foundation
import TestSupport
import Testing

/// `trustd backup` of a running daemon and `trustd restore` onto a fresh directory: the restored appliance starts,
/// keeps its records, keys and tokens, and its audit chain verifies; a backup whose chain was broken (with the
/// manifest made to match) is refused with nothing written, and so are an altered file and the wrong KEK.
@Suite(.serialized) struct BackupRestoreTests {
    let dir: TemporaryDirectory
    init() throws { dir = try TemporaryDirectory("trustd-backup") }

    func trustd(_ arguments: [String]) throws -> ProcessResult {
        try Subprocess.run(try TestPaths.builtProduct("trustd"), arguments)
    }

    func start(_ data: String) throws -> (BackgroundProcess, String) {
        let process = try BackgroundProcess(
            try TestPaths.builtProduct("trustd"), ["--data", data, "--listen", "127.0.0.1:0"])
        return (process, try process.waitForLine(#"listening on (http://\S+)"#, timeout: 120))
    }

    func ctl(_ url: String, _ token: String, _ arguments: [String]) throws -> ProcessResult {
        try Subprocess.run(
            try TestPaths.builtProduct("trustctl"), arguments,
            environment: ["TRUSTCTL_SERVER": url, "TRUSTCTL_TOKEN_FILE": token])
    }

    @Test func aRunningApplianceIsBackedUpAndRestoredOntoAFreshDirectory() throws {
        let admin = dir.file("data/admin.token")
        let (daemon, url) = try start(dir.file("data"))
        defer { daemon.stop() }
        let principal = try ctl(url, admin, ["principal", "create", "--name", "before-backup", "--role", "auditor"])
        try #require(principal.succeeded, "\(principal.stderr)")
        #expect(try ctl(url, admin, ["audit", "checkpoint"]).succeeded)

        // Online: the daemon keeps running.
        let backup = try trustd(["backup", "--data", dir.file("data"), "--out", dir.file("b.zip"), "--json"])
        try #require(backup.succeeded, "\(backup.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(backup.stdout.utf8)) as? [String: Any])
        #expect((summary["auditRecords"] as? Int ?? 0) > 3)
        let mode = try FileManager.default.attributesOfItem(atPath: dir.file("b.zip"))[.posixPermissions] as? Int
        #expect(mode == 0o600, "the archive holds wrapped secrets")
        let listing = try Subprocess.run("unzip", ["-Z1", dir.file("b.zip")]).stdout.split(separator: "\n")
        #expect(listing.contains("trustd.sqlite") && listing.contains("identity.key.wrapped"))
        #expect(!listing.contains("kek") && !listing.contains("identity.key") && !listing.contains("admin.token"))
        #expect(
            try trustd(["backup", "--data", dir.file("data"), "--out", dir.file("b.zip")]).status == 1,
            "never overwritten")

        let restored = try trustd([
            "restore", dir.file("b.zip"), "--data", dir.file("restored"), "--kek-file", dir.file("data/kek"), "--json",
        ])
        try #require(restored.succeeded, "\(restored.stderr)")
        #expect(restored.stdout.contains(#""checkpoints":1"#), "\(restored.stdout)")
        daemon.stop()

        // The restored appliance works with the old tokens: its chain verifies, its records are there, it writes.
        let (second, secondURL) = try start(dir.file("restored"))
        defer { second.stop() }
        let verified = try ctl(secondURL, admin, ["audit", "verify"])
        #expect(verified.succeeded && verified.stdout.contains("intact"), "\(verified.stdout)\(verified.stderr)")
        #expect(try ctl(secondURL, admin, ["principal", "list"]).stdout.contains("before-backup"))
        #expect(
            try ctl(secondURL, admin, ["principal", "create", "--name", "after-restore", "--role", "auditor"]).succeeded
        )
        #expect(try ctl(secondURL, admin, ["audit", "verify"]).succeeded)
    }

    @Test func alteredBackupsAndTheWrongKEKAreRefusedAndLeaveNothing() throws {
        let (daemon, url) = try start(dir.file("data"))
        #expect(try ctl(url, dir.file("data/admin.token"), ["audit", "checkpoint"]).succeeded)
        daemon.stop()
        try #require(try trustd(["backup", "--data", dir.file("data"), "--out", dir.file("b.zip")]).succeeded)

        // An audit record edited in the database copy, the manifest's hash made to match: the chain catches it.
        let rewrite = """
            import hashlib, json, sqlite3, sys, tempfile, zipfile
            src, dst, mode = sys.argv[1], sys.argv[2], sys.argv[3]
            with zipfile.ZipFile(src) as z:
                files = {name: z.read(name) for name in z.namelist()}
            if mode == "chain":
                with tempfile.NamedTemporaryFile(suffix=".sqlite") as db:
                    db.write(files["trustd.sqlite"]); db.flush()
                    c = sqlite3.connect(db.name)
                    c.execute("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2"); c.commit(); c.close()
                    files["trustd.sqlite"] = open(db.name, "rb").read()
                manifest = json.loads(files["manifest.json"])
                for f in manifest["files"]:
                    if f["path"] == "trustd.sqlite":
                        f["size"] = len(files["trustd.sqlite"]); f["sha256"] = hashlib.sha256(files["trustd.sqlite"]).hexdigest()
                files["manifest.json"] = json.dumps(manifest).encode()
            else:
                files["policies/assurance.yaml"] += b"# changed"
            with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
                for name, data in files.items():
                    z.writestr(name, data)
            """
        for mode in ["chain", "file"] {
            let made = try Subprocess.run(
                try TestPaths.python, ["-c", rewrite, dir.file("b.zip"), dir.file("\(mode).zip"), mode])
            try #require(made.succeeded, "\(made.stderr)")
            let refused = try trustd([
                "restore", dir.file("\(mode).zip"), "--data", dir.file("r-\(mode)"), "--kek-file", dir.file("data/kek"),
            ])
            #expect(refused.status == 65, "\(mode): \(refused.stderr)")
            #expect(
                refused.stderr.contains(mode == "chain" ? "audit chain is broken" : "than its manifest says"),
                "\(refused.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir.file("r-\(mode)")))
            #expect(!FileManager.default.fileExists(atPath: dir.file("r-\(mode).restoring")))
        }
        // Another KEK: refused before anything is written.
        try Subprocess.run(
            try TestPaths.builtProduct("trustctl"), ["keys", "init-kek", "--kek-file", dir.file("other.kek")])
        let wrong = try trustd([
            "restore", dir.file("b.zip"), "--data", dir.file("r-kek"), "--kek-file", dir.file("other.kek"),
        ])
        #expect(wrong.status == 77 && wrong.stderr.contains("under KEK"), "\(wrong.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("r-kek")))
    }
}
