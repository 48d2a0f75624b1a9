/// Slow operations of the last `span` milliseconds (by arrival time), in `slots` ring slots of
/// equal length; the window's table is the merge of the slots still inside the span.
public final class SlidingWindow {
    public let spanMillis: Int64
    let slotMillis: Int64
    private var slots: [(start: Int64, table: ShapeTable)] = []
    let maxShapes: Int?

    /// `maxShapes` bounds each slot and the merged table (Space-Saving, see `ShapeTable`).
    public init(spanMillis: Int64, slots: Int = 30, maxShapes: Int? = nil) {
        self.maxShapes = maxShapes
        self.spanMillis = max(spanMillis, 1000)
        self.slotMillis = max(self.spanMillis / Int64(max(slots, 1)), 100)
    }

    public func add(_ op: SlowOperation, now: Int64) {
        let start = now - now % slotMillis
        if slots.last?.start != start {
            slots.append((start, ShapeTable(maxShapes: maxShapes)))
            expire(now: now)
        }
        slots[slots.count - 1].table.add(op)
    }

    private func expire(now: Int64) {
        let oldest = now - spanMillis
        while let first = slots.first, first.start + slotMillis <= oldest { slots.removeFirst() }
    }

    /// The merged table of the window ending at `now`.
    public func table(now: Int64) -> ShapeTable {
        expire(now: now)
        let t = ShapeTable(maxShapes: maxShapes)
        for s in slots { t.merge(s.table) }
        return t
    }
}
