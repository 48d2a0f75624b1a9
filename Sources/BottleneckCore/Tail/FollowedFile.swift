/// A reader's position as a checkpoint stores it.
public struct SavedReader: Equatable, Sendable {
    public var name: String
    public var dev: UInt64
    public var ino: UInt64
    public var fingerprint: ByteRangeHash
    public var offset: Int64
    public var marker: ByteRangeHash
    /// The reader of the followed path itself (false: a rotated file being finished).
    public var active: Bool
    /// A rotated file already read to its end (kept so it is never read again).
    public var finished: Bool
    /// Wall-clock ns when the reader opened its file: copies (copytruncate) changed since then may
    /// hold its content. What identifies a reader saved with no or a short fingerprint.
    public var openedAtNanos: Int64
    /// Wall-clock ns of its last read (0 when unknown): files rotated, copied or rewritten since
    /// may hold what it has not read.
    public var readAtNanos: Int64

    public init(name: String, dev: UInt64, ino: UInt64, fingerprint: ByteRangeHash, offset: Int64, marker: ByteRangeHash,
                active: Bool, finished: Bool = false, openedAtNanos: Int64 = 0, readAtNanos: Int64 = 0) {
        self.finished = finished
        self.openedAtNanos = openedAtNanos
        self.readAtNanos = readAtNanos
        self.name = name
        self.dev = dev
        self.ino = ino
        self.fingerprint = fingerprint
        self.offset = offset
        self.marker = marker
        self.active = active
    }
}

/// One followed path across rotations: the reader of the file now at the path, plus readers of
/// rotated files still being finished.
///
/// - rename-and-create / delete-and-recreate: the path's inode changes; the old file is read to
///   its end, kept open `rotateWait` for late writes, then closed; the new file is read from 0.
/// - copytruncate / rewrite in place: the reader's fingerprint check fails; the rest of the old
///   content (from the saved offset) is read from the rotated copy when one matches the
///   fingerprint and the offset marker; then the path is read from 0.
/// - after a restart: saved readers are found again by fingerprint + marker (inode reuse and
///   rotation while stopped are both detected), files rotated in between are read whole. A
///   reader saved with no or a short fingerprint (fewer than `FileIdentity.fingerprintBytes`:
///   an empty or small file) proves nothing about identity: its content is looked for in the
///   copies changed since it opened its file (oldest first), then the path is read from 0.
/// - a found file is read through the descriptor it was verified on (never reopened by name:
///   logrotate may have renamed `.1` to `.2` in between).
public final class FollowedFile {
    public let path: String
    let maxLineLength: Int
    let rotateWaitMillis: Int64
    public private(set) var active: TailReader?
    public private(set) var retiring: [TailReader] = []
    public private(set) var rotations: Int64 = 0
    /// Things worth telling the user (rotations recovered or lost).
    public var notices: [String] = []
    /// Also report every rotation decision (`--verbose`).
    public var verbose = false
    /// Tests: runs once between finding a saved reader's file and reading it (where logrotate's
    /// numbered renaming can strike).
    var afterLocate: (() -> Void)?

    private func trace(_ message: @autoclosure () -> String) {
        if verbose { notices.append("\(path): " + message()) }
    }

    private func describe(_ r: TailReader) -> String { "\(r.name) (inode \(r.ino), offset \(r.offset))" }
    /// A complete line (nil bytes: over the length cap, dropped).
    let onLine: (UnsafeRawBufferPointer?) -> Void
    /// A partial last line that will never be completed (its file went away).
    let onIncomplete: () -> Void

    public init(path: String, maxLineLength: Int, rotateWaitMillis: Int64,
                onLine: @escaping (UnsafeRawBufferPointer?) -> Void, onIncomplete: @escaping () -> Void) {
        self.path = path
        self.maxLineLength = maxLineLength
        self.rotateWaitMillis = rotateWaitMillis
        self.onLine = onLine
        self.onIncomplete = onIncomplete
    }

    private func open(_ p: String, at offset: Int64, fingerprint: ByteRangeHash? = nil, now: Int64) -> TailReader? {
        let r = TailReader(path: p, offset: offset, fingerprint: fingerprint, maxLineLength: maxLineLength)
        r?.lastData = now
        return r
    }

