/// Slow operations over time, to put OOM kills beside what the database was doing.
///
/// Keeps per-second counts and latency (so the window before a kill is exact to the second)
/// and, per minute, the `keptPerMinute` shapes with the most latency (for the top shapes around a
/// kill). Within a minute at most `trackedPerMinute` shapes are tracked (Space-Saving by latency),
/// so memory grows with the number of distinct seconds and minutes, never with the number of
/// operations or shapes. Logs come mostly in time order: the current second and minute are
/// cached, so an operation costs one small-dictionary lookup.
public final class Timeline {
    struct Tally {
        var count: Int64 = 0
        var totalMillis: Int64 = 0
    }

    struct ShapeTally {
        var id: UInt64
        var count: Int64
        var totalMillis: Int64
        var namespace: String
        var operation: String
        var text: String
    }

    static let trackedPerMinute = 64
    static let keptPerMinute = 64

    private var perSecond: [Int64: Tally] = [:]
    private var perMinuteShape: [Int64: [ShapeTally]] = [:]
    private var lastSecond: Int64 = .min
    private var lastTally = Tally()
    private var curMinute: Int64 = .min
    private var cur: [ShapeTally] = []
    private var curIndex: [UInt64: Int] = [:]
    public private(set) var first: Timestamp?
    public private(set) var last: Timestamp?
    public private(set) var operations: Int64 = 0
    public private(set) var totalMillis: Int64 = 0
    /// Slow operations without a timestamp (not on the timeline).
    public private(set) var untimed: Int64 = 0
    /// Minutes in which more than `trackedPerMinute` shapes competed: their shape lists are
    /// Space-Saving approximations (a run and the merge of its parts may differ there).
    public private(set) var approximateMinutes: Set<Int64> = []

    public init() {}

    public func add(_ op: SlowOperation) {
        guard let t = op.timestamp else { untimed += 1; return }
        let d = op.durationMillis
        operations = operations.addingSaturated(1)
        totalMillis = totalMillis.addingSaturated(d)
        if first == nil || t < first! { first = t }
        if last == nil || last! < t { last = t }
        let s = Timeline.floorDiv(t.millis, 1000)
        if s != lastSecond {
            flushSecond()
            lastSecond = s
            lastTally = perSecond[s] ?? Tally()
        }
        lastTally.count = lastTally.count.addingSaturated(1)
        lastTally.totalMillis = lastTally.totalMillis.addingSaturated(d)
        let m = Timeline.floorDiv(s, 60)
        if m != curMinute {
            flushMinute()
            curMinute = m
            cur = perMinuteShape[m] ?? []
            curIndex.removeAll(keepingCapacity: true)
            for (i, x) in cur.enumerated() { curIndex[x.id] = i }
        }
        let id = op.shape.id
        if let i = curIndex[id] {
            cur[i].count = cur[i].count.addingSaturated(1)
            cur[i].totalMillis = cur[i].totalMillis.addingSaturated(d)
        } else if cur.count < Timeline.trackedPerMinute {
            curIndex[id] = cur.count
            cur.append(ShapeTally(id: id, count: 1, totalMillis: d, namespace: op.namespace, operation: op.operation, text: op.shape.text))
        } else {
            // Space-Saving: the new shape takes the place (and the counts) of the least one.
            approximateMinutes.insert(m)
            var lo = 0
            for i in cur.indices where cur[i].totalMillis < cur[lo].totalMillis { lo = i }
            curIndex[cur[lo].id] = nil
            curIndex[id] = lo
            cur[lo] = ShapeTally(id: id, count: cur[lo].count.addingSaturated(1), totalMillis: cur[lo].totalMillis.addingSaturated(d),
                                 namespace: op.namespace, operation: op.operation, text: op.shape.text)
        }
    }

    private func flushSecond() {
        if lastSecond != .min { perSecond[lastSecond] = lastTally }
    }

    private func flushMinute() {
        guard curMinute != .min, !cur.isEmpty else { return }
        cur.sort { a, b in a.totalMillis != b.totalMillis ? a.totalMillis > b.totalMillis : a.id < b.id }
        if cur.count > Timeline.keptPerMinute { cur.removeLast(cur.count - Timeline.keptPerMinute) }
        perMinuteShape[curMinute] = cur
    }

    /// Writes the cached second and minute back (before reading results).
    private func flush() {
        flushSecond()
        flushMinute()
        curMinute = .min
        lastSecond = .min
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return a % b < 0 ? q - 1 : q // no `a - b + 1`: that overflows near Int64.min
    }

    // MARK: - results

