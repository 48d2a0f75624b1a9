/// Checkpoint records of `tail --state`: the run summary's own shape and accounting records
/// (`SummaryCoding`), so a checkpoint keeps every field a partial report keeps.
public enum AggregateCoding {
    /// A table holding restored aggregates (as they were, not copies).
    public static func table(from aggregates: [ShapeAggregate], operations: Int64, maxShapes: Int? = nil,
                             other: ShapeAggregate? = nil, evictions: Int64 = 0) -> ShapeTable {
        let t = ShapeTable(maxShapes: maxShapes)
        t.restore(aggregates, operations: operations, other: other, evictions: evictions)
        return t
    }

    /// Puts checkpointed aggregates into an empty table (as a restart does).
    public static func restore(into table: ShapeTable, _ aggregates: [ShapeAggregate], operations: Int64,
                               other: ShapeAggregate? = nil, evictions: Int64 = 0) {
        table.restore(aggregates, operations: operations, other: other, evictions: evictions)
    }

    public static func encode(_ a: ShapeAggregate) -> [UInt8] { SummaryCoding.encodeShape(a) }
    public static func decodeShape(_ bytes: [UInt8]) throws(DecodeError) -> ShapeAggregate { try SummaryCoding.decodeShape(bytes) }
    public static func encode(_ a: InputAccounting) -> [UInt8] { SummaryCoding.encode(a) }
    public static func decodeAccounting(_ bytes: [UInt8]) throws(DecodeError) -> InputAccounting { try SummaryCoding.decodeAccounting(bytes) }
}
