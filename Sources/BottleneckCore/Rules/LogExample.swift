/// Runs a `log:` example through the real ingest loop and one rule, the way `analyze` would
/// (parsers, write-twin folding, rules; without the rule's threshold): lnav-style sample lines
/// that prove both the parse and the rule.
enum LogExample {
    struct Problem: Error {
        let message: String
    }

    static func evaluate(_ rule: Rule, log: String) -> Result<Verdict, Problem> {
        let bare = Rule(id: rule.id, title: rule.title, severity: rule.severity, target: rule.target,
                        condition: rule.condition, message: rule.message, advice: rule.advice,
                        examples: [], threshold: RuleThreshold(), file: rule.file)
        let summary = RunSummary()
        let run = RuleRun(set: RuleSet([bare]))
        summary.rules = run
        let loop = IngestLoop(input: 0, accounting: InputAccounting(path: rule.file),
                              context: ParseContext(input: 0, path: rule.file), parsers: ParserRegistry.all,
                              filter: EventFilter(), summary: summary, sinks: [SummarySink(summary: summary, host: nil)])
        var number = 0
        for line in log.split(separator: "\n", omittingEmptySubsequences: true) {
            number += 1
            var bytes = Array(line.utf8)
            if bytes.last == 13 { bytes.removeLast() }
            bytes.withUnsafeBytes { loop.line($0, number: number) }
        }
        loop.finish()
        let ops = summary.shapes.operations
        switch rule.target {
        case .slowOperation, .shape:
            guard ops > 0 else { return .failure(Problem(message: "no slow operation was parsed from this log text")) }
            if rule.target == .shape && summary.shapes.byId.count != 1 {
                return .failure(Problem(message: "the log text holds \(summary.shapes.byId.count) shapes; a shape example needs exactly one"))
            }
        case .oomKill:
            guard run.totalKills > 0 else { return .failure(Problem(message: "no OOM kill was parsed from this log text")) }
        case .line:
            break
        }
        let results = run.finish(shapes: summary.shapes.aggregates)
        if let abort = results.aborts.first { return .success(.aborted(abort.reason)) }
        return .success(results.findings.isEmpty ? .no : .yes)
    }
}
