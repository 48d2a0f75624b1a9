#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Byte-level JSON primitives over one line: no allocation, no Foundation.
///
/// Positions are byte offsets into the line; every function that can fail returns -1.
/// Validation is structural (balanced brackets, terminated strings), not a full JSON grammar:
/// the goal is to find values fast and never read out of bounds.
public struct JSONScanner {
    public let base: UnsafePointer<UInt8>
    public let count: Int

    @inline(__always)
    public init(_ bytes: UnsafeRawBufferPointer) {
        if let b = bytes.baseAddress, bytes.count > 0 {
            base = b.assumingMemoryBound(to: UInt8.self)
            count = bytes.count
        } else {
            // A non-null pointer that is never read: count is 0.
            base = UnsafePointer(bitPattern: 1)!
            count = 0
        }
    }

    @inline(__always)
    public subscript(_ i: Int) -> UInt8 { base[i] }

    /// The bytes of [from, to) as a buffer (valid as long as the line is).
    @inline(__always)
    public func slice(_ from: Int, _ to: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + from, count: to - from)
    }

    @inline(__always)
    public func skipSpace(_ at: Int) -> Int {
        var i = at
        while i < count {
            let c = base[i]
            if c != 0x20 && c != 0x09 && c != 0x0A && c != 0x0D { return i }
            i += 1
        }
        return i
    }

    /// `at` is on the opening quote; returns the index just past the closing quote.
    /// Short strings (most keys and values) are scanned inline; long ones with memchr.
    @inline(__always)
    public func skipString(_ at: Int) -> Int {
        var i = at + 1
        let inlineEnd = min(count, i + 24)
        while i < inlineEnd {
            let c = base[i]
            if c == 0x22 { return i + 1 }
            if c == 0x5C { i += 2; continue }
            i += 1
        }
        return skipLongString(at, from: i)
    }

    @inline(never)
    func skipLongString(_ at: Int, from: Int) -> Int {
        var i = from
        while i < count {
            guard let hit = memchr(base + i, 0x22, count - i) else { return -1 }
            let q = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            // Count the backslashes right before the quote: an odd number escapes it.
            var bs = 0
            var k = q - 1
            while k > at && base[k] == 0x5C { bs += 1; k -= 1 }
            if bs & 1 == 0 { return q + 1 }
            i = q + 1
        }
        return -1
    }

    /// Skips any value starting at `at` (no leading space); returns the index just past it.
    public func skipValue(_ at: Int) -> Int {
        guard at < count else { return -1 }
        let c = base[at]
        if c == 0x22 { return skipString(at) }
        if c == 0x7B || c == 0x5B { return skipContainer(at) }
        // number, true, false, null: up to a delimiter
        var i = at
        while i < count {
            let d = base[i]
            if d == 0x2C || d == 0x7D || d == 0x5D || d == 0x20 || d == 0x09 || d == 0x0A || d == 0x0D { break }
            if d == 0x22 || d == 0x7B || d == 0x5B || d == 0x3A { return -1 }
            i += 1
        }
        return i == at ? -1 : i
    }

    /// Deepest nesting of objects and arrays a line may have (a filter nested deeper than this is
    /// skipped as `nested too deep`, not read).
    public static let maxDepth = 256

    /// Skips an object or array, checking that brackets balance and strings terminate.
    /// Returns -1 when they do not, or when nesting passes `maxDepth`.
    public func skipContainer(_ at: Int) -> Int {
        // A small stack of expected closers, as bits (1 = '}', 0 = ']'); deeper nesting goes to
        // the slow path.
        var stack: UInt64 = 0
        var depth = 0
        var i = at
        while i < count {
            let c = base[i]
            switch c {
            case 0x22:
                i = skipString(i)
                if i < 0 { return -1 }
                continue
            case 0x7B, 0x5B:
                if depth >= 64 { return skipDeepContainer(at) }
                stack = (stack << 1) | (c == 0x7B ? 1 : 0)
                depth += 1
            case 0x7D, 0x5D:
                if depth == 0 { return -1 }
                let wantObject = stack & 1 == 1
                if wantObject != (c == 0x7D) { return -1 }
                stack >>= 1
                depth -= 1
                if depth == 0 { return i + 1 }
            default:
                break
            }
            i += 1
        }
        return -1
    }

    /// `skipContainer` for values nested more than 64 deep (rare): a stack of `maxDepth` bits.
    @inline(never)
    func skipDeepContainer(_ at: Int) -> Int {
        var stack = [UInt64](repeating: 0, count: JSONScanner.maxDepth / 64)
        var depth = 0
        var i = at
        while i < count {
            let c = base[i]
            switch c {
            case 0x22:
                i = skipString(i)
                if i < 0 { return -1 }
                continue
            case 0x7B, 0x5B:
                if depth >= JSONScanner.maxDepth { return -1 }
                let bit: UInt64 = 1 << UInt64(depth & 63)
                if c == 0x7B { stack[depth >> 6] |= bit } else { stack[depth >> 6] &= ~bit }
                depth += 1
            case 0x7D, 0x5D:
                if depth == 0 { return -1 }
                depth -= 1
                let wantObject = stack[depth >> 6] & (1 << UInt64(depth & 63)) != 0
                if wantObject != (c == 0x7D) { return -1 }
                if depth == 0 { return i + 1 }
            default:
                break
            }
            i += 1
        }
        return -1
    }

    /// Whether the brackets of [from, count) (outside strings) nest deeper than `maxDepth`. Only
    /// asked for a line about to be skipped, to name the reason.
    public func nestsTooDeep(from: Int = 0) -> Bool {
        var depth = 0
        var i = from
        while i < count {
            let c = base[i]
            if c == 0x22 {
                i = skipString(i)
                if i < 0 { return false }
                continue
            }
            if c == 0x7B || c == 0x5B {
                depth += 1
                if depth > JSONScanner.maxDepth { return true }
            } else if c == 0x7D || c == 0x5D {
                depth -= 1
            }
            i += 1
        }
        return false
    }

    /// Reads an object key at `at` (on its quote) and the colon after it.
    /// Returns (keyStart, keyEnd, valueStart) with keyStart/keyEnd excluding the quotes.
    @inline(__always)
    public func key(_ at: Int) -> (start: Int, end: Int, value: Int)? {
        guard at < count, base[at] == 0x22 else { return nil }
        let e = skipString(at)
        if e < 0 { return nil }
        var i = skipSpace(e)
        guard i < count, base[i] == 0x3A else { return nil }
        i = skipSpace(i + 1)
        guard i < count else { return nil }
        return (at + 1, e - 1, i)
    }

    /// After a value ending at `at`: returns the start of the next member (past a comma), or
    /// `count + 1` when the container closes with `closer` (the caller then reads `closeIndex`).
    /// Returns -1 on a syntax error.
    @inline(__always)
    public func next(_ at: Int, closer: UInt8) -> (next: Int, closed: Bool) {
        let i = skipSpace(at)
        guard i < count else { return (-1, false) }
        let c = base[i]
        if c == 0x2C { return (skipSpace(i + 1), false) }
        if c == closer { return (i + 1, true) }
        return (-1, false)
    }

    /// Whether bytes [s, e) equal the ASCII `literal`.
    @inline(__always)
    public func equals(_ s: Int, _ e: Int, _ literal: StaticString) -> Bool {
        let n = literal.utf8CodeUnitCount
        return e - s == n && memcmp(base + s, literal.utf8Start, n) == 0
    }

    /// Whether bytes [s, e) equal `bytes`.
    @inline(__always)
    public func equals(_ s: Int, _ e: Int, _ bytes: [UInt8]) -> Bool {
        let n = bytes.count
        return e - s == n && bytes.withUnsafeBufferPointer { memcmp(base + s, $0.baseAddress!, n) == 0 }
    }

    /// Parses an integer (a fraction is truncated), or an Extended JSON number wrapper
    /// (`{"$numberLong":"…"}`, `$numberInt`, `$numberDouble`, `$numberDecimal`).
    /// Returns the value and the index past the value; nil when the value is not a number, or is
    /// a number outside Int64 (see `number`, which tells the two apart).
    @inline(__always)
    public func integer(_ at: Int) -> (value: Int64, end: Int)? {
        guard let n = number(at), n.inRange else { return nil }
        return (n.value, n.end)
    }

    /// Like `integer`, but a number that does not fit Int64 (`18446744073709551616`, `1e999`,
    /// `-1e30`) is returned with `inRange == false` (and value 0) instead of nil, so a caller can
    /// count it as out of range. An exponent is applied (`1.5e3` is 1500); a fraction is truncated.
    public func number(_ at: Int) -> (value: Int64, end: Int, inRange: Bool)? {
        guard at < count else { return nil }
        let c = base[at]
        if c == 0x7B {
            let end = skipContainer(at)
            if end < 0 { return nil }
            guard let k = key(skipSpace(at + 1)) else { return nil }
            let name = slice(k.start, k.end)
            guard name.count > 7, name[0] == 0x24, name[1] == 0x6E else { return nil } // "$n…"
            var v = k.value
            if base[v] == 0x22 { v += 1 }
            guard let (num, e, overflow) = plainNumber(v) else {
                // `{"$numberDouble":"Infinity"}`: a number, but no integer holds it.
                let sign = v < count && base[v] == 0x2D ? 1 : 0
                if v + sign + 8 <= count, equals(v + sign, v + sign + 8, "Infinity") { return (0, end, false) }
                return nil
            }
            let tail = numberTail(e)
            if let scaled = tail.scaled(self, v) { return (scaled.value, end, scaled.inRange) }
            return (overflow ? 0 : num, end, !overflow)
        }
        guard let (num, e, overflow) = plainNumber(at) else { return nil }
        // The usual case: digits followed by the member's end.
        if e < count, base[e] == 0x2C || base[e] == 0x7D { return (overflow ? 0 : num, e, !overflow) }
        // Consume whatever is left of the token (fraction, exponent).
        let tail = numberTail(e)
        var i = tail.end
        while i < count {
            let d = base[i]
            if d == 0x2C || d == 0x7D || d == 0x5D || d == 0x20 || d == 0x22 { break }
            i += 1
        }
        if let scaled = tail.scaled(self, at) { return (scaled.value, i, scaled.inRange) }
        return (overflow ? 0 : num, i, !overflow)
    }

    /// What follows the digits of a number: `.fff` and `e±NN`, read (rarely) so that an exponent
    /// is applied instead of ignored.
    struct NumberTail {
        var end: Int
        var hasExponent: Bool

        /// For a number with an exponent, its value as an integer (truncated toward zero), or
        /// out of range. nil when there is no exponent.
        func scaled(_ s: JSONScanner, _ start: Int) -> (value: Int64, inRange: Bool)? {
            guard hasExponent else { return nil }
            let text = String(decoding: s.slice(start, end), as: UTF8.self)
            guard let d = Double(text), d.isFinite else { return (0, false) }
            // Int64 holds [-2^63, 2^63); both bounds are exact as doubles.
            guard d >= -9_223_372_036_854_775_808.0, d < 9_223_372_036_854_775_808.0 else { return (0, false) }
            return (Int64(d.rounded(.towardZero)), true)
        }
    }

    @inline(__always)
    func numberTail(_ at: Int) -> NumberTail {
        var i = at
        if i < count, base[i] == 0x2E {
            i += 1
            while i < count, base[i] &- 0x30 <= 9 { i += 1 }
        }
        guard i < count, base[i] | 0x20 == 0x65 else { return NumberTail(end: i, hasExponent: false) }
        var j = i + 1
        if j < count, base[j] == 0x2B || base[j] == 0x2D { j += 1 }
        let digits = j
        while j < count, base[j] &- 0x30 <= 9 { j += 1 }
        // `1e` with no exponent digits: not a number JSON allows; leave it to the token skip.
        if j == digits { return NumberTail(end: i, hasExponent: false) }
        return NumberTail(end: j, hasExponent: true)
    }

    /// Digits with an optional minus; stops at the first non-digit. Never traps: a value past
    /// Int64 sets `overflow` (the value is then meaningless).
    @inline(__always)
    func plainNumber(_ at: Int) -> (Int64, Int, overflow: Bool)? {
        var i = at
        var negative = false
        if i < count && base[i] == 0x2D { negative = true; i += 1 }
        let start = i
        var v: Int64 = 0
        // Up to 18 digits cannot overflow: wrapping arithmetic, checked only for longer runs.
        while i < count {
            let d = base[i] &- 0x30
            if d > 9 { break }
            v = v &* 10 &+ Int64(d)
            i += 1
        }
        if i == start { return nil }
        var overflow = false
        if i - start > 18 {
            v = 0
            for k in start..<i {
                let (m, o1) = v.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(base[k] &- 0x30))
                if o1 || o2 { overflow = true }
                v = a
            }
        }
        return (negative ? 0 &- v : v, i, overflow)
    }

    /// `true` / `false` (also 1 / 0, as some fields are logged numerically).
    @inline(__always)
    public func boolean(_ at: Int) -> (value: Bool, end: Int)? {
        guard at < count else { return nil }
        let c = base[at]
        if c == 0x74 { return at + 4 <= count ? (true, at + 4) : nil }
        if c == 0x66 { return at + 5 <= count ? (false, at + 5) : nil }
        if let (n, e) = integer(at) { return (n != 0, e) }
        return nil
    }

    /// Decodes the string whose opening quote is at `at` into a Swift String (escapes resolved).
    /// Returns nil if `at` is not a string.
    public func string(_ at: Int) -> (value: String, end: Int)? {
        guard at < count, base[at] == 0x22 else { return nil }
        let e = skipString(at)
        if e < 0 { return nil }
        return (decode(at + 1, e - 1), e)
    }

    /// Decodes bytes [s, e) of a JSON string body, resolving escapes; invalid UTF-8 is repaired.
    public func decode(_ s: Int, _ e: Int) -> String {
        if memchr(base + s, 0x5C, e - s) == nil {
            return String(decoding: slice(s, e), as: UTF8.self)
        }
        var out: [UInt8] = []
        out.reserveCapacity(e - s)
        var i = s
        while i < e {
            let c = base[i]
            if c != 0x5C || i + 1 >= e { out.append(c); i += 1; continue }
            let d = base[i + 1]
            i += 2
            switch d {
            case 0x6E: out.append(0x0A)
            case 0x74: out.append(0x09)
            case 0x72: out.append(0x0D)
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0C)
            case 0x75:
                var scalar: UInt32 = 0
                var ok = i + 4 <= e
                if ok {
                    for k in 0..<4 {
                        guard let h = hexValue(base[i + k]) else { ok = false; break }
                        scalar = scalar << 4 | h
                    }
                }
                if !ok { out.append(0x3F); continue }
                i += 4
                // Surrogate pair
                if scalar >= 0xD800 && scalar < 0xDC00, i + 6 <= e, base[i] == 0x5C, base[i + 1] == 0x75 {
                    var low: UInt32 = 0
                    var ok2 = true
                    for k in 0..<4 {
                        guard let h = hexValue(base[i + 2 + k]) else { ok2 = false; break }
                        low = low << 4 | h
                    }
                    if ok2, low >= 0xDC00, low < 0xE000 {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    }
                }
                let u = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default: out.append(d)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    @inline(__always)
    func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case 0x30...0x39: return UInt32(c - 0x30)
        case 0x41...0x46: return UInt32(c - 0x41 + 10)
        case 0x61...0x66: return UInt32(c - 0x61 + 10)
        default: return nil
        }
    }
}
