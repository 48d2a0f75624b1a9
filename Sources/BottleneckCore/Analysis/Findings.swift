/// What a report says about a run, computed from its `RunSummary` alone: pure functions (the same
/// summary gives the same ranking and findings, whether it comes from one run, from `--jobs`
/// workers, from a tail checkpoint or from merged partial reports). `Report` only gathers their
/// results for the reporters, which only render.
public enum Findings {
    /// Shapes in rank order: by `sort` descending, then total time, count, namespace, operation,
    /// shape id (deterministic).
    public static func rank(_ summary: RunSummary, by sort: ShapeSort) -> [ShapeAggregate] {
        summary.shapes.aggregates.map { ($0, sort.key($0)) }.sorted { x, y in
            if x.1 != y.1 { return x.1 > y.1 }
            let a = x.0, b = y.0
            if a.durationTotal != b.durationTotal { return a.durationTotal > b.durationTotal }
            if a.count != b.count { return a.count > b.count }
            if a.namespace != b.namespace { return a.namespace < b.namespace }
            if a.operation != b.operation { return a.operation < b.operation }
            return a.shape.id < b.shape.id
        }.map { $0.0 }
    }

    /// Rule findings: the summary's rule-group state (line, operation and kill rules) plus the
    /// shape rules evaluated on the ranked shapes.
    public static func rules(_ summary: RunSummary, ranked: [ShapeAggregate], perRule: Int = RuleResults.maxFindingsPerRule) -> RuleResults {
        summary.rules?.finish(shapes: ranked, perRule: perRule) ?? RuleResults()
    }
}
