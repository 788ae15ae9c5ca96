import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Limits on client connections, so idle, slow or half-sent connections cannot take the daemon away from everyone
/// else (slowloris, descriptor exhaustion).
public struct ConnectionLimits: Sendable, Hashable {
    /// Connections open at once. At the cap, a new connection closes the longest-idle one (no request in progress),
    /// so a flood of idle sockets cannot lock real clients out; with none idle, the new one is closed.
    public var maxOpen: Int
    /// A new connection must deliver a complete request head within this time, and so must each later request once
    /// its first byte has arrived.
    public var headerTimeout: Duration
    /// A keep-alive connection with no request in progress is closed after this time.
    public var idleTimeout: Duration

    public init(maxOpen: Int, headerTimeout: Duration = .seconds(10), idleTimeout: Duration = .seconds(60)) {
        self.maxOpen = maxOpen
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
    }

    /// Descriptors kept back for the database, key files, logs and outgoing work.
    public static let reservedDescriptors = 128

    /// The default cap for a process allowed `descriptorLimit` open files: three quarters of what is left after the
    /// reserve, at most 16,384.
    public static func defaultMaxOpen(descriptorLimit: Int) -> Int {
        max(16, min(16_384, (descriptorLimit - reservedDescriptors) * 3 / 4))
    }
}

/// Every open client connection, whether a request is in progress on it and when it was last used.
public final class ConnectionTable: Sendable {
    private struct Entry {
        let channel: any Channel
        var busy: Bool
        var lastActive: ContinuousClock.Instant
    }

    private struct State {
        var entries: [ObjectIdentifier: Entry] = [:]
        var evicted = 0
        var refused = 0
        var lastWarning: ContinuousClock.Instant?
    }

    public let limits: ConnectionLimits
    let logger: Logger
    private let state = Mutex(State())

    public init(limits: ConnectionLimits, logger: Logger) {
        self.limits = limits
        self.logger = logger
    }

    public var openCount: Int { state.withLock { $0.entries.count } }

    /// Registers a new connection. At the cap the longest-idle connection is closed to make room; `false` (close
    /// the new one) when every open connection has a request in progress.
    func admit(_ channel: any Channel) -> Bool {
        let now = ContinuousClock.now
        let (admitted, victim, warning) = state.withLock { state -> (Bool, (any Channel)?, String?) in
            var victim: (any Channel)? = nil
            if state.entries.count >= limits.maxOpen {
                let idle = state.entries.filter { !$0.value.busy }.min { $0.value.lastActive < $1.value.lastActive }
                guard let idle else {
                    state.refused += 1
                    return (false, nil, Self.warning(&state, now: now, limit: limits.maxOpen))
                }
                state.entries.removeValue(forKey: idle.key)
                state.evicted += 1
                victim = idle.value.channel
            }
            state.entries[ObjectIdentifier(channel)] = Entry(channel: channel, busy: false, lastActive: now)
            return (true, victim, victim == nil ? nil : Self.warning(&state, now: now, limit: limits.maxOpen))
        }
        victim?.close(promise: nil)
        if let warning { logger.warning("\(warning)") }
        return admitted
    }

    /// One warning per 10 seconds at most, with the counts since the last one.
    private static func warning(_ state: inout State, now: ContinuousClock.Instant, limit: Int) -> String? {
        if let last = state.lastWarning, now - last < .seconds(10) { return nil }
        state.lastWarning = now
        defer {
            state.evicted = 0
            state.refused = 0
        }
        return
            "connection cap of \(limit) reached: closed \(state.evicted) idle connection(s), refused \(state.refused) new one(s)"
    }

