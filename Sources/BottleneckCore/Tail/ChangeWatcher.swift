#if canImport(Glibc)
import Glibc
#endif

/// Waits until a followed file may have changed: inotify on the files' directories (catches
/// appends, renames, creations and deletions in one watch per directory), or plain polling
/// (`--poll`, network filesystems, or when inotify is unavailable). A stop descriptor (the
/// signal pipe) ends any wait at once.
public final class ChangeWatcher {
    public enum Wake { case changed, timeout, stop }

    private var inotifyFD: Int32 = -1
    private let stopFD: Int32
    public let pollIntervalMillis: Int
    public var usesInotify: Bool { inotifyFD >= 0 }

    public init(directories: [String], polling: Bool, pollIntervalMillis: Int, stopFD: Int32) {
        self.stopFD = stopFD
        self.pollIntervalMillis = pollIntervalMillis
        guard !polling else { return }
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { return }
        let mask = UInt32(IN_MODIFY | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)
        var ok = false
        for d in Set(directories) where inotify_add_watch(fd, d, mask) >= 0 { ok = true }
        if ok { inotifyFD = fd } else { close(fd) }
    }

    deinit { if inotifyFD >= 0 { close(inotifyFD) } }

    /// Waits at most `timeoutMillis` (polling mode: at most the poll interval).
    public func wait(timeoutMillis: Int) -> Wake {
        var fds = [pollfd(fd: stopFD, events: Int16(POLLIN), revents: 0)]
        if inotifyFD >= 0 { fds.append(pollfd(fd: inotifyFD, events: Int16(POLLIN), revents: 0)) }
        let timeout = inotifyFD >= 0 ? timeoutMillis : min(timeoutMillis, pollIntervalMillis)
        let n = poll(&fds, nfds_t(fds.count), Int32(max(timeout, 0)))
        if n < 0 { return .timeout }  // EINTR: a signal; the stop pipe says which
        if fds[0].revents != 0 { return .stop }
        if fds.count > 1 && fds[1].revents != 0 {
            drainEvents()
            return .changed
        }
        return inotifyFD >= 0 ? .timeout : .changed
    }

    private func drainEvents() {
        var buf = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            let n = buf.withUnsafeMutableBytes { read(inotifyFD, $0.baseAddress, $0.count) }
            if n <= 0 { return }
        }
    }
}

/// SIGINT/SIGTERM as a readable descriptor (the self-pipe trick): the handler only writes a byte.
public enum StopSignal {
    nonisolated(unsafe) private static var writeFD: Int32 = -1
    nonisolated(unsafe) private static var readFD: Int32 = -1

    /// Installs the handlers once; returns the descriptor that becomes readable on a signal.
    public static func install() -> Int32 {
        if readFD >= 0 { return readFD }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return -1 }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        readFD = fds[0]
        writeFD = fds[1]
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            var b: UInt8 = 1
            _ = write(StopSignal.writeFD, &b, 1)
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(SIGINT, &action, nil)
        sigaction(SIGTERM, &action, nil)
        // A parent may have started us with these blocked (some process launchers do).
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        signal(SIGPIPE, SIG_IGN)
        return readFD
    }

    /// Which signal arrived is not kept; true once one did.
    public static var requested: Bool {
        guard readFD >= 0 else { return false }
        var p = pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, 0) > 0
    }
}
