/// Opens a path (or `-`) as a byte source, detecting gzip by its magic bytes.
public enum InputOpener {
    public struct Opened {
        public let source: ByteSource
        public let isGzip: Bool
        /// Size on disk, for progress (compressed size for gzip).
        public let size: Int64?
        public let modificationTime: Int64?
        /// The raw file (for progress: bytes consumed so far).
        public let raw: FileDescriptorSource
        /// The input is a run summary (`analyze --partial`), not a log: `SummaryCoding.magic`.
        public var isSummary = false
    }

    /// Up to `count` first bytes of `source` (fewer at its end).
    /// Bytes read before an error are left in `into`.
    static func peek(_ source: ByteSource, _ count: Int, into out: inout [UInt8]) throws(InputError) -> [UInt8] {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 1)
        defer { scratch.deallocate() }
        while out.count < count {
            let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: scratch[0..<(count - out.count)]))
            if n == 0 { break }
            out.append(contentsOf: scratch[0..<n])
        }
        return out
    }

    static func peek(_ source: ByteSource, _ count: Int) throws(InputError) -> [UInt8] {
        var out: [UInt8] = []
        return try peek(source, count, into: &out)
    }

    /// A source whose first read throws (damage found while peeking).
    final class FailingSource: ByteSource {
        let error: InputError
        init(error: InputError) { self.error = error }
        func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int { throw error }
    }

    public static func open(path: String) throws(InputError) -> Opened {
        let file = try FileDescriptorSource.open(path: path)
        let magic = try peek(file, SummaryCoding.magic.count)
        let got = magic.count
        let prefix = magic
        let prefixed = PrefixedSource(prefix: prefix, base: file)
        if SummaryCoding.isSummary(prefix) {
            var o = Opened(source: prefixed, isGzip: false, size: file.size, modificationTime: file.modificationTime, raw: file)
            o.isSummary = true
            return o
        }
        if got >= 2 && magic[0] == 0x1f && magic[1] == 0x8b {
            let gz = try GzipSource(base: prefixed, path: path)
            // A file compressed twice inflates to gzip again: refuse it by name rather than read
            // binary as lines (README, "Exit codes").
            // Damage at the very start is not raised here: it stays for the first read, as before.
            var inner: [UInt8] = []
            var damage: InputError?
            do { inner = try peek(gz, SummaryCoding.magic.count, into: &inner) } catch { damage = error }
            if inner.count >= 2 && inner[0] == 0x1f && inner[1] == 0x8b { throw .gzipInsideGzip(path: path) }
            let rest: ByteSource = damage.map { FailingSource(error: $0) } ?? gz
            var o = Opened(source: PrefixedSource(prefix: inner, base: rest), isGzip: true, size: file.size,
                           modificationTime: file.modificationTime, raw: file)
            o.isSummary = SummaryCoding.isSummary(inner)
            return o
        }
        return Opened(source: prefixed, isGzip: false, size: file.size, modificationTime: file.modificationTime, raw: file)
    }
}
