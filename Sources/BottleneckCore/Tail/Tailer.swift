/// Options of `bottleneck tail`.
public struct TailOptions: Sendable {
    public var paths: [String] = []
    public var fromStart = false
    public var polling = false
    public var pollIntervalMillis = 250
    /// Display / snapshot interval.
    public var intervalMillis: Int64 = 2000
    public var windowMillis: Int64 = 300_000
    public var checkpointLines: Int64 = 10_000
    public var checkpointMillis: Int64 = 5000
    public var maxSeries = 200
    /// How long a rotated file is kept open for late writes after its last data.
    public var rotateWaitMillis: Int64 = 5000
    public var maxLineLength = LineReader.defaultMaxLineLength
    /// Report every rotation decision on stderr.
    public var verbose = false
    public var year: Int?
    public var bootTime: Timestamp?
    public var parsers: [ParserFactory] = ParserRegistry.all
    /// The same filters as `analyze` (`--since`, `--ns`, `--op`, `--min-ms`, `--plan`, ...).
    public var filter = EventFilter()
    /// Host the followed files' events are attributed to (`--host`); nil: each file's name.
    public var host: String?
    /// Rules applied to lines, events and shapes (nil: none); findings appear in GET /report.
    public var rules: RuleSet?
    /// `--save-every`: length of the live windows handed to `onWindow` (nil: none).
    public var saveEveryMillis: Int64?
    public init() {}
}

/// The run summary of the current live window (`tail --save-every`): every followed file's sink
/// adds to it; it is replaced by an empty one when the window is saved.
final class SummaryWindow {
    var summary: RunSummary
    let maxShapes: Int?
    init(maxShapes: Int?) {
        self.maxShapes = maxShapes
        summary = RunSummary(maxShapes: maxShapes)
    }
}

/// Adds a followed file's kept events to the current window.
final class WindowSink: EventSink {
    let window: SummaryWindow
    let host: String?
    init(window: SummaryWindow, host: String?) {
        self.window = window
        self.host = host
    }
    func consume(_ event: Event) { SummarySink.add(event, to: window.summary, host: host) }
}

/// The follow loop: waits for changes, reads new lines of every followed path through the
/// format dispatcher into `LiveState`, checkpoints, and calls `onInterval` every interval.
public final class Tailer {
    public let options: TailOptions
    public let live: LiveState
    let store: TailStateStore?
    private var followers: [FollowedFile] = []
    /// One ingest loop per followed path (the same loop `analyze` uses).
    private var loops: [IngestLoop] = []
    private var dirtyShapes: Set<UInt64> = []
    /// Shape ids the state file holds (to delete those a bounded table evicted).
    private var storedShapes: Set<UInt64> = []
    private var savedEvictions: Int64 = 0
    private var linesSinceCheckpoint: Int64 = 0
    private var lastSaved: [String: [SavedReader]] = [:]
    private var lastLineAt: [Int64] = []
    private var flushedAt: [Int64] = []
    static let idleFlushMillis: Int64 = 1000

    /// Each kept event with the followed path it came from (NDJSON streaming).
    public var onEvent: ((Event, String) -> Void)?
    /// Called every `intervalMillis` from the loop (tables, snapshots).
    public var onInterval: (() -> Void)?
    /// Called after each batch of lines (flush streamed output).
    public var onBatch: (() -> Void)?
    /// Warnings for stderr.
    public var onNotice: ((String) -> Void)?
    /// `--save-every`: each finished window's run summary (its inputs hold the lines read in the
    /// window), from the loop's thread.
    public var onWindow: ((RunSummary) -> Void)?
    private var window: SummaryWindow?
    /// Each input's accounting when the current window began.
    private var windowBase: [InputAccounting] = []

    public init(options: TailOptions, live: LiveState, store: TailStateStore?) {
        self.options = options
        self.live = live
        self.store = store
        if let set = options.rules, !set.isEmpty { live.result.rules = RuleRun(set: set) }
        if options.saveEveryMillis != nil { window = SummaryWindow(maxShapes: live.result.shapes.maxShapes) }
    }

    /// Ends the current window: hands its summary, with the lines each input read in it, to
    /// `onWindow` (when anything was read), and starts the next.
    public func endWindow() {
        guard let window else { return }
        let s = window.summary
        var read: Int64 = 0
        for (i, l) in loops.enumerated() {
            let now = l.accountingSoFar()
            let base = i < windowBase.count ? windowBase[i] : InputAccounting(path: now.path)
            let d = now.since(base)
            read = read.addingSaturated(d.lines)
            s.inputs.append(d)
            if i < windowBase.count { windowBase[i] = now } else { windowBase.append(now) }
        }
        window.summary = RunSummary(maxShapes: window.maxShapes)
        if read > 0 || s.shapes.operations > 0 || !s.oom.events.isEmpty { onWindow?(s) }
    }

