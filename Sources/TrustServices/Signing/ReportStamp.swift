import CMSFormat
import Foundation
import TrustCrypto
import TrustModel

extension TimestampAuthority {
    /// A detached RFC 3161 timestamp over a verification report (SHA-256 of its bytes) from the RSA unit, for whoever
    /// may verify: trustd vouches for the report it gave and its time, so a clerk can file the page with its token and
    /// anyone can check both later (`openssl ts -verify -data report.html -in report.html.tsr -CAfile …`).
    /// Audited like every timestamp, with the report's hash as the imprint.
    public func stampReport(_ report: [UInt8], by caller: Caller) async throws -> Granted {
        try await useCases.check(caller, .verify, action: "timestamp", object: "report")
        let digest = Digest.hash(.sha256, report)
        let request = try TimeStampRequest(hash: .sha256, digest: digest, nonce: nil, certReq: true)
        let granted = try await useCases.executor.run { [self] in try respond(to: request, unit: .rsa) }
        try await audit(caller, .rsa, granted: granted, imprint: digest, object: "report")
        guard granted.granted else {
            throw TrustError(.integrity, "the report timestamp was rejected: \(granted.rejection ?? "-")")
        }
        return granted
    }
}
