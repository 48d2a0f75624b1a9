/// Version of the JSON report layout (docs/report.schema.json).
public enum ReportSchema {
    public static let version = 1
}

/// How shapes are ranked.
public enum ShapeSort: String, CaseIterable, Sendable {
    case total, count, mean, p95, p99, max, yields
    case docsExamined = "docs-examined"
    case examinedRatio = "examined-ratio"

    func key(_ a: ShapeAggregate) -> Double {
        switch self {
        case .total: return Double(a.durationTotal)
        case .count: return Double(a.count)
        case .mean: return a.meanMillis
        case .p95: return a.histogram.quantile(0.95)
        case .p99: return a.histogram.quantile(0.99)
        case .max: return Double(a.histogram.max)
        case .yields: return Double(a.yieldsTotal)
        case .docsExamined: return Double(a.docsExamined)
        case .examinedRatio: return a.examinedRatio
        }
    }
}

/// A finished analysis, ready for any reporter: the ranking and findings of a run summary
/// (`Findings`), the OOM view and the accounting. Reporters only render it.
public struct Report {
    /// The run summary the report was built from (what `--format partial` writes).
    public let summary: RunSummary
    public var inputs: [InputAccounting]
    /// Shapes in rank order (all of them; reporters cut to --top).
    public var shapes: [ShapeAggregate]
    public var foldedWriteTwins: Int64
    public var operations: Int64
    public var sort: ShapeSort
    public var top: Int?
    /// Rule findings (ranked) and aborted rule matches.
    public var rules = RuleResults()
    /// Bounded mode only, once something was evicted: the "other" bucket (exact totals of every
    /// evicted shape), how many evictions, the table's capacity and the largest count error.
    public var other: ShapeAggregate?
    public var evictions: Int64
    public var maxShapes: Int?
    public var maxCountError: Int64
    /// Kernel OOM kills, crash loops and the slow-operation timeline (issue 4).
    public var oom: OOMSection
    /// Replica-set members as the logs named them (host, set, state transitions).
    public var members: Members

    /// `summary` is kept as given (mergeable); the report counts its pending edge twins
    /// (`RunSummary.settled`).
    public init(result summary: RunSummary, sort: ShapeSort = .total, top: Int? = nil,
                maxFindingsPerRule: Int = RuleResults.maxFindingsPerRule) {
        self.summary = summary
        let result = summary.settled()
        self.inputs = result.inputs
        self.foldedWriteTwins = result.foldedWriteTwins
        self.operations = result.shapes.operations
        self.sort = sort
        self.top = top
        self.other = result.shapes.other
        self.evictions = result.shapes.evictions
        self.maxShapes = result.shapes.maxShapes
        self.maxCountError = result.shapes.maxCountError
        self.oom = OOMSection(result: result)
        self.members = result.members
        self.shapes = Findings.rank(result, by: sort)
        self.rules = Findings.rules(result, ranked: self.shapes, perRule: maxFindingsPerRule)
    }

    /// Where our shapes and the server's hashes disagree: one of our shapes under several server
    /// hashes, or one server hash over several of our shapes.
    public var hashNotes: [HashNote] {
        var notes: [HashNote] = []
        var byHash: [String: [String: [String]]] = ["queryHash": [:], "queryShapeHash": [:]]
        for s in shapes {
            for (kind, hashes) in [("queryHash", s.queryHashes), ("queryShapeHash", s.queryShapeHashes)] {
                if hashes.count > 1 {
                    notes.append(HashNote(kind: .shapeSpansHashes, hashKind: kind, hashes: hashes.sorted(), shapeIds: [s.shape.idHex]))
                }
                for h in hashes { byHash[kind]![h, default: []].append(s.shape.idHex) }
            }
        }
        for kind in ["queryHash", "queryShapeHash"] {
            for (h, ids) in byHash[kind]!.sorted(by: { $0.key < $1.key }) where ids.count > 1 {
                notes.append(HashNote(kind: .hashSpansShapes, hashKind: kind, hashes: [h], shapeIds: ids.sorted()))
            }
        }
        return notes
    }

    /// Every kept shape's true count is at most this much above its `count` (Space-Saving: operations / maxShapes).
    public var countErrorBound: Int64 {
        guard other != nil, let k = maxShapes else { return 0 }
        return operations / Int64(k)
    }

    // Saturating: a merged partial's counts come from a file, not from this process.
    public var totalLines: Int64 { inputs.reduce(0) { $0.addingSaturated($1.lines) } }
    public var totalSlowOps: Int64 { inputs.reduce(0) { $0.addingSaturated($1.slowOps) } }
    public var totalRecognized: Int64 { inputs.reduce(0) { $0.addingSaturated($1.recognized) } }
    public var totalSkipped: Int64 { inputs.reduce(0) { $0.addingSaturated($1.skippedTotal) } }
    public var skippedByReason: [SkipReason: Int64] {
        var m: [SkipReason: Int64] = [:]
        for i in inputs { for (k, v) in i.skipped { m[k, default: 0] += v } }
        return m
    }
}

/// A disagreement between our grouping and the server's hashes.
public struct HashNote: Sendable, Equatable {
    public enum Kind: String, Sendable { case shapeSpansHashes, hashSpansShapes }
    public var kind: Kind
    /// `queryHash` (planCacheShapeHash) or `queryShapeHash`.
    public var hashKind: String
    public var hashes: [String]
    public var shapeIds: [String]
    public init(kind: Kind, hashKind: String, hashes: [String], shapeIds: [String]) {
        self.kind = kind
        self.hashKind = hashKind
        self.hashes = hashes
        self.shapeIds = shapeIds
    }
}
