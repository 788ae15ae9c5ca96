import CMSFormat
import Foundation
import TrustCrypto
import TrustModel

/// Facts of a CMS SignedData (RFC 5652 or GM/T 0010 OIDs) with one signer: the signature over the signed attributes,
/// messageDigest against the document, the signingTime claim, an optional signature timestamp, the signer certificate.
enum CMSFormatAdapter {
    static func facts(
        _ signed: ParsedSignedData, data: [UInt8]?, digest: [UInt8]?, sources: VerificationSources, now: Date
    ) -> SignatureFacts {
        let gm = signed.flavor == .gmt0010
        var facts = SignatureFacts(
            format: gm ? "gmt0010" : "cms",
            formatDetail: gm ? "CMS SignedData with GM/T 0010 OIDs" : "CMS SignedData (RFC 5652)",
            validationTime: now)
        let certificates = signed.certificates.compactMap { try? Certificate.cached(der: $0) }
        let signer = certificates.first { certificate in
            guard let (issuer, serial) = try? SignedDataBuilder.issuerAndSerial(certificate.der) else { return false }
            return issuer == signed.signerIssuer && serial == signed.signerSerial
        }
        facts.time.claimed = signed.signingTime
        if let token = signed.signatureTimeStampToken {
            facts.time.timestamp = sources.timestamp(token, over: signed.signature)
        }
        guard let signer else {
            facts.signer = .missing("the signer certificate is not in the SignedData")
            return facts
        }
        guard
            let (algorithm, digestAlgorithm) = CMSVerification.algorithms(
                signature: signed.signatureAlgorithm, digest: signed.digestAlgorithm)
        else {
            facts.signatureValue = .unsupported(
                "unsupported algorithms \(signed.signatureAlgorithm) / \(signed.digestAlgorithm)")
            facts.signer = sources.signer(
                signer.der, at: facts.signingTime.date, intermediates: certificates.filter(\.isCA))
            return facts
        }
        let covered = signed.signedAttributes.isEmpty ? "the encapsulated content" : "the signed attributes"
        let verified =
            (try? signer.publicKey.isValidSignature(signed.signature, for: signed.signedBytes, algorithm: algorithm))
            ?? false
        facts.signatureValue =
            verified
            ? .verifies("the \(algorithm) signature over \(covered) verifies")
            : .fails("the signature over \(covered) does not verify")
        if signed.signedAttributes.isEmpty, let content = signed.content {
            // No attributes: the content is what was signed; it must be the document (or what stands for it).
            facts.document =
                data.map { $0 == content }.map {
                    $0
                        ? DocumentFact.matches("the signed content is the document")
                        : .differs("the document does not match the signed content")
                } ?? .matches("the signed content is encapsulated in the SignedData")
        } else {
            facts.document = document(
                expected: signed.messageDigest, algorithm: digestAlgorithm, data: data ?? signed.content,
                digest: digest)
        }
        facts.signer = sources.signer(
            signer.der, at: facts.signingTime.date, intermediates: certificates.filter(\.isCA))
        return facts
    }

    private static func document(expected: [UInt8]?, algorithm: DigestAlgorithm, data: [UInt8]?, digest: [UInt8]?)
        -> DocumentFact
    {
        guard let expected else { return .noSignedDigest("no messageDigest attribute") }
        if let data {
            return Digest.hash(algorithm, data) == expected
                ? .matches("\(algorithm) of the document equals messageDigest")
                : .differs("the document does not match the signed messageDigest")
        }
        if let digest {
            return digest == expected
                ? .matches("the given digest equals messageDigest")
                : .differs("the given digest does not match messageDigest")
        }
        return .notGiven("detached signature: no document or digest given")
    }
}

/// Algorithm mapping for CMS signer infos.
enum CMSVerification {
    /// The signature algorithm (SM2 always with the default ID, GM/T 0009) and digest of a SignerInfo.
    static func algorithms(signature: ParsedSignedData.ObjectID, digest: ParsedSignedData.ObjectID) -> (
        SignatureAlgorithm, DigestAlgorithm
    )? {
        let digests: [(ParsedSignedData.ObjectID, DigestAlgorithm)] = [
            (CMSObjectID.sm3, .sm3), (CMSObjectID.sha256, .sha256), (CMSObjectID.sha384, .sha384),
            (CMSObjectID.sha512, .sha512),
        ]
        guard let digestAlgorithm = digests.first(where: { $0.0 == digest })?.1 else { return nil }
        if [CMSObjectID.sm2WithSM3, CMSObjectID.sm2Sign].contains(signature) {
            return digestAlgorithm == .sm3 ? (.sm2(id: .default), .sm3) : nil
        }
        guard digestAlgorithm != .sm3 else { return nil }
        if [CMSObjectID.rsaEncryption, CMSObjectID.sha256WithRSA, CMSObjectID.sha384WithRSA, CMSObjectID.sha512WithRSA]
            .contains(signature)
        {
            return (.rsaPKCS1v15(digestAlgorithm), digestAlgorithm)
        }
        if [
            CMSObjectID.ecdsaWithSHA256, CMSObjectID.ecPublicKey, CMSObjectID.ecdsaWithSHA384,
            CMSObjectID.ecdsaWithSHA512,
        ].contains(signature) {
            return (.ecdsa(digestAlgorithm), digestAlgorithm)
        }
        return nil
    }
}
