/// One slow operation as logged by mongod or mongos, in any log format.
///
/// Counters are optional: `nil` means "not in the log line", never zero.
public struct SlowOperation: Sendable, Codable {
    /// Log format that produced the event (`logv2`, `legacy-2.4`, ...).
    public var format: String
    public var source: SourceLocation
    /// UTC instant; `nil` when the line's timestamp could not be read.
    public var timestamp: Timestamp?

    // Envelope
    public var severity: String?
    public var component: String?
    public var context: String?
    /// Connection number taken from a `connN` context.
    public var connectionId: Int64?

    // Operation
    /// Raw `attr.type` (JSON) or the legacy operation word: command, query, getmore, update, remove, insert, none.
    public var type: String?
    /// Namespace `db.collection`, with `db.$cmd` resolved to the command's collection.
    public var namespace: String
    /// Normalized operation: find, aggregate, count, distinct, findAndModify, getMore, update,
    /// delete, insert, or the command name for other commands.
    public var operation: String
    /// First key of the command document, as logged.
    public var commandName: String?
    /// A per-statement write entry (JSON `type` update/remove in the WRITE component, legacy `WRITE` lines).
    public var isWriteStatement: Bool = false

    public var shape: QueryShape

    // Plan
    public var plan: PlanSummary?

    // Counters
    public var keysExamined: Int64?
    public var docsExamined: Int64?
    public var nreturned: Int64?
    public var nMatched: Int64?
    public var nModified: Int64?
    public var ninserted: Int64?
    public var ndeleted: Int64?
    public var numYields: Int64?
    public var reslen: Int64?
    public var writeConflicts: Int64?

    // Time
    public var durationMillis: Int64
    public var planningTimeMicros: Int64?
    public var cpuNanos: Int64?
    public var workingMillis: Int64?
    /// Sum of every `timeAcquiringMicros` value in `locks` (or legacy `locks(micros)` waits).
    public var lockWaitMicros: Int64?
    /// Sum of the 2.x `locks(micros) r:… w:…` values: time the locks were held, not waited for.
    public var lockHeldMicros: Int64?
    public var storageBytesRead: Int64?
    public var storageTimeReadingMicros: Int64?

    // Server hashes and client
    public var queryHash: String?
    public var planCacheShapeHash: String?
    public var planCacheKey: String?
    public var queryShapeHash: String?
    public var queryFramework: String?
    public var appName: String?
    public var remote: String?
    public var `protocol`: String?

    // Flags
    public var hasSortStage: Bool?
    public var usedDisk: Bool?
    public var fromMultiPlanner: Bool?
    public var replanned: Bool?
    /// The line was truncated by the server (JSON `truncated` marker or legacy "over max size").
    public var truncated: Bool = false

    // Errors
    public var errName: String?
    public var errCode: Int64?

    // Attribution (set by the ingest loop, not the parser): the host the operation ran on and
    // the replica-set role in force at its time (nil until the log names one).
    public var host: String?
    public var role: MemberRole?

    public init(
        format: String, source: SourceLocation, namespace: String, operation: String,
        shape: QueryShape, durationMillis: Int64
    ) {
        self.format = format
        self.source = source
        self.namespace = namespace
        self.operation = operation
        self.shape = shape
        self.durationMillis = durationMillis
    }
}
