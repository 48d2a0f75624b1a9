import Testing
import Foundation
@testable import BottleneckCore
import BottleneckTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Issue 13, "tail loses data" and the versioned checkpoint store: each scenario as the issue
/// describes it, on real files and a real state file.
@Suite(.serialized) struct TailSafetyTests {
    func block(from first: Int, count: Int) -> String {
        (first..<(first + count)).map { slowQueryLine(seq: $0, ns: "shop.orders", ms: 100 + $0 % 50) + "\n" }.joined()
    }

    final class Run {
        let tailer: Tailer
        let live: LiveState
        init(path: String, state: String, fromStart: Bool = true) throws {
            var o = TailOptions()
            o.paths = [path]
            o.fromStart = fromStart
            live = LiveState(paths: [path], maxSeries: 50, windowMillis: 60_000)
            tailer = Tailer(options: o, live: live, store: try TailStateStore(path: state))
            try tailer.prepare()
        }
        var lines: Int64 { live.result.inputs[0].lines }
        var slowOps: Int64 { live.result.inputs[0].slowOps }
        func drain() { for _ in 0..<100 where tailer.pollOnce() {} }
    }

    /// The issue's six steps: a checkpoint with offset 0 and an empty fingerprint, lines read but
    /// not checkpointed, kill -9, a copytruncate while stopped. The copy must be read.
    @Test func emptyFingerprintCheckpointThenCopyTruncateWhileStoppedReadsTheCopy() throws {
        let dir = try makeTempDirectory("tail-emptyfp")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/mongod.log", state = dir + "/state.db"
        let w = LogWriter(path: path)
        w.write(block(from: 0, count: 50))
        var run: Run? = try Run(path: path, state: state)
        run!.drain()
        #expect(run!.lines == 50)
        // (1) copytruncate empties the file; tail reopens it with no fingerprint.
        w.rotateCopyTruncate(to: path + ".1")
        run!.drain()
        // (2) a checkpoint commits offset 0 with an empty fingerprint.
        run!.tailer.checkpoint(force: true)
        let saved = try #require(run!.tailer.store?.load()?.readers[path]?.first { $0.active })
        #expect(saved.offset == 0 && saved.fingerprint.length == 0)
        // (3) new lines are read but not checkpointed.
        w.write(block(from: 50, count: 30))
        run!.drain()
        #expect(run!.lines == 80)
        // (4) kill -9: the tailer and its store go without a last checkpoint.
        run = nil
        // (5) while stopped, another copytruncate (numbered: .1 -> .2) copies the block away.
        rename(path + ".1", path + ".2")
        w.rotateCopyTruncate(to: path + ".1")
        w.write(block(from: 80, count: 20))
        // (6) the restart reads the copy's block, then the file.
        let again = try Run(path: path, state: state)
        again.drain()
        #expect(again.lines == 100)
        #expect(again.slowOps == 100)
        #expect(again.live.result.shapes.operations == 100)
    }

