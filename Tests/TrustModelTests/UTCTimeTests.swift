import Foundation
import Testing
import TrustModel

/// `UTCTime.iso8601` writes what `ISO8601DateFormatter` writes in UTC (which Linux Foundation does not promise to do
/// safely from many threads, hence our own), with and without milliseconds.
@Suite struct UTCTimeTests {
    /// The formatter's text for the same second and the same millisecond (the milliseconds of the double, truncated,
    /// as `iso8601` takes them: an audit time never runs ahead of the clock).
    static func reference(_ date: Date, milliseconds: Bool) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.formatOptions =
            milliseconds ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        let interval = date.timeIntervalSince1970
        let second = interval.rounded(.down)
        let millis = min(999, ((interval - second) * 1000).rounded(.down))
        // A quarter of a millisecond in: the formatter's own rounding of the fraction cannot change the digits.
        return formatter.string(
            from: Date(timeIntervalSince1970: milliseconds ? second + (millis + 0.25) / 1000 : second))
    }

    @Test func matchesFoundationsFormatterAcrossTheCalendar() {
        var dates: [Date] = [
            Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 946_684_799.999),
            Date(timeIntervalSince1970: 951_782_400.5),  // 2000-02-29, a leap day
            Date(timeIntervalSince1970: 2_147_483_648.25),  // past 2038
            Date(timeIntervalSince1970: 253_402_300_799),  // 9999-12-31T23:59:59
            Date(timeIntervalSince1970: -86_400.75),  // before 1970
        ]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            dates.append(
                Date(timeIntervalSince1970: Double(Int64.random(in: 0..<4_102_444_800_000, using: &generator)) / 1000))
        }
        for date in dates {
            #expect(UTCTime.iso8601(date) == Self.reference(date, milliseconds: false), "\(date.timeIntervalSince1970)")
            #expect(
                UTCTime.iso8601(date, milliseconds: true) == Self.reference(date, milliseconds: true),
                "\(date.timeIntervalSince1970)")
        }
        #expect(
            UTCTime.iso8601(Date(timeIntervalSince1970: 1_795_296_885.5), milliseconds: true)
                == "2026-11-21T21:34:45.500Z")
    }
}
