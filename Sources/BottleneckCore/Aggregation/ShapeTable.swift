/// Groups slow operations by shape (namespace + operation + shape text, i.e. the shape id).
///
/// Exact by default. With `maxShapes` it is a Space-Saving heavy-hitter summary (Metwally et al.;
/// mergeable per Agarwal et al., PODS 2012): at most `maxShapes` shapes are tracked; when a new
/// shape arrives at a full table, the shape with the smallest counter (count + countError, ties by
/// id) is folded into the `other` bucket and the newcomer inherits that counter as its
/// `countError`. Totals stay exact (kept shapes + `other` = everything), every kept shape's true
/// count is within `count...count + countError`, `countError <= operations / maxShapes`, and any
/// shape with more than `operations / maxShapes` operations is kept. Until the table is full it is
/// the exact table, so a bounded run whose shapes fit gives exactly the exact report.
public final class ShapeTable {
    public private(set) var byId: [UInt64: ShapeAggregate] = [:]
    public private(set) var operations: Int64 = 0
    /// Most shapes tracked at once; nil = exact (unbounded).
    public let maxShapes: Int?
    /// Everything evicted from the table (nil until the first eviction).
    public private(set) var other: ShapeAggregate?
    /// Shapes folded into `other` (a shape evicted twice counts twice).
    public private(set) var evictions: Int64 = 0
    /// Min-heap by (count + countError, id); built when a streamed `add` first evicts.
    private var heap: [ShapeAggregate] = []
    /// The smallest counter while the heap is not built (nil: not known, or changed since).
    private var floorCache: Int64?
    /// Eviction order kept across merges (nil until a merge first evicts, and after a streamed add).
    private var order: EvictionOrder?

    public init(maxShapes: Int? = nil) {
        precondition(maxShapes.map { $0 > 0 } ?? true, "maxShapes must be positive")
        self.maxShapes = maxShapes
    }

    public func add(_ op: SlowOperation, host: String? = nil) {
        operations += 1
        floorCache = nil
        if order != nil { order = nil }
        if let agg = byId[op.shape.id] {
            agg.add(op, host: host)
            if inHeap(agg) { siftDown(agg.heapIndex) }
            return
        }
        let agg = ShapeAggregate(namespace: op.namespace, operation: op.operation, shape: op.shape)
        agg.add(op, host: host)
        insert(agg)
    }

    /// Folds another table in (sliding windows, live views): `o` is left as it was. Exact tables
    /// merge exactly; bounded ones follow the mergeable Space-Saving rule (errors add up, then the
    /// smallest are evicted).
    public func merge(_ o: ShapeTable) { merge(o, adopting: false) }

    /// The same merge, taking `o`'s aggregates over instead of copying them (partial reports,
    /// decoded summaries): `o` must not be used afterwards.
    public func merge(consuming o: ShapeTable) { merge(o, adopting: true) }

    private func merge(_ o: ShapeTable, adopting: Bool) {
        operations = operations.addingSaturated(o.operations)
        let myFloor = evictionFloor, theirFloor = o.evictionFloor
        if theirFloor > 0 {
            // Shapes only we track may have been evicted from the other table.
            for agg in byId.values where o.byId[agg.shape.id] == nil { agg.countError = agg.countError.addingSaturated(theirFloor) }
            order = nil
        }
        for agg in o.byId.values {
            let kept: ShapeAggregate
            if let mine = byId[agg.shape.id] {
                mine.merge(agg)
                mine.countError = mine.countError.addingSaturated(agg.countError)
                kept = mine
            } else {
                kept = adopting ? agg : agg.copy()
                // Its occurrences in this table, if any, were evicted: at most our floor.
                kept.countError = agg.countError.addingSaturated(myFloor)
                kept.heapIndex = -1
                byId[agg.shape.id] = kept
            }
            order?.record(Key(kept))
        }
        if let oo = o.other {
            otherBucket().merge(oo)
            evictions += o.evictions
        }
        // Keep the largest counters and evict the rest. The heap, if one was in use, is rebuilt
        // only when a streamed `add` needs it again (merges of many partials never do).
        heap = []
        floorCache = nil
        if let k = maxShapes, byId.count > k {
            evictSmallest(byId.count - k)
        }
    }

    /// Folds the `n` smallest counters (ties by id) into `other`, in the order kept across merges
    /// (`EvictionOrder`), so a merge of many partials does not visit every kept aggregate each time.
    private func evictSmallest(_ n: Int) {
        if order == nil || !order!.isCompact(for: byId.count) {
            order = EvictionOrder(byId.values.map { Key($0) })
        }
        floorCache = order!.evict(n, from: &byId) { victim in
            otherBucket().merge(victim)
            evictions += 1
        }
    }

