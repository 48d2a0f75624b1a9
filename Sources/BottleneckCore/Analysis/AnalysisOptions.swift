/// Options of one analysis run.
public struct AnalysisOptions: Sendable {
    public var filter = EventFilter()
    public var readSize = LineReader.defaultReadSize
    public var maxLineLength = LineReader.defaultMaxLineLength
    /// Year for legacy ctime stamps without one; nil = the file's modification year.
    public var year: Int?
    public var bootTime: Timestamp?
    public var parsers: [ParserFactory] = ParserRegistry.all
    /// Rules applied to lines, events and shapes (nil: none). See Rules/.
    public var rules: RuleSet?
    /// Most query shapes tracked at once (`--memory-budget`, via `ShapeTable.maxShapes(memoryBudgetMiB:)`);
    /// nil = exact, unbounded.
    public var maxShapes: Int?
    public init() {}
}
