/// Slow operations over time, to put OOM kills beside what the database was doing.
///
/// Keeps per-second counts and latency (so the window before a kill is exact to the second)
/// and per-minute per-shape tallies (for the top shapes around a kill). Memory grows with the
/// number of distinct seconds and (minute, shape) pairs, not with the number of operations.
public final class Timeline {
    struct Tally {
        var count: Int64 = 0
        var totalMillis: Int64 = 0
    }

    private var perSecond: [Int64: Tally] = [:]
    private var perMinuteShape: [Int64: [UInt64: Tally]] = [:]
    private var shapes: [UInt64: (namespace: String, operation: String, text: String)] = [:]
    private var lastSecond: Int64 = .min
    private var lastTally = Tally()
    public private(set) var first: Timestamp?
    public private(set) var last: Timestamp?
    public private(set) var operations: Int64 = 0
    public private(set) var totalMillis: Int64 = 0
    /// Slow operations without a timestamp (not on the timeline).
    public private(set) var untimed: Int64 = 0

    public init() {}

    public func add(_ op: SlowOperation) {
        guard let t = op.timestamp else { untimed += 1; return }
        operations += 1
        totalMillis += op.durationMillis
        if first == nil || t < first! { first = t }
        if last == nil || last! < t { last = t }
        let s = Timeline.floorDiv(t.millis, 1000)
        if s != lastSecond {
            flushSecond()
            lastSecond = s
            lastTally = perSecond[s] ?? Tally()
        }
        lastTally.count += 1
        lastTally.totalMillis += op.durationMillis
        let m = Timeline.floorDiv(t.millis, 60_000)
        perMinuteShape[m, default: [:]][op.shape.id, default: Tally()].count += 1
        perMinuteShape[m]![op.shape.id]!.totalMillis += op.durationMillis
        if shapes[op.shape.id] == nil { shapes[op.shape.id] = (op.namespace, op.operation, op.shape.text) }
    }

    private func flushSecond() {
        if lastSecond != .min { perSecond[lastSecond] = lastTally }
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : (a - b + 1) / b }

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
        flushSecond()
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
        flushSecond()
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
        var shapesIn: [UInt64: Tally] = [:]
        var m = Timeline.floorDiv(from, 60_000)
        while m * 60_000 < t {
            for (id, x) in perMinuteShape[m] ?? [:] {
                shapesIn[id, default: Tally()].count += x.count
                shapesIn[id]!.totalMillis += x.totalMillis
            }
            m += 1
        }
        let topShapes = shapesIn.sorted { a, b in
            a.value.totalMillis != b.value.totalMillis ? a.value.totalMillis > b.value.totalMillis : a.key < b.key
        }.prefix(top).map { id, x in
            let info = shapes[id]!
            return ShapeInWindow(shapeId: id, namespace: info.namespace, operation: info.operation, shape: info.text,
                                 count: x.count, totalMillis: x.totalMillis)
        }
        return KillWindow(
            kill: k, windowMillis: windowMillis, slowOps: w.count, totalMillis: w.totalMillis,
            countRatio: restRate > 0 ? (Double(w.count) / winMinutes) / restRate : nil,
            latencyRatio: restLat > 0 ? (Double(w.totalMillis) / winMinutes) / restLat : nil,
            restSlowOpsPerMinute: restRate, restMillisPerMinute: restLat, topShapes: Array(topShapes))
    }
}
