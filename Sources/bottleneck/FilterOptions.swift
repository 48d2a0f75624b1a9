import ArgumentParser
import BottleneckCore

/// The event filters and host attribution, shared by `analyze` and `tail` (one definition, so the
/// two commands cannot drift).
struct FilterOptions: ParsableArguments {
    @Option(help: "Only events at or after this instant (ISO 8601, e.g. 2024-01-31T10:00:00Z).")
    var since: String?

    @Option(help: "Only events before this instant (ISO 8601).")
    var until: String?

    @Option(help: "Only namespaces matching this glob (repeatable), e.g. 'shop.*'.")
    var ns: [String] = []

    @Option(help: "Only these operations (repeatable): find, aggregate, count, update, ...")
    var op: [String] = []

    @Option(name: .customLong("min-ms"), parsing: .unconditional, help: "Only operations at least this slow (milliseconds).")
    var minMs: Int64?

    @Option(help: "Only these plan kinds (repeatable): COLLSCAN, IXSCAN, ...")
    var plan: [String] = []

    @Option(name: .customLong("exclude-op"), help: "Leave out these operations (repeatable), e.g. getMore.")
    var excludeOp: [String] = []

    @Option(name: .customLong("exclude-ns"), help: "Leave out namespaces matching this glob (repeatable), e.g. 'admin.*'.")
    var excludeNs: [String] = []

    @Option(help: "Attribute every input's events to this host (default: each file's name).")
    var host: String?

    func validate() throws {
        if let since, Timestamp.parseISO8601(since) == nil { throw ValidationError("--since: not an ISO 8601 instant: \(since)") }
        if let until, Timestamp.parseISO8601(until) == nil { throw ValidationError("--until: not an ISO 8601 instant: \(until)") }
        if let s = since.flatMap(Timestamp.parseISO8601), let u = until.flatMap(Timestamp.parseISO8601), s >= u {
            throw ValidationError("--since \(since!) is not before --until \(until!): no event can match")
        }
        if let minMs, minMs < 0 { throw ValidationError("--min-ms must be 0 or more (got \(minMs))") }
        if let host, host.isEmpty { throw ValidationError("--host: give a name") }
        for o in op + excludeOp { _ = try FilterOptions.operation(o) }
        for p in plan where !FilterOptions.planKinds.contains(p.uppercased()) {
            throw ValidationError("--plan: unknown plan kind '\(p)'; one of: \(FilterOptions.planKinds.sorted().joined(separator: ", "))")
        }
    }

    /// The operations shapes are ranked under (a command's own name counts too: `--op dropDatabase`).
    static let operations = ["find", "aggregate", "count", "distinct", "update", "delete", "insert", "getMore",
                             "findAndModify", "mapReduce", "killCursors", "command"]
    /// The logs' own words for them.
    static let operationSynonyms = ["remove": "delete", "query": "find", "getmore": "getMore", "findandmodify": "findAndModify",
                                    "mapreduce": "mapReduce", "killcursors": "killCursors"]
    /// Plan kinds (the first stage of a logged planSummary), and NONE for operations without one.
    static let planKinds: Set<String> = ["COLLSCAN", "IXSCAN", "IDHACK", "COUNT_SCAN", "DISTINCT_SCAN", "EOF", "EXPRESS_IXSCAN",
                                         "EXPRESS_CLUSTERED_IXSCAN", "EXPRESS_UPDATE", "EXPRESS_DELETE", "CLUSTERED_IXSCAN",
                                         "TEXT", "TEXT_OR", "TEXT_MATCH", "GEO_NEAR_2D", "GEO_NEAR_2DSPHERE", "MULTI_ITERATOR",
                                         "VIRTUAL_SCAN", "SORT_MERGE", "OR", "UNKNOWN", "NONE"]

