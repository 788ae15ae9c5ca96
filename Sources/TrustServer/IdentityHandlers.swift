import APIContract
import Foundation
import Hummingbird
import TrustCrypto
import TrustModel
import TrustServices

/// Routes of the tiered real-name identity: persons, organisations, verifications, authorisations, decisions.
extension Handlers {
    var identity: IdentityService { api.appliance.identity }

    func identityHandler(for spec: RouteSpec) -> Handler? {
        switch (spec.method, spec.path) {
        case (.post, "/v1/persons"): return { request, context in
            let body = try await decode(PersonRequest.self, request, context)
            return try json(PersonView(try identity.registerPerson(name: body.name, idNumber: body.idNumber, mobile: body.mobile,
                                                                   actor: actor(context))), status: .created) }
        case (.get, "/v1/persons/{id}"): return { _, context in
            try json(PersonView(try identity.person(id: try hexParameter(context, "id")))) }
        case (.post, "/v1/persons/{id}/verifications"): return { request, context in
            let id = try hexParameter(context, "id")
            let body = try await decode(VerificationRequest.self, request, context)
            switch try method(body.method) {
            case .smsOTP:
                if let otpID = body.otpId, let code = body.code {
                    return try json(PersonView(try identity.verifyOTP(personID: id, otpID: otpID, code: code, actor: actor(context))))
                }
                guard body.otpId == nil, body.code == nil else { throw TrustError.invalid("sms-otp: give both otpId and code, or neither to send a code") }
                let sent = try identity.startOTP(personID: id, actor: actor(context))
                return try json(OTPSent(otpId: sent.id, expiresAt: UTCTime.iso8601(sent.expiresAt)), status: .accepted)
            case .populationRegistry:
                return try json(PersonView(try identity.verifyPopulationRegistry(personID: id, actor: actor(context))))
            case .bankCard:
                return try json(PersonView(try identity.verifyRealName(personID: id, actor: actor(context))))
            case .liveness, .liveCheck:
                try identity.verifyLiveness(subject: .person, id: id, method: try method(body.method), session: body.session, actor: actor(context))
                return try json(PersonView(try identity.person(id: id)))
            case .counterCard:
                throw TrustError.invalid("counter-card checks go through POST /v1/counter/checks (a card challenge-response)")
            default:
                throw TrustError.invalid("\(body.method) does not apply to a person (sms-otp, population-registry, bank-card, liveness, live-check)")
            } }
        case (.post, "/v1/organizations"): return { request, context in
            let body = try await decode(OrganizationRequest.self, request, context)
            guard body.legalRepresentativeId.allSatisfy(\.isHexDigit), body.legalRepresentativeId.count <= 64 else {
                throw TrustError.invalid("legalRepresentativeId must be a person id")
            }
            return try json(OrganizationView(try identity.registerOrganization(name: body.name, creditCode: body.creditCode,
                                                                               legalRepresentativeID: body.legalRepresentativeId, actor: actor(context))),
                            status: .created) }
        case (.get, "/v1/organizations/{id}"): return { _, context in
            try json(OrganizationView(try identity.organization(id: try hexParameter(context, "id")))) }
        case (.post, "/v1/organizations/{id}/verifications"): return { request, context in
            let id = try hexParameter(context, "id")
            let body = try await decode(VerificationRequest.self, request, context)
            switch try method(body.method) {
            case .businessRegistry:
                return try json(OrganizationView(try identity.verifyBusinessRegistry(organizationID: id, actor: actor(context))))
            case .taxAccount:
                return try json(OrganizationView(try identity.verifyTaxAccount(organizationID: id, actor: actor(context))))
            case .liveCheck:
                try identity.verifyLiveness(subject: .organization, id: id, method: .liveCheck, session: body.session, actor: actor(context))
                return try json(OrganizationView(try identity.organization(id: id)))
            case .enterpriseCertificate:
                guard let challengeID = body.challengeId, let pem = body.certificate, let signatureText = body.signature else {
                    throw TrustError.invalid("enterprise-certificate needs challengeId, certificate and signature")
                }
                guard let signature = Data(base64Encoded: signatureText), !signature.isEmpty, signature.count <= 1024 else {
                    throw APIError(.badRequest, "malformed_base64", "signature must be base64 of at most 1024 bytes")
                }
                let certificate = try Certificate(pem: pem)
                let chain = try (body.chain ?? []).prefix(8).map { try Certificate(pem: $0) }
                let ca = api.appliance.ca
                return try json(OrganizationView(try identity.verifyEnterpriseCertificate(
                    organizationID: id, challengeID: challengeID, certificate: certificate, intermediates: Array(chain), signature: Array(signature),
                    revocation: { try ca.registryRevocationStatus($0) }, actor: actor(context))))
            case .counterCard:
                throw TrustError.invalid("counter-card checks go through POST /v1/counter/checks (a card challenge-response)")
            default:
                throw TrustError.invalid("\(body.method) does not apply to an organisation (business-registry, tax-account, enterprise-certificate, live-check)")
            } }
        case (.post, "/v1/organizations/{id}/challenges"): return { _, context in
            let challenge = try identity.challenge(subject: .organization, id: try hexParameter(context, "id"),
                                                   purpose: .enterpriseCertificate, actor: actor(context))
            return try json(ChallengeView(id: challenge.id, challenge: challenge.nonce.base64EncodedString(),
                                          expiresAt: UTCTime.iso8601(challenge.expiresAt)), status: .created) }
        case (.post, "/v1/organizations/{id}/authorizations"): return { request, context in
            let body = try await decode(AuthorizationRequest.self, request, context)
            let from = try body.validFrom.map { try time($0, "validFrom") }
            guard let principal = context.principal else { throw APIError(.unauthorized, "unauthenticated", "no principal") }
            let record = try identity.authorize(organizationID: try hexParameter(context, "id"), personID: body.personId, scope: body.scope,
                                                validFrom: from, validTo: try time(body.validTo, "validTo"), principal: principal)
            return try json(AuthorizationView(record), status: .created) }
        case (.post, "/v1/authorizations/{id}/revoke"): return { _, context in
            try json(AuthorizationView(try identity.revokeAuthorization(id: try hexParameter(context, "id"), actor: actor(context)))) }
        case (.post, "/v1/evidence/{id}/revoke"): return { request, context in
            let body = try await decode(ReasonRequest.self, request, context)
            return try json(EvidenceView(try identity.revokeEvidence(id: try hexParameter(context, "id"), reason: body.reason, actor: actor(context)),
                                         now: Date())) }
        case (.post, "/v1/decisions"): return { request, context in
            let body = try await decode(DecisionRequest.self, request, context)
            let grant = try body.grantLevel.map { text -> AssuranceLevel in
                guard let level = AssuranceLevel(rawValue: text) else { throw TrustError.invalid("grantLevel must be a level name") }
                return level
            }
            guard let principal = context.principal else { throw APIError(.unauthorized, "unauthenticated", "no principal") }
            guard let action = PolicyAction(rawValue: body.action) else {
                throw TrustError.invalid("unknown action '\(body.action)' (\(PolicyAction.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            let decision = try identity.decide(principal: principal, personID: body.personId, organizationID: body.organizationId,
                                               action: action, grantLevel: grant, resource: "decision:\(body.action)")
            switch decision {
            case .allow: return try json(DecisionView(allowed: true, reason: nil))
            case .deny(let reason): return try json(DecisionView(allowed: false, reason: reason))
            } }
        default:
            return nil
        }
    }
}

func method(_ name: String) throws -> VerificationMethod {
    guard let method = VerificationMethod(rawValue: name) else {
        throw TrustError.invalid("unknown method '\(name)' (\(VerificationMethod.allCases.map(\.rawValue).joined(separator: ", ")))")
    }
    return method
}

func time(_ text: String, _ field: String) throws -> Date {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    if let date = formatter.date(from: text) ?? ISO8601DateFormatter().date(from: text) { return date }
    throw TrustError.invalid("\(field) must be an ISO 8601 time such as 2027-01-31T00:00:00Z")
}