    /// No saved position: start at the end of the file (after its last complete line), or at its start.
    public func start(fromStart: Bool, now: Int64) {
        guard let r = open(path, at: 0, now: now) else { return }
        if !fromStart, let st = FileIdentity.stat(fd: r.fd) {
            r.seek(to: TailReader.startOfLastLine(fd: r.fd, size: st.size))
        }
        active = r
    }

    /// Positions to save.
    public func saved() -> [SavedReader] {
        var out = finished.map { f in
            SavedReader(name: "", dev: f.0, ino: f.1, fingerprint: ByteRangeHash(length: 0, hash: f.2), offset: 0,
                        marker: ByteRangeHash(length: 0, hash: 0), active: false, finished: true)
        }
        for (r, isActive) in retiring.map({ ($0, false) }) + (active.map { [($0, true)] } ?? []) {
            guard let m = r.marker else { continue }
            out.append(SavedReader(name: r.name, dev: r.dev, ino: r.ino, fingerprint: r.fingerprint,
                                   offset: r.offset, marker: m, active: isActive, openedAtNanos: r.openedAtNanos,
                                   readAtNanos: r.verifiedAtNanos))
        }
        return out
    }

    /// A file found for a saved reader, with the descriptor its identity was verified on (the
    /// caller owns it).
    struct Located {
        let name: String
        let st: FileIdentity.Stat
        let fd: Int32
    }

    /// Slack for file times, which tick coarsely (a jiffy) behind the wall clock.
    static let mtimeSlackNanos: Int64 = 20_000_000

