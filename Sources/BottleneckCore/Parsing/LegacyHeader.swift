/// The prefix of a legacy mongod/mongos text line, read byte by byte:
///
/// ```
/// Mon Aug  5 20:22:10 [conn4] …                                  2.2 ctime, no milliseconds
/// Wed Mar  5 17:14:57.407 [conn4] …                              2.4 ctime
/// 2014-04-09T23:25:32.500+0000 [conn3434] …                      2.6 iso8601-local
/// 2020-11-10T13:33:12.438-0600 I WRITE    [conn2] …              3.0–4.0 severity, component
/// 2020-11-10T15:30:17.907+0000 I  WRITE    [conn1] …             4.2 two-character severity
/// 2021-07-27T00:00:32.837592+08:00 [conn11837] …                 rsyslog re-timestamped
/// Jul 27 00:00:32 db1 mongod[812]: 2021-07-27T… I COMMAND [conn…] journald / syslog
/// ```
struct LegacyHeader {
    /// The instant when the line's own stamp (or, failing that, the syslog stamp) could be read.
    var timestamp: Timestamp?
    /// ctime fields when the stamp has no year; the parser resolves the year.
    var ctime: CTime?
    var severity: Range<Int>?
    var component: Range<Int>?
    var context: Range<Int>?
    /// Start of the message.
    var message: Int = 0
    /// The stamp is mongod's own (ISO with 3 fractional digits and an offset, or ctime with a
    /// weekday), which alone is enough to claim a line without a `[context]` (`dbexit: `).
    var mongodStamp = false

    struct CTime {
        var month: Int, day: Int, hour: Int, minute: Int, second: Int, millisecond: Int
    }

    /// Reads the prefix of `b`; nil when the line does not start like a mongod line.
    static func parse(_ b: UnsafeRawBufferPointer) -> LegacyHeader? {
        var h = LegacyHeader()
        var p = 0
        if let (t, q, mongod) = parseISO(b, 0) {
            h.timestamp = t
            h.mongodStamp = mongod
            p = q
        } else if let (c, q, weekday) = parseCTime(b, 0) {
            h.ctime = c
            h.mongodStamp = weekday
            p = q
            if !weekday {
                // `Mmm dd hh:mm:ss` is syslog's stamp: only with a mongo program after it.
                return parseSyslog(b, p, outer: h)
            }
        } else {
            return nil
        }
        guard p < b.count, b[p] == 0x20 else { return nil }
        if parseAfterStamp(b, p, into: &h) { return h }
        if let s = parseSyslog(b, p, outer: h) { return s }
        // A mongod stamp followed by a message without context ("Checkpoint took 10 seconds"),
        // unless it is another program's syslog line (`host kernel: …`).
        if h.mongodStamp && !looksLikeSyslog(b, p) {
            h.message = p + 1
            return h
        }
        return nil
    }

    /// After a stamp: `[ctx] `, or `S COMPONENT [ctx] ` (S one or two characters).
    static func parseAfterStamp(_ b: UnsafeRawBufferPointer, _ start: Int, into h: inout LegacyHeader) -> Bool {
        var p = start
        while p < b.count, b[p] == 0x20 { p += 1 }
        guard p < b.count else { return false }
        if b[p] != UInt8(ascii: "[") {
            // Severity: F E W I D, or D1..D5, then spaces.
            let s = b[p]
            guard s == UInt8(ascii: "I") || s == UInt8(ascii: "W") || s == UInt8(ascii: "E")
                || s == UInt8(ascii: "F") || s == UInt8(ascii: "D") else { return false }
            var q = p + 1
            if q < b.count, b[q] >= 0x31, b[q] <= 0x35 { q += 1 }
            guard q < b.count, b[q] == 0x20 else { return false }
            let sev = p..<q
            while q < b.count, b[q] == 0x20 { q += 1 }
            let cs = q
            while q < b.count, (b[q] >= 0x41 && b[q] <= 0x5A) || b[q] == UInt8(ascii: "-") || b[q] == UInt8(ascii: "_") { q += 1 }
            guard q > cs, q < b.count, b[q] == 0x20 else { return false }
            let comp = cs..<q
            while q < b.count, b[q] == 0x20 { q += 1 }
            guard q < b.count, b[q] == UInt8(ascii: "[") else { return false }
            h.severity = sev
            h.component = comp
            p = q
        }
        // Context: up to `]` (it may contain spaces: `[repl writer worker 13]`).
        var q = p + 1
        let limit = min(b.count, p + 256)
        while q < limit, b[q] != UInt8(ascii: "]") { q += 1 }
        guard q < limit else { return false }
        h.context = (p + 1)..<q
        q += 1
        if q < b.count, b[q] == 0x20 { q += 1 }
        h.message = q
        return true
    }

