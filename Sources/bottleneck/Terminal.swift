#if canImport(Glibc)
import Glibc
#endif

/// What the terminal allows: colour, width, progress.
enum Terminal {
    static func isTTY(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    static func env(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }

    /// The variables the history store's default path depends on.
    static var environment: [String: String] {
        var e: [String: String] = [:]
        for k in ["XDG_DATA_HOME", "HOME"] { e[k] = env(k) }
        return e
    }

    /// How long a history write waits for another writer (`BOTTLENECK_BUSY_TIMEOUT_MS`, default 5 s).
    static var busyTimeoutMillis: Int {
        env("BOTTLENECK_BUSY_TIMEOUT_MS").flatMap(Int.init).map { max(0, min($0, 600_000)) } ?? 5000
    }

    static var noColor: Bool {
        if let v = getenv("NO_COLOR") { return v.pointee != 0 }
        return false
    }

    static func width(_ fd: Int32 = 1) -> Int {
        var ws = winsize()
        if ioctl(fd, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0 { return Int(ws.ws_col) }
        if let c = getenv("COLUMNS"), let n = Int(String(cString: c)), n > 0 { return n }
        return 120
    }

    /// Width of a table report: the terminal's when writing to one; else `COLUMNS` when set
    /// (a pipe to `less -S`, a CI log of known width); else 160. `--wide`: no limit.
    static func reportWidth(toTerminal: Bool, wide: Bool) -> Int {
        if wide { return 1_000_000 }
        if toTerminal { return width(1) }
        if let c = getenv("COLUMNS"), let n = Int(String(cString: c)), n >= 40 { return n }
        return 160
    }

    static func writeStderr(_ s: String) {
        var s = s
        s.withUTF8 { b in _ = write(2, b.baseAddress, b.count) }
    }

    static func writeStdout(_ s: String) {
        var s = s
        s.withUTF8 { b in
            var off = 0
            while off < b.count {
                let n = write(1, b.baseAddress! + off, b.count - off)
                if n <= 0 { if errno == EINTR { continue }; return }
                off += n
            }
        }
    }
}
