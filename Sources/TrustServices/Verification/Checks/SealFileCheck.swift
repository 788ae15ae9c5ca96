import TrustModel

/// A seal signature's Seal.esl (where Signature.xml names one) is byte for byte the seal inside its SES_Signature, and
/// the signature's propertyInfo names its own Signature.xml (GB/T 38540 §8.2 as OFD producers apply it).
struct SealFileCheck: PackageCheck {
    func evaluate(_ facts: OFDSignatureFacts) -> [ValidationReport.Check] {
        guard facts.item.kind == .seal, let inside = facts.sealInSignature else { return [] }
        var checks: [ValidationReport.Check] = []
        if let path = facts.description.sealPath {
            guard let stored = facts.document.package.lookup(path)?.entry.bytes else {
                return [
                    .problem(.sealFile, "Signature.xml names \(path) but the package has no such file", .formatFailure)
                ]
            }
            checks.append(
                stored == inside
                    ? .passed(.sealFile, "\(path) is the seal inside the signed value")
                    : .problem(
                        .sealFile, "\(path) is not the seal inside the signed value", .sigConstraintsFailure))
        }
        if let property = facts.propertyInfo {
            let own = facts.item.path
            let trimmed = property.hasPrefix("/") ? String(property.dropFirst()) : property
            if trimmed.lowercased() != own.lowercased() {
                checks.append(
                    .warning(
                        .sealFile, "propertyInfo is “\(property.prefix(80))”, not the path of its Signature.xml /\(own)"
                    ))
            }
        }
        return checks
    }
}
