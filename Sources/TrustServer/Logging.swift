import Foundation
import Hummingbird
import Logging
import TrustModel

/// One JSON object per log line on standard error: time, level, label, message and metadata.
/// trustd installs it with `LoggingSystem.bootstrap(JSONLogHandler.init)`.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String
    let output: @Sendable (String) -> Void

    /// Lines go to standard error through the shared ``LogWriter`` (batched off the request path).
    public init(label: String) {
        self.init(label: label) { LogWriter.standardError.write($0) }
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
        var fields: [(String, String)] = [
            ("time", UTCTime.iso8601(Date(), milliseconds: true)), ("level", event.level.rawValue),
            ("label", label), ("message", event.message.description),
        ]
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        for key in merged.keys.sorted() { fields.append((key, "\(merged[key]!)")) }
        let line = "{" + fields.map { "\(JSONText.quote($0.0)):\(JSONText.quote($0.1))" }.joined(separator: ",") + "}\n"
        output(line)
    }
}

/// Logs every request once it is answered: request id, principal, route, method, status, latency. Never headers or
/// bodies (tokens, CSRs and keys stay out of logs).
///
/// Successful answers of the high-volume public read routes (OCSP, health) are logged at debug level: at tens of
/// thousands of requests per second, formatting a line per answer would halve throughput. Their failures, and every
/// request to any other route, are logged at info. State changes are in the audit log in any case.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = TrustRequestContext
    static let quietRoutes: Set<String> = ["/ocsp", "/ocsp/**", "/healthz"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let route = context.endpointPath ?? "unmatched"
        let level: Logger.Level = response.status.code < 400 && Self.quietRoutes.contains(route) ? .debug : .info
        guard context.logger.logLevel <= level else { return response }
        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        context.logger.log(
            level: level, "request",
            metadata: [
                "request_id": .string(context.id),
                "principal": .string(context.notes.principal ?? "-"),
                "method": .string(request.method.rawValue),
                "route": .string(route),
                "status": .stringConvertible(response.status.code),
                "latency_ms": .string(String(format: "%.3f", milliseconds)),
            ])
        return response
    }
}

/// Writes log lines from a background thread in batches, so a request never waits for a `write(2)`.
/// Lines are kept in order; ``flush()`` drains everything (called on shutdown).
public final class LogWriter: @unchecked Sendable {
    public static let standardError = LogWriter(fileDescriptor: 2)

    private let fileDescriptor: Int32
    private let condition = NSCondition()
    private var pending: [String] = []
    private var writing = false

    init(fileDescriptor: Int32) {
        self.fileDescriptor = fileDescriptor
        let thread = Thread { [unowned self] in self.loop() }
        thread.name = "trustd-log-writer"
        thread.start()
    }

    func write(_ line: String) {
        condition.lock()
        pending.append(line)
        if pending.count == 1 { condition.signal() }
        condition.unlock()
    }

    /// Blocks until every line written so far is out.
    public func flush() {
        condition.lock()
        while !pending.isEmpty || writing { _ = condition.wait(until: Date(timeIntervalSinceNow: 0.01)) }
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while pending.isEmpty { condition.wait() }
            let batch = pending
            pending.removeAll(keepingCapacity: true)
            writing = true
            condition.unlock()
            let bytes = Array(batch.joined().utf8)
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let written = Foundation.write(fileDescriptor, raw.baseAddress! + offset, raw.count - offset)
                    if written <= 0 { break }
                    offset += written
                }
            }
            condition.lock()
            writing = false
            condition.broadcast()
            condition.unlock()
        }
    }
}
