import APIContract
import Foundation
import HTTPTypes
import Hummingbird
import TrustCrypto
import TrustModel
import TrustServices

/// What the seal routes need of the seal service.
protocol SealOperations: Sendable {
    func apply(
        organizationID: String, applicantPersonID: String?, type code: String, name: String,
        picture: SealService.Picture,
        validTo: Date?, keyType: String?, by caller: Caller
    ) async throws -> SealDetails
    func list(organizationID: String?, state: SealState?, by caller: Caller) async throws -> [SealDetails]
    func details(id: String, by caller: Caller) async throws -> SealDetails
    func status(id: String, by caller: Caller) async throws -> SealStatus
    func picture(_ order: SealPictureOrder, by caller: Caller) async throws -> DrawnSealPicture
    func applyWithDrawnPicture(
        organizationID: String, applicantPersonID: String?, type: String, name: String, number: String?,
        validTo: Date?, keyType: String?, by caller: Caller
    ) async throws -> SealDetails
    func review(id: String, approve: Bool, comment: String?, by caller: Caller) async throws -> SealDetails
    func make(id: String, by caller: Caller) async throws -> SealDetails
    func file(id: String, filingNumber: String, authority: String, by caller: Caller) async throws -> SealDetails
    func grant(
        id: String, to grantee: SealService.Grantee, minimumLevel: AssuranceLevel, validFrom: Date?, validTo: Date,
        usageLimit: Int?,
        by caller: Caller
    ) async throws -> SealGrantRecord
    func withdraw(id: String, grantID: String, by caller: Caller) async throws -> SealDetails
    func reportLoss(id: String, comment: String?, by caller: Caller) async throws -> SealDetails
    func recover(id: String, comment: String?, by caller: Caller) async throws -> SealDetails
    func revoke(id: String, reason: RevocationReason, comment: String?, by caller: Caller) async throws -> SealDetails
    func destroy(id: String, comment: String?, by caller: Caller) async throws -> SealDetails
}

extension SealService: SealOperations {}

/// The seal registry (GB/T 38540): apply → review → make → file → grant, loss, recovery, revocation, destruction;
/// status queries and the SESeal download. Separation of duties is the service's rule, not the route's.
struct SealController: Controller {
    /// The size a drawn picture stands for, so a caller can apply with it.
    static let widthHeader = HTTPField.Name("X-Seal-Width-MM")!
    static let heightHeader = HTTPField.Name("X-Seal-Height-MM")!

    let seals: any SealOperations

