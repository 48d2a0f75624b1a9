/// A tolerant, byte-level reader of mongo shell syntax (the values of legacy text logs) that
/// turns a value into a `ShapeNode`, a literal-free fingerprint, or just skips it.
///
/// Shell syntax is not JSON: unquoted and dotted keys, `ObjectId('…')`, `new Date(…)`,
/// `Timestamp 1375698319000|2`, `Timestamp(1, 2)`, `BinData(0, …)`, `UUID("…")`, `/re/i`,
/// `NumberLong(…)`, `MinKey`, unescaped quotes inside strings, strings cut with `...`, anonymised
/// bare tokens (`_id: 0bcaf81…`) and redacted values (`{ customer: zone: }`, `{ a: , b: }`).
/// The reader never fails: whatever it cannot read becomes `?unknown`, and every step consumes at
/// least one byte, so it always ends within its range.
///
/// `node` and `fingerprint` walk the same grammar, so two values with the same fingerprint give the
/// same shape text (the fingerprint only collapses runs of equal scalar kinds in arrays, which the
/// shaper collapses too). Parsers cache shapes by fingerprint and build trees only on a miss.
public struct ShellShapeReader {
    public let base: UnsafeRawBufferPointer
    public var i: Int
    public let end: Int
    /// Nesting guard against pathological input.
    static let maxDepth = 200

    public init(_ bytes: UnsafeRawBufferPointer, from: Int = 0, to: Int? = nil) {
        self.base = bytes
        self.i = from
        self.end = to ?? bytes.count
    }

    @inline(__always) func at(_ k: Int) -> UInt8 { k < end ? base[k] : 0 }

    @inline(__always) mutating func skipSpaces() {
        while i < end, base[i] == 0x20 || base[i] == 0x09 { i += 1 }
    }

    // MARK: Tree

    /// Reads one value as a literal-free tree, with its -1/0/1 value when it is such a number.
    public mutating func node(depth: Int = 0) -> (ShapeNode, Int?) {
        skipSpaces()
        guard i < end else { return (.scalar(.unknown), nil) }
        let c = base[i]
        if c == UInt8(ascii: "{") && depth < ShellShapeReader.maxDepth {
            i += 1
            var fields: [ShapeField] = []
            while let key = nextKey() {
                let (v, small) = valueOrMissing(depth: depth)
                fields.append(ShapeField(key: ShellShapeReader.string(base, key), value: v, smallInt: small))
            }
            return (.document(fields), nil)
        }
        if c == UInt8(ascii: "[") && depth < ShellShapeReader.maxDepth {
            i += 1
            var items: [ShapeNode] = []
            var lastScalar: ScalarKind? = nil
            while nextElement() {
                let (v, _) = node(depth: depth + 1)
                if case .scalar(let k) = v {
                    if k == lastScalar { continue }
                    lastScalar = k
                } else {
                    lastScalar = nil
                }
                items.append(v)
            }
            return (.array(items), nil)
        }
        let (k, small) = scalar()
        return (.scalar(k), small)
    }

    private mutating func valueOrMissing(depth: Int) -> (ShapeNode, Int?) {
        if valueIsMissing() { return (.scalar(.unknown), nil) }
        return node(depth: depth + 1)
    }

    // MARK: Fingerprint

    /// Hashes one value's literal-free structure (same grammar as `node`).
    public mutating func fingerprint(into h: inout FNV1a64, depth: Int = 0) {
        skipSpaces()
        guard i < end else { h.add(UInt8(ascii: "?")); return }
        let c = base[i]
        if c == UInt8(ascii: "{") && depth < ShellShapeReader.maxDepth {
            i += 1
            h.add(UInt8(ascii: "{"))
            while let key = nextKey() {
                h.add(UnsafeRawBufferPointer(rebasing: base[key]))
                h.add(0)
                if valueIsMissing() {
                    h.add(UInt8(ascii: "?"))
                } else {
                    fingerprint(into: &h, depth: depth + 1)
                }
            }
            h.add(UInt8(ascii: "}"))
            return
        }
        if c == UInt8(ascii: "[") && depth < ShellShapeReader.maxDepth {
            i += 1
            h.add(UInt8(ascii: "["))
            var lastScalar: ScalarKind? = nil
            while nextElement() {
                skipSpaces()
                let e = at(i)
                if e == UInt8(ascii: "{") || e == UInt8(ascii: "[") {
                    lastScalar = nil
                    fingerprint(into: &h, depth: depth + 1)
                } else {
                    let (k, _) = scalar()
                    if k == lastScalar { continue }
                    lastScalar = k
                    h.add(UInt8(ascii: "s"))
                    h.add(k.code)
                }
            }
            h.add(UInt8(ascii: "]"))
            return
        }
        let (k, small) = scalar()
        h.add(UInt8(ascii: "s"))
        h.add(k.code)
        h.add(UInt8(truncatingIfNeeded: (small ?? 5) + 2))
    }

