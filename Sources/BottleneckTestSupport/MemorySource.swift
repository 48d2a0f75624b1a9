import BottleneckCore

/// Serves bytes from memory in reads of at most `chunk` bytes, to test buffer boundaries.
public final class MemorySource: ByteSource {
    private let bytes: [UInt8]
    private let chunk: Int
    private var offset = 0

    public init(_ bytes: [UInt8], chunk: Int) {
        self.bytes = bytes
        self.chunk = chunk
    }

    public convenience init(_ text: String, chunk: Int) {
        self.init(Array(text.utf8), chunk: chunk)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        let n = min(chunk, buffer.count, bytes.count - offset)
        if n <= 0 { return 0 }
        bytes.withUnsafeBytes { src in
            buffer.baseAddress!.copyMemory(from: src.baseAddress! + offset, byteCount: n)
        }
        offset += n
        return n
    }
}

/// The read sizes every parser is tested with.
public let boundaryReadSizes = [1, 7, 65_536]

/// Collects the lines a reader yields, as arrays, for assertions.
public func collectLines(_ text: [UInt8], readSize: Int, maxLineLength: Int = 1 << 20) throws -> [(line: [UInt8], tooLong: Bool, terminated: Bool)] {
    let reader = LineReader(source: MemorySource(text, chunk: readSize), readSize: readSize, maxLineLength: maxLineLength)
    var out: [(line: [UInt8], tooLong: Bool, terminated: Bool)] = []
    try reader.forEachLine { l in out.append((Array(l.bytes), l.tooLong, l.terminated)) }
    return out
}

/// Runs text through a fresh analyzer with the given read size.
public func analyzeText(_ text: String, readSize: Int, options: AnalysisOptions = AnalysisOptions(), path: String = "test.log") -> RunSummary {
    var o = options
    o.readSize = readSize
    let a = Analyzer(options: o)
    a.analyze(source: MemorySource(text, chunk: readSize), path: path)
    return a.result
}

/// Path of a fixture under Fixtures/logs, found from this source file's location.
public func fixturePath(_ name: String, file: StaticString = #filePath) -> String {
    var parts = "\(file)".split(separator: "/", omittingEmptySubsequences: false)
    while let last = parts.last, last != "Sources" && last != "Tests" { parts.removeLast() }
    parts.removeLast()
    return parts.joined(separator: "/") + "/Fixtures/logs/" + name
}

#if canImport(Glibc)
import Glibc
#endif

public func getpidValue() -> Int32 { getpid() }

public struct TestIOError: Error, CustomStringConvertible {
    public let description: String
}

/// Reads a whole file into memory.
public func readFileBytes(_ path: String) throws -> [UInt8] {
    let src = try FileDescriptorSource.open(path: path)
    var out: [UInt8] = []
    let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 1)
    defer { buf.deallocate() }
    while true {
        let n = try src.read(into: buf)
        if n == 0 { break }
        out.append(contentsOf: buf[0..<n])
    }
    return out
}

public func writeFileBytes(_ path: String, _ bytes: [UInt8]) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { throw TestIOError(description: "cannot write \(path)") }
    defer { close(fd) }
    try bytes.withUnsafeBytes { b in
        var off = 0
        while off < b.count {
            let n = write(fd, b.baseAddress! + off, b.count - off)
            guard n > 0 else { throw TestIOError(description: "write failed \(path)") }
            off += n
        }
    }
}

public func copyFile(_ from: String, _ to: String) throws {
    try writeFileBytes(to, try readFileBytes(from))
}

public func removeFile(_ path: String) { unlink(path) }