    /// ` host prog[pid]: rest` after a syslog or rsyslog stamp; only mongo programs are claimed.
    /// The inner line's own stamp wins over the syslog one.
    static func parseSyslog(_ b: UnsafeRawBufferPointer, _ start: Int, outer: LegacyHeader) -> LegacyHeader? {
        var p = start
        guard p < b.count, b[p] == 0x20 else { return nil }
        while p < b.count, b[p] == 0x20 { p += 1 }
        while p < b.count, b[p] != 0x20 { p += 1 }  // host
        guard p < b.count else { return nil }
        p += 1
        let prog = p
        guard p + 5 < b.count, b[p] == UInt8(ascii: "m"), b[p + 1] == UInt8(ascii: "o"), b[p + 2] == UInt8(ascii: "n"),
              b[p + 3] == UInt8(ascii: "g"), b[p + 4] == UInt8(ascii: "o") else { return nil }
        while p < b.count, b[p] != UInt8(ascii: ":"), b[p] != 0x20 { p += 1 }
        guard p > prog, p + 1 < b.count, b[p] == UInt8(ascii: ":"), b[p + 1] == 0x20 else { return nil }
        let inner = UnsafeRawBufferPointer(rebasing: b[(p + 2)...])
        let offset = p + 2
        var h: LegacyHeader
        if let own = LegacyHeader.parse(inner) {
            h = own
        } else {
            h = outer
            guard parseAfterStamp(inner, 0, into: &h) else { return nil }
        }
        if h.timestamp == nil && h.ctime == nil {
            h.timestamp = outer.timestamp
            h.ctime = outer.ctime
        }
        h.severity = h.severity.map { ($0.lowerBound + offset)..<($0.upperBound + offset) }
        h.component = h.component.map { ($0.lowerBound + offset)..<($0.upperBound + offset) }
        h.context = h.context.map { ($0.lowerBound + offset)..<($0.upperBound + offset) }
        h.message += offset
        return h
    }

    /// ` host prog[pid]: ` or ` host prog: ` after a stamp.
    static func looksLikeSyslog(_ b: UnsafeRawBufferPointer, _ start: Int) -> Bool {
        var p = start
        while p < b.count, b[p] == 0x20 { p += 1 }
        let host = p
        while p < b.count, b[p] != 0x20 { p += 1 }
        guard p > host, p < b.count else { return false }
        p += 1
        let prog = p
        while p < b.count, b[p] != 0x20, b[p] != UInt8(ascii: ":") { p += 1 }
        return p > prog && p + 1 < b.count && b[p] == UInt8(ascii: ":") && b[p + 1] == 0x20
    }

    // MARK: Stamps

    @inline(__always) static func digits(_ b: UnsafeRawBufferPointer, _ p: Int, _ n: Int) -> Int? {
        guard p + n <= b.count else { return nil }
        var v = 0
        for k in p..<(p + n) {
            let c = b[k]
            guard c >= 0x30 && c <= 0x39 else { return nil }
            v = v * 10 + Int(c - 0x30)
        }
        return v
    }

