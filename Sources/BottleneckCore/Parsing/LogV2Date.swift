/// The logv2 timestamp `{"$date":"2023-09-23T16:25:13.420-04:00"}` (also `Z`, `+0000`, or
/// `{"$date":{"$numberLong":"<millis>"}}`) as a UTC instant, read from bytes.
enum LogV2Date {
    static func parse(_ s: JSONScanner, _ from: Int, _ to: Int) -> Timestamp? {
        guard from < to, s[from] == 0x7B, let k = s.key(s.skipSpace(from + 1)), s.equals(k.start, k.end, "$date") else { return nil }
        let v = k.value
        // Epoch millis (`{"$numberLong":"…"}` or a bare number): outside years 0000-9999 (or past
        // Int64) the stamp is unreadable, as a damaged string is.
        guard s[v] == 0x22 else { return s.integer(v).flatMap { Timestamp(checkedMillis: $0.value) } }
        let e = s.skipString(v)
        guard e > 0 else { return nil }
        return iso(s, v + 1, e - 1)
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH:MM|±HHMM)`.
    static func iso(_ s: JSONScanner, _ from: Int, _ to: Int) -> Timestamp? {
        var i = from
        @inline(__always) func num(_ n: Int) -> Int? {
            guard i + n <= to else { return nil }
            var v = 0
            for k in 0..<n {
                let d = s[i + k] &- 0x30
                if d > 9 { return nil }
                v = v * 10 + Int(d)
            }
            i += n
            return v
        }
        @inline(__always) func eat(_ c: UInt8) -> Bool {
            if i < to && s[i] == c { i += 1; return true }
            return false
        }
        guard let y = num(4), eat(0x2D), let mo = num(2), eat(0x2D), let d = num(2),
              eat(0x54) || eat(0x20), let h = num(2), eat(0x3A), let mi = num(2), eat(0x3A), let sec = num(2)
        else { return nil }
        var ms = 0
        if eat(0x2E) {
            var digits = 0
            while i < to, s[i] &- 0x30 <= 9 {
                if digits < 3 { ms = ms * 10 + Int(s[i] - 0x30) }
                digits += 1
                i += 1
            }
            while digits < 3 { ms *= 10; digits += 1 }
        }
        var off = 0
        if eat(0x5A) {
            off = 0
        } else if i < to, s[i] == 0x2B || s[i] == 0x2D {
            let sign = s[i] == 0x2D ? -1 : 1
            i += 1
            guard let oh = num(2) else { return nil }
            _ = eat(0x3A)
            guard let om = num(2) else { return nil }
            off = sign * (oh * 60 + om)
        }
        guard i == to, (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, sec < 61 else { return nil }
        return Timestamp(checkedMillis: Timestamp.fromCivil(year: y, month: mo, day: d, hour: h, minute: mi, second: sec,
                                                            millisecond: ms, offsetMinutes: off).millis)
    }
}
