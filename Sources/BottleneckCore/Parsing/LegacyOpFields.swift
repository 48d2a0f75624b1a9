#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The fields of one legacy operation line after `<op> <ns>`, read left to right:
/// `appName: "…" command: <name> { … } originatingCommand: { … } planSummary: … counters…
/// locks:{ … } storage:{ … } protocol:op_msg NNNms`, and the 2.x forms `query: { … }`,
/// `update: { … }`, `locks(micros) r:… w:…`, `numYields: N`.
struct LegacyOpFields {
    var appName: Range<Int>?
    var commandName: Range<Int>?
    var command: Range<Int>?
    var originating: Range<Int>?
    var query: Range<Int>?
    var update: Range<Int>?
    var plan: Range<Int>?
    /// A document did not close before the end (corrupted or cut line).
    var broken = false
    /// Set before `read` for write statements (`update`, `delete`): their `command: { q, u }` is a
    /// statement, walked for its shape parts while it is skipped.
    var statementOperation: String?
    /// Shape parts collected while skipping the command document (one walk instead of two);
    /// nil when the command was only skipped.
    var slots: PartSlots?

    var keysExamined: Int64?
    var docsExamined: Int64?
    var nreturned: Int64?
    var nMatched: Int64?
    var nModified: Int64?
    var ninserted: Int64?
    var ndeleted: Int64?
    var numYields: Int64?
    var reslen: Int64?
    var writeConflicts: Int64?
    var lockWaitMicros: Int64?
    var lockHeldMicros: Int64?
    var storageBytesRead: Int64?
    var storageTimeReadingMicros: Int64?
    var hasSortStage: Bool?
    var usedDisk: Bool?
    var fromMultiPlanner: Bool?
    var replanned: Bool?
    var queryHash: Range<Int>?
    var planCacheKey: Range<Int>?
    var protocolName: Range<Int>?
    var errName: Range<Int>?
    var errCode: Int64?
    var okZero = false
    /// A counter did not fit (past Int64, or negative): the line is skipped as `number out of range`.
    var outOfRange = false

    typealias B = UnsafeRawBufferPointer

    /// Reads fields in `[start, limit)`.
    mutating func read(_ b: B, from start: Int, to limit: Int) {
        var p = start
        while p < limit {
            while p < limit, b[p] == 0x20 { p += 1 }
            guard p < limit else { break }
            let ks = p
            while p < limit {
                let c = b[p]
                if c == UInt8(ascii: ":") || c == 0x20 || c == UInt8(ascii: "(") || c == UInt8(ascii: "{") { break }
                p += 1
            }
            let key = B(rebasing: b[ks..<p])
            if p < limit, b[p] == UInt8(ascii: "(") {
                if LegacyOpFields.eq(key, "locks") { p = readLocksMicros(b, p, limit) } else { p = skipToken(b, p, limit) }
                continue
            }
            guard p < limit, b[p] == UInt8(ascii: ":") else {
                if p < limit, b[p] == UInt8(ascii: "{") { p = skipDoc(b, p, limit).end } else { p = skipToken(b, p, limit) }
                continue
            }
            p += 1
            while p < limit, b[p] == 0x20 { p += 1 }
            guard p < limit else { break }
            p = readValue(key: key, b, p, limit)
        }
    }

