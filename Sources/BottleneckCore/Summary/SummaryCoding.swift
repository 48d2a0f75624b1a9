import Foundation

/// The run summary on disk: partial reports (`analyze --partial`), the input of `bottleneck
/// merge`, and the aggregates of `tail` checkpoints. Layout and versioning: docs/partial-format.md.
///
/// Binary and exact: integers as (zigzag) LEB128, strings as UTF-8 with a length, only non-zero
/// histogram buckets, shape texts included (a newer normalizer can re-key them). OOM events and
/// rule-group state, small and rich, are JSON inside the binary frame. The file ends with an
/// FNV-1a 64 checksum of everything before it, so a damaged or cut file is refused, never
/// half-read.
public enum SummaryCoding {
    /// First bytes of a partial-summary file (PNG-style: a high byte, a name, CR LF).
    public static let magic: [UInt8] = [0x89] + Array("BNSUM".utf8) + [0x0D, 0x0A]
    /// Version of the frame layout. 2 adds the replica-set members and the pending roles (binary:
    /// a partial of a log without state lines holds one per shape) after the pending edges; 1 is
    /// still read (neither).
    public static let formatVersion: UInt8 = 2
    /// Version of one shape record (3 adds the plan-cache keys per hash; 2 adds every
    /// `ShapeCounter`; 1 was the checkpoint record of the first `tail --state` stores; all read).
    static let shapeVersion: UInt8 = 3

    public static func isSummary(_ prefix: some Collection<UInt8>) -> Bool {
        prefix.count >= magic.count && zip(prefix, magic).allSatisfy { $0 == $1 }
    }

    // MARK: - whole summary

    public static func encode(_ s: RunSummary) -> [UInt8] {
        var all: [UInt8] = []
        encode(s) { all.append(contentsOf: $0) }
        return all
    }

    /// Encodes in pieces of about 1 MiB handed to `sink` (a merged fleet summary is never held
    /// whole in memory); the checksum is computed as the pieces go.
    public static func encode(_ s: RunSummary, to sink: ([UInt8]) -> Void) {
        var w = ByteWriter()
        var h = FNV1a64()
        func drain(_ w: inout ByteWriter) {
            for b in w.bytes { h.add(b) }
            w.drain(into: sink)
        }
        for b in magic { w.u8(b) }
        w.u8(formatVersion)
        w.string(s.tool)
        w.varint(s.normalizer)
        w.string(s.layout)
        w.varint(s.shapes.maxShapes.map { $0 + 1 } ?? 0)
        w.varint(s.inputs.count)
        for i in s.inputs { encode(i, &w) }
        w.i64(s.foldedWriteTwins)
        encode(s.shapes, &w) { w in if w.bytes.count >= 1 << 20 { drain(&w) } }
        s.timeline.encode(&w)
        w.blob(json(OOMState(events: s.oom.events, duplicates: s.oom.duplicates)))
        w.bool(s.rules != nil)
        if let r = s.rules { w.blob(json(r.state)) }
        w.blob(json(EdgeState(twins: s.pendingTwins, statements: s.pendingStatements)))
        w.blob(json(s.members))
        w.varint(s.pendingRoles.count)
        for p in s.pendingRoles {
            w.string(p.host)
            w.varint(p.input)
            w.svarint(p.fromMillis)
            w.varint(p.shapes.count)
            for c in p.shapes { w.u64(c.id); w.svarint(c.count) }
        }
        drain(&w)
        w.u64(h.value)
        w.drain(into: sink)
    }

