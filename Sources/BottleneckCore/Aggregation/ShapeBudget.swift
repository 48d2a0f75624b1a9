/// Turns a memory budget into the number of query shapes the table may keep.
///
/// Measured cost of one kept shape (aggregate, its strings, histogram, plan map, table and heap
/// slots) with 45-byte shape texts: about 830 bytes (RSS growth over 300,000 shapes). 1 KiB per
/// shape leaves room for longer shape texts. The rest of the process (read buffers, parsers,
/// runtime; about 20 MiB on the benchmark inputs) gets a fixed reserve.
public enum ShapeBudget {
    public static let defaultMiB = 256
    public static let bytesPerShape = 1024
    public static let reserveMiB = 48
    public static let minimumShapes = 1024

    /// Shapes kept under a budget of `mib` MiB; nil (exact, unbounded) when `mib` is 0.
    public static func maxShapes(memoryBudgetMiB mib: Int) -> Int? {
        guard mib > 0 else { return nil }
        let usable = max(0, mib - reserveMiB) << 20
        return max(minimumShapes, usable / bytesPerShape)
    }
}