    /// A short fingerprint (a file of fewer than 256 bytes) that a rewritten file still matches is
    /// not taken as identity while following either: the copy is found after the read.
    @Test func shortFingerprintDoesNotHideACopyTruncate() throws {
        let dir = try makeTempDirectory("tail-shortfp")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/mongod.log"
        let w = LogWriter(path: path)
        var seen: [String] = []
        let f = FollowedFile(path: path, maxLineLength: 1 << 20, rotateWaitMillis: 1000,
                             onLine: { b in if let b { seen.append(String(decoding: b, as: UTF8.self)) } }, onIncomplete: {})
        f.start(fromStart: true, now: 0)
        // A partial first line: the fingerprint is its 39 bytes, the same in every line.
        let head = #"{"t":{"$date":"2024-01-01T00:00:00.000Z"#
        w.write(head)
        _ = f.poll(now: 1, maxChunks: 8)
        #expect(f.active?.fingerprint.length == head.utf8.count)
        w.write(#"},"n":1}"# + "\n" + head + #"},"n":2}"# + "\n")
        w.rotateCopyTruncate(to: path + ".1")
        w.write(head + #"},"n":3}"# + "\n")
        while f.poll(now: 2, maxChunks: 8) {}
        #expect(seen == [1, 2, 3].map { head + #"},"n":\#($0)}"# })
    }

    /// logrotate renames `.1` to `.2` (and the path to `.1`) between the restore's check of a
    /// file and its read: the reader stays on the file it checked.
    @Test func restoreKeepsTheVerifiedDescriptorWhenNumberedRenamingRaces() throws {
        let dir = try makeTempDirectory("tail-race")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/mongod.log"
        let w = LogWriter(path: path)
        var seen: [Int] = []
        func follower() -> FollowedFile {
            FollowedFile(path: path, maxLineLength: 1 << 20, rotateWaitMillis: 1000, onLine: { b in
                guard let b, let r = String(decoding: b, as: UTF8.self).range(of: #""filter":{"a":"#) else { return }
                let s = String(decoding: b, as: UTF8.self)
                if let n = Int(s[r.upperBound...].prefix(while: \.isNumber)) { seen.append(n) }
            }, onIncomplete: {})
        }
        let f1 = follower()
        f1.start(fromStart: true, now: 0)
        w.write(block(from: 0, count: 10))
        while f1.poll(now: 1, maxChunks: 8) {}
        let saved = f1.saved()
        w.write(block(from: 10, count: 10))
        w.rotateRename(to: path + ".1")
        w.write(block(from: 20, count: 5))
        let f2 = follower()
        f2.afterLocate = {
            // The race: .1 -> .2, the path -> .1, a new path.
            rename(path + ".1", path + ".2")
            w.rotateRename(to: path + ".1")
            w.write(block(from: 25, count: 3))
        }
        f2.restore(saved, now: 10)
        for i in 0..<20 { _ = f2.poll(now: 11 + Int64(i) * 2000, maxChunks: 64) }
        #expect(seen == Array(0..<28))
    }

    /// A rotated file finished before a restart is closed at the first look, not kept open another
    /// `rotateWait`: fast restarts do not pile readers up.
    @Test func restoredRotatedReadersAtTheirEndCloseAtOnce() throws {
        let dir = try makeTempDirectory("tail-pileup")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/mongod.log"
        let w = LogWriter(path: path)
        w.write(block(from: 0, count: 5))
        var saved: [SavedReader] = []
        for round in 0..<6 {
            let f = FollowedFile(path: path, maxLineLength: 1 << 20, rotateWaitMillis: 60_000, onLine: { _ in }, onIncomplete: {})
            if round == 0 { f.start(fromStart: true, now: 0) } else { f.restore(saved, now: 0) }
            _ = f.poll(now: 1, maxChunks: 64)
            // Each round: a rotation, the old file dated a minute back (its writer long gone).
            w.rotateRename(to: path + ".\(round + 1)")
            w.write(block(from: 5 * (round + 1), count: 5))
            _ = f.poll(now: 2, maxChunks: 64)
            var old = [timespec(tv_sec: time(nil) - 120, tv_nsec: 0), timespec(tv_sec: time(nil) - 120, tv_nsec: 0)]
            for r in f.retiring { _ = futimens(r.fd, &old) }
            saved = f.saved()
            #expect(f.retiring.count <= 1)
        }
        let last = FollowedFile(path: path, maxLineLength: 1 << 20, rotateWaitMillis: 60_000, onLine: { _ in }, onIncomplete: {})
        last.restore(saved, now: 0)
        _ = last.poll(now: 1, maxChunks: 64)
        #expect(last.retiring.isEmpty)
    }

    // MARK: state files with no checkpoint

    @Test func zeroByteStateIsRefusedNamingTheFile() throws {
        let dir = try makeTempDirectory("tail-nocp")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let state = dir + "/state.db"
        _ = FileManager.default.createFile(atPath: state, contents: Data())
        let store = try TailStateStore(path: state)
        do {
            _ = try store.load()
            Issue.record("a 0-byte state file was accepted")
        } catch {
            #expect(error.description.contains(state))
            #expect(error.description.contains("no checkpoint"))
            #expect(error.description.contains("--reset-state"))
        }
    }

    /// The WAL holds every commit until SQLite checkpoints it into the main file: a main file
    /// without its WAL (deleted after kill -9) or with a damaged WAL header has no checkpoint.
    @Test func lostOrDamagedWALIsRefused() throws {
        let dir = try makeTempDirectory("tail-wal")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let state = dir + "/state.db"
        let store = try TailStateStore(path: state)
        try store.save(readers: ["/x/a.log": [SavedReader(name: "/x/a.log", dev: 1, ino: 2, fingerprint: ByteRangeHash(length: 256, hash: 3),
                                                          offset: 4, marker: ByteRangeHash(length: 4, hash: 5), active: true)]],
                       inputs: [], shapes: [], operations: 0, foldedWriteTwins: 0, metrics: [], checkpoints: 1)
        // Copies taken while the store is open, as a kill -9 leaves them.
        let main = try Data(contentsOf: URL(fileURLWithPath: state))
        var wal = try Data(contentsOf: URL(fileURLWithPath: state + "-wal"))
        #expect(wal.count > 32)
        try main.write(to: URL(fileURLWithPath: dir + "/nowal.db"))
        try main.write(to: URL(fileURLWithPath: dir + "/badwal.db"))
        wal[0] ^= 0xFF  // the magic number
        try wal.write(to: URL(fileURLWithPath: dir + "/badwal.db-wal"))
        for copy in [dir + "/nowal.db", dir + "/badwal.db"] {
            let s = try TailStateStore(path: copy)
            #expect(throws: StateError.self) { _ = try s.load() }
        }
        // The intact pair resumes.
        try main.write(to: URL(fileURLWithPath: dir + "/good.db"))
        try Data(contentsOf: URL(fileURLWithPath: state + "-wal")).write(to: URL(fileURLWithPath: dir + "/good.db-wal"))
        #expect(try TailStateStore(path: dir + "/good.db").load()?.readers["/x/a.log"]?.first?.offset == 4)
    }

    @Test func tailRefusesAStateWithoutCheckpointUnlessReset() throws {
        let dir = try makeTempDirectory("tail-reset")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/mongod.log", state = dir + "/state.db"
        try block(from: 0, count: 40).write(toFile: path, atomically: false, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: state, contents: Data())
        let refused = try runBottleneck(["tail", path, "--state", state, "--format", "none"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains(state) && refused.stderr.contains("--reset-state"), "\(refused.stderr)")
        #expect(try runBottleneck(["tail", path, "--reset-state", "--format", "none"]).status != 0)
        // --reset-state: the state is discarded and the file read from the start.
        let tail = try TailProcess([path, "--state", state, "--reset-state"], stderrPath: dir + "/stderr")
        defer { if tail.process.isRunning { tail.kill9() } }
        #expect(tail.waitFor("bottleneck_lines_total", toBe: 40, timeout: 30) == 40)
        #expect(tail.stderr.contains("state discarded"))
        #expect(tail.terminate() == 0)
        // And it resumes normally afterwards.
        let again = try TailProcess([path, "--state", state], stderrPath: dir + "/stderr2")
        defer { again.terminate() }
        #expect(try again.metric("bottleneck_lines_total") == 40)
    }

    /// Aggregates without any saved position (the readers lost): refused, not read again.
    @Test func countedLinesWithoutPositionsAreRefused() throws {
        let dir = try makeTempDirectory("tail-noreaders")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/mongod.log", state = dir + "/state.db"
        try block(from: 0, count: 5).write(toFile: path, atomically: false, encoding: .utf8)
        do {
            var a = InputAccounting(path: path)
            for _ in 0..<5 { a.count(.slowOperation) }
            try TailStateStore(path: state).save(readers: [:], inputs: [a], shapes: [], operations: 5, foldedWriteTwins: 0,
                                                 metrics: [], checkpoints: 1)
        }
        let e = #expect(throws: StateError.self) { _ = try Run(path: path, state: state) }
        #expect(e?.description.contains("count them twice") == true, "\(String(describing: e))")
    }

    // MARK: versions and damage

    @Test func versionOneStoreIsMigrated() throws {
        let dir = try makeTempDirectory("tail-v1")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let state = dir + "/state.db"
        do {
            // The tables and rows as the first release wrote them (no user_version).
            let db = try SQLiteDatabase(path: state)
            try db.exec("""
                PRAGMA journal_mode=WAL;
                CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
                CREATE TABLE readers(
                    path TEXT NOT NULL, seq INTEGER NOT NULL, name TEXT NOT NULL, dev INTEGER NOT NULL,
                    ino INTEGER NOT NULL, fp_len INTEGER NOT NULL, fp_hash INTEGER NOT NULL,
                    byte_offset INTEGER NOT NULL, marker_len INTEGER NOT NULL, marker_hash INTEGER NOT NULL,
                    active INTEGER NOT NULL, PRIMARY KEY(path, seq));
                CREATE TABLE inputs(path TEXT PRIMARY KEY, accounting BLOB NOT NULL);
                CREATE TABLE shapes(id INTEGER PRIMARY KEY, aggregate BLOB NOT NULL);
                CREATE TABLE other_shapes(id INTEGER PRIMARY KEY CHECK(id = 1), aggregate BLOB NOT NULL);
                CREATE TABLE metrics(id INTEGER PRIMARY KEY CHECK(id = 1), series BLOB NOT NULL);
                INSERT INTO meta VALUES ('schema', 1), ('checkpoints', 9), ('operations', 0);
                INSERT INTO readers VALUES ('/x/a.log', 0, '/x/a.log', 7, 8, 12, 99, 12, 12, 77, 1);
                """)
            db.close()
        }
        let store = try TailStateStore(path: state)
        #expect(store.migratedFrom == 1)
        let cp = try #require(try store.load())
        #expect(cp.checkpoints == 9)
        let r = try #require(cp.readers["/x/a.log"]?.first)
        #expect(r.offset == 12 && r.fingerprint == ByteRangeHash(length: 12, hash: 99) && r.active)
        // Unknown open/save times become the store's last write, not 0 ("any file ever").
        #expect(r.openedAtNanos > 0 && r.readAtNanos == r.openedAtNanos)
        #expect(try store.db.query("PRAGMA user_version").first?.first?.int == TailStateStore.schemaVersion)
    }

    @Test func newerStoreIsRefused() throws {
        let dir = try makeTempDirectory("tail-newer")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let state = dir + "/state.db"
        do { _ = try TailStateStore(path: state) }
        do {
            let db = try SQLiteDatabase(path: state)
            try db.exec("PRAGMA user_version = \(TailStateStore.schemaVersion + 1)")
            db.close()
        }
        let e = #expect(throws: StateError.self) { _ = try TailStateStore(path: state) }
        let d = e?.description ?? ""
        #expect(d.contains(state) && d.contains("newer") && d.contains("schema \(TailStateStore.schemaVersion + 1)"), "\(d)")
    }

    @Test func damagedStoresGiveAClearErrorNeverACrash() throws {
        let dir = try makeTempDirectory("tail-damaged")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Not a database at all.
        let garbage = dir + "/garbage.db"
        try Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }).write(to: URL(fileURLWithPath: garbage))
        let e1 = #expect(throws: StateError.self) { _ = try TailStateStore(path: garbage) }
        #expect(e1?.description.contains(garbage) == true && e1?.description.contains("--reset-state") == true, "\(String(describing: e1))")
        // A reader row with impossible values (a fingerprint longer than any taken).
        let state = dir + "/state.db"
        do {
            let s = try TailStateStore(path: state)
            try s.save(readers: ["/x/a.log": [SavedReader(name: "/x/a.log", dev: 1, ino: 2, fingerprint: ByteRangeHash(length: 256, hash: 3),
                                                          offset: 4, marker: ByteRangeHash(length: 4, hash: 5), active: true)]],
                       inputs: [], shapes: [], operations: 0, foldedWriteTwins: 0, metrics: [], checkpoints: 1)
            try s.db.exec("UPDATE readers SET fp_len = 100000")
        }
        let e2 = #expect(throws: StateError.self) { _ = try TailStateStore(path: state).load() }
        #expect(e2?.description.contains("--reset-state") == true, "\(String(describing: e2))")
        // Damaged pages: the header survives, the rest is overwritten.
        let pages = dir + "/pages.db"
        do {
            let s = try TailStateStore(path: pages)
            let big = SavedReader(name: String(repeating: "n", count: 3000), dev: 1, ino: 2, fingerprint: ByteRangeHash(length: 256, hash: 3),
                                  offset: 4, marker: ByteRangeHash(length: 4, hash: 5), active: false)
            try s.save(readers: ["/x/a.log": Array(repeating: big, count: 40)], inputs: [], shapes: [], operations: 0,
                       foldedWriteTwins: 0, metrics: [], checkpoints: 1)
            try s.db.exec("PRAGMA wal_checkpoint(TRUNCATE)")
        }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: pages))
        #expect(bytes.count > 16_384)
        for i in 4096..<bytes.count { bytes[i] = UInt8(truncatingIfNeeded: i &* 7) }
        try bytes.write(to: URL(fileURLWithPath: pages))
        let e3 = #expect(throws: StateError.self) { _ = try TailStateStore(path: pages).load() }
        #expect(e3?.description.contains(pages) == true && e3?.description.contains("--reset-state") == true, "\(String(describing: e3))")
    }

