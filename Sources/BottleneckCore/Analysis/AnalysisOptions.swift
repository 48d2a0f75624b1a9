/// Options of one analysis run.
public struct AnalysisOptions: Sendable {
    public var filter = EventFilter()
    /// The run writes a partial summary: keep the write twins at the edges of each input
    /// pending, to be paired when partials are merged (`RunSummary.pendingTwins`).
    public var keepEdges = false
    /// Host every input's events are attributed to (`--host`); nil: each file's name.
    public var host: String?
    public var readSize = LineReader.defaultReadSize
    public var maxLineLength = LineReader.defaultMaxLineLength
    /// Year for legacy ctime stamps without one; nil = the file's modification year.
    public var year: Int?
    public var bootTime: Timestamp?
    /// OOM report: the window before each kill compared with the rest (`--oom-window`), and the
    /// span in which 3 kills of one name make a crash loop (`--crash-loop-window`).
    public var oomWindowMillis: Int64 = 5 * 60_000
    public var crashLoopWindowMillis: Int64 = 10 * 60_000
    public var parsers: [ParserFactory] = ParserRegistry.all
    /// Rules applied to lines, events and shapes (nil: none). See Rules/.
    public var rules: RuleSet?
    /// Most query shapes tracked at once (`--memory-budget`, via `ShapeTable.maxShapes(memoryBudgetMiB:)`);
    /// nil = exact, unbounded.
    public var maxShapes: Int?
    /// Worker threads for `Analyzer.analyze(paths:)` (`--jobs`); 1 = sequential.
    public var jobs = 1
    /// Plain files are split into chunks of about this many bytes, at line boundaries, for `jobs > 1`.
    public var chunkSize = 16 << 20
    public init() {}
}
