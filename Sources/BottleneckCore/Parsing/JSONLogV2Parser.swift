/// MongoDB 4.4+ structured (logv2) JSON lines.
///
/// A byte-level scanner: a line is claimed when it starts with `{"`; the envelope's top-level keys
/// are walked in any order, and a line whose `id` is not 51803 is counted as recognized as soon as
/// the id is read. Slow-operation lines (`"id":51803`) have their `attr` walked once, keeping only
/// the fields of `SlowOperation`; the command's shape is read from its bytes by
/// `JSONShapeReader`. No Foundation, no String per line: Strings are made only for kept fields.
public final class JSONLogV2Parser: LineParser {
    public static let factory = ParserFactory(name: "logv2", transforms: ParserFactory.mongoDBTransforms) { ctx in JSONLogV2Parser(context: ctx) }
    public let formatName = "logv2"
    public static let slowQueryId: Int64 = 51803
    let context: ParseContext
    let cache = LogV2Cache()

    public init(context: ParseContext) { self.context = context }

    public func parse(_ line: UnsafeRawBufferPointer, lineNumber: Int, emit: (Event) -> Void) -> LineOutcome {
        guard line.count >= 2, line[0] == 0x7B, line[1] == 0x22 else { return .notMine }
        let s = JSONScanner(line)
        let outcome = parse(s, lineNumber: lineNumber, emit: emit)
        // Name the reason when the line is well formed but nested past the limit.
        if outcome == .skipped(.malformedJSON), s.nestsTooDeep() { return .skipped(.nestedTooDeep) }
        return outcome
    }

    private func parse(_ s: JSONScanner, lineNumber: Int, emit: (Event) -> Void) -> LineOutcome {
        // A cut line never ends with '}': reject it without walking it.
        var last = s.count - 1
        while last > 0, s[last] == 0x20 || s[last] == 0x09 { last -= 1 }
        guard s[last] == 0x7D else { return .skipped(.malformedJSON) }

        var env = Envelope()
        var attrs = AttrFields()
        var i = 1
        while true {
            guard let k = s.key(i) else { return .skipped(.malformedJSON) }
            let v = k.value
            var end: Int
            switch k.end - k.start {
            case 1:
                let c = s[k.start]
                if c == 0x74 { // t: {"$date":"…"} skipped without a container walk
                    end = -1
                    if v + 10 < s.count, s[v] == 0x7B, s.equals(v + 1, v + 10, "\"$date\":\"") {
                        let q = s.skipString(v + 9)
                        if q > 0, q < s.count, s[q] == 0x7D { end = q + 1 }
                    }
                    if end < 0 { end = s.skipValue(v) }
                    env.t = (v, end)
                } else if c == 0x73 || c == 0x63 { // s, c
                    end = s.skipValue(v)
                    if end > 0, s[v] == 0x22 {
                        if c == 0x73 { env.s = (v + 1, end - 1) } else { env.c = (v + 1, end - 1) }
                    }
                } else {
                    end = s.skipValue(v)
                }
            case 2 where s[k.start] == 0x69 && s[k.start + 1] == 0x64: // id
                guard let (id, e, inRange) = s.number(v) else { return .skipped(.malformedJSON) }
                if !inRange { return .skipped(.numberOutOfRange) }
                if id != JSONLogV2Parser.slowQueryId {
                    if let kind = ServerLines.logv2Kind(id),
                       let e = ServerLines.logv2Event(s, kind: kind, input: context.input, lineNumber: lineNumber) {
                        emit(.server(e))
                    }
                    return .recognized
                }
                env.isSlow = true
                end = e
            case 3 where s.equals(k.start, k.end, "ctx"):
                end = s.skipValue(v)
                if end > 0, s[v] == 0x22 { env.ctx = (v + 1, end - 1) }
            case 4 where s.equals(k.start, k.end, "attr"):
                if env.isSlow {
                    // The usual order (id before attr): read the fields in this one pass.
                    end = attrs.read(s, at: v)
                    env.attrRead = true
                } else {
                    end = s.skipValue(v)
                }
                env.attr = (v, end)
            case 9 where s.equals(k.start, k.end, "truncated"):
                end = s.skipValue(v)
                env.truncated = true
            default:
                end = s.skipValue(v)
            }
            if end < 0 { return .skipped(.malformedJSON) }
            let (n, closed) = s.next(end, closer: 0x7D)
            if n < 0 { return .skipped(.malformedJSON) }
            if closed {
                if s.skipSpace(n) != s.count { return .skipped(.malformedJSON) }
                break
            }
            i = n
        }
        guard env.isSlow else { return .recognized }
        guard let attr = env.attr else { return .skipped(.malformedJSON) }
        if !env.attrRead, attrs.read(s, at: attr.0) < 0 { return .skipped(.malformedJSON) }
        if attrs.outOfRange { return .skipped(.numberOutOfRange) }
        emit(.slowOperation(makeOperation(s, env, attrs, lineNumber: lineNumber)))
        return .slowOperation
    }

    struct Envelope {
        var t: (Int, Int)?
        var s: (Int, Int)?
        var c: (Int, Int)?
        var ctx: (Int, Int)?
        var attr: (Int, Int)?
        var isSlow = false
        var attrRead = false
        var truncated = false
    }

