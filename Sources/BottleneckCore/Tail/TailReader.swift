#if canImport(Glibc)
import Glibc
#endif

/// One open file being followed: reads what was appended since the last call, hands out complete
/// lines and holds a partial last line until its newline arrives. `offset` is always just past
/// the last complete line, so it is what a checkpoint saves.
///
/// Every chunk is read first and checked against the file's fingerprint before its lines are
/// used: a file truncated (copytruncate) or replaced in place is reported as `.replaced` instead
/// of being read from the middle of the new content.
public final class TailReader {
    public enum ReadResult { case data, eof, replaced }

    public static let chunkSize = 1 << 20

    public let fd: Int32
    /// The path the file had when opened (it may have been renamed since).
    public let name: String
    public let dev: UInt64
    public let ino: UInt64
    public private(set) var fingerprint: ByteRangeHash
    /// Just past the last complete line.
    public private(set) var offset: Int64
    /// Next byte to read (offset + held partial line + discarded bytes of an over-long line).
    private var scanPos: Int64
    private var buffer: UnsafeMutableRawBufferPointer
    private var pendingCount = 0
    private var discarding = false
    private var discardedBytes = 0
    private let maxLineLength: Int
    /// Milliseconds (monotonic) of the last read that returned data.
    public var lastData: Int64 = 0
    /// Wall-clock nanoseconds since which changes at the path are ours to read (file times are
    /// wall clock): when opened, or earlier when it replaces a reader of the same path.
    public var openedAtNanos: Int64 = Clock.wallMillis() * 1_000_000
    /// Wall-clock ns of the last read that returned data still under the file's fingerprint (or
    /// of the opening): a truncation, a copy or a rotation not seen yet happened after it.
    public var verifiedAtNanos: Int64 = Clock.wallMillis() * 1_000_000
    /// Nothing identifies the file yet: it was empty when opened and nothing was read.
    public var hasNoIdentity: Bool { fingerprint.length == 0 && offset == 0 && !holdsPartialLine }
    /// The (up to) `FileIdentity.markerBytes` bytes just before `offset`, kept in memory so the
    /// marker is still known after the file was truncated; nil when unknown.
    private var markerTail: [UInt8]? = []

