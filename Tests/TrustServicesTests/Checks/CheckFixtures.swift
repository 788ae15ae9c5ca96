import Foundation
import SealFormat
import TrustModel

@testable import TrustServices

/// Facts built by hand for the check tests: each check is judged on exactly the facts that matter to it.
enum CheckFixtures {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let day: TimeInterval = 86400

    static func facts(
        format: String = "ses", signer: SignerFact? = .present(certificate()), seal: SealFacts? = nil,
        claimed: Date? = now.addingTimeInterval(-day), timestamp: TimestampFact = .absent
    ) -> SignatureFacts {
        var facts = SignatureFacts(format: format, formatDetail: "test format", validationTime: now)
        facts.signer = signer
        facts.seal = seal
        facts.time.claimed = claimed
        facts.time.timestamp = timestamp
        return facts
    }

    static func certificate(
        notBefore: Date = now.addingTimeInterval(-30 * day), notAfter: Date = now.addingTimeInterval(30 * day),
        chain: ChainFact = .valid(anchor: "CN=Root"), revocation: RevocationFact = .registry(.valid, at: nil),
        keyUsage: Bool = true
    ) -> CertificateFacts {
        CertificateFacts(
            subject: "CN=Signer", notBefore: notBefore, notAfter: notAfter, chain: chain, revocation: revocation,
            keyUsageAllowsSigning: keyUsage)
    }

    static func seal(
        validStart: Date = now.addingTimeInterval(-30 * day), validEnd: Date = now.addingTimeInterval(30 * day),
        created: Date = now.addingTimeInterval(-30 * day),
        maker: (notBefore: Date, notAfter: Date)? = (
            now.addingTimeInterval(-60 * day), now.addingTimeInterval(60 * day)
        ),
        makerProblem: String? = nil, signerListed: Bool? = true, registry: SealRegistryFact = .notTrustd
    ) -> SealFacts {
        let property = SealProperty(
            type: 1, name: "测试章", certificateList: .certificates([]), createDate: created, validStart: validStart,
            validEnd: validEnd)
        let info = SealInfo(
            header: SealHeader(vendorID: "test"), esID: "ES-TEST", property: property,
            picture: SealPicture(type: "png", data: [1], widthMM: 40, heightMM: 40))
        return SealFacts(
            info: info, makerProblem: makerProblem, makerValidity: maker, signerListed: signerListed,
            registry: registry,
            holder: nil)
    }

    static func only(_ check: some SignatureCheck, _ facts: SignatureFacts) -> ValidationReport.Check? {
        let lines = check.evaluate(facts)
        precondition(lines.count <= 1)
        return lines.first
    }
}
