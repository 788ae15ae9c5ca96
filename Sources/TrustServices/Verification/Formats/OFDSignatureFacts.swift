import OFDFormat
import TrustModel

/// What the package says about one signature of an OFD document, beside the signed value's own facts: its
/// Signature.xml, the document it sits in, the signatures listed after it, and the seal and propertyInfo inside its
/// SES_Signature (seals only).
struct OFDSignatureFacts {
    let document: OFDDocument
    let item: SignatureList.Item
    let description: SignatureDescription
    /// IDs of the signatures listed after this one.
    let later: [String]
    /// `TBS_Sign.eseal` of a v4 SES_Signature.
    let sealInSignature: [UInt8]?
    /// `TBS_Sign.propertyInfo` of a v4 SES_Signature.
    let propertyInfo: String?
}

/// A check on what the package says about a signature (GB/T 33190 §18 and ../shared/specs/ofd.md).
protocol PackageCheck: Sendable {
    func evaluate(_ facts: OFDSignatureFacts) -> [ValidationReport.Check]
}

enum PackageChecks {
    static let all: [any PackageCheck] = [ReferencesCheck(), StampAnnotationsCheck(), SealFileCheck()]
}
