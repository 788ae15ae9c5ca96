import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// ISO 8601 UTC timestamps without Foundation formatters (which are costly to create and not documented as
/// thread-safe on Linux). `gmtime_r` is thread-safe.
public enum UTCTime {
    public static func iso8601(_ date: Date, milliseconds: Bool = false) -> String {
        let interval = date.timeIntervalSince1970
        var seconds = time_t(interval.rounded(.down))
        var millis = Int(((interval - interval.rounded(.down)) * 1000).rounded(.down))
        if millis >= 1000 { millis = 999 }
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        var out = "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
        out += "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))"
        if milliseconds { out += "." + pad(Int32(millis), 3) }
        return out + "Z"
    }
}
