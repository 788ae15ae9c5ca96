import Foundation
import SealFormat
import TrustCrypto
import TrustModel

/// Facts of GB/T 38540 seal signatures (v4), GM/T 0031-2014 ones (v1) and bare seals.
enum SealFormatAdapter {
    static func facts(
        _ signature: SealSignature, data: [UInt8]?, digest: [UInt8]?, sources: VerificationSources, now: Date
    ) -> SignatureFacts {
        var facts = SignatureFacts(
            format: "ses", formatDetail: "GB/T 38540 SES_Signature v\(signature.version)", validationTime: now)
        facts.signatureValue =
            signature.signerSignatureProblem().map { .fails($0) }
            ?? .verifies("the signer's signature over TBS_Sign verifies")
        facts.document = document(signature.dataHash, data: data, digest: digest)
        facts.time.claimed = signature.signingTime
        if let token = signature.timeStamp {
            facts.time.timestamp = sources.timestamp(token, over: signature.signature)
        }
        facts.signer = sources.signer(signature.signerCertificate, at: facts.signingTime.date)
        facts.seal = sources.seal(
            info: signature.seal.info, makerProblem: sources.makerResults.problem(of: signature.seal),
            makerCertificate: signature.seal.makerCertificate, signerListed: signature.signerIsListedInSeal)
        return facts
    }

    static func facts(
        _ signature: LegacySealSignature, data: [UInt8]?, digest: [UInt8]?, sources: VerificationSources, now: Date
    ) -> SignatureFacts {
        var facts = SignatureFacts(
            format: "ses-v1", formatDetail: "GM/T 0031-2014 SES_Signature (v1)", validationTime: now)
        facts.signatureValue =
            signature.signerSignatureProblem().map { .fails($0) }
            ?? .verifies("the signer's signature over TBS_Sign verifies")
        facts.document = document(signature.dataHash, data: data, digest: digest)
        let time = LegacyTimeInfo.read(signature.timeInfo)
        facts.time.claimed = time.date
        facts.time.claimNote = time.note
        facts.signer = sources.signer(signature.signerCertificate, at: facts.signingTime.date)
        facts.seal = sources.seal(
            info: signature.seal.info, makerProblem: signature.seal.makerSignatureProblem(),
            makerCertificate: signature.seal.makerCertificate, signerListed: signature.signerIsListedInSeal)
        return facts
    }

    /// A seal on its own: the maker's signature, the validity window, the registry status.
    static func facts(_ seal: AnySeal, sources: VerificationSources, now: Date) -> SignatureFacts {
        var facts = SignatureFacts(
            format: "eseal", formatDetail: "a bare \(seal.version) SESeal (no document signature)", validationTime: now)
        let maker: [UInt8] =
            switch seal {
            case .v4(let v4): v4.makerCertificate
            case .v1(let v1): v1.makerCertificate
            }
        let problem: String? =
            switch seal {
            case .v4(let v4): sources.makerResults.problem(of: v4)
            case .v1(let v1): v1.makerSignatureProblem()
            }
        facts.seal = sources.seal(info: seal.info, makerProblem: problem, makerCertificate: maker, signerListed: nil)
        return facts
    }

    /// SES dataHash is SM3 of the document.
    static func document(_ signed: [UInt8], data: [UInt8]?, digest: [UInt8]?) -> DocumentFact {
        guard let actual = data.map({ Digest.hash(.sm3, $0) }) ?? digest else {
            return .notGiven("no document or digest given to compare with dataHash")
        }
        return actual == signed
            ? .matches("SM3 of the document equals dataHash")
            : .differs("the document does not match the signed dataHash")
    }
}

extension AnySeal {
    var version: String {
        switch self {
        case .v4: "GB/T 38540 v4"
        case .v1: "GM/T 0031-2014 v1"
        }
    }
}