    /// Skips one value: a flat, quote- and regex-aware bracket count (no tree, no hash), which
    /// ends where `node` and `fingerprint` end on any well-formed value.
    public mutating func skipValue() {
        skipSpaces()
        guard i < end else { return }
        let c = base[i]
        guard c == UInt8(ascii: "{") || c == UInt8(ascii: "[") else {
            _ = scalar()
            return
        }
        var depth = 0
        while i < end {
            let b = base[i]
            if !ShellShapeReader.isSkipSpecial(b) { i += 1; continue }
            switch b {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                i += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                i += 1
                if depth == 0 { return }
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                skipString(quote: b)
            default:
                // `/`: a regex when it starts a value (after `:`, `,` or `[`).
                var k = i - 1
                while k > 0, base[k] == 0x20 { k -= 1 }
                let prev = base[k]
                if prev == UInt8(ascii: ":") || prev == UInt8(ascii: ",") || prev == UInt8(ascii: "[") {
                    _ = scalar()
                } else {
                    i += 1
                }
            }
        }
    }

    /// `{ } [ ] " ' /`: the bytes the flat skipper stops at.
    @inline(__always) static func isSkipSpecial(_ b: UInt8) -> Bool {
        let low: UInt64 = 1 << 0x22 | 1 << 0x27 | 1 << 0x2F
        let high: UInt64 = 1 << (0x5B - 64) | 1 << (0x5D - 64) | 1 << (0x7B - 64) | 1 << (0x7D - 64)
        if b < 64 { return (low >> UInt64(b)) & 1 != 0 }
        if b < 128 { return (high >> UInt64(b - 64)) & 1 != 0 }
        return false
    }

    // MARK: Documents and arrays

