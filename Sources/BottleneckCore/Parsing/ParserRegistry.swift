/// Every log format the analyzer knows. A new format is one file plus one line here.
///
/// Order matters only for speed: the dispatcher tries the parser that took the previous line
/// first, then these in order.
public enum ParserRegistry {
    public static let all: [ParserFactory] = [
        KernelOOMParser.factory,  // before logv2, which claims every `{"` line (journald JSON is ours)
        JSONLogV2Parser.factory,
        LegacyTextParser.factory,
    ]
}
