import Foundation
import Hummingbird
import Logging
import TrustModel
import TrustStore

/// One JSON object per log line on standard error: time, level, label, message and metadata.
/// trustd installs it with `LoggingSystem.bootstrap(JSONLogHandler.init)`.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String
    let output: @Sendable (String) -> Void

    public init(label: String) {
        self.init(label: label) { FileHandle.standardError.write(Data($0.utf8)) }
    }

    /// A handler writing its lines to `output` (tests capture them).
    public init(label: String, output: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.output = output
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [(String, String)] = [("time", UTCTime.iso8601(Date(), milliseconds: true)), ("level", event.level.rawValue),
                                          ("label", label), ("message", event.message.description)]
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        for key in merged.keys.sorted() { fields.append((key, "\(merged[key]!)")) }
        let line = "{" + fields.map { "\(JSONText.quote($0.0)):\(JSONText.quote($0.1))" }.joined(separator: ",") + "}\n"
        output(line)
    }
}

/// Logs every request once it is answered: request id, principal, route, method, status, latency. Never headers or
/// bodies (tokens, CSRs and keys stay out of logs).
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = TrustRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        context.logger.info("request", metadata: [
            "request_id": .string(context.id),
            "principal": .string(context.notes.principal ?? "-"),
            "method": .string(request.method.rawValue),
            "route": .string(context.endpointPath ?? "unmatched"),
            "status": .stringConvertible(response.status.code),
            "latency_ms": .string(String(format: "%.3f", milliseconds)),
        ])
        return response
    }
}
