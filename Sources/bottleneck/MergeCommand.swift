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


    @Option(name: .customLong("memory-budget"), parsing: .unconditional, help: "MiB for the merged shape table (0 = exact, unbounded).")
    var memoryBudget: Int = ShapeBudget.defaultMiB

    @OptionGroup var ruleSource: RulesCommand.Source

    @OptionGroup var table: TableOptions

    @Flag(help: "With -o, replace an existing read-only file.")
    var force = false



    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one partial report") }
        if ReporterRegistry.reporter(named: format) == nil {
            throw ValidationError("--format: unknown format '\(format)'; one of: \(ReporterRegistry.reporters.map(\.name).joined(separator: ", "))")
        }
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
        let report = Report(result: merged, sort: sort, top: table.top, maxFindingsPerRule: table.maxFindingsPerRule)
        let ro = table.reportOptions(toStandardOutput: output == nil)
        do {
            try ReportWriting.write(report, format: ReporterRegistry.reporter(named: format)!, options: ro, to: sink)
        } catch let e as OutputError {
            Terminal.writeStderr(e.description + "\n")
            throw ExitCode(ExitCodes.outputError)
        }
        if failed { throw ExitCode(ExitCodes.inputError) }
    }
}
