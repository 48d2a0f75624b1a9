#if canImport(Glibc)
import Glibc
#endif

/// A UTC instant in milliseconds since the Unix epoch.
public struct Timestamp: Sendable, Hashable, Comparable, Codable {
    public var millis: Int64
    public init(millis: Int64) { self.millis = millis }

    /// The wall clock now.
    public static var now: Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(millis: Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000)
    }

    /// Instants a log may carry: 0000-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z (what a
    /// four-digit year can write). Every stamp read from a log is in this range, so arithmetic
    /// on stamps (differences, windows, buckets) cannot overflow.
    public static let minMillis: Int64 = -62_167_219_200_000
    public static let maxMillis: Int64 = 253_402_300_799_999

    /// The instant, or nil when `millis` is outside `minMillis...maxMillis`.
    @inlinable
    public init?(checkedMillis millis: Int64) {
        guard millis >= Timestamp.minMillis, millis <= Timestamp.maxMillis else { return nil }
        self.millis = millis
    }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.millis < b.millis }

    /// Days from 1970-01-01 to the given civil date (proleptic Gregorian), H. Hinnant's algorithm.
    @inlinable
    @inline(__always)
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        // Wrapping arithmetic: exact for any real date, and a field a parser let through out of
        // range (fuzzing found a 16-digit day of month) gives a meaningless day, never a trap.
        let y = month <= 2 ? year &- 1 : year
        let era = (y >= 0 ? y : y &- 399) / 400
        let yoe = y &- era &* 400
        let mp = (month &+ 9) % 12
        let doy = (153 &* mp &+ 2) / 5 &+ day &- 1
        let doe = yoe &* 365 &+ yoe / 4 &- yoe / 100 &+ doy
        return era &* 146097 &+ doe &- 719468
    }

    /// Builds an instant from civil UTC fields and an offset east of UTC in minutes. Never traps
    /// (wrapping arithmetic); callers that take fields from a log check the result's range
    /// (`init(checkedMillis:)`) or their fields.
    @inlinable @inline(__always)
    public static func fromCivil(
        year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int,
        millisecond: Int = 0, offsetMinutes: Int = 0
    ) -> Timestamp {
        let days = Int64(truncatingIfNeeded: daysFromCivil(year: year, month: month, day: day))
        let clock = Int64(truncatingIfNeeded: hour &* 3600 &+ minute &* 60 &+ second &- offsetMinutes &* 60)
        return Timestamp(millis: (days &* 86_400 &+ clock) &* 1000 &+ Int64(truncatingIfNeeded: millisecond))
    }

    /// Civil UTC fields of this instant.
    public var civil: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, millisecond: Int) {
        var ms = millis % 1000
        var secs = millis / 1000
        if ms < 0 { ms += 1000; secs -= 1 }
        var days = secs / 86_400
        var rem = secs % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(m <= 2 ? y + 1 : y), Int(m), Int(d), Int(rem / 3600), Int(rem % 3600 / 60), Int(rem % 60), Int(ms))
    }

    /// RFC 3339 in UTC with milliseconds: `2023-09-23T20:25:13.420Z`.
    public var iso8601: String {
        let c = civil
        func pad(_ v: Int, _ w: Int) -> String {
            let s = String(v)
            return s.count >= w ? s : String(repeating: "0", count: w - s.count) + s
        }
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))T\(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(c.second, 2)).\(pad(c.millisecond, 3))Z"
    }

    /// Parses RFC 3339 / ISO 8601 forms accepted on the command line:
    /// `2023-09-23`, `2023-09-23T16:25`, `2023-09-23T16:25:13(.fff)(Z|±hh:mm|±hhmm)`.
    /// A missing offset means UTC.
    public static func parseISO8601(_ text: String) -> Timestamp? {
        let b = Array(text.utf8)
        var i = 0
        func num(_ n: Int) -> Int? {
            guard i + n <= b.count else { return nil }
            var v = 0
            for k in 0..<n {
                let c = b[i + k]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            i += n
            return v
        }
        func eat(_ c: UInt8) -> Bool {
            if i < b.count && b[i] == c { i += 1; return true }
            return false
        }
        guard let y = num(4), eat(UInt8(ascii: "-")), let mo = num(2), eat(UInt8(ascii: "-")), let d = num(2) else { return nil }
        guard (1...12).contains(mo), (1...31).contains(d) else { return nil }
        var h = 0, mi = 0, s = 0, ms = 0, off = 0
        if i < b.count {
            guard eat(UInt8(ascii: "T")) || eat(UInt8(ascii: " ")) else { return nil }
            guard let hh = num(2), eat(UInt8(ascii: ":")), let mm = num(2) else { return nil }
            h = hh; mi = mm
            if eat(UInt8(ascii: ":")) {
                guard let ss = num(2) else { return nil }
                s = ss
                if eat(UInt8(ascii: ".")) {
                    var digits = 0
                    var frac = 0
                    while i < b.count, b[i] >= 48, b[i] <= 57 {
                        if digits < 3 { frac = frac * 10 + Int(b[i] - 48) }
                        digits += 1
                        i += 1
                    }
                    guard digits > 0 else { return nil }
                    for _ in digits..<max(digits, 3) { frac *= 10 }
                    ms = frac
                }
            }
            if i < b.count {
                if eat(UInt8(ascii: "Z")) || eat(UInt8(ascii: "z")) {
                    off = 0
                } else {
                    let sign: Int
                    if eat(UInt8(ascii: "+")) { sign = 1 } else if eat(UInt8(ascii: "-")) { sign = -1 } else { return nil }
                    guard let oh = num(2) else { return nil }
                    _ = eat(UInt8(ascii: ":"))
                    guard let om = num(2) else { return nil }
                    off = sign * (oh * 60 + om)
                }
            }
        }
        guard i == b.count, h < 24, mi < 60, s < 61 else { return nil }
        return fromCivil(year: y, month: mo, day: d, hour: h, minute: mi, second: s, millisecond: ms, offsetMinutes: off)
    }
}
