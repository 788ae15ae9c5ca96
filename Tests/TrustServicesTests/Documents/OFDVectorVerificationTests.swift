import Foundation
import TestSupport
import Testing
import TrustModel

@testable import TrustServices

/// The real files in ../shared/vectors/ofd give the verdicts ../shared/specs/ofd.md lists, for those reasons.
@Suite(.enabled(if: TestPaths.hasOFDVectors)) struct OFDVectorVerificationTests {
    let fixture: CAFixture
    let verifier: SignatureVerifier

    init() throws {
        fixture = try CAFixture()
        verifier = SignatureVerifier(
            store: fixture.store, ca: fixture.ca,
            anchors: { [authority = fixture.ca] in try TrustAnchors.load(ca: authority, trustedDirectory: nil) })
    }

    func report(_ name: String) async throws -> DocumentValidationReport {
        let outcome = try await verifier.verifyAny(
            #require(TestPaths.vector("ofd", name)), data: nil, digest: nil, by: .system("test"))
        guard case .document(let report) = outcome else { throw TestSupportError("\(name) was not read as a document") }
        return report
    }

    func describe(_ report: DocumentValidationReport) -> String {
        report.signatures.map { signature in
            signature.report.checks.map { "\($0.name.rawValue)=\($0.status.rawValue): \($0.detail)" }.joined(
                separator: "\n")
        }.joined(separator: "\n---\n")
    }

    @Test func v4signedHashesAndSignaturesVerifyWithTheCaseWarning() async throws {
        let report = try await report("v4signed.ofd")
        let signature = try #require(report.signatures.first)
        #expect(report.signatures.count == 1)
        #expect(signature.report.check(.references)?.status == .passed, "\(describe(report))")
        #expect(signature.report.check(.signature)?.status == .passed, "\(describe(report))")
        #expect(signature.report.check(.document)?.status == .passed, "\(describe(report))")
        #expect(
            signature.report.check(.sealMaker)?.status == .passed || signature.report.check(.sealMaker)?.status == .info
        )
        #expect(report.warnings.contains { $0.contains("TPLS/Tpl_0/Content.xml") })
        #expect(signature.pages == ["1"])
        // Not TOTAL_PASSED here, for reasons the report names: the signer's CA is not among this appliance's trust
        // anchors, and the seal ended in 2023 with no timestamp proving the signature existed before (EN 319 102-1:
        // a claimed time is not a proof of existence).
        #expect(signature.report.indication == .indeterminate)
        #expect(signature.report.check(.chain)?.status == .indeterminate)
        #expect(signature.report.check(.validity)?.status == .passed)
        #expect(signature.report.check(.sealValidity)?.subIndication == .outOfBoundsNoPOE)
    }

    @Test func sesv4SignDocWasSignedAfterItsCertificateAndSealExpired() async throws {
        let report = try await report("SESV4SignDoc.ofd")
        let signature = try #require(report.signatures.first)
        #expect(signature.report.check(.references)?.status == .passed, "\(describe(report))")
        #expect(signature.report.check(.signature)?.status == .passed, "\(describe(report))")
        #expect(signature.report.check(.document)?.status == .passed, "\(describe(report))")
        #expect(signature.report.check(.sealFile)?.status == .passed, "\(describe(report))")
        #expect(signature.report.indication == .indeterminate)
        #expect(signature.report.check(.validity)?.subIndication == .outOfBoundsNoPOE)
        #expect(signature.report.check(.validity)?.detail.contains("2022-04-21") == true, "\(describe(report))")
        #expect(signature.report.check(.sealValidity)?.detail.contains("2022-04-22") == true, "\(describe(report))")
    }

    @Test func digitalSignsBareSignatureValueIsNotConforming() async throws {
        let report = try await report("DigitalSign.ofd")
        let signature = try #require(report.signatures.first)
        #expect(signature.kind == .sign)
        #expect(signature.report.indication == .totalFailed)
        #expect(signature.report.check(.format)?.subIndication == .formatFailure)
        #expect(signature.report.check(.format)?.detail.contains("bare signature value") == true)
    }

    @Test func helloworldIsUnsigned() async throws {
        let report = try await report("helloworld.ofd")
        #expect(report.signatures.isEmpty)
        #expect(report.indication == .indeterminate)
        #expect(report.subIndication == .signedDataNotFound)
        #expect(report.unprotectedFiles.contains("OFD.xml"))
    }
}
