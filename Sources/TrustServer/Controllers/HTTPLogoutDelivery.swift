import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import Synchronization
import TrustServices

/// Posts back-channel logout tokens (`logout_token=…`, form encoded) to the platforms' registered URIs, off the
/// request that ended the session: each attempt has a 5 s deadline; a platform that cannot be reached or answers 5xx
/// is tried again after 1 s and 5 s (the token stays valid for two minutes), a 4xx is final. At most 64 deliveries
/// are in flight (more are dropped with a warning — a platform that does not answer cannot hold trustd).
final class HTTPLogoutDelivery: LogoutDelivery {
    static let maxInFlight = 64
    private let inFlight = Mutex(0)
    private let logger = Logger(label: "trustd.login.logout")

    func deliver(_ notices: [LogoutNotice]) {
        for notice in notices {
            let admitted = inFlight.withLock { count -> Bool in
                guard count < Self.maxInFlight else { return false }
                count += 1
                return true
            }
            guard admitted else {
                logger.warning(
                    "back-channel logout dropped: too many in flight", metadata: ["client": "\(notice.clientID)"])
                continue
            }
            Task { [self] in
                defer { self.inFlight.withLock { $0 -= 1 } }
                for (attempt, pause) in Self.retryPauses.enumerated() {
                    if pause > .zero { try? await Task.sleep(for: pause) }
                    switch await post(notice) {
                    case .delivered: return
                    case .refused(let status):
                        return logger.warning(
                            "back-channel logout refused",
                            metadata: ["client": "\(notice.clientID)", "status": "\(status)"])
                    case .failed(let reason):
                        logger.warning(
                            "back-channel logout failed",
                            metadata: [
                                "client": "\(notice.clientID)", "attempt": "\(attempt + 1)", "error": "\(reason)",
                            ])
                    }
                }
            }
        }
    }

    /// Before each attempt: none, then 1 s, then 5 s.
    static let retryPauses: [Duration] = [.zero, .seconds(1), .seconds(5)]

    enum Outcome {
        case delivered
        /// The platform answered 4xx: it will not take the token, trying again would not change that.
        case refused(UInt)
        /// No answer, or 5xx: worth another attempt.
        case failed(String)
    }

    private func post(_ notice: LogoutNotice) async -> Outcome {
        var request = HTTPClientRequest(url: notice.uri)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        // A compact JWS is base64url and dots: nothing to percent-encode.
        request.body = .bytes(ByteBuffer(string: "logout_token=" + notice.token))
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
            _ = try await response.body.collect(upTo: 64 * 1024)
            switch response.status.code {
            case 200..<300: return .delivered
            case 400..<500: return .refused(response.status.code)
            default: return .failed("HTTP \(response.status.code)")
            }
        } catch {
            return .failed("\(error)")
        }
    }
}
