/// Turns a memory budget into the number of query shapes the table may keep.
///
/// Measured cost of one kept shape (aggregate, its strings, histogram, plan and host maps, table
/// slots): about 830 bytes in a single-host analyze with 45-byte shape texts, and 1.14 KiB in a
/// merge of 100 hosts' partials (each shape carries its host map; evicted shapes leave the
/// allocator fragmented). 1.25 KiB per shape keeps the peak RSS of both inside the budget. The rest
/// of the process (read buffers, parsers, decoded partials and their pending roles, the report's
/// ranking, runtime) gets a fixed reserve.
public enum ShapeBudget {
    public static let defaultMiB = 256
    public static let bytesPerShape = 1280
    public static let reserveMiB = 72
    public static let minimumShapes = 1024

    /// Shapes kept under a budget of `mib` MiB; nil (exact, unbounded) when `mib` is 0.
    public static func maxShapes(memoryBudgetMiB mib: Int) -> Int? {
        guard mib > 0 else { return nil }
        let usable = max(0, mib - reserveMiB) << 20
        return max(minimumShapes, usable / bytesPerShape)
    }
}
