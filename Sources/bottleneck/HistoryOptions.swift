import ArgumentParser
import BottleneckCore
#if canImport(Glibc)
import Glibc
#endif

/// `--db`: the history store, shared by `analyze --save`, `history`, `compare` and `baseline`.
struct StoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp("History store (SQLite; default $XDG_DATA_HOME/bottleneck/history.db, else ~/.local/share/bottleneck/history.db).", valueName: "path"))
    var db: String?

    var path: String { db ?? HistoryStore.defaultPath(environment: Terminal.environment) }

    func validate() throws {
        if let db, db.isEmpty { throw ValidationError("--db: the file name is empty") }
    }

    /// Opens the store, or exits with its message (1; `compare` and `baseline` pass 64 for a
    /// store that does not exist, which is a usage error there).
    func open(create: Bool, missingCode: Int32 = ExitCodes.runtime) throws -> HistoryStore {
        do {
            return try HistoryStore(path: path, create: create, busyTimeoutMillis: Terminal.busyTimeoutMillis)
        } catch {
            Terminal.writeStderr("bottleneck: \(error)\n")
            throw ExitCode(error.kind == .notFound ? missingCode : ExitCodes.runtime)
        }
    }
}
