import Foundation
import TrustModel

/// The appliance's periodic work, run by the daemon's maintenance loop (never by a request): the counts the metrics
/// show, a signed audit checkpoint once enough records accumulated (and hourly when anything is new), delegated OCSP
/// signers renewed before their certificates end, and OCSP responses re-signed before they expire. Each round runs on
/// the blocking executor.
public struct Housekeeping: Sendable {
    let audit: AuditService
    let statistics: ApplianceStatistics
    let ca: CertificateAuthority
    let executor: BlockingExecutor

    public init(
        audit: AuditService, statistics: ApplianceStatistics, ca: CertificateAuthority,
        executor: BlockingExecutor = .shared
    ) {
        self.audit = audit
        self.statistics = statistics
        self.ca = ca
        self.executor = executor
    }

    /// What one round did, and what failed (for the log; a failure does not stop the next round).
    public struct Round: Sendable {
        public var checkpoint: AuditCheckpointRecord?
        public var ocspRefreshed = 0
        /// CAs whose delegated OCSP signer was renewed.
        public var ocspSignersRenewed: [String] = []
        public var failures: [String] = []
        /// This node holds the leader lease (one node runs checkpoints and signer renewal for all).
        public var leader = true
        /// Made at start and hourly: certificates that end within the warning window.
        public var expiry: ExpiryReport?
    }

    /// At start: anchor-file catch-up (a crash between a checkpoint's commit and its append) and first counts.
    public func start() async -> [String] {
        (try? await executor.run { [audit, statistics] in
            var failures: [String] = []
            // With several nodes, the first to start takes the leader lease now rather than a round later.
            _ = audit.store.holdsLeadership()
            do { try audit.catchUpAnchors() } catch {
                failures.append("audit anchor file could not be brought up to date: \(error)")
            }
            do { try statistics.refresh() } catch { failures.append("metrics counts failed: \(error)") }
            return failures
        }) ?? ["the blocking executor refused the start-up round"]
    }

    /// One round; `hourly` lowers the checkpoint threshold to a single new record and looks for certificates that
    /// end within `expiryWindowDays` (also in the first round).
    public func round(hourly: Bool, expiryWindowDays: Int = 30) async -> Round {
        (try? await executor.run { [audit, statistics, ca] in
            var round = Round()
            do { try statistics.refresh() } catch { round.failures.append("metrics counts failed: \(error)") }
            if hourly || statistics.expiryReport == nil {
                do {
                    let report = try ca.expiryReport(windowDays: expiryWindowDays)
                    statistics.record(report)
                    round.expiry = report
                } catch {
                    round.failures.append("the expiry check failed: \(error)")
                }
            }
            round.leader = ca.store.holdsLeadership()
            if round.leader {
                do {
                    round.checkpoint = try audit.checkpointIfDue(
                        every: hourly ? 1 : 1000, actor: "system:maintenance")
                } catch {
                    round.failures.append("audit checkpoint failed: \(error)")
                }
                do { round.ocspSignersRenewed = try ca.renewOCSPSigners(actor: "system:maintenance") } catch {
                    round.failures.append("OCSP signer renewal failed: \(error)")
                }
            }
            // Pre-signed OCSP answers are this node's own cache: every node keeps its own fresh.
            round.ocspRefreshed = ca.ocsp.refreshExpiring()
            return round
        }) ?? Round(failures: ["the blocking executor refused the round"])
    }

    /// At graceful shutdown, after the server drained: a checkpoint sealing the log's end, so records removed while the
    /// daemon is down cannot go unnoticed.
    public func shutdown() async throws -> AuditCheckpointRecord? {
        try await audit.checkpoint(by: .system("shutdown"))
    }
}
