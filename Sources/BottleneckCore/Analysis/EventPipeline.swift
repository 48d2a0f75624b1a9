/// Everything that happens to one input's events after parsing, in input order: write-twin
/// folding, filters, the aggregates, rules and streaming. The sequential and the parallel
/// (`--jobs`) paths share it, which is what keeps their reports identical.
final class EventPipeline {
    let folder = WriteTwinFolder()
    let filter: EventFilter
    let result: RunSummary
    let onEvent: ((Event) -> Void)?
    private(set) var filtered: Int64 = 0
    private(set) var unreadable: Int64 = 0
    private var keptClosure: ((Event) -> Void)!

    init(filter: EventFilter, result: RunSummary, onEvent: ((Event) -> Void)?) {
        self.filter = filter
        self.result = result
        self.onEvent = onEvent
        self.keptClosure = { [unowned self] e in self.kept(e) }
    }

    /// An event as a parser emitted it.
    func sink(_ event: Event) {
        if case .slowOperation(let op) = event, op.timestamp == nil { unreadable += 1 }
        folder.process(event, emit: keptClosure)
    }

    private func kept(_ kept: Event) {
        if !filter.isEmpty && !filter.accepts(kept) {
            filtered += 1
            return
        }
        if case .slowOperation(let op) = kept {
            result.shapes.add(op)
            result.timeline.add(op)
        }
        if case .oomKill(let k) = kept { result.oom.add(k) }
        result.rules?.observe(kept)
        onEvent?(kept)
    }

    /// End of the input: releases held twins and books the counters.
    func finish(into acct: inout InputAccounting) {
        folder.finish(emit: keptClosure)
        acct.filteredOut = filtered
        acct.unreadableTimestamps = unreadable
        result.foldedWriteTwins += folder.folded
    }
}
