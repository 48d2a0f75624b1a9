import ArgumentParser
import BottleneckCore
#if canImport(Glibc)
import Glibc
#endif

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, ndjson
}

extension ShapeSort: ExpressibleByArgument {}

struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Analyze archived logs (files, .gz, or - for stdin) and rank query shapes."
    )

    @Argument(help: "Log files (plain or gzip, detected by content); - reads standard input.")
    var files: [String] = []

    @Option(name: .shortAndLong, help: "Output format: table, json or ndjson.")
    var format: OutputFormat = .table

    @Option(name: .shortAndLong, help: "Write the report to FILE atomically (temporary file, then rename); a device or FIFO is written directly. Checked before any input is read.")
    var output: String?

    @Flag(help: "With -o, replace an existing read-only file.")
    var force = false

    @Option(help: "Rank shapes by: \(ShapeSort.allCases.map(\.rawValue).joined(separator: ", ")).")
    var sort: ShapeSort = .total

    @Option(help: "Shapes shown in the table.")
    var top: Int = 20

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

    @Option(name: .customLong("memory-budget"),
            help: "MiB for the shape table; past it, rare shapes are folded into an (other) bucket with stated error bounds. 0 = exact, unbounded.")
    var memoryBudget: Int = ShapeBudget.defaultMiB

    @Option(help: "Worker threads: files and large-file chunks are read and parsed in parallel (default: the core count). The report is the same for any value.")
    var jobs: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    @Option(name: .customLong("chunk-size"), help: .hidden)
    var chunkSize: Int = 16 << 20

    @Option(name: .customLong("max-line-length"), help: "Skip (and count) lines longer than this many bytes.")
    var maxLineLength: Int = 16 << 20

    @Option(help: "Year for legacy timestamps without one (default: each file's modification year).")
    var year: Int?

    @Option(name: .customLong("boot-time"), help: "Boot time (ISO 8601) to turn kernel uptime stamps into wall time.")
    var bootTime: String?

    @Option(name: .customLong("oom-window"), help: "Minutes before each OOM kill whose slow queries are compared with the rest.")
    var oomWindow: Int = 5

    @Option(name: .customLong("crash-loop-window"), help: "Minutes in which 3 OOM kills of one process name make a crash loop.")
    var crashLoopWindow: Int = 10

    @OptionGroup var ruleSource: RulesCommand.Source

    @Flag(name: .shortAndLong, help: "No progress bar.")
    var quiet = false

    @Flag(name: .customLong("no-color"), help: "No colour in the table (also when NO_COLOR is set).")
    var noColor = false

    func validate() throws {
        if top < 1 { throw ValidationError("--top must be at least 1") }
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if memoryBudget < 0 { throw ValidationError("--memory-budget must be 0 (unbounded) or a number of MiB") }
        if maxLineLength < 1 { throw ValidationError("--max-line-length must be positive") }
        if let since, Timestamp.parseISO8601(since) == nil { throw ValidationError("--since: not an ISO 8601 instant: \(since)") }
        if let until, Timestamp.parseISO8601(until) == nil { throw ValidationError("--until: not an ISO 8601 instant: \(until)") }
        if let bootTime, Timestamp.parseISO8601(bootTime) == nil { throw ValidationError("--boot-time: not an ISO 8601 instant: \(bootTime)") }
    }

    func run() throws {
        var options = AnalysisOptions()
        options.maxLineLength = maxLineLength
        options.maxShapes = ShapeBudget.maxShapes(memoryBudgetMiB: memoryBudget)
        options.jobs = jobs
        options.chunkSize = max(1, chunkSize)
        options.year = year
        options.bootTime = bootTime.flatMap(Timestamp.parseISO8601)
        options.oomWindowMillis = Int64(max(1, oomWindow)) * 60_000
        options.crashLoopWindowMillis = Int64(max(1, crashLoopWindow)) * 60_000
        options.filter.since = since.flatMap(Timestamp.parseISO8601)
        options.filter.until = until.flatMap(Timestamp.parseISO8601)
        options.filter.namespaceGlobs = ns
        options.filter.operations = Set(op.map { $0.lowercased() })
        options.filter.minMillis = minMs
        options.filter.planKinds = Set(plan.map { $0.uppercased() })
        options.rules = RuleSet(try RuleOptions.load(dirs: ruleSource.dirs, defaults: !ruleSource.noDefaultRules))

        let inputs = files.isEmpty ? ["-"] : files
        let analyzer = Analyzer(options: options)
        let progress = (!quiet && Terminal.isTTY(2)) ? ProgressBar() : nil
        if let progress {
            analyzer.onProgress = { index, done, size in progress.update(file: inputs[index], done: done, size: size) }
        }

        // The destination is checked (and its temporary file made) before any input is read.
        let sink: OutputSink
        do { sink = try OutputSink(path: output, force: force) } catch let e as OutputError {
            Terminal.writeStderr(e.description + "\n")
            throw ExitCode(ExitCodes.outputError)
        }
        if format == .ndjson {
            let s = sink
            var currentPath = ""
            analyzer.onEvent = { event in
                s.write(NDJSONEventWriter.line(for: event, inputPath: currentPath))
                s.write("\n")
            }
            for path in inputs {
                currentPath = path
                analyzer.analyze(paths: [path])
            }
        } else {
            analyzer.analyze(paths: inputs)
        }
        progress?.finish()

        let report = Report(result: analyzer.result, sort: sort, top: top)
        var ro = ReportOptions()
        ro.top = top
        do {
            switch format {
            case .ndjson:
                try sink.commit()
                Terminal.writeStderr(accountingLine(report))
            case .json:
                JSONReporter().write(report, options: ro) { sink.write($0) }
                try sink.commit()
            case .table:
                ro.width = output == nil && Terminal.isTTY(1) ? Terminal.width(1) : 160
                ro.color = output == nil && Terminal.isTTY(1) && !Terminal.noColor && !noColor
                sink.write(TableReporter().render(report, options: ro))
                try sink.commit()
            }
        } catch let e as OutputError {
            Terminal.writeStderr(e.description + "\n")
            throw ExitCode(ExitCodes.outputError)
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
