import Foundation
import TrustModel

@testable import TrustServices

// The identity service's verifications as the tests call them: each goes through the public use case
// (`verifyPerson`, `verifyOrganization`, `enterpriseChallenge`) with the permission check, the blocking executor
// and the audit record, and unwraps the answer.

struct UnexpectedAnswer: Error {}

extension IdentityService {
    func startOTP(personID: String, by caller: Caller) async throws -> (id: String, expiresAt: Date) {
        guard case .otpSent(let id, let expiresAt) = try await verifyPerson(personID, .sendOTP, by: caller) else {
            throw UnexpectedAnswer()
        }
        return (id, expiresAt)
    }

    func verifyOTP(personID: String, otpID: String, code: String, by caller: Caller) async throws -> PersonDetails {
        try person(try await verifyPerson(personID, .checkOTP(otpID: otpID, code: code), by: caller))
    }

    func verifyPopulationRegistry(personID: String, by caller: Caller) async throws -> PersonDetails {
        try person(try await verifyPerson(personID, .populationRegistry, by: caller))
    }

    func verifyRealName(personID: String, by caller: Caller) async throws -> PersonDetails {
        try person(try await verifyPerson(personID, .bankCard, by: caller))
    }

    func verifyLiveness(
        subject: SubjectKind, id: String, method: VerificationMethod, session: String?, by caller: Caller
    ) async throws {
        switch subject {
        case .person: _ = try await verifyPerson(id, .liveness(method, session: session), by: caller)
        case .organization: _ = try await verifyOrganization(id, .liveness(method, session: session), by: caller)
        }
    }

    func verifyBusinessRegistry(organizationID: String, by caller: Caller) async throws -> OrganizationDetails {
        try await verifyOrganization(organizationID, .businessRegistry, by: caller)
    }

    func verifyTaxAccount(organizationID: String, by caller: Caller) async throws -> OrganizationDetails {
        try await verifyOrganization(organizationID, .taxAccount, by: caller)
    }

    func challenge(subject: SubjectKind, id: String, purpose: ChallengePurpose, by caller: Caller) async throws
        -> ChallengeRecord
    {
        try await enterpriseChallenge(organizationID: id, by: caller)
    }

    private func person(_ verification: PersonVerification) throws -> PersonDetails {
        guard case .person(let details) = verification else { throw UnexpectedAnswer() }
        return details
    }
}