    func makeOperation(_ s: JSONScanner, _ env: Envelope, _ a: AttrFields, lineNumber: Int) -> SlowOperation {
        let type = a.type.map { s.decode($0.0, $0.1) }
        let statement = type == "update" || type == "remove"
        var ns = a.ns.map { cache.string(s, $0.0, $0.1) } ?? ""
        let cmd = a.commandInfo
        var operation: String
        if statement {
            operation = CommandShape.operation(forStatementType: type!)
        } else if let name = cmd.name {
            operation = CommandShape.operation(forCommand: cache.string(s, name.0, name.1))
        } else {
            operation = type ?? "unknown"
        }
        // db.$cmd → db.<collection named by the command>
        if ns.hasSuffix(".$cmd"), let coll = cmd.collection {
            ns = String(ns.dropLast(4)) + s.decode(coll.0, coll.1)
        }
        let shape: QueryShape
        if env.truncated {
            shape = QueryShape.make(namespace: ns, operation: operation, text: "", truncated: true)
        } else {
            var shapeCmd = cmd
            var shapeOp = operation
            if operation == "getMore", a.originatingCommand != nil {
                shapeCmd = a.originatingInfo
                shapeOp = shapeCmd.name.map { CommandShape.operation(forCommand: cache.string(s, $0.0, $0.1)) } ?? ""
            }
            shape = cache.shape(s, shapeCmd, shapeOperation: shapeOp, statement: statement,
                                namespace: ns, operation: operation)
        }
        var op = SlowOperation(format: formatName, source: SourceLocation(input: context.input, line: lineNumber),
                               namespace: ns, operation: operation, shape: shape,
                               durationMillis: a.durationMillis ?? 0)
        op.host = context.attribution?.host
        op.role = context.attribution?.role
        if let t = env.t { op.timestamp = LogV2Date.parse(s, t.0, t.1) }
        if let r = env.s { op.severity = cache.string(s, r.0, r.1) }
        if let r = env.c { op.component = cache.string(s, r.0, r.1) }
        if let r = env.ctx {
            op.context = s.decode(r.0, r.1)
            if r.1 - r.0 > 4, s.equals(r.0, r.0 + 4, "conn"), let (n, e, overflow) = s.plainNumber(r.0 + 4), e == r.1, !overflow {
                op.connectionId = n
            }
        }
        op.type = type
        op.commandName = statement ? nil : cmd.name.map { cache.string(s, $0.0, $0.1) }
        op.isWriteStatement = statement
        op.truncated = env.truncated
        if let p = a.planSummary { op.plan = cache.plan(s, p.0, p.1) }
        op.keysExamined = a.keysExamined
        op.docsExamined = a.docsExamined
        op.nreturned = a.nreturned
        op.nMatched = a.nMatched
        op.nModified = a.nModified
        op.ninserted = a.ninserted
        op.ndeleted = a.ndeleted
        op.numYields = a.numYields
        op.reslen = a.reslen
        op.writeConflicts = a.writeConflicts
        op.planningTimeMicros = a.planningTimeMicros
        op.cpuNanos = a.cpuNanos
        op.workingMillis = a.workingMillis
        op.lockWaitMicros = a.lockWaitMicros
        op.storageBytesRead = a.storageBytesRead
        op.storageTimeReadingMicros = a.storageTimeReadingMicros
        op.queryHash = a.queryHash.map { cache.string(s, $0.0, $0.1) }
        op.planCacheShapeHash = a.planCacheShapeHash.map { cache.string(s, $0.0, $0.1) }
        op.planCacheKey = a.planCacheKey.map { cache.string(s, $0.0, $0.1) }
        op.queryShapeHash = a.queryShapeHash.map { cache.string(s, $0.0, $0.1) }
        op.queryFramework = a.queryFramework.map { cache.string(s, $0.0, $0.1) }
        op.appName = a.appName.map { cache.string(s, $0.0, $0.1) }
        op.remote = a.remote.map { s.decode($0.0, $0.1) }
        op.protocol = a.protocol.map { cache.string(s, $0.0, $0.1) }
        op.hasSortStage = a.hasSortStage
        op.usedDisk = a.usedDisk
        op.fromMultiPlanner = a.fromMultiPlanner
        op.replanned = a.replanned
        op.errName = a.errName.map { cache.string(s, $0.0, $0.1) }
        op.errCode = a.errCode
        return op
    }
}

/// The top-level keys of a command document that matter: its name (first key), the collection
/// it names, and the value ranges of the keys that shape it.
struct CommandInfo {
    var name: (Int, Int)?
    /// String value of the first key (`{find: "coll"}`), or of `collection` (getMore).
    var collection: (Int, Int)?
    /// (key start, key end, value start, value end) of every top-level member, in order.
    var members: [(Int, Int, Int, Int)] = []

    /// Reads the command at `at`; returns the index past it, or -1.
    mutating func read(_ s: JSONScanner, at: Int) -> Int {
        guard at < s.count, s[at] == 0x7B else { return s.skipValue(at) }
        var i = s.skipSpace(at + 1)
        if i < s.count, s[i] == 0x7D { return i + 1 }
        var first = true
        while let k = s.key(i) {
            let end = s.skipValue(k.value)
            if end < 0 { return -1 }
            if first {
                name = (k.start, k.end)
                if s[k.value] == 0x22 { collection = (k.value + 1, end - 1) }
                first = false
            } else if collection == nil, s.equals(k.start, k.end, "collection"), s[k.value] == 0x22 {
                collection = (k.value + 1, end - 1)
            }
            members.append((k.start, k.end, k.value, end))
            let (n, closed) = s.next(end, closer: 0x7D)
            if n < 0 { return -1 }
            if closed { return n }
            i = n
        }
        return -1
    }
}
