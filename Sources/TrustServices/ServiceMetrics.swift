import CoreMetrics

/// The operation counters `/metrics` shows, through swift-metrics (the daemon bootstraps it with its Prometheus
/// registry; without a bootstrap they go nowhere). Labels are bounded sets: actions, formats, outcomes, indications.
enum ServiceMetrics {
    /// Signatures and document sealings (`action`: sign.seal, sign.key, document.seal, document.sign), allowed or
    /// denied.
    static func signature(action: String, format: String, allowed: Bool) {
        Counter(
            label: "trustd_signatures_total",
            dimensions: [("action", action), ("format", format), ("outcome", allowed ? "allowed" : "denied")]
        ).increment()
    }

    /// Verifications by what was verified (signature or document) and the verdict.
    static func verification(kind: String, indication: String) {
        Counter(label: "trustd_verifications_total", dimensions: [("kind", kind), ("indication", indication)])
            .increment()
    }

    static func timestamp(unit: String, granted: Bool) {
        Counter(
            label: "trustd_timestamps_total",
            dimensions: [("unit", unit), ("outcome", granted ? "granted" : "rejected")]
        ).increment()
    }

    /// Refusals, by the action refused and why: `permission` (the role lacks it), `grant` (a signature its grant or
    /// key does not allow: usage limit, validity, holder, level) or `policy` (what the assurance policy or a seal's
    /// state refused).
    static func denial(action: String, reason: String) {
        Counter(label: "trustd_denials_total", dimensions: [("action", action), ("reason", reason)]).increment()
    }
}
