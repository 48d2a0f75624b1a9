/// Everything a run learned, as one mergeable value: line accounting per input, per-shape
/// aggregates with their histogram buckets, plan mix and server hashes, the OOM events (exact),
/// the slow-operation timeline, rule-group state, write twins folded, host attribution and the
/// versions that make two summaries comparable.
///
/// `merge` is exact (counts and sums add, buckets add), associative and commutative up to the
/// order of `inputs`. Sequential and `--jobs` analysis, `tail` checkpoints, partial reports
/// (`analyze --partial`, `bottleneck merge`) and reports all go through this one value.
public final class RunSummary {
    /// Shape normalizer version: summaries from other versions key shapes differently.
    public static let normalizerVersion = 1
    /// Duration histogram layout (`LogHistogram`): exact below 64 ms, then 2% buckets.
    public static let bucketLayout = "log1.02-exact64"
    public static let toolVersion = "0.2.0"

    public var inputs: [InputAccounting] = []
    public let shapes: ShapeTable
    /// Kernel OOM events and the slow-operation timeline.
    public let oom = OOMAggregator()
    public let timeline = Timeline()
    public var foldedWriteTwins: Int64 = 0
    /// Replica-set members named by the logs: set name, restarts, state transitions per host.
    public internal(set) var members = Members()
    /// Partial runs only: write twins and statements at the edges of a part, paired when parts
    /// are merged (PendingEdges.swift).
    public internal(set) var pendingTwins: [PendingTwin] = []
    public internal(set) var pendingStatements: [PendingStatement] = []
    public internal(set) var pendingRoles: [PendingRole] = []
    /// Rule evaluation state, when the options carry rules.
    public var rules: RuleRun?
    /// Versions of the tool and normalizer that produced the summary (a merged summary keeps the first).
    public var tool = RunSummary.toolVersion
    public var normalizer = RunSummary.normalizerVersion
    public var layout = RunSummary.bucketLayout

    /// `maxShapes` bounds the shape table (see `ShapeTable`); nil keeps it exact.
    public init(maxShapes: Int? = nil) { shapes = ShapeTable(maxShapes: maxShapes) }

    public var hadInputErrors: Bool { inputs.contains { $0.error != nil } }

    /// Hosts of the run (each input's `host`), sorted.
    public var hostNames: [String] { Array(Set(inputs.compactMap(\.host))).sorted() }

    /// Folds `o` into this summary. `o`'s input indices are moved past this summary's inputs (so
    /// `o` is changed and should not be used afterwards).
    public func merge(_ o: RunSummary) throws(SummaryError) {
        guard o.normalizer == normalizer else {
            throw SummaryError("shape normalizer version \(o.normalizer), this summary has \(normalizer)")
        }
        guard o.layout == layout else { throw SummaryError("histogram layout \(o.layout), this summary has \(layout)") }
        let offset = inputs.count
        o.shiftInputs(by: offset)
        inputs += o.inputs
        shapes.merge(consuming: o.shapes)
        oom.merge(o.oom)
        timeline.merge(o.timeline)
        foldedWriteTwins = foldedWriteTwins.addingSaturated(o.foldedWriteTwins)
        members.merge(o.members)
        pendingTwins += o.pendingTwins
        pendingStatements += o.pendingStatements
        pendingRoles += o.pendingRoles
        pairPendingEdges()
        if let r = o.rules {
            if let mine = rules { mine.merge(r) } else { rules = r }
        }
    }

    /// Moves every input reference (shapes' slowest event, OOM events, rule groups) by `n`.
    func shiftInputs(by n: Int) {
        guard n != 0 else { return }
        for a in shapes.byId.values { a.shiftInputs(by: n) }
        shapes.other?.shiftInputs(by: n)
        oom.shiftInputs(by: n)
        members.shiftInputs(by: n)
        rules?.shiftInputs(by: n)
        for i in pendingTwins.indices { pendingTwins[i].operation.source.input += n }
        for i in pendingRoles.indices { pendingRoles[i].input += n }
    }
}

extension RunSummary {
    /// End of a run: an input whose log named its host (`loggedHost`) was read under its file
    /// name until that line; every event of that file-name label moves to the logged name, so
    /// rotated files of one server (only one of them holds the startup line) and the lines
    /// before a startup all count for the host the server named. A label whose inputs named
    /// different hosts is left as it is. Returns the renames made.
    @discardableResult
    public func relabelHosts(inputs range: Range<Int>? = nil) -> [String: String] {
        var names: [String: String] = [:]
        var conflicting: Set<String> = []
        for i in range ?? inputs.indices {
            guard let label = inputs[i].host, let logged = inputs[i].loggedHost, label != logged else { continue }
            if let seen = names[label], seen != logged { conflicting.insert(label) }
            names[label] = logged
        }
        for c in conflicting { names[c] = nil }
        guard !names.isEmpty else { return [:] }
        for i in inputs.indices { if let label = inputs[i].host, let to = names[label] { inputs[i].host = to } }
        for a in shapes.byId.values { a.relabelHosts(names) }
        shapes.other?.relabelHosts(names)
        members.relabel(names)
        for i in pendingTwins.indices { if let h = pendingTwins[i].host, let to = names[h] { pendingTwins[i].host = to } }
        for i in pendingStatements.indices { if let h = pendingStatements[i].host, let to = names[h] { pendingStatements[i].host = to } }
        for i in pendingRoles.indices { if let to = names[pendingRoles[i].host] { pendingRoles[i].host = to } }
        return names
    }
}

public struct SummaryError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ d: String) { description = d }
}

extension Int64 {
    /// `self + o`, held at the bounds instead of trapping.
    @inline(__always)
    public func addingSaturated(_ o: Int64) -> Int64 {
        let (r, overflow) = addingReportingOverflow(o)
        return overflow ? (o < 0 ? .min : .max) : r
    }
}

extension Int64 {
    /// `self - o`, held at the bounds instead of trapping.
    @inline(__always)
    public func subtractingSaturated(_ o: Int64) -> Int64 {
        let (r, overflow) = subtractingReportingOverflow(o)
        return overflow ? (o < 0 ? .max : .min) : r
    }
}

extension Int64 {
    /// `d` rounded toward zero, held at the bounds (NaN is 0): never traps on a value from a file.
    public init(saturating d: Double) {
        if d.isNaN { self = 0 } else if d >= 9_223_372_036_854_775_808.0 { self = .max } else if d <= -9_223_372_036_854_775_808 { self = .min } else { self = Int64(d) }
    }
}

extension UInt64 {
    /// `d` rounded toward zero, held at 0 and `UInt64.max` (NaN is 0).
    public init(saturating d: Double) {
        if d.isNaN || d <= 0 { self = 0 } else if d >= 18_446_744_073_709_551_616.0 { self = .max } else { self = UInt64(d) }
    }
}

extension ShapeAggregate {
    func shiftInputs(by n: Int) {
        if let s = slowestSource { slowestSource = SourceLocation(input: s.input + n, line: s.line) }
    }
}
