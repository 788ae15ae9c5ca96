import CMSFormat
import Foundation
import KeyCustody
import OFDFormat
import TestSupport
import Testing
import TrustCrypto
import TrustModel

@testable import TrustServices

/// Sealing OFD documents end to end at the service: gates and audit as `/v1/sign`, the package as the standard
/// describes it (checked by trustd's verifier and by the Python checker written from the standard), countersigning,
/// whole-document protection, tampering.
@Suite struct DocumentSealingTests {
    let fixture: SigningFixture
    let sealer: DocumentSealer
    let directory: TemporaryDirectory
    let original: [UInt8]

    init() async throws {
        fixture = try await SigningFixture()
        sealer = DocumentSealer(signing: fixture.signing)
        directory = try TemporaryDirectory()
        original = try OFDSamples.package(OFDSamples.twoPages(), in: directory)
    }

    func seal(
        _ document: [UInt8], _ placements: [Placement], mode: SealingMode = .continue, person: String? = nil,
        timestamp: Bool = false
    ) async throws -> DocumentSealer.Result {
        try await sealer.seal(
            DocumentSealer.Request(
                credential: .seal(fixture.sealID), signerPersonID: person ?? fixture.seals.applicantPerson,
                document: document, placements: placements, mode: mode, timestamp: timestamp),
            by: Caller(fixture.platform))
    }

    func verify(_ document: [UInt8]) async throws -> DocumentValidationReport {
        guard
            case .document(let report) = try await fixture.verifier.verifyAny(
                document, data: nil, digest: nil, by: .system("test"))
        else { throw TestSupportError("not read as a document") }
        return report
    }

    func pythonCheck(_ document: [UInt8], original: [UInt8]) throws -> [String: Any] {
        try directory.write("sealed.ofd", document)
        try directory.write("original.ofd", original)
        let result = try Subprocess.run(
            try TestPaths.python,
            [TestPaths.pythonScript("ofd_check.py"), directory.file("sealed.ofd"), directory.file("original.ofd")])
        guard result.succeeded,
            let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        else { throw TestSupportError("ofd_check.py: \(result.stderr)") }
        return json
    }

    func describe(_ report: DocumentValidationReport) -> String {
        report.signatures.map { signature in
            signature.report.checks.map { "\($0.name.rawValue)=\($0.status.rawValue): \($0.detail)" }.joined(
                separator: "\n")
        }.joined(separator: "\n---\n")
    }

    @Test func aSealedLicenceVerifiesHereAndInTheIndependentChecker() async throws {
        let sealed = try await seal(original, [.keyword("盖章处", occurrence: 1)])
        #expect(sealed.signatureID == "1")
        #expect(sealed.signaturePath == "Doc_0/Signs/Sign_0/Signature.xml")
        let report = try await verify(sealed.document)
        #expect(report.indication == .totalPassed, "\(describe(report))")
        #expect(report.signatures.first?.report.check(.sealStatus)?.status == .passed)
        #expect(report.signatures.first?.pages == ["7"])
        #expect(report.unprotectedFiles.isEmpty)

        let check = try pythonCheck(sealed.document, original: original)
        #expect(check["unchanged"] as? Bool == true, "\(check)")
        let signature = try #require((check["signatures"] as? [[String: Any]])?.first)
        for key in ["references_ok", "hash_ok", "signer_ok", "property_ok", "seal_file_ok", "pages_ok", "maker_ok"] {
            #expect(signature[key] as? Bool == true, "\(key): \(signature)")
        }
        #expect(signature["check_method"] as? String == "1.2.156.10197.1.401")
        #expect(signature["protects_signatures_xml"] as? Bool == false)
        // The seal is centred on 盖章处 (x 116–128 mm, baseline 204, 4 mm text) at its real size (40 × 40 mm here).
        let annot = try #require((signature["stamp_annots"] as? [[Any]])?.first)
        #expect(annot.first as? String == "7")
        #expect(annot[1] as? String == "102 182 40 40")

        // One allowed audit record with the document's SM3.
        let records = try fixture.seals.identityFixture.ca.store.read { try $0.auditRecords(after: 0, limit: 5000) }
            .filter { $0.action == "document.seal" }
        #expect(records.count == 1)
        #expect(records.first?.outcome == .success)
        #expect(records.first?.details.contains(Hex.encode(Digest.hash(.sm3, original))) == true)
    }

