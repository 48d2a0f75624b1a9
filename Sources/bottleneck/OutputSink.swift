#if canImport(Glibc)
import Glibc
#endif

struct OutputError: Error, CustomStringConvertible {
    let description: String
}

/// Where a report goes: standard output, a regular file replaced atomically (a temporary file
/// beside it, renamed on commit), or a device, FIFO or socket written straight to.
///
/// Every write error is an error: the first failed write stops the run with a message naming the
/// destination and the OS error (exit 1), the temporary file is removed and an existing report is
/// left untouched. A closed pipe on standard output (`| head`) ends the process by SIGPIPE, quietly,
/// as `cat` or `grep` do (README "Exit codes").
///
/// The destination is checked when the sink is made, before any input is read (`-o` into a missing
/// or unwritable folder fails at once).
final class OutputSink {
    enum Mode {
        case stdout
        /// A regular file (or a new one): written to `temp`, renamed over `path` on commit.
        case replace(temp: String)
        /// A device, FIFO or socket: written in place, never created, truncated or renamed.
        case direct
    }

    private var fd: Int32
    let path: String?
    /// The file replaced on commit: `path`, or the file its symlink points to.
    private let target: String?
    let mode: Mode
    private var buffer: [UInt8] = []
    private var finished = false

    /// Temporary files of runs killed before their rename are removed once older than this.
    static let staleAfterSeconds = 600
    static let tempMarker = ".bottleneck-tmp."

    /// - Parameter force: replace an existing read-only regular file.
    init(path: String?, force: Bool = false) throws {
        self.path = path
        guard let path else {
            fd = 1
            target = nil
            mode = .stdout
            // Handle a closed pipe ourselves (EPIPE), so a partly written buffer is never retried.
            signal(SIGPIPE, SIG_IGN)
            buffer.reserveCapacity(1 << 16)
            return
        }
        if path.isEmpty { throw OutputError(description: "bottleneck: -o: the file name is empty") }
        var st = stat()
        if stat(path, &st) == 0 {
            let kind = st.st_mode & S_IFMT
            if kind == S_IFDIR {
                throw OutputError(description: "bottleneck: cannot write the report to \(path): it is a directory")
            }
            if kind != S_IFREG {
                // Devices, FIFOs, sockets: write to them as they are (a FIFO waits for its reader).
                let fd = open(path, O_WRONLY | O_CLOEXEC)
                if fd < 0 { throw OutputSink.osError(path, errno) }
                self.fd = fd
                target = path
                mode = .direct
                buffer.reserveCapacity(1 << 16)
                return
            }
            // Root may write anywhere, so the mode bits decide what "read-only" means.
            if !force && ((st.st_mode & 0o222) == 0 || access(path, W_OK) != 0) {
                throw OutputError(description: "bottleneck: cannot write the report to \(path): the file is read-only (use --force to replace it)")
            }
        } else if errno != ENOENT {
            throw OutputSink.osError(path, errno)
        }
        // Through a symlink (e.g. /dev/stdout redirected to a file): replace its target, never
        // the link itself (renaming over /dev/stdout would break the machine as /dev/null did).
        var target = path
        var lst = stat()
        if lstat(path, &lst) == 0 && (lst.st_mode & S_IFMT) == S_IFLNK {
            guard let resolved = realpath(path, nil) else {
                let e = errno
                if e == ENOENT {
                    throw OutputError(description: "bottleneck: cannot write the report to \(path): it is a symbolic link to a missing file")
                }
                throw OutputSink.osError(path, e)
            }
            target = String(cString: resolved)
            free(resolved)
        }
        self.target = target
        let (dir, name) = OutputSink.split(target)
        var dst = stat()
        if stat(dir, &dst) != 0 {
            let e = errno
            if e == ENOENT {
                throw OutputError(description: "bottleneck: cannot write the report to \(path): the folder \(dir) does not exist")
            }
            throw OutputSink.osError(path, e, what: "the folder \(dir)")
        }
        if (dst.st_mode & S_IFMT) != S_IFDIR {
            throw OutputError(description: "bottleneck: cannot write the report to \(path): \(dir) is not a folder")
        }
        OutputSink.removeStaleTemps(dir: dir, name: name)
        // A unique name, created exclusively: never an existing file, never a symlink's target.
        var created: (Int32, String)? = nil
        for _ in 0..<16 {
            let tmp = (target.contains("/") ? (dir.hasSuffix("/") ? dir : dir + "/") : "") + "." + name + OutputSink.tempMarker + "\(getpid())." + OutputSink.randomHex()
            let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o666)
            if fd >= 0 { created = (fd, tmp); break }
            if errno != EEXIST { throw OutputSink.osError(path, errno) }
        }
        guard let (fd, tmp) = created else {
            throw OutputError(description: "bottleneck: cannot write the report to \(path): no unique temporary name in \(dir)")
        }
        // A replaced report keeps its permissions.
        if stat(target, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG {
            _ = fchmod(fd, st.st_mode & 0o7777)
        }
        self.fd = fd
        mode = .replace(temp: tmp)
        buffer.reserveCapacity(1 << 16)
    }