    /// Reads the value of `key` at `p`; returns the position after it.
    mutating func readValue(key: B, _ b: B, _ p: Int, _ limit: Int) -> Int {
        let c = b[p]
        switch key.count {
        case 2:
            if LegacyOpFields.eq(key, "ok") { okZero = b[p] == UInt8(ascii: "0"); return skipToken(b, p, limit) }
        case 5:
            if LegacyOpFields.eq(key, "query"), c == UInt8(ascii: "{") { let d = skipDoc(b, p, limit); query = p..<d.end; return d.end }
            if LegacyOpFields.eq(key, "locks"), c == UInt8(ascii: "{") {
                let d = skipDoc(b, p, limit)
                lockWaitMicros = LegacyOpFields.sumAfter(b, p, d.end, "timeAcquiringMicros", &outOfRange)
                return d.end
            }
        case 6:
            if LegacyOpFields.eq(key, "update"), c == UInt8(ascii: "{") { let d = skipDoc(b, p, limit); update = p..<d.end; return d.end }
            if LegacyOpFields.eq(key, "reslen") { return LegacyOpFields.count(b, p, limit, &reslen, &outOfRange) }
            if LegacyOpFields.eq(key, "errMsg") { return skipStringOrToken(b, p, limit) }
        case 7:
            if LegacyOpFields.eq(key, "command") { return readCommand(b, p, limit) }
            if LegacyOpFields.eq(key, "appName") {
                let e = skipStringOrToken(b, p, limit)
                appName = c == UInt8(ascii: "\"") ? (p + 1)..<max(p + 1, e - 1) : p..<e
                return e
            }
            if LegacyOpFields.eq(key, "storage"), c == UInt8(ascii: "{") {
                let d = skipDoc(b, p, limit)
                storageBytesRead = LegacyOpFields.numberAfter(b, p, d.end, "bytesRead", &outOfRange)
                storageTimeReadingMicros = LegacyOpFields.numberAfter(b, p, d.end, "timeReadingMicros", &outOfRange)
                return d.end
            }
            if LegacyOpFields.eq(key, "errName") { let e = skipToken(b, p, limit); errName = p..<e; return e }
            if LegacyOpFields.eq(key, "errCode") { return LegacyOpFields.signed(b, p, limit, &errCode, &outOfRange) }
        case 8:
            if LegacyOpFields.eq(key, "nscanned") { return LegacyOpFields.count(b, p, limit, &keysExamined, &outOfRange) }
            if LegacyOpFields.eq(key, "ndeleted") { return LegacyOpFields.count(b, p, limit, &ndeleted, &outOfRange) }
            if LegacyOpFields.eq(key, "nMatched") { return LegacyOpFields.count(b, p, limit, &nMatched, &outOfRange) }
            if LegacyOpFields.eq(key, "nupdated") { return LegacyOpFields.count(b, p, limit, &nModified, &outOfRange) }
            if LegacyOpFields.eq(key, "protocol") { let e = skipToken(b, p, limit); protocolName = p..<e; return e }
            if LegacyOpFields.eq(key, "usedDisk") { return flag(b, p, limit, &usedDisk) }
        case 9:
            if LegacyOpFields.eq(key, "numYields") { return LegacyOpFields.count(b, p, limit, &numYields, &outOfRange) }
            if LegacyOpFields.eq(key, "nreturned") { return LegacyOpFields.count(b, p, limit, &nreturned, &outOfRange) }
            if LegacyOpFields.eq(key, "nModified") { return LegacyOpFields.count(b, p, limit, &nModified, &outOfRange) }
            if LegacyOpFields.eq(key, "ninserted") { return LegacyOpFields.count(b, p, limit, &ninserted, &outOfRange) }
            if LegacyOpFields.eq(key, "queryHash") { let e = skipToken(b, p, limit); queryHash = p..<e; return e }
            if LegacyOpFields.eq(key, "replanned") { return flag(b, p, limit, &replanned) }
        case 11:
            if LegacyOpFields.eq(key, "planSummary") { let e = readPlan(b, p, limit); plan = p..<e; return e }
        case 12:
            if LegacyOpFields.eq(key, "keysExamined") { return LegacyOpFields.count(b, p, limit, &keysExamined, &outOfRange) }
            if LegacyOpFields.eq(key, "docsExamined") { return LegacyOpFields.count(b, p, limit, &docsExamined, &outOfRange) }
            if LegacyOpFields.eq(key, "hasSortStage") { return flag(b, p, limit, &hasSortStage) }
            if LegacyOpFields.eq(key, "planCacheKey") { let e = skipToken(b, p, limit); planCacheKey = p..<e; return e }
            if LegacyOpFields.eq(key, "scanAndOrder") { return flag(b, p, limit, &hasSortStage) }
        case 14:
            if LegacyOpFields.eq(key, "writeConflicts") { return LegacyOpFields.count(b, p, limit, &writeConflicts, &outOfRange) }
        case 15:
            if LegacyOpFields.eq(key, "nscannedObjects") { return LegacyOpFields.count(b, p, limit, &docsExamined, &outOfRange) }
        case 16:
            if LegacyOpFields.eq(key, "fromMultiPlanner") { return flag(b, p, limit, &fromMultiPlanner) }
        case 18:
            if LegacyOpFields.eq(key, "originatingCommand"), c == UInt8(ascii: "{") {
                let d = skipDoc(b, p, limit)
                originating = p..<d.end
                return d.end
            }
        default:
            break
        }
        if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") { return skipDoc(b, p, limit).end }
        if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") { return skipStringOrToken(b, p, limit) }
        return skipToken(b, p, limit)
    }

