#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// MongoDB 2.2–4.2 text logs (mongod and mongos): every header form (ctime with and without
/// milliseconds and year, iso8601-local/utc, severity and component columns, syslog/journald and
/// rsyslog prefixes) and every operation line (`query getmore command insert update remove
/// killcursors`), values in mongo shell syntax.
///
/// A line is a slow operation when its message is `[warning: … over max size …, printing beginning
/// and end ... ]<op> <ns> … <N>ms`. Other lines with a mongod header are recognized; lines ending
/// in `ms` from other subsystems (checkpoints, DNS, oplog fetcher, `applied op`, transactions) are
/// not operations. A line whose prefix cannot be read but whose message is an operation (a talk's
/// slide: `› <TIMESTAMP> .025+0000 [conn1] command …`) is kept with no timestamp.
public final class LegacyTextParser: LineParser {
    public static let factory = ParserFactory(name: "legacy", transforms: ParserFactory.mongoDBTransforms) { ctx in LegacyTextParser(context: ctx) }
    public let formatName = "legacy"
    let context: ParseContext

    /// Year of ctime stamps, fixed at the first one and bumped on a December → January rollover.
    private var ctimeYear: Int?
    private var lastCtimeMonth = 0

    /// Shapes by fingerprint of (namespace, operation, shape parts): trees are built on a miss only.
    private var shapeCache: [UInt64: QueryShape] = [:]
    private var planCache: [UInt64: PlanSummary] = [:]
    private var stringCache: [UInt64: String] = [:]
    private static let cacheLimit = 50_000

    public init(context: ParseContext) { self.context = context }

    enum OpKind: UInt8 { case query, getmore, command, insert, update, remove, killcursors, aggregate }

    struct OpHead {
        var kind: OpKind
        var word: Range<Int>
        var ns: Range<Int>
        var fieldsStart: Int
        /// The space before the duration token.
        var fieldsEnd: Int
        var duration: Int64
        /// False when the `NNNms` token does not fit Int64 (the line is skipped).
        var durationInRange = true
        var truncated: Bool
        /// Start of the part after the server's ` .......... ` cut, for truncated lines.
        var resumeAt: Int?
    }

    public func parse(_ line: UnsafeRawBufferPointer, lineNumber: Int, emit: (Event) -> Void) -> LineOutcome {
        guard let first = line.first, first != UInt8(ascii: "{") else { return .notMine }
        if let h = LegacyHeader.parse(line) {
            // Every ctime line moves the year along (a rollover may fall between two operations).
            if h.timestamp == nil, let c = h.ctime { trackYear(month: c.month) }
            guard let head = LegacyTextParser.opHead(line, h.message) else {
                if ServerLines.mayStartLegacyEvent(line, h.message),
                   let e = ServerLines.legacyEvent(line, message: h.message, input: context.input, lineNumber: lineNumber,
                                                   timestamp: { self.timestamp(h) }) {
                    emit(.server(e))
                }
                return .recognized
            }
            guard let op = event(line, lineNumber: lineNumber, header: h, head: head) else { return .skipped(.numberOutOfRange) }
            emit(.slowOperation(op))
            return .slowOperation
        }
        // Unreadable prefix, readable operation: keep it without a timestamp.
        if let ctx = LegacyTextParser.contextWithoutStamp(line) {
            var h = LegacyHeader()
            h.context = ctx
            h.message = min(ctx.upperBound + 2, line.count)
            guard let head = LegacyTextParser.opHead(line, h.message) else { return .notMine }
            guard let op = event(line, lineNumber: lineNumber, header: h, head: head) else { return .skipped(.numberOutOfRange) }
            emit(.slowOperation(op))
            return .slowOperation
        }
        return .notMine
    }

    // MARK: Operation lines

    static let truncationPrefix: StaticString = "warning: log line attempted ("
    static let truncationEnd: StaticString = "printing beginning and end ... "
    static let cutMarker: StaticString = " .......... "

