import Foundation
import TestSupport
import Testing

/// `deploy/trustd.service` and `deploy/install.sh`: the installer stages binaries, config, policies and the unit, and
/// `systemd-analyze verify` accepts the unit with no finding at all; the unit keeps the hardening an operator expects.
@Suite(.enabled(if: (try? Subprocess.which("systemd-analyze")) != nil, "needs systemd-analyze: run .ci/install-deps"))
struct SystemdUnitTests {
    @Test func theInstallerStagesAUnitSystemdAccepts() throws {
        let dir = try TemporaryDirectory("trustd-systemd")
        let products = URL(fileURLWithPath: try TestPaths.builtProduct("trustd")).deletingLastPathComponent().path
        let staged = try Subprocess.run(
            TestPaths.packageRoot.appendingPathComponent("deploy/install.sh").path,
            ["--bin", products, "--root", dir.file("root")])
        #expect(staged.succeeded, "\(staged.stdout)\(staged.stderr)")
        #expect(staged.stdout.contains("systemd-analyze accepts trustd.service"))
        for file in ["usr/local/bin/trustd", "usr/local/bin/trustctl", "etc/trustd/trustd.yaml"] {
            #expect(FileManager.default.fileExists(atPath: dir.file("root/\(file)")), "\(file)")
        }
        #expect(
            FileManager.default.fileExists(atPath: dir.file("root/etc/trustd/policies/seal-types.yaml")))

        let unit = String(decoding: try dir.read("root/etc/systemd/system/trustd.service"), as: UTF8.self)
        let settings = Set(unit.split(separator: "\n").map(String.init))
        for expected in [
            "User=trustd", "ProtectSystem=strict", "ReadWritePaths=/var/lib/trustd", "NoNewPrivileges=true",
            "LimitNOFILE=65536", "StateDirectoryMode=0700", "UMask=0077", "PrivateTmp=true",
            "ExecStart=/usr/local/bin/trustd --config /etc/trustd/trustd.yaml",
        ] {
            #expect(settings.contains(expected), "the unit sets \(expected)")
        }

        // The check has teeth: a misspelled setting is reported, and the installer would refuse it.
        _ = try dir.write(
            "root/etc/systemd/system/typo.service",
            unit.replacingOccurrences(of: "NoNewPrivileges=true", with: "NoNewPrivilege=true"))
        let typo = try Subprocess.run("systemd-analyze", ["verify", "--root=\(dir.file("root"))", "typo.service"])
        #expect(typo.stderr.contains("Unknown key 'NoNewPrivilege'"), "\(typo.stderr)")
    }
}
