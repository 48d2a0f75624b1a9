/// Line accounting for one input. `lines == recognized + skipped` always holds.
public struct InputAccounting: Sendable {
    public var path: String
    /// Host the input's events are attributed to (`--host`, else the file name); nil for stdin.
    public var host: String?
    /// The `host:port` the input's first startup line gave (the name `host` becomes at the end of
    /// a run; see `RunSummary.relabelHosts`).
    public var loggedHost: String?
    public var format: String = "unknown"
    public var lines: Int64 = 0
    /// Lines recognized by a parser, slow-operation lines included.
    public var recognized: Int64 = 0
    public var slowOps: Int64 = 0
    public var skipped: [SkipReason: Int64] = [:]
    /// Decoded bytes read.
    public var bytes: Int64 = 0
    public var isGzip = false
    /// The input could not be read (fully): what went wrong.
    public var error: String?
    /// Lines whose events were dropped by --since/--until/--ns/--op/--min-ms/--plan.
    public var filteredOut: Int64 = 0
    /// Slow-operation lines kept although their timestamp could not be read (`timestamp == nil`).
    public var unreadableTimestamps: Int64 = 0

    public init(path: String) { self.path = path }

    public var skippedTotal: Int64 { skipped.values.reduce(0) { $0.addingSaturated($1) } }
    public var balanced: Bool { lines == recognized + skippedTotal }

    public mutating func count(_ outcome: LineOutcome) {
        lines += 1
        switch outcome {
        case .slowOperation:
            recognized += 1
            slowOps += 1
        case .recognized:
            recognized += 1
        case .skipped(let reason):
            skipped[reason, default: 0] += 1
        case .notMine:
            skipped[.unrecognized, default: 0] += 1
        }
    }

    /// What was counted since `earlier` (the same input, read further): a window's share.
    public func since(_ earlier: InputAccounting) -> InputAccounting {
        var d = self
        d.lines = lines.subtractingSaturated(earlier.lines)
        d.recognized = recognized.subtractingSaturated(earlier.recognized)
        d.slowOps = slowOps.subtractingSaturated(earlier.slowOps)
        d.bytes = bytes.subtractingSaturated(earlier.bytes)
        d.filteredOut = filteredOut.subtractingSaturated(earlier.filteredOut)
        d.unreadableTimestamps = unreadableTimestamps.subtractingSaturated(earlier.unreadableTimestamps)
        for (k, v) in earlier.skipped {
            let left = (d.skipped[k] ?? 0).subtractingSaturated(v)
            d.skipped[k] = left == 0 ? nil : left
        }
        return d
    }

    public mutating func merge(_ o: InputAccounting) {
        lines += o.lines
        recognized += o.recognized
        slowOps += o.slowOps
        for (k, v) in o.skipped { skipped[k, default: 0] += v }
        bytes += o.bytes
        filteredOut += o.filteredOut
        unreadableTimestamps += o.unreadableTimestamps
        if error == nil { error = o.error }
    }
}
