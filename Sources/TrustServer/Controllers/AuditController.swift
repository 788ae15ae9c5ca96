import APIContract
import Hummingbird
import TrustModel
import TrustServices

/// What the audit routes need of the audit service.
protocol AuditOperations: Sendable {
    func records(after seq: Int64, limit: Int, by caller: Caller) async throws -> [AuditRecord]
    func verify(by caller: Caller) async throws -> AuditService.Report
    func checkpoint(by caller: Caller) async throws -> AuditCheckpointRecord?
}

extension AuditService: AuditOperations {}

/// Reading, verifying and checkpointing the audit log (auditors and admins).
struct AuditController: Controller {
    let audit: any AuditOperations

    var routes: [Route] {
        [
            Route(.get, "/v1/audit", .permission(.auditRead)) { request, context in
                let query = request.uri.queryParameters
                guard let after = Int64(query["after"].map(String.init) ?? "0"),
                    let limit = Int(query["limit"].map(String.init) ?? "100")
                else {
                    throw TrustError.invalid("after and limit must be numbers")
                }
                let records = try await audit.records(after: after, limit: limit, by: try context.caller())
                return try json(AuditList(records: records.map(AuditView.init)))
            },
            Route(.post, "/v1/audit/verify", .permission(.auditVerify)) { _, context in
                let report = try await audit.verify(by: try context.caller())
                return try json(
                    AuditVerifyResponse(
                        intact: report.isIntact, records: report.records, checkpoints: report.checkpoints,
                        brokenSeq: report.firstBroken?.seq, reason: report.firstBroken?.reason))
            },
            Route(.post, "/v1/audit/checkpoints", .permission(.auditCheckpoint)) { _, context in
                let made = try await audit.checkpoint(by: try context.caller())
                return try json(
                    CheckpointResponse(created: made != nil, seq: made?.seq, time: made?.time),
                    status: made == nil ? .ok : .created)
            },
        ]
    }
}
