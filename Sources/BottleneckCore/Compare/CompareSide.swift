/// One side of a compare: what `compare` needs of a run, from a run summary (a saved run, a
/// partial, logs analyzed on the fly) or from a baseline file (`bottleneck baseline save`).
public struct CompareSide: Sendable {
    public struct Shape: Sendable, Equatable {
        public var id: UInt64
        public var namespace: String
        public var operation: String
        public var text: String
        public var count: Int64
        public var durationTotal: Int64
        public var histogram: LogHistogram
        public var plans: [String: Int64]
        public var keysExamined: Int64
        public var docsExamined: Int64
        public var nreturned: Int64
        public var planCacheShapeHashes: [String]
        /// `planCacheKey`s logged with each plan-cache shape hash.
        public var planCacheKeys: [String: Set<String>] = [:]
        public var idHex: String { QueryShape(text: text, id: id).idHex }
        public var collscans: Int64 { plans.reduce(0) { $0 + ($1.key.hasPrefix("COLLSCAN") ? $1.value : 0) } }
        /// The plan with the most operations (ties: the smaller label).
        public var dominantPlan: (label: String, count: Int64)? {
            plans.max { a, b in a.value != b.value ? a.value < b.value : a.key > b.key }.map { ($0.key, $0.value) }
        }
        /// Documents examined per document returned, and per operation when fewer documents
        /// than operations were returned (writes, counts): a sum ratio that does not grow with
        /// the number of operations when nothing is returned.
        public var examinedRatio: Double { Double(docsExamined) / Double(max(nreturned, count, 1)) }
    }

    /// Kills of one process name, with the cgroups they were in.
    public struct Victim: Sendable, Equatable {
        public var process: String
        public var kills: Int64
        public var cgroups: [String]
    }

    /// What the side is: "run 12 'nightly'", a file name.
    public var name: String
    public var runId: Int64?
    public var tool: String
    public var normalizer: Int
    public var layout: String
    /// First and last slow-operation time (the window rates are taken over).
    public var first: Timestamp?
    public var last: Timestamp?
    public var lines: Int64
    public var operations: Int64
    public var slowMillis: Int64
    public var hosts: [String]
    public var shapes: [UInt64: Shape]
    /// Operations in the bounded table's "(other)" bucket (not compared shape by shape).
    public var otherOperations: Int64
    public var victims: [String: Victim]

    /// Window length in ms (nil when the run had no timed operation or one instant).
    public var windowMillis: Int64? {
        guard let f = first, let l = last, l.millis > f.millis else { return nil }
        return l.millis - f.millis
    }

    public init(summary s: RunSummary, name: String, runId: Int64? = nil) {
        self.name = name
        self.runId = runId
        let settled = s.settled()
        tool = s.tool
        normalizer = s.normalizer
        layout = s.layout
        first = settled.timeline.first
        last = settled.timeline.last
        lines = settled.inputs.reduce(0) { $0.addingSaturated($1.lines) }
        operations = settled.shapes.operations
        hosts = settled.hostNames
        var shapes: [UInt64: Shape] = [:]
        var total: Int64 = 0
        for a in settled.shapes.byId.values {
            total = total.addingSaturated(a.durationTotal)
            shapes[a.shape.id] = Shape(
                id: a.shape.id, namespace: a.namespace, operation: a.operation, text: a.shape.text, count: a.count,
                durationTotal: a.durationTotal, histogram: a.histogram, plans: a.plans, keysExamined: a.keysExamined,
                docsExamined: a.docsExamined, nreturned: a.nreturned, planCacheShapeHashes: a.queryHashes.sorted(),
                planCacheKeys: Dictionary(grouping: a.planCacheKeys, by: \.hash).mapValues { Set($0.map(\.key)) })
        }
        if let o = settled.shapes.other { total = total.addingSaturated(o.durationTotal) }
        self.shapes = shapes
        slowMillis = total
        otherOperations = settled.shapes.other?.count ?? 0
        var victims: [String: Victim] = [:]
        for k in settled.oom.kills {
            let p = k.processName ?? "(unknown)"
            var v = victims[p] ?? Victim(process: p, kills: 0, cgroups: [])
            v.kills += 1
            if let c = k.taskMemcg ?? k.oomMemcg, !v.cgroups.contains(c) { v.cgroups.append(c); v.cgroups.sort() }
            victims[p] = v
        }
        self.victims = victims
    }

    public init(name: String, runId: Int64?, tool: String, normalizer: Int, layout: String, first: Timestamp?, last: Timestamp?,
                lines: Int64, operations: Int64, slowMillis: Int64, hosts: [String], shapes: [UInt64: Shape],
                otherOperations: Int64, victims: [String: Victim]) {
        self.name = name
        self.runId = runId
        self.tool = tool
        self.normalizer = normalizer
        self.layout = layout
        self.first = first
        self.last = last
        self.lines = lines
        self.operations = operations
        self.slowMillis = slowMillis
        self.hosts = hosts
        self.shapes = shapes
        self.otherOperations = otherOperations
        self.victims = victims
    }
}
