import Testing
import Foundation
@testable import BottleneckCore
import BottleneckTestSupport

/// The history store: real SQLite files, the real binary for save/show/rm, and kill -9 during a save.
@Suite struct HistoryStoreTests {
    static let log = "hatchet-sample-mongod-6.0.11.log.gz"

    func summary(_ fixture: String = HistoryStoreTests.log) -> RunSummary {
        let a = Analyzer(options: AnalysisOptions())
        a.analyze(paths: [fixturePath(fixture)])
        return a.result
    }

    @Test func aSavedRunShowsTheReportAnalyzePrinted() throws {
        let dir = try makeTempDirectory("hist-show")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = "\(dir)/sub/folder/h.db"
        let analyzed = try runBottleneck(["analyze", "-q", "-f", "json", "--save", "--label", "nightly", "--db", db, fixturePath(Self.log)])
        #expect(analyzed.status == 0, "\(analyzed.stderr)")
        #expect(analyzed.stderr.contains("saved run 1 'nightly'"))
        let shown = try runBottleneck(["history", "show", "--db", db, "-f", "json", "nightly"])
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout == analyzed.stdout)
        let table = try runBottleneck(["history", "show", "--db", db, "1"])
        #expect(table.stdout.contains("testdb.__examples"))
        // Two more runs; LABEL~N counts back; list and rm.
        for label in ["nightly", "pre-deploy"] {
            #expect(try runBottleneck(["analyze", "-q", "-o", "\(dir)/r.txt", "--save", "--label", label, "--db", db, fixturePath("replset/db1.example.net.log")]).status == 0)
        }
        let store = try HistoryStore(path: db, create: false)
        #expect(try store.resolve("nightly").id == 2)
        #expect(try store.resolve("nightly~1").id == 1)
        #expect(try store.resolve("latest").id == 3)
        #expect(throws: HistoryError.self) { try store.resolve("nightly~2") }
        #expect(throws: HistoryError.self) { try store.resolve("weekly") }
        let list = try runBottleneck(["history", "--db", db, "-f", "json"])
        let runs = ((try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])?["runs"] as? [[String: Any]]) ?? []
        #expect(runs.map { $0["label"] as? String } == ["nightly", "nightly", "pre-deploy"])
        #expect(runs.first?["lines"] as? Int == 27_995)
        let text = try runBottleneck(["history", "--db", db])
        #expect(text.stdout.contains("3 runs in"))
        #expect(try runBottleneck(["history", "rm", "--db", db, "nightly~1"]).status == 0)
        #expect(try store.runs().map(\.id) == [2, 3])
        let rm = try runBottleneck(["history", "rm", "--db", db, "41"])
        #expect(rm.status == 1)
        #expect(rm.stderr.contains("no run 41"))
        // Compare by label.
        let cmp = try runBottleneck(["compare", "--db", db, "--fail-on", "none", "nightly", "pre-deploy"])
        #expect(cmp.status == 0, "\(cmp.stderr)")
        #expect(cmp.stdout.contains("Baseline: run 2 'nightly'"))
        // A missing store is said so, not created.
        let none = try runBottleneck(["history", "--db", "\(dir)/none.db"])
        #expect(none.status == 1)
        #expect(none.stderr.contains("no history store here"))
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/none.db"))
    }

    @Test func anOlderStoreIsMigratedAndANewerOneRefused() throws {
        let dir = try makeTempDirectory("hist-migrate")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = "\(dir)/h.db"
        let old = try HistoryStore(path: path, create: true, upTo: 1)
        #expect(old.version == 1)
        old.close()
        let s = try HistoryStore(path: path, create: false)
        #expect(s.migratedFrom == 1)
        #expect(s.version == 3)
        #expect(s.version == HistoryStore.schemaVersion)
        let id = try s.save(summary(), label: "x", createdAt: Timestamp(millis: 0))
        #expect(try s.runs().map(\.id) == [id])
        s.close()
        let raw = try SQLiteDatabase(path: path)
        try raw.exec("PRAGMA user_version = 99")
        raw.close()
        do {
            _ = try HistoryStore(path: path, create: false)
            Issue.record("a newer store was opened")
        } catch {
            #expect(error.kind == .newer)
            #expect(error.description.contains("newer bottleneck (history schema 99"))
        }
    }

    @Test func foreignDamagedAndLockedStoresAreRefusedWithAReason() throws {
        let dir = try makeTempDirectory("hist-bad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Another program's SQLite file: untouched.
        let other = "\(dir)/other.db"
        let raw = try SQLiteDatabase(path: other)
        try raw.exec("CREATE TABLE t(x)")
        raw.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: other))
        do { _ = try HistoryStore(path: other, create: true); Issue.record("foreign store opened") } catch {
            #expect(error.kind == .foreign)
            #expect(error.description.contains("not a bottleneck history store"))
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: other)) == before)
        // Not SQLite at all.
        try "hello, this is a log\n".write(toFile: "\(dir)/text.db", atomically: true, encoding: .utf8)
        do { _ = try HistoryStore(path: "\(dir)/text.db", create: true); Issue.record("text file opened") } catch {
            #expect(error.kind == .damaged)
        }
        let cli = try runBottleneck(["history", "--db", "\(dir)/text.db"])
        #expect(cli.status == 1)
        #expect(cli.stderr.contains("text.db: not a usable history store"))
        // A store whose pages were overwritten: the damage is reported when read.
        let path = "\(dir)/h.db"
        do {
            let s = try HistoryStore(path: path, create: true)
            try s.save(summary(), label: nil, createdAt: Timestamp(millis: 0))
            try s.db.exec("PRAGMA wal_checkpoint(TRUNCATE)")
            s.close()
        }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        for i in stride(from: 4096, to: bytes.count, by: 1) { bytes[i] = 0xA5 }
        try bytes.write(to: URL(fileURLWithPath: path))
        let damaged = try runBottleneck(["history", "show", "--db", path, "1"])
        #expect(damaged.status == 1)
        #expect(damaged.stderr.contains("h.db"))
        // Locked by another writer: a clear error after the busy timeout, and nothing half-written.
        let lpath = "\(dir)/locked.db"
        let s = try HistoryStore(path: lpath, create: true, busyTimeoutMillis: 200)
        let holder = try SQLiteDatabase(path: lpath)
        try holder.exec("BEGIN IMMEDIATE")
        do { try s.save(summary(), label: "busy", createdAt: Timestamp(millis: 0)); Issue.record("saved under a lock") } catch {
            #expect(error.kind == .locked)
            #expect(error.description.contains("locked by another writer"))
        }
        try holder.exec("ROLLBACK")
        holder.close()
        #expect(try s.runs().isEmpty)
        let cliLocked = try {
            let h = try SQLiteDatabase(path: lpath)
            try h.exec("BEGIN IMMEDIATE")
            defer { try? h.exec("ROLLBACK"); h.close() }
            return try runBottleneck(["analyze", "-q", "-o", "\(dir)/r.txt", "--save", "--db", lpath, fixturePath(Self.log)],
                                     environment: ["BOTTLENECK_BUSY_TIMEOUT_MS": "300"])
        }()
        #expect(cliLocked.status == 1)
        #expect(cliLocked.stderr.contains("locked by another writer"))
    }

    /// `kill -9` while a save's transaction is open (held open by the hidden --save-hold-ms), and
    /// at random moments of whole runs: the store is always sound, every run complete or absent.
    @Test func killDuringSaveLeavesEveryRunWholeOrAbsent() throws {
        let dir = try makeTempDirectory("hist-kill")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = "\(dir)/h.db"
        #expect(try runBottleneck(["analyze", "-q", "-o", "\(dir)/r.txt", "--save", "--label", "kept", "--db", db, fixturePath(Self.log)]).status == 0)
        var killedInside = 0
        for round in 0..<6 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: bottleneckExecutablePath())
            p.arguments = ["analyze", "-q", "-o", "\(dir)/r\(round).txt", "--save", "--label", "killed", "--db", db, "--save-hold-ms", "5000", fixturePath(Self.log)]
            let err = Pipe()
            p.standardError = err
            try p.run()
            // Rounds 0-3: kill once the save's transaction is open (its rows written, not
            // committed); 4-5: at other moments of the run.
            if round < 4 {
                let h = err.fileHandleForReading
                var seen = Data()
                while !String(decoding: seen, as: UTF8.self).contains("holding the save's transaction open") {
                    let d = h.availableData
                    if d.isEmpty { break }
                    seen += d
                }
                if String(decoding: seen, as: UTF8.self).contains("holding") { killedInside += 1 }
            } else {
                usleep(UInt32(60_000 * (round - 3)))
            }
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            let s = try HistoryStore(path: db, create: false)
            let check = try s.integrity()
            #expect(check.check == "ok")
            #expect(check.incompleteRuns.isEmpty)
            #expect(try s.runs().map { $0.label } == ["kept"], "round \(round)")
            _ = try s.summary(of: 1)
            s.close()
        }
        #expect(killedInside == 4)
    }
}

