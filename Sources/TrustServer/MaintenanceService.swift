import Logging
import ServiceLifecycle
import TrustServices

/// The daemon's periodic housekeeping, run as a lifecycle service beside the HTTP server:
/// - a signed audit checkpoint once 1,000 records have accumulated, and at least hourly when anything is new;
/// - re-signing cached OCSP responses that come within the refresh margin of their nextUpdate.
/// Graceful shutdown ends it between ticks.
public struct MaintenanceService: Service {
    let api: TrustAPI
    let interval: Duration
    let logger: Logger

    public init(api: TrustAPI, interval: Duration = .seconds(60), logger: Logger = Logger(label: "trustd.maintenance")) {
        self.api = api
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        do {
            try api.appliance.audit.catchUpAnchors()
        } catch {
            logger.error("audit anchor file could not be brought up to date", metadata: ["error": "\(error)"])
        }
        refreshStatistics()
        let perHour = max(1, Int(3600 / max(1, interval.components.seconds)))
        try? await cancelWhenGracefulShutdown {
            var ticks = 0  // local to the one task that runs the loop
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                ticks += 1
                tick(hourly: ticks % perHour == 0)
            }
        }
        // The server has drained (it stops before this service): seal the log's end with a checkpoint, so records
        // removed from it while the daemon is down cannot go unnoticed.
        do {
            if let checkpoint = try api.appliance.audit.checkpoint(actor: "system:shutdown") {
                logger.info("audit checkpoint at shutdown", metadata: ["seq": "\(checkpoint.seq)"])
            }
        } catch {
            logger.error("audit checkpoint at shutdown failed", metadata: ["error": "\(error)"])
        }
    }

    func refreshStatistics() {
        do { try api.appliance.statistics.refresh() } catch { logger.error("metrics counts failed", metadata: ["error": "\(error)"]) }
    }

    /// One round of housekeeping (public for tests).
    public func tick(hourly: Bool) {
        refreshStatistics()
        do {
            if let checkpoint = try api.appliance.audit.checkpointIfDue(every: hourly ? 1 : 1000, actor: "system:maintenance") {
                logger.info("audit checkpoint", metadata: ["seq": "\(checkpoint.seq)"])
            }
        } catch {
            logger.error("audit checkpoint failed", metadata: ["error": "\(error)"])
        }
        let refreshed = api.appliance.ca.ocsp.refreshExpiring()
        if refreshed > 0 { logger.info("OCSP responses refreshed", metadata: ["count": "\(refreshed)"]) }
    }
}
