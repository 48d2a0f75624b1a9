#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small byte-level helpers for the kernel parser. Everything works on an
/// `UnsafeRawBufferPointer` and index ranges; nothing allocates except `string`.
enum KB {
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")

    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c &- 48 < 10 }
    @inline(__always) static func isSpace(_ c: UInt8) -> Bool { c == space || c == tab }
    @inline(__always) static func isHex(_ c: UInt8) -> Bool { c &- 48 < 10 || c &- 97 < 6 || c &- 65 < 6 }
    @inline(__always) static func isLetter(_ c: UInt8) -> Bool { (c | 0x20) &- 97 < 26 }

    /// First index of `needle` in `b[from..<to]`.
    @inline(__always)
    static func find(_ b: UnsafeRawBufferPointer, _ needle: StaticString, from: Int = 0, to: Int? = nil) -> Int? {
        let end = min(to ?? b.count, b.count)
        let n = needle.utf8CodeUnitCount
        guard from >= 0, end - from >= n, n > 0, let base = b.baseAddress else { return nil }
        let first = Int32(needle.utf8Start.pointee)
        let last = end - n
        var i = from
        while i <= last {
            guard let hit = memchr(base + i, first, last - i + 1) else { return nil }
            let at = base.distance(to: UnsafeRawPointer(hit))
            if n == 1 || memcmp(base + at + 1, needle.utf8Start + 1, n - 1) == 0 { return at }
            i = at + 1
        }
        return nil
    }

    /// Last index of `needle` in `b[from..<to]`.
    static func findLast(_ b: UnsafeRawBufferPointer, _ needle: StaticString, from: Int = 0, to: Int? = nil) -> Int? {
        var found: Int?
        var at = from
        while let i = find(b, needle, from: at, to: to) {
            found = i
            at = i + 1
        }
        return found
    }

    @inline(__always)
    static func has(_ b: UnsafeRawBufferPointer, _ prefix: StaticString, at i: Int) -> Bool {
        let n = prefix.utf8CodeUnitCount
        guard i >= 0, i + n <= b.count, let base = b.baseAddress else { return false }
        return memcmp(base + i, prefix.utf8Start, n) == 0
    }

    @inline(__always)
    static func skipSpaces(_ b: UnsafeRawBufferPointer, _ i: inout Int, to end: Int? = nil) {
        let e = end ?? b.count
        while i < e, isSpace(b[i]) { i += 1 }
    }

    /// Unsigned decimal at `i` (advances past all its digits); nil when no digit, or when it has
    /// more than 18 digits (no kernel value is that long: such a number is unreadable, never a
    /// wrapped or cut value).
    @inline(__always)
    static func uint(_ b: UnsafeRawBufferPointer, _ i: inout Int, to end: Int? = nil) -> Int64? {
        let e = end ?? b.count
        var v: Int64 = 0
        let start = i
        while i < e, isDigit(b[i]) {
            if i - start < 18 { v = v &* 10 &+ Int64(b[i] &- 48) }
            i += 1
        }
        return i > start && i - start <= 18 ? v : nil
    }

    /// Optionally signed decimal at `i` (advances).
    @inline(__always)
    static func int(_ b: UnsafeRawBufferPointer, _ i: inout Int, to end: Int? = nil) -> Int64? {
        let e = end ?? b.count
        var neg = false
        var j = i
        if j < e, b[j] == UInt8(ascii: "-") { neg = true; j += 1 }
        guard let v = uint(b, &j, to: e) else { return nil }
        i = j
        return neg ? -v : v
    }

    /// Fixed-width decimal of exactly `n` digits.
    @inline(__always)
    static func digits(_ b: UnsafeRawBufferPointer, _ i: inout Int, _ n: Int) -> Int? {
        guard i + n <= b.count else { return nil }
        var v = 0
        for k in 0..<n {
            let c = b[i + k]
            guard isDigit(c) else { return nil }
            v = v * 10 + Int(c &- 48)
        }
        i += n
        return v
    }

    /// An optional fraction of a second (`.123`, or `,123` when `comma` is allowed) at `i`, as
    /// microseconds; digits past the sixth are read and dropped. 0 when there is none.
    static func fractionMicros(_ b: UnsafeRawBufferPointer, _ i: inout Int, to end: Int? = nil, comma: Bool = false) -> Int {
        let e = end ?? b.count
        guard i < e, b[i] == UInt8(ascii: ".") || (comma && b[i] == UInt8(ascii: ",")) else { return 0 }
        i += 1
        var frac = 0
        var digits = 0
        while i < e, isDigit(b[i]) {
            if digits < 6 { frac = frac * 10 + Int(b[i] &- 48) }
            digits += 1
            i += 1
        }
        while digits < 6 { frac *= 10; digits += 1 }
        return frac
    }

    /// `secs.frac` as microseconds (kernel `[ 302.856909]`, journal `1795705010.198695`).
    static func micros(_ b: UnsafeRawBufferPointer, _ i: inout Int, to end: Int? = nil) -> Int64? {
        let e = end ?? b.count
        var j = i
        // At most 12 digits of seconds (31,000 years of uptime): the microseconds fit Int64.
        guard let whole = uint(b, &j, to: e), whole < 1_000_000_000_000 else { return nil }
        let frac = Int64(fractionMicros(b, &j, to: e))
        i = j
        return whole * 1_000_000 + frac
    }

    /// Value after `key` up to the next byte in `stops` (or `end`), as a range.
    static func value(_ b: UnsafeRawBufferPointer, after key: StaticString, from: Int = 0, to end: Int? = nil,
                      stop: UInt8 = UInt8(ascii: ",")) -> Range<Int>? {
        let e = end ?? b.count
        guard let k = find(b, key, from: from, to: e) else { return nil }
        var j = k + key.utf8CodeUnitCount
        let s = j
        while j < e, b[j] != stop { j += 1 }
        return s..<j
    }

    /// Number right after `key` ("anon-rss:" → 65280).
    static func number(_ b: UnsafeRawBufferPointer, after key: StaticString, from: Int = 0, to end: Int? = nil) -> Int64? {
        guard let k = find(b, key, from: from, to: end) else { return nil }
        var j = k + key.utf8CodeUnitCount
        return int(b, &j, to: end)
    }

    static func string(_ b: UnsafeRawBufferPointer, _ r: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: b[r]), as: UTF8.self)
    }

    static func trimmed(_ b: UnsafeRawBufferPointer, _ r: Range<Int>) -> Range<Int> {
        var s = r.lowerBound, e = r.upperBound
        while s < e, isSpace(b[s]) { s += 1 }
        while e > s, isSpace(b[e - 1]) { e -= 1 }
        return s..<e
    }

    /// Index of the end of the whitespace-delimited token starting at `i`.
    @inline(__always)
    static func tokenEnd(_ b: UnsafeRawBufferPointer, _ i: Int, to end: Int? = nil) -> Int {
        let e = end ?? b.count
        var j = i
        while j < e, !isSpace(b[j]) { j += 1 }
        return j
    }

    /// 64-bit FNV-1a of a range (boot-time pairing of identical records).
    static func hash(_ b: UnsafeRawBufferPointer, _ r: Range<Int>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in r {
            h ^= UInt64(b[i])
            h = h &* 0x100_0000_01b3
        }
        return h
    }

    static let englishMonths: [StaticString] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    /// German abbreviations that differ from English (cheap to accept: Proxmox and other
    /// German-locale hosts). `Mär` is UTF-8.
    static let germanMonths: [(StaticString, Int)] = [("M\u{e4}r", 3), ("Mai", 5), ("Okt", 10), ("Dez", 12)]

    /// Month number of the word in `r`, or nil for an unknown (other-locale) name.
    static func month(_ b: UnsafeRawBufferPointer, _ r: Range<Int>) -> Int? {
        let len = r.count
        if len == 3 {
            for (k, m) in englishMonths.enumerated() where has(b, m, at: r.lowerBound) { return k + 1 }
        }
        for (m, v) in germanMonths where m.utf8CodeUnitCount == len && has(b, m, at: r.lowerBound) { return v }
        return nil
    }
}
