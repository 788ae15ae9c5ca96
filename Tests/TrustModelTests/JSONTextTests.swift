import Foundation
import Testing
import TrustModel

/// The audit chain hashes JSONText's output, so its bytes must never change: checked against the per-scalar
/// escaping it was first written with, and against a JSON parser.
@Suite struct JSONTextTests {
    static func reference(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    @Test func quotingIsTheReferenceEscapingAndParsesBack() throws {
        let controls = String(String.UnicodeScalarView((0..<0x20).compactMap(Unicode.Scalar.init)))
        let samples = [
            "", "plain-id_123", "MEUCIQ+/abc==", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
            "quote \" backslash \\ slash /", controls, "印章 é 👍\u{7f}\u{80}\u{2028}", "\u{0}\u{1f}x\"\\\n",
            // Long enough for a heap buffer, escapes only at the ends, and nothing but escapes.
            "\n" + String(repeating: "MEUCIQ+/", count: 400) + "\u{1}", String(repeating: "\"\u{1b}", count: 300),
        ]
        for sample in samples {
            let quoted = JSONText.quote(sample)
            #expect(quoted == Self.reference(sample), "\(sample.debugDescription)")
            let parsed = try JSONSerialization.jsonObject(with: Data("[\(quoted)]".utf8)) as? [String]
            #expect(parsed == [sample])
        }
    }
}
