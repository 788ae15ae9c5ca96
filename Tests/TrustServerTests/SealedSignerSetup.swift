import Foundation
import TestSupport

/// A seal a platform may sign with, made through trustctl on a running daemon: a verified person and company, one
/// principal per seal role, and an official seal applied, reviewed, made, filed and granted to a `platform` principal
/// (whose token is written to `platform.token` in `dir`). For daemon tests whose subject is what comes after.
struct SealedSignerSetup {
    let seal: String
    let platformToken: String

    /// The stand-in registries' entries for the person and the company (before the daemon's first start).
    static func writeRegistry(into data: String) throws {
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try Data(
            """
            person,110101199003071233,张三
            bank-card,110101199003071233,张三,bank:1
            organization,91350100M000100Y43,某某科技有限公司,张三,110101199003071233
            tax-account,91350100M000100Y43,某某科技有限公司,tax:1
            """.utf8
        ).write(to: URL(fileURLWithPath: data + "/registry.csv"))
    }

    /// `ctl(arguments, tokenFile)` runs trustctl against the daemon; `admin` is the admin token file. The seal's
    /// picture is the official type's standard one, drawn by trustd (`--picture-generate`).
    init(
        dir: TemporaryDirectory, data: String, admin: String, usageLimit: Int?,
        ctl: (_ arguments: [String], _ token: String) throws -> ProcessResult
    ) throws {
        func run(_ arguments: [String], _ token: String) throws -> String {
            let result = try ctl(arguments, token)
            guard result.succeeded else { throw TestSupportError("\(arguments): \(result.stderr)") }
            return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var tokens: [String: String] = [:]
        var platform = ""
        for role in ["seal-applicant", "seal-reviewer", "seal-maker", "seal-filer", "seal-granter", "platform"] {
            let id = try run(["principal", "create", "--name", "\(role)-setup", "--role", role], admin)
            tokens[role] = dir.file("\(role).token")
            _ = try run(["principal", "token", id, "--out", dir.file("\(role).token")], admin)
            if role == "platform" { platform = id }
        }
        let person = try run(
            ["person", "create", "--name", "张三", "--id-number", "110101199003071233", "--mobile", "13800138000"], admin)
        let sent = try run(["person", "verify", person, "--method", "sms-otp", "--json"], admin)
        let otp = (try JSONSerialization.jsonObject(with: Data(sent.utf8)) as? [String: Any])?["otpId"] as? String ?? ""
        let outbox = String(decoding: try Data(contentsOf: URL(fileURLWithPath: data + "/otp-outbox")), as: UTF8.self)
        let code = outbox.split(separator: " ").last { $0.hasPrefix("code=") }.map { String($0.dropFirst(5)) } ?? ""
        _ = try run(["person", "verify", person, "--method", "sms-otp", "--otp-id", otp, "--code", code], admin)
        _ = try run(["person", "verify", person, "--method", "population-registry"], admin)
        _ = try run(["person", "verify", person, "--method", "bank-card"], admin)
        let org = try run(
            [
                "org", "create", "--name", "某某科技有限公司", "--credit-code", "91350100M000100Y43", "--legal-representative",
                person,
            ], admin)
        _ = try run(["org", "verify", org, "--method", "business-registry"], admin)
        _ = try run(["org", "verify", org, "--method", "tax-account"], admin)
        seal = try run(
            [
                "seal", "apply", "--organization", org, "--applicant", person, "--type", "official", "--name",
                "某某科技有限公司公章", "--picture-generate", "--number", "3501000012345",
            ], tokens["seal-applicant"]!)
        _ = try run(["seal", "review", seal, "--approve"], tokens["seal-reviewer"]!)
        _ = try run(["seal", "make", seal], tokens["seal-maker"]!)
        _ = try run(["seal", "file", seal, "--number", "SETUP-1", "--authority", "test"], tokens["seal-filer"]!)
        _ = try run(
            ["seal", "grant", seal, "--principal", platform, "--valid-to", "2099-01-01T00:00:00Z"]
                + (usageLimit.map { ["--usage-limit", "\($0)"] } ?? []), tokens["seal-granter"]!)
        platformToken = tokens["platform"]!
    }
}
