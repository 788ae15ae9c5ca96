import APIContract
import Foundation
import Hummingbird
import TrustModel
import TrustServices

/// What the organisation and authorisation routes need of the identity service.
protocol OrganizationOperations: Sendable {
    func registerOrganization(name: String, creditCode: String, legalRepresentativeID: String, by caller: Caller)
        async throws -> OrganizationDetails
    func organization(id: String, by caller: Caller) async throws -> OrganizationDetails
    func verifyOrganization(_ id: String, _ request: TrustServices.VerificationRequest, by caller: Caller) async throws
        -> OrganizationDetails
    func enterpriseChallenge(organizationID: String, by caller: Caller) async throws -> ChallengeRecord
    func verifyEnterpriseCertificate(
        organizationID: String, challengeID: String, certificatePEM: String, chainPEM: [String], signature: [UInt8],
        by caller: Caller
    ) async throws -> OrganizationDetails
    func authorize(
        organizationID: String, personID: String, scope: [String], validFrom: Date?, validTo: Date,
        by caller: Caller
    ) async throws -> AuthorizationRecord
    func revokeAuthorization(id: String, by caller: Caller) async throws -> AuthorizationRecord
}

extension IdentityService: OrganizationOperations {}

/// Organisations, their verifications (registries, enterprise certificate, live check) and their authorisations.
struct OrganizationController: Controller {
    let identity: any OrganizationOperations

    var routes: [Route] {
        [
            Route(.post, "/v1/organizations", .permission(.identityRegister)) { request, context in
                let body = try await decode(OrganizationRequest.self, request, context)
                let organization = try await identity.registerOrganization(
                    name: body.name, creditCode: body.creditCode,
                    legalRepresentativeID: body.legalRepresentativeId, by: try context.caller())
                return try json(OrganizationView(organization), status: .created)
            },
            Route(.get, "/v1/organizations/{id}", .permission(.identityRead)) { _, context in
                try json(
                    OrganizationView(
                        try await identity.organization(id: try hexParameter(context, "id"), by: try context.caller())))
            },
            Route(.post, "/v1/organizations/{id}/verifications", .permission(.identityVerify)) { request, context in
                let id = try hexParameter(context, "id")
                let body = try await decode(APIContract.VerificationRequest.self, request, context)
                let caller = try context.caller()
                switch try verificationMethod(body.method) {
                case .businessRegistry:
                    return try json(
                        OrganizationView(try await identity.verifyOrganization(id, .businessRegistry, by: caller)))
                case .taxAccount:
                    return try json(
                        OrganizationView(try await identity.verifyOrganization(id, .taxAccount, by: caller)))
                case .liveCheck:
                    return try json(
                        OrganizationView(
                            try await identity.verifyOrganization(
                                id, .liveness(.liveCheck, session: body.session), by: caller)))
                case .enterpriseCertificate:
                    guard let challengeID = body.challengeId, let pem = body.certificate,
                        let signature = try body.signatureBytes()
                    else {
                        throw TrustError.invalid("enterprise-certificate needs challengeId, certificate and signature")
                    }
                    return try json(
                        OrganizationView(
                            try await identity.verifyEnterpriseCertificate(
                                organizationID: id, challengeID: challengeID, certificatePEM: pem,
                                chainPEM: body.chain ?? [], signature: signature, by: caller)))
                case .counterCard:
                    throw TrustError.invalid(
                        "counter-card checks go through POST /v1/counter/checks (a card challenge-response)")
                default:
                    throw TrustError.invalid(
                        "\(body.method) does not apply to an organisation (business-registry, tax-account, enterprise-certificate, live-check)"
                    )
                }
            },
            Route(.post, "/v1/organizations/{id}/challenges", .permission(.identityVerify)) { _, context in
                let challenge = try await identity.enterpriseChallenge(
                    organizationID: try hexParameter(context, "id"), by: try context.caller())
                return try json(
                    ChallengeView(
                        id: challenge.id, challenge: challenge.nonce.base64EncodedString(),
                        expiresAt: UTCTime.iso8601(challenge.expiresAt)), status: .created)
            },
            Route(.post, "/v1/organizations/{id}/authorizations", .permission(.organizationAuthorize)) {
                request, context in
                let body = try await decode(AuthorizationRequest.self, request, context)
                let validity = try body.validity()
                let record = try await identity.authorize(
                    organizationID: try hexParameter(context, "id"), personID: body.personId, scope: body.scope,
                    validFrom: validity.from, validTo: validity.to, by: try context.caller())
                return try json(AuthorizationView(record), status: .created)
            },
            Route(.post, "/v1/authorizations/{id}/revoke", .permission(.organizationAuthorize)) { _, context in
                try json(
                    AuthorizationView(
                        try await identity.revokeAuthorization(
                            id: try hexParameter(context, "id"), by: try context.caller())))
            },
        ]
    }
}
