import CMSFormat
import Foundation
import OFDFormat
import SealFormat
import TrustCrypto
import TrustModel

/// OFD documents (GB/T 33190 §18): one report per signature, each the signed value's facts judged by the shared
/// checks (with the Signature.xml bytes as the signed data) plus the package checks, and the files no signature
/// protects. OFD is one more format adapter, not a second verifier.
extension SignatureVerifier {
    func documentReport(_ document: OFDDocument) -> DocumentValidationReport {
        let items = document.signatures?.items ?? []
        var reports: [DocumentValidationReport.Signature] = []
        var descriptions: [String: SignatureDescription] = [:]
        for (index, item) in items.enumerated() {
            let later = items[(index + 1)...].map(\.id)
            let (report, description) = signatureReport(item, in: document, later: later)
            descriptions[item.path] = description
            let pages = description?.stampAnnots.map(\.pageRef) ?? []
            reports.append(
                DocumentValidationReport.Signature(
                    id: item.id, kind: item.kind == .seal ? .seal : .sign, path: item.path, pages: pages, report: report
                ))
        }
        let (unprotected, orphans) = Self.coverage(of: document, descriptions: descriptions)
        return DocumentValidationReport(
            format: "ofd", signatures: reports, unprotectedFiles: unprotected,
            warnings: document.warnings
                + orphans.map { "\($0) lies among the signatures but belongs to none listed (a removed signature?)" })
    }

    /// The signature's report, and its Signature.xml as read (nil when it cannot be read).
    private func signatureReport(_ item: SignatureList.Item, in document: OFDDocument, later: [String])
        -> (ValidationReport, SignatureDescription?)
    {
        let now = clock()
        let xml: [UInt8]
        let description: SignatureDescription
        do {
            xml = try document.package.bytes(item.path)
            description = try SignatureDescription(xml, at: item.path)
        } catch {
            return (SignatureChecks.report(.unsupported("Signature.xml: \(error)", at: now)), nil)
        }
        guard let signedValue = document.package.lookup(description.signedValuePath)?.entry.bytes else {
            let facts = SignatureFacts.unsupported(
                "the package has no \(description.signedValuePath) (the SignedValue)", at: now)
            return (report(SignatureChecks.report(facts), item: item, package: []), description)
        }
        var facts: SignatureFacts
        var sealInSignature: [UInt8]?
        var propertyInfo: String?
        switch item.kind {
        case .seal:
            if let signature = try? SealSignature(der: signedValue) {
                facts = SealFormatAdapter.facts(signature, data: xml, digest: nil, sources: sources, now: now)
                sealInSignature = signature.seal.der
                propertyInfo = signature.propertyInfo
            } else if let legacy = try? LegacySealSignature(der: signedValue) {
                facts = SealFormatAdapter.facts(legacy, data: xml, digest: nil, sources: sources, now: now)
            } else {
                facts = .unsupported(
                    "SignedValue.dat (\(signedValue.count) bytes) is neither a GB/T 38540 v4 nor a GM/T 0031 v1 SES_Signature",
                    at: now)
            }
        case .sign:
            if signedValue.count <= ParsedSignedData.maxSize, let signed = try? ParsedSignedData(der: signedValue) {
                // GM/T 0099 allows two forms: detached with signed attributes (messageDigest = SM3 of Signature.xml),
                // or the SM3 of Signature.xml as the signed content with no attributes.
                let plain = signed.signedAttributes.isEmpty && signed.content != nil
                facts = CMSFormatAdapter.facts(
                    signed, data: plain ? Digest.hash(.sm3, xml) : xml, digest: nil, sources: sources, now: now)
            } else {
                facts = .unsupported(
                    "SignedValue.dat (\(signedValue.count) bytes) is not the GM/T 0010 SignedData GM/T 0099 requires; a bare signature value is not a conforming SignedValue",
                    at: now)
            }
        }
        let ofd = OFDSignatureFacts(
            document: document, item: item, description: description, later: later,
            sealInSignature: sealInSignature, propertyInfo: propertyInfo)
        let package = PackageChecks.all.flatMap { $0.evaluate(ofd) }
        return (report(SignatureChecks.report(facts), item: item, package: package), description)
    }

    /// The signed value's report with the package checks after its format check.
    private func report(_ base: ValidationReport, item: SignatureList.Item, package: [ValidationReport.Check])
        -> ValidationReport
    {
        let format = base.checks.prefix { $0.name == .format }
        return ValidationReport(
            format: "ofd-\(item.kind == .seal ? "seal" : "sign")/\(base.format)",
            checks: Array(format) + package + base.checks.dropFirst(format.count), signer: base.signer,
            sealName: base.sealName, sealID: base.sealID, signingTime: base.signingTime, timeSource: base.timeSource,
            sealHolder: base.sealHolder, sealImage: base.sealImage)
    }

    /// Files no signature references (Signatures.xml and each signature's own parts excepted: nothing can protect
    /// those), and files among the signatures that no listed signature owns.
    static func coverage(of document: OFDDocument, descriptions: [String: SignatureDescription])
        -> (unprotected: [String], orphans: [String])
    {
        var covered = Set<String>()
        var owned = Set<String>(document.signaturesPath.map { [$0.lowercased()] } ?? [])
        for item in document.signatures?.items ?? [] {
            owned.insert(item.path.lowercased())
            guard let description = descriptions[item.path] else { continue }
            owned.insert(description.signedValuePath.lowercased())
            if let seal = description.sealPath { owned.insert(seal.lowercased()) }
            covered.formUnion(description.references.map { $0.path.lowercased() })
        }
        let signs = document.signaturesPath.map { PackagePath.directory(of: $0).lowercased() + "/" }
        var unprotected: [String] = []
        var orphans: [String] = []
        for entry in document.package.entries {
            let key = entry.path.lowercased()
            guard !covered.contains(key) else { continue }
            if let signs, key.hasPrefix(signs), !owned.contains(key) {
                orphans.append(entry.path)
                unprotected.append(entry.path)
            } else if !owned.contains(key) {
                unprotected.append(entry.path)
            }
        }
        return (unprotected, orphans)
    }
}
