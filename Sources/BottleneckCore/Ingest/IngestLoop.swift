/// Where kept events go: the summary builder, NDJSON, tail's live view. A new sink is one type
/// conforming to this and one line where the driver assembles its sinks.
public protocol EventSink: AnyObject {
    /// One event that passed the format's transforms and the filters, in input order.
    func consume(_ event: Event)
}

/// A format's own step between parsing and the filters (the MongoDB write-twin fold). A
/// `ParserFactory` names the transforms its format needs; each input gets one instance of each.
public protocol EventTransform: AnyObject {
    func process(_ event: Event, emit: (Event) -> Void)
    /// End of the input: emit what is still held.
    func finish(emit: (Event) -> Void)
    /// Adds what the transform counted (events folded away) to the run summary.
    func book(into summary: RunSummary)
    /// `keepEdges`: the run writes a partial summary, so events whose fate depends on another
    /// part of the log are handed to the summary instead of being decided here.
    func configure(keepEdges: Bool, host: String?)
}

extension EventTransform {
    public func configure(keepEdges: Bool, host: String?) {}
}

/// The one place where lines become events, for every mode: sequential `analyze`, the `--jobs`
/// consumer, `tail`, rule examples and the fuzz harnesses all drive an `IngestLoop`.
///
///     line ─► accounting (blank, too long) ─► rules.beginLine ─► LineDispatcher (format registry)
///          ─► events ─► format transforms (write-twin fold) ─► filters ─► sinks ─► rules.observe
///          ─► rules.endLine, accounting (outcome)
///
/// One loop per input. A driver that parses elsewhere (the `--jobs` workers) replays each line's
/// outcome and events through `replay`, which runs the same steps after the dispatcher.
public final class IngestLoop {
    public let input: Int
    public let summary: RunSummary
    public private(set) var accounting: InputAccounting
    public let dispatcher: LineDispatcher
    let filter: EventFilter
    let sinks: [any EventSink]
    let rules: RuleRun?
    private let transforms: [any EventTransform]

    /// The host events are attributed to: `--host` (`fixedHost`), else the host the log's first
    /// startup line names (from that line on; `RunSummary.relabelHosts` moves earlier events at
    /// the end of a run), else the file name given in `accounting.host`.
    public var host: String? { attribution.host }
    /// Shared with the parsers (`ParseContext.attribution`), which stamp it on each operation.
    private let attribution: Attribution
    private let fixedHost: Bool
    /// Partial runs: operations before the first state transition wait for their role.
    private let keepEdges: Bool
    private var pendingRole: (host: String, fromMillis: Int64, shapes: [UInt64: Int64])?
    /// The member state in force (the last state transition read) and its role.
    public private(set) var memberState: String?

    public init(input: Int, accounting: InputAccounting, context: ParseContext, parsers: [ParserFactory],
                filter: EventFilter, summary: RunSummary, sinks: [any EventSink], keepEdges: Bool = false,
                fixedHost: Bool = false, memberState: String? = nil) {
        self.input = input
        self.accounting = accounting
        // A restored tail input goes on under the name its log gave.
        attribution = Attribution(host: fixedHost ? accounting.host : (accounting.loggedHost ?? accounting.host),
                                  role: ServerEvent.role(ofState: memberState))
        self.fixedHost = fixedHost
        self.keepEdges = keepEdges
        self.memberState = memberState
        var context = context
        context.attribution = attribution
        self.summary = summary
        self.dispatcher = LineDispatcher(context: context, factories: parsers)
        self.filter = filter
        self.sinks = sinks
        self.rules = summary.rules
        var seen = Set<String>()
        var t: [any EventTransform] = []
        for f in parsers {
            for (name, make) in f.transforms where seen.insert(name).inserted {
                let transform = make()
                transform.configure(keepEdges: keepEdges, host: accounting.host)
                t.append(transform)
            }
        }
        self.transforms = t
    }

    // MARK: - lines

    /// One line as a `LineReader` (or `tail`'s reader) delivers it: counted, parsed, its events
    /// passed on. `bytes == nil` is a line over the length limit.
    @inline(__always)
    public func line(_ bytes: UnsafeRawBufferPointer?, number: Int) {
        guard let bytes else { return skip(.tooLong) }
        if bytes.isEmpty { return skip(.blank) }
        rules?.beginLine(bytes, number: number, input: input)
        // A non-escaping closure per call: no stored closure to load and retain on every line.
        accounting.count(dispatcher.parse(bytes, lineNumber: number) { self.emit($0) })
        rules?.endLine()
    }

    @inline(__always)
    public func line(_ l: Line) { line(l.tooLong ? nil : l.bytes, number: l.number) }

    /// A line that was parsed elsewhere (a `--jobs` worker): its bytes (for line rules; empty
    /// when the rules read no lines), its outcome and the events the parser emitted for it, in order.
    @inline(__always)
    func replay(_ bytes: UnsafeRawBufferPointer, number: Int, outcome: LineOutcome, events: ArraySlice<Event>, lineShift: Int) {
        rules?.beginLine(bytes, number: number, input: input)
        for e in events { emit(e.replayed(lineShift: lineShift, attribution: attribution)) }
        accounting.count(outcome)
        rules?.endLine()
    }

    /// An event a worker's parser emitted at the end of its chunk, replayed like a line's.
    func emitReplayed(_ event: Event, lineShift: Int) {
        emit(event.replayed(lineShift: lineShift, attribution: attribution))
    }

