#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `attr` fields of a logv2 slow-query entry, read in one pass as byte ranges and numbers.
/// Ranges of strings exclude the quotes. Unknown keys are skipped.
struct AttrFields {
    typealias Range = (Int, Int)
    var type: Range?
    var ns: Range?
    var appName: Range?
    var remote: Range?
    var `protocol`: Range?
    var planSummary: Range?
    var queryHash: Range?
    var planCacheShapeHash: Range?
    var planCacheKey: Range?
    var queryShapeHash: Range?
    var queryFramework: Range?
    var errName: Range?
    /// Value ranges (braces included).
    var command: Range?
    var originatingCommand: Range?

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
    var durationMillis: Int64?
    var planningTimeMicros: Int64?
    var cpuNanos: Int64?
    var workingMillis: Int64?
    var errCode: Int64?
    var lockWaitMicros: Int64?
    var storageBytesRead: Int64?
    var storageTimeReadingMicros: Int64?

    var hasSortStage: Bool?
    var usedDisk: Bool?
    var fromMultiPlanner: Bool?
    var replanned: Bool?

    /// Reads the object at `at`; false on a syntax error.
    mutating func read(_ s: JSONScanner, at: Int) -> Bool {
        var i = s.skipSpace(at + 1)
        if i < s.count, s[i] == 0x7D { return true }
        while true {
            guard let k = s.key(i) else { return false }
            let end = member(s, k.start, k.end, k.value)
            if end < 0 { return false }
            let (n, closed) = s.next(end, closer: 0x7D)
            if n < 0 { return false }
            if closed { return true }
            i = n
        }
    }

    /// Handles one member; returns the index past its value, or -1.
    private mutating func member(_ s: JSONScanner, _ a: Int, _ b: Int, _ v: Int) -> Int {
        @inline(__always) func str(_ r: inout Range?) -> Int {
            let e = s.skipValue(v)
            if e > 0, s[v] == 0x22 { r = (v + 1, e - 1) }
            return e
        }
        @inline(__always) func int(_ r: inout Int64?) -> Int {
            if let (n, e) = s.integer(v) { r = n; return e }
            return s.skipValue(v)
        }
        @inline(__always) func bool(_ r: inout Bool?) -> Int {
            if let (n, e) = s.boolean(v) { r = n; return e }
            return s.skipValue(v)
        }
        @inline(__always) func eq(_ lit: StaticString) -> Bool { s.equals(a, b, lit) }
        switch b - a {
        case 2:
            if eq("ns") { return str(&ns) }
        case 4:
            if eq("type") { return str(&type) }
        case 5:
            if eq("locks") {
                let e = s.skipValue(v)
                if e > 0 { lockWaitMicros = LogV2Locks.waitMicros(s, v, e) }
                return e
            }
        case 6:
            if eq("reslen") { return int(&reslen) }
            if eq("remote") { return str(&remote) }
        case 7:
            if eq("command") { let e = s.skipValue(v); command = (v, e); return e }
            if eq("appName") { return str(&appName) }
            if eq("errName") { return str(&errName) }
            if eq("errCode") { return int(&errCode) }
            if eq("storage") {
                let e = s.skipValue(v)
                if e > 0 { LogV2Locks.storage(s, v, &storageBytesRead, &storageTimeReadingMicros) }
                return e
            }
        case 8:
            if eq("nMatched") { return int(&nMatched) }
            if eq("ndeleted") { return int(&ndeleted) }
            if eq("protocol") { return str(&`protocol`) }
            if eq("cpuNanos") { return int(&cpuNanos) }
            if eq("usedDisk") { return bool(&usedDisk) }
        case 9:
            if eq("nreturned") { return int(&nreturned) }
            if eq("nModified") { return int(&nModified) }
            if eq("ninserted") { return int(&ninserted) }
            if eq("numYields") { return int(&numYields) }
            if eq("queryHash") { return str(&queryHash) }
            if eq("replanned") { return bool(&replanned) }
        case 11:
            if eq("planSummary") { return str(&planSummary) }
        case 12:
            if eq("keysExamined") { return int(&keysExamined) }
            if eq("docsExamined") { return int(&docsExamined) }
            if eq("planCacheKey") { return str(&planCacheKey) }
            if eq("hasSortStage") { return bool(&hasSortStage) }
        case 13:
            if eq("workingMillis") { return int(&workingMillis) }
        case 14:
            if eq("durationMillis") { return int(&durationMillis) }
            if eq("writeConflicts") { return int(&writeConflicts) }
            if eq("queryShapeHash") { return str(&queryShapeHash) }
            if eq("queryFramework") { return str(&queryFramework) }
        case 16:
            if eq("fromMultiPlanner") { return bool(&fromMultiPlanner) }
        case 18:
            if eq("planningTimeMicros") { return int(&planningTimeMicros) }
            if eq("originatingCommand") { let e = s.skipValue(v); originatingCommand = (v, e); return e }
            if eq("planCacheShapeHash") { return str(&planCacheShapeHash) }
        default:
            break
        }
        return s.skipValue(v)
    }
}

