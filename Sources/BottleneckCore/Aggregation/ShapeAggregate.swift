/// Everything kept about one (namespace, operation, shape). Its size does not grow with the
/// number of events: counters (`ShapeCounter`, declared once), extremes, a bounded histogram and
/// small bounded maps. `merge` is exact: counts and sums add, buckets add, extremes combine.
public final class ShapeAggregate {
    public let namespace: String
    public let operation: String
    public let shape: QueryShape

    /// Every integer counter (see `ShapeCounter`).
    public internal(set) var counters = ShapeCounters()
    public internal(set) var histogram = LogHistogram()
    /// Plan label → count.
    public internal(set) var plans: [String: Int64] = [:]
    public internal(set) var firstSeen: Timestamp?
    public internal(set) var lastSeen: Timestamp?
    /// The slowest event: its duration, time and where it was logged.
    public internal(set) var slowestMillis: Int64 = -1
    public internal(set) var slowestTime: Timestamp?
    public internal(set) var slowestSource: SourceLocation?
    /// Server-side plan-cache shape hashes (`planCacheShapeHash`, formerly `queryHash`) seen on
    /// this shape, and 8.0+ `queryShapeHash`es (each bounded).
    public internal(set) var queryHashes: Set<String> = []
    public internal(set) var queryShapeHashes: Set<String> = []
    /// `planCacheKey`s seen with each plan-cache shape hash (bounded like the hashes): the key
    /// changes, for one hash, when the indexes available to the shape change.
    public internal(set) var planCacheKeys: Set<PlanCacheKey> = []
    public static let maxServerHashes = 16
    /// Operations per host (host names as attributed by the run; see `RunSummary.hosts`).
    public internal(set) var hosts: [String: Int64] = [:]
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

    public var count: Int64 { counters[.count] }
    public var durationTotal: Int64 { counters[.durationTotal] }
    public var yieldsTotal: Int64 { counters[.yieldsTotal] }
    public var yieldsMax: Int64 { counters[.yieldsMax] }
    public var keysExamined: Int64 { counters[.keysExamined] }
    public var docsExamined: Int64 { counters[.docsExamined] }
    public var nreturned: Int64 { counters[.nreturned] }
    public var reslen: Int64 { counters[.reslen] }
    public var lockWaitMicros: Int64 { counters[.lockWaitMicros] }
    public var lockHeldMicros: Int64 { counters[.lockHeldMicros] }
    public var storageTimeReadingMicros: Int64 { counters[.storageTimeReadingMicros] }
    public var hasSortStage: Int64 { counters[.hasSortStage] }
    public var usedDisk: Int64 { counters[.usedDisk] }
    public var fromMultiPlanner: Int64 { counters[.fromMultiPlanner] }
    public var replanned: Int64 { counters[.replanned] }
    public var truncated: Int64 { counters[.truncated] }
    public var errors: Int64 { counters[.errors] }
    /// A sum reached `Int64.max` and is held there (values from the log were out of proportion).
    public var saturated: Bool { counters.saturated }

