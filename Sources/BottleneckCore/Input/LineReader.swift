#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One line handed to a consumer. `bytes` is only valid inside the callback.
public struct Line {
    /// The line without its `\n` (and without a `\r` before it). Empty when `tooLong`.
    public var bytes: UnsafeRawBufferPointer
    /// 1-based line number within the input.
    public var number: Int
    /// Byte offset just past this line (and its newline) in the decoded input.
    public var endOffset: Int64
    /// The line exceeded the cap; its bytes were dropped. `droppedLength` says how many.
    public var tooLong: Bool
    public var droppedLength: Int
    /// False only for a last line that ended without a newline.
    public var terminated: Bool
}

/// A buffered, byte-level line splitter over a `ByteSource` with one reused buffer.
///
/// CRLF is handled; NUL and invalid UTF-8 are just bytes; a line longer than `maxLineLength` is
/// reported as `tooLong` and skipped without holding it in memory; no line is lost or split at a
/// buffer boundary whatever the read size.
public final class LineReader {
    public static let defaultReadSize = 4 << 20
    public static let defaultMaxLineLength = 16 << 20

    private let source: ByteSource
    private let readSize: Int
    private let maxLineLength: Int
    private var buffer: UnsafeMutableRawBufferPointer
    /// Bytes of decoded input consumed so far (through the last complete line).
    public private(set) var consumed: Int64 = 0

    public init(source: ByteSource, readSize: Int = LineReader.defaultReadSize,
                maxLineLength: Int = LineReader.defaultMaxLineLength) {
        precondition(readSize > 0 && maxLineLength > 0)
        self.source = source
        self.readSize = readSize
        self.maxLineLength = maxLineLength
        let initial = min(max(readSize, 64 << 10), max(maxLineLength + 2, 64 << 10))
        self.buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(initial, readSize), alignment: 64)
    }

    deinit { buffer.deallocate() }

    /// Calls `body` for every line. Lines read before an input error are all delivered (a partial
    /// last line included, as unterminated), then the error is rethrown.
    public func forEachLine(_ body: (Line) -> Void) throws(InputError) {
        var start = 0
        var end = 0
        var lineNumber = 0
        var skipping = false
        var skipped = 0
        let nl = Int32(UInt8(ascii: "\n"))

        func emit(_ from: Int, _ to: Int, terminated: Bool) {
            lineNumber += 1
            var stop = to
            if stop > from, buffer[stop - 1] == UInt8(ascii: "\r") { stop -= 1 }
            consumed += Int64(to - from) + (terminated ? 1 : 0)
            let bytes = UnsafeRawBufferPointer(rebasing: buffer[from..<stop])
            body(Line(bytes: bytes, number: lineNumber, endOffset: consumed, tooLong: false,
                      droppedLength: 0, terminated: terminated))
        }
        func emitTooLong(length: Int, terminated: Bool) {
            lineNumber += 1
            consumed += Int64(length) + (terminated ? 1 : 0)
            body(Line(bytes: UnsafeRawBufferPointer(start: nil, count: 0), number: lineNumber,
                      endOffset: consumed, tooLong: true, droppedLength: length, terminated: terminated))
        }

        while true {
            // Split complete lines in [start, end).
            var scan = start
            while scan < end {
                guard let hit = memchr(buffer.baseAddress! + scan, nl, end - scan) else { break }
                let i = buffer.baseAddress!.distance(to: UnsafeMutableRawPointer(hit))
                if skipping {
                    emitTooLong(length: skipped + (i - start), terminated: true)
                    skipping = false
                    skipped = 0
                } else if i - start > maxLineLength {
                    emitTooLong(length: i - start, terminated: true)
                } else {
                    emit(start, i, terminated: true)
                }
                start = i + 1
                scan = start
            }
            // What is left is a partial line.
            if skipping {
                skipped += end - start
                start = end
            } else if end - start > maxLineLength {
                skipping = true
                skipped = end - start
                start = end
            }
            if start == end {
                start = 0
                end = 0
            } else if start > 0 && buffer.count - end < readSize {
                let n = end - start
                buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: n)
                start = 0
                end = n
            }
            if buffer.count - end < readSize {
                let newSize = max(buffer.count * 2, end + readSize)
                let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: newSize, alignment: 64)
                grown.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: end)
                buffer.deallocate()
                buffer = grown
            }
            let n: Int
            do {
                n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[end..<(end + readSize)]))
            } catch {
                flush(&start, &end, skipping: skipping, skipped: skipped, emit: emit, emitTooLong: emitTooLong)
                throw error
            }
            if n == 0 {
                flush(&start, &end, skipping: skipping, skipped: skipped, emit: emit, emitTooLong: emitTooLong)
                return
            }
            end += n
        }
    }

    private func flush(_ start: inout Int, _ end: inout Int, skipping: Bool, skipped: Int,
                       emit: (Int, Int, Bool) -> Void, emitTooLong: (Int, Bool) -> Void) {
        if skipping {
            emitTooLong(skipped + (end - start), false)
        } else if end > start {
            if end - start > maxLineLength {
                emitTooLong(end - start, false)
            } else {
                emit(start, end, false)
            }
        }
        start = end
    }
}