    @Test func aCountersignatureKeepsTheFirstValidAndWholeModeClosesTheDocument() async throws {
        let first = try await seal(original, [.page(.index(1), x: 20, y: 30)])
        let second = try await seal(
            first.document, [.riding(first: 1, last: 2, y: nil)], mode: .whole, timestamp: true)
        #expect(second.signatureID == "2")
        let report = try await verify(second.document)
        #expect(report.signatures.count == 2)
        #expect(report.indication == .totalPassed, "\(describe(report))")
        // The second seal carries an RFC 3161 token: its time is proven, not claimed.
        #expect(report.signatures.last?.report.timeSource == "timestamp")
        #expect(report.signatures.first?.report.timeSource == "claimed")
        let check = try pythonCheck(second.document, original: first.document)
        #expect(check["unchanged"] as? Bool == true, "\(check)")
        let signatures = try #require(check["signatures"] as? [[String: Any]])
        #expect(signatures.allSatisfy { $0["references_ok"] as? Bool == true && $0["signer_ok"] as? Bool == true })
        #expect(signatures.last?["protects_signatures_xml"] as? Bool == true)
        #expect((signatures.last?["stamp_annots"] as? [[Any]])?.map { $0[0] as? String } == ["1", "7"])

        await #expect {
            _ = try await seal(second.document, [.page(.index(1), x: 1, y: 1)])
        } throws: { ($0 as? OFDError)?.code == .wholeProtected }
    }

    @Test func tamperingAndAddingAfterAWholeSignatureAreNamed() async throws {
        let sealed = try await seal(original, [.page(.index(2), x: 100, y: 100)], mode: .whole)
        // A page changed after sealing: the reference names it.
        var package = try OFDPackage(bytes: sealed.document)
        let tampered = try PackageWriter.write(
            package, replacing: ["Doc_0/Pages/Page_0/Content.xml": Array(OFDSamples.page("许可证编号 伪造").utf8)],
            adding: [])
        let report = try await verify(tampered)
        #expect(report.indication == .totalFailed)
        let references = try #require(report.signatures.first?.report.check(.references))
        #expect(references.subIndication == .hashFailure)
        #expect(references.detail.contains("/Doc_0/Pages/Page_0/Content.xml"))

        // A signature slipped in after a whole-document seal (here by rewriting Signatures.xml by hand).
        package = try OFDPackage(bytes: sealed.document)
        let document = try OFDDocument(package: package)
        let list = try #require(document.signatures)
        let forged = PartWriter(prefix: "ofd").signatures(
            maxSignID: 2, items: list.items + [SignatureList.Item(id: "2", kind: .seal, path: list.items[0].path)])
        let added = try PackageWriter.write(
            package, replacing: ["Doc_0/Signs/Signatures.xml": forged], adding: [])
        let after = try await verify(added)
        #expect(after.signatures.first?.report.check(.references)?.detail.contains("was added after it") == true)

        // A signature taken off the list (its files left behind) is named, and what it protected is unprotected.
        let emptied = try PackageWriter.write(
            package,
            replacing: ["Doc_0/Signs/Signatures.xml": PartWriter(prefix: "ofd").signatures(maxSignID: 1, items: [])],
            adding: [])
        let removed = try await verify(emptied)
        #expect(removed.signatures.isEmpty)
        #expect(
            removed.warnings.contains {
                $0.contains("Doc_0/Signs/Sign_0/SignedValue.dat") && $0.contains("belongs to none")
            })
        #expect(removed.unprotectedFiles.contains("Doc_0/Pages/Page_0/Content.xml"))
    }

    @Test func aDigitalSignatureWithAnSM2KeyIsGMT0010SignedDataOverSignatureXML() async throws {
        let person = fixture.seals.applicantPerson
        let key = try await fixture.keys.create(owner: .person(person), keyType: .sm2, by: Caller(fixture.platform))
        let sealed = try await seal(original, [.page(.index(1), x: 20, y: 30)])
        let signed = try await sealer.seal(
            DocumentSealer.Request(
                credential: .key(key.record.id), signerPersonID: person, document: sealed.document,
                placements: [.page(.index(1), x: 150, y: 250)]),
            by: Caller(fixture.platform))
        let report = try await verify(signed.document)
        #expect(report.signatures.map(\.kind) == [.seal, .sign])
        #expect(report.indication == .totalPassed, "\(describe(report))")
        #expect(report.signatures.last?.report.format == "ofd-sign/gmt0010")
        // The SignedData verifies independently over the Signature.xml bytes (cms_check.py, asn1crypto + gmssl).
        let package = try OFDPackage(bytes: signed.document)
        let check = try Subprocess.run(
            try TestPaths.python,
            [
                TestPaths.pythonScript("cms_check.py"),
                try directory.write("value.der", package.bytes("Doc_0/Signs/Sign_1/SignedValue.dat")),
                try directory.write("signature.xml", package.bytes("Doc_0/Signs/Sign_1/Signature.xml")),
            ])
        #expect(
            check.stdout.contains("\"signature_ok\": true") && check.stdout.contains("\"digest_ok\": true"), "\(check)")
        let records = try fixture.seals.identityFixture.ca.store.read { try $0.auditRecords(after: 0, limit: 5000) }
        #expect(records.filter { $0.action == "document.sign" && $0.outcome == .success }.count == 1)
    }

    /// GM/T 0099's second form: the SM3 of Signature.xml as the signed content, no signed attributes.
    @Test func aSignedDataOverTheDigestWithoutAttributesIsReadToo() async throws {
        let person = fixture.seals.applicantPerson
        let key = try await fixture.keys.create(owner: .person(person), keyType: .sm2, by: Caller(fixture.platform))
        let signed = try await sealer.seal(
            DocumentSealer.Request(
                credential: .key(key.record.id), signerPersonID: person, document: original,
                placements: [.page(.index(1), x: 150, y: 250)]),
            by: Caller(fixture.platform))
        let package = try OFDPackage(bytes: signed.document)
        let xml = try package.bytes("Doc_0/Signs/Sign_0/Signature.xml")
        let content = Digest.hash(.sm3, xml)
        let signature = try fixture.seals.identityFixture.ca.keys.sign(
            content, with: try KeyID(key.record.keyID), algorithm: .sm2(id: .default))
        let (issuer, serial) = try SignedDataBuilder.issuerAndSerial(key.certificate.der)
        func tlv(_ tag: UInt8, _ parts: [UInt8]...) -> [UInt8] {
            let body = parts.flatMap { $0 }
            let length: [UInt8] =
                body.count < 0x80
                ? [UInt8(body.count)]
                : {
                    let bytes = withUnsafeBytes(of: UInt32(body.count).bigEndian, Array.init).drop { $0 == 0 }
                    return [0x80 | UInt8(bytes.count)] + bytes
                }()
            return [tag] + length + body
        }
        func oid(_ dotted: [UInt8]) -> [UInt8] { tlv(0x06, dotted) }
        let sm3 = tlv(0x30, oid([0x2A, 0x81, 0x1C, 0xCF, 0x55, 0x01, 0x83, 0x11]))  // 1.2.156.10197.1.401
        let sm2Sign = tlv(0x30, oid([0x2A, 0x81, 0x1C, 0xCF, 0x55, 0x01, 0x82, 0x2D, 0x01]))  // 1.2.156.10197.1.301.1
        let gmData = oid([0x2A, 0x81, 0x1C, 0xCF, 0x55, 0x06, 0x01, 0x04, 0x02, 0x01])  // 1.2.156.10197.6.1.4.2.1
        let gmSignedData = oid([0x2A, 0x81, 0x1C, 0xCF, 0x55, 0x06, 0x01, 0x04, 0x02, 0x02])
        let signerInfo = tlv(
            0x30, tlv(0x02, [1]), tlv(0x30, issuer, serial), sm3, sm2Sign, tlv(0x04, signature))
        let signedData = tlv(
            0x30, tlv(0x02, [1]), tlv(0x31, sm3), tlv(0x30, gmData, tlv(0xA0, tlv(0x04, content))),
            tlv(0xA0, key.certificate.der), tlv(0x31, signerInfo))
        let plain = tlv(0x30, gmSignedData, tlv(0xA0, signedData))
        let rewritten = try PackageWriter.write(
            package, replacing: ["Doc_0/Signs/Sign_0/SignedValue.dat": plain], adding: [])
        let report = try await verify(rewritten)
        let only = try #require(report.signatures.first)
        #expect(only.report.indication == .totalPassed, "\(describe(report))")
        #expect(only.report.check(.signature)?.detail.contains("encapsulated content") == true)
        #expect(only.report.check(.document)?.status == .passed)
        // The same SignedData over another Signature.xml's digest fails the document check.
        let other = try PackageWriter.write(
            package,
            replacing: [
                "Doc_0/Signs/Sign_0/SignedValue.dat": plain,
                "Doc_0/Signs/Sign_0/Signature.xml": xml + Array(" ".utf8),
            ], adding: [])
        #expect(try await verify(other).signatures.first?.report.check(.document)?.status == .failed)
    }

    @Test func refusalsAreAuditedWithTheDocumentAndBadDocumentsAreNot() async throws {
        // A platform without a grant for this person: refused by the signing gates, audited once.
        await #expect {
            _ = try await seal(original, [.page(.index(1), x: 10, y: 10)], person: "0123456789abcdef")
        } throws: { ($0 as? TrustError)?.code == .forbidden || ($0 as? TrustError)?.code == .notFound }
        let denied = try fixture.seals.identityFixture.ca.store.read { try $0.auditRecords(after: 0, limit: 5000) }
            .filter { $0.action == "document.seal" && $0.outcome == .denied }
        #expect(denied.count == 1)
        #expect(denied.first?.details.contains(Hex.encode(Digest.hash(.sm3, original))) == true)
        // The client's mistakes: 4xx codes, nothing signed, nothing audited.
        await #expect {
            _ = try await seal(Array("not an ofd".utf8), [.page(.index(1), x: 10, y: 10)])
        } throws: { ($0 as? OFDError)?.code == .notZip }
        await #expect {
            _ = try await seal(original, [.keyword("不存在的文字", occurrence: 1)])
        } throws: { ($0 as? OFDError)?.code == .placementNotFound }
        let all = try fixture.seals.identityFixture.ca.store.read { try $0.auditRecords(after: 0, limit: 5000) }
            .filter { $0.action == "document.seal" }
        #expect(all.count == 1)
    }
}
