import ArgumentParser
import BottleneckCore
#if canImport(Glibc)
import Glibc
#endif

enum TailFormat: String, ExpressibleByArgument, CaseIterable {
    case auto, table, json, ndjson, none
}

struct TailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Follow live mongod and kernel logs across rotation, rank shapes live, serve /metrics."
    )

    @Argument(help: "Log files to follow (format detected per line).")
    var files: [String]

    @Flag(name: .customLong("from-start"), help: "Read existing content first (default: start at the end).")
    var fromStart = false

    @Flag(help: "Poll for changes instead of inotify (network filesystems).")
    var poll = false

    @Option(name: .customLong("poll-interval"), help: "Polling period in seconds.")
    var pollInterval: Double = 0.25

    @Option(help: "Seconds between table refreshes / JSON snapshots.")
    var interval: Double = 2

    @Option(help: "Sliding window of the live table, in seconds.")
    var window: Double = 300

    @Option(name: .shortAndLong, help: "Output: auto (table on a terminal, else ndjson), table, json (a report per interval), ndjson (events), none.")
    var format: TailFormat = .auto

    @Option(help: "Shapes shown in each table.")
    var top: Int = 10

    @Option(help: "Serve GET /metrics, /report, /healthz on this address (PORT or HOST:PORT; loopback only unless --listen-public).")
    var listen: String?

    @Flag(name: .customLong("listen-public"), help: "Allow --listen on a non-loopback address.")
    var listenPublic = false

    @Option(help: "SQLite file for crash-safe positions and aggregates; resumed on restart.")
    var state: String?

    @Flag(name: .customLong("reset-state"), help: "Discard the --state file (damaged, lost WAL, other version) and read the files from the start.")
    var resetState = false

    @Option(name: .customLong("checkpoint-lines"), help: "Checkpoint the state every this many lines…")
    var checkpointLines: Int64 = 10_000

    @Option(name: .customLong("checkpoint-seconds"), help: "…or every this many seconds.")
    var checkpointSeconds: Double = 5

    @Option(name: .customLong("max-series"), help: "Label sets per metric before the rest is folded into 'other'.")
    var maxSeries: Int = 200

    @Option(name: .customLong("memory-budget"),
            help: "MiB for the since-start shape table; beyond it the rarest shapes fold into (other) (0 = unbounded).")
    var memoryBudget: Int = ShapeBudget.defaultMiB

    @Option(name: .customLong("rotate-wait"), help: "Seconds a rotated file stays open for late writes.")
    var rotateWait: Double = 5

    @Option(name: .customLong("max-line-length"), help: "Skip (and count) lines longer than this many bytes.")
    var maxLineLength: Int = 16 << 20

    @Flag(help: "Report every rotation, truncation and restore decision on stderr.")
    var verbose = false

    @Flag(name: .customLong("no-color"), help: "No colour in the table (also when NO_COLOR is set).")
    var noColor = false

    @OptionGroup var ruleSource: RulesCommand.Source

    /// The same filters as `analyze` (one definition for both commands).
    @OptionGroup var filters: FilterOptions

    @Option(name: .customLong("save-every"), help: ArgumentHelp("Save a run of each live window of this length in the history store (--db): 90s, 15m, 1h, 1d.", valueName: "duration"))
    var saveEvery: String?

    @Option(help: ArgumentHelp("With --save-every: the saved windows' label (default: tail).", valueName: "label"))
    var label: String?

    @OptionGroup var historyStore: StoreOptions

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one file to follow") }
        if files.contains("-") { throw ValidationError("tail follows files, not standard input") }
        if interval <= 0 || window <= 0 || pollInterval <= 0 || checkpointSeconds <= 0 || rotateWait < 0 {
            throw ValidationError("--interval, --window, --poll-interval and --checkpoint-seconds must be positive")
        }
        if resetState && state == nil { throw ValidationError("--reset-state needs --state FILE") }
        if let saveEvery, Self.duration(saveEvery) == nil {
            throw ValidationError("--save-every: a duration such as 90s, 15m, 1h or 1d (at least 1 s), not '\(saveEvery)'")
        }
        if saveEvery == nil && (label != nil || historyStore.db != nil) { throw ValidationError("--label and --db name where --save-every saves: add --save-every") }
        if let label, label.isEmpty || Int64(label) != nil || label.contains("~") {
            throw ValidationError("--label: give a name that is not a number and has no '~'")
        }
        if memoryBudget < 0 { throw ValidationError("--memory-budget must be 0 (unbounded) or a number of MiB") }
        if checkpointLines < 1 || maxSeries < 1 || top < 1 || maxLineLength < 1 {
            throw ValidationError("--checkpoint-lines, --max-series, --top and --max-line-length must be at least 1")
        }
        if let listen {
            let a = try ListenAddress.parse(listen)
            if !a.isLoopback && !listenPublic {
                throw ValidationError("--listen \(listen) is not a loopback address; add --listen-public to serve metrics on the network")
            }
        }
    }

    func run() throws {
        // Each path must be followable: a directory or an unreadable file is an error now, not a
        // silent tail; a missing file is waited for, and said so.
        for path in files {
            guard let problem = LiveState.problem(with: path) else { continue }
            Terminal.writeStderr("bottleneck: \(problem.message)\n")
            if !problem.missing { throw ExitCode(ExitCodes.usage) }
        }
        var o = TailOptions()
        o.paths = files
        // A discarded state counted nothing: every line of the files is new to it.
        o.fromStart = fromStart || resetState
        o.polling = poll
        o.pollIntervalMillis = Int(pollInterval * 1000)
        o.intervalMillis = Int64(interval * 1000)
        o.windowMillis = Int64(window * 1000)
        o.checkpointLines = checkpointLines
        o.checkpointMillis = Int64(checkpointSeconds * 1000)
        o.maxSeries = maxSeries
        o.rotateWaitMillis = Int64(rotateWait * 1000)
        o.maxLineLength = maxLineLength
        o.rules = RuleSet(try RuleOptions.load(dirs: ruleSource.dirs, defaults: !ruleSource.noDefaultRules))
        o.verbose = verbose
        o.filter = filters.filter
        o.host = filters.host
        o.saveEveryMillis = saveEvery.flatMap(Self.duration)
        // The history store is checked before following: a locked or foreign one fails now.
        let history = o.saveEveryMillis != nil ? try historyStore.open(create: true) : nil

        let stopFD = StopSignal.install()
        let live = LiveState(paths: files, maxSeries: maxSeries, windowMillis: o.windowMillis,
                             maxShapes: ShapeBudget.maxShapes(memoryBudgetMiB: memoryBudget))
        let store: TailStateStore?
        do {
            store = try state.map { try TailStateStore(path: $0, reset: resetState) }
            if let s = store {
                if resetState { Terminal.writeStderr("bottleneck: \(s.path): state discarded (--reset-state); reading the files from the start\n") }
                if let v = s.migratedFrom { Terminal.writeStderr("bottleneck: \(s.path): state migrated from schema \(v) to \(TailStateStore.schemaVersion)\n") }
            }
        } catch {
            Terminal.writeStderr("bottleneck: \(error)\n")
            throw ExitCode(ExitCodes.usage)
        }
        let tailer = Tailer(options: o, live: live, store: store)
        tailer.onNotice = { Terminal.writeStderr($0.hasPrefix("bottleneck:") ? $0 + "\n" : "bottleneck: \($0)\n") }
        if let history {
            let label = self.label ?? "tail"
            // A failed save is said and counted; following goes on (the next window is tried).
            tailer.onWindow = { summary in
                do {
                    let id = try history.save(summary, label: label, kind: "tail-window", createdAt: Timestamp.now)
                    live.withLock { live.savedWindows += 1 }
                    if verbose { Terminal.writeStderr("bottleneck: saved window as run \(id) '\(label)'\n") }
                } catch {
                    live.withLock { live.windowSaveFailures += 1 }
                    Terminal.writeStderr("bottleneck: --save-every: \(error)\n")
                }
            }
        }
        do {
            try tailer.prepare()
        } catch {
            Terminal.writeStderr("bottleneck: \(error)\n")
            throw ExitCode(ExitCodes.usage)
        }

        var server: MetricsServer?
        if let listen {
            do {
                let s = try MetricsServer(address: try ListenAddress.parse(listen), live: live)
                let bound = try s.start()
                Terminal.writeStderr("bottleneck: listening on http://\(bound)/metrics\n")
                server = s
            } catch {
                Terminal.writeStderr("bottleneck: --listen \(listen): \(error)\n")
                throw ExitCode(ExitCodes.usage)
            }
        }

        let onTTY = Terminal.isTTY(1)
        let mode = format == .auto ? (onTTY ? TailFormat.table : .ndjson) : format
        let out = StreamWriter()
        switch mode {
        case .ndjson:
            tailer.onEvent = { event, path in
                var line = NDJSONEventWriter.lineBytes(for: event, inputPath: path)
                line.append(UInt8(ascii: "\n"))
                out.write(bytes: line)
            }
            tailer.onBatch = { out.flush() }
        case .json:
            tailer.onInterval = {
                out.write(live.reportJSON(compact: true))
                out.flush()
            }
        case .table:
            let color = onTTY && !Terminal.noColor && !noColor
            tailer.onInterval = {
                let screen = LiveDisplay.render(live, top: top, width: onTTY ? Terminal.width(1) : 160, color: color)
                out.write(onTTY ? "\u{1B}[H\u{1B}[2J" + screen : screen + "\n")
                out.flush()
            }
        case .auto, .none:
            break
        }

        let saved = tailer.run(stopFD: stopFD)
        out.flush()
        server?.stop()
        if !saved {
            Terminal.writeStderr("bottleneck: \(state ?? "state"): the final checkpoint failed; a restart resumes from the last committed one\n")
            throw ExitCode(ExitCodes.usage)
        }
        if let e = out.writeError {
            // A closed pipe ends tail quietly (exit 0, like SIGTERM); any other failed write of
            // the stream (full disk, I/O error) is an error: the events after it were not written.
            Terminal.writeStderr("bottleneck: standard output: \(String(cString: strerror(e))); stopped after the last checkpoint\n")
            throw ExitCode(ExitCodes.outputError)
        }
    }
}