/// `tail --save-every`: live windows saved as runs; their operations add up to what tail counted.
@Suite(.serialized) struct TailWindowHistoryTests {
    @Test func windowsAreSavedAndSumToTheLinesFollowed() throws {
        let dir = try makeTempDirectory("tail-windows")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/mongod.log"
        let db = dir + "/h.db"
        let w = LogWriter(path: path)
        let tail = try TailProcess([path, "--save-every", "1s", "--label", "live", "--db", db], stderrPath: dir + "/stderr")
        defer { if tail.process.isRunning { tail.kill9() } }
        var seq = 0
        for round in 0..<3 {
            var s = ""
            for _ in 0..<(200 + 100 * round) {
                s += slowQueryLine(seq: seq, ns: ["shop.orders", "shop.users"][seq % 2], ms: 100 + seq % 900) + "\n"
                seq += 1
            }
            w.write(s)
            usleep(1_300_000)
        }
        #expect(tail.waitFor("bottleneck_slow_operations_total", toBe: Int64(seq)) == Int64(seq), "stderr: \(tail.stderr)")
        #expect(tail.terminate() == 0, "stderr: \(tail.stderr)")
        let store = try HistoryStore(path: db, create: false)
        let runs = try store.runs()
        #expect(runs.count >= 2, "\(runs)")
        #expect(runs.allSatisfy { $0.kind == "tail-window" && $0.label == "live" })
        #expect(runs.reduce(0) { $0 + $1.slowOps } == Int64(seq))
        #expect(runs.reduce(0) { $0 + $1.lines } == Int64(seq))
        // Each window is a run like any other: shown, compared.
        let first = try store.summary(of: runs[0].id)
        #expect(first.inputs.allSatisfy { $0.balanced })
        let cmp = try runBottleneck(["compare", "--db", db, "--fail-on", "none", "live~1", "live"])
        #expect(cmp.status == 0, "\(cmp.stderr)")
    }

    @Test func badDurationsAreRefused() throws {
        for bad in ["0s", "fast", "5x", "999999999999d"] {
            let r = try runBottleneck(["tail", "--save-every", bad, "/tmp/x.log"])
            #expect(r.status == 1)
            #expect(r.stderr.contains("--save-every: a duration"))
        }
    }
}
