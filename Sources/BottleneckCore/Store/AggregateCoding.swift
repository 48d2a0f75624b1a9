/// Every field of a `ShapeAggregate`, for checkpoints. Decoding then `restore` rebuilds an
/// aggregate equal to the one encoded (counts, sums, histogram buckets, extremes, maps).
public struct ShapeAggregateFields {
    var count: Int64 = 0
    var durationTotal: Int64 = 0
    var histogram = LogHistogram()
    var plans: [String: Int64] = [:]
    var yieldsTotal: Int64 = 0
    var yieldsMax: Int64 = 0
    var keysExamined: Int64 = 0
    var docsExamined: Int64 = 0
    var nreturned: Int64 = 0
    var reslen: Int64 = 0
    var lockWaitMicros: Int64 = 0
    var storageTimeReadingMicros: Int64 = 0
    var hasSortStage: Int64 = 0
    var usedDisk: Int64 = 0
    var fromMultiPlanner: Int64 = 0
    var replanned: Int64 = 0
    var truncated: Int64 = 0
    var errors: Int64 = 0
    var firstSeen: Timestamp?
    var lastSeen: Timestamp?
    var slowestMillis: Int64 = -1
    var slowestTime: Timestamp?
    var slowestSource: SourceLocation?
    var queryHashes: Set<String> = []
    var queryShapeHashes: Set<String> = []
}

public enum AggregateCoding {
    static let shapeVersion: UInt8 = 1
    static let accountingVersion: UInt8 = 1

    /// A table holding restored aggregates (as they were, not copies).
    public static func table(from aggregates: [ShapeAggregate], operations: Int64, maxShapes: Int? = nil,
                             other: ShapeAggregate? = nil, evictions: Int64 = 0) -> ShapeTable {
        let t = ShapeTable(maxShapes: maxShapes)
        t.restore(aggregates, operations: operations, other: other, evictions: evictions)
        return t
    }

    /// Puts checkpointed aggregates into an empty table (as a restart does).
    public static func restore(into table: ShapeTable, _ aggregates: [ShapeAggregate], operations: Int64,
                               other: ShapeAggregate? = nil, evictions: Int64 = 0) {
        table.restore(aggregates, operations: operations, other: other, evictions: evictions)
    }

    public static func encode(_ a: ShapeAggregate) -> [UInt8] {
        var w = ByteWriter()
        w.u8(shapeVersion)
        w.string(a.namespace)
        w.string(a.operation)
        w.string(a.shape.text)
        w.u64(a.shape.id)
        w.bool(a.shape.isTruncated)
        w.i64(a.count)
        w.i64(a.countError)
        w.i64(a.durationTotal)
        encode(a.histogram, &w)
        w.varint(a.plans.count)
        for (k, v) in a.plans.sorted(by: { $0.key < $1.key }) { w.string(k); w.i64(v) }
        for v in [a.yieldsTotal, a.yieldsMax, a.keysExamined, a.docsExamined, a.nreturned, a.reslen,
                  a.lockWaitMicros, a.storageTimeReadingMicros, a.hasSortStage, a.usedDisk,
                  a.fromMultiPlanner, a.replanned, a.truncated, a.errors] { w.i64(v) }
        w.optionalI64(a.firstSeen?.millis)
        w.optionalI64(a.lastSeen?.millis)
        w.i64(a.slowestMillis)
        w.optionalI64(a.slowestTime?.millis)
        w.bool(a.slowestSource != nil)
        if let s = a.slowestSource { w.i64(Int64(s.input)); w.i64(Int64(s.line)) }
        for set in [a.queryHashes, a.queryShapeHashes] {
            w.varint(set.count)
            for h in set.sorted() { w.string(h) }
        }
        return w.bytes
    }

