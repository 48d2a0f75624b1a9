/// The OOM part of a report: events, groupings, crash loops, the timeline and, for each kill,
/// the slow queries in the window before it.
public struct OOMSection {
    public var events: [OOMKill]
    public var killCount: Int64
    /// The same kill seen again (another rendering of the same log): counted once.
    public var duplicates: Int64
    public var byProcess: [OOMAggregator.Group]
    public var byCgroup: [OOMAggregator.Group]
    public var byConstraint: [OOMAggregator.Group]
    public var crashLoops: [OOMAggregator.CrashLoop]
    /// Per-minute buckets (UTC) with slow operations or kills.
    public var minutes: [Timeline.Minute]
    /// Aligned with `events`: the window before each kill (nil without a wall time or for no-kill reports).
    public var windows: [Timeline.KillWindow?]
    public var windowMillis: Int64

    public init(result: RunSummary) {
        let agg = result.oom
        let windowMillis = agg.windowMillis
        // Events in time order (wall time first; uptime-only ones after, in input order).
        events = agg.events.enumerated().sorted { a, b in
            switch (a.element.timestamp, b.element.timestamp) {
            case let (x?, y?): return x != y ? x < y : a.offset < b.offset
            case (.some, .none): return true
            case (.none, .some): return false
            default: return a.offset < b.offset
            }
        }.map(\.element)
        killCount = agg.killCount
        duplicates = agg.duplicates
        byProcess = agg.byProcess()
        byCgroup = agg.byCgroup()
        byConstraint = agg.byConstraint()
        crashLoops = agg.crashLoops()
        minutes = result.timeline.minutes(kills: events.filter(\.killed))
        self.windowMillis = windowMillis
        windows = events.map { $0.killed ? result.timeline.window(before: $0, windowMillis: windowMillis) : nil }
    }
}
