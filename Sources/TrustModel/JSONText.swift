/// JSON string literals (RFC 8259 §7) without Foundation: used for the audit log's canonical details and for
/// one-line JSON output.
public enum JSONText {
    /// `text` as a quoted JSON string: quote, backslash and control characters escaped (`\n`, `\r`, `\t`, others as
    /// `\u00xx` in lower-case hex), everything else as it is. The audit chain hashes this form: it must never change.
    public static func quote(_ text: String) -> String {
        // Most text (identifiers, base64, hex) needs no escape.
        if !text.utf8.contains(where: needsEscape) { return "\"" + text + "\"" }
        // Every byte to escape is ASCII, so the UTF-8 bytes are escaped one by one (a PEM's newlines made the
        // per-scalar String appends 5 % of a signature's CPU).
        var out: [UInt8] = [UInt8(ascii: "\"")]
        out.reserveCapacity(text.utf8.count + 32)
        for byte in text.utf8 {
            guard needsEscape(byte) else {
                out.append(byte)
                continue
            }
            out.append(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(byte)
            case UInt8(ascii: "\n"): out.append(UInt8(ascii: "n"))
            case UInt8(ascii: "\r"): out.append(UInt8(ascii: "r"))
            case UInt8(ascii: "\t"): out.append(UInt8(ascii: "t"))
            default: out += Array("u00".utf8) + [hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xf)]]
            }
        }
        out.append(UInt8(ascii: "\""))
        return String(decoding: out, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20
    }
}
