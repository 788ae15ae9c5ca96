import Foundation
import TrustServices

/// A fresh installation (SQLite, software keys) in a temporary directory, for one benchmark run; `remove()` deletes
/// it. The benchmarks measure against this rather than an operator's data.
struct BenchAppliance {
    let root: String
    let appliance: Appliance

    init(policies: String = "policies") throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("trust-bench-\(UUID().uuidString)")
            .path
        do {
            appliance = try DataDirectory(root).initialize(
                policiesFrom: policies, configuration: CAConfiguration(), actor: "bench", engines: .embedded)
        } catch {
            try? FileManager.default.removeItem(atPath: root)
            throw error
        }
        self.root = root
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }
}
