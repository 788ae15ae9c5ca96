import Foundation
import TestSupport
import Testing

/// The login service end to end: the built trustd, two platforms registered with `trustctl oidc client create`, and
/// authlib (Python) as their relying-party library, logging a person in on trustd's login page by SMS code.
@Suite struct LoginFlowTests {
    /// Screenshots of the login page's steps.
    static var artifacts: String {
        ProcessInfo.processInfo.environment["TRUSTD_TEST_ARTIFACTS"].map { $0 + "/login-page" }
            ?? TestPaths.packageRoot.appendingPathComponent(".build/test-artifacts/login-page").path
    }

    /// A daemon on a fixed port with `registry` as its stand-in registry: the issuer is the base URL recorded at
    /// initialisation, so it must be the address the platforms use.
    static func startIssuer(in dir: TemporaryDirectory, registry: String, extraConfig: String = "") throws
        -> DaemonAndTrustctlTests.Daemon
    {
        try FileManager.default.createDirectory(atPath: dir.file("data"), withIntermediateDirectories: true)
        try dir.write("data/registry.csv", registry)
        return try DaemonAndTrustctlTests.startDaemon(
            in: dir,
            config: """
                data: \(dir.file("data"))
                listen: 127.0.0.1:\(try PostgresCluster.freePort())
                policies: \(TestPaths.packageRoot.appendingPathComponent("policies").path)
                """ + extraConfig)
    }

