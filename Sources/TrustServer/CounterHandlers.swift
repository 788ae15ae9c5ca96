import APIContract
import Foundation
import Hummingbird
import TrustCrypto
import TrustModel
import TrustServices

/// `POST /v1/counter/challenges` and `POST /v1/counter/checks`: smart-card identity checks at service counters.
extension Handlers {
    func counterHandler(for spec: RouteSpec) -> Handler? {
        let counter = api.appliance.counter
        switch (spec.method, spec.path) {
        case (.post, "/v1/counter/challenges"): return { request, context in
            let body = try await decode(CounterChallengeRequest.self, request, context)
            let challenge = try counter.challenge(personID: body.personId, by: try principal(context))
            return try json(CounterChallengeResponse(challengeId: challenge.id, challenge: challenge.nonce.base64EncodedString(),
                                                     expiresAt: UTCTime.iso8601(challenge.expiresAt)), status: .created) }
        case (.post, "/v1/counter/checks"): return { request, context in
            let body = try await decode(CounterCheckRequest.self, request, context)
            let caller = try principal(context)
            if let failure = body.failure {
                let outcome = try await BlockingWork.run {
                    try counter.recordTerminalFailure(challengeID: body.challengeId, failure: failure, reader: body.reader, atr: body.atr,
                                                      terminal: body.terminal, by: caller)
                }
                return try json(CounterCheckResponse(personId: outcome.person.record.id, level: outcome.person.assessment.level.rawValue,
                                                     evidenceId: "-", certificateSubject: "-"))
            }
            guard let certificate = body.certificate.flatMap({ Data(base64Encoded: $0) }), !certificate.isEmpty, certificate.count <= 16 * 1024 else {
                throw APIError(.badRequest, "malformed_base64", "certificate must be the base64 DER of the card's certificate (at most 16 KiB)")
            }
            guard let signature = body.signature.flatMap({ Data(base64Encoded: $0) }), !signature.isEmpty, signature.count <= 1024 else {
                throw APIError(.badRequest, "malformed_base64", "signature must be base64 (at most 1 KiB)")
            }
            let outcome = try await BlockingWork.run {
                try counter.check(challengeID: body.challengeId, certificateDER: Array(certificate), signature: Array(signature), reader: body.reader,
                                  atr: body.atr, terminal: body.terminal, by: caller)
            }
            return try json(CounterCheckResponse(personId: outcome.person.record.id, level: outcome.person.assessment.level.rawValue,
                                                 evidenceId: outcome.evidenceID ?? "-", certificateSubject: outcome.certificateSubject)) }
        default:
            return nil
        }
    }
}
