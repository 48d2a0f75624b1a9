import CZlib

/// Inflates gzip data (one or several concatenated members) from an underlying source.
///
/// Bytes inflated before damage are delivered first; the error is thrown on the next read, so
/// the caller analyzes and counts everything readable and still learns the file is damaged.
public final class GzipSource: ByteSource {
    private let base: ByteSource
    private let path: String
    private var stream = z_stream()
    private var inBuffer: UnsafeMutableRawBufferPointer
    private var inputEnded = false
    private var streamEnded = false
    private var initialized = false
    private var pendingError: InputError?
    private var finished = false

    public init(base: ByteSource, path: String, bufferSize: Int = 1 << 20) throws(InputError) {
        self.base = base
        self.path = path
        self.inBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16)
        let rc = bn_inflateInit2(&stream, 15 + 16)
        guard rc == Z_OK else {
            inBuffer.deallocate()
            throw .corruptGzip(path: path, reason: "zlib init failed (\(rc))")
        }
        initialized = true
    }

    deinit {
        if initialized { inflateEnd(&stream) }
        inBuffer.deallocate()
    }

    private func refill() throws(InputError) {
        let n = try base.read(into: inBuffer)
        if n == 0 { inputEnded = true }
        stream.next_in = inBuffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.avail_in = uInt(n)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        if finished {
            if let e = pendingError { pendingError = nil; throw e }
            return 0
        }
        stream.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.avail_out = uInt(buffer.count)
        while stream.avail_out > 0 {
            if stream.avail_in == 0 && !inputEnded {
                try refill()
            }
            if streamEnded {
                // Between members: skip to the next one, or end.
                if stream.avail_in == 0 && inputEnded { finished = true; break }
                if stream.avail_in == 0 { continue }
                inflateReset(&stream)
                streamEnded = false
            }
            if stream.avail_in == 0 && inputEnded {
                // Input ran out inside a member.
                finished = true
                pendingError = .truncatedGzip(path: path)
                break
            }
            let rc = inflate(&stream, Z_NO_FLUSH)
            if rc == Z_STREAM_END {
                streamEnded = true
                continue
            }
            if rc == Z_OK || rc == Z_BUF_ERROR { continue }
            finished = true
            let msg = stream.msg.map { String(cString: $0) } ?? "zlib error \(rc)"
            pendingError = .corruptGzip(path: path, reason: msg)
            break
        }
        let produced = buffer.count - Int(stream.avail_out)
        if produced == 0, finished, let e = pendingError {
            pendingError = nil
            throw e
        }
        return produced
    }
}
