#if canImport(Glibc)
import Glibc
#endif

struct OutputError: Error, CustomStringConvertible {
    let description: String
}

/// Writes to stdout, or to a file atomically: a temporary file beside it, renamed on commit.
final class OutputSink {
    private let fd: Int32
    private let path: String?
    private let tempPath: String?
    private var buffer: [UInt8] = []

    init(path: String?) throws {
        self.path = path
        if let path {
            let tmp = path + ".tmp-\(getpid())"
            let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            if fd < 0 { throw OutputError(description: "\(path): cannot write: \(String(cString: strerror(errno)))") }
            self.fd = fd
            self.tempPath = tmp
        } else {
            self.fd = 1
            self.tempPath = nil
        }
        buffer.reserveCapacity(1 << 16)
    }

    func write(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    func write(bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 { flush() }
    }

    private func flush() {
        buffer.withUnsafeBytes { b in
            var off = 0
            while off < b.count {
                let n = Glibc.write(fd, b.baseAddress! + off, b.count - off)
                if n < 0 { if errno == EINTR { continue }; break }
                off += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    func commit() throws {
        flush()
        guard let path, let tempPath else { return }
        if fsync(fd) != 0 || close(fd) != 0 {
            unlink(tempPath)
            throw OutputError(description: "\(path): write failed: \(String(cString: strerror(errno)))")
        }
        if rename(tempPath, path) != 0 {
            unlink(tempPath)
            throw OutputError(description: "\(path): cannot rename into place: \(String(cString: strerror(errno)))")
        }
    }
}
