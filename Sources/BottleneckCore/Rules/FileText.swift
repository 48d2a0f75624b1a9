#if canImport(Glibc)
import Glibc
#endif

/// Small file helpers for rule files (read whole small files, list a folder).
enum FileText {
    /// Why a file could not be read, said as it happened.
    struct ReadError: Error, CustomStringConvertible {
        let description: String
    }

    static func read(_ path: String, limit: Int = 1 << 20) -> String? {
        try? readChecked(path, limit: limit).get()
    }

    /// Reads a whole regular file of at most `limit` bytes. The file is opened without blocking
    /// and checked with fstat before any read, so a FIFO or device named `x.yaml` cannot hang.
    static func readChecked(_ path: String, limit: Int = 1 << 20) -> Result<String, ReadError> {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        if fd < 0 {
            let e = errno
            if e == ELOOP { return .failure(ReadError(description: "symlink loop (too many levels of symbolic links)")) }
            return .failure(ReadError(description: "cannot open the file: \(String(cString: strerror(e)))"))
        }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) != 0 {
            return .failure(ReadError(description: "cannot read the file: \(String(cString: strerror(errno)))"))
        }
        let kind = st.st_mode & S_IFMT
        if kind != S_IFREG {
            return .failure(ReadError(description: "not a regular file (\(kindName(kind)))"))
        }
        let tooLarge = { (n: Int) in ReadError(description: "too large: \(n) bytes > 1 MiB (\(limit) bytes)") }
        if Int(st.st_size) > limit { return .failure(tooLarge(Int(st.st_size))) }
        // A regular file never blocks; clear O_NONBLOCK anyway for plain reads.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while bytes.count <= limit {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(ReadError(description: "cannot read the file: \(String(cString: strerror(errno)))"))
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        // The file grew while being read.
        if bytes.count > limit { return .failure(tooLarge(bytes.count)) }
        return .success(String(decoding: bytes, as: UTF8.self))
    }

    static func kindName(_ kind: mode_t) -> String {
        switch kind {
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        default: return "not a plain file"
        }
    }

    /// Names of the entries of a folder (no `.`/`..`), or nil if it cannot be opened.
    static func list(_ dir: String) -> [String]? {
        guard let d = opendir(dir) else { return nil }
        defer { closedir(d) }
        var names: [String] = []
        while let e = readdir(d) {
            let name = withUnsafePointer(to: e.pointee.d_name) { p in
                p.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }
}