    public struct Minute: Sendable {
        /// Start of the minute, UTC.
        public var start: Timestamp
        public var slowOps: Int64
        public var totalMillis: Int64
        public var kills: [OOMKill]
    }

    /// Minutes that have slow operations or kills, in order (UTC).
    public func minutes(kills: [OOMKill]) -> [Minute] {
        flush()
        var m: [Int64: Minute] = [:]
        for (s, tally) in perSecond {
            let key = Timeline.floorDiv(s, 60)
            m[key, default: Minute(start: Timestamp(millis: key * 60_000), slowOps: 0, totalMillis: 0, kills: [])].slowOps += tally.count
            m[key]!.totalMillis += tally.totalMillis
        }
        for k in kills {
            guard let t = k.timestamp else { continue }
            let key = Timeline.floorDiv(t.millis, 60_000)
            m[key, default: Minute(start: Timestamp(millis: key * 60_000), slowOps: 0, totalMillis: 0, kills: [])].kills.append(k)
        }
        return m.keys.sorted().map { m[$0]! }
    }

    public struct ShapeInWindow: Sendable {
        public var shapeId: UInt64
        public var namespace: String
        public var operation: String
        public var shape: String
        public var count: Int64
        public var totalMillis: Int64
    }

    /// Slow queries in the window before one kill, against the rest of the input.
    public struct KillWindow: Sendable {
        public var kill: OOMKill
        public var windowMillis: Int64
        public var slowOps: Int64
        public var totalMillis: Int64
        /// Slow ops (latency) per minute in the window ÷ per minute over the rest of the input;
        /// nil when the rest has no slow operation (or no duration).
        public var countRatio: Double?
        public var latencyRatio: Double?
        public var restSlowOpsPerMinute: Double
        public var restMillisPerMinute: Double
        /// By latency in the minutes overlapping the window (minute granularity).
        public var topShapes: [ShapeInWindow]
    }

    /// For each kill with a wall-clock time: the slow queries in [t − window, t).
    public func windows(kills: [OOMKill], windowMillis: Int64 = 5 * 60_000, top: Int = 3) -> [KillWindow] {
        kills.compactMap { window(before: $0, windowMillis: windowMillis, top: top) }
    }

    /// The slow queries in [t − window, t) before one kill; nil when the kill has no wall time.
    public func window(before k: OOMKill, windowMillis: Int64 = 5 * 60_000, top: Int = 3) -> KillWindow? {
        flush()
        guard let t = k.timestamp?.millis else { return nil }
        let from = t - windowMillis
        var w = Tally()
        var s = Timeline.floorDiv(from, 1000)
        let end = Timeline.floorDiv(t - 1, 1000)
        while s <= end {
            if let x = perSecond[s] { w.count += x.count; w.totalMillis += x.totalMillis }
            s += 1
        }
        // The rest: the input's span of slow operations minus the part the window covers.
        var restMinutes = 1.0
        if let f = first?.millis, let l = last?.millis {
            let span = max(0, l - f + 1000)
            let overlap = max(0, min(l + 1000, t) - max(f, from))
            restMinutes = max(1.0, Double(span - overlap) / 60_000)
        }
        let restCount = operations - w.count
        let restMillis = totalMillis - w.totalMillis
        let winMinutes = Double(windowMillis) / 60_000
        let restRate = Double(restCount) / restMinutes
        let restLat = Double(restMillis) / restMinutes
        var shapesIn: [UInt64: ShapeTally] = [:]
        var m = Timeline.floorDiv(from, 60_000)
        while m * 60_000 < t {
            for x in perMinuteShape[m] ?? [] {
                if shapesIn[x.id] == nil { shapesIn[x.id] = x } else {
                    shapesIn[x.id]!.count += x.count
                    shapesIn[x.id]!.totalMillis += x.totalMillis
                }
            }
            m += 1
        }
        let topShapes = shapesIn.values.sorted { a, b in
            a.totalMillis != b.totalMillis ? a.totalMillis > b.totalMillis : a.id < b.id
        }.prefix(top).map { x in
            ShapeInWindow(shapeId: x.id, namespace: x.namespace, operation: x.operation, shape: x.text,
                          count: x.count, totalMillis: x.totalMillis)
        }
        return KillWindow(
            kill: k, windowMillis: windowMillis, slowOps: w.count, totalMillis: w.totalMillis,
            countRatio: restRate > 0 ? (Double(w.count) / winMinutes) / restRate : nil,
            latencyRatio: restLat > 0 ? (Double(w.totalMillis) / winMinutes) / restLat : nil,
            restSlowOpsPerMinute: restRate, restMillisPerMinute: restLat, topShapes: Array(topShapes))
    }
}

