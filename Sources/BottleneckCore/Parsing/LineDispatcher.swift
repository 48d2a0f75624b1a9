/// Detects the format of each line and hands it to the matching parser of one input.
public final class LineDispatcher {
    public let parsers: [any LineParser]
    private var last = 0
    /// Per-format count of lines taken, for the input's `format` in reports.
    public private(set) var linesByFormat: [Int]

    public init(context: ParseContext, factories: [ParserFactory] = ParserRegistry.all) {
        self.parsers = factories.map { $0.make(context) }
        self.linesByFormat = Array(repeating: 0, count: parsers.count)
    }

    @inline(__always)
    public func parse(_ line: UnsafeRawBufferPointer, lineNumber: Int, emit: (Event) -> Void) -> LineOutcome {
        let first = parsers[last].parse(line, lineNumber: lineNumber, emit: emit)
        if first != .notMine {
            linesByFormat[last] += 1
            return first
        }
        for i in parsers.indices where i != last {
            let outcome = parsers[i].parse(line, lineNumber: lineNumber, emit: emit)
            if outcome != .notMine {
                last = i
                linesByFormat[i] += 1
                return outcome
            }
        }
        return .skipped(.unrecognized)
    }

    public func finish(emit: (Event) -> Void) {
        for p in parsers { p.finish(emit: emit) }
    }

    /// The input's format: the one that took most lines, or `mixed(a+b)` when several did.
    public var formatSummary: String {
        LineDispatcher.formatSummary(names: parsers.map(\.formatName), lines: linesByFormat)
    }

    /// The summary for per-format line counts (also of several chunks added up).
    public static func formatSummary(names: [String], lines: [Int]) -> String {
        let used = names.indices.filter { lines[$0] > 0 }
        if used.isEmpty { return "unknown" }
        return used.map { names[$0] }.joined(separator: "+")
    }

    /// True when every parser that took a line of this input is a `ChunkSafeParser`, so a
    /// fresh dispatcher at the next line would be in the same state as this one.
    public var isChunkSafe: Bool {
        parsers.indices.allSatisfy { linesByFormat[$0] == 0 || (parsers[$0] as? any ChunkSafeParser)?.isChunkSafe == true }
    }
}