    /// Restores the checkpoint (if any), positions every path and commits a first checkpoint.
    public func prepare() throws(StateError) {
        let restored = try store?.load()
        let now = Clock.monotonicMillis()
        if let cp = restored {
            live.restoredFromState = true
            for a in cp.inputs {
                if let i = options.paths.firstIndex(of: a.path) {
                    var restored = a
                    restored.host = live.result.inputs[i].host
                    live.result.inputs[i] = restored
                }
            }
            live.result.shapes.restore(cp.shapes, operations: cp.operations, other: cp.otherShapes, evictions: cp.evictions)
            storedShapes = Set(cp.shapes.map(\.shape.id))
            live.result.foldedWriteTwins = cp.foldedWriteTwins
            live.checkpoints = cp.checkpoints
            do { try live.metrics.restore(cp.metrics) } catch {
                if !cp.metrics.isEmpty { throw StateError(description: "\(store!.path): metrics: \(error)") }
            }
            // Lines counted with no position at all to resume from (the readers lost) would be
            // read again from the start.
            for a in cp.inputs where a.lines > 0 && cp.readers.isEmpty && options.paths.contains(a.path) {
                throw StateError(description: "\(store!.path): the state counts \(a.lines) lines of \(a.path) but holds no position in it; reading it again would count them twice; \(TailStateStore.resetHint)")
            }
        }
        for (index, path) in options.paths.enumerated() {
            let f = makeFollower(index: index, path: path)
            f.verbose = options.verbose
            if let saved = restored?.readers[path] {
                f.restore(saved, now: now)
            } else {
                f.start(fromStart: options.fromStart || restored != nil, now: now)
            }
            followers.append(f)
        }
        flushNotices()
        checkpoint(force: true)
    }

    private func makeFollower(index: Int, path: String) -> FollowedFile {
        let context = ParseContext(input: index, path: path, defaultYear: options.year ?? Timestamp(millis: Clock.wallMillis()).civil.year,
                                   bootTime: options.bootTime)
        let live = self.live
        let liveSink = ClosureSink { [unowned self] kept in
            switch kept {
            case .slowOperation(let op):
                live.metrics.observe(op)
                live.window.add(op, now: Clock.monotonicMillis())
                dirtyShapes.insert(op.shape.id)
            case .oomKill(let k):
                if k.killed { live.metrics.observeOOM(process: k.processName) }
                if let t = k.timestamp { live.metrics.noteEvent(at: t.millis) }
                live.noteOOMKill(k, file: path)
            case .server:
                break
            }
            onEvent?(kept, path)
        }
        live.result.inputs[index].host = options.host ?? Analyzer.hostName(fromPath: path)
        let accounting = live.result.inputs[index]
        let loop = IngestLoop(input: index, accounting: accounting, context: context, parsers: options.parsers,
                              filter: options.filter, summary: live.result,
                              sinks: [SummarySink(summary: live.result, host: accounting.host), liveSink]
                                + (window.map { [WindowSink(window: $0, host: accounting.host)] } ?? []),
                              fixedHost: options.host != nil)
        loops.append(loop)
        lastLineAt.append(0)
        flushedAt.append(0)
        return FollowedFile(
            path: path, maxLineLength: options.maxLineLength, rotateWaitMillis: options.rotateWaitMillis,
            onLine: { [unowned self] bytes in
                linesSinceCheckpoint += 1
                lastLineAt[index] = Clock.monotonicMillis()
                if let bytes { loop.addBytes(Int64(bytes.count + 1)) }
                loop.line(bytes, number: Int(loop.accounting.lines + 1))
            },
            onIncomplete: { [unowned self] in
                linesSinceCheckpoint += 1
                loop.skip(.incompleteLastLine)
            })
    }

    private func flushNotices() {
        for f in followers where !f.notices.isEmpty {
            for n in f.notices { onNotice?(n) }
            f.notices.removeAll()
        }
    }

    /// Reads everything new once. Returns true when a file had more than one batch waiting.
    @discardableResult
    public func pollOnce() -> Bool {
        var more = false
        let now = Clock.monotonicMillis()
        for (i, f) in followers.enumerated() {
            let before = f.rotations
            let pending = live.withLock { () -> Bool in
                let m = f.poll(now: now, maxChunks: 4)
                live.rotations += f.rotations - before
                loops[i].storeAccounting()
                return m
            }
            if pending { more = true }
        }
        flushNotices()
        onBatch?()
        return more
    }

