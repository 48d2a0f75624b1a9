import ArgumentParser
import BottleneckCore
#if canImport(Glibc)
import Glibc
#endif

extension ShapeSort: ExpressibleByArgument {}

struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Analyze archived logs (files, .gz, or - for stdin) and rank query shapes."
    )

    @Argument(help: "Log files (plain or gzip, detected by content); - reads standard input.")
    var files: [String] = []

    @Option(name: .shortAndLong, help: ArgumentHelp("Output format: \(ReporterRegistry.help).", valueName: "format"))
    var format: String?

    @Option(help: ArgumentHelp("Also write the run summary (a partial report, for `bottleneck merge`) to FILE.", valueName: "file"))
    var partial: String?

    @Option(name: .shortAndLong, help: "Write the report to FILE atomically (temporary file, then rename); a device or FIFO is written directly. Checked before any input is read.")
    var output: String?

    @Flag(help: "With -o, replace an existing read-only file.")
    var force = false

    @Option(help: "Rank shapes by: \(ShapeSort.allCases.map(\.rawValue).joined(separator: ", ")).")
    var sort: ShapeSort = .total


    @OptionGroup var filters: FilterOptions

    @Option(name: .customLong("memory-budget"), parsing: .unconditional,
            help: "MiB for the shape table; past it, rare shapes are folded into an (other) bucket with stated error bounds. 0 = exact, unbounded.")
    var memoryBudget: Int = ShapeBudget.defaultMiB

    @Option(parsing: .unconditional, help: "Worker threads: files and large-file chunks are read and parsed in parallel (default: the core count). The report is the same for any value.")
    var jobs: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    @Option(name: .customLong("chunk-size"), help: .hidden)
    var chunkSize: Int = 16 << 20

    @Option(name: .customLong("max-line-length"), parsing: .unconditional, help: "Skip (and count) lines longer than this many bytes.")
    var maxLineLength: Int = 16 << 20

    @Option(parsing: .unconditional, help: "Year for legacy timestamps without one (default: each file's modification year).")
    var year: Int?

    @Option(name: .customLong("boot-time"), help: "Boot time (ISO 8601) to turn kernel uptime stamps into wall time.")
    var bootTime: String?

    @Option(name: .customLong("oom-window"), parsing: .unconditional, help: "Minutes before each OOM kill whose slow queries are compared with the rest.")
    var oomWindow: Int = 5

    @Option(name: .customLong("crash-loop-window"), parsing: .unconditional, help: "Minutes in which 3 OOM kills of one process name make a crash loop.")
    var crashLoopWindow: Int = 10

    @OptionGroup var ruleSource: RulesCommand.Source

    @OptionGroup var table: TableOptions

    @Flag(name: .shortAndLong, help: "No progress bar.")
    var quiet = false

    @Flag(help: "Also save the run in the history store (--db), for `bottleneck history` and `compare`.")
    var save = false

    @Option(help: ArgumentHelp("With --save: the run's label (nightly, pre-deploy, ...); compare and history name runs by it.", valueName: "label"))
    var label: String?

    @OptionGroup var store: StoreOptions

    /// Keeps the save's transaction open this long (the kill -9 test's window).
    @Option(name: .customLong("save-hold-ms"), help: .hidden)
    var saveHoldMs: Int = 0



    func validate() throws {
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if memoryBudget < 0 { throw ValidationError("--memory-budget must be 0 (unbounded) or a number of MiB") }
        if maxLineLength < 1 { throw ValidationError("--max-line-length must be positive") }
        if let year, !(1...9999).contains(year) { throw ValidationError("--year must be between 1 and 9999 (got \(year))") }
        if !(1...10_080).contains(oomWindow) { throw ValidationError("--oom-window must be 1 to 10080 minutes (a week); got \(oomWindow)") }
        if !(1...10_080).contains(crashLoopWindow) { throw ValidationError("--crash-loop-window must be 1 to 10080 minutes (a week); got \(crashLoopWindow)") }
        if let format, ReporterRegistry.reporter(named: format) == nil, ReporterRegistry.eventReporter(named: format) == nil {
            throw ValidationError("--format: unknown format '\(format)'; one of: \(ReporterRegistry.names.joined(separator: ", "))")
        }
        if label != nil && !save { throw ValidationError("--label names a saved run: add --save") }
        if let label, label.isEmpty || Int64(label) != nil || label.contains("~") {
            throw ValidationError("--label: give a name that is not a number and has no '~' (runs are named by id, label or LABEL~N)")
        }
        if store.db != nil && !save { throw ValidationError("--db: add --save to save the run") }
        if let bootTime, Timestamp.parseISO8601(bootTime) == nil { throw ValidationError("--boot-time: not an ISO 8601 instant: \(bootTime)") }
    }

    func run() throws {
        // No file and a terminal on standard input: nothing is coming; say how to use it instead
        // of waiting in silence (a pipe, or an explicit `-`, is still read).
        if files.isEmpty, Terminal.isTTY(0) {
            Terminal.writeStderr(Bottleneck.helpMessage(for: AnalyzeCommand.self) + "\n\nbottleneck: no input: give log files, or - to read standard input\n")
            throw ExitCode(ExitCodes.usage)
        }
        var options = AnalysisOptions()
        options.maxLineLength = maxLineLength
        options.maxShapes = ShapeBudget.maxShapes(memoryBudgetMiB: memoryBudget)
        options.jobs = jobs
        options.chunkSize = max(1, chunkSize)
        options.year = year
        options.bootTime = bootTime.flatMap(Timestamp.parseISO8601)
        options.oomWindowMillis = Int64(max(1, oomWindow)) * 60_000
        options.crashLoopWindowMillis = Int64(max(1, crashLoopWindow)) * 60_000
        options.filter = filters.filter
        options.host = filters.host
        options.keepEdges = partial != nil || save
        options.rules = RuleSet(try RuleOptions.load(dirs: ruleSource.dirs, defaults: !ruleSource.noDefaultRules))

        // With --partial and no explicit --format/-o, only the partial is written.
        let formatName = format ?? TableReporter().name
        let writeReport = partial == nil || format != nil || output != nil
        let inputs = files.isEmpty ? ["-"] : files
        let analyzer = Analyzer(options: options)
        let progress = (!quiet && Terminal.isTTY(2)) ? ProgressBar() : nil
        if let progress {
            analyzer.onProgress = { index, done, size in progress.update(file: inputs[min(index, inputs.count - 1)], done: done, size: size) }
        }

        // Every destination is checked (and its temporary file made) before any input is read.
        let reportSink: OutputSink?
        let partialSink: OutputSink?
        do {
            reportSink = writeReport ? try OutputSink(path: output, force: force) : nil
            partialSink = try partial.map { try OutputSink(path: $0, force: force) }
        } catch let e as OutputError {
            Terminal.writeStderr(e.description + "\n")
            throw ExitCode(ExitCodes.outputError)
        }
        // The history store too: a locked, foreign or newer store fails before the analysis.
        let history = save ? try store.open(create: true) : nil
        let eventReporter = writeReport ? ReporterRegistry.eventReporter(named: formatName) : nil
        if let events = eventReporter, let s = reportSink {
            // The event's input index names its file, whichever worker parsed it.
            analyzer.onEvent = { [unowned analyzer] event in
                events.write(event, inputPath: analyzer.path(ofInput: event.source.input), to: s)
            }
        }
        analyzer.analyze(paths: inputs)
        progress?.finish()

        let report = Report(result: analyzer.result, sort: sort, top: table.top, maxFindingsPerRule: table.maxFindingsPerRule)
        do {
            if let partialSink {
                try ReportWriting.write(report, format: PartialReporter(), options: ReportOptions(), to: partialSink)
            }
            if let reportSink, eventReporter != nil {
                try reportSink.commit()
                Terminal.writeStderr(accountingLine(report))
            } else if let reportSink, let reporter = ReporterRegistry.reporter(named: formatName) {
                let ro = table.reportOptions(toStandardOutput: output == nil)
                try ReportWriting.write(report, format: reporter, options: ro, to: reportSink)
            }
        } catch let e as OutputError {
            Terminal.writeStderr(e.description + "\n")
            throw ExitCode(ExitCodes.outputError)
        }

        if let history {
            do {
                let hold = saveHoldMs
                let id = try history.save(analyzer.result, label: label, createdAt: Timestamp.now) {
                    guard hold > 0 else { return }
                    Terminal.writeStderr("bottleneck: holding the save's transaction open for \(hold) ms\n")
                    usleep(UInt32(min(hold, 60_000)) * 1000)
                }
                Terminal.writeStderr("bottleneck: saved run \(id)\(label.map { " '\($0)'" } ?? "") in \(history.path)\n")
            } catch {
                Terminal.writeStderr("bottleneck: \(error)\n")
                throw ExitCode(ExitCodes.runtime)
            }
        }

        for i in analyzer.result.inputs where i.error != nil {
            Terminal.writeStderr("bottleneck: \(i.error!)\n")
        }
        if analyzer.result.hadInputErrors {
            throw ExitCode(ExitCodes.inputError)
        }
    }

    func accountingLine(_ r: Report) -> String {
        "bottleneck: \(r.totalLines) lines = \(r.totalRecognized) recognized + \(r.totalSkipped) skipped; \(r.totalSlowOps) slow-op lines, \(r.operations) operations\n"
    }
}
