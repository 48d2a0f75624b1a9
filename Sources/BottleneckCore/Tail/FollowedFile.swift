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

    public init(name: String, dev: UInt64, ino: UInt64, fingerprint: ByteRangeHash, offset: Int64, marker: ByteRangeHash,
                active: Bool, finished: Bool = false) {
        self.finished = finished
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
///   rotation while stopped are both detected), files rotated in between are read whole.
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
                                   offset: r.offset, marker: m, active: isActive))
        }
        return out
    }

    /// Finds the file a saved reader was reading: fingerprint, offset marker and size must agree.
    /// Prefers the same inode, then the path itself, then the most recently modified sibling.
    func locate(fingerprint fp: ByteRangeHash, offset: Int64, marker: ByteRangeHash,
                dev: UInt64?, ino: UInt64?, excluding: (UInt64, UInt64)? = nil) -> (String, FileIdentity.Stat)? {
        var best: (String, FileIdentity.Stat, Int)?
        for (i, p) in ([path] + FileIdentity.siblings(of: path)).enumerated() {
            let fd = Glibc.open(p, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            guard let st = FileIdentity.stat(fd: fd), st.isRegular, st.size >= offset else { continue }
            if let ex = excluding, ex == (st.dev, st.ino) { continue }
            guard FileIdentity.matches(fd: fd, fingerprint: fp), FileIdentity.marker(fd: fd, offset: offset) == marker else { continue }
            let rank = (st.dev == dev && st.ino == ino) ? 3 : (i == 0 ? 2 : 1)
            if best == nil || rank > best!.2 || (rank == best!.2 && st.mtimeNanos > best!.1.mtimeNanos) { best = (p, st, rank) }
        }
        return best.map { ($0.0, $0.1) }
    }

    /// Resumes from a checkpoint.
    public func restore(_ saved: [SavedReader], now: Int64) {
        let pathStat = FileIdentity.stat(path: path)
        var matched: [FileIdentity.Stat] = []
        for s in saved where s.finished { finished.append((s.dev, s.ino, s.fingerprint.hash)) }
        for s in saved where !s.finished {
            guard let (p, st) = locate(fingerprint: s.fingerprint, offset: s.offset, marker: s.marker, dev: s.dev, ino: s.ino),
                  let r = open(p, at: s.offset, fingerprint: s.fingerprint, now: now) else {
                notices.append("\(path): the file read before the restart (\(s.name), offset \(s.offset)) is gone or was rewritten; its unread lines are lost")
                continue
            }
            matched.append(st)
            trace("restored \(s.active ? "active" : "rotated") reader of \(s.name) at \(p) inode \(st.ino) offset \(s.offset)")
            if s.active, let ps = pathStat, ps.dev == st.dev, ps.ino == st.ino, active == nil {
                active = r
            } else {
                retiring.append(r)
            }
        }
        if active != nil { return }
        // The path holds a file we have not read (rotation, copytruncate or replacement while
        // stopped). Files rotated after the one we were reading are read whole, oldest first.
        if let newest = matched.map(\.mtimeNanos).max() {
            readRotated(since: newest, now: now)
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
        for (sib, _) in found.sorted(by: { $0.1.mtimeNanos < $1.1.mtimeNanos }) {
            guard let r = open(sib, at: 0, now: now) else { continue }
            if finished.contains(where: { $0.0 == r.dev && $0.1 == r.ino && $0.2 == r.fingerprint.hash }) { continue }
            notices.append("\(path): also reading \(sib), rotated in between")
            retiring.append(r)
            rotations += 1
        }
    }

    /// Copies made (copytruncate) of the path's content since `a` opened it empty and before it
    /// read anything: siblings modified since, that no reader holds or finished, whose first bytes
    /// differ from the path's now (same bytes: the truncation has not happened yet).
    private func newCopies(of a: TailReader) -> [(String, FileIdentity.Stat)] {
        var out: [(String, FileIdentity.Stat)] = []
        let held = retiring + [a]
        for sib in FileIdentity.siblings(of: path) {
            guard let st = FileIdentity.stat(path: sib), st.isRegular, st.size > 0,
                  st.mtimeNanos >= a.openedAtNanos - 20_000_000 else { continue }
            if held.contains(where: { $0.dev == st.dev && $0.ino == st.ino }) { continue }
            let fd = Glibc.open(sib, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            guard let fp = FileIdentity.fingerprint(fd: fd) else { continue }
            if finished.contains(where: { $0.0 == st.dev && $0.1 == st.ino && $0.2 == fp.hash }) { continue }
            if let now = FileIdentity.hash(fd: a.fd, offset: 0, length: fp.length), now == fp { continue }
            out.append((sib, st))
        }
        return out.sorted { $0.1.mtimeNanos < $1.1.mtimeNanos }
    }

    /// Reads the copies of content the path held while we were not looking, then the path from 0.
    private func adoptCopies(of a: TailReader, now: Int64) {
        // Until no new copy shows up: more may be made while these are read.
        for _ in 0..<8 {
            let copies = newCopies(of: a)
            if copies.isEmpty { break }
            for (copy, _) in copies {
                guard let r = open(copy, at: 0, now: now) else { continue }
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
        if let marker = a.marker,
           let (copy, _) = locate(fingerprint: a.fingerprint, offset: a.offset, marker: marker, dev: nil, ino: nil, excluding: (a.dev, a.ino)),
           let r = open(copy, at: a.offset, fingerprint: a.fingerprint, now: now) {
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
        }
        active = open(path, at: 0, now: now)
    }
}

#if canImport(Glibc)
import Glibc
#endif
