import Foundation
import TestSupport
import Testing

@testable import OFDFormat

@Suite struct OFDVectorTests {
    @Test(.enabled(if: TestPaths.hasOFDVectors)) func realFilesReadAsTheSpecDescribesThem() throws {
        let signed = try OFDDocument(package: OFDPackage(bytes: #require(TestPaths.vector("ofd", "v4signed.ofd"))))
        #expect(signed.signatures?.items.map(\.kind) == [.seal])  // no Type: read as a seal, with a warning
        #expect(signed.warnings.contains { $0.contains("TPLS/Tpl_0/Content.xml") && $0.contains("case") })
        let item = try #require(signed.signatures?.items.first)
        let description = try SignatureDescription(signed.package.bytes(item.path), at: item.path)
        #expect(description.references.count == 13)
        #expect(description.checkMethod == "1.2.156.10197.1.401")
        #expect(description.stampAnnots.first?.pageRef == "1")
        #expect(description.signedValuePath == "Doc_0/Signs/Sign_0/SignedValue.dat")

        let ofdrw = try OFDDocument(package: OFDPackage(bytes: #require(TestPaths.vector("ofd", "SESV4SignDoc.ofd"))))
        let entry = try #require(ofdrw.signatures?.items.first)
        let written = try SignatureDescription(ofdrw.package.bytes(entry.path), at: entry.path)
        #expect(written.checkMethod == "SM3")
        #expect(written.sealPath == "Doc_0/Signs/Sign_0/Seal.esl")
        #expect(written.signatureDate == SignatureDescription.date(from: "2026-08-04T02:08:09Z"))

        let digital = try OFDDocument(package: OFDPackage(bytes: #require(TestPaths.vector("ofd", "DigitalSign.ofd"))))
        #expect(digital.signatures?.items.map(\.kind) == [.sign])
        let unsigned = try OFDDocument(package: OFDPackage(bytes: #require(TestPaths.vector("ofd", "helloworld.ofd"))))
        #expect(unsigned.signatures == nil)
    }
}

@Suite struct OFDWriterTests {
    func document() throws -> OFDDocument {
        let directory = try TemporaryDirectory()
        return try OFDDocument(package: OFDPackage(bytes: zipPackage(twoPages(), directory: directory)))
    }

    func seal(_ plan: SignaturePlan) throws -> OFDDocument {
        let files = plan.protectedFiles(seal: [1, 2, 3])
        let xml = plan.signatureXML(
            references: files.map { ($0.path, Array($0.bytes.prefix(4))) }, checkMethod: "1.2.156.10197.1.401",
            signatureMethod: "1.2.156.10197.1.501", dateTime: "2026-12-03T10:00:00+08:00",
            provider: ("trustd", "1", "test"))
        let bytes = try plan.package(signatureXML: xml, signedValue: [9, 9], seal: [1, 2, 3])
        return try OFDDocument(package: OFDPackage(bytes: bytes))
    }

    @Test func aFirstSignatureAddsItsPartsAndChangesOnlyOFDXML() throws {
        let original = try document()
        let plan = try SignaturePlan(
            document: original, kind: .seal, mode: .continue, placements: [.page(.index(2), x: 120, y: 200)],
            sealSize: (42, 42))
        let sealed = try seal(plan)
        for entry in original.package.entries where entry.path != "OFD.xml" {
            #expect(sealed.package.entry(entry.path)?.bytes == entry.bytes, "\(entry.path) changed")
        }
        #expect(sealed.signaturesPath == "Doc_0/Signs/Signatures.xml")
        #expect(sealed.signatures?.items.map(\.id) == ["1"])
        let description = try SignatureDescription(
            sealed.package.bytes("Doc_0/Signs/Sign_0/Signature.xml"), at: "Doc_0/Signs/Sign_0/Signature.xml")
        #expect(description.stampAnnots.map(\.pageRef) == ["7"])
        #expect(description.stampAnnots.first?.boundary == PageBox(x: 120, y: 200, width: 42, height: 42))
        #expect(description.sealPath == "Doc_0/Signs/Sign_0/Seal.esl")
        // Continue mode: everything but Signatures.xml, the new Signature.xml and SignedValue.dat is protected.
        #expect(
            Set(description.references.map(\.path))
                == Set(original.package.entries.map(\.path) + ["Doc_0/Signs/Sign_0/Seal.esl"]))
        #expect(try sealed.package.bytes("Doc_0/Signs/Sign_0/Seal.esl") == [1, 2, 3])
    }

    @Test func aSecondSignatureKeepsEveryEarlierByteAndWholeModeClosesTheDocument() throws {
        let first = try seal(
            SignaturePlan(
                document: document(), kind: .seal, mode: .continue, placements: [.keyword("盖章处", occurrence: 1)],
                sealSize: (40, 40)))
        let second = try seal(
            SignaturePlan(
                document: first, kind: .sign, mode: .whole, placements: [.riding(first: 1, last: 2, y: nil)],
                sealSize: (40, 40)))
        for entry in first.package.entries where entry.path != "Doc_0/Signs/Signatures.xml" {
            #expect(second.package.entry(entry.path)?.bytes == entry.bytes, "\(entry.path) changed")
        }
        #expect(second.signatures?.items.map(\.id) == ["1", "2"])
        #expect(second.signatures?.items.map(\.kind) == [.seal, .sign])
        let description = try SignatureDescription(
            second.package.bytes("Doc_0/Signs/Sign_1/Signature.xml"), at: "Doc_0/Signs/Sign_1/Signature.xml")
        #expect(description.references.contains { $0.path == "Doc_0/Signs/Signatures.xml" })
        #expect(description.references.contains { $0.path == "Doc_0/Signs/Sign_0/SignedValue.dat" })
        #expect(description.stampAnnots.map(\.pageRef) == ["1", "7"])
        #expect(description.stampAnnots.map { $0.clip?.x } == [0, 20])
        // The whole 40 mm seal, shifted so each page's 20 mm slice lies on the right edge (210 mm).
        #expect(description.stampAnnots.map(\.boundary.x) == [190, 170])
        #expect(description.stampAnnots.allSatisfy { $0.boundary.width == 40 })
        #expect(description.sealPath == nil)
        #expect {
            _ = try SignaturePlan(
                document: second, kind: .seal, mode: .continue, placements: [.page(.index(1), x: 1, y: 1)],
                sealSize: nil)
        } throws: { ($0 as? OFDError)?.code == .wholeProtected }
    }

    @Test func placementsOutsideTheDocumentAreRefused() throws {
        let original = try document()
        for placement in [
            Placement.page(.index(3), x: 1, y: 1), .page(.id("99"), x: 1, y: 1), .page(.index(1), x: 500, y: 1),
            .keyword("盖章处", occurrence: 2), .riding(first: 1, last: 3, y: nil), .riding(first: 2, last: 2, y: nil),
        ] {
            #expect {
                _ = try SignaturePlan(
                    document: original, kind: .seal, mode: .continue, placements: [placement], sealSize: nil)
            } throws: { ($0 as? OFDError)?.code == .placementNotFound }
        }
    }
}
