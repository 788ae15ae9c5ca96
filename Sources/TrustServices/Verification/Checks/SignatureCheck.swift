import Foundation
import TrustModel

/// One check of a validation report: it reads the facts and answers its report lines (none when it does not apply
/// to the format). Checks judge; they never look anything up.
protocol SignatureCheck: Sendable {
    func evaluate(_ facts: SignatureFacts) -> [ValidationReport.Check]
}

/// The checks in report order. OFD and other container formats add their own before and after these.
enum SignatureChecks {
    static let all: [any SignatureCheck] = [
        FormatCheck(), SignatureValueCheck(), DocumentCheck(), TimestampCheck(), SignerCertificateCheck(), ChainCheck(),
        ValidityCheck(),
        RevocationCheck(), KeyUsageCheck(), SealCertListCheck(), SealMakerCheck(), SealValidityCheck(),
        SealStatusCheck(),
    ]

    static func report(_ facts: SignatureFacts) -> ValidationReport {
        let checks = all.flatMap { $0.evaluate(facts) }
        let time = facts.signer == nil ? nil : facts.signingTime
        return ValidationReport(
            format: facts.format, checks: checks, signer: facts.signerSubject, sealName: facts.seal?.info.property.name,
            sealID: facts.seal?.info.esID, signingTime: time?.date, timeSource: time?.source.rawValue,
            sealHolder: facts.seal?.holder,
            sealImage: facts.seal.map { .init(type: $0.info.picture.type, data: $0.info.picture.data) })
    }
}

func iso(_ date: Date) -> String { UTCTime.iso8601(date) }
