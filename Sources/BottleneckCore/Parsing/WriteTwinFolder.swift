/// Folds double-logged writes: mongod 3.6+ logs a slow update/delete twice, once per statement
/// (WRITE, `type: update|remove`, with the statement's `q`/`u`) and once as the `db.$cmd` batch
/// command on the same connection. The statement is kept; the batch twin is dropped and counted.
///
/// Pairing rule (checked on the hatchet 6.0.11 sample, where it pairs all 6,060 twins one to one):
/// - a twin is a batch `update`/`delete` command (not a statement) on connection C and
///   collection N; its statement is an `update`/`remove` statement on the same C and N;
/// - pairs are one to one, in log order (oldest waiting partner first);
/// - usually the statement comes first and the twin up to a few milliseconds later; a statement
///   waits at most the twin's duration plus one second;
/// - within one millisecond the log order is not reliable (1,466 twins of the sample precede their
///   statement in the same millisecond), so a twin with no waiting statement is held back until
///   an event with a later timestamp arrives: if its statement shows up first, the twin is
///   folded, otherwise it is released as an ordinary operation.
///
/// A transform of the MongoDB formats (their `ParserFactory` names it): it never sees kernel events.
public final class WriteTwinFolder: EventTransform {
    public private(set) var folded: Int64 = 0
    /// Folds already added to a run summary (`book`).
    private var booked: Int64 = 0
    public static let name = "mongodb-write-twin-fold"

    struct Key: Hashable {
        var connection: String
        var operation: String
        var namespace: String
    }

    /// Statements waiting for their twin: their timestamps (millis), oldest first.
    private var waiting: [Key: [Int64]] = [:]
    /// Partial summaries (`keepEdges`): a twin or statement whose partner may be in another part
    /// of the same log (before this input began, or after it ended) is handed to the run summary
    /// (`RunSummary.pendingTwins`), which pairs the parts' edges when they are merged.
    private var keepEdges = false
    private var host: String?
    private var firstMillis: Int64?
    private var pendingTwins: [PendingTwin] = []
    private var pendingStatements: [PendingStatement] = []
    /// Twins waiting for their statement, in arrival order.
    private var held: [(key: Key, event: Event, millis: Int64)] = []
    static let maxWaitingKeys = 1 << 16
    static let slackMillis: Int64 = 1000

    public init() {}

    /// Passes `event` on through `emit`, unless it is a folded twin. Held twins are emitted
    /// later, from a later call or from `finish`.
    public func configure(keepEdges: Bool, host: String?) {
        self.keepEdges = keepEdges
        self.host = host
    }

    public func process(_ event: Event, emit: (Event) -> Void) {
        let now = event.timestamp?.millis
        if firstMillis == nil, let now { firstMillis = now }
        if !held.isEmpty { release(before: now, emit: emit) }
        guard case .slowOperation(let op) = event, op.operation == "update" || op.operation == "delete" else {
            emit(event)
            return
        }
        let key = Key(connection: op.context ?? "", operation: op.operation, namespace: op.namespace)
        // Partial runs: within the first second of the input a statement or twin may belong to a
        // partner in the part before; both are left to the merge, which pairs all edges alike.
        if keepEdges, let t = now, let f = firstMillis, t.subtractingReportingOverflow(f).partialValue <= WriteTwinFolder.slackMillis,
           op.isWriteStatement || op.type == nil || op.type == "command" {
            if op.isWriteStatement {
                pendingStatements.append(PendingStatement(host: host, connection: key.connection, operation: key.operation,
                                                          namespace: key.namespace, millis: t))
                emit(event)
            } else {
                pendingTwins.append(PendingTwin(host: host, operation: op, millis: t))
            }
            return
        }
        if op.isWriteStatement {
            if let i = held.firstIndex(where: { $0.key == key }) {
                held.remove(at: i)
                folded += 1
            } else if let t = now {
                if waiting.count >= WriteTwinFolder.maxWaitingKeys {
                    for (k, list) in waiting { for t in list { expired(k, t) } }
                    waiting.removeAll(keepingCapacity: true)
                }
                waiting[key, default: []].append(t)
            }
            emit(event)
            return
        }
        guard op.type == nil || op.type == "command" else {
            emit(event)
            return
        }
        // A batch command: pair it with the oldest recent statement.
        if var list = waiting[key] {
            let (back, o1) = (now ?? .max).subtractingReportingOverflow(op.durationMillis)
            let (oldest, o2) = back.subtractingReportingOverflow(WriteTwinFolder.slackMillis)
            // No window that fits Int64 (a stamp near year 0 and an absurd duration): fold nothing.
            if o1 || o2 { emit(event); return }
            while let first = list.first, now != nil, first < oldest {
                expired(key, first)
                list.removeFirst()
            }
            if !list.isEmpty {
                list.removeFirst()
                waiting[key] = list.isEmpty ? nil : list
                folded += 1
                return
            }
            waiting[key] = nil
        }
        if let t = now {
            held.append((key, event, t))
        } else {
            emit(event)
        }
    }

    /// A statement no twin came for: near the start of the input its twin may be in the part
    /// before (held there at its end, in the same millisecond).
    private func expired(_ key: Key, _ t: Int64) {
        guard keepEdges, let f = firstMillis, t - f <= WriteTwinFolder.slackMillis else { return }
        pendingStatements.append(PendingStatement(host: host, connection: key.connection, operation: key.operation,
                                                  namespace: key.namespace, millis: t))
    }

    /// A twin released unpaired: near the start of the input its statement may be in the part
    /// before; at the end (`atEnd`) its statement may follow in the next part.
    private func release(_ h: (key: Key, event: Event, millis: Int64), atEnd: Bool, emit: (Event) -> Void) {
        if keepEdges, case .slowOperation(let op) = h.event,
           atEnd || h.millis - (firstMillis ?? h.millis) <= op.durationMillis.addingSaturated(WriteTwinFolder.slackMillis) {
            pendingTwins.append(PendingTwin(host: host, operation: op, millis: h.millis))
        } else {
            emit(h.event)
        }
    }

    public func book(into summary: RunSummary) {
        summary.foldedWriteTwins = summary.foldedWriteTwins.addingSaturated(folded - booked)
        booked = folded
        summary.pendingTwins += pendingTwins
        summary.pendingStatements += pendingStatements
        pendingTwins.removeAll()
        pendingStatements.removeAll()
    }

    /// End of input: releases the twins still held.
    public func finish(emit: (Event) -> Void) {
        for h in held { release(h, atEnd: true, emit: emit) }
        held.removeAll(keepingCapacity: true)
        if keepEdges {
            for (k, list) in waiting.sorted(by: { ($0.key.connection, $0.key.namespace, $0.key.operation) < ($1.key.connection, $1.key.namespace, $1.key.operation) }) {
                for t in list {
                    pendingStatements.append(PendingStatement(host: host, connection: k.connection, operation: k.operation,
                                                              namespace: k.namespace, millis: t))
                }
            }
        }
        waiting.removeAll()
    }

    private func release(before millis: Int64?, emit: (Event) -> Void) {
        guard let m = millis else {
            for h in held { release(h, atEnd: false, emit: emit) }
            held.removeAll(keepingCapacity: true)
            return
        }
        guard held.contains(where: { $0.millis < m }) else { return }
        var keep: [(key: Key, event: Event, millis: Int64)] = []
        for h in held {
            if h.millis < m { release(h, atEnd: false, emit: emit) } else { keep.append(h) }
        }
        held = keep
    }
}
