import Foundation
import SwiftASN1
import Testing

@testable import SealFormat

/// The times in seals and seal signatures read as Foundation's Gregorian calendar in UTC reads them, for UTCTime
/// (1950–2049) and GeneralizedTime (with fractions), leap days and the ends of years included.
@Suite struct WireTimeTests {
    static func calendarDate(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(
            from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))!
    }

    static func node(_ value: some DERSerializable) throws -> ASN1Node {
        var coder = DER.Serializer()
        try coder.serialize(value)
        return try DER.parse(coder.serializedBytes)
    }

    @Test func utcAndGeneralizedTimesReadAsTheCalendarReadsThem() throws {
        var fields: [(Int, Int, Int, Int, Int, Int)] = [
            (2000, 2, 29, 12, 0, 0), (1999, 12, 31, 23, 59, 59), (2024, 2, 29, 0, 0, 0), (1950, 1, 1, 0, 0, 0),
            (2049, 12, 31, 23, 59, 59),
        ]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            fields.append(
                (
                    Int.random(in: 1950...2049, using: &generator), Int.random(in: 1...12, using: &generator),
                    Int.random(in: 1...28, using: &generator), Int.random(in: 0...23, using: &generator),
                    Int.random(in: 0...59, using: &generator), Int.random(in: 0...59, using: &generator)
                ))
        }
        for (year, month, day, hour, minute, second) in fields {
            let expected = Self.calendarDate(year, month, day, hour, minute, second)
            let utc = try UTCTime(year: year, month: month, day: day, hours: hour, minutes: minute, seconds: second)
            #expect(try Wire.time(Self.node(utc), "t") == expected, "\(utc)")
            let generalized = try GeneralizedTime(
                year: year + 400, month: month, day: day, hours: hour, minutes: minute, seconds: second,
                fractionalSeconds: 0.25)
            #expect(
                try Wire.time(Self.node(generalized), "t")
                    == Self.calendarDate(year + 400, month, day, hour, minute, second).addingTimeInterval(0.25),
                "\(generalized)")
        }
    }

    @Test func aMissingTimeIsNamed() {
        #expect { try Wire.time(nil, "signTime") } throws: { "\($0)".contains("signTime is missing") }
    }
}
