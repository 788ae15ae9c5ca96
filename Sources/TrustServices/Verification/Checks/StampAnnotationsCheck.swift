import TrustModel

/// Every stamp annotation names a page of the document by its ID (PageRef is the ID, not the index).
struct StampAnnotationsCheck: PackageCheck {
    func evaluate(_ facts: OFDSignatureFacts) -> [ValidationReport.Check] {
        let annots = facts.description.stampAnnots
        guard !annots.isEmpty else {
            return facts.item.kind == .seal
                ? [.warning(.stampAnnotations, "the seal has no stamp annotation: it is not visible on any page")]
                : [.info(.stampAnnotations, "no visible appearance")]
        }
        let unknown = annots.filter { facts.document.page(id: $0.pageRef) == nil }.map(\.pageRef)
        guard unknown.isEmpty else {
            return [
                .problem(
                    .stampAnnotations,
                    "stamp annotations name pages the document does not have: \(unknown.joined(separator: ", "))",
                    .formatFailure)
            ]
        }
        let pages = annots.map(\.pageRef)
        return [.passed(.stampAnnotations, "shown on page ID \(pages.joined(separator: ", "))")]
    }
}
