import ArgumentParser
import Foundation
import KeyCustody
import TrustCrypto
import TrustModel
import TrustServices
import TrustStore

struct IssuanceBreakdown: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issuance-breakdown", abstract: "Where issuance time goes (diagnostic).")

    func run() async throws {
        let installation = try BenchAppliance()
        defer { installation.remove() }
        let appliance = installation.appliance
        let csr = try CertificateSigningRequest.make(
            subject: DistinguishedName(["CN": "b.example.cn"]), key: try PrivateKey.generate(.p256),
            subjectAlternativeNames: [.dns("b.example.cn")])
        func time(_ name: String, _ n: Int = 200, _ body: () throws -> Void) rethrows {
            let start = Date()
            for _ in 0..<n { try body() }
            print(
                String(format: "%-40@ %8.3f ms", name as NSString, Date().timeIntervalSince(start) * 1000 / Double(n)))
        }
        func timeAsync(_ name: String, _ n: Int = 200, _ body: () async throws -> Void) async rethrows {
            let start = Date()
            for _ in 0..<n { try await body() }
            print(
                String(format: "%-40@ %8.3f ms", name as NSString, Date().timeIntervalSince(start) * 1000 / Double(n)))
        }
        let bench = Caller.system("bench")
        let ca = appliance.ca
        let record = try appliance.store.read { try $0.ca("rsa-issuing")! }
        let keyID = try KeyID(record.keyID)
        time("csr.verifySignature") { _ = csr.verifySignature() }
        try time("KeyStoreSigner.init") { _ = try KeyStoreSigner(store: appliance.keys, keyID: keyID) }
        let signer = try KeyStoreSigner(store: appliance.keys, keyID: keyID)
        let issuer = try Certificate(der: Array(record.certificate))
        try await timeAsync("chain(ofCA:)") { _ = try await ca.chain(ofCA: "rsa-issuing") }
        try time("CertificateBuilder.issue (RSA CA)") {
            _ = try CertificateBuilder.issue(
                CertificateTemplate(
                    serialNumber: CertificateBuilder.randomSerialNumber(), subject: csr.subject,
                    notBefore: Date(), notAfter: Date(timeIntervalSinceNow: 86400), publicKey: try csr.publicKey,
                    extensions: [.subjectKeyIdentifier, .authorityKeyIdentifier]), issuer: issuer, signer: signer)
        }
        let base = { (ext: [CertificateExtension], request: CertificateSigningRequest?) in
            CertificateTemplate(
                serialNumber: CertificateBuilder.randomSerialNumber(), subject: csr.subject, notBefore: Date(),
                notAfter: Date(timeIntervalSinceNow: 86400), publicKey: try csr.publicKey, extensions: ext,
                request: request)
        }
        let noSign = try PrivateKeySigner(try PrivateKey.generate(.p256))
        try time("builder: no extensions, P-256 signer") {
            _ = try CertificateBuilder.issue(try base([], nil), issuer: issuer, signer: noSign)
        }
        try time("builder: no extensions, request SPKI") {
            _ = try CertificateBuilder.issue(try base([], csr), issuer: issuer, signer: noSign)
        }
        try time("builder: SKI+AKI") {
            _ = try CertificateBuilder.issue(
                try base([.subjectKeyIdentifier, .authorityKeyIdentifier], csr), issuer: issuer, signer: noSign)
        }
        try time("builder: CDP+AIA") {
            _ = try CertificateBuilder.issue(
                try base(
                    [
                        .crlDistributionPoints(["http://a/b"]),
                        .authorityInfoAccess(ocsp: ["http://a/o"], caIssuers: ["http://a/c"]),
                    ], csr), issuer: issuer, signer: noSign)
        }
        try time("builder: BC+KU+EKU") {
            _ = try CertificateBuilder.issue(
                try base(
                    [
                        .basicConstraints(ca: false, pathLength: nil), .keyUsage([.digitalSignature]),
                        .extendedKeyUsage([ExtendedKeyUsage.serverAuth]),
                    ], csr), issuer: issuer, signer: noSign)
        }
        try time("rsa sign 1k") { _ = try signer.sign(Array(repeating: 1, count: 1000)) }
        try time("p256 sign 1k") { _ = try noSign.sign(Array(repeating: 1, count: 1000)) }
        try time("store.write(audit only)") {
            _ = try appliance.store.write {
                try $0.appendAudit(AuditEntry(actor: "b", action: "x", object: "y"), at: Date())
            }
        }
        let issuance = appliance.issuance
        let issue = {
            try await issuance.issue(
                csr: csr, profile: "tls-server", ca: "rsa-issuing", identity: [:], applicantID: nil, validityDays: nil,
                by: bench)
        }
        try await timeAsync("issuance total (RSA)") { _ = try await issue() }
        if ProcessInfo.processInfo.environment["BREAKDOWN_LOOP"] != nil {
            try await timeAsync("issuance loop (RSA CA)", 12000) { _ = try await issue() }
        }
    }
}

