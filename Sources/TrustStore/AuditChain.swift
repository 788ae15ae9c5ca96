import Foundation
import TrustCrypto
import TrustModel

/// What one audit entry says (before it is chained).
public struct AuditEntry: Sendable, Hashable {
    public var actor: String
    public var action: String
    public var object: String
    public var outcome: String
    public var details: [String: String]

    public init(actor: String, action: String, object: String, outcome: String = "success", details: [String: String] = [:]) {
        self.actor = actor
        self.action = action
        self.object = object
        self.outcome = outcome
        self.details = details
    }
}

/// The hash chain over audit records: `hash_n = SHA-256(hash_{n-1} ‖ canonical(record_n))`, with the genesis
/// previous hash 64 zeros. The canonical form length-prefixes every field, so no field boundary can be moved.
public enum AuditChain {
    public static let genesis = String(repeating: "0", count: 64)
    /// The action of the record a checkpoint covers (the checkpoint signs that record's own hash).
    public static let checkpointAction = "audit.checkpoint"

    static func canonical(seq: Int64, time: String, actor: String, action: String, object: String, outcome: String, details: String) -> [UInt8] {
        var out: [UInt8] = []
        for field in [String(seq), time, actor, action, object, outcome, details] {
            let bytes = Array(field.utf8)
            let length = UInt32(bytes.count)
            out += [UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff)]
            out += bytes
        }
        return out
    }

    static func hash(previous: String, seq: Int64, time: String, actor: String, action: String, object: String,
                     outcome: String, details: String) -> String {
        Hex.encode(Digest.hash(.sha256, Array(previous.utf8) + canonical(seq: seq, time: time, actor: actor, action: action,
                                                                          object: object, outcome: outcome, details: details)))
    }

    static func recomputedHash(_ record: AuditRecord) -> String {
        hash(previous: record.prevHash, seq: record.seq, time: record.time, actor: record.actor, action: record.action,
             object: record.object, outcome: record.outcome, details: record.details)
    }

    /// The bytes an audit checkpoint signs.
    public static func checkpointMessage(seq: Int64, hash: String, time: String) -> [UInt8] {
        Array("trustd-audit-checkpoint/1\n\(seq)\n\(hash)\n\(time)".utf8)
    }

    /// Deterministic JSON for the details: keys sorted, strings escaped per RFC 8259, no whitespace.
    static func json(_ details: [String: String]) -> String {
        "{" + details.keys.sorted().map { "\(JSONText.quote($0)):\(JSONText.quote(details[$0]!))" }.joined(separator: ",") + "}"
    }

    /// `2026-11-21T21:34:45.541Z` (UTC, milliseconds).
    public static func timestamp(_ date: Date) -> String { UTCTime.iso8601(date, milliseconds: true) }
}

/// The result of walking the chain.
public struct AuditVerification: Sendable, Hashable {
    public let records: Int
    public let checkpoints: Int
    /// The first broken record and what is wrong with it; `nil` when the chain is intact.
    public let firstBroken: (seq: Int64, reason: String)?

    public var isIntact: Bool { firstBroken == nil }

    public static func == (lhs: AuditVerification, rhs: AuditVerification) -> Bool {
        lhs.records == rhs.records && lhs.checkpoints == rhs.checkpoints && lhs.firstBroken?.seq == rhs.firstBroken?.seq
            && lhs.firstBroken?.reason == rhs.firstBroken?.reason
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(records)
        hasher.combine(firstBroken?.seq)
    }
}
