/// Why a line was skipped. Parsers may define their own reasons; these are the common ones.
public struct SkipReason: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (a: SkipReason, b: SkipReason) -> Bool { a.rawValue < b.rawValue }

    public static let blank = SkipReason("blank line")
    public static let unrecognized = SkipReason("unrecognized format")
    public static let tooLong = SkipReason("line too long")
    public static let malformedJSON = SkipReason("malformed JSON")
    public static let incompleteLastLine = SkipReason("incomplete last line")
    public static let outsideFilter = SkipReason("filtered out")
    /// A number a log line carries does not fit what it measures: past Int64
    /// (`18446744073709551616`, `1e999`), or a negative duration or counter. Such a value never
    /// leaves the parser.
    public static let numberOutOfRange = SkipReason("number out of range")
    /// Objects and arrays nested deeper than `JSONScanner.maxDepth` (256).
    public static let nestedTooDeep = SkipReason("nested too deep")
}

/// What a parser made of one line. Every line ends up as exactly one of these, which is what
/// keeps `lines = recognized + skipped` true.
public enum LineOutcome: Sendable, Equatable {
    /// The line is a slow operation (its event was emitted, or folded into another).
    case slowOperation
    /// The line belongs to this format but carries no slow operation (or is part of a multi-line
    /// record such as an OOM report).
    case recognized
    /// The line belongs to this format but could not be used.
    case skipped(SkipReason)
    /// Not this parser's format; the dispatcher tries the next parser.
    case notMine
}

/// Per-input context a parser may read.
public struct ParseContext: Sendable {
    /// Index of the input in the run.
    public var input: Int
    public var path: String
    /// Year for timestamps that lack one (legacy ctime): `--year`, or the file's modification year.
    public var defaultYear: Int?
    /// Boot time for kernel uptime stamps (`--boot-time`).
    public var bootTime: Timestamp?
    /// Set when `defaultYear` was taken from the file's modification time (no `--year`): that
    /// instant, which no line of the file can be later than.
    public var yearFromModificationTime: Timestamp?
    /// The host and role in force, as the ingest loop reading this input keeps them (parsers
    /// stamp them on the operations they make; nil for `--jobs` workers, whose operations are
    /// stamped when the loop replays them).
    public var attribution: Attribution?
    public init(input: Int, path: String, defaultYear: Int? = nil, bootTime: Timestamp? = nil,
                yearFromModificationTime: Timestamp? = nil) {
        self.input = input
        self.path = path
        self.defaultYear = defaultYear
        self.bootTime = bootTime
        self.yearFromModificationTime = yearFromModificationTime
    }
}

/// A log format. One instance per input: parsers may keep state across lines (multi-line
/// records), and emit events late from `finish`.
public protocol LineParser: AnyObject {
    /// Format name shown in reports (`logv2`, `legacy`, `kernel`).
    var formatName: String { get }
    /// Parses one line; emits zero or more events through `emit`.
    func parse(_ line: UnsafeRawBufferPointer, lineNumber: Int, emit: (Event) -> Void) -> LineOutcome
    /// End of input: emit what is still pending.
    func finish(emit: (Event) -> Void)
}

extension LineParser {
    public func finish(emit: (Event) -> Void) {}
}

/// Makes a fresh parser for one input.
public struct ParserFactory: Sendable {
    public let name: String
    public let make: @Sendable (ParseContext) -> any LineParser
    /// The format's own steps between parsing and the filters, by name (an input gets one
    /// instance of each name, however many of its formats ask for it).
    public let transforms: [(name: String, make: @Sendable () -> any EventTransform)]
    public init(name: String, transforms: [(name: String, make: @Sendable () -> any EventTransform)] = [],
                make: @escaping @Sendable (ParseContext) -> any LineParser) {
        self.name = name
        self.transforms = transforms
        self.make = make
    }
}

extension ParserFactory {
    /// The transforms every MongoDB log format shares.
    static let mongoDBTransforms: [(name: String, make: @Sendable () -> any EventTransform)] = [
        (WriteTwinFolder.name, { WriteTwinFolder() }),
    ]
}

/// The host and replica-set role an input's operations are attributed to at the current line.
/// Owned by the input's `IngestLoop` and read by its parsers on the same thread.
public final class Attribution: @unchecked Sendable {
    public internal(set) var host: String?
    public internal(set) var role: MemberRole?
    init(host: String?, role: MemberRole?) {
        self.host = host
        self.role = role
    }
}
