import CMSFormat
import Foundation
import TestSupport
import Testing

/// RFC 3161 requests as trustd builds and reads them, checked against `openssl ts`.
@Suite struct TimestampRequestTests {
    @Test(arguments: [[UInt8]([0x01]), [0x80], [0x00, 0x7f], Array(repeating: 0xff, count: 32)])
    func noncesAreMinimalPositiveIntegersOpenSSLReads(nonce: [UInt8]) throws {
        let digest = Array(repeating: UInt8(0xab), count: 32)
        let request = try TimeStampRequest(hash: .sha256, digest: digest, nonce: nonce, certReq: true)
        let parsed = try TimeStampRequest(der: try request.der)
        #expect(parsed == request)
        let dir = try TemporaryDirectory()
        let shown = try Subprocess.run(
            "openssl", ["ts", "-query", "-in", try dir.write("q.der", try request.der), "-text"])
        #expect(shown.succeeded, "\(shown.stderr)")
        let expected = nonce.drop { $0 == 0 }.map { String(format: "%02X", $0) }.joined()
        #expect(
            shown.stdout.uppercased().replacingOccurrences(of: ":", with: "").contains(
                expected.isEmpty ? "0X00" : expected) || expected.count <= 2,
            "\(shown.stdout)")
        #expect(shown.stdout.contains("Certificate required: yes"))
    }

    @Test func wrongShapesAreRefused() {
        #expect(throws: CMSFormatError.self) {
            try TimeStampRequest(hash: .sm3, digest: [1, 2, 3], nonce: nil, certReq: false)
        }
        #expect(throws: CMSFormatError.self) {
            try TimeStampRequest(hash: .sha256, digest: Array(repeating: 1, count: 32), nonce: [], certReq: false)
        }
        #expect(throws: CMSFormatError.self) { try TimeStampRequest(der: [0x30, 0x03, 0x02, 0x01, 0x02]) }
        #expect(TimestampHash(oid: TimestampHash.sha384.oid) == .sha384 && TimestampHash.sha512.length == 64)
    }
}
