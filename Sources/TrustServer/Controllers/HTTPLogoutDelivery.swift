import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import Synchronization
import TrustServices

/// Posts back-channel logout tokens (`logout_token=…`, form encoded) to the platforms' registered URIs, off the
/// request that ended the session: each delivery has a 5 s deadline, at most 64 are in flight (more are dropped with
/// a warning — a platform that does not answer cannot hold trustd), and failures are logged, never retried.
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
                var request = HTTPClientRequest(url: notice.uri)
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
                // A compact JWS is base64url and dots: nothing to percent-encode.
                request.body = .bytes(ByteBuffer(string: "logout_token=" + notice.token))
                do {
                    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
                    _ = try await response.body.collect(upTo: 64 * 1024)
                    if !(200..<300).contains(Int(response.status.code)) {
                        logger.warning(
                            "back-channel logout refused",
                            metadata: ["client": "\(notice.clientID)", "status": "\(response.status.code)"])
                    }
                } catch {
                    logger.warning(
                        "back-channel logout failed", metadata: ["client": "\(notice.clientID)", "error": "\(error)"])
                }
            }
        }
    }
}