/// `locks` and `storage` sub-documents.
enum LogV2Locks {
    /// Sum of every number under any `timeAcquiringMicros` key in the `locks` value [from, to).
    /// 0 when `locks` has none (the line says nobody waited).
    static func waitMicros(_ s: JSONScanner, _ from: Int, _ to: Int) -> Int64 {
        let needle: StaticString = "timeAcquiringMicros\""
        let n = needle.utf8CodeUnitCount
        var total: Int64 = 0
        var i = from
        while i + n <= to {
            // find the next quote, then compare
            guard let hit = memchrIndex(s, 0x22, i, to) else { break }
            if hit + 1 + n <= to, memcmp(s.base + hit + 1, needle.utf8Start, n) == 0 {
                var j = s.skipSpace(hit + 1 + n)
                guard j < to, s[j] == 0x3A else { i = hit + 1; continue }
                j = s.skipSpace(j + 1)
                let end = s.skipValue(j)
                if end < 0 { break }
                total = total &+ sumNumbers(s, j, end)
                i = end
            } else {
                let e = s.skipString(hit)
                if e < 0 { break }
                i = e
            }
        }
        return total
    }

    /// Sum of the numeric values of a flat object `{r: 1, w: 2}` (or a single number).
    static func sumNumbers(_ s: JSONScanner, _ from: Int, _ to: Int) -> Int64 {
        if s[from] != 0x7B { return s.integer(from)?.value ?? 0 }
        var total: Int64 = 0
        var i = s.skipSpace(from + 1)
        while i < to, let k = s.key(i) {
            let e: Int
            if let (n, end) = s.integer(k.value) { total = total &+ n; e = end } else { e = s.skipValue(k.value) }
            if e < 0 { break }
            let (nx, closed) = s.next(e, closer: 0x7D)
            if nx < 0 || closed { break }
            i = nx
        }
        return total
    }

    /// `storage: {data: {bytesRead, timeReadingMicros, ...}}`.
    static func storage(_ s: JSONScanner, _ at: Int, _ bytesRead: inout Int64?, _ timeReading: inout Int64?) {
        guard s[at] == 0x7B else { return }
        var i = s.skipSpace(at + 1)
        while let k = s.key(i) {
            let e = s.skipValue(k.value)
            if e < 0 { return }
            if s.equals(k.start, k.end, "data"), s[k.value] == 0x7B {
                var j = s.skipSpace(k.value + 1)
                while let d = s.key(j) {
                    var de = -1
                    if s.equals(d.start, d.end, "bytesRead"), let (n, x) = s.integer(d.value) { bytesRead = n; de = x }
                    else if s.equals(d.start, d.end, "timeReadingMicros"), let (n, x) = s.integer(d.value) { timeReading = n; de = x }
                    else { de = s.skipValue(d.value) }
                    if de < 0 { return }
                    let (nx, closed) = s.next(de, closer: 0x7D)
                    if nx < 0 || closed { break }
                    j = nx
                }
            }
            let (nx, closed) = s.next(e, closer: 0x7D)
            if nx < 0 || closed { return }
            i = nx
        }
    }

    @inline(__always)
    static func memchrIndex(_ s: JSONScanner, _ byte: Int32, _ from: Int, _ to: Int) -> Int? {
        guard from < to, let hit = memchr(s.base + from, byte, to - from) else { return nil }
        return s.base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }
}
