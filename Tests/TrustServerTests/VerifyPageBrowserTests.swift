import Foundation
import TestSupport
import Testing

/// The public verification page in a real browser: headless Chromium driven by chromedriver through Selenium
/// (`Tests/Support/python/verify_page_browser.py`) against a running trustd. A document sealed through trustctl reads
/// 有效; the same document with one page changed reads 无效 and says why; a seal is found by its filing number with
/// the keyboard. Screenshots are kept in `.build/test-artifacts/verify-page/` (or `$TRUSTD_TEST_ARTIFACTS`).
@Suite(
    .serialized,
    .enabled(if: HeadlessBrowser.available, "needs chromium, chromedriver and selenium: run .ci/install-deps"))
struct VerifyPageBrowserTests {
    static var artifacts: String {
        ProcessInfo.processInfo.environment["TRUSTD_TEST_ARTIFACTS"].map { $0 + "/verify-page" }
            ?? TestPaths.packageRoot.appendingPathComponent(".build/test-artifacts/verify-page").path
    }

    @Test func aCitizenUploadsAValidAndATamperedDocumentAndReadsTheVerdicts() throws {
        let dir = try TemporaryDirectory("trustd-browser")
        let data = dir.file("data")
        try SealedSignerSetup.writeRegistry(into: data)
        try dir.write(
            "trustd.yaml",
            """
            data: \(data)
            listen: 127.0.0.1:0
            policies: \(TestPaths.packageRoot.appendingPathComponent("policies").path)
            """)
        let process = try BackgroundProcess(
            try TestPaths.builtProduct("trustd"), ["--config", dir.file("trustd.yaml")])
        defer { process.stop() }
        let url = try process.waitForLine(#"listening on (http://\S+)"#, timeout: 120)
        func ctl(_ arguments: [String], _ token: String) throws -> ProcessResult {
            try Subprocess.run(
                try TestPaths.builtProduct("trustctl"), arguments,
                environment: ["TRUSTCTL_SERVER": url, "TRUSTCTL_TOKEN_FILE": token])
        }
        let setup = try SealedSignerSetup(
            dir: dir, data: data, admin: dir.file("data/admin.token"), usageLimit: nil, ctl: ctl)

        // A licence sealed on page 1, and a copy whose page 1 says something else.
        try dir.write("licence.ofd", try OFDSamples.package(OFDSamples.twoPages(), in: dir))
        let sealed = try ctl(
            [
                "seal-document", "--seal", setup.seal, "--in", dir.file("licence.ofd"), "--out",
                dir.file("sealed.ofd"), "--page", "1", "--x", "120", "--y", "200",
            ], setup.platformToken)
        try #require(sealed.succeeded, "\(sealed.stderr)")
        let tampered = try Subprocess.run(
            try TestPaths.python,
            [
                "-c",
                """
                import sys, zipfile
                with zipfile.ZipFile(sys.argv[1]) as src, zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED) as dst:
                    for item in src.infolist():
                        data = src.read(item.filename)
                        if item.filename.endswith("Page_0/Content.xml"):
                            data = data.replace("许可证编号".encode(), "许可证编号（已改）".encode())
                        dst.writestr(item, data)
                """, dir.file("sealed.ofd"), dir.file("tampered.ofd"),
            ])
        try #require(tampered.succeeded, "\(tampered.stderr)")

        let run = try Subprocess.run(
            try TestPaths.python,
            [
                TestPaths.pythonScript("verify_page_browser.py"), url, dir.file("sealed.ofd"), dir.file("tampered.ofd"),
                "SETUP-1", Self.artifacts,
            ])
        try #require(run.succeeded, "\(run.stderr)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let valid = try #require(result["valid"] as? [String: Any])
        let changed = try #require(result["tampered"] as? [String: Any])
        #expect(valid["verdict"] as? String == "有效", "\(valid)")
        #expect(valid["indication"] as? String == "TOTAL_PASSED")
        #expect(valid["sections"] as? Int == 1)
        #expect(changed["verdict"] as? String == "无效", "\(changed)")
        #expect(changed["reason"] as? String == "文件在签章后被修改")
        #expect((result["lookup"] as? [String: Any])?["state"] as? String == "正常使用")
        // Keyboard: the language link, both file fields, the button, then the lookup field, in that order.
        #expect(result["tabOrder"] as? [String] == ["language", "document", "original", "verify-button", "q"])
        #expect(result["unlabelled"] as? [String] == [])
        for contrast in [valid["contrast"], changed["contrast"], (result["lookup"] as? [String: Any])?["contrast"]] {
            #expect(
                (contrast as? Double ?? 0) >= 4.5, "WCAG AA contrast for the verdict: \(String(describing: contrast))")
        }
        #expect(result["english"] as? String == "Electronic seal verification")
        #expect(result["phoneOverflows"] as? Bool == false)
        #expect(result["consoleErrors"] as? [String] == [], "the page runs without errors under its CSP")
        for name in ["verify-valid.png", "verify-tampered.png", "verify-lookup.png", "verify-phone-en.png"] {
            #expect(FileManager.default.fileExists(atPath: Self.artifacts + "/" + name))
        }
    }
}

/// Debian's chromium and chromedriver, and Selenium in the test venv.
enum HeadlessBrowser {
    static var available: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver")
            && (try? Subprocess.run(try TestPaths.python, ["-c", "import selenium"]).succeeded) == true
    }
}