    public func add(_ op: SlowOperation, host: String? = nil) {
        counters.add(op)
        histogram.record(op.durationMillis)
        ShapeAggregate.bump(&plans, op.plan?.label ?? "none")
        if let t = op.timestamp {
            if firstSeen == nil || t < firstSeen! { firstSeen = t }
            if lastSeen == nil || t > lastSeen! { lastSeen = t }
        }
        if op.durationMillis > slowestMillis
            || (op.durationMillis == slowestMillis && ShapeAggregate.earlier(op.timestamp, op.source, than: slowestTime, slowestSource)) {
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
        if let k = op.planCacheKey, let h = op.planCacheShapeHash ?? op.queryHash, planCacheKeys.count < ShapeAggregate.maxServerHashes {
            planCacheKeys.insert(PlanCacheKey(hash: h, key: k))
        }
        if let host { ShapeAggregate.bump(&hosts, host) }
    }

    /// One more for `key`. Most shapes have one plan and run on one host: that lone entry is
    /// bumped without hashing its name.
    @inline(__always)
    static func bump(_ counts: inout [String: Int64], _ key: String) {
        if counts.count == 1, let i = counts.indices.first, counts[i].key == key {
            counts.values[i] &+= 1
        } else {
            counts[key, default: 0] &+= 1
        }
    }

    /// Folds another aggregate of the same shape into this one (parallel chunks, checkpoints,
    /// partial reports). Exact, associative and commutative except for the bounded hash sets
    /// (which keep the smallest hashes once full).
    public func merge(_ o: ShapeAggregate) {
        counters.merge(o.counters)
        histogram.merge(o.histogram)
        for (k, v) in o.plans { plans[k, default: 0] &+= v }
        for (k, v) in o.hosts { hosts[k, default: 0] &+= v }
        if let f = o.firstSeen, firstSeen == nil || f < firstSeen! { firstSeen = f }
        if let l = o.lastSeen, lastSeen == nil || l > lastSeen! { lastSeen = l }
        if o.slowestMillis > slowestMillis
            || (o.slowestMillis == slowestMillis && ShapeAggregate.earlier(o.slowestTime, o.slowestSource, than: slowestTime, slowestSource)) {
            slowestMillis = o.slowestMillis
            slowestTime = o.slowestTime
            slowestSource = o.slowestSource
        }
        queryHashes = ShapeAggregate.union(queryHashes, o.queryHashes)
        queryShapeHashes = ShapeAggregate.union(queryShapeHashes, o.queryShapeHashes)
        planCacheKeys = ShapeAggregate.union(planCacheKeys, o.planCacheKeys)
    }

    /// Ties of the slowest event go to the earlier one: by time, then input and line.
    static func earlier(_ t: Timestamp?, _ s: SourceLocation?, than t0: Timestamp?, _ s0: SourceLocation?) -> Bool {
        guard let s else { return false }
        guard let s0 else { return true }
        if let t, let t0, t != t0 { return t < t0 }
        return (s.input, s.line) < (s0.input, s0.line)
    }

    /// Union of two bounded hash sets: the smallest `maxServerHashes`, whatever the order of merging.
    static func union<T: Hashable & Comparable>(_ a: Set<T>, _ b: Set<T>) -> Set<T> {
        if b.isSubset(of: a) { return a }
        if a.count >= maxServerHashes, let top = a.max(), b.allSatisfy({ $0 > top || a.contains($0) }) {
            return a  // full, and every new hash sorts after the ones kept
        }
        let u = a.union(b)
        if u.count <= maxServerHashes { return u }
        return Set(u.sorted().prefix(maxServerHashes))
    }

    public var meanMillis: Double { count == 0 ? 0 : Double(durationTotal) / Double(count) }
    public var yieldsMean: Double { count == 0 ? 0 : Double(yieldsTotal) / Double(count) }
    /// docsExamined / nreturned (nreturned 0 counts as 1, so a scan returning nothing still ranks).
    public var examinedRatio: Double { Double(docsExamined) / Double(max(nreturned, 1)) }

    /// Renames hosts in the per-host counts (counts of two names that become one add up).
    func relabelHosts(_ names: [String: String]) {
        guard !hosts.isEmpty, hosts.keys.contains(where: { names[$0] != nil }) else { return }
        var renamed: [String: Int64] = [:]
        for (k, v) in hosts { renamed[names[k] ?? k, default: 0] &+= v }
        hosts = renamed
    }

    /// A copy with the same fields (merging into an empty aggregate).
    func copy() -> ShapeAggregate {
        let c = ShapeAggregate(namespace: namespace, operation: operation, shape: shape)
        c.merge(self)
        c.countError = countError
        return c
    }
}

/// A plan-cache shape hash (`planCacheShapeHash`, formerly `queryHash`) with a `planCacheKey`
/// logged for it.
public struct PlanCacheKey: Hashable, Comparable, Sendable {
    public var hash: String
    public var key: String
    public init(hash: String, key: String) {
        self.hash = hash
        self.key = key
    }
    public static func < (a: PlanCacheKey, b: PlanCacheKey) -> Bool { (a.hash, a.key) < (b.hash, b.key) }
}
