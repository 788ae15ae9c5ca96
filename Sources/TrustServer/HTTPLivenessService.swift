import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TrustModel
import TrustServices

/// The liveness adapter for a face-check service reached over HTTP (the vendor's terminal or phone app did the live
/// capture and holds a session for it; trustd asks whether that session confirmed this person).
///
/// The contract (README "Live checks"): `POST url` with `Authorization: Bearer TOKEN` and the JSON body
/// `{"method": "liveness" | "live-check", "session": REF, "name": NAME}`; the service answers 200 with
/// `{"result": "confirmed", "reference": ID}`, `{"result": "mismatch", "detail": TEXT}` or `{"result": "unknown"}`.
/// Anything else — another status, a malformed body, no answer within the timeout — is `unavailable` (a 503 with
/// its code), never a pass. The call runs on the blocking executor's thread that asked, bounded by a deadline and a
/// 64 KiB answer.
public struct HTTPLivenessService: LivenessService {
    public let url: String
    let bearerToken: String?
    let timeout: TimeAmount

    public var name: String { "http-liveness" }

    /// `url` must be https (http only on the loopback); `tokenFile` is read once (mode 0600, checked by the caller).
    public init(url: String, bearerToken: String?, timeoutSeconds: Int) throws {
        guard let parsed = URL(string: url), let scheme = parsed.scheme, let host = parsed.host, !host.isEmpty,
            scheme == "https" || (scheme == "http" && ["127.0.0.1", "localhost", "::1"].contains(host))
        else { throw TrustError.invalid("liveness.url must be an https URL (http only on the loopback)") }
        guard (1...120).contains(timeoutSeconds) else {
            throw TrustError.invalid("liveness.timeoutSeconds must be 1–120")
        }
        self.url = url
        self.bearerToken = bearerToken
        timeout = .seconds(Int64(timeoutSeconds))
    }

    struct Question: Encodable {
        let method: String
        let session: String
        let name: String
    }

    struct Answer: Decodable {
        let result: String
        let reference: String?
        let detail: String?
    }

    public func check(method: VerificationMethod, subjectName: String, sessionReference: String?) throws
        -> RegistryAnswer
    {
        guard let session = sessionReference, (1...256).contains(session.count) else {
            throw TrustError.invalid(
                "a live check needs the liveness service's session reference (1 to 256 characters)")
        }
        var headers = HTTPHeaders([("Content-Type", "application/json"), ("Accept", "application/json")])
        if let bearerToken { headers.add(name: "Authorization", value: "Bearer \(bearerToken)") }
        let body = try JSONEncoder().encode(Question(method: method.rawValue, session: session, name: subjectName))
        let request = try HTTPClient.Request(url: url, method: .POST, headers: headers, body: .bytes(Array(body)))
        let response: HTTPClient.Response
        do {
            response = try HTTPClient.shared.execute(
                request: request, delegate: ResponseAccumulator(request: request, maxBodySize: 64 * 1024),
                deadline: .now() + timeout
            ).futureResult.wait()
        } catch {
            throw TrustError(.unavailable, "the liveness service did not answer (\(Self.reason(error)))")
        }
        guard response.status == .ok else {
            throw TrustError(.unavailable, "the liveness service answered HTTP \(response.status.code)")
        }
        guard let bytes = response.body.map({ Data($0.readableBytesView) }),
            let answer = try? JSONDecoder().decode(Answer.self, from: bytes)
        else { throw TrustError(.unavailable, "the liveness service's answer is not the expected JSON") }
        switch answer.result {
        case "confirmed":
            guard let reference = answer.reference, (1...256).contains(reference.count) else {
                throw TrustError(.unavailable, "the liveness service confirmed without a reference")
            }
            return .confirmed(reference: reference)
        case "mismatch": return .mismatch(String((answer.detail ?? "the live capture is not this person").prefix(200)))
        case "unknown": return .unknown
        default: throw TrustError(.unavailable, "the liveness service answered result \(answer.result.prefix(40))")
        }
    }

    /// A short, secret-free reason for the log and the 503 (never the URL's credentials or the token).
    static func reason(_ error: any Error) -> String {
        switch error {
        case let error as HTTPClientError where error == .deadlineExceeded: "timed out"
        case is HTTPClientError: "\(error)"
        default: "connection failed"
        }
    }
}
