/// A parser whose result for a line does not depend on the lines before it (it keeps no state
/// across lines beyond caches that do not change results). `--jobs` splits a file into chunks
/// parsed by fresh parsers only while every line so far was taken by such parsers; a chunk whose
/// lines needed a stateful parser (multi-line records, a year learned from earlier lines) is
/// continued to the end of the file by the same parser, as in a sequential run.
///
/// A parser that is stateful only sometimes can conform and give `false` from `isChunkSafe`.
public protocol ChunkSafeParser: LineParser {
    /// False while state from earlier lines would change how later lines are parsed.
    var isChunkSafe: Bool { get }
}

extension ChunkSafeParser {
    public var isChunkSafe: Bool { true }
}

/// logv2 lines are self-contained JSON documents: the parser's only state is a string cache.
extension JSONLogV2Parser: ChunkSafeParser {}