    /// `<op> <ns> … <N>ms` at `start`, or nil when the message is not an operation.
    static func opHead(_ b: UnsafeRawBufferPointer, _ start: Int) -> OpHead? {
        var p = start
        var truncated = false
        if hasPrefix(b, p, truncationPrefix) {
            guard let at = LegacyOpFields.find(b, p, min(b.count, p + 160), truncationEnd) else { return nil }
            p = at + truncationEnd.utf8CodeUnitCount
            truncated = true
        }
        // Duration: the final `NNNms` token.
        var e = b.count
        while e > p, b[e - 1] == 0x20 { e -= 1 }
        guard e - p > 4, b[e - 1] == UInt8(ascii: "s"), b[e - 2] == UInt8(ascii: "m") else { return nil }
        var d = e - 2
        while d > p, b[d - 1] >= 0x30, b[d - 1] <= 0x39 { d -= 1 }
        guard d < e - 2, d > p, b[d - 1] == 0x20, let (duration, _, inRange) = LegacyOpFields.parseNumber(b, d, e - 2) else { return nil }
        // Operation word.
        let ws = p
        while p < b.count, b[p] >= 0x61, b[p] <= 0x7A { p += 1 }
        guard p < b.count, b[p] == 0x20, let kind = opKind(UnsafeRawBufferPointer(rebasing: b[ws..<p])) else { return nil }
        p += 1
        // 2.x `killcursors  keyUpdates:0 …` has an empty namespace.
        if kind == .killcursors, p < b.count, b[p] == 0x20 {
            return OpHead(kind: kind, word: ws..<(p - 1), ns: p..<p, fieldsStart: p, fieldsEnd: d - 1,
                          duration: duration, durationInRange: inRange, truncated: truncated, resumeAt: nil)
        }
        let ns0 = p
        var dotted = false
        while p < d, b[p] != 0x20 {
            if b[p] == UInt8(ascii: ".") { dotted = true }
            p += 1
        }
        // Database-level commands log the bare database (`command social … dropDatabase`).
        guard p > ns0, dotted || kind == .command else { return nil }
        var head = OpHead(kind: kind, word: ws..<(ws + (ns0 - 1 - ws)), ns: ns0..<p, fieldsStart: p, fieldsEnd: d - 1,
                          duration: duration, durationInRange: inRange, truncated: truncated, resumeAt: nil)
        if truncated, let cut = lastIndex(b, p, d, cutMarker) {
            head.resumeAt = cut + cutMarker.utf8CodeUnitCount
        }
        return head
    }

    static func opKind(_ w: UnsafeRawBufferPointer) -> OpKind? {
        switch w.count {
        case 5: if ShellShapeReader.equals(w, "query") { return .query }
        case 6:
            if ShellShapeReader.equals(w, "update") { return .update }
            if ShellShapeReader.equals(w, "insert") { return .insert }
            if ShellShapeReader.equals(w, "remove") { return .remove }
        case 7:
            if ShellShapeReader.equals(w, "command") { return .command }
            if ShellShapeReader.equals(w, "getmore") { return .getmore }
        case 9: if ShellShapeReader.equals(w, "aggregate") { return .aggregate }
        case 11: if ShellShapeReader.equals(w, "killcursors") { return .killcursors }
        default: break
        }
        return nil
    }

    /// For lines whose stamp cannot be read: a `[context] ` within the first bytes, with nothing
    /// JSON-like before it.
    static func contextWithoutStamp(_ b: UnsafeRawBufferPointer) -> Range<Int>? {
        let limit = min(b.count, 120)
        var p = 0
        while p < limit, b[p] != UInt8(ascii: "[") {
            if b[p] == UInt8(ascii: "{") || b[p] == UInt8(ascii: "\"") { return nil }
            p += 1
        }
        guard p < limit else { return nil }
        var q = p + 1
        while q < limit, b[q] != UInt8(ascii: "]"), b[q] != UInt8(ascii: "[") { q += 1 }
        guard q < limit, b[q] == UInt8(ascii: "]"), q + 1 < b.count, b[q + 1] == 0x20, q > p + 1 else { return nil }
        return (p + 1)..<q
    }

