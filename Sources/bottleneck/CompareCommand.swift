import ArgumentParser
import BottleneckCore
#if canImport(Glibc)
import Glibc
#endif

extension CompareGate: ExpressibleByArgument {}

/// `--fail-on`, `--config`, the format and output: shared by `compare` and `baseline accept`.
struct CompareOutputOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: ArgumentHelp("Output format: \(CompareReporterRegistry.names.joined(separator: ", ")).", valueName: "format"))
    var format: String = "table"

    @Option(name: .shortAndLong, help: "Write to FILE atomically instead of stdout.")
    var output: String?

    @Option(name: .customLong("fail-on"), help: ArgumentHelp("Gating classes, comma-separated: latency (2, latency or load), new (4, new shapes), plan (8, plan flip or efficiency), oom (16); all; none. Default: latency,plan,oom.", valueName: "classes"))
    var failOn: String?

    @Option(help: ArgumentHelp("Thresholds and acknowledgements (YAML, docs/compare.md).", valueName: "file"))
    var config: String?

    @Flag(help: "With -o, replace an existing read-only file.")
    var force = false

    @Flag(name: .customLong("no-color"), help: .hidden)
    var noColor = false

    func validate() throws {
        if CompareReporterRegistry.reporter(named: format) == nil {
            throw ValidationError("--format: unknown format '\(format)'; one of: \(CompareReporterRegistry.names.joined(separator: ", "))")
        }
        _ = try gates()
    }

    func gates() throws -> Set<CompareGate> {
        guard let failOn else { return CompareGate.defaults }
        var out: Set<CompareGate> = []
        for part in failOn.split(separator: ",", omittingEmptySubsequences: false).map({ $0.trimmingSpaces }) {
            switch part {
            case "all": out.formUnion(CompareGate.allCases)
            case "none": break
            case "load": out.insert(.latency)
            case "efficiency": out.insert(.plan)
            default:
                guard let g = CompareGate(rawValue: part) else {
                    throw ValidationError("--fail-on: unknown class '\(part)'; one of: \(CompareGate.allCases.map(\.rawValue).joined(separator: ", ")), all, none")
                }
                out.insert(g)
            }
        }
        return out
    }

    func loadConfig() throws -> CompareConfig {
        guard let config else { return CompareConfig() }
        do {
            let bytes = try CompareSides.readAll(config)
            return try CompareConfig.load(yaml: String(decoding: bytes, as: UTF8.self), path: config)
        } catch {
            Terminal.writeStderr("bottleneck: \(error)\n")
            throw ExitCode(ExitCodes.compareUsage)
        }
    }

    func render(_ c: Comparison, to sink: OutputSink) throws {
        let ctx = CompareContext(failOn: try gates(), width: Terminal.reportWidth(toTerminal: output == nil && Terminal.isTTY(1), wide: false))
        CompareReporterRegistry.reporter(named: format)!.write(c, context: ctx, to: sink)
        do { try sink.commit() } catch let e as OutputError {
            Terminal.writeStderr(e.description + "\n")
            throw ExitCode(ExitCodes.runtime)
        }
    }
}

extension Substring {
    var trimmingSpaces: String { String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()) }
}

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two runs shape by shape: latency and load regressions, plan flips, new and gone shapes, OOM kills.",
        discussion: """
        Each side is a run of the history store (id, label, LABEL~N), a baseline file (baseline \
        save), partial reports, or log files analyzed now. Give the two sides as BASELINE CURRENT, \
        or with --baseline and --current (repeatable, for several files on one side).

        Exit status: 0 no gating finding; otherwise the sum of the gating classes found: 2 latency \
        or load regression, 4 new shapes, 8 plan flip or efficiency, 16 OOM regression (test one \
        with `status & 2`); 1 a runtime error; 64 a usage error or runs that cannot be compared.
        """
    )

    @Argument(help: "BASELINE and CURRENT.")
    var sides: [String] = []

    @Option(help: ArgumentHelp("A baseline input (repeatable: several files make one side).", valueName: "spec"))
    var baseline: [String] = []

    @Option(help: ArgumentHelp("A current input (repeatable).", valueName: "spec"))
    var current: [String] = []

    @OptionGroup var store: StoreOptions
    @OptionGroup var out: CompareOutputOptions

    @Option(parsing: .unconditional, help: "Worker threads for logs analyzed on the fly (default: the core count).")
    var jobs: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    func validate() throws {
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        let (b, c) = split()
        if b.isEmpty || c.isEmpty || sides.count > 2 {
            throw ValidationError("give BASELINE and CURRENT (or --baseline and --current)")
        }
    }

    /// Positional sides fill what the options left empty: the first the baseline, the second the current.
    func split() -> ([String], [String]) {
        var b = baseline, c = current
        var rest = sides[...]
        if b.isEmpty, let x = rest.first { b = [x]; rest = rest.dropFirst() }
        if c.isEmpty, let x = rest.first { c = [x]; rest = rest.dropFirst() }
        if !rest.isEmpty { return ([], []) }
        return (b, c)
    }

    func run() throws {
        let sink: OutputSink
        do { sink = try OutputSink(path: out.output, force: out.force) } catch let e as OutputError {
            Terminal.writeStderr(e.description + "\n")
            throw ExitCode(ExitCodes.runtime)
        }
        let config = try out.loadConfig()
        let gates = try out.gates()
        let (b, c) = split()
        let comparison = try Self.compare(baseline: b, current: c, store: store, config: config, jobs: jobs)
        try out.render(comparison, to: sink)
        throw ExitCode(comparison.exitBits(failOn: gates))
    }

    /// Loads both sides and compares them; usage problems exit 64, runtime ones 1.
    static func compare(baseline b: [String], current c: [String], store: StoreOptions, config: CompareConfig, jobs: Int) throws -> Comparison {
        let opener = StoreOpener(path: store.path)
        let open = { () throws -> HistoryStore in try opener.open() }
        do {
            if b == c { throw CompareError(.incomparable, "the same input on both sides (\(b.joined(separator: " "))): a run compared with itself shows nothing") }
            let base = try CompareSides.load(b, role: "baseline", store: open, jobs: jobs)
            let cur = try CompareSides.load(c, role: "current", store: open, jobs: jobs)
            return try Comparison(baseline: base, current: cur, config: config, now: Timestamp.now)
        } catch let e as CompareError {
            Terminal.writeStderr("bottleneck: \(e)\n")
            throw ExitCode(e.kind == .runtime ? ExitCodes.runtime : ExitCodes.compareUsage)
        }
    }
}

/// Opens the history store on first use (a compare of two files never touches it).
final class StoreOpener {
    let path: String
    private var store: HistoryStore?
    init(path: String) { self.path = path }
    func open() throws -> HistoryStore {
        if let store { return store }
        do {
            let s = try HistoryStore(path: path, create: false, busyTimeoutMillis: Terminal.busyTimeoutMillis)
            store = s
            return s
        } catch {
            throw CompareError(error.kind == .notFound ? .usage : .runtime, error.description)
        }
    }
}
