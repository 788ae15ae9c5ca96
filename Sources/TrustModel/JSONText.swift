/// JSON string literals (RFC 8259 §7) without Foundation: used for the audit log's canonical details and for
/// one-line JSON output.
public enum JSONText {
    /// `text` as a quoted JSON string: quote, backslash and control characters escaped.
    public static func quote(_ text: String) -> String {
        // Most text (identifiers, base64, hex) needs no escape: one pass over its bytes instead of one append per scalar.
        if !text.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 }) {
            return "\"" + text + "\""
        }
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
}
