#if canImport(Glibc)
import Glibc
#endif

/// A run as the history lists it.
public struct HistoryRun: Sendable, Equatable {
    public var id: Int64
    public var label: String?
    public var kind: String
    public var createdAt: Timestamp
    public var timeMin: Timestamp?
    public var timeMax: Timestamp?
    public var hosts: [String]
    public var lines: Int64
    public var slowOps: Int64
    public var operations: Int64
    public var slowMillis: Int64
    public var shapes: Int64
    public var oomKills: Int64
    /// The shape with the most slow time: "ns op" and its share.
    public var topShape: String?
    public var summaryBytes: Int64
}

public struct HistoryError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable { case notFound, foreign, newer, locked, damaged, io }
    public let kind: Kind
    public let description: String
    init(_ kind: Kind, _ d: String) { self.kind = kind; description = d }
}

/// The history of runs (`analyze --save`, `tail --save-every`): one SQLite file in WAL mode.
///
/// Each saved run is one transaction: the run's row with its whole run summary (the partial
/// format, `docs/partial-format.md`; what `history show` and `compare` read back, exactly), and
/// a projection for SQL users (`run_shapes`: per-run per-shape aggregates with percentiles and
/// histogram buckets, plan mix, server hashes; `run_oom`; `run_inputs`; `shapes` with canonical
/// text). A `kill -9` leaves every run fully there or absent.
///
/// The file carries `PRAGMA application_id` 'BNKH', so another program's SQLite file is refused,
/// and `PRAGMA user_version` with append-only migrations: an older store is migrated on open, a
/// newer one refused. The tables are those `migrations` create (README "History and baselines"
/// shows SQL over them).
public final class HistoryStore {
    public static let applicationId: Int64 = 0x424E_4B48  // "BNKH"
    /// `migrations[i]` takes a store from version i to i + 1, in one transaction with the bump.
    /// Append-only: never edit a shipped step.
    public static let migrations: [String] = [
        // 1: runs, the shapes they name, their per-shape aggregates, OOM events and inputs.
        """
        CREATE TABLE runs(
            run_id INTEGER PRIMARY KEY,
            label TEXT,
            created_at INTEGER NOT NULL,
            tool_version TEXT NOT NULL,
            normalizer INTEGER NOT NULL,
            bucket_layout TEXT NOT NULL,
            hosts TEXT NOT NULL,
            time_min INTEGER,
            time_max INTEGER,
            lines INTEGER NOT NULL,
            recognized INTEGER NOT NULL,
            skipped INTEGER NOT NULL,
            slow_ops INTEGER NOT NULL,
            operations INTEGER NOT NULL,
            slow_ms INTEGER NOT NULL,
            shapes INTEGER NOT NULL,
            oom_kills INTEGER NOT NULL,
            evicted_shapes INTEGER NOT NULL,
            evicted_operations INTEGER NOT NULL,
            top_shape TEXT,
            summary BLOB NOT NULL);
        CREATE TABLE shapes(
            shape_id TEXT PRIMARY KEY,
            namespace TEXT NOT NULL,
            operation TEXT NOT NULL,
            canonical_text TEXT NOT NULL,
            first_run INTEGER NOT NULL,
            last_run INTEGER NOT NULL);
        CREATE TABLE run_shapes(
            run_id INTEGER NOT NULL,
            shape_id TEXT NOT NULL,
            count INTEGER NOT NULL,
            duration_ms INTEGER NOT NULL,
            min_ms INTEGER NOT NULL,
            max_ms INTEGER NOT NULL,
            p50_ms REAL NOT NULL,
            p95_ms REAL NOT NULL,
            p99_ms REAL NOT NULL,
            hist BLOB NOT NULL,
            plan_mix TEXT NOT NULL,
            yields INTEGER NOT NULL,
            keys_examined INTEGER NOT NULL,
            docs_examined INTEGER NOT NULL,
            nreturned INTEGER NOT NULL,
            reslen INTEGER NOT NULL,
            plan_cache_shape_hashes TEXT NOT NULL,
            query_shape_hashes TEXT NOT NULL,
            hosts TEXT NOT NULL,
            PRIMARY KEY(run_id, shape_id)) WITHOUT ROWID;
        CREATE TABLE run_oom(
            run_id INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            time INTEGER,
            uptime_s REAL,
            killed INTEGER NOT NULL,
            pid INTEGER,
            process TEXT,
            cgroup TEXT,
            anon_rss_kb INTEGER,
            constraint_kind TEXT,
            PRIMARY KEY(run_id, seq)) WITHOUT ROWID;
        CREATE TABLE run_inputs(
            run_id INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            path TEXT NOT NULL,
            host TEXT,
            format TEXT NOT NULL,
            lines INTEGER NOT NULL,
            recognized INTEGER NOT NULL,
            skipped INTEGER NOT NULL,
            error TEXT,
            PRIMARY KEY(run_id, seq)) WITHOUT ROWID;
        """,
        // 2: live windows of `tail --save-every` next to analyzed runs, and labels looked up fast.
        """
        ALTER TABLE runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'analyze';
        CREATE INDEX runs_by_label ON runs(label, run_id);
        """,
        // 3: the planCacheKeys logged per plan-cache shape hash ("hash/key,…"), whose change means
        // the index set changed.
        """
        ALTER TABLE run_shapes ADD COLUMN plan_cache_keys TEXT NOT NULL DEFAULT '';
        """,
    ]
    public static var schemaVersion: Int { migrations.count }

