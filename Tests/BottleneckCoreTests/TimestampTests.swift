import Testing
import BottleneckCore

@Suite struct TimestampTests {
    @Test(arguments: [
        ("2023-09-23T16:25:13.420-04:00", "2023-09-23T20:25:13.420Z"),
        ("2023-09-23T20:25:13.420Z", "2023-09-23T20:25:13.420Z"),
        ("2024-02-29T23:59:59.999+05:30", "2024-02-29T18:29:59.999Z"),
        ("2021-07-27T00:00:32.837592+08:00", "2021-07-26T16:00:32.837Z"),
        ("2020-01-01", "2020-01-01T00:00:00.000Z"),
        ("1999-12-31T23:59", "1999-12-31T23:59:00.000Z"),
        ("2023-09-23T16:25:13.4+0100", "2023-09-23T15:25:13.400Z"),
    ])
    func parsesAndFormatsISO8601(input: String, utc: String) {
        #expect(Timestamp.parseISO8601(input)?.iso8601 == utc)
    }

    @Test(arguments: ["", "2023", "2023-13-01", "2023-09-23T25:00", "2023-09-23T10:00:00+5", "yesterday", "2023-09-23T10:00:00Zjunk"])
    func rejectsGarbage(input: String) {
        #expect(Timestamp.parseISO8601(input) == nil)
    }

    @Test func civilRoundTripsAcrossCenturies() {
        for (y, m, d) in [(1970, 1, 1), (1969, 12, 31), (2000, 2, 29), (2100, 3, 1), (2038, 1, 19)] {
            let t = Timestamp.fromCivil(year: y, month: m, day: d, hour: 13, minute: 14, second: 15, millisecond: 16)
            let c = t.civil
            #expect(c.year == y && c.month == m && c.day == d && c.hour == 13 && c.minute == 14 && c.second == 15 && c.millisecond == 16)
        }
        #expect(Timestamp.fromCivil(year: 1970, month: 1, day: 2, hour: 0, minute: 0, second: 0).millis == 86_400_000)
    }
}
