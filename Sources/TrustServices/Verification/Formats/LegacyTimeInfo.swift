import Foundation

/// GM/T 0031-2014 `timeInfo` is a BIT STRING whose content producers fill differently: GeneralizedTime text
/// (`20211014033404Z`, one commercial vendor), UTCTime text, ISO 8601 (`2020-01-25T07:31:56…`), or ofdrw's
/// `yyyy-MM-dd HH:mm:ss`. Times without a zone are read as China Standard Time (UTC+8), where they are written.
enum LegacyTimeInfo {
    static func read(_ bytes: [UInt8]) -> (date: Date?, note: String) {
        guard !bytes.isEmpty, bytes.count <= 64,
            let text = String(bytes: bytes, encoding: .ascii)?.trimmingCharacters(
                in: .whitespacesAndNewlines.union(.controlCharacters)),
            !text.isEmpty
        else { return (nil, "timeInfo holds no time text (\(bytes.count) bytes)") }
        let zoned: [(String, String)] = [
            ("yyyyMMddHHmmss'Z'", "GeneralizedTime"), ("yyyyMMddHHmmss.SSS'Z'", "GeneralizedTime"),
            ("yyMMddHHmmss'Z'", "UTCTime"),
        ]
        for (format, name) in zoned {
            if let date = formatter(format, zone: TimeZone(identifier: "UTC")!).date(from: text) {
                return (date, "timeInfo is \(name) text \(text)")
            }
        }
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = iso.date(from: text) ?? ISO8601DateFormatter().date(from: text) {
            return (date, "timeInfo is ISO 8601 text \(text)")
        }
        let china = TimeZone(secondsFromGMT: 8 * 3600)!
        for format in ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.SSS", "yyyyMMddHHmmss"] {
            if let date = formatter(format, zone: china).date(from: text) {
                return (date, "timeInfo is \(text) without a zone, read as China Standard Time (UTC+8)")
            }
        }
        return (nil, "timeInfo '\(text.prefix(40))' is no time form this verifier reads")
    }

    private static func formatter(_ format: String, zone: TimeZone) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.timeZone = zone
        formatter.dateFormat = format
        formatter.isLenient = false
        return formatter
    }
}
