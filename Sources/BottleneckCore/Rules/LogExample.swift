/// Runs a `log:` example through the real parsers and one rule, the way `analyze` would (without
/// the rule's threshold): lnav-style sample lines that prove both the parse and the rule.
enum LogExample {
    struct Problem: Error {
        let message: String
    }

    static func evaluate(_ rule: Rule, log: String) -> Result<Verdict, Problem> {
        let bare = Rule(id: rule.id, title: rule.title, severity: rule.severity, target: rule.target,
                        condition: rule.condition, message: rule.message, advice: rule.advice,
                        examples: [], threshold: RuleThreshold(), file: rule.file)
        let run = RuleRun(set: RuleSet([bare]))
        let shapes = ShapeTable()
        var ops = 0, kills = 0
        let dispatcher = LineDispatcher(context: ParseContext(input: 0, path: rule.file))
        let sink: (Event) -> Void = { event in
            switch event {
            case .slowOperation(let op):
                ops += 1
                shapes.add(op)
            case .oomKill:
                kills += 1
            }
            run.observe(event)
        }
        var number = 0
        for line in log.split(separator: "\n", omittingEmptySubsequences: true) {
            number += 1
            var bytes = Array(line.utf8)
            if bytes.last == 13 { bytes.removeLast() }
            bytes.withUnsafeBytes { b in
                run.beginLine(b, number: number, input: 0)
                _ = dispatcher.parse(b, lineNumber: number, emit: sink)
                run.endLine()
            }
        }
        dispatcher.finish(emit: sink)
        switch rule.target {
        case .slowOperation, .shape:
            guard ops > 0 else { return .failure(Problem(message: "no slow operation was parsed from this log text")) }
            if rule.target == .shape && shapes.byId.count != 1 {
                return .failure(Problem(message: "the log text holds \(shapes.byId.count) shapes; a shape example needs exactly one"))
            }
        case .oomKill:
            guard kills > 0 else { return .failure(Problem(message: "no OOM kill was parsed from this log text")) }
        case .line:
            break
        }
        let results = run.finish(shapes: shapes.aggregates)
        if let abort = results.aborts.first { return .success(.aborted(abort.reason)) }
        return .success(results.findings.isEmpty ? .no : .yes)
    }
}
