import APIContract
import Foundation
import HTTPTypes
import Hummingbird
import TrustCrypto
import TrustModel
import TrustServices

/// What the CA routes need of the certificate authority.
protocol CAOperations: Sendable {
    func cas(by caller: Caller) async throws -> [CAInfo]
    func chain(ofCA name: String) async throws -> [Certificate]
    func currentCRL(ca name: String) async throws -> CRLRecord
    func generateCRL(ca name: String, delta: Bool, by caller: Caller) async throws -> GeneratedCRL
    func renewCA(_ name: String, by caller: Caller) async throws -> CAInfo
    func rekeyRoot(_ name: String, by caller: Caller) async throws -> CAInfo
    func crossCertificates(ofCA name: String) async throws -> [Certificate]
    func importCA(_ request: CAImportRequest, by caller: Caller) async throws -> CAInfo
}

/// What the OCSP routes need of the responder.
protocol OCSPOperations: Sendable {
    func respond(_ der: [UInt8]) async -> [UInt8]
    /// Seconds a relying party may cache a GET answer.
    var cacheMaxAge: Int { get }
}

extension CertificateAuthority: CAOperations {}
extension OCSPResponder: OCSPOperations {}

/// The CAs, their certificates and CRLs, and OCSP (RFC 6960 POST, RFC 5019 GET).
struct CAController: Controller {
    let ca: any CAOperations
    let ocsp: any OCSPOperations

    var routes: [Route] {
        [
            Route(.get, "/v1/cas", .permission(.caRead)) { _, context in
                try json(CAList(cas: try await ca.cas(by: try context.caller()).map(CAView.init)))
            },
            Route(.post, "/v1/cas/{ca}/renew", .permission(.caRenew)) { _, context in
                try json(
                    CAView(try await ca.renewCA(try parameter(context, "ca"), by: try context.caller())),
                    status: .created)
            },
            Route(.post, "/v1/cas/{ca}/rekey", .permission(.caRekey)) { _, context in
                try json(
                    CAView(try await ca.rekeyRoot(try parameter(context, "ca"), by: try context.caller())),
                    status: .created)
            },
            Route(.post, "/v1/cas/import", .permission(.caImport)) { request, context in
                let body = try await decode(CAImportBody.self, request, context)
                let key: CAImportRequest.KeyMaterial =
                    if let pkcs12 = body.pkcs12 {
                        .pkcs12(
                            der: try Field.base64(pkcs12, "pkcs12", maxBytes: 256 * 1024), password: body.password ?? ""
                        )
                    } else if let pem = body.privateKey {
                        .pem(pem, password: body.password)
                    } else {
                        .custody(keyID: body.keyId ?? "")
                    }
                let imported = try await ca.importCA(
                    CAImportRequest(
                        name: body.name, certificatePEM: body.certificate, chainPEM: body.chain, key: key),
                    by: try context.caller())
                return try json(CAView(imported), status: .created)
            },
            Route(.get, "/v1/cas/{ca}/cross-certificates", .public) { _, context in
                text(
                    try await ca.crossCertificates(ofCA: try parameter(context, "ca")).map(\.pem).joined(),
                    contentType: "application/x-pem-file")
            },
            Route(.get, "/v1/cas/{ca}/certificate", .public) { request, context in
                let certificate = try await ca.chain(ofCA: try parameter(context, "ca"))[0]
                if request.headers[.accept]?.contains("application/pkix-cert") == true {
                    return binary(certificate.der, contentType: "application/pkix-cert")
                }
                return text(certificate.pem, contentType: "application/x-pem-file")
            },
            Route(.get, "/v1/cas/{ca}/crl", .public) { _, context in
                binary(
                    Array(try await ca.currentCRL(ca: try parameter(context, "ca")).der),
                    contentType: "application/pkix-crl")
            },
            Route(.post, "/v1/cas/{ca}/crl", .permission(.crlGenerate)) { request, context in
                let name = try parameter(context, "ca")
                let delta = request.uri.queryParameters["delta"].map { $0 == "true" } ?? false
                let crl = try await ca.generateCRL(ca: name, delta: delta, by: try context.caller())
                // `Accept: application/pkix-crl`: the CRL just signed, not whichever is current by the time a second
                // request (to this or another node) asks for it.
                if request.headers[.accept]?.lowercased().contains("application/pkix-crl") == true {
                    var response = binary(Array(crl.record.der), contentType: "application/pkix-crl")
                    for (name, value) in [
                        ("CRL-Number", String(crl.record.number)), ("CRL-Entries", String(crl.entries)),
                        ("CRL-Next-Update", UTCTime.iso8601(crl.record.nextUpdate)),
                    ] {
                        if let field = HTTPField.Name("X-" + name) { response.headers[field] = value }
                    }
                    return response
                }
                return try json(
                    CRLView(
                        ca: name, number: crl.record.number, thisUpdate: UTCTime.iso8601(crl.record.thisUpdate),
                        nextUpdate: UTCTime.iso8601(crl.record.nextUpdate), entries: crl.entries), status: .created)
            },
            Route(.post, "/ocsp", .public) { request, _ in
                guard request.headers[.contentType]?.lowercased().hasPrefix("application/ocsp-request") == true else {
                    throw APIError(
                        .unsupportedMediaType, "unsupported_media_type",
                        "OCSP requests must be application/ocsp-request")
                }
                let buffer = try await request.body.collect(upTo: OCSPRequest.maxSize)
                return binary(await ocsp.respond(Array(buffer: buffer)), contentType: "application/ocsp-response")
            },
            Route(.get, "/ocsp/{request}", .public) { request, _ in
                // RFC 5019 §5: base64 of the DER request, URL-encoded, as the path after /ocsp/.
                let encoded = String(request.uri.path.dropFirst("/ocsp/".count))
                guard encoded.count <= OCSPRequest.maxSize * 2, let decoded = encoded.removingPercentEncoding,
                    let der = Data(base64Encoded: decoded), !der.isEmpty
                else {
                    throw APIError(.badRequest, "malformed_base64", "the path after /ocsp/ is not URL-encoded base64")
                }
                var response = binary(await ocsp.respond(Array(der)), contentType: "application/ocsp-response")
                response.headers[.cacheControl] = "max-age=\(ocsp.cacheMaxAge), public, no-transform, must-revalidate"
                return response
            },
        ]
    }
}
