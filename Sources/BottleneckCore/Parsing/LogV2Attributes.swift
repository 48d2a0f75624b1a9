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
    /// The commands' top-level members, read in the same pass.
    var commandInfo = CommandInfo()
    var originatingInfo = CommandInfo()

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

    /// A duration or counter did not fit (past Int64, or negative): the line is skipped.
    var outOfRange = false

    var hasSortStage: Bool?
    var usedDisk: Bool?
    var fromMultiPlanner: Bool?
    var replanned: Bool?

    /// Reads the object at `at`; returns the index past it, or -1 on a syntax error.
    mutating func read(_ s: JSONScanner, at: Int) -> Int {
        guard at < s.count, s[at] == 0x7B else { return -1 }
        var i = s.skipSpace(at + 1)
        if i < s.count, s[i] == 0x7D { return i + 1 }
        while true {
            guard let k = s.key(i) else { return -1 }
            let end = member(s, k.start, k.end, k.value)
            if end < 0 { return -1 }
            let (n, closed) = s.next(end, closer: 0x7D)
            if n < 0 { return -1 }
            if closed { return n }
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
        /// A duration or counter: 0...Int64.max, anything else is out of range.
        @inline(__always) func int(_ r: inout Int64?) -> Int {
            if let (n, e, inRange) = s.number(v) {
                if inRange && n >= 0 { r = n } else { outOfRange = true }
                return e
            }
            return s.skipValue(v)
        }
        /// A signed value (error codes): only past Int64 is out of range.
        @inline(__always) func signed(_ r: inout Int64?) -> Int {
            if let (n, e, inRange) = s.number(v) {
                if inRange { r = n } else { outOfRange = true }
                return e
            }
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
                if s[v] != 0x7B { return s.skipValue(v) }
                var total: Int64 = 0
                let e = LogV2Locks.waitMicros(s, v, &total, &outOfRange)
                lockWaitMicros = total
                return e
            }
        case 6:
            if eq("reslen") { return int(&reslen) }
            if eq("remote") { return str(&remote) }
        case 7:
            if eq("command") { let e = commandInfo.read(s, at: v); command = (v, e); return e }
            if eq("appName") { return str(&appName) }
            if eq("errName") { return str(&errName) }
            if eq("errCode") { return signed(&errCode) }
            if eq("storage") { return LogV2Locks.storage(s, v, &storageBytesRead, &storageTimeReadingMicros, &outOfRange) }
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
            if eq("originatingCommand") { let e = originatingInfo.read(s, at: v); originatingCommand = (v, e); return e }
            if eq("planCacheShapeHash") { return str(&planCacheShapeHash) }
        default:
            break
        }
        return s.skipValue(v)
    }
}

/// `locks` and `storage` sub-documents, each read in one pass that returns the index past it.
enum LogV2Locks {
    /// Adds to `total` every number under any `timeAcquiringMicros` key in the `locks` object at
    /// `at` (`{Global: {acquireCount: {r: 1}, timeAcquiringMicros: {r: 150}}, ...}`).
    /// A value past Int64, a negative one, or a total past Int64 sets `outOfRange`.
    static func waitMicros(_ s: JSONScanner, _ at: Int, _ total: inout Int64, _ outOfRange: inout Bool) -> Int {
        var i = s.skipSpace(at + 1)
        if i < s.count, s[i] == 0x7D { return i + 1 }
        while let k = s.key(i) {
            let e: Int
            if s.equals(k.start, k.end, "timeAcquiringMicros") {
                e = sumNumbers(s, k.value, &total, &outOfRange)
            } else if s[k.value] == 0x7B {
                e = waitMicros(s, k.value, &total, &outOfRange)
            } else {
                e = s.skipValue(k.value)
            }
            if e < 0 { return -1 }
            let (n, closed) = s.next(e, closer: 0x7D)
            if n < 0 { return -1 }
            if closed { return n }
            i = n
        }
        return -1
    }

    /// Adds the numeric values of a flat object `{r: 1, w: 2}` (or a single number) to `total`.
    static func sumNumbers(_ s: JSONScanner, _ at: Int, _ total: inout Int64, _ outOfRange: inout Bool) -> Int {
        @inline(__always) func add(_ n: Int64, _ inRange: Bool) {
            let (t, o) = total.addingReportingOverflow(n)
            if !inRange || n < 0 || o { outOfRange = true } else { total = t }
        }
        if s[at] != 0x7B {
            guard let (n, e, inRange) = s.number(at) else { return s.skipValue(at) }
            add(n, inRange)
            return e
        }
        var i = s.skipSpace(at + 1)
        if i < s.count, s[i] == 0x7D { return i + 1 }
        while let k = s.key(i) {
            let e: Int
            if let (n, end, inRange) = s.number(k.value) { add(n, inRange); e = end } else { e = s.skipValue(k.value) }
            if e < 0 { return -1 }
            let (nx, closed) = s.next(e, closer: 0x7D)
            if nx < 0 { return -1 }
            if closed { return nx }
            i = nx
        }
        return -1
    }

    /// `storage: {data: {bytesRead, timeReadingMicros, ...}}`.
    static func storage(_ s: JSONScanner, _ at: Int, _ bytesRead: inout Int64?, _ timeReading: inout Int64?,
                        _ outOfRange: inout Bool) -> Int {
        @inline(__always) func count(_ at: Int, _ r: inout Int64?) -> Int? {
            guard let (n, x, inRange) = s.number(at) else { return nil }
            if inRange && n >= 0 { r = n } else { outOfRange = true }
            return x
        }
        guard s[at] == 0x7B else { return s.skipValue(at) }
        var i = s.skipSpace(at + 1)
        if i < s.count, s[i] == 0x7D { return i + 1 }
        while let k = s.key(i) {
            var e: Int
            if s.equals(k.start, k.end, "data"), s[k.value] == 0x7B {
                e = -1
                var j = s.skipSpace(k.value + 1)
                if j < s.count, s[j] == 0x7D { e = j + 1 }
                while e < 0, let d = s.key(j) {
                    var de: Int
                    if s.equals(d.start, d.end, "bytesRead"), let x = count(d.value, &bytesRead) { de = x }
                    else if s.equals(d.start, d.end, "timeReadingMicros"), let x = count(d.value, &timeReading) { de = x }
                    else { de = s.skipValue(d.value) }
                    if de < 0 { return -1 }
                    let (nx, closed) = s.next(de, closer: 0x7D)
                    if nx < 0 { return -1 }
                    if closed { e = nx } else { j = nx }
                }
            } else {
                e = s.skipValue(k.value)
            }
            if e < 0 { return -1 }
            let (nx, closed) = s.next(e, closer: 0x7D)
            if nx < 0 { return -1 }
            if closed { return nx }
            i = nx
        }
        return -1
    }
}
