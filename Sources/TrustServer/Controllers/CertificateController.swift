import APIContract
import Hummingbird
import TrustCrypto
import TrustModel
import TrustServices

/// What the certificate routes need: issuance under the assurance policy, and the registry.
protocol CertificateIssuing: Sendable {
    func issue(
        csrPEM: String, profile: String, ca caName: String,
        identity values: [CertificateProfile.IdentityExtension: String],
        applicantID: String?, validityDays: Int?, by caller: Caller
    ) async throws -> IssuedCertificate
}

protocol CertificateRegistry: Sendable {
    func certificate(serial: String, by caller: Caller) async throws -> CertificateRecord
    func revoke(serial: String, reason: RevocationReason, by caller: Caller) async throws -> CertificateRecord
}

extension CertificateIssuance: CertificateIssuing {}
extension CertificateAuthority: CertificateRegistry {}

/// `POST /v1/certificates` (a CA officer issues from a CSR), `GET /v1/certificates/{serial}`, and revocation.
struct CertificateController: Controller {
    let issuance: any CertificateIssuing
    let registry: any CertificateRegistry

    var routes: [Route] {
        [
            Route(.post, "/v1/certificates", .permission(.certificateIssue)) { request, context in
                let body = try await decode(IssueRequest.self, request, context)
                var identity: [CertificateProfile.IdentityExtension: String] = [:]
                for (key, value) in body.identity ?? [:] {
                    identity[
                        try named(
                            key, "identity extension", CertificateProfile.IdentityExtension.init(rawValue:),
                            choices: CertificateProfile.IdentityExtension.allCases.map(\.rawValue))] = value
                }
                let issued = try await issuance.issue(
                    csrPEM: body.csr, profile: body.profile, ca: body.ca, identity: identity,
                    applicantID: body.applicant, validityDays: body.validityDays, by: try context.caller())
                return try json(
                    IssueResponse(
                        serial: issued.record.serial, certificate: issued.certificate.pem,
                        chain: issued.chain.map(\.pem)),
                    status: .created)
            },
            Route(.get, "/v1/certificates/{serial}", .permission(.certificateRead)) { _, context in
                try json(
                    CertificateView(
                        try await registry.certificate(
                            serial: try hexParameter(context, "serial"), by: try context.caller())))
            },
            Route(.post, "/v1/certificates/{serial}/revoke", .permission(.certificateRevoke)) { request, context in
                let body = try await decode(RevokeRequest.self, request, context)
                let reason = try revocationReason(body.reason)
                return try json(
                    CertificateView(
                        try await registry.revoke(
                            serial: try hexParameter(context, "serial"), reason: reason,
                            by: try context.caller())))
            },
        ]
    }
}

/// An RFC 5280 reason by name.
func revocationReason(_ name: String) throws -> RevocationReason {
    try named(name, "reason", RevocationReason.init(name:), choices: RevocationReason.allCases.map(\.name))
}
