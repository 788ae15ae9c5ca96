import Foundation
import TrustCrypto
import TrustModel

/// What one audit entry says (before it is chained).
public struct AuditEntry: Sendable, Hashable {
    public var actor: String
    public var action: String
    public var object: String
    public var outcome: AuditOutcome
    public var details: [String: String]

    public init(
        actor: String, action: String, object: String, outcome: AuditOutcome = .success, details: [String: String] = [:]
    ) {
        self.actor = actor
        self.action = action
        self.object = object
        self.outcome = outcome
        self.details = details
    }
}

/// One audit log record. `hash = SHA-256(prevHash ‖ canonical fields)`; see ``AuditChain``.
public struct AuditRecord: Codable, Sendable, Hashable {
    public var seq: Int64
    /// ISO 8601 UTC with milliseconds, stored as text so the hashed form never drifts.
    public var time: String
    public var actor: String
    public var action: String
    public var object: String
    public var outcome: AuditOutcome
    /// JSON object with details (never secrets).
    public var details: String
    public var prevHash: String
    public var hash: String

    public init(
        seq: Int64, time: String, actor: String, action: String, object: String, outcome: AuditOutcome, details: String,
        prevHash: String, hash: String
    ) {
        self.seq = seq
        self.time = time
        self.actor = actor
        self.action = action
        self.object = object
        self.outcome = outcome
        self.details = details
        self.prevHash = prevHash
        self.hash = hash
    }

    public enum CodingKeys: String, CodingKey {
        case seq, time, actor, action, object, outcome, details
        case prevHash = "prev_hash"
        case hash
    }
}

/// A signed statement that audit record `seq` has hash `hash`.
public struct AuditCheckpointRecord: Codable, Sendable, Hashable {
    public var seq: Int64
    public var time: String
    public var hash: String
    public var keyID: String
    public var algorithm: String
    public var signature: Data

    public init(seq: Int64, time: String, hash: String, keyID: String, algorithm: String, signature: Data) {
        self.seq = seq
        self.time = time
        self.hash = hash
        self.keyID = keyID
        self.algorithm = algorithm
        self.signature = signature
    }

    public enum CodingKeys: String, CodingKey {
        case seq, time, hash
        case keyID = "key_id"
        case algorithm, signature
    }
}

/// The hash chain over audit records: `hash_n = SHA-256(hash_{n-1} ‖ canonical(record_n))`, with the genesis
/// previous hash 64 zeros. The canonical form length-prefixes every field, so no field boundary can be moved.
public enum AuditChain {
    public static let genesis = String(repeating: "0", count: 64)
    /// The action of the record a checkpoint covers (the checkpoint signs that record's own hash).
    public static let checkpointAction = "audit.checkpoint"

    static func canonical(
        seq: Int64, time: String, actor: String, action: String, object: String, outcome: String, details: String
    ) -> [UInt8] {
        var out: [UInt8] = []
        for field in [String(seq), time, actor, action, object, outcome, details] {
            let bytes = Array(field.utf8)
            let length = UInt32(bytes.count)
            out += [UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff)]
            out += bytes
        }
        return out
    }

    static func hash(
        previous: String, seq: Int64, time: String, actor: String, action: String, object: String,
        outcome: String, details: String
    ) -> String {
        Hex.encode(
            Digest.hash(
                .sha256,
                Array(previous.utf8)
                    + canonical(
                        seq: seq, time: time, actor: actor, action: action,
                        object: object, outcome: outcome, details: details)))
    }

    static func recomputedHash(_ record: AuditRecord) -> String {
        hash(
            previous: record.prevHash, seq: record.seq, time: record.time, actor: record.actor, action: record.action,
            object: record.object, outcome: record.outcome.rawValue, details: record.details)
    }

    /// The record `entry` becomes when appended after `head` (nil: the first record).
    static func record(_ entry: AuditEntry, after head: (seq: Int64, hash: String)?, at date: Date) -> AuditRecord {
        let seq = (head?.seq ?? 0) + 1
        let previous = head?.hash ?? genesis
        let time = timestamp(date)
        let details = json(entry.details)
        return AuditRecord(
            seq: seq, time: time, actor: entry.actor, action: entry.action, object: entry.object,
            outcome: entry.outcome,
            details: details, prevHash: previous,
            hash: hash(
                previous: previous, seq: seq, time: time, actor: entry.actor, action: entry.action,
                object: entry.object, outcome: entry.outcome.rawValue, details: details))
    }

    /// The bytes an audit checkpoint signs.
    public static func checkpointMessage(seq: Int64, hash: String, time: String) -> [UInt8] {
        Array("trustd-audit-checkpoint/1\n\(seq)\n\(hash)\n\(time)".utf8)
    }

    /// Deterministic JSON for the details: keys sorted, strings escaped per RFC 8259, no whitespace.
    static func json(_ details: [String: String]) -> String {
        "{"
            + details.keys.sorted().map { "\(JSONText.quote($0)):\(JSONText.quote(details[$0]!))" }.joined(
                separator: ",") + "}"
    }

    /// `2026-11-21T21:34:45.541Z` (UTC, milliseconds).
    public static func timestamp(_ date: Date) -> String { UTCTime.iso8601(date, milliseconds: true) }
}

extension AuditRepository {
    /// Appends an audit record chained to the current head, inside this transaction (engines with several writers
    /// hold the head until the transaction ends, so the chain stays one chain).
    @discardableResult
    public func appendAudit(_ entry: AuditEntry, at date: Date) throws -> AuditRecord {
        let record = AuditChain.record(entry, after: try lockAuditHead(), at: date)
        try insert(record)
        return record
    }
}

/// A checkpoint as the anchor file outside the database keeps it (see ``AuditAnchorFile``).
public struct AuditAnchor: Sendable, Hashable {
    public let seq: Int64
    public let hash: String
    public let time: String
    public let keyID: String
    public let signature: Data

    public init(seq: Int64, hash: String, time: String, keyID: String, signature: Data) {
        self.seq = seq
        self.hash = hash
        self.time = time
        self.keyID = keyID
        self.signature = signature
    }
}
