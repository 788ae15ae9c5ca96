import APIContract
import Foundation
import Hummingbird
import TrustModel
import TrustServices

/// What the person, evidence and decision routes need of the identity service.
protocol PersonOperations: Sendable {
    func registerPerson(name: String, idNumber: String, mobile: String, by caller: Caller) async throws -> PersonDetails
    func person(id: String, by caller: Caller) async throws -> PersonDetails
    func verifyPerson(_ id: String, _ request: TrustServices.VerificationRequest, by caller: Caller) async throws
        -> IdentityService.PersonVerification
    func revokeEvidence(id: String, reason: String, by caller: Caller) async throws -> Evidence
    func decision(
        action: PolicyAction, personID: String?, organizationID: String?, grantLevel: AssuranceLevel?, by caller: Caller
    ) async throws -> Decision
}

extension IdentityService: PersonOperations {}

/// Persons and their verifications, evidence revocation, and policy decisions for platforms.
struct PersonController: Controller {
    let identity: any PersonOperations

    var routes: [Route] {
        [
            Route(.post, "/v1/persons", .permission(.identityRegister)) { request, context in
                let body = try await decode(PersonRequest.self, request, context)
                let person = try await identity.registerPerson(
                    name: body.name, idNumber: body.idNumber, mobile: body.mobile, by: try context.caller())
                return try json(PersonView(person), status: .created)
            },
            Route(.get, "/v1/persons/{id}", .permission(.identityRead)) { _, context in
                try json(
                    PersonView(try await identity.person(id: try hexParameter(context, "id"), by: try context.caller()))
                )
            },
            Route(.post, "/v1/persons/{id}/verifications", .permission(.identityVerify)) { request, context in
                let body = try await decode(APIContract.VerificationRequest.self, request, context)
                let verification = try Self.request(body)
                switch try await identity.verifyPerson(
                    try hexParameter(context, "id"), verification, by: try context.caller())
                {
                case .person(let person): return try json(PersonView(person))
                case .otpSent(let id, let expiresAt):
                    return try json(OTPSent(otpId: id, expiresAt: UTCTime.iso8601(expiresAt)), status: .accepted)
                }
            },
            Route(.post, "/v1/evidence/{id}/revoke", .permission(.evidenceRevoke)) { request, context in
                let body = try await decode(ReasonRequest.self, request, context)
                let evidence = try await identity.revokeEvidence(
                    id: try hexParameter(context, "id"), reason: body.reason, by: try context.caller())
                return try json(EvidenceView(evidence, now: Date()))
            },
            Route(.post, "/v1/decisions", .permission(.decisionQuery)) { request, context in
                let body = try await decode(DecisionRequest.self, request, context)
                let action = try named(
                    body.action, "action", PolicyAction.init(rawValue:), choices: PolicyAction.allCases.map(\.rawValue))
                let grant = try body.grantLevel.map { try level($0, "grantLevel") }
                switch try await identity.decision(
                    action: action, personID: body.personId, organizationID: body.organizationId, grantLevel: grant,
                    by: try context.caller())
                {
                case .allow: return try json(DecisionView(allowed: true, reason: nil))
                case .deny(let reason): return try json(DecisionView(allowed: false, reason: reason))
                }
            },
        ]
    }

    /// The verification a person's request body asks for.
    static func request(_ body: APIContract.VerificationRequest) throws -> TrustServices.VerificationRequest {
        switch try verificationMethod(body.method) {
        case .smsOTP:
            switch (body.otpId, body.code) {
            case (let otpID?, let code?): return .checkOTP(otpID: otpID, code: code)
            case (nil, nil): return .sendOTP
            default: throw TrustError.invalid("sms-otp: give both otpId and code, or neither to send a code")
            }
        case .populationRegistry: return .populationRegistry
        case .bankCard: return .bankCard
        case .liveness: return .liveness(.liveness, session: body.session)
        case .liveCheck: return .liveness(.liveCheck, session: body.session)
        case .counterCard:
            throw TrustError.invalid(
                "counter-card checks go through POST /v1/counter/checks (a card challenge-response)")
        default:
            throw TrustError.invalid(
                "\(body.method) does not apply to a person (sms-otp, population-registry, bank-card, liveness, live-check)"
            )
        }
    }
}

func verificationMethod(_ name: String) throws -> VerificationMethod {
    try named(name, "method", VerificationMethod.init(rawValue:), choices: VerificationMethod.allCases.map(\.rawValue))
}

func level(_ name: String, _ field: String) throws -> AssuranceLevel {
    try named(name, field, AssuranceLevel.init(rawValue:), choices: AssuranceLevel.allCases.map(\.rawValue))
}