    @Test func platformsLogAPersonInWithAcrAmrPKCEAndSingleSignOn() throws {
        let dir = try TemporaryDirectory("trustd-login")
        // The face-check vendor's service (a stand-in speaking the adapter's contract), for the step-up to advanced.
        let livenessPort = try PostgresCluster.freePort()
        let vendor = try BackgroundProcess(
            try TestPaths.python,
            [
                TestPaths.pythonScript("liveness_service.py"), String(livenessPort), "vendor-token",
                dir.file("face.jsonl"),
            ])
        defer { vendor.stop(signal: SIGKILL) }
        _ = try vendor.waitForLine("listening")
        try dir.write("liveness.token", "vendor-token\n")
        chmod(dir.file("liveness.token"), 0o600)
        let daemon = try Self.startIssuer(
            in: dir,
            registry: """
                person,110101199003071233,张三
                bank-card,110101199003071233,张三,bank:1

                """,
            extraConfig: """

                liveness:
                  url: http://127.0.0.1:\(livenessPort)/check
                  tokenFile: \(dir.file("liveness.token"))
                  timeoutSeconds: 2
                login:
                  codeLifetimeSeconds: 10
                """)
        defer { daemon.process.stop() }
        func ctl(_ arguments: [String]) throws -> ProcessResult {
            try Subprocess.run(
                try TestPaths.builtProduct("trustctl"), arguments,
                environment: ["TRUSTCTL_SERVER": daemon.url, "TRUSTCTL_TOKEN_FILE": dir.file("data/admin.token")])
        }
        func out(_ result: ProcessResult) -> String { result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) }
        func json(_ result: ProcessResult) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        }

        // A person at the intermediate level (SMS, population registry, bank card).
        let person = out(
            try ctl([
                "person", "create", "--name", "张三", "--id-number", "110101199003071233", "--mobile", "13800138000",
            ]))
        let otp = try json(try ctl(["person", "verify", person, "--method", "sms-otp", "--json"]))["otpId"] as? String
        let outbox = String(decoding: try dir.read("data/otp-outbox"), as: UTF8.self)
        let code = String(try #require(outbox.split(separator: " ").first { $0.hasPrefix("code=") }).dropFirst(5))
        #expect(
            try ctl(["person", "verify", person, "--method", "sms-otp", "--otp-id", otp ?? "", "--code", code])
                .succeeded)
        #expect(try ctl(["person", "verify", person, "--method", "population-registry"]).succeeded)
        #expect(out(try ctl(["person", "verify", person, "--method", "bank-card"])).contains("intermediate"))

        // Platform A's back-channel logout endpoint (Python, checking the logout tokens with authlib), which answers
        // the first delivery 503.
        let receiverPort = try PostgresCluster.freePort()
        let receiver = try BackgroundProcess(
            try TestPaths.python,
            [
                TestPaths.pythonScript("logout_receiver.py"), String(receiverPort), daemon.url,
                dir.file("logouts.jsonl"), "fail-first",
            ])
        defer { receiver.stop(signal: SIGKILL) }  // the test process blocks SIGTERM, and children inherit the mask
        _ = try receiver.waitForLine("listening")

        // Two platforms: A confidential (a secret), B public (PKCE only).
        let a = try json(
            try ctl([
                "oidc", "client", "create", "--name", "某市政务服务网", "--redirect-uri", "http://127.0.0.1:9/a/callback",
                "--scope", "openid", "--scope", "identity", "--backchannel-logout-uri",
                "http://127.0.0.1:\(receiverPort)/logout", "--json",
            ]))
        let b = try json(
            try ctl([
                "oidc", "client", "create", "--name", "某区不动产平台", "--redirect-uri", "http://127.0.0.1:9/b/callback",
                "--scope", "openid", "--scope", "identity", "--public", "--json",
            ]))
        // Platform C signs private_key_jwt assertions with a P-256 key made by the openssl CLI; trustd has only the
        // public key.
        #expect(
            try Subprocess.run(
                "openssl",
                [
                    "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-out", dir.file("c.key"),
                ]
            ).succeeded)
        #expect(
            try Subprocess.run("openssl", ["pkey", "-in", dir.file("c.key"), "-pubout", "-out", dir.file("c.pub")])
                .succeeded)
        let c = try json(
            try ctl([
                "oidc", "client", "create", "--name", "某县社保平台", "--redirect-uri", "http://127.0.0.1:9/c/callback",
                "--scope", "openid", "--scope", "identity", "--jwt-key", dir.file("c.pub"), "--json",
            ]))
        #expect(c["clientSecret"] == nil && c["authMethod"] as? String == "private_key_jwt")
        #expect(b["clientSecret"] == nil && a["clientSecret"] is String)
        let plainHTTP = try ctl(["oidc", "client", "create", "--name", "x", "--redirect-uri", "http://example.com/cb"])
        #expect(!plainHTTP.succeeded, "http is allowed on the loopback only")
        let config: [String: Any] = [
            "issuer": daemon.url, "id_number": "110101199003071233", "outbox": dir.file("data/otp-outbox"),
            "a": ["id": a["clientId"]!, "secret": a["clientSecret"]!, "redirect": "http://127.0.0.1:9/a/callback"],
            "b": ["id": b["clientId"]!, "redirect": "http://127.0.0.1:9/b/callback"],
            "c": ["id": c["clientId"]!, "key": dir.file("c.key"), "redirect": "http://127.0.0.1:9/c/callback"],
        ]
        let configFile = try dir.write("rp.json", Array(try JSONSerialization.data(withJSONObject: config)))
        let run = try Subprocess.run(try TestPaths.python, [TestPaths.pythonScript("oidc_rp.py"), configFile])
        try #require(run.succeeded, "\(run.stderr)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        func at(_ path: String...) -> Any? {
            var value: Any? = result
            for key in path { value = (value as? [String: Any])?[key] }
            return value
        }

        // Discovery says what the platforms rely on.
        #expect((at("discovery", "code_challenge_methods_supported") as? [String]) == ["S256"])
        #expect((at("discovery", "id_token_signing_alg_values_supported") as? [String]) == ["ES256"])
        // The ID token (checked by authlib against the JWKS): level and methods, both; no ID number.
        #expect(at("a", "claims", "acr") as? String == "urn:trustd:loa:intermediate")
        #expect(at("a", "claims", "amr") as? [String] == ["sms", "otp"])
        #expect(at("a", "claims", "auth_time") is Int && at("a", "claims", "sid") is String)
        #expect(at("a", "id_token_header", "alg") as? String == "ES256")
        let subA = try #require(at("a", "claims", "sub") as? String)
        #expect(!run.stdout.contains("110101199003071233"), "no ID number in any token or answer")
        #expect(at("a", "userinfo", "sub") as? String == subA)
        #expect(at("a", "userinfo", "name") as? String == "张三")
        #expect((at("a", "userinfo", "id_number_masked") as? String)?.contains("*") == true)
        #expect(result["wrong_code_status"] as? Int == 400)
        // Errors the specs name.
        #expect((result["code_reuse"] as? [Any])?.first as? Int == 400)
        #expect(((result["code_reuse"] as? [Any])?.last as? [String: Any])?["error"] as? String == "invalid_grant")
        #expect((result["expired_code"] as? [Any])?.first as? Int == 400)
        #expect(
            ((result["expired_code"] as? [Any])?.last as? [String: Any])?["error_description"] as? String
                == "the code has expired")
        #expect(((result["wrong_verifier"] as? [Any])?.last as? [String: Any])?["error"] as? String == "invalid_grant")
        #expect((result["bad_client_secret"] as? [Any])?.first as? Int == 401)
        #expect(at("refresh", "new_token") as? Bool == true && at("refresh", "has_id_token") as? Bool == true)
        #expect(((result["refresh_replay"] as? [Any])?.last as? [String: Any])?["error"] as? String == "invalid_grant")
        #expect((result["family_revoked"] as? [Any])?.last as? String == "invalid_grant", "replay revoked the family")
        // Single sign-on: B got its code without a prompt; pairwise subjects differ.
        #expect(result["b_prompted"] as? Bool == false)
        let subB = try #require(at("b", "claims", "sub") as? String)
        #expect(subA != subB)
        #expect(at("b", "claims", "aud") as? String == b["clientId"] as? String)
        // Advanced without a fresh live check: refused with the spec's error.
        // Step-up to advanced through the configured face-check service: a stall past the timeout and another
        // person's face are refused on the page; a confirmed live check gives an ID token stating advanced, with
        // face among the methods. The service was asked with trustd's token, for 张三, by session reference.
        #expect(result["step_up_page"] as? Bool == true)
        #expect(result["step_up_slow"] as? Int == 503)
        #expect(result["step_up_mismatch"] as? Int == 400)
        #expect(at("advanced", "acr") as? String == "urn:trustd:loa:advanced")
        #expect((at("advanced", "amr") as? [String]).map { Set($0) } == ["sms", "otp", "face"])
        let asked = String(decoding: try dir.read("face.jsonl"), as: UTF8.self).split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(asked.count == 3 && asked.allSatisfy { $0["authorised"] as? Bool == true })
        #expect(asked.map { $0["session"] as? String } == ["slow-1", "other-1", "ok-1"])
        #expect(asked.allSatisfy { $0["name"] as? String == "张三" && $0["method"] as? String == "live-check" })
        #expect((result["wrong_redirect"] as? [Any])?.first as? Int == 400, "never redirected to an unregistered URI")
        #expect(at("prompt_none_without_session", "error") as? String == "login_required")
        #expect(at("without_pkce", "error") as? String == "invalid_request")
        // Logout ends the session for every platform.
        // private_key_jwt: tokens for a signed assertion; a replayed jti, another key's signature and a secret are
        // refused with invalid_client, and the refresh token they carried still works.
        #expect(at("c", "claims", "aud") as? String == c["clientId"] as? String)
        #expect(result["c_assertion_first"] as? Int == 200)
        for refusal in ["c_assertion_replay", "c_forged", "c_with_secret"] {
            let answer = result[refusal] as? [Any]
            #expect(answer?.first as? Int == 401, "\(refusal)")
            #expect((answer?.last as? [String: Any])?["error"] as? String == "invalid_client", "\(refusal)")
        }
        #expect(result["c_refresh_still_valid"] as? Int == 200)
        #expect(
            (at("discovery", "token_endpoint_auth_methods_supported") as? [String])?.contains("private_key_jwt") == true
        )
        // RP-initiated logout returns only where the hinted platform registered, and a refused request ends nothing.
        #expect(result["logout_other_redirect"] as? Int == 400)
        #expect(result["still_logged_in"] as? Bool == true)
        #expect(result["logout_without_hint"] as? Int == 400)
        #expect((result["logout"] as? [Any])?.last as? String == "http://127.0.0.1:9/a/callback?state=bye")
        #expect(at("after_logout", "error") as? String == "login_required")
        #expect((result["refresh_after_logout"] as? [Any])?.last as? String == "invalid_grant")
        #expect(result["userinfo_after_logout"] as? Int == 401)
        // Platform A was told by back channel: a logout token for its view of the session, signed by trustd.
        var logouts: [[String: Any]] = []
        for _ in 0..<100 where logouts.isEmpty {
            if let text = try? String(contentsOfFile: dir.file("logouts.jsonl"), encoding: .utf8) {
                logouts = text.split(separator: "\n").compactMap {
                    try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
                }
            }
            if logouts.isEmpty { Thread.sleep(forTimeInterval: 0.1) }
        }
        let notice = try #require(logouts.first, "platform A received no logout token")
        #expect(notice["verified"] as? Bool == true, "\(notice)")
        #expect(notice["attempt"] as? Int == 2, "the platform answered 503 at first; trustd tried again")
        #expect(notice["typ"] as? String == "logout+jwt" && notice["event"] as? Bool == true)
        #expect(notice["nonce"] as? Bool == false)
        #expect(notice["aud"] as? String == a["clientId"] as? String)
        #expect(notice["sid"] as? String == at("a", "claims", "sid") as? String)
        #expect(notice["sub"] as? String == subA)
        #expect(logouts.count == 1, "B registered no back-channel URI")

        // The login page in a real browser (headless Chromium): keyboard, labels, and back to the platform.
        if HeadlessBrowser.available {
            let browser = try Subprocess.run(
                try TestPaths.python,
                [
                    TestPaths.pythonScript("login_page_browser.py"), daemon.url, b["clientId"] as? String ?? "",
                    "http://127.0.0.1:9/b/callback", "110101199003071233", dir.file("data/otp-outbox"),
                    Self.artifacts,
                ])
            try #require(browser.succeeded, "\(browser.stderr)")
            let page = try #require(
                try JSONSerialization.jsonObject(with: Data(browser.stdout.utf8)) as? [String: Any])
            #expect((page["title"] as? String)?.contains("统一身份认证") == true)
            #expect((page["platform"] as? String)?.contains("某区不动产平台") == true)
            #expect((page["platform_on_code_step"] as? String)?.contains("某区不动产平台") == true)
            #expect(page["unlabelled"] as? [String] == [])
            #expect(page["first_focus"] as? String == "id_number")
            #expect(page["state"] as? String == "browser-1")
            let claims = page["id_token"] as? [String: Any]
            // acr is the person's level (the step-up's live check is minutes old: advanced); amr is this login's.
            #expect(claims?["acr"] as? String == "urn:trustd:loa:advanced")
            #expect(claims?["amr"] as? [String] == ["sms", "otp"])
        }

        // Every login, token and logout is in the audit log; sessions are listed for the admin.
        let records = try json(try ctl(["audit", "list", "--limit", "1000", "--json"]))["records"] as? [[String: Any]]
        let actions = Set((records ?? []).compactMap { $0["action"] as? String })
        for action in ["login", "login.authorize", "login.token", "login.userinfo", "logout", "login.client-create"] {
            #expect(actions.contains(action), "audit has \(action)")
        }
        // The two refused logouts are recorded too, with what was refused (one record per request).
        let refusedLogouts = (records ?? []).filter {
            $0["action"] as? String == "logout" && $0["outcome"] as? String == "failure"
        }
        #expect(refusedLogouts.count == 2, "\(refusedLogouts)")
        let sessions = out(try ctl(["oidc", "sessions"]))
        #expect(sessions.contains("SID"))
    }
}
