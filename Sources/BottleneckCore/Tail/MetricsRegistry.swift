/// Prometheus series kept by `tail`, with bounded label cardinality: once `maxSeries` label sets
/// exist for a metric family, further ones are folded into one `other` series.
public final class MetricsRegistry {
    /// Histogram bounds in milliseconds (exposed in seconds).
    public static let boundsMillis: [Int64] = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 120000, 300000]
    public static let other = "other"

    public struct OpKey: Hashable, Sendable, Comparable {
        public var namespace: String
        public var operation: String
        public init(namespace: String, operation: String) {
            self.namespace = namespace
            self.operation = operation
        }
        public static func < (a: OpKey, b: OpKey) -> Bool { (a.namespace, a.operation) < (b.namespace, b.operation) }
    }

    public struct OpSeries: Equatable, Sendable {
        public var count: Int64 = 0
        public var sumMillis: Int64 = 0
        /// Non-cumulative: buckets[i] counts values in (bounds[i-1], bounds[i]]; the last is > the largest bound.
        public var buckets = [Int64](repeating: 0, count: MetricsRegistry.boundsMillis.count + 1)
    }

    public let maxSeries: Int
    public private(set) var operations: [OpKey: OpSeries] = [:]
    public private(set) var oomKills: [String: Int64] = [:]
    /// Label sets folded into `other` because of the cap (events, not distinct sets).
    public private(set) var folded: Int64 = 0

    public init(maxSeries: Int) {
        precondition(maxSeries >= 1)
        self.maxSeries = maxSeries
    }

    public func observe(_ op: SlowOperation) {
        var key = OpKey(namespace: op.namespace, operation: op.operation)
        if operations[key] == nil && operations.count >= maxSeries + (operations[Self.otherOp] == nil ? 0 : 1) {
            key = Self.otherOp
            folded += 1
        }
        let ms = max(op.durationMillis, 0)
        var i = 0
        while i < Self.boundsMillis.count && ms > Self.boundsMillis[i] { i += 1 }
        // Saturating: durations come from the log (two lines of 2^63-1 ms must not stop tail).
        operations[key, default: OpSeries()].count &+= 1
        operations[key]!.sumMillis = operations[key]!.sumMillis.addingSaturated(ms)
        operations[key]!.buckets[i] &+= 1
        if let t = op.timestamp?.millis { noteEvent(at: t) }
    }

    /// The latest event time seen (`bottleneck_last_event_timestamp_seconds`).
    public private(set) var lastEventMillis: Int64?

    public func noteEvent(at millis: Int64) {
        guard millis >= 0 else { return }  // a stamp before 1970 is not a live event time
        if lastEventMillis.map({ millis > $0 }) ?? true { lastEventMillis = millis }
    }

    static let otherOp = OpKey(namespace: other, operation: other)

    public func observeOOM(process: String?) {
        var name = process ?? "unknown"
        if oomKills[name] == nil && oomKills.count >= maxSeries + (oomKills[Self.other] == nil ? 0 : 1) {
            name = Self.other
            folded += 1
        }
        oomKills[name, default: 0] &+= 1
    }

    public var slowOperationsTotal: Int64 { operations.values.reduce(0) { $0 + $1.count } }

    // MARK: Exposition

    /// Prometheus text format 0.0.4.
    public func render(inputs: [InputAccounting], extra: [(name: String, help: String, type: String, value: Int64)] = []) -> String {
        var out = ""
        out.reserveCapacity(4096 + operations.count * 1200)
        let keys = operations.keys.sorted()
        out += "# HELP bottleneck_slow_operations_total Slow operations seen, by namespace and operation.\n"
        out += "# TYPE bottleneck_slow_operations_total counter\n"
        for k in keys {
            out += "bottleneck_slow_operations_total{namespace=\"\(Self.escape(k.namespace))\",operation=\"\(Self.escape(k.operation))\"} \(operations[k]!.count)\n"
        }
        out += "# HELP bottleneck_slow_operation_duration_seconds Duration of slow operations, by namespace and operation.\n"
        out += "# TYPE bottleneck_slow_operation_duration_seconds histogram\n"
        for k in keys {
            let s = operations[k]!
            let labels = "namespace=\"\(Self.escape(k.namespace))\",operation=\"\(Self.escape(k.operation))\""
            var cumulative: Int64 = 0
            for (i, b) in Self.boundsMillis.enumerated() {
                cumulative += s.buckets[i]
                out += "bottleneck_slow_operation_duration_seconds_bucket{\(labels),le=\"\(Self.seconds(b))\"} \(cumulative)\n"
            }
            out += "bottleneck_slow_operation_duration_seconds_bucket{\(labels),le=\"+Inf\"} \(s.count)\n"
            out += "bottleneck_slow_operation_duration_seconds_sum{\(labels)} \(Self.seconds(s.sumMillis))\n"
            out += "bottleneck_slow_operation_duration_seconds_count{\(labels)} \(s.count)\n"
        }
        out += "# HELP bottleneck_oom_kills_total Processes killed by the kernel OOM killer, by process name.\n"
        out += "# TYPE bottleneck_oom_kills_total counter\n"
        for (p, n) in oomKills.sorted(by: { $0.key < $1.key }) {
            out += "bottleneck_oom_kills_total{process=\"\(Self.escape(p))\"} \(n)\n"
        }
        out += "# HELP bottleneck_lines_total Lines read, by followed file.\n"
        out += "# TYPE bottleneck_lines_total counter\n"
        for i in inputs {
            out += "bottleneck_lines_total{file=\"\(Self.escape(i.path))\"} \(i.lines)\n"
        }
        out += "# HELP bottleneck_lines_skipped_total Lines skipped, by reason.\n"
        out += "# TYPE bottleneck_lines_skipped_total counter\n"
        var skipped: [SkipReason: Int64] = [:]
        for i in inputs { for (k, v) in i.skipped { skipped[k, default: 0] += v } }
        for (k, v) in skipped.sorted(by: { $0.key < $1.key }) {
            out += "bottleneck_lines_skipped_total{reason=\"\(Self.escape(k.rawValue))\"} \(v)\n"
        }
        out += "# HELP bottleneck_series_folded_total Events counted under an \"other\" series because of the series cap.\n"
        out += "# TYPE bottleneck_series_folded_total counter\n"
        out += "bottleneck_series_folded_total \(folded)\n"
        for e in extra {
            out += "# HELP \(e.name) \(e.help)\n# TYPE \(e.name) \(e.type)\n\(e.name) \(e.value)\n"
        }
        if let t = lastEventMillis {
            out += "# HELP bottleneck_last_event_timestamp_seconds Time of the latest event read (its log timestamp, Unix seconds).\n"
            out += "# TYPE bottleneck_last_event_timestamp_seconds gauge\n"
            out += "bottleneck_last_event_timestamp_seconds \(Self.seconds(t))\n"
        }
        out += "# HELP bottleneck_build_info The bottleneck build serving these metrics (always 1).\n"
        out += "# TYPE bottleneck_build_info gauge\n"
        out += "bottleneck_build_info{version=\"\(RunSummary.toolVersion)\",normalizer=\"\(RunSummary.normalizerVersion)\"} 1\n"
        return out
    }

    /// Milliseconds as a decimal number of seconds, exactly.
    public static func seconds(_ ms: Int64) -> String {
        guard ms >= 0 else { return "-" + seconds(ms == .min ? .max : -ms) }
        let whole = ms / 1000, frac = ms % 1000
        if frac == 0 { return String(whole) }
        var f = String(frac)
        f = String(repeating: "0", count: 3 - f.count) + f
        while f.hasSuffix("0") { f.removeLast() }
        return "\(whole).\(f)"
    }

    /// Label value escaping: backslash, double quote and newline.
    static func escape(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 0x5c || $0 == 0x22 || $0 == 0x0a }) else { return s }
        var out = ""
        for ch in s.unicodeScalars {
            switch ch {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    // MARK: Checkpoints

    static let version: UInt8 = 1

    public func encode() -> [UInt8] {
        var w = ByteWriter()
        w.u8(Self.version)
        w.varint(Self.boundsMillis.count)
        w.varint(operations.count)
        for k in operations.keys.sorted() {
            let s = operations[k]!
            w.string(k.namespace); w.string(k.operation)
            w.i64(s.count); w.i64(s.sumMillis)
            for b in s.buckets { w.i64(b) }
        }
        w.varint(oomKills.count)
        for (p, n) in oomKills.sorted(by: { $0.key < $1.key }) { w.string(p); w.i64(n) }
        w.i64(folded)
        return w.bytes
    }

    public func restore(_ bytes: [UInt8]) throws(DecodeError) {
        var r = ByteReader(bytes)
        guard try r.u8() == Self.version else { throw DecodeError("unknown metrics record version") }
        guard try r.varint() == Self.boundsMillis.count else { throw DecodeError("histogram bounds changed") }
        var ops: [OpKey: OpSeries] = [:]
        for _ in 0..<(try r.varint()) {
            let k = OpKey(namespace: try r.string(), operation: try r.string())
            var s = OpSeries()
            s.count = try r.i64(); s.sumMillis = try r.i64()
            for i in s.buckets.indices { s.buckets[i] = try r.i64() }
            ops[k] = s
        }
        var ooms: [String: Int64] = [:]
        for _ in 0..<(try r.varint()) { let p = try r.string(); ooms[p] = try r.i64() }
        let f = try r.i64()
        guard r.atEnd else { throw DecodeError("trailing bytes in metrics record") }
        operations = ops
        oomKills = ooms
        folded = f
    }
}
