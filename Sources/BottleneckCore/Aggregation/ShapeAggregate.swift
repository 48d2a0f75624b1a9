/// Everything kept about one (namespace, operation, shape). Its size does not grow with the
/// number of events: sums, extremes, a bounded histogram and small bounded maps.
public final class ShapeAggregate {
    public let namespace: String
    public let operation: String
    public let shape: QueryShape

    public private(set) var count: Int64 = 0
    public private(set) var durationTotal: Int64 = 0
    public private(set) var histogram = LogHistogram()
    /// Plan label → count.
    public private(set) var plans: [String: Int64] = [:]
    public private(set) var yieldsTotal: Int64 = 0
    public private(set) var yieldsMax: Int64 = 0
    public private(set) var keysExamined: Int64 = 0
    public private(set) var docsExamined: Int64 = 0
    public private(set) var nreturned: Int64 = 0
    public private(set) var reslen: Int64 = 0
    public private(set) var lockWaitMicros: Int64 = 0
    /// Legacy 2.x `locks(micros)`: time locks were held.
    public private(set) var lockHeldMicros: Int64 = 0
    public private(set) var storageTimeReadingMicros: Int64 = 0
    public private(set) var hasSortStage: Int64 = 0
    public private(set) var usedDisk: Int64 = 0
    public private(set) var fromMultiPlanner: Int64 = 0
    public private(set) var replanned: Int64 = 0
    public private(set) var truncated: Int64 = 0
    public private(set) var errors: Int64 = 0
    public private(set) var firstSeen: Timestamp?
    public private(set) var lastSeen: Timestamp?
    /// The slowest event: its duration, time and where it was logged.
    public private(set) var slowestMillis: Int64 = -1
    public private(set) var slowestTime: Timestamp?
    public private(set) var slowestSource: SourceLocation?
    /// Server-side plan-cache shape hashes (`planCacheShapeHash`, formerly `queryHash`) seen on
    /// this shape, and 8.0+ `queryShapeHash`es (each bounded).
    public private(set) var queryHashes: Set<String> = []
    public private(set) var queryShapeHashes: Set<String> = []
    public static let maxServerHashes = 16
    /// Bounded mode (Space-Saving): occurrences this shape may have had before it was tracked,
    /// which went to the "other" bucket. The true count is within `count...count + countError`.
    public internal(set) var countError: Int64 = 0
    /// Position in the table's eviction heap; -1 when not in it.
    var heapIndex: Int = -1

    public init(namespace: String, operation: String, shape: QueryShape) {
        self.namespace = namespace
        self.operation = operation
        self.shape = shape
    }

    public func add(_ op: SlowOperation) {
        count += 1
        durationTotal += op.durationMillis
        histogram.record(op.durationMillis)
        plans[op.plan?.label ?? "none", default: 0] += 1
        if let y = op.numYields {
            yieldsTotal += y
            if y > yieldsMax { yieldsMax = y }
        }
        keysExamined += op.keysExamined ?? 0
        docsExamined += op.docsExamined ?? 0
        nreturned += op.nreturned ?? 0
        reslen += op.reslen ?? 0
        lockWaitMicros += op.lockWaitMicros ?? 0
        lockHeldMicros += op.lockHeldMicros ?? 0
        storageTimeReadingMicros += op.storageTimeReadingMicros ?? 0
        if op.hasSortStage == true { hasSortStage += 1 }
        if op.usedDisk == true { usedDisk += 1 }
        if op.fromMultiPlanner == true { fromMultiPlanner += 1 }
        if op.replanned == true { replanned += 1 }
        if op.truncated { truncated += 1 }
        if op.errName != nil || op.errCode != nil { errors += 1 }
        if let t = op.timestamp {
            if firstSeen == nil || t < firstSeen! { firstSeen = t }
            if lastSeen == nil || t > lastSeen! { lastSeen = t }
        }
        if op.durationMillis > slowestMillis {
            slowestMillis = op.durationMillis
            slowestTime = op.timestamp
            slowestSource = op.source
        }
        if let h = op.planCacheShapeHash ?? op.queryHash, queryHashes.count < ShapeAggregate.maxServerHashes {
            queryHashes.insert(h)
        }
        if let h = op.queryShapeHash, queryShapeHashes.count < ShapeAggregate.maxServerHashes {
            queryShapeHashes.insert(h)
        }
    }

    /// Folds another aggregate of the same shape into this one (parallel chunks, checkpoints).
    public func merge(_ o: ShapeAggregate) {
        count += o.count
        durationTotal += o.durationTotal
        histogram.merge(o.histogram)
        for (k, v) in o.plans { plans[k, default: 0] += v }
        yieldsTotal += o.yieldsTotal
        yieldsMax = max(yieldsMax, o.yieldsMax)
        keysExamined += o.keysExamined
        docsExamined += o.docsExamined
        nreturned += o.nreturned
        reslen += o.reslen
        lockWaitMicros += o.lockWaitMicros
        lockHeldMicros += o.lockHeldMicros
        storageTimeReadingMicros += o.storageTimeReadingMicros
        hasSortStage += o.hasSortStage
        usedDisk += o.usedDisk
        fromMultiPlanner += o.fromMultiPlanner
        replanned += o.replanned
        truncated += o.truncated
        errors += o.errors
        if let f = o.firstSeen, firstSeen == nil || f < firstSeen! { firstSeen = f }
        if let l = o.lastSeen, lastSeen == nil || l > lastSeen! { lastSeen = l }
        if o.slowestMillis > slowestMillis
            || (o.slowestMillis == slowestMillis && (o.slowestSource.map { s in slowestSource.map { (s.input, s.line) < ($0.input, $0.line) } ?? true } ?? false)) {
            slowestMillis = o.slowestMillis
            slowestTime = o.slowestTime
            slowestSource = o.slowestSource
        }
        for h in o.queryHashes.sorted() where queryHashes.count < ShapeAggregate.maxServerHashes { queryHashes.insert(h) }
        for h in o.queryShapeHashes.sorted() where queryShapeHashes.count < ShapeAggregate.maxServerHashes { queryShapeHashes.insert(h) }
    }

    public var meanMillis: Double { count == 0 ? 0 : Double(durationTotal) / Double(count) }
    public var yieldsMean: Double { count == 0 ? 0 : Double(yieldsTotal) / Double(count) }
    /// docsExamined / nreturned (nreturned 0 counts as 1, so a scan returning nothing still ranks).
    public var examinedRatio: Double { Double(docsExamined) / Double(max(nreturned, 1)) }
}

// Checkpoint hook (tail --state, Store/AggregateCoding.swift): set every field from a checkpoint.
extension ShapeAggregate {
    func restore(_ f: ShapeAggregateFields) {
        count = f.count; durationTotal = f.durationTotal; histogram = f.histogram; plans = f.plans
        yieldsTotal = f.yieldsTotal; yieldsMax = f.yieldsMax; keysExamined = f.keysExamined
        docsExamined = f.docsExamined; nreturned = f.nreturned; reslen = f.reslen
        lockWaitMicros = f.lockWaitMicros; storageTimeReadingMicros = f.storageTimeReadingMicros
        hasSortStage = f.hasSortStage; usedDisk = f.usedDisk; fromMultiPlanner = f.fromMultiPlanner
        replanned = f.replanned; truncated = f.truncated; errors = f.errors
        firstSeen = f.firstSeen; lastSeen = f.lastSeen; slowestMillis = f.slowestMillis
        slowestTime = f.slowestTime; slowestSource = f.slowestSource
        queryHashes = f.queryHashes; queryShapeHashes = f.queryShapeHashes
    }
}