    /// A line counted under a reason without parsing (blank, too long, incomplete last line).
    public func skip(_ reason: SkipReason) {
        accounting.count(.skipped(reason))
    }

    // MARK: - events

    /// An event as a parser emitted it: through the transforms, the filters and the sinks.
    public func emit(_ event: Event) {
        switch event {
        case .slowOperation(let op):
            // Parsers stamped host and role from `attribution` (replays did, in `replayed`).
            if op.timestamp == nil { accounting.unreadableTimestamps += 1 }
            pass(event, from: 0)
        case .server(var e):
            attribute(&e)
            pass(.server(e), from: 0)
        case .oomKill:
            pass(event, from: 0)
        }
    }

    /// A startup line names the host (unless `--host` did); a state transition sets the role.
    /// Every server event is then attributed to the host, like the operations.
    private func attribute(_ e: inout ServerEvent) {
        switch e.kind {
        case .startup:
            if !fixedHost, accounting.loggedHost == nil, let h = e.host {
                accounting.loggedHost = h
                attribution.host = h
            }
            releasePendingRole()
            memberState = ServerEvent.startupState
            attribution.role = ServerEvent.role(ofState: memberState)
        case .stateChange:
            releasePendingRole()
            memberState = e.newState
            attribution.role = ServerEvent.role(ofState: e.newState)
        case .options:
            break
        }
        e.host = host
    }

    private func holdRole(_ shape: UInt64, host: String, millis: Int64) {
        if let p = pendingRole, p.host != host { releasePendingRole() }
        if pendingRole == nil { pendingRole = (host, millis, [:]) }
        pendingRole!.fromMillis = min(pendingRole!.fromMillis, millis)
        pendingRole!.shapes[shape, default: 0] &+= 1
    }

    private func releasePendingRole() {
        if let p = pendingRole {
            let shapes = p.shapes.sorted { $0.key < $1.key }.map { PendingRole.ShapeCount(id: $0.key, count: $0.value) }
            summary.pendingRoles.append(PendingRole(host: p.host, input: input, fromMillis: p.fromMillis, shapes: shapes))
        }
        pendingRole = nil
    }

    private func pass(_ event: Event, from t: Int) {
        if t == transforms.count { return kept(event) }
        transforms[t].process(event) { self.pass($0, from: t + 1) }
    }

    private func kept(_ event: Event) {
        if !filter.isEmpty && !filter.accepts(event) {
            accounting.filteredOut += 1
            return
        }
        for s in sinks { s.consume(event) }
        // Partial runs: an operation counted without a role (no state line before it in this
        // part) waits for the role an earlier part may give it. Only operations that reached the
        // summary: a folded write twin or a filtered operation is not counted, so not held.
        if keepEdges, case .slowOperation(let op) = event, op.role == nil, let h = op.host, let t = op.timestamp {
            holdRole(op.shape.id, host: h, millis: t.millis)
        }
        rules?.observe(event)
    }

    /// Lets the parsers and transforms emit what they still hold (end of input, or a quiet
    /// followed file), without ending the input.
    public func flush() {
        dispatcher.finish { self.emit($0) }
        for (i, t) in transforms.enumerated() { t.finish { self.pass($0, from: i + 1) } }
    }

    /// End of the input: flushes, books the transforms' counts and stores the accounting in the
    /// summary (appended, or in place when the summary already lists this input).
    public func finish(bytes: Int64? = nil, format: String? = nil) {
        flush()
        releasePendingRole()
        for t in transforms { t.book(into: summary) }
        if let bytes { accounting.bytes = bytes }
        accounting.format = format ?? dispatcher.formatSummary
        if input < summary.inputs.count { summary.inputs[input] = accounting } else { summary.inputs.append(accounting) }
    }

    /// Tail: the accounting so far, for checkpoints and live reports.
    public func storeAccounting() {
        for t in transforms { t.book(into: summary) }
        if dispatcher.formatSummary != "unknown" { accounting.format = dispatcher.formatSummary }
        if input < summary.inputs.count { summary.inputs[input] = accounting } else { summary.inputs.append(accounting) }
    }

    /// Tail: this input's counts so far, with the format detected (tail's live windows).
    public func accountingSoFar() -> InputAccounting {
        var a = accounting
        if dispatcher.formatSummary != "unknown" { a.format = dispatcher.formatSummary }
        return a
    }

    /// Tail: bytes read (tail counts them per line; `analyze` takes the reader's total).
    public func addBytes(_ n: Int64) { accounting.bytes = accounting.bytes.addingSaturated(n) }
}

/// The summary builder: every kept event into the run summary's aggregates.
public final class SummarySink: EventSink {
    let summary: RunSummary
    let host: String?
    public init(summary: RunSummary, host: String?) {
        self.summary = summary
        self.host = host
    }
    public func consume(_ event: Event) { Self.add(event, to: summary, host: host) }

    /// What the sink does, for sinks whose summary changes (tail's live windows).
    static func add(_ event: Event, to summary: RunSummary, host: String?) {
        switch event {
        case .slowOperation(let op):
            summary.shapes.add(op, host: op.host ?? host)
            summary.timeline.add(op)
        case .oomKill(let k):
            summary.oom.add(k)
        case .server(let e):
            if let h = e.host ?? host { summary.members.record(e, host: h) }
        }
    }
}

/// Hands each kept event to a closure (NDJSON streaming, tail's live view).
public final class ClosureSink: EventSink {
    let body: (Event) -> Void
    public init(_ body: @escaping (Event) -> Void) { self.body = body }
    public func consume(_ event: Event) { body(event) }
}
