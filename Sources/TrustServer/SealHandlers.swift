import APIContract
import Foundation
import Hummingbird
import TrustCrypto
import TrustModel
import TrustServices

/// Routes of the seal registry (DESIGN §4): apply, lifecycle steps, status query, SESeal download.
extension Handlers {
    var seals: SealService { api.appliance.seals }

    func sealHandler(for spec: RouteSpec) -> Handler? {
        switch (spec.method, spec.path) {
        case (.post, "/v1/seals"): return { request, context in
            let body = try await decode(SealApplyRequest.self, request, context)
            guard let data = Data(base64Encoded: body.picture.data) else {
                throw APIError(.badRequest, "malformed_base64", "picture.data is not base64")
            }
            let applicant = try body.applicantId ?? api.appliance.identity.organization(id: body.organizationId).record.legalRepresentativeID
            let seal = try seals.apply(by: try principal(context), organizationID: body.organizationId, applicantPersonID: applicant,
                                       type: body.type, name: body.name,
                                       picture: SealService.Picture(format: body.picture.format, data: Array(data), widthMM: body.picture.widthMm,
                                                                    heightMM: body.picture.heightMm),
                                       validTo: try body.validTo.map { try time($0, "validTo") }, keyType: body.keyType)
            return try json(SealView(seal), status: .created) }
        case (.get, "/v1/seals"): return { request, _ in
            let query = request.uri.queryParameters
            let state = try query["state"].map { text -> SealState in
                guard let state = SealState(rawValue: String(text)) else { throw TrustError.invalid("unknown state '\(text)'") }
                return state
            }
            let records = try seals.list(organizationID: query["organizationId"].map(String.init), state: state)
            return try json(SealList(seals: try records.map { SealView(try seals.details(id: $0.id)) })) }
        case (.get, "/v1/seals/{id}"): return { _, context in
            try json(SealView(try seals.details(id: try hexParameter(context, "id")))) }
        case (.get, "/v1/seals/{id}/status"): return { _, context in
            let status = try seals.status(id: try hexParameter(context, "id"))
            return try json(SealStatusView(id: status.id, state: status.state.rawValue, certificateStatus: status.certificateStatus?.rawValue ?? "none",
                                           validFrom: UTCTime.iso8601(status.validFrom), validTo: UTCTime.iso8601(status.validTo),
                                           filingNumber: status.filingNumber)) }
        case (.get, "/v1/seals/{id}/eseal"): return { _, context in
            let record = try seals.details(id: try hexParameter(context, "id")).record
            guard let eseal = record.eseal else { throw TrustError.conflict("seal \(record.id) is \(record.state); it has no SESeal before it is made") }
            return binary(Array(eseal), contentType: "application/octet-stream") }
        case (.get, "/v1/seals/{id}/picture"): return { _, context in
            let record = try seals.details(id: try hexParameter(context, "id")).record
            return binary(Array(record.picture), contentType: "image/\(record.pictureFormat)") }
        case (.post, "/v1/seals/{id}/review"): return { request, context in
            let body = try await decode(SealReviewRequest.self, request, context)
            return try json(SealView(try seals.review(by: try principal(context), id: try hexParameter(context, "id"), approve: body.approve,
                                                      comment: body.comment))) }
        case (.post, "/v1/seals/{id}/make"): return { _, context in
            try json(SealView(try seals.make(by: try principal(context), id: try hexParameter(context, "id")))) }
        case (.post, "/v1/seals/{id}/file"): return { request, context in
            let body = try await decode(SealFileRequest.self, request, context)
            return try json(SealView(try seals.file(by: try principal(context), id: try hexParameter(context, "id"), filingNumber: body.filingNumber,
                                                    authority: body.authority))) }
        case (.post, "/v1/seals/{id}/grants"): return { request, context in
            let body = try await decode(SealGrantRequest.self, request, context)
            let grantee: SealService.Grantee
            switch (body.personId, body.principalId) {
            case (let person?, nil): grantee = .person(person)
            case (nil, let principal?): grantee = .principal(principal)
            default: throw TrustError.invalid("give exactly one of personId or principalId")
            }
            guard let level = AssuranceLevel(rawValue: body.minLevel) else { throw TrustError.invalid("minLevel must be a level name") }
            let grant = try seals.grant(by: try principal(context), id: try hexParameter(context, "id"), to: grantee, minimumLevel: level,
                                        validFrom: try body.validFrom.map { try time($0, "validFrom") }, validTo: try time(body.validTo, "validTo"),
                                        usageLimit: body.usageLimit)
            return try json(SealGrantView(grant), status: .created) }
        case (.post, "/v1/seals/{id}/grants/{grant}/withdraw"): return { _, context in
            try json(SealView(try seals.withdraw(by: try principal(context), id: try hexParameter(context, "id"),
                                                 grantID: try hexParameter(context, "grant")))) }
        case (.post, "/v1/seals/{id}/report-loss"): return { request, context in
            let body = try await decodeOptional(SealStepRequest.self, request, context)
            return try json(SealView(try seals.reportLoss(by: try principal(context), id: try hexParameter(context, "id"), comment: body?.comment))) }
        case (.post, "/v1/seals/{id}/recover"): return { request, context in
            let body = try await decodeOptional(SealStepRequest.self, request, context)
            return try json(SealView(try seals.recover(by: try principal(context), id: try hexParameter(context, "id"), comment: body?.comment))) }
        case (.post, "/v1/seals/{id}/revoke"): return { request, context in
            let body = try await decodeOptional(SealStepRequest.self, request, context)
            let reason = try body?.reason.map { name -> RevocationReason in
                guard let reason = RevocationReason(name: name) else { throw TrustError.invalid("unknown reason '\(name)'") }
                return reason
            } ?? .cessationOfOperation
            return try json(SealView(try seals.revoke(by: try principal(context), id: try hexParameter(context, "id"), reason: reason,
                                                      comment: body?.comment))) }
        case (.post, "/v1/seals/{id}/destroy"): return { request, context in
            let body = try await decodeOptional(SealStepRequest.self, request, context)
            return try json(SealView(try seals.destroy(by: try principal(context), id: try hexParameter(context, "id"), comment: body?.comment))) }
        default:
            return nil
        }
    }
}

func principal(_ context: TrustRequestContext) throws -> Principal {
    guard let principal = context.principal else { throw APIError(.unauthorized, "unauthenticated", "this route needs credentials") }
    return principal
}
