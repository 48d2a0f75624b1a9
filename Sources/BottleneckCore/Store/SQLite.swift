import CSQLite

/// An SQLite error with the database's own message.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let message: String
    public var description: String { "sqlite error \(code): \(message)" }
}

/// A value bound to or read from a statement.
public enum SQLiteValue: Sendable, Equatable {
    case null
    case int(Int64)
    case text(String)
    case blob([UInt8])

    public var int: Int64? { if case .int(let v) = self { return v } else { return nil } }
    public var text: String? { if case .text(let v) = self { return v } else { return nil } }
    public var blob: [UInt8]? {
        switch self {
        case .blob(let b): return b
        case .null: return []
        default: return nil
        }
    }
}

/// The thin SQLite layer: the only file that imports the C API. One connection, used from one
/// thread at a time.
public final class SQLiteDatabase {
    private var db: OpaquePointer?
    public let path: String

    /// Opens (and with `create`, makes) the database file.
    public init(path: String, create: Bool = true) throws(SQLiteError) {
        self.path = path
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0)
        let rc = sqlite3_open_v2(path, &handle, flags, nil)
        if rc != SQLITE_OK {
            let msg = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(handle)
            throw SQLiteError(code: rc, message: "\(path): \(msg)")
        }
        db = handle
    }

    deinit { sqlite3_close(db) }

    public func close() {
        sqlite3_close(db)
        db = nil
    }

    private func error(_ rc: Int32) -> SQLiteError {
        SQLiteError(code: rc, message: db.map { String(cString: sqlite3_errmsg($0)) } ?? "closed")
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    public var changes: Int64 { Int64(sqlite3_changes(db)) }

    /// The primary result code meaning "busy": another connection holds the write lock.
    public static let busy = SQLITE_BUSY
    /// "The database disk image is malformed" and "file is not a database".
    public static let corrupt: Set<Int32> = [SQLITE_CORRUPT, SQLITE_NOTADB]

    /// Runs SQL without results (may hold several statements).
    public func exec(_ sql: String) throws(SQLiteError) {
        let rc = sqlite3_exec(db, sql, nil, nil, nil)
        if rc != SQLITE_OK { throw error(rc) }
    }

    /// Runs one statement with parameters and returns all rows.
    @discardableResult
    public func query(_ sql: String, _ params: [SQLiteValue] = []) throws(SQLiteError) -> [[SQLiteValue]] {
        var rows: [[SQLiteValue]] = []
        try run(sql, params) { row in rows.append(row) }
        return rows
    }

    /// Runs one statement with parameters, calling `row` for each result row.
    public func run(_ sql: String, _ params: [SQLiteValue] = [], row: ([SQLiteValue]) -> Void = { _ in }) throws(SQLiteError) {
        var stmt: OpaquePointer?
        var rc = sqlite3_prepare_v2(db, sql, -1, &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw error(rc) }
        defer { sqlite3_finalize(stmt) }
        for (i, p) in params.enumerated() {
            let idx = Int32(i + 1)
            switch p {
            case .null: rc = sqlite3_bind_null(stmt, idx)
            case .int(let v): rc = sqlite3_bind_int64(stmt, idx, v)
            case .text(let s): rc = sqlite3_bind_text(stmt, idx, s, -1, bn_sqlite_transient())
            case .blob(let b):
                rc = b.withUnsafeBytes { sqlite3_bind_blob(stmt, idx, $0.baseAddress, Int32($0.count), bn_sqlite_transient()) }
            }
            if rc != SQLITE_OK { throw error(rc) }
        }
        while true {
            rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { return }
            if rc != SQLITE_ROW { throw error(rc) }
            let n = sqlite3_column_count(stmt)
            var values: [SQLiteValue] = []
            values.reserveCapacity(Int(n))
            for c in 0..<n {
                switch sqlite3_column_type(stmt, c) {
                case SQLITE_INTEGER: values.append(.int(sqlite3_column_int64(stmt, c)))
                case SQLITE_TEXT: values.append(.text(String(cString: sqlite3_column_text(stmt, c))))
                case SQLITE_BLOB:
                    let count = Int(sqlite3_column_bytes(stmt, c))
                    if count == 0 { values.append(.blob([])) } else {
                        let base = sqlite3_column_blob(stmt, c)!
                        values.append(.blob(Array(UnsafeRawBufferPointer(start: base, count: count))))
                    }
                case SQLITE_FLOAT: values.append(.int(Int64(sqlite3_column_double(stmt, c))))
                default: values.append(.null)
                }
            }
            row(values)
        }
    }

    /// Sets a PRAGMA and reads it back; throws when the database did not take the value.
    public func setPragma(_ name: String, _ value: String, expect: String? = nil) throws(SQLiteError) {
        let set = try query("PRAGMA \(name)=\(value)")
        let got = try query("PRAGMA \(name)")
        let shown = (got.first?.first ?? set.first?.first).map { v -> String in
            switch v {
            case .int(let i): return String(i)
            case .text(let t): return t.lowercased()
            default: return ""
            }
        } ?? ""
        let wanted = (expect ?? value).lowercased()
        if shown != wanted {
            throw SQLiteError(code: -1, message: "PRAGMA \(name) is \(shown.isEmpty ? "unset" : shown), wanted \(wanted)")
        }
    }

    /// Runs `body` inside BEGIN IMMEDIATE … COMMIT; rolls back when it throws.
    public func transaction(_ body: () throws(SQLiteError) -> Void) throws(SQLiteError) {
        try exec("BEGIN IMMEDIATE")
        do {
            try body()
            try exec("COMMIT")
        } catch {
            try? exec("ROLLBACK")
            throw error
        }
    }
}
