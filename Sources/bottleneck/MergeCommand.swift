import ArgumentParser
import BottleneckCore

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge partial reports (analyze --partial) of several hosts or runs into one report or one partial.",
        discussion: """
        The merge is exact: counts and sums add, histogram buckets add, so fleet percentiles are
        those of all the operations together. A damaged partial, or one written by another shape
        normalizer or histogram layout, is refused with a message naming the file; the others are
        still merged and the exit code is 2.
        """
    )

    @Argument(help: "Partial report files (analyze --partial or merge --format partial).")
    var files: [String]

    @Option(name: .shortAndLong, help: ArgumentHelp("Output format: \(ReporterRegistry.reporters.map(\.name).joined(separator: ", ")).", valueName: "format"))
    var format: String = TableReporter().name

    @Option(name: .shortAndLong, help: "Write to FILE atomically instead of stdout.")
    var output: String?

    @Option(help: "Rank shapes by: \(ShapeSort.allCases.map(\.rawValue).joined(separator: ", ")).")
    var sort: ShapeSort = .total

    @Option(parsing: .unconditional, help: "Shapes shown in the table.")
    var top: Int = 20

    @Option(name: .customLong("memory-budget"), parsing: .unconditional, help: "MiB for the merged shape table (0 = exact, unbounded).")
    var memoryBudget: Int = ShapeBudget.defaultMiB

    @OptionGroup var ruleSource: RulesCommand.Source

    @Flag(help: "With -o, replace an existing read-only file.")
    var force = false

    @Flag(name: .customLong("no-color"), help: "No colour in the table.")
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
        if files.isEmpty { throw ValidationError("give at least one partial report") }
        if ReporterRegistry.reporter(named: format) == nil {
            throw ValidationError("--format: unknown format '\(format)'; one of: \(ReporterRegistry.reporters.map(\.name).joined(separator: ", "))")
        }
        if top < 1 { throw ValidationError("--top must be at least 1") }
        if maxFindings < 0 { throw ValidationError("--max-findings must be 0 or more") }
        if maxFindingsPerRule < 1 { throw ValidationError("--max-findings-per-rule must be at least 1") }
        if memoryBudget < 0 { throw ValidationError("--memory-budget must be 0 (unbounded) or a number of MiB") }
    }

    func run() throws {
        // The destination is checked before any partial is read.
        let sink: OutputSink
        do { sink = try OutputSink(path: output, force: force) } catch let e as OutputError {
            Terminal.writeStderr(e.description + "\n")
            throw ExitCode(ExitCodes.outputError)
        }
        let rules = RuleSet(try RuleOptions.load(dirs: ruleSource.dirs, defaults: !ruleSource.noDefaultRules))
        let merged = RunSummary(maxShapes: ShapeBudget.maxShapes(memoryBudgetMiB: memoryBudget))
        if !rules.isEmpty { merged.rules = RuleRun(set: rules) }
        var failed = false
        for path in files {
            do {
                let s = try SummaryCoding.read(path: path, rules: rules)
                try merged.merge(s)
            } catch {
                Terminal.writeStderr("bottleneck: \(path): \(error)\n")
                failed = true
            }
        }
        let report = Report(result: merged, sort: sort, top: top, maxFindingsPerRule: maxFindingsPerRule)
        var ro = ReportOptions()
        ro.top = top
        ro.width = Terminal.reportWidth(toTerminal: output == nil && Terminal.isTTY(1), wide: wide)
        ro.color = output == nil && Terminal.isTTY(1) && !Terminal.noColor && !noColor
        ro.groupByHost = groupBy == .host
        ro.maxFindings = maxFindings
        do {
            try ReportWriting.write(report, format: ReporterRegistry.reporter(named: format)!, options: ro, to: sink)
        } catch let e as OutputError {
            Terminal.writeStderr(e.description + "\n")
            throw ExitCode(ExitCodes.outputError)
        }
        if failed { throw ExitCode(ExitCodes.inputError) }
    }
}