    /// Decodes a summary. `rules`: the rule set whose groups are restored (nil drops them).
    public static func decode(_ bytes: [UInt8], rules: RuleSet? = nil) throws(DecodeError) -> RunSummary {
        guard isSummary(bytes) else { throw DecodeError("not a bottleneck partial summary (no magic bytes)") }
        guard bytes.count >= magic.count + 1 + 8 else { throw DecodeError("partial summary cut short (\(bytes.count) bytes)") }
        var h = FNV1a64()
        bytes.withUnsafeBytes { h.add(UnsafeRawBufferPointer(rebasing: $0[..<(bytes.count - 8)])) }
        var tail = ByteReader(Array(bytes[(bytes.count - 8)...]))
        guard try tail.u64() == h.value else { throw DecodeError("checksum mismatch: the file is damaged or cut short") }
        var r = ByteReader(bytes, limit: bytes.count - 8)
        for _ in magic { _ = try r.u8() }
        let version = try r.u8()
        guard version == formatVersion || version == 1 else {
            throw DecodeError(version > formatVersion
                ? "partial format version \(version) is newer than this build reads (\(formatVersion)); upgrade bottleneck"
                : "partial format version \(version) is not supported")
        }
        let tool = try r.string()
        let normalizer = try r.varint()
        let layout = try r.string()
        let max = try r.varint()
        let s = RunSummary(maxShapes: max == 0 ? nil : max - 1)
        s.tool = tool
        s.normalizer = normalizer
        s.layout = layout
        for _ in 0..<(try r.count()) { s.inputs.append(try decodeAccounting(&r)) }
        s.foldedWriteTwins = try r.i64()
        try decode(into: s.shapes, &r)
        try s.timeline.decode(&r)
        let oom: OOMState = try unjson(try r.blob())
        s.oom.restore(events: oom.events, duplicates: oom.duplicates)
        if try r.bool() {
            let state: RuleRun.State = try unjson(try r.blob())
            if let rules, !rules.isEmpty {
                let run = RuleRun(set: rules)
                run.restore(state)
                s.rules = run
            }
        }
        let edges: EdgeState = try unjson(try r.blob())
        s.pendingTwins = edges.twins
        s.pendingStatements = edges.statements
        if version >= 2 {
            s.members = try unjson(try r.blob())
            for _ in 0..<(try r.count()) {
                let host = try r.string()
                let input = try r.varint()
                let from = try r.svarint()
                let n = try r.count()
                var shapes: [PendingRole.ShapeCount] = []
                shapes.reserveCapacity(n)
                for _ in 0..<n { shapes.append(PendingRole.ShapeCount(id: try r.u64(), count: try r.svarint())) }
                s.pendingRoles.append(PendingRole(host: host, input: input, fromMillis: from, shapes: shapes))
            }
        }
        guard r.atEnd else { throw DecodeError("trailing bytes after the summary") }
        return s
    }

    struct EdgeState: Codable {
        var twins: [PendingTwin]
        var statements: [PendingStatement]
    }

    struct OOMState: Codable {
        var events: [OOMKill]
        var duplicates: Int64
    }

