/// Everything `tail` has counted, shared between the follower loop (the only writer) and the
/// HTTP handlers (readers). Writers hold the lock while they process a chunk of lines; readers
/// hold it while they render.
public final class LiveState: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t> = {
        let m = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(m, nil)
        return m
    }()
    /// Per followed path accounting (`inputs`, in argument order) and the since-start shapes.
    public let result: RunSummary
    public let metrics: MetricsRegistry
    public let window: SlidingWindow
    /// The last OOM kills seen, newest last.
    public private(set) var recentOOMKills: [(kill: OOMKill, file: String)] = []
    public var checkpoints: Int64 = 0
    public var checkpointFailures: Int64 = 0
    /// `--save-every`: windows saved in the history store, and saves that failed.
    public var savedWindows: Int64 = 0
    public var windowSaveFailures: Int64 = 0
    public var rotations: Int64 = 0
    public var restoredFromState = false
    /// Monotonic milliseconds at start.
    public let startedAt: Int64

    /// `maxShapes` bounds the since-start shape table (Space-Saving, see `ShapeTable`).
    public init(paths: [String], maxSeries: Int, windowMillis: Int64, maxShapes: Int? = nil) {
        result = RunSummary(maxShapes: maxShapes)
        metrics = MetricsRegistry(maxSeries: maxSeries)
        window = SlidingWindow(spanMillis: windowMillis, maxShapes: maxShapes)
        result.inputs = paths.map { InputAccounting(path: $0) }
        self.paths = paths
        startedAt = Clock.monotonicMillis()
    }

    /// The followed paths, as given.
    public let paths: [String]

    /// What keeps tail from following its files right now (for `/healthz`): a missing file
    /// ("waiting for"), one that cannot be read, or a directory. Empty when all is well.
    public func fileProblems() -> [String] {
        paths.compactMap { LiveState.problem(with: $0)?.message }
    }

    /// Why `path` cannot be followed now, if it cannot: missing (tail waits for it), a directory,
    /// or unreadable. `tail` checks this at start, `/healthz` at each request.
    public static func problem(with path: String) -> (missing: Bool, message: String)? {
        var st = stat()
        if stat(path, &st) != 0 {
            return errno == ENOENT ? (true, "waiting for \(path): it does not exist yet") : (false, "\(path): \(String(cString: strerror(errno)))")
        }
        if (st.st_mode & S_IFMT) == S_IFDIR { return (false, "\(path): is a directory (give the log files in it)") }
        if access(path, R_OK) != 0 { return (false, "\(path): cannot read: \(String(cString: strerror(errno)))") }
        return nil
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    public func withLock<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    func noteOOMKill(_ k: OOMKill, file: String) {
        recentOOMKills.append((k, file))
        if recentOOMKills.count > 20 { recentOOMKills.removeFirst(recentOOMKills.count - 20) }
    }

    /// `/metrics` body.
    public func metricsText() -> String {
        withLock {
            metrics.render(inputs: result.inputs, extra: [
                ("bottleneck_checkpoints_total", "State checkpoints committed.", "counter", checkpoints),
                ("bottleneck_checkpoint_failures_total", "State checkpoints that failed (retried at the next one).", "counter", checkpointFailures),
                ("bottleneck_history_windows_saved_total", "Live windows saved in the history store (--save-every).", "counter", savedWindows),
                ("bottleneck_history_window_save_failures_total", "Live windows whose save in the history store failed (--save-every).", "counter", windowSaveFailures),
                ("bottleneck_rotations_total", "Rotations, truncations and replacements of followed files handled.", "counter", rotations),
                ("bottleneck_uptime_seconds", "Seconds since this process started.", "gauge", (Clock.monotonicMillis() - startedAt) / 1000),
            ])
        }
    }

    /// `/report` body: the same JSON report `analyze --format json` writes.
    /// The report so far; `compact`: on one line (tail's JSON stream), else indented (`/report`).
    public func reportJSON(sort: ShapeSort = .total, compact: Bool = false) -> String {
        var options = ReportOptions()
        options.compactJSON = compact
        return withLock {
            JSONReporter().render(Report(result: result, sort: sort), options: options)
        }
    }
}

/// Monotonic and wall clocks in milliseconds.
public enum Clock {
    public static func monotonicMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    public static func wallMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}

#if canImport(Glibc)
import Glibc
#endif
