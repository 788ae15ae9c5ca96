import APIContract
import Foundation
import Hummingbird
import TrustCrypto
import TrustModel
import TrustServices

/// What the signing route needs of the signing service.
protocol SigningOperations: Sendable {
    func sign(_ request: SigningService.Request, by caller: Caller) async throws -> SigningService.Result
}

extension SigningService: SigningOperations {}

/// `POST /v1/sign`: a platform signs a document (or its digest) with a seal it, or the named signer, holds a grant
/// for, or with a signing key it created.
struct SigningController: Controller {
    let signing: any SigningOperations

    var routes: [Route] {
        [
            Route(.post, "/v1/sign", .permission(.sign)) { request, context in
                let body = try await decode(SignRequestBody.self, request, context)
                let credential: SigningService.Credential =
                    if let seal = body.sealId { .seal(seal) } else { .key(body.keyId ?? "") }
                let format = try named(
                    body.format, "format", SigningService.Format.init(rawValue:),
                    choices: SigningService.Format.allCases.map(\.rawValue))
                let signRequest = SigningService.Request(
                    credential: credential, signerPersonID: body.signer, signerIDToken: body.idToken, format: format,
                    data: try body.dataBytes(),
                    digest: try body.digestBytes(), propertyInfo: body.propertyInfo, timestamp: body.timestamp ?? false)
                let result = try await signing.sign(signRequest, by: try context.caller())
                return json(
                    SignResponse(
                        format: result.format.rawValue, signature: Data(result.signature).base64EncodedString(),
                        certificate: result.certificate.pem))
            }
        ]
    }
}