    var routes: [Route] {
        [
            Route(.post, "/v1/seals", .permission(.sealApply)) { request, context in
                let body = try await decode(SealApplyRequest.self, request, context)
                let seal: SealDetails
                if let given = body.picture, let bytes = try body.pictureBytes() {
                    let picture = SealService.Picture(
                        format: given.format, data: bytes, widthMM: given.widthMm, heightMM: given.heightMm)
                    seal = try await seals.apply(
                        organizationID: body.organizationId, applicantPersonID: body.applicantId, type: body.type,
                        name: body.name, picture: picture, validTo: try body.validToDate(), keyType: body.keyType,
                        by: try context.caller())
                } else {
                    seal = try await seals.applyWithDrawnPicture(
                        organizationID: body.organizationId, applicantPersonID: body.applicantId, type: body.type,
                        name: body.name, number: body.pictureNumber, validTo: try body.validToDate(),
                        keyType: body.keyType, by: try context.caller())
                }
                return try json(SealView(seal), status: .created)
            },
            Route(.get, "/v1/seals", .permission(.sealRead)) { request, context in
                let query = request.uri.queryParameters
                let state = try query["state"].map {
                    try named(
                        String($0), "state", SealState.init(rawValue:), choices: SealState.allCases.map(\.rawValue))
                }
                let found = try await seals.list(
                    organizationID: query["organizationId"].map(String.init), state: state, by: try context.caller())
                return try json(SealList(seals: found.map(SealView.init)))
            },
            Route(.get, "/v1/seals/{id}", .permission(.sealRead)) { _, context in
                try json(
                    SealView(try await seals.details(id: try hexParameter(context, "id"), by: try context.caller())))
            },
            Route(.get, "/v1/seals/{id}/status", .permission(.sealRead)) { _, context in
                try json(
                    SealStatusView(
                        try await seals.status(id: try hexParameter(context, "id"), by: try context.caller())))
            },
            Route(.get, "/v1/seals/{id}/eseal", .permission(.sealRead)) { _, context in
                let record = try await seals.details(id: try hexParameter(context, "id"), by: try context.caller())
                    .record
                guard let eseal = record.eseal else {
                    throw TrustError.conflict(
                        "seal \(record.id) is \(record.state.rawValue); it has no SESeal before it is made")
                }
                return binary(Array(eseal), contentType: "application/octet-stream")
            },
            Route(.post, "/v1/seal-pictures", .permission(.sealPicture)) { request, context in
                let body = try await decode(SealPictureRequest.self, request, context)
                let drawn = try await seals.picture(
                    SealPictureOrder(
                        type: body.type, organization: body.organization, number: body.number,
                        format: body.format == "svg" ? .svg : .png, dpi: body.dpi ?? 300),
                    by: try context.caller())
                var response = binary(
                    drawn.bytes, contentType: drawn.format == .svg ? "image/svg+xml" : "image/png")
                response.headers[Self.widthHeader] = String(drawn.widthMM)
                response.headers[Self.heightHeader] = String(drawn.heightMM)
                response.headers[.contentSecurityPolicy] = "default-src 'none'"
                response.headers[.xContentTypeOptions] = "nosniff"
                return response
            },
            Route(.get, "/v1/seals/{id}/picture", .permission(.sealRead)) { _, context in
                let record = try await seals.details(id: try hexParameter(context, "id"), by: try context.caller())
                    .record
                return binary(Array(record.picture), contentType: "image/\(record.pictureFormat.rawValue)")
            },
            Route(.post, "/v1/seals/{id}/review", .permission(.sealReview)) { request, context in
                let body = try await decode(SealReviewRequest.self, request, context)
                return try json(
                    SealView(
                        try await seals.review(
                            id: try hexParameter(context, "id"), approve: body.approve, comment: body.comment,
                            by: try context.caller())))
            },
            Route(.post, "/v1/seals/{id}/make", .permission(.sealMake)) { _, context in
                try json(SealView(try await seals.make(id: try hexParameter(context, "id"), by: try context.caller())))
            },
            Route(.post, "/v1/seals/{id}/file", .permission(.sealFile)) { request, context in
                let body = try await decode(SealFileRequest.self, request, context)
                return try json(
                    SealView(
                        try await seals.file(
                            id: try hexParameter(context, "id"), filingNumber: body.filingNumber,
                            authority: body.authority, by: try context.caller())))
            },
            Route(.post, "/v1/seals/{id}/grants", .permission(.sealGrant)) { request, context in
                let body = try await decode(SealGrantRequest.self, request, context)
                let grantee: SealService.Grantee =
                    if let person = body.personId { .person(person) } else { .principal(body.principalId ?? "") }
                let validity = try body.validity()
                let grant = try await seals.grant(
                    id: try hexParameter(context, "id"), to: grantee,
                    minimumLevel: try level(body.minLevel, "minLevel"),
                    validFrom: validity.from, validTo: validity.to, usageLimit: body.usageLimit,
                    by: try context.caller())
                return try json(SealGrantView(grant), status: .created)
            },
            Route(.post, "/v1/seals/{id}/grants/{grant}/withdraw", .permission(.sealGrant)) { _, context in
                try json(
                    SealView(
                        try await seals.withdraw(
                            id: try hexParameter(context, "id"), grantID: try hexParameter(context, "grant"),
                            by: try context.caller())))
            },
            Route(.post, "/v1/seals/{id}/report-loss", .permission(.sealReportLoss)) { request, context in
                let body = try await decodeOptional(SealStepRequest.self, request, context)
                return try json(
                    SealView(
                        try await seals.reportLoss(
                            id: try hexParameter(context, "id"), comment: body?.comment, by: try context.caller())))
            },
            Route(.post, "/v1/seals/{id}/recover", .permission(.sealRecover)) { request, context in
                let body = try await decodeOptional(SealStepRequest.self, request, context)
                return try json(
                    SealView(
                        try await seals.recover(
                            id: try hexParameter(context, "id"), comment: body?.comment, by: try context.caller())))
            },
            Route(.post, "/v1/seals/{id}/revoke", .permission(.sealRevoke)) { request, context in
                let body = try await decodeOptional(SealStepRequest.self, request, context)
                let reason = try body?.reason.map(revocationReason) ?? .cessationOfOperation
                return try json(
                    SealView(
                        try await seals.revoke(
                            id: try hexParameter(context, "id"), reason: reason, comment: body?.comment,
                            by: try context.caller())))
            },
            Route(.post, "/v1/seals/{id}/destroy", .permission(.sealDestroy)) { request, context in
                let body = try await decodeOptional(SealStepRequest.self, request, context)
                return try json(
                    SealView(
                        try await seals.destroy(
                            id: try hexParameter(context, "id"), comment: body?.comment, by: try context.caller())))
            },
        ]
    }
}