    /// In a document (after `{` or a previous value): the next key's byte range (quotes removed),
    /// positioned after its `:`; nil at the closing `}` (consumed) or the end of the range.
    /// Elisions without a colon (`...`, `…`, `<INDEX>`) are skipped.
    public mutating func nextKey() -> Range<Int>? {
        while true {
            skipSpaces()
            guard i < end else { return nil }
            let c = base[i]
            if c == UInt8(ascii: "}") { i += 1; return nil }
            if c == UInt8(ascii: ",") { i += 1; continue }
            if c == UInt8(ascii: "]") || c == UInt8(ascii: ")") { i += 1; return nil }
            var key: Range<Int>
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                let start = i + 1
                var j = start
                while j < end, base[j] != c {
                    if base[j] == UInt8(ascii: "\\") { j += 1 }
                    j += 1
                }
                key = start..<min(j, end)
                i = min(j + 1, end)
            } else {
                let start = i
                while i < end {
                    let b = base[i]
                    if b == UInt8(ascii: ":") || b == UInt8(ascii: ",") || b == UInt8(ascii: "}")
                        || b == UInt8(ascii: "{") || b == UInt8(ascii: "[") || b == UInt8(ascii: "]") { break }
                    i += 1
                }
                var e = i
                while e > start, base[e - 1] == 0x20 || base[e - 1] == 0x09 { e -= 1 }
                key = start..<e
            }
            skipSpaces()
            if i < end, base[i] == UInt8(ascii: ":") {
                i += 1
                return key
            }
            // No colon: an elision or stray token. `{ a }`-style junk: skip a nested value if any.
            if i < end, base[i] == UInt8(ascii: "{") || base[i] == UInt8(ascii: "[") { skipValue() }
            else if i < end, base[i] != UInt8(ascii: "}"), base[i] != UInt8(ascii: ","), base[i] != UInt8(ascii: "]") { i += 1 }
        }
    }

    /// In an array (after `[` or a previous element): true when an element follows (positioned
    /// at it), false at the closing `]` (consumed) or the end of the range.
    public mutating func nextElement() -> Bool {
        while true {
            skipSpaces()
            guard i < end else { return false }
            let c = base[i]
            if c == UInt8(ascii: "]") { i += 1; return false }
            if c == UInt8(ascii: ",") { i += 1; continue }
            if c == UInt8(ascii: "}") || c == UInt8(ascii: ")") { i += 1; return false }
            return true
        }
    }

    /// After `key:`: true when the value is absent (`{ a: , b: 1 }`, `{ a: }`, `{ customer: zone: }`).
    mutating func valueIsMissing() -> Bool {
        skipSpaces()
        guard i < end else { return true }
        let c = base[i]
        if c == UInt8(ascii: ",") || c == UInt8(ascii: "}") || c == UInt8(ascii: "]") { return true }
        guard ShellShapeReader.isWordStart(c) else { return false }
        // A bare word directly followed by `:` is the next key, not this key's value.
        var j = i
        while j < end, ShellShapeReader.isWordByte(base[j]) { j += 1 }
        return j < end && base[j] == UInt8(ascii: ":")
    }

    // MARK: Scalars

    /// Reads a scalar (or anything that is not a document or array) and classifies it.
    public mutating func scalar() -> (ScalarKind, Int?) {
        skipSpaces()
        guard i < end else { return (.unknown, nil) }
        let c = base[i]
        switch c {
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            skipString(quote: c)
            return (.string, nil)
        case UInt8(ascii: "/"):
            i += 1
            while i < end, base[i] != UInt8(ascii: "/") {
                if base[i] == UInt8(ascii: "\\") { i += 1 }
                i += 1
            }
            i = min(i + 1, end)
            while i < end, ShellShapeReader.isLetter(base[i]) { i += 1 }
            return (.regex, nil)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            skipValue()
            return (.object, nil)
        default:
            break
        }
        let start = i
        while i < end, ShellShapeReader.isWordByte(base[i]) { i += 1 }
        if i == start {
            // A byte that starts nothing we know (`…`, `<`, `)`): consume it.
            i += 1
            return (.unknown, nil)
        }
        let word = UnsafeRawBufferPointer(rebasing: base[start..<i])
        let num = ShellShapeReader.numberKind(word)
        if num.isNumber { return (.number, num.small) }
        var kind = ShellShapeReader.identifierKind(word)
        if ShellShapeReader.equals(word, "new") {
            skipSpaces()
            let s2 = i
            while i < end, ShellShapeReader.isWordByte(base[i]) { i += 1 }
            kind = ShellShapeReader.identifierKind(UnsafeRawBufferPointer(rebasing: base[s2..<i]))
        }
        if i < end, base[i] == UInt8(ascii: "(") {
            skipParens()
        } else if kind == .timestamp {
            // 2.x `Timestamp 1375698319000|2`.
            skipSpaces()
            while i < end, ShellShapeReader.isDigit(base[i]) || base[i] == UInt8(ascii: "|") { i += 1 }
        }
        return (kind, nil)
    }

    /// Skips a quoted string. An unescaped quote ends it only when what follows can follow a
    /// value (`,` `}` `]` `)` `:` or the end); otherwise it is taken as part of the string. A `”`
    /// followed by `, ` also ends a `"` string (mapreduce.log has `"businessSomething”, map: …`).
    mutating func skipString(quote: UInt8) {
        i += 1
        while i < end {
            let b = base[i]
            if b == UInt8(ascii: "\\") { i += 2; continue }
            // A typographic closing quote `”` (E2 80 9D) typed for `"`, when a separator follows.
            if b == 0xE2, quote == UInt8(ascii: "\""), i + 2 < end, base[i + 1] == 0x80, base[i + 2] == 0x9D {
                var j = i + 3
                while j < end, base[j] == 0x20 { j += 1 }
                if j < end, base[j] == UInt8(ascii: ","), j + 1 < end, base[j + 1] == 0x20 {
                    i += 3
                    return
                }
            }
            if b == quote {
                var j = i + 1
                while j < end, base[j] == 0x20 { j += 1 }
                if j >= end { i += 1; return }
                let n = base[j]
                if n == UInt8(ascii: ",") || n == UInt8(ascii: "}") || n == UInt8(ascii: "]")
                    || n == UInt8(ascii: ")") || n == UInt8(ascii: ":") {
                    i += 1
                    return
                }
            }
            i += 1
        }
        i = end
    }

    /// Skips `( … )`, quote-aware and nested.
    mutating func skipParens() {
        var depth = 0
        while i < end {
            let b = base[i]
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") { skipString(quote: b); continue }
            i += 1
            if b == UInt8(ascii: "(") { depth += 1 }
            else if b == UInt8(ascii: ")") { depth -= 1; if depth == 0 { return } }
        }
    }

    // MARK: Byte classes

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    @inline(__always) static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7a }
    @inline(__always) static func isWordStart(_ b: UInt8) -> Bool {
        isLetter(b) || isDigit(b) || b == UInt8(ascii: "_") || b == UInt8(ascii: "$")
    }
    /// Bytes of bare tokens: identifiers, numbers, dotted keys, anonymised hex.
    @inline(__always) static func isWordByte(_ b: UInt8) -> Bool {
        isLetter(b) || isDigit(b) || b == UInt8(ascii: "_") || b == UInt8(ascii: "$") || b == UInt8(ascii: ".")
            || b == UInt8(ascii: "-") || b == UInt8(ascii: "+") || b >= 0x80
    }

    static func equals(_ w: UnsafeRawBufferPointer, _ s: StaticString) -> Bool {
        guard w.count == s.utf8CodeUnitCount else { return false }
        let p = s.utf8Start
        for k in 0..<w.count where w[k] != p[k] { return false }
        return true
    }

    /// A number token (`12`, `-1.0`, `1e+20`, `inf`, `nan`) and its -1/0/1 value when it has one.
    static func numberKind(_ w: UnsafeRawBufferPointer) -> (isNumber: Bool, small: Int?) {
        var k = 0
        var neg = false
        if k < w.count, w[k] == UInt8(ascii: "-") || w[k] == UInt8(ascii: "+") { neg = w[k] == UInt8(ascii: "-"); k += 1 }
        guard k < w.count else { return (false, nil) }
        if !isDigit(w[k]) {
            let rest = UnsafeRawBufferPointer(rebasing: w[k...])
            let special = equals(rest, "inf") || equals(rest, "nan") || equals(rest, "Infinity") || equals(rest, "NaN")
            return (special, nil)
        }
        var intPart = 0
        var intDigits = 0
        while k < w.count, isDigit(w[k]) {
            if intDigits < 3 { intPart = intPart * 10 + Int(w[k] - 48) }
            intDigits += 1
            k += 1
        }
        var fracZero = true
        if k < w.count, w[k] == UInt8(ascii: ".") {
            k += 1
            while k < w.count, isDigit(w[k]) { if w[k] != 48 { fracZero = false }; k += 1 }
        }
        var hasExp = false
        if k < w.count, w[k] == UInt8(ascii: "e") || w[k] == UInt8(ascii: "E") {
            hasExp = true
            k += 1
            if k < w.count, w[k] == UInt8(ascii: "-") || w[k] == UInt8(ascii: "+") { k += 1 }
            guard k < w.count, isDigit(w[k]) else { return (false, nil) }
            while k < w.count, isDigit(w[k]) { k += 1 }
        }
        guard k == w.count else { return (false, nil) }
        var small: Int? = nil
        if intDigits == 1, fracZero, !hasExp, intPart <= 1 { small = neg ? -intPart : intPart }
        return (true, small)
    }

    static func identifierKind(_ w: UnsafeRawBufferPointer) -> ScalarKind {
        switch w.count {
        case 4:
            if equals(w, "true") { return .bool }
            if equals(w, "null") { return .null }
            if equals(w, "Date") || equals(w, "UUID") { return equals(w, "Date") ? .date : .uuid }
            if equals(w, "Code") { return .javascript }
        case 5:
            if equals(w, "false") { return .bool }
        case 6:
            if equals(w, "MinKey") { return .minKey }
            if equals(w, "MaxKey") { return .maxKey }
        case 7:
            if equals(w, "BinData") || equals(w, "HexData") { return .binData }
            if equals(w, "ISODate") { return .date }
        case 8:
            if equals(w, "ObjectId") { return .objectId }
            if equals(w, "function") { return .javascript }
        case 9:
            if equals(w, "Timestamp") { return .timestamp }
            if equals(w, "undefined") { return .undefined }
            if equals(w, "NumberInt") { return .number }
        case 10:
            if equals(w, "NumberLong") { return .number }
        case 13:
            if equals(w, "NumberDecimal") { return .decimal }
        default:
            break
        }
        return .unknown
    }

    static func string(_ base: UnsafeRawBufferPointer, _ r: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: base[r]), as: UTF8.self)
    }
}

extension ScalarKind {
    /// A one-byte code for fingerprints.
    var code: UInt8 {
        switch self {
        case .number: return 1
        case .string: return 2
        case .bool: return 3
        case .null: return 4
        case .regex: return 5
        case .objectId: return 6
        case .date: return 7
        case .timestamp: return 8
        case .binData: return 9
        case .uuid: return 10
        case .minKey: return 11
        case .maxKey: return 12
        case .decimal: return 13
        case .javascript: return 14
        case .undefined: return 15
        case .object: return 16
        case .unknown: return 17
        }
    }
}