struct CRLBreakdown: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crl-breakdown", abstract: "Where CRL time goes (diagnostic).")

    @Option var entries = 200_000
    @Flag var builderOnly = false

    func run() throws {
        if builderOnly {
            let key = try PrivateKey.generate(.rsa2048)
            let issuer = try CertificateBuilder.issue(
                CertificateTemplate(
                    serialNumber: [1], subject: DistinguishedName(["CN": "x"]), notBefore: Date(),
                    notAfter: Date(timeIntervalSinceNow: 3600), publicKey: try key.publicKey,
                    extensions: [
                        .basicConstraints(ca: true, pathLength: nil), .keyUsage([.cRLSign, .keyCertSign]),
                        .subjectKeyIdentifier,
                    ]),
                issuer: nil, signer: try PrivateKeySigner(key))
            let list = (0..<entries).map { _ in
                RevokedEntry(
                    serialNumber: CertificateBuilder.randomSerialNumber(), revocationDate: Date(),
                    reason: .keyCompromise)
            }
            for _ in 0..<3 {
                let start = Date()
                let crl = try CRLBuilder.build(
                    issuer: issuer, signer: try PrivateKeySigner(key), number: 1, thisUpdate: Date(),
                    nextUpdate: Date(timeIntervalSinceNow: 3600), entries: list)
                print(
                    String(format: "build+sign      %.2f s (%d bytes)", Date().timeIntervalSince(start), crl.der.count))
            }
            return
        }
        let installation = try BenchAppliance()
        defer { installation.remove() }
        let appliance = installation.appliance
        try CABench().insertSyntheticRevoked(appliance.store, count: entries, issuer: "rsa-issuing")
        var start = Date()
        var list: [RevokedEntry] = []
        try appliance.store.read { reader in
            try reader.forEachRevoked(issuer: "rsa-issuing") { revoked in
                list.append(
                    RevokedEntry(
                        serialNumber: Hex.decode(revoked.serial)!,
                        revocationDate: Date(timeIntervalSince1970: TimeInterval(revoked.revokedAt)),
                        reason: revoked.reason))
            }
        }
        print(String(format: "read entries    %.2f s", Date().timeIntervalSince(start)))
        let key = try PrivateKey.generate(.rsa2048)
        let pki = try CertificateBuilder.issue(
            CertificateTemplate(
                serialNumber: [1], subject: DistinguishedName(["CN": "x"]), notBefore: Date(),
                notAfter: Date(timeIntervalSinceNow: 3600), publicKey: try key.publicKey,
                extensions: [
                    .basicConstraints(ca: true, pathLength: nil), .keyUsage([.cRLSign, .keyCertSign]),
                    .subjectKeyIdentifier,
                ]),
            issuer: nil, signer: try PrivateKeySigner(key))
        start = Date()
        let crl = try CRLBuilder.build(
            issuer: pki, signer: try PrivateKeySigner(key), number: 1, thisUpdate: Date(),
            nextUpdate: Date(timeIntervalSinceNow: 3600), entries: list)
        print(String(format: "build+sign      %.2f s (%d bytes)", Date().timeIntervalSince(start), crl.der.count))
    }
}
