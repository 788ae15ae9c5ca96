import Foundation
import Testing

@testable import TrustServices

/// GM/T 0031 v1 `timeInfo` as producers write it (`../shared/specs/gm-standards.md` §4.5).
@Suite struct LegacyTimeInfoTests {
    @Test(arguments: [
        ("20211014033404Z", "2021-10-14T03:34:04Z"),  // GeneralizedTime text (a commercial vendor)
        ("211014033404Z", "2021-10-14T03:34:04Z"),  // UTCTime text
        ("2020-01-25T07:31:56Z", "2020-01-25T07:31:56Z"),  // ISO 8601
        ("2020-01-25T07:31:56.123+08:00", "2020-01-24T23:31:56Z"),
        ("2020-01-25 07:31:56", "2020-01-24T23:31:56Z"),  // ofdrw, no zone: China Standard Time
    ])
    func readsTheTimeFormsProducersWrite(text: String, utc: String) throws {
        let read = LegacyTimeInfo.read(Array(text.utf8))
        let date = try #require(read.date, "\(read.note)")
        #expect(abs(date.timeIntervalSince(ISO8601DateFormatter().date(from: utc)!)) < 1, "\(text): \(read.note)")
    }

    @Test func unreadableTimeInfoIsSaidSo() {
        #expect(LegacyTimeInfo.read([]).date == nil)
        #expect(LegacyTimeInfo.read(Array("yesterday".utf8)).note.contains("no time form"))
        #expect(LegacyTimeInfo.read([0x30, 0x82, 0x01]).date == nil)
    }
}