    /// `--op` value → the operation name events carry. A synonym is mapped; a near miss of a
    /// known operation (`fnd`) is refused with the list; any other word is taken as a command name.
    static func operation(_ value: String) throws -> String {
        let lower = value.lowercased()
        if let known = operations.first(where: { $0.lowercased() == lower }) { return known }
        if let synonym = operationSynonyms[lower] { return synonym }
        if let near = operations.first(where: { editDistance($0.lowercased(), lower) <= 2 && lower.count >= 3 }) {
            throw ValidationError("--op: unknown operation '\(value)' (did you mean \(near)?); one of: \(operations.joined(separator: ", ")), or a command's name")
        }
        guard !value.isEmpty, value.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw ValidationError("--op: '\(value)' is not an operation or command name; one of: \(operations.joined(separator: ", "))")
        }
        return value
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a.utf8), y = Array(b.utf8)
        var row = Array(0...y.count)
        for i in 1...max(1, x.count) where !x.isEmpty {
            var prev = row[0]
            row[0] = i
            for j in 1...max(1, y.count) where !y.isEmpty {
                let cur = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (x[i - 1] == y[j - 1] ? 0 : 1))
                prev = cur
            }
        }
        return x.isEmpty ? y.count : row[y.count]
    }

    var filter: EventFilter {
        var f = EventFilter()
        f.since = since.flatMap(Timestamp.parseISO8601)
        f.until = until.flatMap(Timestamp.parseISO8601)
        f.namespaceGlobs = ns
        f.operations = Set(op.map { ((try? FilterOptions.operation($0)) ?? $0).lowercased() })
        f.minMillis = minMs
        f.planKinds = Set(plan.map { $0.uppercased() })
        f.excludedOperations = Set(excludeOp.map { ((try? FilterOptions.operation($0)) ?? $0).lowercased() })
        f.excludedNamespaceGlobs = excludeNs
        return f
    }
}

/// Writes a finished report in any registered format to an `OutputSink`.
enum ReportWriting {
    static func write(_ report: Report, format: any Reporter, options: ReportOptions, to out: OutputSink) throws {
        format.write(report, options: options, to: out)
        try out.commit()
    }
}

extension OutputSink: ReportOutput {}

/// How a finished report is laid out, shared by `analyze` and `merge` (one definition).
struct TableOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Shapes shown in the table.")
    var top: Int = 20

    @Flag(name: .customLong("no-color"), help: "No colour in the table (also when NO_COLOR is set).")
    var noColor = false

    @Option(name: .customLong("max-findings"), parsing: .unconditional, help: "Findings printed in the table (the JSON report lists every one).")
    var maxFindings: Int = 20

    @Option(name: .customLong("max-findings-per-rule"), parsing: .unconditional, help: "Findings kept per rule, by time (the rest are counted as omitted).")
    var maxFindingsPerRule: Int = RuleResults.maxFindingsPerRule

    @Flag(help: "Whole shapes in the table, whatever the width.")
    var wide = false

    @Option(name: .customLong("group-by"), help: "shape (the ranking only) or host (then each host's shapes, with their count on the host).")
    var groupBy: GroupBy = .shape

    func validate() throws {
        if top < 1 { throw ValidationError("--top must be at least 1") }
        if maxFindings < 0 { throw ValidationError("--max-findings must be 0 or more") }
        if maxFindingsPerRule < 1 { throw ValidationError("--max-findings-per-rule must be at least 1") }
    }

    /// The reporter options; `toStandardOutput`: the report goes to stdout (no `-o`), so a
    /// terminal there sets the width and colour.
    func reportOptions(toStandardOutput: Bool) -> ReportOptions {
        let terminal = toStandardOutput && Terminal.isTTY(1)
        var ro = ReportOptions()
        ro.top = top
        ro.width = Terminal.reportWidth(toTerminal: terminal, wide: wide)
        ro.color = terminal && !Terminal.noColor && !noColor
        ro.groupByHost = groupBy == .host
        ro.maxFindings = maxFindings
        return ro
    }
}

/// `--group-by`: how the report groups shapes after the ranking.
enum GroupBy: String, ExpressibleByArgument, CaseIterable {
    case shape, host
}
