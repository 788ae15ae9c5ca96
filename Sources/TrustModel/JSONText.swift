/// JSON string literals (RFC 8259 §7) without Foundation: used for the audit log's canonical details and for
/// one-line JSON output.
public enum JSONText {
    /// `text` as a quoted JSON string: quote, backslash and control characters escaped (`\n`, `\r`, `\t`, others as
    /// `\u00xx` in lower-case hex), everything else as it is. The audit chain hashes this form: it must never change.
    public static func quote(_ text: String) -> String {
        var text = text
        // Over the contiguous UTF-8 bytes: the per-byte iterator and array appends were 2 % of an SES signature's CPU
        // (a 2 KB base64 signature and a PEM certificate in every /v1/sign answer).
        return text.withUTF8 { bytes in
            var escapes = 0
            for byte in bytes where needsEscape(byte) { escapes += 1 }
            // Each escape writes at most six bytes (`\u00xx`) for one; every byte escaped is ASCII, so the result
            // stays valid UTF-8.
            return String(unsafeUninitializedCapacity: bytes.count + 2 + escapes * 5) { out in
                var index = 0
                func put(_ byte: UInt8) {
                    out[index] = byte
                    index += 1
                }
                put(UInt8(ascii: "\""))
                if escapes == 0 {
                    _ = UnsafeMutableBufferPointer(rebasing: out[1...]).initialize(fromContentsOf: bytes)
                    index += bytes.count
                } else {
                    for byte in bytes {
                        guard needsEscape(byte) else {
                            put(byte)
                            continue
                        }
                        put(UInt8(ascii: "\\"))
                        switch byte {
                        case UInt8(ascii: "\""), UInt8(ascii: "\\"): put(byte)
                        case UInt8(ascii: "\n"): put(UInt8(ascii: "n"))
                        case UInt8(ascii: "\r"): put(UInt8(ascii: "r"))
                        case UInt8(ascii: "\t"): put(UInt8(ascii: "t"))
                        default:
                            put(UInt8(ascii: "u"))
                            put(UInt8(ascii: "0"))
                            put(UInt8(ascii: "0"))
                            put(hexDigits[Int(byte >> 4)])
                            put(hexDigits[Int(byte & 0xf)])
                        }
                    }
                }
                put(UInt8(ascii: "\""))
                return index
            }
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20
    }
}