    /// Finds the file a saved reader was reading: fingerprint, offset marker and size must agree.
    /// Prefers the same inode, then the path itself, then the most recently modified sibling.
    func locate(fingerprint fp: ByteRangeHash, offset: Int64, marker: ByteRangeHash,
                dev: UInt64?, ino: UInt64?, excluding: [(UInt64, UInt64)] = []) -> Located? {
        var best: (Located, Int)?
        for (i, p) in ([path] + FileIdentity.siblings(of: path)).enumerated() {
            let fd = Glibc.open(p, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            var keep = false
            defer { if !keep { close(fd) } }
            guard let st = FileIdentity.stat(fd: fd), st.isRegular, st.size >= offset else { continue }
            if excluding.contains(where: { $0 == (st.dev, st.ino) }) { continue }
            guard FileIdentity.matches(fd: fd, fingerprint: fp), FileIdentity.marker(fd: fd, offset: offset) == marker else { continue }
            let rank = (st.dev == dev && st.ino == ino) ? 3 : (i == 0 ? 2 : 1)
            if let b = best, !(rank > b.1 || (rank == b.1 && st.mtimeNanos > b.0.st.mtimeNanos)) { continue }
            if let b = best { close(b.0.fd) }
            best = (Located(name: p, st: st, fd: fd), rank)
            keep = true
        }
        return best?.0
    }

    /// Finds the file of a reader whose fingerprint is empty or short, so matches many files: of
    /// the candidates that match (fingerprint, marker, size) and are its own inode or changed
    /// since `since`, none held by another reader or already finished, the oldest (a rotated
    /// copy before the path; `.2` before `.1`). A sibling whose first bytes the path still starts
    /// with is a copy whose truncation has not happened yet: the path is the file then.
    func locateWeak(fingerprint fp: ByteRangeHash, offset: Int64, marker: ByteRangeHash, dev: UInt64?, ino: UInt64?,
                    since: Int64, excluding: [(UInt64, UInt64)], includePath: Bool = true) -> Located? {
        let pathFD = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        defer { if pathFD >= 0 { close(pathFD) } }
        let pathStat = pathFD >= 0 ? FileIdentity.stat(fd: pathFD) : nil
        var found: [Located] = []
        for (i, p) in ([path] + FileIdentity.siblings(of: path)).enumerated() {
            if i == 0 && !includePath { continue }
            let fd = Glibc.open(p, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            var keep = false
            defer { if !keep { close(fd) } }
            guard let st = FileIdentity.stat(fd: fd), st.isRegular, st.size >= offset else { continue }
            if excluding.contains(where: { $0 == (st.dev, st.ino) }) { continue }
            let same = st.dev == dev && st.ino == ino
            guard same || st.mtimeNanos >= since - Self.mtimeSlackNanos else { continue }
            guard FileIdentity.matches(fd: fd, fingerprint: fp), FileIdentity.marker(fd: fd, offset: offset) == marker,
                  let own = FileIdentity.fingerprint(fd: fd) else { continue }
            if finished.contains(where: { $0.0 == st.dev && $0.1 == st.ino && $0.2 == own.hash }) { continue }
            if i > 0, own.length > 0, let ps = pathStat, ps.dev != st.dev || ps.ino != st.ino, ps.size >= st.size,
               FileIdentity.hash(fd: pathFD, offset: 0, length: own.length) == own { continue }
            found.append(Located(name: p, st: st, fd: fd))
            keep = true
        }
        // Same tick: the reader's own inode, when renamed away (not when it is at the path:
        // copytruncate leaves the inode there with new content, the copy holds the old).
        let sorted = found.sorted { x, y in
            if x.st.mtimeNanos == y.st.mtimeNanos, x.name != path, y.name != path {
                let sx = x.st.dev == dev && x.st.ino == ino, sy = y.st.dev == dev && y.st.ino == ino
                if sx != sy { return sx }
            }
            return olderFirst((x.name, x.st), (y.name, y.st))
        }
        for extra in sorted.dropFirst() { close(extra.fd) }
        return sorted.first
    }

    /// A saved reader's own inode (path or sibling) whose bytes no longer match what it read, and
    /// that no other reader holds or finished.
    private func rewritten(_ s: SavedReader, excluding: [(UInt64, UInt64)]) -> Located? {
        for p in [path] + FileIdentity.siblings(of: path) {
            guard let st = FileIdentity.stat(path: p), st.dev == s.dev, st.ino == s.ino, st.isRegular,
                  !excluding.contains(where: { $0 == (st.dev, st.ino) }) else { continue }
            let fd = Glibc.open(p, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            guard let now = FileIdentity.stat(fd: fd), now.dev == st.dev, now.ino == st.ino,
                  let own = FileIdentity.fingerprint(fd: fd),
                  !finished.contains(where: { $0.0 == st.dev && $0.1 == st.ino && $0.2 == own.hash }) else { close(fd); continue }
            return Located(name: p, st: now, fd: fd)
        }
        return nil
    }

    /// Order of files by age: modification time, then (same tick) rotated names before the path,
    /// higher numbers before lower (`.2` was `.1` before), other suffixes (dates) by name.
    func olderFirst(_ a: (String, FileIdentity.Stat), _ b: (String, FileIdentity.Stat)) -> Bool {
        if a.1.mtimeNanos != b.1.mtimeNanos { return a.1.mtimeNanos < b.1.mtimeNanos }
        if (a.0 == path) != (b.0 == path) { return b.0 == path }
        let na = rotationNumber(a.0), nb = rotationNumber(b.0)
        if let na, let nb, na != nb { return na > nb }
        return a.0 < b.0
    }

    private func rotationNumber(_ name: String) -> Int? {
        guard name.count > path.count + 1, name.hasPrefix(path) else { return nil }
        let rest = name.utf8.dropFirst(path.utf8.count)
        guard rest.first == UInt8(ascii: "."), rest.count <= 10 else { return nil }
        return Int(String(decoding: rest.dropFirst(), as: UTF8.self))
    }

    /// A reader of a rotated file, idle as long as the file has not been written: one finished
    /// before a restart closes at once instead of waiting `rotateWait` again (fast restarts must
    /// not pile rotated readers up).
    private func retire(_ r: TailReader, now: Int64) {
        if let st = FileIdentity.stat(fd: r.fd) {
            let idle = max(0, Clock.wallMillis() - st.mtimeNanos / 1_000_000)
            r.lastData = now - min(idle, rotateWaitMillis)
        }
        retiring.append(r)
    }

    /// Resumes from a checkpoint.
    public func restore(_ saved: [SavedReader], now: Int64) {
        let pathStat = FileIdentity.stat(path: path)
        var matched: [FileIdentity.Stat] = []
        var activeFile: FileIdentity.Stat?
        var rewrittenSince: Int64?
        for s in saved where s.finished { finished.append((s.dev, s.ino, s.fingerprint.hash)) }
        // Strong identities first: a weak one must not take a file another reader proves is its own.
        let pending = saved.filter { !$0.finished && $0.fingerprint.length >= FileIdentity.fingerprintBytes }
            + saved.filter { !$0.finished && $0.fingerprint.length < FileIdentity.fingerprintBytes }
        for s in pending {
            let claimed = matched.map { ($0.dev, $0.ino) }
            let weak = s.fingerprint.length < FileIdentity.fingerprintBytes
            // A rotated file is never copytruncated: with a weak fingerprint its inode is its
            // identity (gone when gone; it must not take another reader's file). The path's
            // file may have been copied and truncated: its content is looked for in the copies.
            let found = !weak
                ? locate(fingerprint: s.fingerprint, offset: s.offset, marker: s.marker, dev: s.dev, ino: s.ino, excluding: claimed)
                : s.active
                ? locateWeak(fingerprint: s.fingerprint, offset: s.offset, marker: s.marker, dev: s.dev, ino: s.ino,
                             since: s.openedAtNanos, excluding: claimed)
                : locateWeak(fingerprint: s.fingerprint, offset: s.offset, marker: s.marker, dev: s.dev, ino: s.ino,
                             since: .max, excluding: claimed, includePath: false)
            if let hook = afterLocate { afterLocate = nil; hook() }
            var reader: TailReader?
            var loc = found
            if let loc, weak, s.active, loc.name == path, loc.st.dev != s.dev || loc.st.ino != s.ino {
                // Another file at the path that only a short fingerprint matches: a file never
                // read (from 0), after what was rotated since the reader last read.
                reader = TailReader(fd: loc.fd, name: loc.name, offset: 0, maxLineLength: maxLineLength)
                rewrittenSince = min(rewrittenSince ?? .max, s.readAtNanos > 0 ? s.readAtNanos : s.openedAtNanos)
            } else if let loc {
                reader = TailReader(fd: loc.fd, name: loc.name, offset: s.offset, fingerprint: s.fingerprint, maxLineLength: maxLineLength)
            } else if let same = rewritten(s, excluding: claimed) {
                // Its own inode, truncated and rewritten since it was read (no copy holds its
                // bytes): everything in it now is new.
                loc = same
                reader = TailReader(fd: same.fd, name: same.name, offset: 0, maxLineLength: maxLineLength)
                // Copies made of it since it was read hold unread lines too.
                rewrittenSince = min(rewrittenSince ?? .max, s.readAtNanos > 0 ? s.readAtNanos : s.openedAtNanos)
                notices.append("\(path): \(s.name) was truncated and rewritten while stopped; reading it again from the start")
            }
            guard let loc, let r = reader else {
                notices.append("\(path): the file read before the restart (\(s.name), offset \(s.offset)) is gone or was rewritten; its unread lines are lost")
                continue
            }
            let st = loc.st
            r.lastData = now
            if s.openedAtNanos > 0 { r.openedAtNanos = s.openedAtNanos }
            matched.append(st)
            if s.active { activeFile = st }
            trace("restored \(s.active ? "active" : "rotated") reader of \(s.name) at \(loc.name) inode \(st.ino) offset \(r.offset)\(weak ? " (short fingerprint: oldest copy changed since it opened)" : "")")
            if s.active, let ps = pathStat, ps.dev == st.dev, ps.ino == st.ino, active == nil {
                active = r
            } else {
                retire(r, now: now)
            }
        }
        if let t = rewrittenSince { readRotated(since: t - Self.mtimeSlackNanos, now: now) }
        if active != nil { return }
        // The path holds a file we have not read (rotation, copytruncate or replacement while
        // stopped). Files rotated after the one we were reading are read whole, oldest first.
        // When the file read last is gone, everything changed since it was last read is unread.
        let readAt = (saved.first { $0.active } ?? saved.filter { !$0.finished }.min { $0.readAtNanos < $1.readAtNanos })?.readAtNanos ?? 0
        if let since = activeFile?.mtimeNanos ?? (readAt > 0 ? readAt - Self.mtimeSlackNanos : matched.map(\.mtimeNanos).max()) {
            readRotated(since: since, now: now)
        }
        if pathStat != nil {
            active = open(path, at: 0, now: now)
            if !saved.isEmpty { rotations += 1 }
            trace("restart: the path holds a new file (inode \(active?.ino ?? 0)); reading it from 0")
        }
    }

    /// Reads what is new, up to `maxChunks` chunks. Returns true when more may be waiting.
    public func poll(now: Int64, maxChunks: Int) -> Bool {
        var chunks = 0
        // Rotated files first: their lines are older.
        var i = 0
        while i < retiring.count {
            let r = retiring[i]
            var result = TailReader.ReadResult.data
            while chunks < maxChunks {
                result = r.readChunk(onLine: onLine)
                if result != .data { break }
                r.lastData = now
                chunks += 1
            }
            if chunks >= maxChunks { return true }
            if result == .replaced || now - r.lastData >= rotateWaitMillis {
                if r.holdsPartialLine { onIncomplete() }
                trace("closed rotated \(describe(r))")
                remember(r)
                retiring.remove(at: i)
            } else {
                i += 1
            }
        }
        if active == nil {
            guard FileIdentity.stat(path: path) != nil, let r = open(path, at: 0, now: now) else { return false }
            active = r
        }
        var adoptions = 0
        while let a = active {
            if a.hasNoIdentity && adoptions < 4 && !newCopies(of: a).isEmpty {
                adoptions += 1
                adoptCopies(of: a, now: now)
                continue
            }
            let result = a.readChunk(onLine: onLine, stillOurs: { [unowned self] in newCopies(of: a).isEmpty })
            if result == .data {
                a.lastData = now
                chunks += 1
                if chunks >= maxChunks { return true }
                continue
            }
            if result == .replaced {
                if !a.hasNoIdentity {
                    truncated(a, now: now)
                } else if adoptions < 4 {
                    adoptions += 1
                    adoptCopies(of: a, now: now)
                } else {
                    break
                }
                continue
            }
            // End of the file. Has the path moved on to another file?
            if let st = FileIdentity.stat(path: path), st.dev != a.dev || st.ino != a.ino {
                drain(a)
                a.lastData = now
                retiring.append(a)
                rotations += 1
                trace("rotated: finished \(describe(a)); the path is now inode \(st.ino)")
                active = nil
                // Several rotations since the last look: read the files in between too.
                if let last = FileIdentity.stat(fd: a.fd) { readRotated(since: last.mtimeNanos, now: now) }
                active = open(path, at: 0, now: now)
                continue
            }
            break
        }
        return false
    }

    /// Files recently finished (dev, inode, fingerprint hash), never read again as "rotated in between".
    private var finished: [(UInt64, UInt64, UInt64)] = []

    private func remember(_ r: TailReader) {
        // The file's own first bytes now (a reader may carry a shorter, saved fingerprint).
        finished.append((r.dev, r.ino, (FileIdentity.fingerprint(fd: r.fd) ?? r.fingerprint).hash))
        if finished.count > 64 { finished.removeFirst(finished.count - 64) }
    }

    /// Opens, as rotated files to read whole, the siblings modified at or after `since` that no
    /// reader holds or finished: files rotated in between two looks (or while stopped).
    /// File times tick coarsely, hence "at or after".
    private func readRotated(since: Int64, now: Int64) {
        let pathStat = FileIdentity.stat(path: path)
        var found: [(String, FileIdentity.Stat)] = []
        for sib in FileIdentity.siblings(of: path) {
            guard let st = FileIdentity.stat(path: sib), st.isRegular, st.mtimeNanos >= since else { continue }
            if let ps = pathStat, ps.dev == st.dev, ps.ino == st.ino { continue }
            let held = (retiring + (active.map { [$0] } ?? [])).contains { $0.dev == st.dev && $0.ino == st.ino }
            if held { continue }
            found.append((sib, st))
        }
        for (sib, st) in found.sorted(by: olderFirst) {
            let fd = Glibc.open(sib, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            // The file listed, not whatever was renamed to its name since.
            guard let now2 = FileIdentity.stat(fd: fd), now2.dev == st.dev, now2.ino == st.ino else { close(fd); continue }
            guard let r = TailReader(fd: fd, name: sib, offset: 0, maxLineLength: maxLineLength) else { continue }
            if finished.contains(where: { $0.0 == r.dev && $0.1 == r.ino && $0.2 == r.fingerprint.hash }) { continue }
            notices.append("\(path): also reading \(sib), rotated in between")
            retire(r, now: now)
            rotations += 1
        }
    }

    /// Copies made (copytruncate) of the path's content since `a` opened it while its fingerprint
    /// is still empty or short (so proves nothing: a rewritten file may start with the same
    /// bytes): siblings modified since, that no reader holds or finished, that hold what `a` read
    /// (fingerprint and offset marker), whose first bytes differ from the path's now (same bytes:
    /// the truncation has not happened yet).
    private func newCopies(of a: TailReader) -> [(String, FileIdentity.Stat)] {
        var out: [(String, FileIdentity.Stat)] = []
        // Renamed away or deleted: the file keeps its content (read to its end, then the files
        // rotated after it); new siblings are later rotations, not copies of it.
        guard let ps = FileIdentity.stat(path: path), ps.dev == a.dev, ps.ino == a.ino else { return out }
        let held = retiring + [a]
        let marker = a.marker
        for sib in FileIdentity.siblings(of: path) {
            guard let st = FileIdentity.stat(path: sib), st.isRegular, st.size > 0, st.size >= a.offset,
                  st.mtimeNanos >= a.openedAtNanos - Self.mtimeSlackNanos else { continue }
            if held.contains(where: { $0.dev == st.dev && $0.ino == st.ino }) { continue }
            let fd = Glibc.open(sib, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            guard let fp = FileIdentity.fingerprint(fd: fd) else { continue }
            if a.offset > 0 || a.fingerprint.length > 0 {
                guard let marker, FileIdentity.matches(fd: fd, fingerprint: a.fingerprint),
                      FileIdentity.marker(fd: fd, offset: a.offset) == marker else { continue }
            }
            if finished.contains(where: { $0.0 == st.dev && $0.1 == st.ino && $0.2 == fp.hash }) { continue }
            if let now = FileIdentity.hash(fd: a.fd, offset: 0, length: fp.length), now == fp { continue }
            out.append((sib, st))
        }
        return out.sorted(by: olderFirst)
    }

    /// Reads the copies of content the path held while we were not looking, then the path from 0.
    private func adoptCopies(of a: TailReader, now: Int64) {
        // Until no new copy shows up: more may be made while these are read.
        for _ in 0..<8 {
            let copies = newCopies(of: a)
            if copies.isEmpty { break }
            for (copy, st) in copies {
                let fd = Glibc.open(copy, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { continue }
                guard let seen = FileIdentity.stat(fd: fd), seen.dev == st.dev, seen.ino == st.ino else { close(fd); continue }
                guard let r = TailReader(fd: fd, name: copy, offset: 0, maxLineLength: maxLineLength) else { continue }
                trace("copytruncate while the file had no fingerprint yet: reading the copy \(copy)")
                drain(r)
                if r.holdsPartialLine { onIncomplete() }
                remember(r)
                rotations += 1
            }
        }
        active = open(path, at: 0, now: now)
        // Copies made while we read these are ours too.
        active?.openedAtNanos = a.openedAtNanos
    }

    /// Reads a reader to its current end.
    private func drain(_ r: TailReader) {
        while r.readChunk(onLine: onLine) == .data {}
    }

    /// The active file no longer starts with its fingerprint, or shrank: copytruncate, or the
    /// file was rewritten in place.
    private func truncated(_ a: TailReader, now: Int64) {
        rotations += 1
        trace("truncated or rewritten: \(describe(a))")
        var recovered = false
        let held = retiring.map { ($0.dev, $0.ino) } + [(a.dev, a.ino)]
        let weak = a.fingerprint.length < FileIdentity.fingerprintBytes
        if let marker = a.marker,
           let loc = weak
            ? locateWeak(fingerprint: a.fingerprint, offset: a.offset, marker: marker, dev: nil, ino: nil,
                         since: a.openedAtNanos, excluding: held, includePath: false)
            : locate(fingerprint: a.fingerprint, offset: a.offset, marker: marker, dev: nil, ino: nil, excluding: held),
           let r = TailReader(fd: loc.fd, name: loc.name, offset: a.offset, fingerprint: a.fingerprint, maxLineLength: maxLineLength) {
            let copy = loc.name
            drain(r)
            trace("read the rest from the copy \(copy) up to \(r.offset)")
            if r.holdsPartialLine { onIncomplete() }
            remember(r)
            recovered = true
            active = nil
            if let st = FileIdentity.stat(fd: r.fd) { readRotated(since: st.mtimeNanos, now: now) }
        }
        if !recovered {
            if a.holdsPartialLine { onIncomplete() }
            notices.append("\(path): truncated with no rotated copy found; lines written just before the truncation may be lost")
            // What was written after the truncation is new: copies made of it since we last saw
            // our own bytes, and the file itself when it has been renamed away since.
            active = nil
            readRotated(since: a.verifiedAtNanos - Self.mtimeSlackNanos, now: now)
        }
        active = open(path, at: 0, now: now)
    }
}

#if canImport(Glibc)
import Glibc
#endif
