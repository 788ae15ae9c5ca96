import Foundation
import TestSupport
import Testing

/// The README's shell blocks, run as a newcomer would: the main command's daemon on a fresh `trustd-data/`, then every
/// other block, verbatim and in order, in one shell in the repository directory (here: a fresh directory with the
/// repository's `hsm/`, `policies/` and `samples/` beside it), with the built tools on PATH.
@Suite(.serialized) struct ReadmeTests {
    static func shellBlocks(_ markdown: String) -> [String] {
        var blocks: [String] = []
        var current: [String]? = nil
        for line in markdown.components(separatedBy: "\n") {
            if current == nil, line == "```sh" {
                current = []
            } else if current != nil, line == "```" {
                blocks.append(current!.joined(separator: "\n"))
                current = nil
            } else if current != nil {
                current!.append(line)
            }
        }
        return blocks
    }

    @Test func everyShellBlockRunsInOrderOnAFreshDataDirectory() throws {
        let readme = String(
            decoding: try Data(contentsOf: TestPaths.packageRoot.appendingPathComponent("README.md")), as: UTF8.self)
        let blocks = Self.shellBlocks(readme)
        try #require(blocks.count > 2, "the README has its two set-up commands and a walk-through")
        #expect(
            blocks[0].hasSuffix("trustd --data trustd-data --listen 127.0.0.1:8443"), "the main command: \(blocks[0])")
        #expect(blocks[1] == ".ci/install-deps && .ci/test")

        let dir = try TemporaryDirectory("trustd-readme")
        for linked in ["hsm", "policies", "samples", "deploy"] {
            try FileManager.default.createSymbolicLink(
                atPath: dir.file(linked), withDestinationPath: TestPaths.packageRoot.appendingPathComponent(linked).path
            )
        }
        let products = URL(fileURLWithPath: try TestPaths.builtProduct("trustctl")).deletingLastPathComponent().path
        let daemon = try BackgroundProcess(
            try TestPaths.builtProduct("trustd"), ["--data", "trustd-data", "--listen", "127.0.0.1:8443"],
            directory: dir.path)
        defer { daemon.stop() }
        _ = try daemon.waitForLine(#"listening on (http://127\.0\.0\.1:8443)"#, timeout: 120)

        let script =
            (["set -euo pipefail"]
            + blocks.dropFirst(2).enumerated().map { index, block in
                "echo '::: README block \(index + 3) :::' >&2\n\(block)"
            }).joined(separator: "\n")
        let path = "\(products):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")"
        let run = try Subprocess.run("/bin/bash", ["-c", script], environment: ["PATH": path], directory: dir.path)
        let failedBlock = run.stderr.components(separatedBy: "\n").last { $0.hasPrefix("::: README block") } ?? "?"
        #expect(run.succeeded, "stopped in \(failedBlock) with exit \(run.status):\n\(run.stderr.suffix(3000))")
        #expect(failedBlock == "::: README block \(blocks.count) :::", "the last block ran")
        // What the walk-through shows, as it shows it.
        for expected in [
            "Response verify OK", "revoked", "TOTAL_PASSED", "intermediate", "Verification: OK",
            "TOTAL_PASSED  ofd document, 2 signature(s)",
        ] {
            #expect((run.stdout + run.stderr).contains(expected), "the walk-through printed no '\(expected)'")
        }
        print(run.stdout.suffix(4000))
        #expect(!daemon.stderr.contains("internal_error"), "\(daemon.stderr.suffix(2000))")
    }
}
