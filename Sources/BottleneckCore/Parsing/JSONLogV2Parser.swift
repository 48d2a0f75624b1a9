/// MongoDB 4.4+ structured (logv2) JSON lines.
///
/// TODO(json-parser): the real byte-level scanner. This placeholder only claims lines that look
/// like logv2 so the pipeline can be exercised.
public final class JSONLogV2Parser: LineParser {
    public static let factory = ParserFactory(name: "logv2") { ctx in JSONLogV2Parser(context: ctx) }
    public let formatName = "logv2"
    let context: ParseContext

    public init(context: ParseContext) { self.context = context }

    public func parse(_ line: UnsafeRawBufferPointer, lineNumber: Int, emit: (Event) -> Void) -> LineOutcome {
        guard line.count >= 5, line[0] == UInt8(ascii: "{"), line[1] == UInt8(ascii: "\"") else { return .notMine }
        return .recognized
    }
}