    /// Opens `path` to read from `offset`. `fingerprint` is the saved one (restores), else taken now.
    public convenience init?(path: String, offset: Int64, fingerprint: ByteRangeHash? = nil, maxLineLength: Int) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        self.init(fd: fd, name: path, offset: offset, fingerprint: fingerprint, maxLineLength: maxLineLength)
    }

    /// Takes over `fd` (closed on failure too), a descriptor already verified to be the file
    /// wanted: reopening by name could attach to another file renamed there meanwhile.
    public init?(fd: Int32, name path: String, offset: Int64, fingerprint: ByteRangeHash? = nil, maxLineLength: Int) {
        guard let st = FileIdentity.stat(fd: fd), st.isRegular, let fp = fingerprint ?? FileIdentity.fingerprint(fd: fd) else {
            close(fd)
            return nil
        }
        self.fd = fd
        self.name = path
        self.dev = st.dev
        self.ino = st.ino
        self.fingerprint = fp
        self.offset = offset
        self.scanPos = offset
        self.maxLineLength = maxLineLength
        self.buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: TailReader.chunkSize + 4096, alignment: 16)
        if offset > 0 { loadMarkerTail() }
    }

    deinit {
        close(fd)
        buffer.deallocate()
    }

    /// Bytes of a line that has not ended yet (held, or being discarded as too long).
    public var holdsPartialLine: Bool { pendingCount > 0 || discarding }

    /// Where a reader opened at "the end" of a file should start: after the last newline within
    /// the last 64 KiB (so a line being written is read whole), else at the end.
    public static func startOfLastLine(fd: Int32, size: Int64) -> Int64 {
        let window = Int(min(size, 64 << 10))
        guard window > 0 else { return 0 }
        var buf = [UInt8](repeating: 0, count: window)
        let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, window, off_t(size - Int64(window))) }
        guard n == window else { return size }
        if let last = buf.lastIndex(of: UInt8(ascii: "\n")) { return size - Int64(window) + Int64(last) + 1 }
        return window == Int(size) ? 0 : size
    }

    /// Moves a fresh reader (nothing read yet) to `offset`.
    public func seek(to offset: Int64) {
        precondition(pendingCount == 0 && !discarding)
        self.offset = offset
        self.scanPos = offset
        loadMarkerTail()
    }

    private func loadMarkerTail() {
        let len = Int(min(Int64(FileIdentity.markerBytes), offset))
        var b = [UInt8](repeating: 0, count: len)
        let n = len == 0 ? 0 : b.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, len, off_t(offset - Int64(len))) }
        markerTail = n == len ? b : nil
    }

    /// Reads one chunk. `onLine(bytes)` gets each complete line without its newline
    /// (and a CR before it); `bytes` is nil for a line longer than the cap (dropped, counted).
    ///
    /// `stillOurs` is asked after a read while the fingerprint is empty or short (fewer than
    /// `FileIdentity.fingerprintBytes`, so a file rewritten in place may still match it): a false
    /// answer (a copytruncate copy appeared: what was read may be newer content) discards the read
    /// and returns `.replaced`.
    public func readChunk(onLine: (UnsafeRawBufferPointer?) -> Void, stillOurs: (() -> Bool)? = nil) -> ReadResult {
        let weak = fingerprint.length < FileIdentity.fingerprintBytes
        if buffer.count < pendingCount + TailReader.chunkSize {
            let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: pendingCount + TailReader.chunkSize + 4096, alignment: 16)
            grown.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: pendingCount)
            buffer.deallocate()
            buffer = grown
        }
        var n: Int
        repeat {
            n = pread(fd, buffer.baseAddress! + pendingCount, TailReader.chunkSize, off_t(scanPos))
        } while n < 0 && errno == EINTR
        if n <= 0 {
            if let st = FileIdentity.stat(fd: fd), st.size < scanPos { return .replaced }
            if !FileIdentity.matches(fd: fd, fingerprint: fingerprint) { return .replaced }
            return .eof
        }
        // Verify after reading: if the file still starts with our fingerprint now, what we read
        // was written before any truncation and belongs to this file.
        if !FileIdentity.matches(fd: fd, fingerprint: fingerprint) { return .replaced }
        if weak, let stillOurs, !stillOurs() { return .replaced }
        verifiedAtNanos = Clock.wallMillis() * 1_000_000
        if fingerprint.length < FileIdentity.fingerprintBytes, let longer = FileIdentity.fingerprint(fd: fd),
           longer.length > fingerprint.length, FileIdentity.hash(fd: fd, offset: 0, length: fingerprint.length) == fingerprint {
            fingerprint = longer
        }
        split(count: n, onLine: onLine)
        scanPos += Int64(n)
        return .data
    }

    private func split(count n: Int, onLine: (UnsafeRawBufferPointer?) -> Void) {
        let base = buffer.baseAddress!
        let end = pendingCount + n
        var start = 0
        var scan = pendingCount
        let nl = Int32(UInt8(ascii: "\n"))
        var contiguous = !discarding
        while scan < end, let hit = memchr(base + scan, nl, end - scan) {
            let i = base.distance(to: UnsafeMutableRawPointer(hit))
            if discarding {
                let length = discardedBytes + (i - start)
                onLine(nil)
                offset += Int64(length) + 1
                discarding = false
                discardedBytes = 0
                contiguous = false
            } else {
                let length = i - start
                if length > maxLineLength {
                    onLine(nil)
                } else {
                    var stop = i
                    if stop > start, base.load(fromByteOffset: stop - 1, as: UInt8.self) == UInt8(ascii: "\r") { stop -= 1 }
                    onLine(UnsafeRawBufferPointer(start: base + start, count: stop - start))
                }
                offset += Int64(length) + 1
            }
            start = i + 1
            scan = start
        }
        if start > 0 {
            let take = min(FileIdentity.markerBytes, start)
            if contiguous || take == FileIdentity.markerBytes {
                let fresh = Array(UnsafeRawBufferPointer(start: base + (start - take), count: take))
                markerTail = take == FileIdentity.markerBytes ? fresh : (markerTail.map { Array($0.suffix(FileIdentity.markerBytes - take)) + fresh })
            } else {
                markerTail = nil
            }
        }
        let remaining = end - start
        if discarding {
            discardedBytes += remaining
            pendingCount = 0
        } else if remaining > maxLineLength {
            discarding = true
            discardedBytes = remaining
            pendingCount = 0
        } else {
            if start > 0 && remaining > 0 { memmove(base, base + start, remaining) }
            pendingCount = remaining
        }
    }

    /// The marker of the current offset (hash of the bytes before it), from memory.
    public var marker: ByteRangeHash? {
        guard let t = markerTail else { return FileIdentity.marker(fd: fd, offset: offset) }
        var h = FNV1a64()
        t.withUnsafeBytes { h.add($0) }
        return ByteRangeHash(length: t.count, hash: h.value)
    }
}
