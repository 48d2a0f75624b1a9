/// A write twin (the `db.$cmd` batch of a slow update/delete) whose statement may be in another
/// part of the same log: kept aside by a partial run instead of being counted (see
/// `WriteTwinFolder`), paired when the parts are merged, counted as an operation if it stays alone.
public struct PendingTwin: Codable, Sendable {
    public var host: String?
    public var operation: SlowOperation
    public var millis: Int64
}

/// A write statement near the edge of its part, whose twin may be in the neighbouring part.
public struct PendingStatement: Codable, Sendable {
    public var host: String?
    public var connection: String
    public var operation: String
    public var namespace: String
    public var millis: Int64
}

/// Operations a partial run read before its part's first member-state transition: their role
/// is the state in force when the part began, which an earlier part of the same log may hold.
/// Resolved when a report is made (`settled`), from the merged members' transitions.
public struct PendingRole: Codable, Sendable {
    public var host: String
    /// The input (part) the operations came from, and the time of the first of them.
    public var input: Int
    public var fromMillis: Int64
    /// Operations per shape id, by id (a stable encoding).
    public var shapes: [ShapeCount]

    public struct ShapeCount: Codable, Sendable {
        public var id: UInt64
        public var count: Int64
    }
}

extension RunSummary {
    /// Pairs pending twins with pending statements of the same host, connection, collection and
    /// kind, one to one, oldest statement first, when the statement is no earlier than the twin's
    /// duration plus a second (`WriteTwinFolder`'s rule) and no later than a second after it. Paired
    /// twins are folded; the rest stay pending (a later merge may pair them).
    func pairPendingEdges() {
        guard !pendingTwins.isEmpty, !pendingStatements.isEmpty else { return }
        struct Key: Hashable { var host: String?; var connection: String; var operation: String; var namespace: String }
        var statements: [Key: [Int64]] = [:]
        for s in pendingStatements {
            statements[Key(host: s.host, connection: s.connection, operation: s.operation, namespace: s.namespace), default: []].append(s.millis)
        }
        for k in Array(statements.keys) { statements[k]!.sort() }
        let twins = pendingTwins.enumerated().sorted { ($0.element.millis, $0.offset) < ($1.element.millis, $1.offset) }
        var keep: [PendingTwin] = []
        var folded: Int64 = 0
        for (_, t) in twins {
            let op = t.operation
            let key = Key(host: t.host, connection: op.context ?? "", operation: op.operation, namespace: op.namespace)
            let earliest = t.millis - op.durationMillis.addingSaturated(WriteTwinFolder.slackMillis)
            // A statement up to a second after its twin: the twin held at the end of one part may
            // have gone to a statement the next part's own twin took (one-to-one in log order,
            // which part boundaries cut); only the number of pairs matters, the statement is
            // kept either way.
            let latest = t.millis.addingSaturated(WriteTwinFolder.slackMillis)
            if var list = statements[key], let i = list.firstIndex(where: { $0 >= earliest && $0 <= latest }) {
                list.remove(at: i)
                statements[key] = list
                folded += 1
            } else {
                keep.append(t)
            }
        }
        pendingTwins = keep
        pendingStatements = statements.flatMap { k, list in
            list.map { PendingStatement(host: k.host, connection: k.connection, operation: k.operation, namespace: k.namespace, millis: $0) }
        }.sorted { ($0.millis, $0.connection, $0.namespace, $0.operation) < ($1.millis, $1.connection, $1.namespace, $1.operation) }
        foldedWriteTwins = foldedWriteTwins.addingSaturated(folded)
    }

    /// Gives operations of a pending role the role of the last transition another part logged
    /// for their host at or before their time (none: they stay without a role, as in one run).
    func resolvePendingRoles() {
        for p in pendingRoles {
            // The latest such transition by time (a run's own list follows its input order, which
            // need not be time order: rotated files may be given newest first).
            let state = members.byHost[p.host]?.transitions
                .filter { $0.source.input != p.input && ($0.millis ?? .max) <= p.fromMillis }
                .max { a, b in (a.millis ?? .min, a.source.input, a.source.line) < (b.millis ?? .min, b.source.input, b.source.line) }?
                .state
            let counter: ShapeCounter
            switch ServerEvent.role(ofState: state) {
            case .primary?: counter = .onPrimary
            case .secondary?: counter = .onSecondary
            default: continue
            }
            for s in p.shapes { shapes.byId[s.id]?.counters.combine(counter, s.count) }
        }
        pendingRoles = []
    }

    /// The summary as a report shows it: pending twins that found no statement are counted as
    /// the operations they are. Returns `self` when nothing is pending, else a settled copy (the
    /// summary itself stays mergeable).
    public func settled() -> RunSummary {
        // Pending roles that no transition resolves change nothing (a fleet without state lines):
        // they need no settled copy.
        let rolesMatter = pendingRoles.contains { p in
            members.byHost[p.host]?.transitions.contains { $0.source.input != p.input && ($0.millis ?? .max) <= p.fromMillis } == true
        }
        guard !pendingTwins.isEmpty || !pendingStatements.isEmpty || rolesMatter else { return self }
        let copy: RunSummary
        do { copy = try SummaryCoding.decode(SummaryCoding.encode(self), rules: rules?.set) } catch { return self }
        copy.pairPendingEdges()
        copy.oom.windowMillis = oom.windowMillis
        copy.oom.crashLoopWindowMillis = oom.crashLoopWindowMillis
        for t in copy.pendingTwins.sorted(by: { $0.millis < $1.millis }) {
            copy.shapes.add(t.operation, host: t.host)
            copy.timeline.add(t.operation)
            copy.rules?.observe(.slowOperation(t.operation))
        }
        copy.pendingTwins = []
        copy.pendingStatements = []
        copy.resolvePendingRoles()
        return copy
    }
}
