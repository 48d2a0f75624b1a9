import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open regular file shared by the chunk readers of `--jobs` (pread is safe across threads).
final class SharedFile: @unchecked Sendable {
    let fd: Int32
    let path: String
    let size: Int64
    /// Start of the chunk that went on to the end of the file (Int64.max: none yet); workers
    /// skip the later chunks, which the consumer drops anyway.
    let overrunFrom = Atomic<Int64>(Int64.max)

    init(fd: Int32, path: String, size: Int64) {
        self.fd = fd
        self.path = path
        self.size = size
    }

    deinit { close(fd) }

    /// Opens `path` when it is a regular file (not gzip: the caller checks), else nil.
    static func open(path: String) -> SharedFile? {
        guard path != "-" else { return nil }
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            return nil
        }
        return SharedFile(fd: fd, path: path, size: Int64(st.st_size))
    }

    /// Chunk boundaries: offsets just past a newline, near multiples of `chunkSize`, so that
    /// every chunk holds whole lines. Always starts with 0 and ends with the file size.
    func boundaries(chunkSize: Int) -> [Int64] {
        var cuts: [Int64] = [0]
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
        defer { scratch.deallocate() }
        var next = Int64(chunkSize)
        while next < size {
            var at = next
            var found: Int64? = nil
            while at < size, found == nil {
                let n = pread(fd, scratch.baseAddress, scratch.count, off_t(at))
                if n <= 0 { break }
                if let hit = memchr(scratch.baseAddress!, Int32(UInt8(ascii: "\n")), n) {
                    found = at + Int64(scratch.baseAddress!.distance(to: UnsafeMutableRawPointer(hit))) + 1
                }
                at += Int64(n)
            }
            guard let cut = found, cut < size else { break }
            cuts.append(cut)
            next = cut + Int64(chunkSize)
        }
        cuts.append(size)
        return cuts
    }
}

/// Bytes `[start, end)` of a shared file, then (when `overrun`) on to the end of the file.
final class ChunkSource: ByteSource {
    let file: SharedFile
    private var offset: Int64
    private(set) var end: Int64
    /// Asked once, when the chunk is used up: true continues to the end of the file.
    var continuePastEnd: (() -> Bool)?
    private(set) var overran = false

    init(file: SharedFile, start: Int64, end: Int64) {
        self.file = file
        self.offset = start
        self.end = end
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        var want = Int(min(Int64(buffer.count), end - offset))
        if want <= 0, !overran, end < file.size, let ask = continuePastEnd, ask() {
            overran = true
            end = file.size
            want = Int(min(Int64(buffer.count), end - offset))
        }
        if want <= 0 { return 0 }
        while true {
            let n = pread(file.fd, buffer.baseAddress, want, off_t(offset))
            if n >= 0 {
                offset += Int64(n)
                return n
            }
            if errno == EINTR { continue }
            throw .readFailed(path: file.path, reason: errnoString(errno))
        }
    }
}
