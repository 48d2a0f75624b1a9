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
///
/// Versioned with `PRAGMA user_version` and append-only migrations (`migrations[i]` takes a
/// store from version i to i + 1, in one transaction with the version bump): an older store is
/// migrated on open, a newer one is refused. Version 1 stores predate `user_version` (it reads
/// 0 there) and are recognised by their tables.
///
/// A state file that exists but holds no checkpoint (its WAL was deleted or damaged after a
/// `kill -9`, a 0-byte file) is refused by `load()`: starting at the end of the files would
/// silently lose what was counted and what was appended while stopped. `reset` discards it.
public final class TailStateStore {
    /// The version this build writes (and the highest it reads).
    public static let schemaVersion: Int64 = 2
    let db: SQLiteDatabase
    private let lockFD: Int32
    public let path: String
    /// The file existed (even empty) before this store opened it: a missing checkpoint then
    /// means lost state, not a new one.
    public let existedBefore: Bool
    /// The version the store had before this open migrated it (nil: already current, or new).
    public private(set) var migratedFrom: Int64?

    /// What to add to every state error a user can fix by discarding the state.
    public static let resetHint = "start with --reset-state to discard it and read the files from the start"

    /// Takes the store from version `from` to `from + 1`. Append-only: never edit a shipped
    /// step, add a case (and bump `schemaVersion`).
    static func migrate(from: Int64, db: SQLiteDatabase, path: String) throws(SQLiteError) {
        switch from {
        case 0:
            // The original tables.
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
        case 1:
            // When each reader opened its file and last read from it (wall ns): files changed
            // since then may hold what was not read (a reader saved with no or a short
            // fingerprint; a reader whose file is gone). Old rows get the time of the store's
            // last write, the closest known bound.
            try db.exec("ALTER TABLE readers ADD COLUMN opened_at INTEGER NOT NULL DEFAULT 0")
            try db.exec("ALTER TABLE readers ADD COLUMN read_at INTEGER NOT NULL DEFAULT 0")
            let t = [path, path + "-wal"].compactMap { FileIdentity.stat(path: $0)?.mtimeNanos }.max() ?? 0
            try db.run("UPDATE readers SET opened_at = ?, read_at = ?", [.int(t), .int(t)])
        default:
            throw SQLiteError(code: -1, message: "no migration from state schema \(from)")
        }
    }

