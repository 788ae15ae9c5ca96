import Foundation

/// The report on a signed document (an OFD package): one ``ValidationReport`` per signature, in the document's order,
/// plus what concerns the package as a whole — files no signature protects, and what was read leniently.
public struct DocumentValidationReport: Sendable {
    public enum SignatureKind: String, Sendable {
        /// An electronic seal (GB/T 38540 SES_Signature).
        case seal = "Seal"
        /// A digital signature (GM/T 0099: GM/T 0010 SignedData).
        case sign = "Sign"
    }

    public struct Signature: Sendable {
        public let id: String
        public let kind: SignatureKind
        /// The Signature.xml of this signature in the package.
        public let path: String
        /// The pages (IDs) its stamp annotations appear on.
        public let pages: [String]
        public let report: ValidationReport

        public init(id: String, kind: SignatureKind, path: String, pages: [String], report: ValidationReport) {
            self.id = id
            self.kind = kind
            self.path = path
            self.pages = pages
            self.report = report
        }
    }

    public let format: String
    public let signatures: [Signature]
    /// Files no signature protects (a relying party should know; not a failure by itself).
    public let unprotectedFiles: [String]
    public let warnings: [String]

    public init(format: String, signatures: [Signature], unprotectedFiles: [String], warnings: [String]) {
        self.format = format
        self.signatures = signatures
        self.unprotectedFiles = unprotectedFiles
        self.warnings = warnings
    }

    /// The worst signature's indication; a document without signatures is INDETERMINATE (there is nothing to pass).
    public var indication: ValidationReport.Indication {
        let indications = signatures.map(\.report.indication)
        if indications.isEmpty || indications.contains(.indeterminate) && !indications.contains(.totalFailed) {
            return .indeterminate
        }
        return indications.contains(.totalFailed) ? .totalFailed : .totalPassed
    }

    public var subIndication: SubIndication? {
        if signatures.isEmpty { return .signedDataNotFound }
        return signatures.first { $0.report.indication == indication }?.report.subIndication
    }
}
