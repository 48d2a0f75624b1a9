#if canImport(Glibc)
import Glibc
#endif

/// Runs inputs through the ingest loop into one `RunSummary`: sequentially here, or with
/// `--jobs` workers (ParallelAnalysis.swift). Inputs that are run summaries themselves (partial
/// reports) are merged in.
public final class Analyzer {
    public let options: AnalysisOptions
    public let result: RunSummary
    /// Called for every kept event, in input order (NDJSON streaming). `event.source.input`
    /// indexes `result.inputs`.
    public var onEvent: ((Event) -> Void)?
    /// Called now and then with (input index, raw bytes consumed, raw size if known).
    public var onProgress: ((Int, Int64, Int64?) -> Void)?

    public init(options: AnalysisOptions) {
        self.options = options
        self.result = RunSummary(maxShapes: options.maxShapes)
        result.oom.windowMillis = options.oomWindowMillis
        result.oom.crashLoopWindowMillis = options.crashLoopWindowMillis
        if let set = options.rules, !set.isEmpty { result.rules = RuleRun(set: set) }
    }

    /// Analyzes one input (a log, or a partial summary, merged in). Read errors are recorded on
    /// the input, never thrown.
    public func analyze(path: String) { analyze(path: path, deferSummary: nil) }

    func analyze(path: String, deferSummary: ((InputOpener.Opened) -> Void)?) {
        let index = result.inputs.count
        var acct = accounting(for: path)
        let opened: InputOpener.Opened
        do {
            opened = try InputOpener.open(path: path)
        } catch {
            acct.error = error.description
            result.inputs.append(acct)
            forgetFileNameHost(result.inputs.count - 1)
            return
        }
        if opened.isSummary {
            if let deferSummary { return deferSummary(opened) }
            return mergeSummary(opened, path: path)
        }
        acct.isGzip = opened.isGzip
        run(source: opened.source, index: index, accounting: acct, modificationTime: opened.modificationTime,
            raw: opened.raw, size: opened.size)
    }

    /// Analyzes bytes from any source (tests use small read sizes through this).
    public func analyze(source: ByteSource, path: String) {
        run(source: source, index: result.inputs.count, accounting: accounting(for: path), modificationTime: nil, raw: nil, size: nil)
    }

    /// A new input's accounting, with its host: `--host`, else the file's name (none for stdin).
    func accounting(for path: String) -> InputAccounting {
        var a = InputAccounting(path: path)
        a.host = options.host ?? (path == "-" ? nil : Analyzer.hostName(fromPath: path))
        return a
    }

    /// `/var/log/db1/mongod.log.2.gz` → `mongod` is not a host; the file name without its
    /// rotation and compression suffixes is what we have: `mongod.log` → `mongod`.
    static func hostName(fromPath path: String) -> String {
        var name = Substring(path.split(separator: "/").last ?? Substring(path))
        for suffix in [".gz", ".log"] { if name.hasSuffix(suffix) { name = name.dropLast(suffix.count) } }
        while let dot = name.lastIndex(of: "."), name[name.index(after: dot)...].allSatisfy(\.isNumber), dot > name.startIndex {
            name = name[..<dot]
            if name.hasSuffix(".log") { name = name.dropLast(4) }
        }
        return name.isEmpty ? path : String(name)
    }

    /// A partial summary given as an input: merged into this run (its inputs follow ours).
    func mergeSummary(_ opened: InputOpener.Opened, path: String) {
        do {
            try result.merge(try SummaryCoding.decode(try SummaryCoding.readAll(opened.source), rules: options.rules))
        } catch {
            var acct = InputAccounting(path: path)
            acct.format = "partial"
            acct.error = "\(path): not a usable partial summary: \(error)"
            result.inputs.append(acct)
        }
    }

    /// The parse context of input `index`: `--year`, else the file's modification year.
    func parseContext(index: Int, path: String, modificationTime: Int64?) -> ParseContext {
        var year = options.year
        var yearSource: Timestamp? = nil
        if year == nil, let m = modificationTime {
            yearSource = Timestamp(millis: m.multipliedReportingOverflow(by: 1000).overflow ? 0 : m * 1000)
            year = yearSource!.civil.year
        }
        return ParseContext(input: index, path: path, defaultYear: year, bootTime: options.bootTime,
                            yearFromModificationTime: yearSource)
    }

    /// Paths of the inputs that are being or have been read, by input index.
    private var paths: [Int: String] = [:]

    /// The path of input `index` (for streamed events, before the input's accounting is booked).
    public func path(ofInput index: Int) -> String {
        paths[index] ?? (index < result.inputs.count ? result.inputs[index].path : "")
    }

    /// The ingest loop of input `index`, with this run's sinks. It starts in the member state
    /// the previous input of the same host label ended in (rotated files given in order).
    func makeLoop(index: Int, accounting: InputAccounting, context: ParseContext) -> IngestLoop {
        paths[index] = accounting.path
        var sinks: [any EventSink] = [SummarySink(summary: result, host: accounting.host)]
        if let onEvent { sinks.append(ClosureSink(onEvent)) }
        return IngestLoop(input: index, accounting: accounting, context: context, parsers: options.parsers,
                          filter: options.filter, summary: result, sinks: sinks, keepEdges: options.keepEdges,
                          fixedHost: options.host != nil, memberState: accounting.host.flatMap { memberStates[$0] })
    }

    /// Member state each host label's last input ended in.
    private var memberStates: [String: String] = [:]

    /// After an input's loop finished: remember its member state for the next input of its label.
    func loopFinished(_ loop: IngestLoop) {
        if let label = loop.accounting.host, let state = loop.memberState { memberStates[label] = state }
        if let logged = loop.accounting.loggedHost, let state = loop.memberState { memberStates[logged] = state }
    }

    private func run(source: ByteSource, index: Int, accounting: InputAccounting,
                     modificationTime: Int64?, raw: FileDescriptorSource?, size: Int64?) {
        let loop = makeLoop(index: index, accounting: accounting,
                            context: parseContext(index: index, path: accounting.path, modificationTime: modificationTime))
        let reader = LineReader(source: source, readSize: options.readSize, maxLineLength: options.maxLineLength)
        let onProgress = self.onProgress
        var nextProgress: Int64 = 64 << 20
        var error: String?
        do {
            try reader.forEachLine { line in
                loop.line(line)
                if let onProgress, line.endOffset >= nextProgress {
                    nextProgress = line.endOffset + (64 << 20)
                    onProgress(index, raw.map { Int64(lseek($0.fd, 0, SEEK_CUR)) } ?? line.endOffset, size)
                }
            }
        } catch let e {
            error = e.description
        }
        loop.finish(bytes: reader.consumed)
        loopFinished(loop)
        if let error { result.inputs[index].error = error }
        forgetFileNameHost(index)
    }

    /// A host taken from a file name means nothing for a file without slow operations (a
    /// kern.log beside mongod.log is the same machine): such an input gets none.
    func forgetFileNameHost(_ index: Int) {
        if options.host == nil, index < result.inputs.count, result.inputs[index].slowOps == 0,
           result.inputs[index].loggedHost == nil {
            result.inputs[index].host = nil
        }
    }
}
