import Testing
import TrustModel

/// Indications follow EN 319 102-1: a sub-indication's class fixes whether a check failed or is indeterminate.
@Suite struct ValidationReportTests {
    @Test func subIndicationsKeepTheirStandardClass() {
        let totalFailed: Set<SubIndication> = [
            .formatFailure, .hashFailure, .sigCryptoFailure, .revoked, .expired, .notYetValid,
        ]
        for sub in SubIndication.allCases {
            let check = ValidationReport.Check.problem(.signature, "x", sub)
            #expect(check.status == (totalFailed.contains(sub) ? .failed : .indeterminate), "\(sub)")
        }
        #expect(SubIndication.outOfBoundsNoPOE.indication == .indeterminate)
    }

    @Test func theIndicationIsTheWorstCheck() {
        let passed = ValidationReport.Check.passed(.signature, "ok")
        #expect(
            ValidationReport(format: "x", checks: [passed, .info(.timestamp, "none"), .warning(.timestamp, "ignored")])
                .indication == .totalPassed)
        let report = ValidationReport(
            format: "x",
            checks: [passed, .problem(.revocation, "?", .tryLater), .problem(.document, "!", .hashFailure)])
        #expect(report.indication == .totalFailed && report.subIndication == .hashFailure)
        #expect(
            ValidationReport(format: "x", checks: [.problem(.chain, "?", .noCertificateChainFound)]).subIndication
                == .noCertificateChainFound)
    }
}
