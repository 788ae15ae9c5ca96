import CMSFormat
import Foundation
import KeyCustody
import SealFormat
import TrustCrypto
import TrustModel

// The signature itself, in each format the signing service makes: raw, CMS (PKCS #7 or GM/T 0010) and the GB/T 38540
// seal signature, with an RFC 3161 timestamp when asked for. Apart from `SigningService.swift`, which holds the road
// a request takes (checks, custody, the audited commit).
extension SigningService {
    /// The signature over the request's data or digest, made in key custody with the signer's key.
    func makeSignature(_ request: Request, sm3OfData: [UInt8]?, with signer: Signer, at now: Date) throws
        -> [UInt8]
    {
        let keyType = try signer.certificate.publicKey.type
        let algorithm = keyType.defaultSignatureAlgorithm
        let keys = keys
        let keyID = signer.keyID
        let sign: ([UInt8]) throws -> [UInt8] = { bytes in
            try custody { try keys.sign(bytes, with: keyID, algorithm: algorithm) }
        }
        switch request.format {
        case .raw:
            if let data = request.data { return try sign(data) }
            return try custody { try keys.sign(digest: request.digest!, with: keyID, algorithm: algorithm) }
        case .cms, .gmt0010:
            let flavor: CMSFlavor = request.format == .cms ? .pkcs7 : .gmt0010
            let digestAlgorithm = algorithm.digest
            let contentDigest =
                try (digestAlgorithm == .sm3 ? sm3OfData : nil) ?? request.data.map { Digest.hash(digestAlgorithm, $0) }
                ?? {
                    guard request.digest!.count == digestAlgorithm.outputLength else {
                        throw TrustError.invalid(
                            "\(request.format.rawValue) with a \(keyType.rawValue) key needs the \(digestAlgorithm) digest of the document (\(digestAlgorithm.outputLength) bytes)"
                        )
                    }
                    return request.digest!
                }()
            let algorithms: CMSSignerAlgorithms =
                switch keyType {
                case .sm2: .sm2(flavor)
                case .p256: .ecdsaSHA256
                default: .rsaSHA256
                }
            let units = timestamps
            let issuerChain = try issuerCertificates(of: signer.certificateRecord)
            return try SignedDataBuilder.build(
                flavor: flavor, contentType: flavor.dataType, content: [], detached: true, contentDigest: contentDigest,
                algorithms: algorithms,
                signerCertificate: signer.certificate.der, extraCertificates: issuerChain, signingTime: now, sign: sign,
                unsignedAttributes: request.timestamp
                    ? { value in
                        [
                            CMSAttribute(
                                type: CMSObjectID.signatureTimeStampToken,
                                valueDER: try Self.timestampToken(
                                    units, over: value, unit: keyType == .sm2 ? .sm2 : .rsa))
                        ]
                    } : nil)
        case .ses:
            guard let seal = signer.seal else { throw TrustError.invalid("ses signatures need a seal") }
            let hash =
                try sm3OfData
                ?? {
                    guard request.digest!.count == 32 else {
                        throw TrustError.invalid("ses signatures need the SM3 digest of the document (32 bytes)")
                    }
                    return request.digest!
                }()
            let oid = keyType == .sm2 ? SealAlgorithm.sm2WithSM3 : SealAlgorithm.sha256WithRSA
            let units = timestamps
            return try SealSignature.makeDER(
                seal: seal, signingTime: now, dataHash: hash, propertyInfo: request.propertyInfo ?? "",
                signerCertificate: signer.certificate.der,
                signatureAlgorithm: oid, sign: sign,
                timeStamp: request.timestamp
                    ? { value in try Self.timestampToken(units, over: value, unit: .sm2) } : nil
            )
        }
    }

    /// The issuing CA certificates (not the root) of one of trustd's certificates, for the CMS certificate set.
    func issuerCertificates(of record: CertificateRecord) throws -> [[UInt8]] {
        try ca.chain(of: record.issuer).dropLast().map(\.der)
    }

    /// The RFC 3161 token (ContentInfo) over the signature value: SM3 imprint from the SM2 unit, SHA-256 from the RSA unit.
    static func timestampToken(_ units: TimestampAuthority, over value: [UInt8], unit: TimestampAuthority.Unit = .sm2)
        throws -> [UInt8]
    {
        let request =
            unit == .sm2
            ? CMSTimestampRequest.sm3(Digest.hash(.sm3, value))
            : CMSTimestampRequest.sha256(Digest.hash(.sha256, value))
        let granted = try units.respond(to: request, unit: unit)
        return try CMSTimestampRequest.token(of: granted.response)
    }
}
