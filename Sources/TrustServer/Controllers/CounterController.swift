import APIContract
import Hummingbird
import TrustModel
import TrustServices

/// What the counter routes need of the counter-check service.
protocol CounterOperations: Sendable {
    func challenge(personID: String, by caller: Caller) async throws -> ChallengeRecord
    func check(
        challengeID: String, certificateDER: [UInt8], signature: [UInt8], reader: String, atr: String,
        terminal: String?,
        by caller: Caller
    ) async throws -> CounterCheckService.Outcome
    func recordTerminalFailure(
        challengeID: String, failure: String, reader: String, atr: String, terminal: String?,
        by caller: Caller
    ) async throws -> CounterCheckService.Outcome
}

extension CounterCheckService: CounterOperations {}

/// Smart-card identity checks at service counters: a challenge for a person, then the card's answer (or the
/// terminal's report that the card refused).
struct CounterController: Controller {
    let counter: any CounterOperations

    var routes: [Route] {
        [
            Route(.post, "/v1/counter/challenges", .permission(.counterCheck)) { request, context in
                let body = try await decode(CounterChallengeRequest.self, request, context)
                let challenge = try await counter.challenge(personID: body.personId, by: try context.caller())
                return try json(
                    CounterChallengeResponse(
                        challengeId: challenge.id, challenge: challenge.nonce.base64EncodedString(),
                        expiresAt: UTCTime.iso8601(challenge.expiresAt)), status: .created)
            },
            Route(.post, "/v1/counter/checks", .permission(.counterCheck)) { request, context in
                let body = try await decode(CounterCheckRequest.self, request, context)
                let caller = try context.caller()
                let outcome: CounterCheckService.Outcome
                if let answer = try body.answer() {
                    outcome = try await counter.check(
                        challengeID: body.challengeId, certificateDER: answer.certificate, signature: answer.signature,
                        reader: body.reader, atr: body.atr, terminal: body.terminal, by: caller)
                } else {
                    outcome = try await counter.recordTerminalFailure(
                        challengeID: body.challengeId, failure: body.failure ?? "-", reader: body.reader,
                        atr: body.atr, terminal: body.terminal, by: caller)
                }
                return try json(
                    CounterCheckResponse(
                        personId: outcome.person.record.id, level: outcome.person.assessment.level.rawValue,
                        evidenceId: outcome.evidenceID ?? "-", certificateSubject: outcome.certificateSubject))
            },
        ]
    }
}