    deinit { discard() }

    func write(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    func write(bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Writes the buffer out; on any error, stops the process (see the type's comment).
    private func flush() {
        guard !buffer.isEmpty, !finished else { return }
        let failure: Int32? = buffer.withUnsafeBytes { b in
            var off = 0
            while off < b.count {
                let n = Glibc.write(fd, b.baseAddress! + off, b.count - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                if n == 0 { return EIO }
                off += n
            }
            return nil
        }
        buffer.removeAll(keepingCapacity: true)
        if let failure { fail(failure) }
    }

    /// Ends the run after a failed write: quietly on a closed pipe, otherwise with a message.
    private func fail(_ error: Int32) -> Never {
        discard()
        if error == EPIPE, case .stdout = mode {
            OutputSink.dieOfSIGPIPE()
        }
        Terminal.writeStderr(OutputSink.osError(path, error).description + "\n")
        exit(ExitCodes.outputError)
    }

    /// Dies as a process that did not handle SIGPIPE would: shells report 141 (128 + 13).
    static func dieOfSIGPIPE() -> Never {
        signal(SIGPIPE, SIG_DFL)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGPIPE)
        sigprocmask(SIG_UNBLOCK, &set, nil)
        raise(SIGPIPE)
        _exit(128 + SIGPIPE)
    }

    /// Flushes and, for a file, syncs it and renames it over the destination.
    func commit() throws {
        flush()
        guard !finished else { return }
        switch mode {
        case .stdout:
            finished = true
        case .direct:
            finished = true
            if close(fd) != 0 && errno != EINTR { throw OutputSink.osError(path, errno) }
        case .replace(let temp):
            // fsync and close report delayed errors (NFS, quotas): the old report stays.
            if fsync(fd) != 0 { let e = errno; discard(); throw OutputSink.osError(path, e) }
            let rc = close(fd)
            fd = -1
            if rc != 0 && errno != EINTR { let e = errno; discard(); throw OutputSink.osError(path, e) }
            if rename(temp, target!) != 0 {
                let e = errno
                discard()
                throw OutputSink.osError(path, e, what: "renaming into place")
            }
            finished = true
        }
    }

    /// Abandons the output: closes it and removes the temporary file (the destination is untouched).
    func discard() {
        if finished { return }
        finished = true
        buffer.removeAll()
        switch mode {
        case .stdout:
            break
        case .direct:
            close(fd)
        case .replace(let temp):
            if fd >= 0 { close(fd) }
            fd = -1
            unlink(temp)
        }
    }

    static func osError(_ path: String?, _ e: Int32, what: String? = nil) -> OutputError {
        let reason = String(cString: strerror(e))
        guard let path else { return OutputError(description: "bottleneck: cannot write to standard output: \(reason)") }
        return OutputError(description: "bottleneck: cannot write the report to \(path): \(what.map { $0 + ": " } ?? "")\(reason)")
    }

    /// Folder and file name of a path (`report.json` → `.`, `report.json`).
    static func split(_ path: String) -> (dir: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let name = String(path[path.index(after: slash)...])
        let dir = String(path[..<slash])
        return (dir.isEmpty ? "/" : dir, name)
    }

    static func randomHex() -> String {
        let x = UInt64.random(in: 0...UInt64.max)
        let hex = String(x, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Removes `.NAME.bottleneck-tmp.PID.HEX` (and the older `NAME.tmp-PID`) files of the same
    /// folder left by killed runs: older than `staleAfterSeconds` and whose process is gone.
    static func removeStaleTemps(dir: String, name: String) {
        guard let d = opendir(dir) else { return }
        defer { closedir(d) }
        let newPrefix = "." + name + tempMarker
        let oldPrefix = name + ".tmp-"
        let now = time(nil)
        while let e = readdir(d) {
            let entry = withUnsafePointer(to: e.pointee.d_name) { p in
                p.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            let pidText: Substring
            if entry.hasPrefix(newPrefix) {
                let rest = entry.dropFirst(newPrefix.count).split(separator: ".", omittingEmptySubsequences: false)
                guard rest.count == 2, rest[1].count == 16, rest[1].allSatisfy({ $0.isHexDigit }) else { continue }
                pidText = rest[0]
            } else if entry.hasPrefix(oldPrefix) {
                pidText = entry.dropFirst(oldPrefix.count)
            } else {
                continue
            }
            guard !pidText.isEmpty, pidText.allSatisfy({ $0.isASCII && $0.isNumber }), let pid = Int32(pidText) else { continue }
            if pid == getpid() { continue }
            // A live process of that id may still be writing (or the id was reused): keep it.
            if kill(pid, 0) == 0 || errno == EPERM { continue }
            let full = (dir.hasSuffix("/") ? dir : dir + "/") + entry
            var st = stat()
            guard lstat(full, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
            if now - st.st_mtim.tv_sec < staleAfterSeconds { continue }
            unlink(full)
        }
    }
}
