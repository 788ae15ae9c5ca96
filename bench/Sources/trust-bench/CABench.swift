import ArgumentParser
import Foundation
import TrustCrypto
import TrustModel
import TrustServices
import TrustStore

struct CABench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ca",
        abstract:
            "CA benchmarks: issuance committed with its audit record vs the raw sign rate, 1M-entry CRL, revoke cost, OCSP cache."
    )

    @Option(help: "Seconds per issuance measurement.")
    var seconds: Int = 5

    @Option(help: "Revoked entries for the large-CRL measurement.")
    var crlEntries: Int = 1_000_000

    @Option(help: "Policies directory.")
    var policies = "policies"

    func run() async throws {
        let installation = try BenchAppliance(policies: policies)
        defer { installation.remove() }
        print("trust-bench ca: data in \(installation.root), \(OpenSSLVersion.text)")
        let appliance = installation.appliance
        let ca = appliance.ca
        let issuance = appliance.issuance
        let bench = Caller.system("bench")
        @Sendable func issue(_ csr: CertificateSigningRequest, _ caName: String) async throws -> IssuedCertificate {
            try await issuance.issue(
                csr: csr, profile: "tls-server", ca: caName, identity: [:], applicantID: nil, validityDays: nil,
                by: bench)
        }

        // 1. Issuance from CSR through the officers' use case, committed durably (synchronous=FULL) with its audit
        // record: one caller at a time, then two at once.
        print("\nissuance (one caller; CSR check + policy + build + sign + durable commit with audit record):")
        for (caName, speedName, speedField) in [("rsa-issuing", "rsa2048", 3), ("sm2-issuing", "sm2", 4)] {
            let csrs = try (0..<64).map { index in
                try CertificateSigningRequest.make(
                    subject: DistinguishedName(["CN": "bench\(index).example.cn"]), key: try PrivateKey.generate(.p256),
                    subjectAlternativeNames: [.dns("bench\(index).example.cn")])
            }
            var count = 0
            let start = Date()
            while Date().timeIntervalSince(start) < Double(seconds) {
                _ = try await issue(csrs[count % csrs.count], caName)
                count += 1
            }
            let rate = Double(count) / Date().timeIntervalSince(start)
            let raw = try opensslSignRate(speedName, field: speedField)
            print(
                String(
                    format: "  %@, 1 caller: %.0f certs/s; openssl speed %@ sign %.0f/s; ratio %.2f", caName, rate,
                    speedName, raw, rate / raw))

            // Two callers against `openssl speed -multi 2` (both cores).
            let counter = Counter()
            let twoStart = Date()
            let limit = Double(seconds)
            await withTaskGroup(of: Void.self) { group in
                for worker in 0..<2 {
                    group.addTask {
                        var index = worker
                        while Date().timeIntervalSince(twoStart) < limit {
                            if (try? await issue(csrs[index % csrs.count], caName)) != nil { counter.add() }
                            index += 2
                        }
                    }
                }
            }
            let twoRate = Double(counter.value) / Date().timeIntervalSince(twoStart)
            let rawTwo = try opensslSignRate(speedName, field: speedField, multi: 2)
            print(
                String(
                    format: "  %@, 2 callers: %.0f certs/s; openssl speed -multi 2 %@ sign %.0f/s; ratio %.2f",
                    caName, twoRate, speedName, rawTwo, twoRate / rawTwo))
        }

        // 2. Revoke cost with few revoked entries.
        var sample: [String] = []
        for index in 0..<20 {
            sample.append(
                try await issue(
                    try CertificateSigningRequest.make(
                        subject: DistinguishedName(["CN": "r\(index).example.cn"]),
                        key: try PrivateKey.generate(.p256),
                        subjectAlternativeNames: [.dns("r\(index).example.cn")]), "rsa-issuing"
                ).record.serial)
        }
        let smallRevoke = try await timeRevokes(ca, Array(sample[0..<10]))

        // 3. A CRL with `crlEntries` revoked certificates (synthetic rows inserted in bulk).
        print("\nlarge CRL:")
        let insertStart = Date()
        try insertSyntheticRevoked(appliance.store, count: crlEntries, issuer: "rsa-issuing")
        print(
            String(
                format: "  inserted %d revoked rows in %.1f s (setup)", crlEntries,
                Date().timeIntervalSince(insertStart)))
        let largeRevoke = try await timeRevokes(ca, Array(sample[10..<20]))
        let crlStart = Date()
        let crl = try await ca.generateCRL(ca: "rsa-issuing", delta: false, by: bench).record
        let crlSeconds = Date().timeIntervalSince(crlStart)
        print(
            String(
                format: "  full CRL with %d entries built, signed and stored in %.2f s (%.1f MB)", crlEntries + 10,
                crlSeconds,
                Double(crl.der.count) / 1e6))
        print(
            String(
                format: "  revoke: %.2f ms each with 10 revoked, %.2f ms each with %d revoked (ratio %.2f)",
                smallRevoke * 1000, largeRevoke * 1000, crlEntries, largeRevoke / smallRevoke))

        // 4. OCSP from the pre-signed cache (engine level: parse request, look up, return bytes).
        print("\nOCSP (engine level, one thread):")
        let record = try await ca.certificate(serial: sample[0], by: bench)
        let issuer = try await ca.chain(ofCA: "rsa-issuing")[0]
        let request = try OCSPRequest.make(for: [try Certificate(der: Array(record.der))], issuer: issuer)
        _ = await ca.ocsp.respond(request.der)
        var count = 0
        let start = Date()
        while Date().timeIntervalSince(start) < Double(seconds) {
            for _ in 0..<100 { _ = await ca.ocsp.respond(request.der) }
            count += 100
        }
        print(String(format: "  cached responses: %.0f/s", Double(count) / Date().timeIntervalSince(start)))
        let nonceRequest = try OCSPRequest.make(
            for: [try Certificate(der: Array(record.der))], issuer: issuer, nonce: SecureRandom.bytes(16))
        count = 0
        let signedStart = Date()
        while Date().timeIntervalSince(signedStart) < Double(seconds) {
            _ = await ca.ocsp.respond(nonceRequest.der)
            count += 1
        }
        print(
            String(
                format: "  freshly signed (nonce) responses: %.0f/s",
                Double(count) / Date().timeIntervalSince(signedStart)))
    }

    func timeRevokes(_ ca: CertificateAuthority, _ serials: [String]) async throws -> Double {
        let start = Date()
        for serial in serials { try await ca.revoke(serial: serial, reason: .keyCompromise, by: .system("bench")) }
        return Date().timeIntervalSince(start) / Double(serials.count)
    }

    func insertSyntheticRevoked(_ store: any TransactionalStore, count: Int, issuer: String) throws {
        let now = Date()
        var inserted = 0
        while inserted < count {
            let batch = min(50_000, count - inserted)
            try store.write { tx in
                for _ in 0..<batch {
                    let serial = Hex.encode(CertificateBuilder.randomSerialNumber())
                    try tx.insert(
                        CertificateRecord(
                            serial: serial, issuer: issuer, subject: "CN=synthetic", profile: "tls-server",
                            notBefore: now, notAfter: now.addingTimeInterval(86400), status: .revoked,
                            revokedAt: now, revocationReason: .keyCompromise, statusChangedAt: now, der: Data(),
                            fingerprint: serial, issuedAt: now))
                }
            }
            inserted += batch
        }
    }

    /// Sign operations per second from `openssl speed -mr` (`field` is the sign column of the algorithm's line).
    func opensslSignRate(_ algorithm: String, field: Int, multi: Int = 1) throws -> Double {
        let command =
            ["openssl", "speed", "-seconds", "3", "-mr"] + (multi > 1 ? ["-multi", String(multi)] : []) + [algorithm]
        // With -multi the summed result is the last "+F" line.
        return try OpenSSLSpeed.lines(command).compactMap { line -> Double? in
            let fields = line.split(separator: ":")
            return fields.count > field ? Double(fields[field]) : nil
        }.last ?? .nan
    }
}

final class Counter: @unchecked Sendable {  // a lock guards the count
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
