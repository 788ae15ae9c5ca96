import Foundation
import TestSupport
import Testing

/// Starts the daemon must refuse, each with a message that names the problem, and nothing created on disk.
extension DaemonAndTrustctlTests {
    @Test func unsafeOrBrokenStartsAreRefusedWithAClearMessage() throws {
        let dir = try TemporaryDirectory("trustd-refuse")
        let trustd = try TestPaths.builtProduct("trustd")
        let open = try Subprocess.run(trustd, ["--data", dir.file("data"), "--listen", "0.0.0.0:0"])
        #expect(open.status == 64 && open.stderr.contains("without TLS"), "\(open.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("data")), "nothing is created for a refused start")
        let mtlsWithoutTLS = try Subprocess.run(
            trustd, ["--data", dir.file("data"), "--client-certificates", "required"])
        #expect(mtlsWithoutTLS.status == 64 && mtlsWithoutTLS.stderr.contains("need TLS"))
        // A name that merely starts with "127." is not loopback: it is resolved, and here it does not resolve.
        let lookalike = try Subprocess.run(
            trustd, ["--data", dir.file("data"), "--listen", "127.0.0.1.example.invalid:0"])
        #expect(lookalike.status == 64 && lookalike.stderr.contains("without TLS"), "\(lookalike.stderr)")
        try dir.write("bad.yaml", "listen: [1, 2]\n")
        let badConfig = try Subprocess.run(trustd, ["--config", dir.file("bad.yaml")])
        #expect(badConfig.status == 64 && badConfig.stderr.contains("listen"), "\(badConfig.stderr)")
        try dir.write("misspelt.yaml", "data: \(dir.file("data"))\nlisten: 127.0.0.1:0\nconections:\n  maxOpen: 10\n")
        let misspelt = try Subprocess.run(trustd, ["--config", dir.file("misspelt.yaml")])
        #expect(
            misspelt.status == 64 && misspelt.stderr.contains("misspelt.yaml:3: unknown key 'conections'"),
            "\(misspelt.stderr)")
        // OFD limits are checked: a limit of 0 (or a typo in its name) is refused, never a disabled limit.
        try dir.write("ofd.yaml", "data: \(dir.file("data"))\nlisten: 127.0.0.1:0\nofd:\n  maxRatio: 0\n")
        let zeroLimit = try Subprocess.run(trustd, ["--config", dir.file("ofd.yaml")])
        #expect(
            zeroLimit.status == 64 && zeroLimit.stderr.contains("ofd.maxRatio must be 1–10000"), "\(zeroLimit.stderr)")
        try dir.write("ofd2.yaml", "data: \(dir.file("data"))\nlisten: 127.0.0.1:0\nofd:\n  maxEntrys: 10\n")
        let typo = try Subprocess.run(trustd, ["--config", dir.file("ofd2.yaml")])
        #expect(typo.status == 64 && typo.stderr.contains("unknown key 'ofd.maxEntrys'"), "\(typo.stderr)")
        // The PostgreSQL store: its section goes with store: postgres, the URL carries no password, and the password
        // file is the owner's alone.
        let base = "data: \(dir.file("data"))\nlisten: 127.0.0.1:0\n"
        try dir.write("pg1.yaml", base + "store: postgres\n")
        let noURL = try Subprocess.run(trustd, ["--config", dir.file("pg1.yaml")])
        #expect(noURL.status == 64 && noURL.stderr.contains("needs postgres.url"), "\(noURL.stderr)")
        try dir.write("pg2.yaml", base + "store: postgres\npostgres:\n  url: postgres://u:secret@127.0.0.1/db\n")
        let inURL = try Subprocess.run(trustd, ["--config", dir.file("pg2.yaml")])
        #expect(
            inURL.status == 64 && inURL.stderr.contains("must not carry the password")
                && !inURL.stderr.contains("secret"), "\(inURL.stderr)")
        try dir.write("pw", "secret\n")
        chmod(dir.file("pw"), 0o644)
        try dir.write(
            "pg3.yaml", base + "store: postgres\npostgres:\n  url: postgres://u@127.0.0.1/db\n  passwordFile: pw\n")
        let readable = try Subprocess.run(trustd, ["--config", dir.file("pg3.yaml")])
        #expect(readable.status == 64 && readable.stderr.contains("0600"), "\(readable.stderr)")
        try dir.write("pg4.yaml", base + "postgres:\n  url: postgres://u@127.0.0.1/db\n")
        let withoutStore = try Subprocess.run(trustd, ["--config", dir.file("pg4.yaml")])
        #expect(withoutStore.status == 64 && withoutStore.stderr.contains("goes with store: postgres"))
        try dir.write("login.yaml", base + "login:\n  codeLifetimeSeconds: 86400\n")
        let longCode = try Subprocess.run(trustd, ["--config", dir.file("login.yaml")])
        #expect(
            longCode.status == 64 && longCode.stderr.contains("login.codeLifetimeSeconds must be 5–600"),
            "\(longCode.stderr)")
        // The liveness service: an https URL (http on the loopback only), its token in a file only the owner reads.
        try dir.write("live1.yaml", base + "liveness:\n  url: http://face.example.gov.cn/check\n")
        let plainLiveness = try Subprocess.run(trustd, ["--config", dir.file("live1.yaml")])
        #expect(plainLiveness.status == 64 && plainLiveness.stderr.contains("https"), "\(plainLiveness.stderr)")
        try dir.write("live.token", "t0ken\n")
        chmod(dir.file("live.token"), 0o644)
        try dir.write("live2.yaml", base + "liveness:\n  url: https://face.example/check\n  tokenFile: live.token\n")
        let readableToken = try Subprocess.run(trustd, ["--config", dir.file("live2.yaml")])
        #expect(readableToken.status == 64 && readableToken.stderr.contains("0600"), "\(readableToken.stderr)")
        #expect(!readableToken.stderr.contains("t0ken"), "the token is never printed")
        #expect(!FileManager.default.fileExists(atPath: dir.file("data")), "nothing is created for a refused start")
        // A port in use is refused before anything is written (no installation with a base URL nobody serves).
        let holder = try RawSocketListener()
        let busy = try Subprocess.run(trustd, ["--data", dir.file("data"), "--listen", "127.0.0.1:\(holder.port)"])
        #expect(busy.status != 0 && busy.stderr.contains("cannot listen"), "\(busy.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("data")), "nothing is created when the port is taken")
        let completion = try Subprocess.run(
            try TestPaths.builtProduct("trustctl"), ["--generate-completion-script", "bash"])
        #expect(
            completion.succeeded && completion.stdout.contains("principal")
                && completion.stdout.contains("bind-certificate"))
    }
}
