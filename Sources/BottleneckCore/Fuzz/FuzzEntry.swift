/// Entry points for the libFuzzer harnesses in `Fuzz/` (README "Reliability" → "Fuzzing").
///
/// Each takes the fuzzer's bytes and drives the public API the way a run does, so that a trap
/// anywhere on the path (reading, parsing, aggregation, rules, reporting) is found. They are thin
/// on purpose: the parser targets all go through `run(_:parsers:rules:gzip:)`, the one place to
/// re-point when the analysis API changes. Nothing here is used by the command-line tool.
///
/// A target fails (traps) on a crash of the code under test and on a broken invariant that no
/// input may break: `lines = recognized + skipped` for every input.
public enum FuzzEntry {
    /// Slow operations in MongoDB 4.4+ JSON (logv2) lines, through the logv2 parser only.
    public static func logv2(_ bytes: UnsafeRawBufferPointer) {
        run(bytes, parsers: [JSONLogV2Parser.factory])
    }

    /// Slow operations in legacy (≤ 4.2) text lines, through the legacy parser only.
    public static func legacy(_ bytes: UnsafeRawBufferPointer) {
        run(bytes, parsers: [LegacyTextParser.factory])
    }

    /// Kernel OOM-killer output (dmesg, syslog, journald, /dev/kmsg), through the kernel parser only.
    public static func kernel(_ bytes: UnsafeRawBufferPointer) {
        run(bytes, parsers: [KernelOOMParser.factory])
    }

    /// The whole `analyze` path: every parser, the shipped rules, both reporters.
    public static func analyze(_ bytes: UnsafeRawBufferPointer) {
        run(bytes, parsers: ParserRegistry.all, rules: shippedRules)
    }

    /// Gzip input (one or several members, damaged or cut), inflated and analyzed with every parser.
    public static func gzip(_ bytes: UnsafeRawBufferPointer) {
        run(bytes, parsers: ParserRegistry.all, gzip: true)
    }

    /// One value in mongo shell syntax (the values of legacy text lines): tree, fingerprint, skip,
    /// and the shape text. `node` and `fingerprint` walk the same grammar, so they must end at the
    /// same byte (shapes are cached by fingerprint).
    public static func shell(_ bytes: UnsafeRawBufferPointer) {
        var tree = ShellShapeReader(bytes)
        let (node, _) = tree.node()
        var hashed = ShellShapeReader(bytes)
        var h = FNV1a64()
        hashed.fingerprint(into: &h)
        if tree.i != hashed.i {
            fatalError("shell reader: node ended at \(tree.i), fingerprint at \(hashed.i)")
        }
        var skipped = ShellShapeReader(bytes)
        skipped.skipValue()
        precondition(tree.i <= bytes.count && skipped.i <= bytes.count, "shell reader: read past its range")
        _ = Shaper.text(of: Shaper.Parts(filter: node))
        _ = Shaper.text(of: Shaper.Parts(filter: node, sort: node, projection: node, pipeline: node, update: node))
        // A legacy line hands the reader a sub-range; read the document after the first `{`.
        if let open = bytes.firstIndex(of: UInt8(ascii: "{")) {
            var inner = ShellShapeReader(bytes, from: open + 1, to: bytes.count)
            while let key = inner.nextKey() {
                precondition(key.upperBound <= bytes.count, "shell reader: key past its range")
                inner.skipValue()
            }
        }
    }

