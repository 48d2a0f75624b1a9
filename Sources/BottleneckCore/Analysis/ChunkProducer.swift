import Dispatch
import Synchronization

/// One line as a chunk producer saw it; the consumer replays lines in input order.
struct ParsedLine: Sendable {
    enum Kind: Sendable { case parsed(LineOutcome), blank, tooLong }
    var kind: Kind
    /// 1-based line number within the chunk.
    var number: Int
    /// The line's bytes in the batch (only when rules read lines).
    var start: Int
    var length: Int
    /// Events emitted while parsing this line: the next `events` of the batch.
    var events: Int
}

/// What a chunk producer learned by the end of its chunk.
struct ChunkSummary: Sendable {
    var finishEvents: [Event] = []
    var linesByFormat: [Int] = []
    var formatNames: [String] = []
    var lines = 0
    var consumed: Int64 = 0
    var error: String?
    /// The chunk needed a stateful parser and went on to the end of the file.
    var overran = false
}

/// A run of parsed lines with their events; the last batch of a chunk carries its summary.
struct ParsedBatch: Sendable {
    var lines: [ParsedLine] = []
    var bytes: [UInt8] = []
    var events: [Event] = []
    /// Decoded bytes of the chunk consumed so far (progress).
    var consumed: Int64 = 0

    var summary: ChunkSummary?
}

/// A bounded, single-producer single-consumer queue of batches.
final class BatchChannel: Sendable {
    private struct State: Sendable {
        var queue: [ParsedBatch] = []
        var cancelled = false
    }
    private let state = Mutex(State())
    private let items = DispatchSemaphore(value: 0)
    private let space: DispatchSemaphore

    init(capacity: Int) {
        // libdispatch traps when a semaphore is freed below its initial value (a cancelled
        // channel is freed with batches never popped), so start at 0 and signal up.
        space = DispatchSemaphore(value: 0)
        for _ in 0..<capacity { space.signal() }
    }

    /// False when the consumer cancelled the chunk: the producer stops.
    func push(_ batch: ParsedBatch) -> Bool {
        if isCancelled { return false }
        space.wait()
        let ok = state.withLock { s -> Bool in
            if s.cancelled { return false }
            s.queue.append(batch)
            return true
        }
        if ok { items.signal() }
        return ok
    }

    func pop() -> ParsedBatch {
        items.wait()
        let b = state.withLock { $0.queue.removeFirst() }
        space.signal()
        return b
    }

    func cancel() {
        state.withLock {
            $0.cancelled = true
            $0.queue.removeAll()
        }
        space.signal()
    }

    var isCancelled: Bool { state.withLock { $0.cancelled } }
}

/// An input's bytes handed to exactly one producer thread (gzip, pipes: not splittable).
final class StreamHandoff: @unchecked Sendable {
    let source: ByteSource
    init(_ source: ByteSource) { self.source = source }
}

/// Part of an input: a byte range of a regular file, or a whole stream.
struct ChunkTask: Sendable {
    let input: Int
    let context: ParseContext
    let file: SharedFile?
    let stream: StreamHandoff?
    let start: Int64
    let end: Int64
    let channel: BatchChannel
}

/// Stops delivering bytes once the consumer has cancelled the chunk.
final class StoppableSource: ByteSource {
    let base: ByteSource
    let channel: BatchChannel
    init(_ base: ByteSource, channel: BatchChannel) {
        self.base = base
        self.channel = channel
    }
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        if channel.isCancelled { return 0 }
        return try base.read(into: buffer)
    }
}

/// Reads and parses one chunk on a worker thread, streaming batches to the consumer.
enum ChunkProducer {
    static let batchLines = 4096
    static let batchBytes = 256 << 10

    static func run(_ task: ChunkTask, options: AnalysisOptions, keepBytes: Bool) {
        let channel = task.channel
        if channel.isCancelled { return }
        // An earlier chunk of this file went on to its end: this one will be dropped unread.
        if let f = task.file, task.start > f.overrunFrom.load(ordering: .relaxed) { return }
        let dispatcher = LineDispatcher(context: task.context, factories: options.parsers)
        let base: ByteSource
        if let file = task.file {
            let chunk = ChunkSource(file: file, start: task.start, end: task.end)
            chunk.continuePastEnd = {
                if dispatcher.isChunkSafe { return false }
                file.overrunFrom.store(task.start, ordering: .relaxed)
                return true
            }
            base = chunk
        } else {
            base = task.stream!.source
        }
        let source = StoppableSource(base, channel: channel)
        let reader = LineReader(source: source, readSize: min(options.readSize, 256 << 10), maxLineLength: options.maxLineLength)
        var batch = ParsedBatch()
        var summary = ChunkSummary()
        var stopped = false
        let emit: (Event) -> Void = { batch.events.append($0) }
        do {
            try reader.forEachLine { line in
                if stopped { return }
                summary.lines = line.number
                if line.tooLong {
                    batch.lines.append(ParsedLine(kind: .tooLong, number: line.number, start: 0, length: 0, events: 0))
                } else if line.bytes.isEmpty {
                    batch.lines.append(ParsedLine(kind: .blank, number: line.number, start: 0, length: 0, events: 0))
                } else {
                    let before = batch.events.count
                    let outcome = dispatcher.parse(line.bytes, lineNumber: line.number, emit: emit)
                    let start = batch.bytes.count
                    if keepBytes { batch.bytes.append(contentsOf: line.bytes) }
                    batch.lines.append(ParsedLine(kind: .parsed(outcome), number: line.number, start: start,
                                                  length: keepBytes ? line.bytes.count : 0,
                                                  events: batch.events.count - before))
                }
                if batch.lines.count >= batchLines || batch.bytes.count >= batchBytes {
                    batch.consumed = line.endOffset
                    if !channel.push(batch) { stopped = true }
                    batch = ParsedBatch()
                            }
            }
        } catch {
            summary.error = error.description
        }
        if stopped || channel.isCancelled { return }
        var finishEvents: [Event] = []
        dispatcher.finish { finishEvents.append($0) }
        summary.finishEvents = finishEvents
        summary.linesByFormat = dispatcher.linesByFormat
        summary.formatNames = dispatcher.parsers.map(\.formatName)
        summary.consumed = reader.consumed
        summary.overran = (base as? ChunkSource)?.overran ?? false
        batch.consumed = reader.consumed
        batch.summary = summary
        _ = channel.push(batch)
    }
}

extension Event {
    /// A worker's event as the input's loop replays it: lines moved down by `lineShift`, and an
    /// operation stamped with the host and role in force (workers cannot know them).
    func replayed(lineShift n: Int, attribution: Attribution) -> Event {
        switch self {
        case .slowOperation(var op):
            op.source.line += n
            op.host = attribution.host
            op.role = attribution.role
            return .slowOperation(op)
        default:
            return shiftingLines(by: n)
        }
    }

    /// The same event with its line numbers moved down by `n` (chunk → input line numbers).
    func shiftingLines(by n: Int) -> Event {
        guard n != 0 else { return self }
        switch self {
        case .slowOperation(var op):
            op.source.line += n
            return .slowOperation(op)
        case .oomKill(var k):
            k.source.line += n
            return .oomKill(k)
        case .server(var e):
            e.source.line += n
            return .server(e)
        }
    }
}
