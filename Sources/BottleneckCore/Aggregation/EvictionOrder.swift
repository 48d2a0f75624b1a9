/// The kept shapes of a bounded `ShapeTable` in eviction order (smallest counter first, ties by
/// id), carried from one merge to the next so that merging many partials does not visit every
/// kept aggregate at each step.
///
/// `sorted` holds keys in ascending order as they were when recorded; `fresh` holds keys recorded
/// since (a shape a merge added or changed). Between evictions a shape's counter only grows
/// (merges add), so an older key of a shape is below its current one, and the current one is in
/// `fresh` or still in `sorted`. Evicting walks both lists from the smallest key, skips keys that
/// are no longer current (the table's aggregate has another counter, or is gone) and evicts the
/// first `n` current ones: exactly the `n` smallest counters of the table. The lists are rebuilt
/// from the table when old keys pile up (`isCompact`).
struct EvictionOrder {
    typealias Key = ShapeTable.Key
    private var sorted: [Key]
    private var fresh: [Key] = []

    /// An order of every kept shape, from their current keys.
    init(_ keys: [Key]) { sorted = keys.sorted() }

    /// A shape was added or its counter changed.
    mutating func record(_ key: Key) { fresh.append(key) }

    /// Whether the lists are still small enough next to a table of `kept` shapes (old keys of
    /// changed shapes are dropped only when met).
    func isCompact(for kept: Int) -> Bool { sorted.count + fresh.count <= 2 * kept + 1024 }

    /// Removes the `n` smallest shapes from `table`, handing each to `evicted`; returns the smallest
    /// counter left (the table's new eviction floor), or nil if nothing is left.
    mutating func evict(_ n: Int, from table: inout [UInt64: ShapeAggregate], _ evicted: (ShapeAggregate) -> Void) -> Int64? {
        fresh.sort()
        var merged: [Key] = []
        merged.reserveCapacity(sorted.count + fresh.count)
        var i = 0, j = 0, done = 0
        var floor: Int64?
        while i < sorted.count || j < fresh.count {
            let key: Key
            if j == fresh.count || (i < sorted.count && sorted[i] < fresh[j]) {
                key = sorted[i]; i += 1
            } else {
                key = fresh[j]; j += 1
            }
            if done < n || floor == nil {
                // Only keys at the front are checked: the rest are copied as they are.
                guard let agg = table[key.id], ShapeTable.counter(agg) == key.counter else { continue }
                if done < n {
                    table.removeValue(forKey: key.id)
                    evicted(agg)
                    done += 1
                    continue
                }
                floor = key.counter
            }
            merged.append(key)
        }
        sorted = merged
        fresh = []
        return floor
    }
}