// Merging and encoding (partial reports, checkpoints). Per-second tallies add exactly; the
// per-minute shape lists add by shape and keep the `keptPerMinute` heaviest, as a single run does
// when a minute has at most that many shapes (beyond it both are approximations of the top).
extension Timeline {
    public func merge(_ o: Timeline) {
        flush()
        o.flush()
        for (s, t) in o.perSecond {
            var m = perSecond[s] ?? Tally()
            m.count = m.count.addingSaturated(t.count)
            m.totalMillis = m.totalMillis.addingSaturated(t.totalMillis)
            perSecond[s] = m
        }
        for (minute, list) in o.perMinuteShape {
            var mine = perMinuteShape[minute] ?? []
            for x in list {
                if let i = mine.firstIndex(where: { $0.id == x.id }) {
                    mine[i].count = mine[i].count.addingSaturated(x.count)
                    mine[i].totalMillis = mine[i].totalMillis.addingSaturated(x.totalMillis)
                } else {
                    mine.append(x)
                }
            }
            if mine.count > Timeline.keptPerMinute { approximateMinutes.insert(minute) }
            perMinuteShape[minute] = Timeline.kept(mine)
        }
        if let f = o.first, first == nil || f < first! { first = f }
        if let l = o.last, last == nil || last! < l { last = l }
        operations = operations.addingSaturated(o.operations)
        totalMillis = totalMillis.addingSaturated(o.totalMillis)
        untimed = untimed.addingSaturated(o.untimed)
        approximateMinutes.formUnion(o.approximateMinutes)
    }

    static func kept(_ list: [ShapeTally]) -> [ShapeTally] {
        var l = list
        l.sort { a, b in a.totalMillis != b.totalMillis ? a.totalMillis > b.totalMillis : a.id < b.id }
        if l.count > keptPerMinute { l.removeLast(l.count - keptPerMinute) }
        return l
    }

    func encode(_ w: inout ByteWriter) {
        flush()
        w.i64(operations); w.i64(totalMillis); w.i64(untimed)
        w.optionalI64(first?.millis); w.optionalI64(last?.millis)
        w.varint(perSecond.count)
        for (s, t) in perSecond.sorted(by: { $0.key < $1.key }) { w.i64(s); w.i64(t.count); w.i64(t.totalMillis) }
        w.varint(perMinuteShape.count)
        for (m, list) in perMinuteShape.sorted(by: { $0.key < $1.key }) {
            w.i64(m)
            w.varint(list.count)
            for x in list {
                w.u64(x.id); w.i64(x.count); w.i64(x.totalMillis)
                w.string(x.namespace); w.string(x.operation); w.string(x.text)
            }
        }
        w.varint(approximateMinutes.count)
        for m in approximateMinutes.sorted() { w.i64(m) }
    }

    func decode(_ r: inout ByteReader) throws(DecodeError) {
        operations = try r.i64(); totalMillis = try r.i64(); untimed = try r.i64()
        first = try r.optionalI64().map(Timestamp.init(millis:))
        last = try r.optionalI64().map(Timestamp.init(millis:))
        perSecond = [:]
        for _ in 0..<(try r.count()) {
            let s = try r.i64()
            perSecond[s] = Tally(count: try r.i64(), totalMillis: try r.i64())
        }
        perMinuteShape = [:]
        for _ in 0..<(try r.count()) {
            let m = try r.i64()
            var list: [ShapeTally] = []
            for _ in 0..<(try r.count()) {
                list.append(ShapeTally(id: try r.u64(), count: try r.i64(), totalMillis: try r.i64(),
                                       namespace: try r.string(), operation: try r.string(), text: try r.string()))
            }
            perMinuteShape[m] = list
        }
        approximateMinutes = []
        for _ in 0..<(try r.count()) { approximateMinutes.insert(try r.i64()) }
        lastSecond = .min
        curMinute = .min
    }

    /// Every field, for equality tests of merged and decoded timelines.
    var comparable: [String] {
        flush()
        var out = ["\(operations) \(totalMillis) \(untimed) \(first?.millis ?? -1) \(last?.millis ?? -1)"]
        for (s, t) in perSecond.sorted(by: { $0.key < $1.key }) { out.append("s\(s) \(t.count) \(t.totalMillis)") }
        out.append("approximate minutes \(approximateMinutes.sorted())")
        for (m, list) in perMinuteShape.sorted(by: { $0.key < $1.key }) where !approximateMinutes.contains(m) {
            out.append("m\(m) " + list.map { "\($0.id):\($0.count):\($0.totalMillis):\($0.namespace):\($0.operation):\($0.text)" }.joined(separator: ","))
        }
        return out
    }
}
