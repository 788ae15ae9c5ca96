import APIContract
import ArgumentParser
import Foundation
import KeyCustody
import TrustCrypto
import TrustModel
import TrustServices

/// The pieces of one `POST /v1/sign` (raw, SM2 seal), each timed alone on one thread, next to the bare signature: a
/// diagnostic for the hot path (issue: signing within reach of OpenSSL's own rate), not a test. The HTTP layer and
/// thread handoffs are not in it; `bench/sign.sh` measures the whole request.
struct SigningBreakdown: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signing-breakdown", abstract: "Where a /v1/sign request's time could go, piece by piece.")

    @Option(help: "Repetitions per piece.") var count = 2000

    func run() async throws {
        let installation = try BenchAppliance()
        defer { installation.remove() }
        let appliance = installation.appliance
        func time(_ name: String, _ n: Int, _ body: () throws -> Void) rethrows -> Double {
            let start = Date()
            for _ in 0..<n { try body() }
            let ms = Date().timeIntervalSince(start) * 1000 / Double(n)
            print(String(format: "  %-56@ %8.4f ms", name as NSString, ms))
            return ms
        }
        print("trust-bench signing-breakdown: \(count) repetitions per piece, one thread")
        let data = SecureRandom.bytes(1024)
        let key = try PrivateKey.generate(.sm2)
        let bare = try time("SM2 signature, PrivateKey (ID 1234567812345678)", count) { _ = try key.sign(data) }
        let keyID = try appliance.keys.generate(.sm2, label: "bench").id
        _ = try time("SM2 signature through the software key store", count) {
            _ = try appliance.keys.sign(data, with: keyID)
        }
        _ = time("SM3 of the 1 KiB document (audit digest)", count) { _ = Digest.hash(.sm3, data) }
        let body = try JSONEncoder().encode(
            SignRequestBody(
                sealId: "0123456789abcdef0123456789abcdef", signer: nil, format: "raw",
                data: Data(data).base64EncodedString()))
        _ = try time("JSONDecoder: the request body, and its base64", count) {
            let decoded = try JSONDecoder().decode(SignRequestBody.self, from: body)
            try decoded.validate()
            _ = Data(base64Encoded: decoded.data ?? "")
        }
        let record = try appliance.store.read { try $0.ca("sm2-issuing")! }
        let certificate = try Certificate(der: Array(record.certificate))
        _ = time("Certificate PEM for the answer", count) { _ = certificate.pem }
        let der = Array(record.certificate)
        _ = try Certificate.cached(der: der)
        _ = try time("Certificate.cached(der:): a hit", count) { _ = try Certificate.cached(der: der) }
        let pem = certificate.pem
        let signature = try key.sign(data)
        _ = try time("JSONEncoder (sorted keys): the answer", count) {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            _ = try encoder.encode(
                SignResponse(format: "raw", signature: Data(signature).base64EncodedString(), certificate: pem))
        }
        let serial = certificate.serialHex
        _ = try time("store.read: seal, its grants, a certificate (3 queries)", count) {
            _ = try appliance.store.read { reader in
                (
                    try reader.seal(id: "0123456789abcdef0123456789abcdef"),
                    try reader.sealGrants(sealID: "0123456789abcdef0123456789abcdef"),
                    try reader.certificate(serial: serial)
                )
            }
        }
        let entry = AuditEntry(
            actor: "principal:bench", action: "sign.seal", object: "seal:0123456789abcdef0123456789abcdef",
            details: ["signer": "principal:bench", "format": "raw", "documentDigest": Hex.encode(data.prefix(32))])
        _ = try time("writeGrouped: one audit record alone (its own fsync)", count / 10) {
            _ = try appliance.store.writeGrouped { tx in try tx.appendAudit(entry, at: Date()) }
        }
        // The road's thread handoffs, as requests make them: 32 at a time, each hopping to the blocking executor and
        // (second run) committing one audit record in a group from there, or (third run, as signing does now)
        // awaiting its grouped commit without a hop. Process CPU time (all threads) per operation.
        let executor = BlockingExecutor.shared
        let store = appliance.store
        enum Road { case hop, hopAndCommit, awaitedCommit }
        let roads: [(String, Road)] = [
            ("executor hop only", .hop), ("executor hop + grouped audit record", .hopAndCommit),
            ("awaited grouped audit record, no hop", .awaitedCommit),
        ]
        for (name, road) in roads {
            let operations = count * 4
            let cpuBefore = Self.processCPUSeconds()
            let start = Date()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<32 {
                    group.addTask {
                        for _ in stride(from: worker, to: operations, by: 32) {
                            switch road {
                            case .hop: try await executor.run {}
                            case .hopAndCommit:
                                try await executor.run {
                                    _ = try store.writeGrouped { tx in try tx.appendAudit(entry, at: Date()) }
                                }
                            case .awaitedCommit:
                                _ = try await store.writeGrouped { tx in try tx.appendAudit(entry, at: Date()) }
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let wall = Date().timeIntervalSince(start) * 1000 / Double(operations)
            let cpu = (Self.processCPUSeconds() - cpuBefore) * 1000 / Double(operations)
            let label = "32 concurrent: \(name)" as NSString
            print(String(format: "  %-56@ %8.4f ms CPU (%.4f ms wall)", label, cpu, wall))
        }
        print(
            String(
                format:
                    "  (the bare signature is %.4f ms; an HTTP request cost trustd about 0.41 ms of CPU in bench/sign.sh)",
                bare)
        )
    }

    /// User + system CPU seconds of this process, all threads.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1_000_000
    }
}
