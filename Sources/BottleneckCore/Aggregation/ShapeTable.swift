/// Groups slow operations by shape (namespace + operation + shape text, i.e. the shape id).
public final class ShapeTable {
    public private(set) var byId: [UInt64: ShapeAggregate] = [:]
    public private(set) var operations: Int64 = 0

    public init() {}

    public func add(_ op: SlowOperation) {
        operations += 1
        if let agg = byId[op.shape.id] {
            agg.add(op)
        } else {
            let agg = ShapeAggregate(namespace: op.namespace, operation: op.operation, shape: op.shape)
            agg.add(op)
            byId[op.shape.id] = agg
        }
    }

    public func merge(_ other: ShapeTable) {
        operations += other.operations
        for (id, agg) in other.byId {
            if let mine = byId[id] { mine.merge(agg) } else {
                let copy = ShapeAggregate(namespace: agg.namespace, operation: agg.operation, shape: agg.shape)
                copy.merge(agg)
                byId[id] = copy
            }
        }
    }

    public var aggregates: [ShapeAggregate] { Array(byId.values) }
}

// Checkpoint hook (tail --state, Store/AggregateCoding.swift): put back restored aggregates.
extension ShapeTable {
    func restore(_ aggregates: [ShapeAggregate], operations: Int64) {
        for a in aggregates { byId[a.shape.id] = a }
        self.operations = operations
    }
}
