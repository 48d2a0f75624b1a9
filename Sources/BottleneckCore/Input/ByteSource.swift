#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A stream of bytes: a file, stdin, or a decompressor over one of them.
public protocol ByteSource: AnyObject {
    /// Reads up to `buffer.count` bytes; returns 0 at end of input. Throws on I/O or format errors.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int
}

/// Errors that name the input they happened in.
public enum InputError: Error, Sendable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case readFailed(path: String, reason: String)
    case corruptGzip(path: String, reason: String)
    case truncatedGzip(path: String)
    /// The inflated content starts with gzip's magic again: the file was compressed twice.
    case gzipInsideGzip(path: String)

    public var description: String {
        switch self {
        case .cannotOpen(let p, let r): return "\(p): cannot open: \(r)"
        case .readFailed(let p, let r): return "\(p): read error: \(r)"
        case .corruptGzip(let p, let r): return "\(p): corrupt gzip data: \(r)"
        case .truncatedGzip(let p): return "\(p): gzip stream ends early (truncated file)"
        case .gzipInsideGzip(let p):
            return "\(p): gzip inside gzip (compressed twice); decompress one layer first, e.g. `gzip -dc \(p) | bottleneck analyze -`"
        }
    }

    public var path: String {
        switch self {
        case .cannotOpen(let p, _), .readFailed(let p, _), .corruptGzip(let p, _), .truncatedGzip(let p), .gzipInsideGzip(let p): return p
        }
    }
}

func errnoString(_ code: Int32) -> String {
    if let s = strerror(code) { return String(cString: s) }
    return "errno \(code)"
}

/// `read(2)` on a file descriptor.
public final class FileDescriptorSource: ByteSource {
    public let fd: Int32
    public let path: String
    private let owns: Bool

    public init(fd: Int32, path: String, owns: Bool) {
        self.fd = fd
        self.path = path
        self.owns = owns
    }

    /// Opens a file for reading; `-` is standard input.
    public static func open(path: String) throws(InputError) -> FileDescriptorSource {
        if path == "-" { return FileDescriptorSource(fd: 0, path: "-", owns: false) }
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw .cannotOpen(path: path, reason: errnoString(errno)) }
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw .cannotOpen(path: path, reason: "is a directory")
        }
        return FileDescriptorSource(fd: fd, path: path, owns: true)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw .readFailed(path: path, reason: errnoString(errno))
        }
    }

    /// Size in bytes for regular files, for progress; nil for pipes.
    public var size: Int64? {
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int64(st.st_size)
    }

    /// Modification time (seconds since epoch) of regular files.
    public var modificationTime: Int64? {
        var st = stat()
        guard fstat(fd, &st) == 0 else { return nil }
        return Int64(st.st_mtim.tv_sec)
    }

    deinit {
        if owns { close(fd) }
    }
}

/// Serves bytes already read (a sniffed prefix) before continuing with the underlying source.
final class PrefixedSource: ByteSource {
    private var prefix: [UInt8]
    private var offset = 0
    private let base: ByteSource

    init(prefix: [UInt8], base: ByteSource) {
        self.prefix = prefix
        self.base = base
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        if offset < prefix.count {
            let n = min(buffer.count, prefix.count - offset)
            prefix.withUnsafeBytes { src in
                buffer.baseAddress!.copyMemory(from: src.baseAddress! + offset, byteCount: n)
            }
            offset += n
            return n
        }
        return try base.read(into: buffer)
    }
}
