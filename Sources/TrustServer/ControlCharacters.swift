import Foundation

/// Finds control characters in a request before anything uses it: a NUL in an identifier truncates it in SQLite and
/// in URLs written into certificates, so no request value may carry C0 controls (other than tab, CR and LF in free
/// text) or DEL.
enum ControlCharacters {
    /// The first forbidden control character in the string values of a JSON text, as `U+XXXX`, or nil. Raw control
    /// bytes inside strings are invalid JSON anyway; this looks at escapes (`\u0000`, `\b`, `\f`), keeping track of
    /// escaped backslashes so `\\u0000` (a backslash and text) is not mistaken for one.
    static func firstInJSON(_ bytes: UnsafeRawBufferPointer) -> String? {
        // Fast path (a megabyte of base64 in a document upload): without a backslash or DEL there is nothing to find,
        // and memchr answers that at memory speed.
        guard let base = bytes.baseAddress,
            memchr(base, Int32(UInt8(ascii: "\\")), bytes.count) != nil || memchr(base, 0x7F, bytes.count) != nil
        else { return nil }
        var iterator = bytes.makeIterator()
        var inString = false
        while let byte = iterator.next() {
            if !inString {
                if byte == UInt8(ascii: "\"") { inString = true }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = false
            case 0x7F: return "U+007F"
            case UInt8(ascii: "\\"):
                guard let escaped = iterator.next() else { return nil }
                switch escaped {
                case UInt8(ascii: "b"): return "U+0008"
                case UInt8(ascii: "f"): return "U+000C"
                case UInt8(ascii: "u"):
                    var value = 0
                    for _ in 0..<4 {
                        guard let digit = iterator.next(), let nibble = hexValue(digit) else { return nil }
                        value = value << 4 | nibble
                    }
                    if isForbidden(value) { return "U+" + String(value, radix: 16, uppercase: true).leftPadded(to: 4) }
                default: break
                }
            default: break
            }
        }
        return nil
    }

    /// The first forbidden control character of `text` (identifiers: no tab, CR or LF either), or nil.
    static func firstInIdentifier(_ text: String) -> String? {
        text.unicodeScalars.first { $0.value < 0x20 || $0.value == 0x7F }
            .map { "U+" + String($0.value, radix: 16, uppercase: true).leftPadded(to: 4) }
    }

    private static func isForbidden(_ value: Int) -> Bool {
        (value < 0x20 && ![0x09, 0x0A, 0x0D].contains(value)) || value == 0x7F
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