    // MARK: Events

    /// The operation, or nil when its duration or a counter is out of range.
    func event(_ b: UnsafeRawBufferPointer, lineNumber: Int, header h: LegacyHeader, head: OpHead) -> SlowOperation? {
        guard head.durationInRange else { return nil }
        var f = LegacyOpFields()
        if head.kind == .update { f.statementOperation = "update" }
        if head.kind == .remove { f.statementOperation = "delete" }
        if let resume = head.resumeAt {
            // Before the cut: the command's name and first field; after it: the counters.
            f.read(b, from: head.fieldsStart, to: resume)
            let keep = (f.command, f.commandName, f.appName)
            if f.outOfRange { return nil }
            f = LegacyOpFields()
            f.read(b, from: LegacyTextParser.countersStart(b, resume, head.fieldsEnd), to: head.fieldsEnd)
            (f.command, f.commandName, f.appName) = keep
        } else {
            f.read(b, from: head.fieldsStart, to: head.fieldsEnd)
            if f.broken {
                // A document that never closed (corrupted line): take the counters where they start.
                let docStart = [f.command, f.query, f.originating, f.update].compactMap { $0?.lowerBound }.min() ?? head.fieldsStart
                if f.outOfRange { return nil }
                var g = LegacyOpFields()
                g.read(b, from: LegacyTextParser.countersStart(b, docStart, head.fieldsEnd), to: head.fieldsEnd)
                g.command = f.command; g.commandName = f.commandName; g.appName = f.appName
                g.query = f.query; g.update = f.update; g.originating = f.originating
                g.broken = true
                f = g
            }
        }
        if f.outOfRange { return nil }
        let cut = head.truncated || f.broken
        let (ns, operation, commandName, shape) = shapeOf(b, head: head, fields: f, truncated: cut)
        var op = SlowOperation(format: formatName, source: SourceLocation(input: context.input, line: lineNumber),
                               namespace: ns, operation: operation, shape: shape, durationMillis: head.duration)
        op.host = context.attribution?.host
        op.role = context.attribution?.role
        op.timestamp = timestamp(h)
        if let r = h.severity { op.severity = LegacyTextParser.str(b, r) }
        if let r = h.component { op.component = LegacyTextParser.str(b, r) }
        if let r = h.context {
            op.context = LegacyTextParser.str(b, r)
            if r.count > 4, b[r.lowerBound] == UInt8(ascii: "c"), b[r.lowerBound + 1] == UInt8(ascii: "o"),
               b[r.lowerBound + 2] == UInt8(ascii: "n"), b[r.lowerBound + 3] == UInt8(ascii: "n"),
               let (id, e) = LegacyOpFields.parseInt(b, r.lowerBound + 4, r.upperBound), e == r.upperBound {
                op.connectionId = id
            }
        }
        op.type = LegacyTextParser.str(b, head.word)
        op.commandName = commandName
        op.isWriteStatement = head.kind == .update || head.kind == .remove
        if let r = f.plan { op.plan = plan(b, r) }
        op.keysExamined = f.keysExamined
        op.docsExamined = f.docsExamined
        op.nreturned = f.nreturned
        op.nMatched = f.nMatched
        op.nModified = f.nModified
        op.ninserted = f.ninserted
        op.ndeleted = f.ndeleted
        op.numYields = f.numYields
        op.reslen = f.reslen
        op.writeConflicts = f.writeConflicts
        op.lockWaitMicros = f.lockWaitMicros
        op.lockHeldMicros = f.lockHeldMicros
        op.storageBytesRead = f.storageBytesRead
        op.storageTimeReadingMicros = f.storageTimeReadingMicros
        op.hasSortStage = f.hasSortStage
        op.usedDisk = f.usedDisk
        op.fromMultiPlanner = f.fromMultiPlanner
        op.replanned = f.replanned
        op.queryHash = f.queryHash.map { LegacyTextParser.str(b, $0) }
        op.planCacheKey = f.planCacheKey.map { LegacyTextParser.str(b, $0) }
        op.protocol = f.protocolName.map { LegacyTextParser.str(b, $0) }
        if let r = f.appName { op.appName = cachedString(b, r) }
        op.errName = f.errName.map { LegacyTextParser.str(b, $0) }
        op.errCode = f.errCode
        if f.okZero && op.errName == nil && op.errCode == nil { op.errName = "error" }
        op.truncated = cut
        return op
    }