    /// `YYYY-MM-DDTHH:MM:SS[.f…][Z|±HHMM|±HH:MM]`; returns the end and whether it is mongod's form
    /// (exactly three fractional digits and an offset).
    static func parseISO(_ b: UnsafeRawBufferPointer, _ p: Int) -> (Timestamp, Int, Bool)? {
        guard p + 19 <= b.count, b[p + 4] == UInt8(ascii: "-"), b[p + 7] == UInt8(ascii: "-"),
              b[p + 10] == UInt8(ascii: "T") || b[p + 10] == 0x20, b[p + 13] == UInt8(ascii: ":"), b[p + 16] == UInt8(ascii: ":"),
              let y = digits(b, p, 4), let mo = digits(b, p + 5, 2), let d = digits(b, p + 8, 2),
              let hh = digits(b, p + 11, 2), let mi = digits(b, p + 14, 2), let ss = digits(b, p + 17, 2),
              (1...12).contains(mo), (1...31).contains(d), hh < 24, mi < 60, ss < 61 else { return nil }
        var q = p + 19
        var ms = 0
        var fracDigits = 0
        if q < b.count, b[q] == UInt8(ascii: ".") || b[q] == UInt8(ascii: ",") {
            q += 1
            while q < b.count, b[q] >= 0x30, b[q] <= 0x39 {
                if fracDigits < 3 { ms = ms * 10 + Int(b[q] - 0x30) }
                fracDigits += 1
                q += 1
            }
            for _ in fracDigits..<max(fracDigits, 3) { ms *= 10 }
        }
        var offset = 0
        var hasOffset = false
        if q < b.count, b[q] == UInt8(ascii: "Z") {
            q += 1
            hasOffset = true
        } else if q < b.count, b[q] == UInt8(ascii: "+") || b[q] == UInt8(ascii: "-") {
            let sign = b[q] == UInt8(ascii: "-") ? -1 : 1
            guard let oh = digits(b, q + 1, 2) else { return nil }
            var r = q + 3
            if r < b.count, b[r] == UInt8(ascii: ":") { r += 1 }
            guard let om = digits(b, r, 2) else { return nil }
            offset = sign * (oh * 60 + om)
            q = r + 2
            hasOffset = true
        }
        let t = Timestamp.fromCivil(year: y, month: mo, day: d, hour: hh, minute: mi, second: ss,
                                    millisecond: ms, offsetMinutes: offset)
        return (t, q, fracDigits == 3 && hasOffset)
    }

    static let monthNames: [UInt32] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"].map(tri)
    static let dayNames: [UInt32] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].map(tri)

    static func tri(_ s: String) -> UInt32 {
        let u = Array(s.utf8)
        return UInt32(u[0]) << 16 | UInt32(u[1]) << 8 | UInt32(u[2])
    }

    @inline(__always) static func tri(_ b: UnsafeRawBufferPointer, _ p: Int) -> UInt32 {
        UInt32(b[p]) << 16 | UInt32(b[p + 1]) << 8 | UInt32(b[p + 2])
    }

    /// `[Www ]Mmm [ d]d HH:MM:SS[.fff]`; returns the end and whether a weekday was present.
    static func parseCTime(_ b: UnsafeRawBufferPointer, _ start: Int) -> (CTime, Int, Bool)? {
        var p = start
        guard p + 15 <= b.count else { return nil }
        var weekday = false
        if dayNames.contains(tri(b, p)) && b[p + 3] == 0x20 {
            weekday = true
            p += 4
        }
        guard p + 15 <= b.count, let mIdx = monthNames.firstIndex(of: tri(b, p)), b[p + 3] == 0x20 else { return nil }
        p += 4
        if b[p] == 0x20 { p += 1 }
        var day = 0
        var nd = 0
        while p < b.count, b[p] >= 0x30, b[p] <= 0x39, nd < 2 { day = day * 10 + Int(b[p] - 0x30); p += 1; nd += 1 }
        guard nd > 0, day >= 1, day <= 31, p + 9 <= b.count, b[p] == 0x20,
              let hh = digits(b, p + 1, 2), b[p + 3] == UInt8(ascii: ":"), let mi = digits(b, p + 4, 2),
              b[p + 6] == UInt8(ascii: ":"), let ss = digits(b, p + 7, 2), hh < 24, mi < 60, ss < 61 else { return nil }
        p += 9
        var ms = 0
        if p + 4 <= b.count, b[p] == UInt8(ascii: "."), let f = digits(b, p + 1, 3) {
            ms = f
            p += 4
        }
        return (CTime(month: mIdx + 1, day: day, hour: hh, minute: mi, second: ss, millisecond: ms), p, weekday)
    }
}
