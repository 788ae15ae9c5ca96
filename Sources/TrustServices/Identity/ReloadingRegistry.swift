import Foundation
import Synchronization
import TrustModel

/// The default registry adapters over `DATA/registry.csv`, reloaded when the file changes: an operator edits it
/// while trustd runs, and the next check sees the edit. The file is looked at (one stat) at most once a second.
public final class ReloadingRegistry: PopulationRegistry, BusinessRegistry, RealNameService {
    let registry: SQLiteRegistry
    let path: String
    let secrets: IdentitySecrets
    private struct Seen: Sendable, Equatable {
        var modified: Date?
        var size: Int?
    }
    private let state = Mutex<(seen: Seen, checkedAt: ContinuousClock.Instant?)>((Seen(), nil))

    public var name: String { registry.name }

    /// Loads the file now (if present) and remembers it.
    public init(registry: SQLiteRegistry, path: String, secrets: IdentitySecrets) throws {
        self.registry = registry
        self.path = path
        self.secrets = secrets
        try reloadIfChanged(force: true)
    }

    /// Reloads when the file's time or size changed since the last load. A broken file keeps the last good contents
    /// and fails the check that found it, naming `file:line`.
    func reloadIfChanged(force: Bool = false) throws {
        let now = ContinuousClock.now
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let seen = Seen(modified: attributes?[.modificationDate] as? Date, size: attributes?[.size] as? Int)
        let due = state.withLock { state -> Bool in
            if !force, let checked = state.checkedAt, now - checked < .seconds(1) { return false }
            state.checkedAt = now
            return force || state.seen != seen
        }
        guard due, attributes != nil else { return }
        do {
            _ = try registry.load(csv: path, secrets: secrets)
            state.withLock { $0.seen = seen }
        } catch let error as TrustError {
            throw TrustError(.unavailable, "the registry file cannot be loaded: \(error.message)")
        }
    }

    public func confirm(name: String, idNumberHash: String) throws -> RegistryAnswer {
        try reloadIfChanged()
        return try registry.confirm(name: name, idNumberHash: idNumberHash)
    }

    public func confirm(creditCode: String, name: String, representativeName: String, representativeIDHash: String)
        throws -> RegistryAnswer
    {
        try reloadIfChanged()
        return try registry.confirm(
            creditCode: creditCode, name: name, representativeName: representativeName,
            representativeIDHash: representativeIDHash)
    }

    public func confirm(method: VerificationMethod, subjectKey: String, name: String) throws -> RegistryAnswer {
        try reloadIfChanged()
        return try registry.confirm(method: method, subjectKey: subjectKey, name: name)
    }
}