    /// Known counter keys that start the tail of a line (used to resync after a cut).
    static let counterKeys: [StaticString] = [
        "planSummary: ", "keysExamined:", "docsExamined:", "nscanned:", "nscannedObjects:", "keyUpdates:",
        "writeConflicts:", "numYields:", "nreturned:", "reslen:", "ntoreturn:", "ntoskip:", "cursorid:",
        "cursorExhausted:", "nMatched:", "nModified:", "ninserted:", "ndeleted:", "nupdated:", "keysInserted:",
        "keysDeleted:", "hasSortStage:", "scanAndOrder:", "fromMultiPlanner:", "locks:", "locks(micros)",
        "storage:", "protocol:", "queryHash:", "exhaust:", "upsert:", "fastmod:", "fastmodinsert:", "nmoved:",
        "nShards:", "idhack:",
    ]

    /// The first ` <counter>:` after `from` (or `to` if none).
    static func countersStart(_ b: UnsafeRawBufferPointer, _ from: Int, _ to: Int) -> Int {
        var k = from
        while k < to {
            if b[k] == 0x20 || k == from {
                let s = b[k] == 0x20 ? k + 1 : k
                // Counter keys are lower-case words followed by `:` or `(`.
                guard s < to, b[s] >= 0x61, b[s] <= 0x7A else { k += 1; continue }
                for key in counterKeys where hasPrefix(b, s, key) {
                    let n = key.utf8CodeUnitCount
                    // Counters have no space after the colon (2.2's `numYields: N` aside).
                    if s + n < to, b[s + n] != 0x20 || key.utf8Start[n - 1] == 0x20 || hasPrefix(b, s, "numYields:") { return s }
                }
            }
            k += 1
        }
        return to
    }

    // MARK: Shapes