    /// One rule file (YAML) through the loader, which also checks the rule's own examples.
    public static func rules(_ bytes: UnsafeRawBufferPointer) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let rule = try? RuleLoader.load(file: "fuzz", text: text) else { return }
        // A rule that loads is applied to a small mixed input and reported.
        let a = Analyzer(options: options(parsers: ParserRegistry.all, rules: RuleSet([rule]), count: bytes.count))
        ruleProbe.withUnsafeBytes { probe in
            a.analyze(source: FuzzMemorySource(probe, chunk: probe.count), path: "fuzz.log")
        }
        check(a.result)
        render(a.result, count: bytes.count)
    }

    // MARK: The shared driver

    /// The shipped rules, loaded once (nil when the folder is not found: the targets still run).
    static let shippedRules: RuleSet? = (try? ShippedRules.load()).map { RuleSet($0) }

    /// Read sizes the analyzer is tested with (1 is too slow under the fuzzer); the input length
    /// picks one, so that buffer boundaries move with the input.
    static let readSizes = [7, 4096, 65_536]

    static func options(parsers: [ParserFactory], rules: RuleSet?, count: Int) -> AnalysisOptions {
        var o = AnalysisOptions()
        o.parsers = parsers
        o.rules = rules
        o.readSize = readSizes[count % readSizes.count]
        o.maxLineLength = 1 << 20
        return o
    }

    /// Reader → dispatcher → aggregation → rules → report, as `bottleneck analyze` runs one input.
    static func run(_ bytes: UnsafeRawBufferPointer, parsers: [ParserFactory], rules: RuleSet? = nil, gzip: Bool = false) {
        let o = options(parsers: parsers, rules: rules, count: bytes.count)
        let a = Analyzer(options: o)
        a.onEvent = { event in _ = NDJSONEventWriter.lineBytes(for: event, inputPath: "fuzz.log") }
        let memory = FuzzMemorySource(bytes, chunk: o.readSize)
        if gzip {
            guard let source = try? GzipSource(base: memory, path: "fuzz.log.gz", bufferSize: 4096) else { return }
            a.analyze(source: source, path: "fuzz.log.gz")
        } else {
            a.analyze(source: memory, path: "fuzz.log")
        }
        check(a.result)
        render(a.result, count: bytes.count)
    }

    static func check(_ result: RunSummary) {
        for input in result.inputs where !input.balanced {
            fatalError("accounting: \(input.lines) lines != \(input.recognized) recognized + \(input.skippedTotal) skipped")
        }
    }

    /// Both reporters, with a sort order picked by the input length; which one runs first
    /// alternates too, so that a trap in one does not hide a trap in the other.
    static func render(_ result: RunSummary, count: Int) {
        let sorts = ShapeSort.allCases
        let report = Report(result: result, sort: sorts[count % sorts.count], top: count % 3 == 0 ? nil : 5)
        var json = ReportOptions()
        json.top = count % 3 == 0 ? 20 : 5
        var table = ReportOptions()
        table.top = json.top
        table.width = 60 + count % 120
        table.color = count % 4 < 2
        if count % 2 == 0 {
            _ = JSONReporter().render(report, options: json)
            _ = TableReporter().render(report, options: table)
        } else {
            _ = TableReporter().render(report, options: table)
            _ = JSONReporter().render(report, options: json)
        }
    }

    /// The input a loaded rule is applied to: a logv2 slow query, a legacy one, an OOM kill.
    static let ruleProbe: [UInt8] = Array("""
    {"t":{"$date":"2024-01-02T03:04:05.678+00:00"},"s":"I","c":"COMMAND","id":51803,"ctx":"conn1","msg":"Slow query","attr":{"type":"command","ns":"db.c","command":{"find":"c","filter":{"a":1}},"planSummary":"COLLSCAN","keysExamined":0,"docsExamined":5000,"nreturned":1,"numYields":9,"durationMillis":250}}
    2014-01-02T03:04:05.678+0000 [conn1] query db.c query: { a: 1 } planSummary: COLLSCAN ntoreturn:0 nscanned:5000 nscannedObjects:5000 keyUpdates:0 numYields:9 nreturned:1 reslen:40 250ms
    Jan  2 03:04:06 db1 kernel: [ 100.000001] Out of memory: Killed process 1234 (mongod) total-vm:1000kB, anon-rss:900kB, file-rss:0kB, shmem-rss:0kB, UID:999 pgtables:4kB oom_score_adj:0

    """.utf8)
}

/// Serves the fuzzer's bytes in reads of at most `chunk` bytes (the bytes are only borrowed).
final class FuzzMemorySource: ByteSource {
    private let bytes: UnsafeRawBufferPointer
    private let chunk: Int
    private var offset = 0

    init(_ bytes: UnsafeRawBufferPointer, chunk: Int) {
        self.bytes = bytes
        self.chunk = max(1, chunk)
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        let n = min(chunk, buffer.count, bytes.count - offset)
        if n <= 0 { return 0 }
        buffer.baseAddress!.copyMemory(from: bytes.baseAddress! + offset, byteCount: n)
        offset += n
        return n
    }
}
