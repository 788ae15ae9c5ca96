import Logging
import ServiceLifecycle
import TrustServices

/// The daemon's periodic housekeeping (``Housekeeping``), run as a lifecycle service beside the HTTP server: every
/// `interval` a round, hourly a round that checkpoints even a single new audit record; at graceful shutdown, after the
/// server drained, a checkpoint sealing the log's end. The work itself runs on the services' blocking executor.
public struct MaintenanceService: Service {
    let housekeeping: Housekeeping
    let interval: Duration
    let expiryWarningDays: Int
    let logger: Logger

    public init(
        api: TrustAPI, interval: Duration = .seconds(60), expiryWarningDays: Int = 30,
        logger: Logger = Logger(label: "trustd.maintenance")
    ) {
        self.housekeeping = api.appliance.housekeeping
        self.interval = interval
        self.expiryWarningDays = expiryWarningDays
        self.logger = logger
    }

    public func run() async throws {
        for failure in await housekeeping.start() { logger.error("\(failure)") }
        let perHour = max(1, Int(3600 / max(1, interval.components.seconds)))
        try? await cancelWhenGracefulShutdown {
            var ticks = 0  // local to the one task that runs the loop
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                ticks += 1
                await tick(hourly: ticks % perHour == 0)
            }
        }
        do {
            if let checkpoint = try await housekeeping.shutdown() {
                logger.info("audit checkpoint at shutdown", metadata: ["seq": "\(checkpoint.seq)"])
            }
        } catch {
            logger.error("audit checkpoint at shutdown failed", metadata: ["error": "\(error)"])
        }
    }

    /// One round of housekeeping (public for tests).
    public func tick(hourly: Bool) async {
        let round = await housekeeping.round(hourly: hourly, expiryWindowDays: expiryWarningDays)
        for failure in round.failures { logger.error("\(failure)") }
        for warning in round.expiry?.warnings ?? [] { logger.warning("\(warning)") }
        if let checkpoint = round.checkpoint { logger.info("audit checkpoint", metadata: ["seq": "\(checkpoint.seq)"]) }
        if round.ocspRefreshed > 0 {
            logger.info("OCSP responses refreshed", metadata: ["count": "\(round.ocspRefreshed)"])
        }
    }
}
