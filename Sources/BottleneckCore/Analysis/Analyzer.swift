#if canImport(Glibc)
import Glibc
#endif

/// Runs inputs through reader → dispatcher → folder → filter → aggregates.
public final class Analyzer {
    public let options: AnalysisOptions
    public let result: RunSummary
    /// Called for every kept event, in input order (NDJSON streaming).
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

    /// Analyzes one input. Read errors are recorded on the input, never thrown.
    public func analyze(path: String) {
        let index = result.inputs.count
        var acct = InputAccounting(path: path)
        defer { result.inputs.append(acct) }
        let opened: InputOpener.Opened
        do {
            opened = try InputOpener.open(path: path)
        } catch {
            acct.error = error.description
            return
        }
        acct.isGzip = opened.isGzip
        analyze(source: opened.source, index: index, path: path, accounting: &acct,
                modificationTime: opened.modificationTime, raw: opened.raw, size: opened.size)
    }

    /// Analyzes bytes from any source (tests use small read sizes through this).
    public func analyze(source: ByteSource, path: String) {
        let index = result.inputs.count
        var acct = InputAccounting(path: path)
        analyze(source: source, index: index, path: path, accounting: &acct, modificationTime: nil, raw: nil, size: nil)
        result.inputs.append(acct)
    }

    /// The parse context of input `index`: `--year`, else the file's modification year.
    func parseContext(index: Int, path: String, modificationTime: Int64?) -> ParseContext {
        var year = options.year
        var yearSource: Timestamp? = nil
        if year == nil, let m = modificationTime {
            yearSource = Timestamp(millis: m * 1000)
            year = yearSource!.civil.year
        }
        return ParseContext(input: index, path: path, defaultYear: year, bootTime: options.bootTime,
                            yearFromModificationTime: yearSource)
    }

    private func analyze(source: ByteSource, index: Int, path: String, accounting acct: inout InputAccounting,
                         modificationTime: Int64?, raw: FileDescriptorSource?, size: Int64?) {
        let context = parseContext(index: index, path: path, modificationTime: modificationTime)
        let dispatcher = LineDispatcher(context: context, factories: options.parsers)
        let reader = LineReader(source: source, readSize: options.readSize, maxLineLength: options.maxLineLength)
        let pipeline = EventPipeline(filter: options.filter, result: result, onEvent: onEvent)
        let sink: (Event) -> Void = { pipeline.sink($0) }
        let onProgress = self.onProgress
        let rules = result.rules
        var nextProgress: Int64 = 64 << 20
        var local = acct
        do {
            try reader.forEachLine { line in
                if line.tooLong {
                    local.count(.skipped(.tooLong))
                    return
                }
                if line.bytes.isEmpty {
                    local.count(.skipped(.blank))
                    return
                }
                rules?.beginLine(line.bytes, number: line.number, input: index)
                local.count(dispatcher.parse(line.bytes, lineNumber: line.number, emit: sink))
                rules?.endLine()
                if let onProgress, line.endOffset >= nextProgress {
                    nextProgress = line.endOffset + (64 << 20)
                    onProgress(index, raw.map { Int64(lseek($0.fd, 0, SEEK_CUR)) } ?? line.endOffset, size)
                }
            }
        } catch {
            local.error = error.description
        }
        dispatcher.finish(emit: sink)
        local.bytes = reader.consumed
        local.format = dispatcher.formatSummary
        pipeline.finish(into: &local)
        acct = local
    }
}
