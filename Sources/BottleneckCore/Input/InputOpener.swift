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

    public static func open(path: String) throws(InputError) -> Opened {
        let file = try FileDescriptorSource.open(path: path)
        let want = SummaryCoding.magic.count
        var magic = [UInt8](repeating: 0, count: want)
        var got = 0
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: want, alignment: 1)
        defer { scratch.deallocate() }
        while got < want {
            let n = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: scratch[got...]))
            if n == 0 { break }
            magic[got..<(got + n)] = ArraySlice(scratch[got..<(got + n)])
            got += n
        }
        let prefix = Array(magic[0..<got])
        let prefixed = PrefixedSource(prefix: prefix, base: file)
        if SummaryCoding.isSummary(prefix) {
            var o = Opened(source: prefixed, isGzip: false, size: file.size, modificationTime: file.modificationTime, raw: file)
            o.isSummary = true
            return o
        }
        if got >= 2 && magic[0] == 0x1f && magic[1] == 0x8b {
            let gz = try GzipSource(base: prefixed, path: path)
            return Opened(source: gz, isGzip: true, size: file.size, modificationTime: file.modificationTime, raw: file)
        }
        return Opened(source: prefixed, isGzip: false, size: file.size, modificationTime: file.modificationTime, raw: file)
    }
}