    public let path: String
    let db: SQLiteDatabase
    /// The version the store had before this open migrated it (nil: already current, or new).
    public private(set) var migratedFrom: Int?

    /// `$XDG_DATA_HOME/bottleneck/history.db`, else `~/.local/share/bottleneck/history.db`.
    public static func defaultPath(environment: [String: String]) -> String {
        if let x = environment["XDG_DATA_HOME"], x.hasPrefix("/") { return x + "/bottleneck/history.db" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "."
        return home + "/.local/share/bottleneck/history.db"
    }

    /// Opens the store. `create`: make it (and its folder) when missing; otherwise a missing
    /// store is `.notFound`. `upTo` limits the migrations run (tests of migration).
    public init(path: String, create: Bool, busyTimeoutMillis: Int = 5000, upTo: Int? = nil) throws(HistoryError) {
        self.path = path
        var st = stat()
        let exists = stat(path, &st) == 0
        if !exists {
            guard create else {
                throw HistoryError(.notFound, "\(path): no history store here (save a run with `bottleneck analyze --save`, or give --db)")
            }
            try Self.makeFolders(for: path)
        } else if (st.st_mode & S_IFMT) != S_IFREG {
            throw HistoryError(.foreign, "\(path): not a regular file, so not a history store")
        }
        do {
            db = try SQLiteDatabase(path: path, create: create)
        } catch {
            throw HistoryError(.io, "\(path): cannot open the history store: \(error.message)")
        }
        do {
            try db.setPragma("busy_timeout", String(busyTimeoutMillis))
            try checkIdentity()
            try migrate(upTo: upTo ?? Self.schemaVersion)
            try db.setPragma("journal_mode", "WAL")
            try db.setPragma("synchronous", "FULL", expect: "2")
            try db.exec("PRAGMA foreign_keys = OFF")
        } catch let e as HistoryError {
            db.close()
            throw e
        } catch let e as SQLiteError {
            db.close()
            throw wrap(e)
        } catch {
            db.close()
            throw HistoryError(.io, "\(path): \(error)")
        }
    }

    public func close() { db.close() }

    /// A message for an SQLite error, by kind: locked, damaged, or other.
    func wrap(_ e: SQLiteError, doing what: String = "") -> HistoryError {
        let doing = what.isEmpty ? "" : " (\(what))"
        if e.code == SQLiteDatabase.busy {
            return HistoryError(.locked, "\(path): the history store is locked by another writer; gave up after the busy timeout\(doing)")
        }
        if SQLiteDatabase.corrupt.contains(e.code) {
            return HistoryError(.damaged, "\(path): not a usable history store: \(e.message)\(doing)")
        }
        return HistoryError(.io, "\(path): \(e.message)\(doing)")
    }

    private static func makeFolders(for path: String) throws(HistoryError) {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return }
        let dir = String(path[..<slash])
        var prefix = ""
        for part in dir.split(separator: "/", omittingEmptySubsequences: false) {
            prefix += (prefix.isEmpty && dir.hasPrefix("/") && part.isEmpty) ? "/" : (prefix.isEmpty || prefix == "/" ? "" : "/") + part
            if prefix.isEmpty || prefix == "/" { continue }
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw HistoryError(.io, "\(prefix): cannot create the history folder: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Ours (application id), or empty and new. Anything else is refused untouched.
    private func checkIdentity() throws {
        let app = try db.query("PRAGMA application_id").first?.first?.int ?? 0
        if app == Self.applicationId { return }
        let tables = try db.query("SELECT count(*) FROM sqlite_master").first?.first?.int ?? 0
        if app == 0 && tables == 0 {
            try db.exec("PRAGMA application_id = \(Self.applicationId)")
            return
        }
        throw HistoryError(.foreign, "\(path): an SQLite database of another program (application_id \(app), \(tables) schema objects), not a bottleneck history store; give another --db")
    }

    private func migrate(upTo target: Int) throws {
        let have = Int(try db.query("PRAGMA user_version").first?.first?.int ?? 0)
        if have > Self.schemaVersion {
            throw HistoryError(.newer, "\(path): written by a newer bottleneck (history schema \(have); this build reads up to \(Self.schemaVersion)); use that version")
        }
        guard have < target else { return }
        if have > 0 { migratedFrom = have }
        for v in have..<target {
            try db.transaction { () throws(SQLiteError) in
                try db.exec(Self.migrations[v])
                try db.exec("PRAGMA user_version = \(v + 1)")
            }
        }
    }

    public var version: Int { Int((try? db.query("PRAGMA user_version").first?.first?.int) ?? 0) }

    // MARK: - save

    /// Saves a run in one transaction; returns its id. `beforeCommit` runs inside the transaction,
    /// after every row is written (the kill -9 test holds it open there).
    @discardableResult
    public func save(_ s: RunSummary, label: String?, kind: String = "analyze", createdAt: Timestamp,
                     beforeCommit: () -> Void = {}) throws(HistoryError) -> Int64 {
        let report = Report(result: s)
        let blob = SummaryCoding.encode(s)
        let total = report.shapes.reduce(Int64(0)) { $0.addingSaturated($1.durationTotal) }
        let top = report.shapes.first.map { a -> String in
            let share = total > 0 ? Double(a.durationTotal) / Double(total) * 100 : 0
            return "\(a.namespace) \(a.operation) \(a.shape.idHex) (\(formatShare(share)) of slow time)"
        }
        var id: Int64 = 0
        do {
            try db.transaction { () throws(SQLiteError) in
                try db.run("""
                    INSERT INTO runs(label, kind, created_at, tool_version, normalizer, bucket_layout, hosts,
                        time_min, time_max, lines, recognized, skipped, slow_ops, operations, slow_ms, shapes,
                        oom_kills, evicted_shapes, evicted_operations, top_shape, summary)
                    VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
                    """, [
                        label.map { .text($0) } ?? .null, .text(kind), .int(createdAt.millis), .text(s.tool),
                        .int(Int64(s.normalizer)), .text(s.layout), .text(s.hostNames.joined(separator: ",")),
                        s.timeline.first.map { .int($0.millis) } ?? .null, s.timeline.last.map { .int($0.millis) } ?? .null,
                        .int(report.totalLines), .int(report.totalRecognized), .int(report.totalSkipped),
                        .int(report.totalSlowOps), .int(report.operations), .int(total), .int(Int64(report.shapes.count)),
                        .int(s.oom.killCount), .int(s.shapes.evictions), .int(s.shapes.other?.count ?? 0),
                        top.map { .text($0) } ?? .null, .blob(blob),
                    ])
                id = try db.query("SELECT last_insert_rowid()").first?.first?.int ?? 0
                for a in report.shapes { try saveShape(a, run: id) }
                for (i, k) in s.oom.events.enumerated() {
                    try db.run("INSERT INTO run_oom VALUES (?,?,?,?,?,?,?,?,?,?)", [
                        .int(id), .int(Int64(i)), k.timestamp.map { .int($0.millis) } ?? .null,
                        k.uptimeSeconds.map { .text(String($0)) } ?? .null, .int(k.killed ? 1 : 0),
                        k.pid.map { .int($0) } ?? .null, k.processName.map { .text($0) } ?? .null,
                        (k.taskMemcg ?? k.oomMemcg).map { .text($0) } ?? .null, k.anonRssKB.map { .int($0) } ?? .null,
                        k.constraint.map { .text($0) } ?? .null,
                    ])
                }
                for (i, input) in s.inputs.enumerated() {
                    try db.run("INSERT INTO run_inputs VALUES (?,?,?,?,?,?,?,?,?)", [
                        .int(id), .int(Int64(i)), .text(input.path), input.host.map { .text($0) } ?? .null,
                        .text(input.format), .int(input.lines), .int(input.recognized), .int(input.skippedTotal),
                        input.error.map { .text($0) } ?? .null,
                    ])
                }
                beforeCommit()
            }
        } catch {
            throw wrap(error, doing: "saving a run; nothing of it was kept")
        }
        return id
    }

    private func saveShape(_ a: ShapeAggregate, run: Int64) throws(SQLiteError) {
        let hex = a.shape.idHex
        try db.run("""
            INSERT INTO shapes(shape_id, namespace, operation, canonical_text, first_run, last_run) VALUES (?,?,?,?,?,?)
            ON CONFLICT(shape_id) DO UPDATE SET last_run = max(last_run, excluded.last_run)
            """, [.text(hex), .text(a.namespace), .text(a.operation), .text(a.shape.text), .int(run), .int(run)])
        var w = ByteWriter()
        SummaryCoding.encode(a.histogram, &w)
        try db.run("""
            INSERT INTO run_shapes(run_id, shape_id, count, duration_ms, min_ms, max_ms, p50_ms, p95_ms, p99_ms, hist,
                plan_mix, yields, keys_examined, docs_examined, nreturned, reslen, plan_cache_shape_hashes,
                query_shape_hashes, hosts, plan_cache_keys)
            VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
            """, [
            .int(run), .text(hex), .int(a.count), .int(a.durationTotal),
            .int(a.histogram.count > 0 ? a.histogram.min : 0), .int(a.histogram.count > 0 ? a.histogram.max : 0),
            .text(String(a.histogram.quantile(0.5))), .text(String(a.histogram.quantile(0.95))), .text(String(a.histogram.quantile(0.99))),
            .blob(w.bytes), .text(Self.jsonObject(a.plans)), .int(a.yieldsTotal), .int(a.keysExamined),
            .int(a.docsExamined), .int(a.nreturned), .int(a.reslen),
            .text(a.queryHashes.sorted().joined(separator: ",")), .text(a.queryShapeHashes.sorted().joined(separator: ",")),
            .text(Self.jsonObject(a.hosts)),
            .text(a.planCacheKeys.sorted().map { "\($0.hash)/\($0.key)" }.joined(separator: ",")),
        ])
    }

    /// `{"a":1,"b":2}` with sorted keys (plan mix, hosts).
    static func jsonObject(_ d: [String: Int64]) -> String {
        var w = JSONWriter()
        w.beginObject()
        for k in d.keys.sorted() { w.int(k, d[k]!) }
        w.endObject()
        return w.output
    }

    // MARK: - read

    public func runs() throws(HistoryError) -> [HistoryRun] {
        do {
            return try db.query("""
                SELECT run_id, label, kind, created_at, time_min, time_max, hosts, lines, slow_ops, operations,
                    slow_ms, shapes, oom_kills, top_shape, length(summary) FROM runs ORDER BY run_id
                """).map(Self.run(from:))
        } catch { throw wrap(error) }
    }

    static func run(from r: [SQLiteValue]) -> HistoryRun {
        HistoryRun(
            id: r[0].int ?? 0, label: r[1].text, kind: r[2].text ?? "analyze", createdAt: Timestamp(millis: r[3].int ?? 0),
            timeMin: r[4].int.map(Timestamp.init(millis:)), timeMax: r[5].int.map(Timestamp.init(millis:)),
            hosts: (r[6].text ?? "").split(separator: ",").map(String.init), lines: r[7].int ?? 0, slowOps: r[8].int ?? 0,
            operations: r[9].int ?? 0, slowMillis: r[10].int ?? 0, shapes: r[11].int ?? 0, oomKills: r[12].int ?? 0,
            topShape: r[13].text, summaryBytes: r[14].int ?? 0)
    }

    /// A run named by its id (`12`), a label (its latest run), or `LABEL~N` / `latest~N` (the
    /// N-th run before that one with the label, or in the store).
    public func resolve(_ spec: String) throws(HistoryError) -> HistoryRun {
        let all = try runs()
        if let id = Int64(spec), let r = all.first(where: { $0.id == id }) { return r }
        if Int64(spec) != nil { throw HistoryError(.notFound, "\(path): no run \(spec) (`bottleneck history` lists them)") }
        var name = spec
        var back = 0
        if let tilde = spec.lastIndex(of: "~"), let n = Int(spec[spec.index(after: tilde)...]), n >= 0,
           !all.contains(where: { $0.label == spec }) {
            name = String(spec[..<tilde])
            back = n
        }
        let matching = name == "latest" && !all.contains(where: { $0.label == "latest" }) ? all : all.filter { $0.label == name }
        if matching.isEmpty {
            throw HistoryError(.notFound, "\(path): no run labelled '\(name)' (`bottleneck history` lists them)")
        }
        guard back < matching.count else {
            throw HistoryError(.notFound, "\(path): '\(spec)': only \(matching.count) run\(matching.count == 1 ? "" : "s") labelled '\(name)'")
        }
        return matching[matching.count - 1 - back]
    }

    /// The run summary saved with a run.
    public func summary(of run: Int64, rules: RuleSet? = nil) throws(HistoryError) -> RunSummary {
        let blob: [UInt8]
        do {
            guard let b = try db.query("SELECT summary FROM runs WHERE run_id = ?", [.int(run)]).first?.first?.blob else {
                throw HistoryError(.notFound, "\(path): no run \(run)")
            }
            blob = b
        } catch let e as HistoryError { throw e } catch let e as SQLiteError { throw wrap(e) } catch { throw HistoryError(.io, "\(error)") }
        do {
            return try SummaryCoding.decode(blob, rules: rules)
        } catch {
            throw HistoryError(.damaged, "\(path): run \(run): its saved summary is damaged: \(error)")
        }
    }

    /// Removes a run and what only it referenced; returns false when there was no such run.
    @discardableResult
    public func remove(_ run: Int64) throws(HistoryError) -> Bool {
        var found = false
        do {
            try db.transaction { () throws(SQLiteError) in
                try db.run("DELETE FROM runs WHERE run_id = ?", [.int(run)])
                found = db.changes > 0
                for t in ["run_shapes", "run_oom", "run_inputs"] {
                    try db.run("DELETE FROM \(t) WHERE run_id = ?", [.int(run)])
                }
                try db.run("DELETE FROM shapes WHERE shape_id NOT IN (SELECT DISTINCT shape_id FROM run_shapes)")
            }
        } catch { throw wrap(error, doing: "removing run \(run); nothing was removed") }
        return found
    }

    /// The database's own consistency check ("ok" when sound) and per-run row counts that must
    /// match (tests of kill -9 during a save).
    public func integrity() throws(HistoryError) -> (check: String, incompleteRuns: [Int64]) {
        do {
            let check = try db.query("PRAGMA integrity_check").compactMap { $0.first?.text }.joined(separator: "; ")
            let bad = try db.query("""
                SELECT r.run_id FROM runs r
                WHERE r.shapes != (SELECT count(*) FROM run_shapes s WHERE s.run_id = r.run_id)
                """).compactMap { $0.first?.int }
            return (check, bad)
        } catch { throw wrap(error) }
    }
}

func formatShare(_ pct: Double) -> String {
    let r = (pct * 10).rounded() / 10
    return (r == r.rounded() ? String(Int(r)) : String(r)) + "%"
}
