import APIContract
import Foundation
import Hummingbird
import TrustCrypto
import TrustModel
import TrustServices

/// `POST /v1/sign`: a platform signs a document (or digest) with a seal it, or the named signer, holds a grant for.
extension Handlers {
    func signingHandler(for spec: RouteSpec) -> Handler? {
        guard spec.method == .post, spec.path == "/v1/sign" else { return nil }
        return { request, context in
            let body = try await decode(SignRequestBody.self, request, context)
            let credential: SigningService.Credential
            switch (body.sealId, body.keyId) {
            case (let seal?, nil): credential = .seal(seal)
            case (nil, let key?): credential = .key(key)
            default: throw TrustError.invalid("give exactly one of sealId or keyId")
            }
            guard let format = SigningService.Format(rawValue: body.format) else {
                throw TrustError.invalid("format must be one of \(SigningService.Format.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            var data: [UInt8]? = nil, digest: [UInt8]? = nil
            if let text = body.data {
                guard let decoded = Data(base64Encoded: text) else { throw APIError(.badRequest, "malformed_base64", "data is not base64") }
                data = Array(decoded)
            }
            if let text = body.digest {
                guard let decoded = Hex.decode(text.lowercased()), !decoded.isEmpty, decoded.count <= 64 else {
                    throw TrustError.invalid("digest must be 1 to 64 bytes of hex")
                }
                digest = decoded
            }
            let signing = api.appliance.signing, caller = try principal(context)
            let signRequest = SigningService.Request(credential: credential, signerPersonID: body.signer, format: format, data: data, digest: digest,
                                                     propertyInfo: body.propertyInfo, timestamp: body.timestamp ?? false)
            let result = try await BlockingWork.run { try signing.sign(by: caller, signRequest) }
            return try json(SignResponse(format: result.format.rawValue, signature: Data(result.signature).base64EncodedString(),
                                         certificate: result.certificate.pem))
        }
    }
}
