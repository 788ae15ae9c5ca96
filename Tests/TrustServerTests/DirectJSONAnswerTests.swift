import APIContract
import Foundation
import Testing

@testable import TrustServer

/// The hot paths' answers (`/v1/sign`, `/v1/verify` of one signature) are written without JSONEncoder; they must be
/// the very bytes JSONEncoder writes.
@Suite struct SignAnswerEncodingTests {
    @Test func theDirectAnswerIsByteForByteWhatJSONEncoderWrites() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let pem = "-----BEGIN CERTIFICATE-----\nMIIB+/x=\n-----END CERTIFICATE-----\n"
        for value in [
            SignResponse(format: "raw", signature: "MEUCIQ+/abc==", certificate: pem),
            SignResponse(format: "ses", signature: "", certificate: "tab\there \"quoted\" back\\slash é 印章 /"),
        ] {
            #expect(jsonText(value) == String(decoding: try encoder.encode(value), as: UTF8.self))
        }
    }
}

@Suite struct ValidationReportEncodingTests {
    @Test func theDirectReportIsByteForByteWhatJSONEncoderWrites() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let checks = [
            ValidationCheckView(name: "signature", status: "passed", detail: "SM2 签名 / \"ok\"\n", subIndication: nil),
            ValidationCheckView(
                name: "revocation", status: "indeterminate", detail: "\\ try\tlater", subIndication: "TRY_LATER"),
        ]
        let reports = [
            ValidationReportView(
                valid: true, indication: "TOTAL_PASSED", subIndication: nil, format: "ses", signer: "CN=张三, O=机关",
                seal: .init(name: "公章", esId: "ES-1"), signingTime: "2026-12-04T05:00:00Z", timeSource: "timestamp",
                checks: checks),
            ValidationReportView(
                valid: false, indication: "INDETERMINATE", subIndication: "TRY_LATER", format: "cms", signer: nil,
                seal: .init(name: nil, esId: nil), signingTime: nil, timeSource: nil, checks: []),
            ValidationReportView(
                valid: false, indication: "TOTAL_FAILED", subIndication: "HASH_FAILURE", format: "raw", signer: nil,
                seal: nil, signingTime: nil, timeSource: "claimed", checks: [checks[1]]),
            ValidationReportView(
                valid: false, indication: "TOTAL_FAILED", subIndication: "SIG_CRYPTO_FAILURE", format: "ses",
                signer: "CN=x", seal: .init(name: nil, esId: "ES-2"), signingTime: "2026-12-04T05:00:00Z",
                timeSource: nil, checks: checks + checks),
        ]
        for report in reports {
            #expect(jsonText(report) == String(decoding: try encoder.encode(report), as: UTF8.self))
        }
    }
}