/// Buffered stdout for streamed output; a closed pipe ends the process quietly.
final class StreamWriter {
    private var buffer: [UInt8] = []
    private var failed = false
    /// errno of a failed write other than a closed pipe (tail then exits 1).
    private(set) var writeError: Int32?

    func write(_ s: String) { write(bytes: Array(s.utf8)) }

    func write(bytes: [UInt8]) {
        if failed { return }
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 { flush() }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        let ok = buffer.withUnsafeBytes { b -> Bool in
            var off = 0
            while off < b.count {
                let n = Glibc.write(1, b.baseAddress! + off, b.count - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    if errno != EPIPE { writeError = errno }
                    return false
                }
                off += n
            }
            return true
        }
        buffer.removeAll(keepingCapacity: true)
        if !ok {
            // The reader went away: stop like on SIGTERM (last checkpoint, exit 0), write no more.
            failed = true
            kill(getpid(), SIGTERM)
        }
    }
}

extension TailCommand {
    /// `90s`, `15m`, `1h`, `1d`, or seconds alone; nil when not a duration of at least 1 s.
    static func duration(_ text: String) -> Int64? {
        let units: [Character: Int64] = ["s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000]
        var digits = Substring(text)
        var unit: Int64 = 1000
        if let u = text.last, let m = units[u] {
            unit = m
            digits = digits.dropLast()
        }
        guard !digits.isEmpty, digits.allSatisfy(\.isNumber), let n = Int64(digits) else { return nil }
        let (ms, overflow) = n.multipliedReportingOverflow(by: unit)
        guard !overflow, ms >= 1000, ms <= 366 * 86_400_000 else { return nil }
        return ms
    }
}