    /// `command: <name> { … }` (2.6+) or `command: { … }` (2.2/2.4 and WRITE statements).
    mutating func readCommand(_ b: B, _ start: Int, _ limit: Int) -> Int {
        var p = start
        if b[p] != UInt8(ascii: "{") {
            let e = skipToken(b, p, limit)
            commandName = p..<e
            p = e
            while p < limit, b[p] == 0x20 { p += 1 }
            guard p < limit, b[p] == UInt8(ascii: "{") else { return p }
        }
        // 2.6+ names the command before its document: walk it once for its shape parts.
        var operation = statementOperation
        if operation == nil, let n = commandName {
            operation = CommandShape.operation(forCommand: String(decoding: B(rebasing: b[n]), as: UTF8.self))
        }
        if let op = operation, CommandShape.hasShapeFields(operation: op) {
            var s = PartSlots()
            let end = s.collect(b, from: p, to: limit, operation: op, statement: statementOperation != nil)
            if !(end > p && b[end - 1] == UInt8(ascii: "}")) { broken = true }
            slots = s
            command = p..<end
            return end
        }
        let d = skipDoc(b, p, limit)
        command = p..<d.end
        return d.end
    }

    /// `IXSCAN { a: 1 }, IXSCAN { b: 1 }`, `COLLSCAN`, `COUNT { <INDEX> }`.
    mutating func readPlan(_ b: B, _ start: Int, _ limit: Int) -> Int {
        var p = start
        while p < limit {
            while p < limit, b[p] != 0x20, b[p] != UInt8(ascii: ",") { p += 1 }
            var q = p
            while q < limit, b[q] == 0x20 { q += 1 }
            if q < limit, b[q] == UInt8(ascii: "{") {
                p = skipDoc(b, q, limit).end
                q = p
            }
            // `, NEXTSTAGE` continues the summary.
            if q + 2 < limit, b[q] == UInt8(ascii: ","), b[q + 1] == 0x20, b[q + 2] >= 0x41, b[q + 2] <= 0x5A {
                p = q + 2
                continue
            }
            break
        }
        return p
    }

    /// `locks(micros) r:123 w:45` (2.x): time each lock was held; returns the position after.
    mutating func readLocksMicros(_ b: B, _ start: Int, _ limit: Int) -> Int {
        var p = start
        while p < limit, b[p] != 0x20 { p += 1 }
        var sum: Int64 = 0
        var any = false
        while true {
            var q = p
            while q < limit, b[q] == 0x20 { q += 1 }
            guard q + 2 < limit else { break }
            let l = b[q] | 0x20
            guard l == UInt8(ascii: "r") || l == UInt8(ascii: "w"), b[q + 1] == UInt8(ascii: ":"),
                  let (v, e, inRange) = LegacyOpFields.parseNumber(b, q + 2, limit) else { break }
            let (t, o) = sum.addingReportingOverflow(v)
            if !inRange || v < 0 || o { outOfRange = true } else { sum = t }
            any = true
            p = e
        }
        if any { lockHeldMicros = sum }
        return p
    }

    // MARK: Scanning helpers

    /// Skips a document or array; marks the line broken when it does not close.
    mutating func skipDoc(_ b: B, _ p: Int, _ limit: Int) -> (end: Int, closed: Bool) {
        var r = ShellShapeReader(b, from: p, to: limit)
        r.skipValue()
        let end = max(r.i, p + 1)
        let closer: UInt8 = b[p] == UInt8(ascii: "[") ? UInt8(ascii: "]") : UInt8(ascii: "}")
        let closed = end <= limit && b[end - 1] == closer
        if !closed { broken = true }
        return (min(end, limit), closed)
    }

    @inline(__always) func skipToken(_ b: B, _ p: Int, _ limit: Int) -> Int {
        var q = p
        while q < limit, b[q] != 0x20 { q += 1 }
        return q
    }

    /// A top-level quoted value (`appName: "MongoDB Shell"`, `errMsg: "…"`): it ends at a quote
    /// followed by a space or the end of the fields.
    func skipStringOrToken(_ b: B, _ p: Int, _ limit: Int) -> Int {
        let q = b[p]
        guard q == UInt8(ascii: "\"") || q == UInt8(ascii: "'") else { return skipToken(b, p, limit) }
        var k = p + 1
        while k < limit {
            if b[k] == UInt8(ascii: "\\") { k += 2; continue }
            if b[k] == q, k + 1 >= limit || b[k + 1] == 0x20 { return k + 1 }
            k += 1
        }
        return limit
    }

    /// A counter: 0...Int64.max, anything else sets `outOfRange`. Returns the position after it.
    static func count(_ b: B, _ p: Int, _ limit: Int, _ out: inout Int64?, _ outOfRange: inout Bool) -> Int {
        if let (v, e, inRange) = parseNumber(b, p, limit) {
            if inRange && v >= 0 { out = v } else { outOfRange = true }
            return e
        }
        return tokenEnd(b, p, limit)
    }

    /// A signed value (error codes): only past Int64 is out of range.
    static func signed(_ b: B, _ p: Int, _ limit: Int, _ out: inout Int64?, _ outOfRange: inout Bool) -> Int {
        if let (v, e, inRange) = parseNumber(b, p, limit) {
            if inRange { out = v } else { outOfRange = true }
            return e
        }
        return tokenEnd(b, p, limit)
    }

