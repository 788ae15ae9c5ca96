import APIContract
import Foundation
import Testing

@testable import TrustServer

/// `/v1/sign`'s answer is written without JSONEncoder on the hot path; it must be the very bytes JSONEncoder writes.
@Suite struct SignResponseEncodingTests {
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
