import APIContract
import Foundation
import HTTPTypes
import Hummingbird
import OFDFormat
import TrustCrypto
import TrustModel
import TrustServices

/// What the document route needs of the document sealer.
protocol DocumentOperations: Sendable {
    func seal(_ request: DocumentSealer.Request, by caller: Caller) async throws -> DocumentSealer.Result
}

extension DocumentSealer: DocumentOperations {}

/// `POST /v1/documents/seal`: a platform seals an OFD document (electronic seal, `sealId`) or signs it (digital
/// signature, `keyId`), under the same gates as `/v1/sign`; the answer is the sealed document.
struct DocumentController: Controller {
    let documents: any DocumentOperations
    /// At most this many documents in flight (the route's bodies reach 22 MB).
    let gate: LargeBodyGate

    var routes: [Route] {
        [
            Route(.post, "/v1/documents/seal", .permission(.sign)) { request, context in
                try await gate.admit { try await seal(request, context) }
            }
        ]
    }

    private func seal(_ request: Request, _ context: TrustRequestContext) async throws -> Response {
        let body = try await decode(SealDocumentRequestBody.self, request, context)
        let credential: SigningService.Credential =
            if let seal = body.sealId { .seal(seal) } else { .key(body.keyId ?? "") }
        let placements = try (body.placements ?? []).map { try Self.placement($0.kind()) }
        let result = try await documents.seal(
            DocumentSealer.Request(
                credential: credential, signerPersonID: body.signer, document: try body.documentBytes(),
                placements: placements, mode: body.mode.flatMap(SealingMode.init(rawValue:)) ?? .continue,
                timestamp: body.timestamp ?? false),
            by: try context.caller())
        // `Accept: application/ofd`: the sealed package itself, without base64 and JSON around 1 MB of it.
        if request.headers[.accept]?.lowercased().contains("application/ofd") == true {
            var response = binary(result.document, contentType: "application/ofd")
            for (name, value) in [
                ("Signature-Id", result.signatureID), ("Signature-Path", result.signaturePath),
                ("Certificate-Serial", result.certificate.serialHex),
            ] {
                if let field = HTTPField.Name("X-" + name) { response.headers[field] = value }
            }
            return response
        }
        return try json(
            SealedDocumentView(
                document: Data(result.document).base64EncodedString(), signatureId: result.signatureID,
                signaturePath: result.signaturePath, certificateSerial: result.certificate.serialHex))
    }

    static func placement(_ kind: PlacementBody.Kind) -> Placement {
        switch kind {
        case .page(let index, let id, let x, let y):
            .page(id.map(PageSelector.id) ?? .index(index ?? 1), x: x, y: y)
        case .keyword(let keyword, let occurrence): .keyword(keyword, occurrence: occurrence)
        case .riding(let first, let last, let y): .riding(first: first, last: last, y: y)
        }
    }
}
