import ArgumentParser
import Foundation
import TrustCrypto

/// Benchmarks of trustd's wrapper cost against OpenSSL's own `openssl speed`, measured in the same invocation on
/// the same core. Reports ratios (ours / OpenSSL's); this is a measurement, not a pass/fail test.
@main
struct TrustBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trust-bench",
        abstract: "trustd benchmarks (ratios against OpenSSL measured in the same run).",
        subcommands: [CryptoBench.self, CABench.self, IssuanceBreakdown.self, CRLBreakdown.self, SigningBreakdown.self]
    )
}

struct CryptoBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crypto",
        abstract: "TrustCrypto sign/verify ops/s for SM2, RSA-2048 and P-256 on one core, next to `openssl speed`."
    )

    @Option(help: "Seconds per measurement.")
    var seconds: Int = 3

    @Option(help: "CPU to pin both measurements to.")
    var cpu: Int = 1

    @Option(help: "Rounds (each round runs openssl speed, then TrustCrypto, per algorithm).")
    var rounds: Int = 3

    func run() throws {
        // Pin this process (and so our measurements) to the same CPU as `openssl speed`: re-run under taskset.
        if ProcessInfo.processInfo.environment["TRUST_BENCH_PINNED"] == nil {
            throw ExitCode(try rerunPinned(cpu))
        }
        print(
            "trust-bench crypto: \(rounds) round(s), \(seconds) s per measurement, CPU \(cpu), \(OpenSSLVersion.text)")
        print(
            "Each round runs `openssl speed <alg>` and then TrustCrypto for the same algorithm, so host noise hits both."
        )
        var ratios: [String: [Double]] = [:]
        var lines: [String] = []
        for round in 1...rounds {
            for (type, speedName) in [(KeyType.sm2, "sm2"), (.rsa2048, "rsa2048"), (.p256, "ecdsap256")] {
                let reference = try opensslSpeed(speedName)
                for (name, ours) in try measureTrustCrypto(type) {
                    guard let theirs = reference[name] else { continue }
                    ratios[name, default: []].append(ours / theirs)
                    lines.append(
                        "r\(round) \(name)".padding(toLength: 22, withPad: " ", startingAt: 0)
                            + String(format: "%13.0f  %15.0f  %5.2f", ours, theirs, ours / theirs))
                }
            }
        }
        print("")
        print("operation".padding(toLength: 22, withPad: " ", startingAt: 0) + "TrustCrypto/s  openssl speed/s  ratio")
        for line in lines { print(line) }
        print("")
        print("median ratio (TrustCrypto / openssl speed):")
        for name in ["sm2 sign", "sm2 verify", "rsa2048 sign", "rsa2048 verify", "p256 sign", "p256 verify"] {
            let sorted = (ratios[name] ?? []).sorted()
            guard !sorted.isEmpty else { continue }
            print(
                "  \(name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(String(format: "%.2f", sorted[sorted.count / 2]))"
            )
        }
    }

    /// `openssl speed -mr` on the same core: `+F2:…:bits:sign/s:verify/s` (RSA), `+F4` (ECDSA), `+F7` (SM2).
    func opensslSpeed(_ algorithm: String) throws -> [String: Double] {
        var rates: [String: Double] = [:]
        for line in try OpenSSLSpeed.lines([
            "taskset", "-c", "\(cpu)", "openssl", "speed", "-seconds", "\(seconds)", "-mr", algorithm,
        ]) {
            let fields = line.split(separator: ":").map(String.init)
            switch fields[0] {
            case "+F2" where fields[2] == "2048":
                rates["rsa2048 sign"] = Double(fields[3])
                rates["rsa2048 verify"] = Double(fields[4])
            case "+F4" where fields[2] == "256":
                rates["p256 sign"] = Double(fields[3])
                rates["p256 verify"] = Double(fields[4])
            case "+F7":
                rates["sm2 sign"] = Double(fields[4])
                rates["sm2 verify"] = Double(fields[5])
            default: break
            }
        }
        return rates
    }

    /// The same operations `openssl speed` times: SM2 DigestSign over 20 bytes with the ID (speed sets it too);
    /// RSA PKCS#1 and ECDSA over a precomputed 32-byte hash.
    func measureTrustCrypto(_ type: KeyType) throws -> [(String, Double)] {
        var results: [(String, Double)] = []
        let message = Array(SecureRandom.bytes(20))
        let digest = Digest.hash(.sha256, message)
        let key = try PrivateKey.generate(type)
        let publicKey = try key.publicKey
        if type == .sm2 {
            let signature = try key.sign(message)
            results.append(("sm2 sign", try rate { _ = try key.sign(message) }))
            results.append(("sm2 verify", try rate { _ = try publicKey.isValidSignature(signature, for: message) }))
        } else {
            let algorithm = type.defaultSignatureAlgorithm
            let signature = try key.sign(digest: digest, algorithm: algorithm)
            results.append(("\(type) sign", try rate { _ = try key.sign(digest: digest, algorithm: algorithm) }))
            results.append(
                (
                    "\(type) verify",
                    try rate {
                        _ = try publicKey.isValidSignature(signature, forDigest: digest, algorithm: algorithm)
                    }
                ))
        }
        return results
    }

    /// Operations per second of `body` over `seconds` of thread CPU time (like `openssl speed`'s default timing).
    func rate(_ body: () throws -> Void) throws -> Double {
        for _ in 0..<20 { try body() }  // warm-up
        let start = cpuTime()
        var count = 0
        while cpuTime() - start < Double(seconds) {
            for _ in 0..<20 { try body() }
            count += 20
        }
        return Double(count) / (cpuTime() - start)
    }
}

func cpuTime() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

/// Runs this same command again under `taskset -c CPU` and returns its exit status.
func rerunPinned(_ cpu: Int) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["taskset", "-c", "\(cpu)", "/proc/self/exe"] + CommandLine.arguments.dropFirst()
    process.arguments![3] = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
    process.environment = ProcessInfo.processInfo.environment.merging(["TRUST_BENCH_PINNED": "1"]) { $1 }
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
}

/// Runs `openssl speed` (or any command) and returns its machine-readable `+F…` result lines.
enum OpenSSLSpeed {
    static func lines(_ command: [String]) throws -> [Substring] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return output.split(separator: "\n").filter { $0.hasPrefix("+F") }
    }
}

enum OpenSSLVersion {
    static var text: String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl", "version"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try? process.run()
        process.waitUntilExit()
        return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
