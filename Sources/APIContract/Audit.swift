import Foundation

// The audit log: `/v1/audit`.

public struct AuditView: Codable, Sendable {
    public let seq: Int64
    public let time, actor, action, object, outcome, details, hash: String
    public init(
        seq: Int64, time: String, actor: String, action: String, object: String, outcome: String, details: String,
        hash: String
    ) {
        self.seq = seq
        self.time = time
        self.actor = actor
        self.action = action
        self.object = object
        self.outcome = outcome
        self.details = details
        self.hash = hash
    }
}

public struct AuditList: Codable, Sendable {
    public let records: [AuditView]
    public init(records: [AuditView]) { self.records = records }
}

public struct AuditVerifyResponse: Codable, Sendable {
    public let intact: Bool
    public let records: Int
    public let checkpoints: Int
    public let brokenSeq: Int64?
    public let reason: String?
    public init(intact: Bool, records: Int, checkpoints: Int, brokenSeq: Int64?, reason: String?) {
        self.intact = intact
        self.records = records
        self.checkpoints = checkpoints
        self.brokenSeq = brokenSeq
        self.reason = reason
    }
}

/// The answer to `POST /v1/audit/checkpoints`: the signed checkpoint made now (`seq` is the last record it covers),
/// or `created: false` when nothing was appended since the last one.
public struct CheckpointResponse: Codable, Sendable {
    public let created: Bool
    public let seq: Int64?
    public let time: String?
    public init(created: Bool, seq: Int64?, time: String?) {
        self.created = created
        self.seq = seq
        self.time = time
    }
}
