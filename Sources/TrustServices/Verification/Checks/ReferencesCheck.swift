import OFDFormat
import TrustCrypto
import TrustModel

/// Every file a Signature.xml references is in the package and hashes to its CheckValue (SM3 over the stored bytes,
/// no canonicalisation). A file whose name differs only in case is read and named; keyed SM3 cannot be checked and is
/// reported as such, never passed. A whole-document signature followed by another is named as broken by it.
struct ReferencesCheck: PackageCheck {
    func evaluate(_ facts: OFDSignatureFacts) -> [ValidationReport.Check] {
        let method = facts.description.checkMethod ?? ""
        let algorithm: DigestAlgorithm
        switch method.uppercased() {
        case "1.2.156.10197.1.401", "SM3": algorithm = .sm3
        case "2.16.840.1.101.3.4.2.1", "SHA256", "SHA-256": algorithm = .sha256
        case "1.2.156.10197.1.401.2":
            return [
                .problem(
                    .references, "CheckMethod \(method) is keyed SM3: the files cannot be checked without the key",
                    .cryptoConstraintsFailure)
            ]
        default:
            return [
                .problem(.references, "CheckMethod “\(method)” is not a hash trustd knows", .cryptoConstraintsFailure)
            ]
        }
        let references = facts.description.references
        guard !references.isEmpty else {
            return [.problem(.references, "the signature protects no file", .formatFailure)]
        }
        var missing: [String] = []
        var differing: [SignatureDescription.Reference] = []
        var notes: [String] = []
        for reference in references {
            guard let found = facts.document.package.lookup(reference.path) else {
                missing.append(reference.fileRef)
                continue
            }
            if found.caseDiffers { notes.append("\(reference.fileRef) is stored as \(found.entry.path)") }
            if reference.checkValue != Digest.hash(algorithm, found.entry.bytes) {
                differing.append(reference)
            }
        }
        guard missing.isEmpty, differing.isEmpty else {
            var detail: [String] = []
            if !differing.isEmpty {
                detail.append("changed since signing: \(differing.map(\.fileRef).joined(separator: ", "))")
            }
            if !missing.isEmpty { detail.append("missing from the package: \(missing.joined(separator: ", "))") }
            if let signatures = facts.document.signaturesPath,
                differing.contains(where: { $0.path == signatures }),
                !facts.later.isEmpty
            {
                detail.append(
                    "this signature protected the whole document and signature \(facts.later.joined(separator: ", ")) was added after it"
                )
            }
            return [.problem(.references, detail.joined(separator: "; "), .hashFailure)]
        }
        let summary = "all \(references.count) referenced files are present and match their \(algorithm) CheckValues"
        return [.passed(.references, ([summary] + notes).joined(separator: "; "))]
            + notes.map { .warning(.references, $0) }
    }
}
