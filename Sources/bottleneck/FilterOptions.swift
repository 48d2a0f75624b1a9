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

    @Option(name: .customLong("min-ms"), help: "Only operations at least this slow (milliseconds).")
    var minMs: Int64?

    @Option(help: "Only these plan kinds (repeatable): COLLSCAN, IXSCAN, ...")
    var plan: [String] = []

    @Option(help: "Attribute every input's events to this host (default: each file's name).")
    var host: String?

    func validate() throws {
        if let since, Timestamp.parseISO8601(since) == nil { throw ValidationError("--since: not an ISO 8601 instant: \(since)") }
        if let until, Timestamp.parseISO8601(until) == nil { throw ValidationError("--until: not an ISO 8601 instant: \(until)") }
        if let host, host.isEmpty { throw ValidationError("--host: give a name") }
    }

    var filter: EventFilter {
        var f = EventFilter()
        f.since = since.flatMap(Timestamp.parseISO8601)
        f.until = until.flatMap(Timestamp.parseISO8601)
        f.namespaceGlobs = ns
        f.operations = Set(op.map { $0.lowercased() })
        f.minMillis = minMs
        f.planKinds = Set(plan.map { $0.uppercased() })
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

/// `--group-by`: how the report groups shapes after the ranking.
enum GroupBy: String, ExpressibleByArgument, CaseIterable {
    case shape, host
}