    /// Normalized namespace, operation, command name as logged, and shape.
    func shapeOf(_ b: UnsafeRawBufferPointer, head: OpHead, fields f: LegacyOpFields, truncated: Bool)
        -> (String, String, String?, QueryShape) {
        var commandName: String? = nil
        var operation: String
        var slots = PartSlots()
        var collection: Range<Int>? = nil
        let limit = head.fieldsEnd
        switch head.kind {
        case .command:
            var nameRange = f.commandName
            if let doc = f.command {
                var r = ShellShapeReader(b, from: doc.lowerBound + 1, to: doc.upperBound)
                if let k = r.nextKey() {
                    if nameRange == nil { nameRange = k }
                    r.skipSpaces()
                    collection = LegacyTextParser.collectionName(b, r.i, r.end)
                }
            }
            let name = nameRange.map { LegacyTextParser.str(b, $0) } ?? "unknown"
            commandName = name
            operation = CommandShape.operation(forCommand: name)
            if operation == "getMore" {
                if let doc = f.command { collection = LegacyTextParser.stringValue(b, doc, key: "collection") ?? collection }
                if !truncated, let orig = f.originating {
                    var r = ShellShapeReader(b, from: orig.lowerBound + 1, to: orig.upperBound)
                    if let k = r.nextKey() {
                        let origOp = CommandShape.operation(forCommand: LegacyTextParser.str(b, k))
                        slots.collect(b, orig, limit: limit, operation: origOp)
                    }
                }
            } else if !truncated, let doc = f.command, CommandShape.hasShapeFields(operation: operation) {
                if let s = f.slots { slots = s } else { slots.collect(b, doc, limit: limit, operation: operation) }
            }
        case .query, .getmore:
            operation = head.kind == .query ? "find" : "getMore"
            if !truncated, let q = f.query { slots.collectLegacyQuery(b, q, limit: limit) }
        case .update, .remove:
            operation = head.kind == .update ? "update" : "delete"
            if !truncated {
                if let s = f.slots {
                    slots = s
                } else if let doc = f.command {
                    slots.collect(b, doc, limit: limit, operation: operation, statement: true)
                } else {
                    if let q = f.query { slots.set(.filter, b, q.lowerBound, limit: limit) }
                    if let u = f.update, head.kind == .update { slots.set(.update, b, u.lowerBound, limit: limit) }
                }
            }
        case .insert: operation = "insert"
        case .killcursors: operation = "killCursors"
        case .aggregate:
            operation = "aggregate"
            if !truncated, let doc = f.command { slots.collect(b, doc, limit: limit, operation: operation) }
        }

        // Namespace: `db.$cmd` resolves to the command's collection.
        var db = head.ns
        var coll: Range<Int>? = nil
        if LegacyTextParser.endsWith(b, head.ns, ".$cmd") || LegacyTextParser.endsWith(b, head.ns, ".\\$cmd"),
           let c = collection, !c.isEmpty {
            var dot = head.ns.lowerBound
            while dot < head.ns.upperBound, b[dot] != UInt8(ascii: ".") { dot += 1 }
            db = head.ns.lowerBound..<dot
            coll = c
        }
        var nh = FNV1a64()
        LegacyTextParser.addUnescaped(&nh, b, db)
        if let coll { nh.add(UInt8(ascii: ".")); LegacyTextParser.addUnescaped(&nh, b, coll) }
        let nsKey = nh.value
        let ns: String
        if let s = stringCache[nsKey] {
            ns = s
        } else {
            var bytes: [UInt8] = []
            for k in db where b[k] != UInt8(ascii: "\\") { bytes.append(b[k]) }
            if let coll { bytes.append(UInt8(ascii: ".")); for k in coll where b[k] != UInt8(ascii: "\\") { bytes.append(b[k]) } }
            ns = String(decoding: bytes, as: UTF8.self)
            if stringCache.count > LegacyTextParser.cacheLimit { stringCache.removeAll(keepingCapacity: true) }
            stringCache[nsKey] = ns
        }

        var h = FNV1a64()
        for s in 0..<8 { h.add(UInt8(truncatingIfNeeded: nsKey >> (8 * UInt64(s)))) }
        h.add(operation)
        h.add(truncated ? 1 : 0)
        slots.addFingerprints(to: &h, b)
        if let shape = shapeCache[h.value] { return (ns, operation, commandName, shape) }
        let text = truncated ? "" : Shaper.text(of: slots.parts(b, limit: limit, operation: operation))
        let shape = QueryShape.make(namespace: ns, operation: operation, text: text, truncated: truncated)
        if shapeCache.count > LegacyTextParser.cacheLimit { shapeCache.removeAll(keepingCapacity: true) }
        shapeCache[h.value] = shape
        return (ns, operation, commandName, shape)
    }

    /// The string value of a top-level `key` of a document.
    static func stringValue(_ b: UnsafeRawBufferPointer, _ doc: Range<Int>, key: StaticString) -> Range<Int>? {
        var r = ShellShapeReader(b, from: doc.lowerBound + 1, to: doc.upperBound)
        while let k = r.nextKey() {
            if ShellShapeReader.equals(UnsafeRawBufferPointer(rebasing: b[k]), key) {
                r.skipSpaces()
                return collectionName(b, r.i, r.end)
            }
            r.skipValue()
        }
        return nil
    }

    /// A quoted collection name at `p`, up to the next quote of the same kind or a typographic `”`
    /// (a collection name holds no quote; this keeps a stray quote from swallowing the command).
    static func collectionName(_ b: UnsafeRawBufferPointer, _ p: Int, _ end: Int) -> Range<Int>? {
        guard p < end, b[p] == UInt8(ascii: "\"") || b[p] == UInt8(ascii: "'") else { return nil }
        let q = b[p]
        var k = p + 1
        while k < end, b[k] != q {
            if b[k] == 0xE2, k + 2 < end, b[k + 1] == 0x80, b[k + 2] == 0x9D { break }  // `”`
            k += 1
        }
        return (p + 1)..<k
    }

