import APIContract
import Hummingbird
import TrustCrypto
import TrustModel
import TrustServices

/// What the signing-key routes need of the signing-key service.
protocol SigningKeyOperations: Sendable {
    func create(owner: SigningKeyService.Owner, keyType: KeyType, by caller: Caller) async throws
        -> SigningKeyService.Details
    func details(id: String, by caller: Caller) async throws -> SigningKeyService.Details
    func revoke(id: String, reason: RevocationReason, by caller: Caller) async throws -> SigningKeyService.Details
}

extension SigningKeyService: SigningKeyOperations {}

/// Personal and organisation signing keys: created in key custody with a certificate, read, revoked.
struct SigningKeyController: Controller {
    let keys: any SigningKeyOperations

    var routes: [Route] {
        [
            Route(.post, "/v1/keys", .permission(.keyCreate)) { request, context in
                let body = try await decode(SigningKeyRequest.self, request, context)
                let keyType = try named(
                    body.keyType, "keyType", KeyType.init(name:), choices: ["sm2", "rsa2048", "p256"])
                let owner: SigningKeyService.Owner =
                    if let organization = body.organizationId {
                        .organization(organization, person: body.personId)
                    } else {
                        .person(body.personId)
                    }
                return try json(
                    SigningKeyView(try await keys.create(owner: owner, keyType: keyType, by: try context.caller())),
                    status: .created)
            },
            Route(.get, "/v1/keys/{id}", .permission(.keyRead)) { _, context in
                try json(
                    SigningKeyView(
                        try await keys.details(id: try hexParameter(context, "id"), by: try context.caller())))
            },
            Route(.post, "/v1/keys/{id}/revoke", .permission(.keyRevoke)) { request, context in
                let body = try await decodeOptional(SigningKeyRevokeRequest.self, request, context)
                let reason = try body?.reason.map(revocationReason) ?? .unspecified
                return try json(
                    SigningKeyView(
                        try await keys.revoke(
                            id: try hexParameter(context, "id"), reason: reason, by: try context.caller())))
            },
        ]
    }
}
