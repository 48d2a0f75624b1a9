import ArgumentParser
import BottleneckCore

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "List, show and remove saved runs (analyze --save, tail --save-every).",
        discussion: """
        A run is named by its id, by a label (its latest run), or by LABEL~N (the N-th run before \
        that one with the label; latest~N counts all runs). Exit status: 0, or 1 when the store \
        cannot be read (missing, locked, damaged, another program's file) or the run does not exist.
        """,
        subcommands: [List.self, Show.self, Remove.self],
        defaultSubcommand: List.self
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List saved runs, oldest first.")
        @OptionGroup var store: StoreOptions
        @Option(name: .shortAndLong, help: "table or json.")
        var format: String = "table"
        @Option(help: "Only runs with this label.")
        var label: String?

        func validate() throws {
            if !["table", "json"].contains(format) { throw ValidationError("--format: one of table, json") }
        }

        func run() throws {
            let s = try store.open(create: false)
            var runs: [HistoryRun]
            do { runs = try s.runs() } catch {
                Terminal.writeStderr("bottleneck: \(error)\n")
                throw ExitCode(ExitCodes.runtime)
            }
            if let label { runs = runs.filter { $0.label == label } }
            Terminal.writeStdout(format == "json" ? HistoryListing.json(runs, store: s.path) : HistoryListing.table(runs, store: s.path))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Print a saved run's report in any format.")
        @Argument(help: ArgumentHelp("Run id, label, or LABEL~N.", valueName: "run"))
        var which: String
        @OptionGroup var store: StoreOptions
        @Option(name: .shortAndLong, help: ArgumentHelp("Output format: \(ReporterRegistry.reporters.map(\.name).joined(separator: ", ")).", valueName: "format"))
        var format: String = TableReporter().name
        @Option(name: .shortAndLong, help: "Write to FILE atomically instead of stdout.")
        var output: String?
        @Option(help: "Rank shapes by: \(ShapeSort.allCases.map(\.rawValue).joined(separator: ", ")).")
        var sort: ShapeSort = .total
        @OptionGroup var ruleSource: RulesCommand.Source
        @OptionGroup var table: TableOptions
        @Flag(help: "With -o, replace an existing read-only file.")
        var force = false

        func validate() throws {
            if ReporterRegistry.reporter(named: format) == nil {
                throw ValidationError("--format: unknown format '\(format)'; one of: \(ReporterRegistry.reporters.map(\.name).joined(separator: ", "))")
            }
        }

        func run() throws {
            let sink: OutputSink
            do { sink = try OutputSink(path: output, force: force) } catch let e as OutputError {
                Terminal.writeStderr(e.description + "\n")
                throw ExitCode(ExitCodes.outputError)
            }
            let s = try store.open(create: false)
            let rules = RuleSet(try RuleOptions.load(dirs: ruleSource.dirs, defaults: !ruleSource.noDefaultRules))
            let summary: RunSummary
            do { summary = try s.summary(of: try s.resolve(which).id, rules: rules) } catch {
                Terminal.writeStderr("bottleneck: \(error)\n")
                throw ExitCode(ExitCodes.runtime)
            }
            let report = Report(result: summary, sort: sort, top: table.top, maxFindingsPerRule: table.maxFindingsPerRule)
            do {
                try ReportWriting.write(report, format: ReporterRegistry.reporter(named: format)!, options: table.reportOptions(toStandardOutput: output == nil), to: sink)
            } catch let e as OutputError {
                Terminal.writeStderr(e.description + "\n")
                throw ExitCode(ExitCodes.outputError)
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove saved runs (each in one transaction).")
        @Argument(help: "Run ids, labels or LABEL~N.")
        var runs: [String]
        @OptionGroup var store: StoreOptions

        func validate() throws { if runs.isEmpty { throw ValidationError("name at least one run") } }

        func run() throws {
            let s = try store.open(create: false)
            var failed = false
            for r in runs {
                do {
                    let found = try s.resolve(r)
                    try s.remove(found.id)
                    Terminal.writeStderr("bottleneck: removed run \(found.id)\(found.label.map { " '\($0)'" } ?? "")\n")
                } catch {
                    Terminal.writeStderr("bottleneck: \(error)\n")
                    failed = true
                }
            }
            if failed { throw ExitCode(ExitCodes.runtime) }
        }
    }
}

/// The listing of `bottleneck history`.
enum HistoryListing {
    static func table(_ runs: [HistoryRun], store: String) -> String {
        if runs.isEmpty { return "No runs in \(store).\n" }
        let header = ["id", "label", "kind", "saved (UTC)", "time span (UTC)", "hosts", "lines", "slow ops", "shapes", "OOM kills", "top shape"]
        let rows = runs.map { r -> [String] in
            [String(r.id), r.label ?? "-", r.kind, short(r.createdAt), span(r), r.hosts.isEmpty ? "-" : r.hosts.joined(separator: ","),
             group(r.lines), group(r.slowOps), group(r.shapes), group(r.oomKills), r.topShape ?? "-"]
        }
        let widths = header.indices.map { i in max(header[i].count, rows.map { $0[i].count }.max() ?? 0) }
        func line(_ r: [String]) -> String {
            var s = r.indices.map { i in r[i] + String(repeating: " ", count: widths[i] - r[i].count) }.joined(separator: "  ")
            while s.last == " " { s.removeLast() }
            return s + "\n"
        }
        return line(header) + rows.map(line).joined() + "\(runs.count) run\(runs.count == 1 ? "" : "s") in \(store)\n"
    }

    static func json(_ runs: [HistoryRun], store: String) -> String {
        var w = JSONWriter(pretty: true)
        w.beginObject()
        w.string("store", store)
        w.beginArray("runs")
        for r in runs {
            w.beginObject()
            w.int("id", r.id)
            w.string("label", r.label)
            w.string("kind", r.kind)
            w.string("savedAt", r.createdAt.iso8601)
            w.string("first", r.timeMin?.iso8601)
            w.string("last", r.timeMax?.iso8601)
            w.beginArray("hosts")
            for h in r.hosts { w.string(nil, h) }
            w.endArray()
            w.int("lines", r.lines)
            w.int("slowOps", r.slowOps)
            w.int("operations", r.operations)
            w.int("slowMillis", r.slowMillis)
            w.int("shapes", r.shapes)
            w.int("oomKills", r.oomKills)
            w.string("topShape", r.topShape)
            w.int("summaryBytes", r.summaryBytes)
            w.endObject()
        }
        w.endArray()
        w.endObject()
        return w.output + "\n"
    }

    static func short(_ t: Timestamp) -> String { String(t.iso8601.prefix(16).map { $0 == "T" ? " " : $0 }) }
    static func span(_ r: HistoryRun) -> String {
        guard let a = r.timeMin, let b = r.timeMax else { return "-" }
        return short(a) + " → " + short(b)
    }
    static func group(_ v: Int64) -> String {
        let s = String(v.magnitude)
        var out = ""
        for (i, c) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (v < 0 ? "-" : "") + out
    }
}
