import APIContract
import Foundation
import Hummingbird
import TrustCrypto
import TrustModel
import TrustServices

/// `POST /v1/keys`, `GET /v1/keys/{id}`, `POST /v1/keys/{id}/revoke`: personal and organisation signing keys.
extension Handlers {
    func signingKeyHandler(for spec: RouteSpec) -> Handler? {
        let service = api.appliance.signingKeys
        switch (spec.method, spec.path) {
        case (.post, "/v1/keys"): return { request, context in
            let body = try await decode(SigningKeyRequest.self, request, context)
            guard let keyType = KeyType(name: body.keyType) else { throw TrustError.invalid("keyType must be sm2, rsa2048 or p256") }
            let owner: SigningKeyService.Owner
            switch (body.owner, body.organizationId) {
            case ("person", nil): owner = .person(body.personId)
            case ("organization", let organization?): owner = .organization(organization, person: body.personId)
            default: throw TrustError.invalid("owner must be person (without organizationId) or organization (with organizationId)")
            }
            return try json(Self.view(try service.create(by: try principal(context), owner: owner, keyType: keyType)), status: .created) }
        case (.get, "/v1/keys/{id}"): return { _, context in
            try json(Self.view(try service.details(id: try hexParameter(context, "id"), for: try principal(context)))) }
        case (.post, "/v1/keys/{id}/revoke"): return { request, context in
            let body = try await decodeOptional(SigningKeyRevokeRequest.self, request, context)
            let reason = try body?.reason.map { name -> RevocationReason in
                guard let reason = RevocationReason(name: name) else { throw TrustError.invalid("unknown revocation reason '\(name)'") }
                return reason
            } ?? .unspecified
            return try json(Self.view(try service.revoke(id: try hexParameter(context, "id"), reason: reason, by: try principal(context)))) }
        default:
            return nil
        }
    }

    static func view(_ details: SigningKeyService.Details) -> SigningKeyView {
        let record = details.record
        return SigningKeyView(id: record.id, owner: record.ownerKind.rawValue, personId: record.personID, organizationId: record.organizationID,
                              keyType: record.keyType.rawValue, state: record.state.rawValue, certificateSerial: record.certificateSerial,
                              certificateStatus: details.certificateStatus.rawValue, certificate: details.certificate.pem,
                              createdAt: UTCTime.iso8601(record.createdAt), revokedAt: record.revokedAt.map { UTCTime.iso8601($0) })
    }
}