    /// The last checkpoint fails (its table was dropped behind its back): `run` says so.
    @Test func failedFinalCheckpointIsReported() throws {
        let dir = try makeTempDirectory("tail-finalcp")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/mongod.log", state = dir + "/state.db"
        try block(from: 0, count: 5).write(toFile: path, atomically: false, encoding: .utf8)
        let run = try Run(path: path, state: state)
        run.drain()
        let other = try SQLiteDatabase(path: state)
        try other.setPragma("busy_timeout", "5000")
        try other.exec("DROP TABLE readers")
        other.close()
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        var b: UInt8 = 1
        _ = write(fds[1], &b, 1)
        #expect(run.tailer.run(stopFD: fds[0]) == false)
        close(fds[0])
        close(fds[1])
    }

    @Test func tailExitsNonZeroWhenItsFinalCheckpointFails() throws {
        let dir = try makeTempDirectory("tail-finalcp-cli")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/mongod.log", state = dir + "/state.db"
        try block(from: 0, count: 5).write(toFile: path, atomically: false, encoding: .utf8)
        let tail = try TailProcess([path, "--state", state, "--from-start"], stderrPath: dir + "/stderr")
        defer { if tail.process.isRunning { tail.kill9() } }
        #expect(tail.waitFor("bottleneck_lines_total", toBe: 5, timeout: 30) == 5)
        let other = try SQLiteDatabase(path: state)
        try other.setPragma("busy_timeout", "5000")
        try other.exec("DROP TABLE readers")
        other.close()
        // New lines make the last checkpoint due.
        let w = LogWriter(path: path)
        w.write(block(from: 5, count: 3))
        #expect(tail.waitFor("bottleneck_lines_total", toBe: 8, timeout: 30) == 8)
        #expect(tail.terminate() == 1)
        #expect(tail.stderr.contains("final checkpoint failed"), "\(tail.stderr)")
    }
}