    static func json<T: Encodable>(_ v: T) -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return (try? Array(e.encode(v))) ?? Array("{}".utf8)
    }

    static func unjson<T: Decodable>(_ bytes: [UInt8]) throws(DecodeError) -> T {
        do { return try JSONDecoder().decode(T.self, from: Data(bytes)) } catch {
            throw DecodeError("damaged JSON section: \(error)")
        }
    }

    // MARK: - shape table

    /// `step` runs after each shape record (the streamed encoding drains its buffer there).
    static func encode(_ t: ShapeTable, _ w: inout ByteWriter, step: (inout ByteWriter) -> Void = { _ in }) {
        w.i64(t.operations)
        w.i64(t.evictions)
        w.bool(t.other != nil)
        if let o = t.other { encodeShape(o, &w) }
        let list = t.orderedAggregates
        w.varint(list.count)
        for a in list {
            encodeShape(a, &w)
            step(&w)
        }
    }

    static func decode(into t: ShapeTable, _ r: inout ByteReader) throws(DecodeError) {
        let operations = try r.i64()
        let evictions = try r.i64()
        let other = try r.bool() ? try decodeShape(&r) : nil
        var list: [ShapeAggregate] = []
        for _ in 0..<(try r.count()) { list.append(try decodeShape(&r)) }
        t.restore(list, operations: operations, other: other, evictions: evictions)
    }

    // MARK: - one shape

    public static func encodeShape(_ a: ShapeAggregate) -> [UInt8] {
        var w = ByteWriter()
        encodeShape(a, &w)
        return w.bytes
    }

    public static func decodeShape(_ bytes: [UInt8]) throws(DecodeError) -> ShapeAggregate {
        try whole(bytes, "shape record") { (r: inout ByteReader) throws(DecodeError) in try decodeShape(&r) }
    }

    /// One record that must fill `bytes` exactly.
    static func whole<T>(_ bytes: [UInt8], _ what: String, _ read: (inout ByteReader) throws(DecodeError) -> T) throws(DecodeError) -> T {
        var r = ByteReader(bytes)
        let value = try read(&r)
        guard r.atEnd else { throw DecodeError("trailing bytes in \(what)") }
        return value
    }

    static func encodeShape(_ a: ShapeAggregate, _ w: inout ByteWriter) {
        w.u8(shapeVersion)
        w.string(a.namespace)
        w.string(a.operation)
        w.string(a.shape.text)
        w.u64(a.shape.id)
        w.bool(a.shape.isTruncated)
        w.svarint(a.countError)
        w.varint(ShapeCounter.allCases.count)
        for c in ShapeCounter.allCases { w.svarint(a.counters[c]) }
        w.bool(a.counters.saturated)
        encode(a.histogram, &w)
        w.varint(a.plans.count)
        for (k, v) in a.plans.sorted(by: { $0.key < $1.key }) { w.string(k); w.svarint(v) }
        w.optionalI64(a.firstSeen?.millis)
        w.optionalI64(a.lastSeen?.millis)
        w.svarint(a.slowestMillis)
        w.optionalI64(a.slowestTime?.millis)
        w.bool(a.slowestSource != nil)
        if let s = a.slowestSource { w.varint(s.input); w.varint(s.line) }
        for set in [a.queryHashes, a.queryShapeHashes] {
            w.varint(set.count)
            for h in set.sorted() { w.string(h) }
        }
        w.varint(a.hosts.count)
        for (k, v) in a.hosts.sorted(by: { $0.key < $1.key }) { w.string(k); w.svarint(v) }
        w.varint(a.planCacheKeys.count)
        for p in a.planCacheKeys.sorted() { w.string(p.hash); w.string(p.key) }
    }

    static func decodeShape(_ r: inout ByteReader) throws(DecodeError) -> ShapeAggregate {
        let version = try r.u8()
        if version == 1 { return try decodeShapeV1(&r) }
        guard version == 2 || version == shapeVersion else { throw DecodeError("unknown shape record version \(version)") }
        let ns = try r.string()
        let op = try r.string()
        let text = try r.string()
        let id = try r.u64()
        let truncated = try r.bool()
        let a = ShapeAggregate(namespace: ns, operation: op, shape: QueryShape(text: text, id: id, isTruncated: truncated))
        a.countError = try r.svarint()
        let n = try r.varint()
        // Counters are only ever appended: an older record has fewer (the rest stay 0).
        guard n <= ShapeCounter.allCases.count else {
            throw DecodeError("shape record has \(n) counters, this build knows \(ShapeCounter.allCases.count); upgrade bottleneck")
        }
        for c in ShapeCounter.allCases.prefix(n) { a.counters[c] = try r.svarint() }
        a.counters.saturated = try r.bool()
        a.histogram = try decodeHistogram(&r)
        for _ in 0..<(try r.count()) { let k = try r.string(); a.plans[k] = try r.svarint() }
        a.firstSeen = try r.optionalI64().map(Timestamp.init(millis:))
        a.lastSeen = try r.optionalI64().map(Timestamp.init(millis:))
        a.slowestMillis = try r.svarint()
        a.slowestTime = try r.optionalI64().map(Timestamp.init(millis:))
        if try r.bool() { a.slowestSource = SourceLocation(input: try r.varint(), line: try r.varint()) }
        for _ in 0..<(try r.count()) { a.queryHashes.insert(try r.string()) }
        for _ in 0..<(try r.count()) { a.queryShapeHashes.insert(try r.string()) }
        for _ in 0..<(try r.count()) { let k = try r.string(); a.hosts[k] = try r.svarint() }
        if version >= 3 {
            for _ in 0..<(try r.count()) { a.planCacheKeys.insert(PlanCacheKey(hash: try r.string(), key: try r.string())) }
        }
        return a
    }

    /// The first checkpoint record (tail state schema 1): fixed i64 fields, no lockHeldMicros.
    static func decodeShapeV1(_ r: inout ByteReader) throws(DecodeError) -> ShapeAggregate {
        let ns = try r.string()
        let op = try r.string()
        let text = try r.string()
        let id = try r.u64()
        let truncated = try r.bool()
        let a = ShapeAggregate(namespace: ns, operation: op, shape: QueryShape(text: text, id: id, isTruncated: truncated))
        a.counters[.count] = try r.i64()
        a.countError = try r.i64()
        a.counters[.durationTotal] = try r.i64()
        a.histogram = try decodeHistogram(&r)
        for _ in 0..<(try r.count()) { let k = try r.string(); a.plans[k] = try r.i64() }
        for c in [ShapeCounter.yieldsTotal, .yieldsMax, .keysExamined, .docsExamined, .nreturned, .reslen,
                  .lockWaitMicros, .storageTimeReadingMicros, .hasSortStage, .usedDisk, .fromMultiPlanner,
                  .replanned, .truncated, .errors] {
            a.counters[c] = try r.i64()
        }
        a.firstSeen = try r.optionalI64().map(Timestamp.init(millis:))
        a.lastSeen = try r.optionalI64().map(Timestamp.init(millis:))
        a.slowestMillis = try r.i64()
        a.slowestTime = try r.optionalI64().map(Timestamp.init(millis:))
        if try r.bool() {
            let input = try r.i64(), line = try r.i64()
            a.slowestSource = SourceLocation(input: Int(truncatingIfNeeded: input), line: Int(truncatingIfNeeded: line))
        }
        for _ in 0..<(try r.count()) { a.queryHashes.insert(try r.string()) }
        for _ in 0..<(try r.count()) { a.queryShapeHashes.insert(try r.string()) }
        return a
    }

    static func encode(_ h: LogHistogram, _ w: inout ByteWriter) {
        w.varint(h.indices.count)
        for i in h.indices.indices { w.varint(Int(h.indices[i])); w.u64(h.counts[i]) }
        w.i64(h.min)
        w.i64(h.max)
    }

    static func decodeHistogram(_ r: inout ByteReader) throws(DecodeError) -> LogHistogram {
        let n = try r.count()
        var idx: [UInt16] = []
        var counts: [UInt64] = []
        idx.reserveCapacity(n)
        counts.reserveCapacity(n)
        for _ in 0..<n {
            let b = try r.varint()
            guard b <= Int(UInt16.max), idx.last.map({ Int($0) < b }) ?? true else { throw DecodeError("bad histogram bucket") }
            idx.append(UInt16(b))
            counts.append(try r.u64())
        }
        let mn = try r.i64(), mx = try r.i64()
        return LogHistogram(restoring: idx, counts: counts, min: mn, max: mx)
    }

    // MARK: - accounting

    public static func encode(_ a: InputAccounting) -> [UInt8] {
        var w = ByteWriter()
        encode(a, &w)
        return w.bytes
    }

    public static func decodeAccounting(_ bytes: [UInt8]) throws(DecodeError) -> InputAccounting {
        try whole(bytes, "accounting record") { (r: inout ByteReader) throws(DecodeError) in try decodeAccounting(&r) }
    }

    /// 3 adds the logged host after the host.
    static let accountingVersion: UInt8 = 3

    static func encode(_ a: InputAccounting, _ w: inout ByteWriter) {
        w.u8(accountingVersion)
        w.string(a.path)
        w.optionalString(a.host)
        w.optionalString(a.loggedHost)
        w.string(a.format)
        for v in [a.lines, a.recognized, a.slowOps, a.bytes, a.filteredOut, a.unreadableTimestamps] { w.svarint(v) }
        w.bool(a.isGzip)
        w.optionalString(a.error)
        w.varint(a.skipped.count)
        for (k, v) in a.skipped.sorted(by: { $0.key < $1.key }) { w.string(k.rawValue); w.svarint(v) }
    }

    static func decodeAccounting(_ r: inout ByteReader) throws(DecodeError) -> InputAccounting {
        let version = try r.u8()
        if version == 1 {
            var a = InputAccounting(path: try r.string())
            a.format = try r.string()
            a.lines = try r.i64(); a.recognized = try r.i64(); a.slowOps = try r.i64()
            a.bytes = try r.i64(); a.filteredOut = try r.i64()
            a.isGzip = try r.bool()
            a.error = try r.optionalString()
            for _ in 0..<(try r.count()) { let k = try r.string(); a.skipped[SkipReason(k)] = try r.i64() }
            return a
        }
        guard version == accountingVersion || version == 2 else { throw DecodeError("unknown accounting record version \(version)") }
        var a = InputAccounting(path: try r.string())
        a.host = try r.optionalString()
        if version >= 3 { a.loggedHost = try r.optionalString() }
        a.format = try r.string()
        a.lines = try r.svarint(); a.recognized = try r.svarint(); a.slowOps = try r.svarint()
        a.bytes = try r.svarint(); a.filteredOut = try r.svarint(); a.unreadableTimestamps = try r.svarint()
        a.isGzip = try r.bool()
        a.error = try r.optionalString()
        for _ in 0..<(try r.count()) { let k = try r.string(); a.skipped[SkipReason(k)] = try r.svarint() }
        return a
    }
}

extension SummaryCoding {
    /// Reads and decodes a partial-summary file (plain or gzip).
    public static func read(path: String, rules: RuleSet? = nil) throws -> RunSummary {
        let opened = try InputOpener.open(path: path)
        guard opened.isSummary else { throw DecodeError("not a bottleneck partial summary (a log? analyze it, or write one with analyze --partial)") }
        return try decode(try readAll(opened.source), rules: rules)
    }

    /// Every byte of a source (partial files are read whole: they are small).
    static func readAll(_ source: ByteSource) throws(InputError) -> [UInt8] {
        var bytes: [UInt8] = []
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 1)
        defer { chunk.deallocate() }
        while true {
            let n = try source.read(into: chunk)
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return bytes
    }
}