    func remove(_ channel: any Channel) {
        _ = state.withLock { $0.entries.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    func setBusy(_ channel: any Channel, _ busy: Bool) {
        let now = ContinuousClock.now
        state.withLock { state in
            let key = ObjectIdentifier(channel)
            guard state.entries[key] != nil else { return }
            state.entries[key]!.busy = busy
            state.entries[key]!.lastActive = now
        }
    }
}

/// Per-connection timing, shared by the two guard handlers of one channel (both run on its event loop).
///
/// The header deadline is kept lazily: starting and stopping a wait only sets `waitingSince`, and one scheduled check
/// per connection closes it or moves itself to the current wait's deadline. Scheduling and cancelling an NIO task for
/// every request cost about 1 % of a small request's CPU (perf, `/healthz`); now a connection in steady use schedules
/// one check per timeout.
final class ConnectionGuardState {
    let table: ConnectionTable
    /// When the current wait for a request head began; `nil` when none is awaited.
    private var waitingSince: NIODeadline?
    /// The pending check, if any. It may be due before the current wait's deadline (left over from an earlier wait).
    private var check: Scheduled<Void>?
    var requestInProgress = false

    init(table: ConnectionTable) { self.table = table }

    private var timeout: TimeAmount { .nanoseconds(table.limits.headerTimeout.nanoseconds) }

    /// Closes the channel unless a request head arrives within the header timeout from now.
    func armHeaderTimer(_ context: ChannelHandlerContext) {
        guard waitingSince == nil else { return }
        let now = NIODeadline.now()
        waitingSince = now
        if check == nil { schedule(at: now + timeout, context.channel) }
    }

    func disarmHeaderTimer() { waitingSince = nil }

    /// For a closed channel: the pending check goes too, so it does not keep the channel alive.
    func cancelHeaderTimer() {
        waitingSince = nil
        check?.cancel()
        check = nil
    }

    private func schedule(at deadline: NIODeadline, _ channel: any Channel) {
        let bound = NIOLoopBound(self, eventLoop: channel.eventLoop)
        check = channel.eventLoop.scheduleTask(deadline: deadline) {
            let state = bound.value
            state.check = nil
            guard let waitingSince = state.waitingSince else { return }
            let deadline = waitingSince + state.timeout
            if deadline <= .now() {
                channel.close(promise: nil)
            } else {
                state.schedule(at: deadline, channel)
            }
        }
    }
}

extension Duration {
    var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
}

/// Sees the connection's bytes before HTTP decoding (after TLS): registers the connection, and starts the header
/// timer when a connection opens and when the first byte of a later request arrives.
final class ConnectionBytesGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    let guardState: ConnectionGuardState

    init(_ guardState: ConnectionGuardState) { self.guardState = guardState }

    func handlerAdded(context: ChannelHandlerContext) {
        guard guardState.table.admit(context.channel) else {
            context.close(promise: nil)
            return
        }
        guardState.armHeaderTimer(context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !guardState.requestInProgress { guardState.armHeaderTimer(context) }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        guardState.cancelHeaderTimer()
        guardState.table.remove(context.channel)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        guardState.cancelHeaderTimer()
        guardState.table.remove(context.channel)
    }
}

/// Sees decoded request and response parts: a request head stops the header timer and marks the connection busy
/// (not evictable); the end of the response marks it idle again.
final class ConnectionRequestGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart
    let guardState: ConnectionGuardState

    init(_ guardState: ConnectionGuardState) { self.guardState = guardState }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            guardState.disarmHeaderTimer()
            guardState.requestInProgress = true
            guardState.table.setBusy(context.channel, true)
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            guardState.requestInProgress = false
            guardState.table.setBusy(context.channel, false)
        }
        context.write(data, promise: promise)
    }
}

/// Hummingbird's HTTP/1.1 child channel with trustd's connection guards around it: the byte guard first (after TLS
/// when TLS wraps this channel), the request guard after HTTP decoding, and Hummingbird's idle timeout.
struct GuardedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value
    let responder: HTTPChannelHandler.Responder
    let table: ConnectionTable

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture { () -> NIOLoopBound<ConnectionGuardState> in
            let guardState = ConnectionGuardState(table: table)
            try channel.pipeline.syncOperations.addHandler(ConnectionBytesGuard(guardState))
            return NIOLoopBound(guardState, eventLoop: channel.eventLoop)
        }.flatMap { bound in
            let configuration = HTTP1Channel.Configuration(
                additionalChannelHandlers: [ConnectionRequestGuard(bound.value)],
                idleTimeout: .nanoseconds(table.limits.idleTimeout.nanoseconds))
            return HTTP1Channel(responder: responder, configuration: configuration).setup(
                channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await HTTP1Channel(responder: responder).handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with trustd's connection guards (see ``GuardedHTTP1Channel``).
    public static func guardedHTTP1(_ table: ConnectionTable) -> HTTPServerBuilder {
        .init { responder in GuardedHTTP1Channel(responder: responder, table: table) }
    }
}

/// On the listening socket: logs when accepting fails for lack of descriptors (NIO then backs off instead of spinning).
public final class AcceptErrorLogger: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = any Channel
    let logger: Logger
    private var lastWarning: ContinuousClock.Instant?
    private var failures = 0

    public init(logger: Logger) { self.logger = logger }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? IOError, [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(error.errnoCode) {
            failures += 1
            let now = ContinuousClock.now
            if lastWarning.map({ now - $0 >= .seconds(10) }) ?? true {
                lastWarning = now
                logger.warning(
                    "accepting connections failed \(failures) time(s): \(error); out of file descriptors, backing off")
                failures = 0
            }
        }
        context.fireErrorCaught(error)
    }
}
