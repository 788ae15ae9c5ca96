import CardReader
import Foundation
import TestSupport
import Testing

/// Real pcscd, no mocks: the no-service case runs a child process pointed at a socket that does not exist, since
/// pcsc-lite reads `PCSCLITE_CSOCK_NAME` once per process. The virtual-reader flows are in CardFlowTests.
@Suite struct PCSCContextTests {
    @Test func aMissingPcscdIsReportedAsServiceNotAvailable() throws {
        let dir = try TemporaryDirectory()
        let probe = try Subprocess.run(
            try TestPaths.builtProduct("trustctl"), ["counter", "readers"],
            environment: ["PCSCLITE_CSOCK_NAME": dir.file("no-such.comm")])
        #expect(probe.status == 69, "exit code 69 (EX_UNAVAILABLE) for pcscd not running: \(probe.stderr)")
        #expect(probe.stderr.contains("pcscd"))
    }

    @Test func errorCodesMapToTypedErrors() {
        #expect(PCSCError(.serviceNotAvailable, "") == PCSCError(.serviceNotAvailable, status: 1, "x"))
        #expect("\(PCSCError(.noCard, status: 0x8010_000C, "reading"))".contains("0x8010000C"))
    }
}
