#if canImport(Glibc)
import Glibc
#endif

/// What a checkpoint holds: where each followed path was read up to, and the aggregates of
/// exactly the lines before those positions.
public struct TailCheckpoint {
    public var readers: [String: [SavedReader]] = [:]
    public var inputs: [InputAccounting] = []
    public var shapes: [ShapeAggregate] = []
    /// The bounded table's bucket of evicted shapes, and how many evictions it holds.
    public var otherShapes: ShapeAggregate?
    public var evictions: Int64 = 0
    public var operations: Int64 = 0
    public var foldedWriteTwins: Int64 = 0
    public var metrics: [UInt8] = []
    public var checkpoints: Int64 = 0
    public init() {}
}

public struct StateError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// The `--state` database: SQLite in WAL mode with a busy timeout, PRAGMAs read back. Each
/// checkpoint is one transaction, so positions and aggregates always agree: after `kill -9` the
/// last committed checkpoint is resumed and the lines after it are read again, once.
///
/// One process at a time: an exclusive `flock` on `STATE.lock` refuses a second `tail` on the
/// same state.
public final class TailStateStore {
    public static let schemaVersion: Int64 = 1
    let db: SQLiteDatabase
    private let lockFD: Int32
    public let path: String

    public init(path: String, busyTimeoutMillis: Int = 5000) throws(StateError) {
        self.path = path
        let lockPath = path + ".lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StateError(description: "\(lockPath): cannot open: \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw StateError(description: "\(path): in use by another bottleneck tail")
        }
        lockFD = fd
        do {
            db = try SQLiteDatabase(path: path)
            try db.setPragma("busy_timeout", String(busyTimeoutMillis))
            try db.setPragma("journal_mode", "WAL")
            try db.setPragma("synchronous", "NORMAL", expect: "1")
            try db.exec("""
                CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
                CREATE TABLE IF NOT EXISTS readers(
                    path TEXT NOT NULL, seq INTEGER NOT NULL, name TEXT NOT NULL, dev INTEGER NOT NULL,
                    ino INTEGER NOT NULL, fp_len INTEGER NOT NULL, fp_hash INTEGER NOT NULL,
                    byte_offset INTEGER NOT NULL, marker_len INTEGER NOT NULL, marker_hash INTEGER NOT NULL,
                    active INTEGER NOT NULL, PRIMARY KEY(path, seq));
                CREATE TABLE IF NOT EXISTS inputs(path TEXT PRIMARY KEY, accounting BLOB NOT NULL);
                CREATE TABLE IF NOT EXISTS shapes(id INTEGER PRIMARY KEY, aggregate BLOB NOT NULL);
                CREATE TABLE IF NOT EXISTS other_shapes(id INTEGER PRIMARY KEY CHECK(id = 1), aggregate BLOB NOT NULL);
                CREATE TABLE IF NOT EXISTS metrics(id INTEGER PRIMARY KEY CHECK(id = 1), series BLOB NOT NULL);
                """)
            let v = try db.query("SELECT value FROM meta WHERE key = 'schema'")
            if let have = v.first?.first?.int, have != Self.schemaVersion {
                throw SQLiteError(code: -1, message: "state schema \(have), this build writes \(Self.schemaVersion)")
            }
        } catch {
            close(fd)
            throw StateError(description: "\(path): \(error)")
        }
    }

    deinit {
        db.close()
        close(lockFD)
    }

    /// The last committed checkpoint, or nil for a new state file.
    public func load() throws(StateError) -> TailCheckpoint? {
        do {
            let meta = try db.query("SELECT key, value FROM meta")
            var m: [String: Int64] = [:]
            for row in meta { if let k = row[0].text, let v = row[1].int { m[k] = v } }
            guard m["schema"] != nil else { return nil }
            var cp = TailCheckpoint()
            cp.operations = m["operations"] ?? 0
            cp.foldedWriteTwins = m["folded_write_twins"] ?? 0
            cp.checkpoints = m["checkpoints"] ?? 0
            cp.evictions = m["evictions"] ?? 0
            if let blob = try db.query("SELECT aggregate FROM other_shapes WHERE id = 1").first?.first?.blob {
                cp.otherShapes = try AggregateCoding.decodeShape(blob)
            }
            for row in try db.query("SELECT path, name, dev, ino, fp_len, fp_hash, byte_offset, marker_len, marker_hash, active FROM readers ORDER BY path, seq") {
                guard case .text(let p) = row[0], case .text(let name) = row[1] else { continue }
                let i = row.dropFirst(2).map { $0.int ?? 0 }
                cp.readers[p, default: []].append(SavedReader(
                    name: name, dev: UInt64(bitPattern: i[0]), ino: UInt64(bitPattern: i[1]),
                    fingerprint: ByteRangeHash(length: Int(i[2]), hash: UInt64(bitPattern: i[3])),
                    offset: i[4], marker: ByteRangeHash(length: Int(i[5]), hash: UInt64(bitPattern: i[6])),
                    active: i[7] == 1, finished: i[7] == 2))
            }
            for row in try db.query("SELECT accounting FROM inputs") {
                cp.inputs.append(try AggregateCoding.decodeAccounting(row[0].blob ?? []))
            }
            for row in try db.query("SELECT aggregate FROM shapes") {
                cp.shapes.append(try AggregateCoding.decodeShape(row[0].blob ?? []))
            }
            cp.metrics = try db.query("SELECT series FROM metrics WHERE id = 1").first?.first?.blob ?? []
            return cp
        } catch let e as SQLiteError {
            throw StateError(description: "\(path): \(e)")
        } catch {
            throw StateError(description: "\(path): corrupt state: \(error)")
        }
    }

    /// Commits one checkpoint in a single transaction. `shapes` are the aggregates changed since
    /// the last successful checkpoint (the others are already stored); `removedShapes` the ids
    /// evicted from a bounded table since then (now counted in `otherShapes`).
    public func save(readers: [String: [SavedReader]], inputs: [InputAccounting], shapes: [ShapeAggregate],
                     removedShapes: [UInt64] = [], otherShapes: ShapeAggregate? = nil, evictions: Int64 = 0,
                     operations: Int64, foldedWriteTwins: Int64, metrics: [UInt8], checkpoints: Int64) throws(StateError) {
        do {
            try db.transaction { () throws(SQLiteError) in
                try db.exec("DELETE FROM readers")
                for (p, list) in readers {
                    for (seq, r) in list.enumerated() {
                        try db.run("INSERT INTO readers VALUES (?,?,?,?,?,?,?,?,?,?,?)", [
                            .text(p), .int(Int64(seq)), .text(r.name), .int(Int64(bitPattern: r.dev)),
                            .int(Int64(bitPattern: r.ino)), .int(Int64(r.fingerprint.length)),
                            .int(Int64(bitPattern: r.fingerprint.hash)), .int(r.offset), .int(Int64(r.marker.length)),
                            .int(Int64(bitPattern: r.marker.hash)), .int(r.finished ? 2 : r.active ? 1 : 0),
                        ])
                    }
                }
                for a in inputs {
                    try db.run("INSERT OR REPLACE INTO inputs VALUES (?,?)", [.text(a.path), .blob(AggregateCoding.encode(a))])
                }
                for s in shapes {
                    try db.run("INSERT OR REPLACE INTO shapes VALUES (?,?)", [.int(Int64(bitPattern: s.shape.id)), .blob(AggregateCoding.encode(s))])
                }
                for id in removedShapes {
                    try db.run("DELETE FROM shapes WHERE id = ?", [.int(Int64(bitPattern: id))])
                }
                if let o = otherShapes {
                    try db.run("INSERT OR REPLACE INTO other_shapes VALUES (1, ?)", [.blob(AggregateCoding.encode(o))])
                }
                try db.run("INSERT OR REPLACE INTO metrics VALUES (1, ?)", [.blob(metrics)])
                for (k, v) in [("schema", Self.schemaVersion), ("operations", operations),
                               ("folded_write_twins", foldedWriteTwins), ("checkpoints", checkpoints),
                               ("evictions", evictions)] {
                    try db.run("INSERT OR REPLACE INTO meta VALUES (?,?)", [.text(k), .int(v)])
                }
            }
        } catch {
            throw StateError(description: "\(path): checkpoint failed: \(error)")
        }
    }
}