    public static func decodeShape(_ bytes: [UInt8]) throws(DecodeError) -> ShapeAggregate {
        var r = ByteReader(bytes)
        let version = try r.u8()
        guard version == shapeVersion else { throw DecodeError("unknown shape record version \(version)") }
        let ns = try r.string()
        let op = try r.string()
        let text = try r.string()
        let id = try r.u64()
        let truncated = try r.bool()
        var f = ShapeAggregateFields()
        f.count = try r.i64()
        let countError = try r.i64()
        f.durationTotal = try r.i64()
        f.histogram = try decodeHistogram(&r)
        let nPlans = try r.varint()
        for _ in 0..<nPlans { let k = try r.string(); f.plans[k] = try r.i64() }
        f.yieldsTotal = try r.i64(); f.yieldsMax = try r.i64(); f.keysExamined = try r.i64()
        f.docsExamined = try r.i64(); f.nreturned = try r.i64(); f.reslen = try r.i64()
        f.lockWaitMicros = try r.i64(); f.storageTimeReadingMicros = try r.i64()
        f.hasSortStage = try r.i64(); f.usedDisk = try r.i64(); f.fromMultiPlanner = try r.i64()
        f.replanned = try r.i64(); f.truncated = try r.i64(); f.errors = try r.i64()
        f.firstSeen = try r.optionalI64().map(Timestamp.init(millis:))
        f.lastSeen = try r.optionalI64().map(Timestamp.init(millis:))
        f.slowestMillis = try r.i64()
        f.slowestTime = try r.optionalI64().map(Timestamp.init(millis:))
        if try r.bool() {
            let input = try r.i64(), line = try r.i64()
            f.slowestSource = SourceLocation(input: Int(input), line: Int(line))
        }
        for _ in 0..<(try r.varint()) { f.queryHashes.insert(try r.string()) }
        for _ in 0..<(try r.varint()) { f.queryShapeHashes.insert(try r.string()) }
        guard r.atEnd else { throw DecodeError("trailing bytes in shape record") }
        let a = ShapeAggregate(namespace: ns, operation: op, shape: QueryShape(text: text, id: id, isTruncated: truncated))
        a.restore(f)
        a.countError = countError
        return a
    }

    static func encode(_ h: LogHistogram, _ w: inout ByteWriter) {
        w.varint(h.indices.count)
        for i in h.indices.indices { w.varint(Int(h.indices[i])); w.u64(h.counts[i]) }
        w.i64(h.min)
        w.i64(h.max)
    }

    static func decodeHistogram(_ r: inout ByteReader) throws(DecodeError) -> LogHistogram {
        let n = try r.varint()
        var idx: [UInt16] = []
        var counts: [UInt64] = []
        for _ in 0..<n {
            let b = try r.varint()
            guard b <= Int(UInt16.max), idx.last.map({ Int($0) < b }) ?? true else { throw DecodeError("bad histogram bucket") }
            idx.append(UInt16(b))
            counts.append(try r.u64())
        }
        let mn = try r.i64(), mx = try r.i64()
        return LogHistogram(restoring: idx, counts: counts, min: mn, max: mx)
    }

    public static func encode(_ a: InputAccounting) -> [UInt8] {
        var w = ByteWriter()
        w.u8(accountingVersion)
        w.string(a.path)
        w.string(a.format)
        for v in [a.lines, a.recognized, a.slowOps, a.bytes, a.filteredOut] { w.i64(v) }
        w.bool(a.isGzip)
        w.optionalString(a.error)
        w.varint(a.skipped.count)
        for (k, v) in a.skipped.sorted(by: { $0.key < $1.key }) { w.string(k.rawValue); w.i64(v) }
        return w.bytes
    }

    public static func decodeAccounting(_ bytes: [UInt8]) throws(DecodeError) -> InputAccounting {
        var r = ByteReader(bytes)
        let version = try r.u8()
        guard version == accountingVersion else { throw DecodeError("unknown accounting record version \(version)") }
        var a = InputAccounting(path: try r.string())
        a.format = try r.string()
        a.lines = try r.i64(); a.recognized = try r.i64(); a.slowOps = try r.i64()
        a.bytes = try r.i64(); a.filteredOut = try r.i64()
        a.isGzip = try r.bool()
        a.error = try r.optionalString()
        let n = try r.varint()
        for _ in 0..<n { let k = try r.string(); a.skipped[SkipReason(k)] = try r.i64() }
        guard r.atEnd else { throw DecodeError("trailing bytes in accounting record") }
        return a
    }
}
