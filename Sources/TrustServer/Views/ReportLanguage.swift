import Foundation
import Hummingbird

/// The language of a page people read: Chinese unless the reader asks for English (`?lang=en`, or an
/// `Accept-Language` that prefers English to Chinese).
enum ReportLanguage: String, Sendable, CaseIterable {
    case zh, en

    /// `lang` in the query wins; else the best of zh/en in `Accept-Language` by its q-values; else Chinese.
    init(_ request: Request) {
        if let asked = request.uri.queryParameters["lang"].flatMap({ ReportLanguage(tag: String($0)) }) {
            self = asked
            return
        }
        self = Self.negotiate(request.headers[.acceptLanguage]) ?? .zh
    }

    /// `zh`, `zh-CN`, `zh-Hans` … → zh; `en`, `en-GB` … → en.
    init?(tag: String) {
        let primary = tag.split(separator: "-").first.map { $0.lowercased() } ?? ""
        guard let language = ReportLanguage(rawValue: primary) else { return nil }
        self = language
    }

    /// The supported language with the highest q-value (the first on a tie); nil when none is listed.
    static func negotiate(_ header: String?) -> ReportLanguage? {
        guard let header else { return nil }
        var best: (language: ReportLanguage, q: Double)? = nil
        for item in header.split(separator: ",").prefix(32) {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = parts.first, let language = ReportLanguage(tag: tag) else { continue }
            let q =
                parts.dropFirst().compactMap { part -> Double? in
                    part.hasPrefix("q=") ? Double(part.dropFirst(2)) : nil
                }.first ?? 1
            guard q > 0, q > (best?.q ?? 0) else { continue }
            best = (language, q)
        }
        return best?.language
    }

    var htmlTag: String { self == .zh ? "zh-CN" : "en" }

    /// `zh` or `en` of a pair of texts.
    func pick(_ zh: String, _ en: String) -> String { self == .zh ? zh : en }
}

/// Times on pages: Beijing time (UTC+8, no daylight saving) first, UTC beside it.
enum ReportTime {
    private static let beijing = TimeZone(secondsFromGMT: 8 * 3600)!
    private static let utc = TimeZone(secondsFromGMT: 0)!

    static func text(_ date: Date, _ language: ReportLanguage) -> String {
        language.pick(
            "\(format(date, beijing)) 北京时间（UTC \(format(date, utc))）",
            "\(format(date, beijing)) Beijing time (UTC \(format(date, utc)))")
    }

    /// The day alone, in Beijing time.
    static func day(_ date: Date) -> String { String(format(date, beijing).prefix(10)) }

    private static func format(_ date: Date, _ zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(
            format: "%04d-%02d-%02d %02d:%02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0,
            c.second ?? 0)
    }
}