    /// (counter, id): the eviction order, as plain values.
    struct Key: Comparable {
        var counter: Int64
        var id: UInt64
        init(counter: Int64, id: UInt64) { self.counter = counter; self.id = id }
        init(_ a: ShapeAggregate) { self.init(counter: ShapeTable.counter(a), id: a.shape.id) }
        static func < (a: Key, b: Key) -> Bool { a.counter != b.counter ? a.counter < b.counter : a.id < b.id }
    }

    /// The kept shapes (unordered; reports rank them).
    public var aggregates: [ShapeAggregate] { Array(byId.values) }

    /// Largest `countError` of a kept shape (0 for an exact table).
    public var maxCountError: Int64 { byId.values.reduce(0) { max($0, $1.countError) } }

    /// Kept shapes in a deterministic order (by id), for merging.
    var orderedAggregates: [ShapeAggregate] { byId.values.sorted { $0.shape.id < $1.shape.id } }

    /// An upper bound on the count of any shape not in the table: the smallest counter once
    /// something was evicted, else 0 (shapes not in an exact table were never seen).
    public var evictionFloor: Int64 {
        guard evictions > 0 else { return 0 }
        if !heap.isEmpty { return ShapeTable.counter(heap[0]) }
        if let f = floorCache { return f }
        let f = byId.values.map(ShapeTable.counter).min() ?? 0
        floorCache = f
        return f
    }

    // MARK: - Space-Saving

    private func insert(_ agg: ShapeAggregate) {
        if let k = maxShapes, byId.count >= k {
            if heap.isEmpty { buildHeap() }
            let victim = heap[0]
            byId.removeValue(forKey: victim.shape.id)
            victim.heapIndex = -1
            otherBucket().merge(victim)
            evictions += 1
            agg.countError = agg.countError.addingSaturated(ShapeTable.counter(victim))
            heap[0] = agg
            agg.heapIndex = 0
            siftDown(0)
        } else if !heap.isEmpty {
            heap.append(agg)
            agg.heapIndex = heap.count - 1
            siftUp(heap.count - 1)
        }
        byId[agg.shape.id] = agg
    }

    private func otherBucket() -> ShapeAggregate {
        if let o = other { return o }
        let o = ShapeAggregate(namespace: ShapeTable.otherName, operation: ShapeTable.otherName,
                               shape: QueryShape(text: "(shapes evicted by the memory budget)", id: 0))
        other = o
        return o
    }

    public static let otherName = "(other)"

    @inline(__always) static func counter(_ a: ShapeAggregate) -> Int64 { a.count.addingSaturated(a.countError) }

    @inline(__always) static func less(_ a: ShapeAggregate, _ b: ShapeAggregate) -> Bool {
        let ca = counter(a), cb = counter(b)
        return ca != cb ? ca < cb : a.shape.id < b.shape.id
    }

    private func buildHeap() {
        heap = byId.values.sorted(by: ShapeTable.less)  // a sorted array is a valid min-heap
        reindex()
    }

    /// Whether `agg` sits in the heap (merges drop the heap without resetting every index).
    @inline(__always) private func inHeap(_ agg: ShapeAggregate) -> Bool {
        agg.heapIndex >= 0 && agg.heapIndex < heap.count && heap[agg.heapIndex] === agg
    }

    private func reindex() {
        for i in heap.indices { heap[i].heapIndex = i }
    }

    private func siftDown(_ start: Int) {
        var i = start
        let n = heap.count
        let item = heap[i]
        while true {
            let l = 2 * i + 1
            if l >= n { break }
            var c = l
            if l + 1 < n && ShapeTable.less(heap[l + 1], heap[l]) { c = l + 1 }
            if !ShapeTable.less(heap[c], item) { break }
            heap[i] = heap[c]
            heap[i].heapIndex = i
            i = c
        }
        heap[i] = item
        item.heapIndex = i
    }

    private func siftUp(_ start: Int) {
        var i = start
        let item = heap[i]
        while i > 0 {
            let p = (i - 1) / 2
            if !ShapeTable.less(item, heap[p]) { break }
            heap[i] = heap[p]
            heap[i].heapIndex = i
            i = p
        }
        heap[i] = item
        item.heapIndex = i
    }
}

// Restoring (checkpoints, partial summaries): put back decoded aggregates.
extension ShapeTable {
    func restore(_ aggregates: [ShapeAggregate], operations: Int64, other: ShapeAggregate? = nil, evictions: Int64 = 0) {
        for a in aggregates { byId[a.shape.id] = a }
        self.operations = operations
        self.other = other
        self.evictions = evictions
        heap = []
        floorCache = nil
        order = nil
        if let k = maxShapes, byId.count > k { evictSmallest(byId.count - k) }
    }
}