    // MARK: Timestamps, plans, strings

    /// Fixes the year at the first ctime stamp and adds one on a December → January step
    /// (any step back of six months or more). Idempotent for repeated months.
    func trackYear(month: Int) {
        if let y = ctimeYear {
            // Capped at 9999: a hostile file of Dec/Jan lines cannot walk the year out of range.
            if month + 6 <= lastCtimeMonth { ctimeYear = min(y + 1, 9999) }
        } else {
            var y = context.defaultYear ?? LegacyTextParser.currentYear()
            // The year came from the file's modification time: no line is later than that.
            if let m = context.yearFromModificationTime, month > m.civil.month { y -= 1 }
            ctimeYear = y
        }
        lastCtimeMonth = month
    }

    func timestamp(_ h: LegacyHeader) -> Timestamp? {
        if let t = h.timestamp { return t }
        guard let c = h.ctime else { return nil }
        trackYear(month: c.month)
        return Timestamp(checkedMillis: Timestamp.fromCivil(year: ctimeYear!, month: c.month, day: c.day, hour: c.hour,
                                                            minute: c.minute, second: c.second, millisecond: c.millisecond).millis)
    }

    static func currentYear() -> Int {
        Timestamp(millis: Int64(time(nil)) * 1000).civil.year
    }

    func plan(_ b: UnsafeRawBufferPointer, _ r: Range<Int>) -> PlanSummary {
        var h = FNV1a64()
        h.add(UnsafeRawBufferPointer(rebasing: b[r]))
        if let p = planCache[h.value] { return p }
        let p = PlanSummary.parse(LegacyTextParser.str(b, r))
        if planCache.count > LegacyTextParser.cacheLimit { planCache.removeAll(keepingCapacity: true) }
        planCache[h.value] = p
        return p
    }

    func cachedString(_ b: UnsafeRawBufferPointer, _ r: Range<Int>) -> String {
        var h = FNV1a64()
        h.add(UnsafeRawBufferPointer(rebasing: b[r]))
        h.add(0xFF)
        if let s = stringCache[h.value] { return s }
        let s = LegacyTextParser.str(b, r)
        stringCache[h.value] = s
        return s
    }

    @inline(__always) static func str(_ b: UnsafeRawBufferPointer, _ r: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: b[r]), as: UTF8.self)
    }

    static func addUnescaped(_ h: inout FNV1a64, _ b: UnsafeRawBufferPointer, _ r: Range<Int>) {
        for k in r where b[k] != UInt8(ascii: "\\") { h.add(b[k]) }
    }

    static func hasPrefix(_ b: UnsafeRawBufferPointer, _ p: Int, _ s: StaticString) -> Bool {
        let n = s.utf8CodeUnitCount
        guard p >= 0, p + n <= b.count else { return false }
        let w = s.utf8Start
        for k in 0..<n where b[p + k] != w[k] { return false }
        return true
    }

    static func endsWith(_ b: UnsafeRawBufferPointer, _ r: Range<Int>, _ s: StaticString) -> Bool {
        let n = s.utf8CodeUnitCount
        guard r.count >= n else { return false }
        return hasPrefix(b, r.upperBound - n, s)
    }

    static func lastIndex(_ b: UnsafeRawBufferPointer, _ from: Int, _ to: Int, _ s: StaticString) -> Int? {
        var found: Int? = nil
        var k = from
        while let at = LegacyOpFields.find(b, k, to, s) {
            found = at
            k = at + 1
        }
        return found
    }
}

/// Lines are parsed on their own except for ctime stamps, whose year is learned from earlier
/// lines: a file is chunk-safe until its first stamp without a year (ISO files always are).
extension LegacyTextParser: ChunkSafeParser {
    public var isChunkSafe: Bool { ctimeYear == nil }
}