    /// Lets parsers emit what they hold for paths quiet for `idleFlushMillis` (or all, at exit).
    func flushIdle(all: Bool = false) {
        let now = Clock.monotonicMillis()
        // Parsers and transforms emit what they hold (multi-line OOM reports, kills waiting for
        // their reaper line, held write twins) once the file has gone quiet.
        for i in loops.indices where lastLineAt[i] > flushedAt[i] && (all || now - lastLineAt[i] >= Tailer.idleFlushMillis) {
            live.withLock { loops[i].flush() }
            flushedAt[i] = now
        }
        onBatch?()
    }

    /// Commits a checkpoint when one is due (or `force`). Failures are counted and reported,
    /// and retried at the next checkpoint. Returns false when a checkpoint was due and failed.
    @discardableResult
    public func checkpoint(force: Bool = false) -> Bool {
        guard let store else { return true }
        let readers = Dictionary(uniqueKeysWithValues: followers.map { ($0.path, $0.saved()) })
        if !force && linesSinceCheckpoint == 0 && readers == lastSaved { return true }
        refreshFormats()
        let table = live.result.shapes
        let shapes = dirtyShapes.compactMap { table.byId[$0] }
        var removed: [UInt64] = []
        if table.evictions != savedEvictions {
            removed = storedShapes.filter { table.byId[$0] == nil }
        }
        do {
            try store.save(readers: readers, inputs: live.result.inputs, shapes: shapes,
                           removedShapes: removed, otherShapes: table.other, evictions: table.evictions,
                           operations: live.result.shapes.operations, foldedWriteTwins: live.result.foldedWriteTwins,
                           metrics: live.metrics.encode(), checkpoints: live.checkpoints + 1)
            live.withLock { live.checkpoints += 1 }
            for s in shapes { storedShapes.insert(s.shape.id) }
            for id in removed { storedShapes.remove(id) }
            savedEvictions = table.evictions
            dirtyShapes.removeAll(keepingCapacity: true)
            linesSinceCheckpoint = 0
            lastSaved = readers
            return true
        } catch {
            live.withLock { live.checkpointFailures += 1 }
            onNotice?("bottleneck: \(error)")
            return false
        }
    }

    /// Follows until SIGINT/SIGTERM (readable `stopFD`), then commits a last checkpoint.
    /// Returns false when that last checkpoint failed (the caller exits non-zero).
    @discardableResult
    public func run(stopFD: Int32) -> Bool {
        let dirs = options.paths.map { FileIdentity.split($0).0 }
        let watcher = ChangeWatcher(directories: dirs, polling: options.polling,
                                    pollIntervalMillis: options.pollIntervalMillis, stopFD: stopFD)
        if !options.polling && !watcher.usesInotify { onNotice?("bottleneck: inotify unavailable; polling every \(options.pollIntervalMillis) ms") }
        var nextCheckpoint = Clock.monotonicMillis() + options.checkpointMillis
        var nextInterval = Clock.monotonicMillis() + options.intervalMillis
        // Windows start now: what a restored checkpoint or the first read held is not in them.
        windowBase = loops.map { $0.accountingSoFar() }
        var nextWindow = Clock.monotonicMillis() + (options.saveEveryMillis ?? 0)
        var more = true
        while true {
            if more {
                if StopSignal.requested { break }
            } else {
                let now = Clock.monotonicMillis()
                let wait = min(nextCheckpoint, nextInterval, window == nil ? .max : nextWindow, now + 1000) - now
                if watcher.wait(timeoutMillis: Int(max(wait, 0))) == .stop { break }
            }
            more = pollOnce()
            if !more { flushIdle() }
            let now = Clock.monotonicMillis()
            if linesSinceCheckpoint >= options.checkpointLines || now >= nextCheckpoint {
                checkpoint()
                nextCheckpoint = now + options.checkpointMillis
            }
            if let every = options.saveEveryMillis, now >= nextWindow {
                endWindow()
                nextWindow = max(nextWindow + every, now + every / 2)
            }
            if now >= nextInterval {
                refreshFormats()
                onInterval?()
                nextInterval = max(nextInterval + options.intervalMillis, now + options.intervalMillis / 2)
            }
        }
        flushIdle(all: true)
        endWindow()
        return checkpoint()
    }

    /// Puts each input's accounting (lines, detected format, folded twins) into the summary.
    public func refreshFormats() {
        live.withLock {
            for l in loops { l.storeAccounting() }
        }
    }
}