    @inline(__always) static func tokenEnd(_ b: B, _ p: Int, _ limit: Int) -> Int {
        var q = p
        while q < limit, b[q] != 0x20 { q += 1 }
        return q
    }

    func flag(_ b: B, _ p: Int, _ limit: Int, _ out: inout Bool?) -> Int {
        let c = b[p]
        out = c == UInt8(ascii: "1") || c == UInt8(ascii: "t")
        return skipToken(b, p, limit)
    }

    /// A decimal in Int64, or nil (no digits, or past Int64).
    @inline(__always)
    static func parseInt(_ b: B, _ start: Int, _ limit: Int) -> (Int64, Int)? {
        guard let (v, e, inRange) = parseNumber(b, start, limit), inRange else { return nil }
        return (v, e)
    }

    /// An optionally signed decimal (a fraction is dropped); `inRange` is false when it does not
    /// fit Int64 (the value is then 0). Never traps.
    static func parseNumber(_ b: B, _ start: Int, _ limit: Int) -> (Int64, Int, inRange: Bool)? {
        var p = start
        var neg = false
        if p < limit, b[p] == UInt8(ascii: "-") { neg = true; p += 1 }
        var v: Int64 = 0
        let s = p
        // 18 digits always fit; past that, checked.
        while p < limit, b[p] >= 0x30, b[p] <= 0x39, p - s < 18 {
            v = v &* 10 &+ Int64(b[p] - 0x30)
            p += 1
        }
        guard p > s else { return nil }
        var overflow = false
        while p < limit, b[p] >= 0x30, b[p] <= 0x39 {
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(b[p] - 0x30))
            if o1 || o2 { overflow = true }
            v = a
            p += 1
        }
        // `12.0` counters from odd writers: drop the fraction.
        if p < limit, b[p] == UInt8(ascii: ".") {
            p += 1
            while p < limit, b[p] >= 0x30, b[p] <= 0x39 { p += 1 }
        }
        if overflow { return (0, p, false) }
        return (neg ? 0 &- v : v, p, true)
    }

    static func find(_ b: B, _ from: Int, _ to: Int, _ s: StaticString) -> Int? {
        let n = s.utf8CodeUnitCount
        guard n > 0, from >= 0, to - from >= n, let base = b.baseAddress else { return nil }
        let w = s.utf8Start
        var k = from
        let last = to - n
        while k <= last {
            guard let hit = memchr(base + k, Int32(w[0]), last - k + 1) else { return nil }
            k = base.distance(to: UnsafeRawPointer(hit))
            var m = 1
            while m < n, b[k + m] == w[m] { m += 1 }
            if m == n { return k }
            k += 1
        }
        return nil
    }

    /// Sums every number of each `name: { r: N, w: M }` document in `[from, to)`.
    /// A negative number or a total past Int64 sets `outOfRange`.
    static func sumAfter(_ b: B, _ from: Int, _ to: Int, _ name: StaticString, _ outOfRange: inout Bool) -> Int64? {
        var k = from
        var total: Int64 = 0
        var any = false
        while let at = find(b, k, to, name) {
            var p = at + name.utf8CodeUnitCount
            while p < to, b[p] != UInt8(ascii: "{") && b[p] != UInt8(ascii: "}") { p += 1 }
            guard p < to, b[p] == UInt8(ascii: "{") else { k = p; continue }
            p += 1
            while p < to, b[p] != UInt8(ascii: "}") {
                if b[p] >= 0x30, b[p] <= 0x39, b[p - 1] == 0x20 || b[p - 1] == UInt8(ascii: ":"),
                   let (v, e, inRange) = parseNumber(b, p, to) {
                    let (t, o) = total.addingReportingOverflow(v)
                    if !inRange || o { outOfRange = true } else { total = t }
                    any = true
                    p = e
                } else {
                    p += 1
                }
            }
            k = p
        }
        return any ? total : nil
    }

    /// The number after `name: ` in `[from, to)`.
    /// A negative number or one past Int64 sets `outOfRange`.
    static func numberAfter(_ b: B, _ from: Int, _ to: Int, _ name: StaticString, _ outOfRange: inout Bool) -> Int64? {
        guard let at = find(b, from, to, name) else { return nil }
        var p = at + name.utf8CodeUnitCount
        guard p < to, b[p] == UInt8(ascii: ":") else { return nil }
        p += 1
        while p < to, b[p] == 0x20 { p += 1 }
        guard let (v, _, inRange) = parseNumber(b, p, to) else { return nil }
        if !inRange || v < 0 { outOfRange = true; return nil }
        return v
    }

    @inline(__always) static func eq(_ w: B, _ s: StaticString) -> Bool { ShellShapeReader.equals(w, s) }
}
