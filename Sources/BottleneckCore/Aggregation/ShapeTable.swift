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
    /// Min-heap by (count + countError, id); built at the first eviction.
    private var heap: [ShapeAggregate] = []

    public init(maxShapes: Int? = nil) {
        precondition(maxShapes.map { $0 > 0 } ?? true, "maxShapes must be positive")
        self.maxShapes = maxShapes
    }

    public func add(_ op: SlowOperation, host: String? = nil) {
        operations += 1
        if let agg = byId[op.shape.id] {
            agg.add(op, host: host)
            if agg.heapIndex >= 0 { siftDown(agg.heapIndex) }
            return
        }
        let agg = ShapeAggregate(namespace: op.namespace, operation: op.operation, shape: op.shape)
        agg.add(op, host: host)
        insert(agg)
    }

    /// Folds another table in (parallel chunks, checkpoints). Exact tables merge exactly; bounded
    /// ones follow the mergeable Space-Saving rule (errors add up, then the smallest are evicted).
    public func merge(_ o: ShapeTable) {
        operations += o.operations
        let myFloor = evictionFloor, theirFloor = o.evictionFloor
        if theirFloor > 0 {
            // Shapes only we track may have been evicted from the other table.
            for agg in byId.values where o.byId[agg.shape.id] == nil { agg.countError += theirFloor }
        }
        for agg in o.orderedAggregates {
            if let mine = byId[agg.shape.id] {
                mine.merge(agg)
                mine.countError += agg.countError
            } else {
                let copy = ShapeAggregate(namespace: agg.namespace, operation: agg.operation, shape: agg.shape)
                copy.merge(agg)
                // Its occurrences in this table, if any, were evicted: at most our floor.
                copy.countError = agg.countError + myFloor
                byId[agg.shape.id] = copy
            }
        }
        if let oo = o.other {
            otherBucket().merge(oo)
            evictions += o.evictions
        }
        // Keep the largest counters, evict the rest, and rebuild the heap if it was in use.
        let wasBounded = !heap.isEmpty
        heap = []
        if let k = maxShapes, byId.count > k {
            let ranked = byId.values.sorted(by: ShapeTable.less)
            for victim in ranked[..<(byId.count - k)] {
                byId.removeValue(forKey: victim.shape.id)
                victim.heapIndex = -1
                otherBucket().merge(victim)
                evictions += 1
            }
            buildHeap()
        } else if wasBounded {
            buildHeap()
        } else {
            for agg in byId.values { agg.heapIndex = -1 }
        }
    }

    /// The kept shapes (unordered; reports rank them).
    public var aggregates: [ShapeAggregate] { Array(byId.values) }

    /// Largest `countError` of a kept shape (0 for an exact table).
    public var maxCountError: Int64 { byId.values.reduce(0) { max($0, $1.countError) } }

    /// Kept shapes in a deterministic order (by id), for merging.
    var orderedAggregates: [ShapeAggregate] { byId.values.sorted { $0.shape.id < $1.shape.id } }

    /// An upper bound on the count of any shape not in the table: the smallest counter once
    /// something was evicted, else 0 (shapes not in an exact table were never seen).
    var evictionFloor: Int64 {
        guard evictions > 0 else { return 0 }
        if heap.isEmpty { return byId.values.map(ShapeTable.counter).min() ?? 0 }
        return ShapeTable.counter(heap[0])
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
            agg.countError += ShapeTable.counter(victim)
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

    @inline(__always) static func counter(_ a: ShapeAggregate) -> Int64 { a.count + a.countError }

    @inline(__always) static func less(_ a: ShapeAggregate, _ b: ShapeAggregate) -> Bool {
        let ca = counter(a), cb = counter(b)
        return ca != cb ? ca < cb : a.shape.id < b.shape.id
    }

    private func buildHeap() {
        heap = byId.values.sorted(by: ShapeTable.less)  // a sorted array is a valid min-heap
        reindex()
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
        if let k = maxShapes, byId.count > k {
            for victim in byId.values.sorted(by: ShapeTable.less)[..<(byId.count - k)] {
                byId.removeValue(forKey: victim.shape.id)
                otherBucket().merge(victim)
                self.evictions += 1
            }
        }
        if self.evictions > 0 && maxShapes != nil { buildHeap() }
    }
}