    public init(path: String, busyTimeoutMillis: Int = 5000, reset: Bool = false) throws(StateError) {
        self.path = path
        let lockPath = path + ".lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StateError(description: "\(lockPath): cannot open: \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw StateError(description: "\(path): in use by another bottleneck tail")
        }
        lockFD = fd
        if reset {
            for p in [path, path + "-wal", path + "-shm", path + "-journal"] where unlink(p) != 0 && errno != ENOENT {
                let why = String(cString: strerror(errno))
                close(fd)
                throw StateError(description: "\(p): --reset-state cannot remove it: \(why)")
            }
        }
        existedBefore = FileIdentity.stat(path: path) != nil
        do {
            db = try SQLiteDatabase(path: path)
        } catch {
            close(fd)
            throw StateError(description: "\(path): cannot open the state file: \(error.message); \(Self.resetHint)")
        }
        do {
            try db.setPragma("busy_timeout", String(busyTimeoutMillis))
            try db.setPragma("journal_mode", "WAL")
            try db.setPragma("synchronous", "NORMAL", expect: "1")
            try migrate()
            if existedBefore {
                let check = try db.query("PRAGMA quick_check")
                let text = check.compactMap { $0.first?.text }.joined(separator: "; ")
                if text != "ok" { throw SQLiteError(code: -1, message: "damaged: \(text.prefix(300))") }
            }
        } catch let e as StateError {
            db.close()
            close(fd)
            throw e
        } catch {
            db.close()
            close(fd)
            throw StateError(description: "\(path): not a usable state file (\((error as? SQLiteError)?.message ?? "\(error)")); \(Self.resetHint)")
        }
    }

    /// The store's version: `user_version`, or 1 for a store from before it was set.
    private func currentVersion() throws(SQLiteError) -> Int64 {
        let v = try db.query("PRAGMA user_version").first?.first?.int ?? 0
        if v != 0 { return v }
        let tables = try db.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'readers'")
        return tables.isEmpty ? 0 : 1
    }

    private func migrate() throws {
        let have = try currentVersion()
        if have > Self.schemaVersion {
            throw StateError(description: "\(path): written by a newer bottleneck (state schema \(have); this build reads up to \(Self.schemaVersion)); use that version, or \(Self.resetHint)")
        }
        if have == Self.schemaVersion { return }
        if have > 0 { migratedFrom = have }
        for v in Int(have)..<Int(Self.schemaVersion) {
            try db.transaction { () throws(SQLiteError) in
                try Self.migrate(from: Int64(v), db: db, path: path)
                try db.exec("PRAGMA user_version = \(v + 1)")
            }
        }
    }

    deinit {
        db.close()
        close(lockFD)
    }

    /// The last committed checkpoint; nil for a new state file. Throws when a file that existed
    /// holds none (lost WAL, damaged WAL header, 0-byte file): resuming "at the end" would lose
    /// lines silently.
    public func load() throws(StateError) -> TailCheckpoint? {
        do {
            let meta = try db.query("SELECT key, value FROM meta")
            var m: [String: Int64] = [:]
            for row in meta { if let k = row[0].text, let v = row[1].int { m[k] = v } }
            guard m["schema"] != nil else {
                if existedBefore {
                    throw StateError(description: "\(path): the state file holds no checkpoint (its WAL was lost or damaged, or the file is empty); refusing to resume at the end of the files, which would lose what it had counted and what was appended since; \(Self.resetHint)")
                }
                return nil
            }
            var cp = TailCheckpoint()
            cp.operations = m["operations"] ?? 0
            cp.foldedWriteTwins = m["folded_write_twins"] ?? 0
            cp.checkpoints = m["checkpoints"] ?? 0
            cp.evictions = m["evictions"] ?? 0
            if let blob = try db.query("SELECT aggregate FROM other_shapes WHERE id = 1").first?.first?.blob {
                cp.otherShapes = try AggregateCoding.decodeShape(blob)
            }
            cp.readers = try loadReaders()
            for row in try db.query("SELECT accounting FROM inputs") {
                cp.inputs.append(try AggregateCoding.decodeAccounting(row[0].blob ?? []))
            }
            for row in try db.query("SELECT aggregate FROM shapes") {
                cp.shapes.append(try AggregateCoding.decodeShape(row[0].blob ?? []))
            }
            cp.metrics = try db.query("SELECT series FROM metrics WHERE id = 1").first?.first?.blob ?? []
            return cp
        } catch let e as StateError {
            throw e
        } catch let e as SQLiteError {
            throw StateError(description: "\(path): cannot read the state: \(e); \(Self.resetHint)")
        } catch {
            throw StateError(description: "\(path): corrupt state: \(error); \(Self.resetHint)")
        }
    }

    /// The saved readers, checked: a damaged row is an error, never a guess.
    private func loadReaders() throws -> [String: [SavedReader]] {
        var out: [String: [SavedReader]] = [:]
        let rows = try db.query("SELECT path, name, dev, ino, fp_len, fp_hash, byte_offset, marker_len, marker_hash, active, opened_at, read_at FROM readers ORDER BY path, seq")
        for row in rows {
            guard row.count == 12, case .text(let p) = row[0], case .text(let name) = row[1] else {
                throw StateError(description: "\(path): corrupt state: a reader row has no path; \(Self.resetHint)")
            }
            let ints = row.dropFirst(2).compactMap(\.int)
            guard ints.count == 10, (0...Int64(FileIdentity.fingerprintBytes)).contains(ints[2]), ints[4] >= 0,
                  (0...Int64(FileIdentity.markerBytes)).contains(ints[5]), (0...2).contains(ints[7]) else {
                throw StateError(description: "\(path): corrupt state: reader of \(p) has impossible values; \(Self.resetHint)")
            }
            out[p, default: []].append(SavedReader(
                name: name, dev: UInt64(bitPattern: ints[0]), ino: UInt64(bitPattern: ints[1]),
                fingerprint: ByteRangeHash(length: Int(ints[2]), hash: UInt64(bitPattern: ints[3])),
                offset: ints[4], marker: ByteRangeHash(length: Int(ints[5]), hash: UInt64(bitPattern: ints[6])),
                active: ints[7] == 1, finished: ints[7] == 2, openedAtNanos: ints[8], readAtNanos: ints[9]))
        }
        return out
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
                        try db.run("""
                            INSERT INTO readers(path, seq, name, dev, ino, fp_len, fp_hash, byte_offset, marker_len,
                                                marker_hash, active, opened_at, read_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)
                            """, [
                            .text(p), .int(Int64(seq)), .text(r.name), .int(Int64(bitPattern: r.dev)),
                            .int(Int64(bitPattern: r.ino)), .int(Int64(r.fingerprint.length)),
                            .int(Int64(bitPattern: r.fingerprint.hash)), .int(r.offset), .int(Int64(r.marker.length)),
                            .int(Int64(bitPattern: r.marker.hash)), .int(r.finished ? 2 : r.active ? 1 : 0), .int(r.openedAtNanos), .int(r.readAtNanos),
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
