/// A query shape: the readable form (literals replaced by typed placeholders) and a stable id.
public struct QueryShape: Sendable, Hashable, Codable {
    /// Readable, literal-free text such as `filter {a: {$in: ?array<?number>}, c: ?string} sort {z: -1}`.
    public var text: String
    /// FNV-1a 64 of namespace, operation and text: stable across runs, machines and log formats.
    public var id: UInt64
    /// The server truncated the command, so no shape could be built from it.
    public var isTruncated: Bool

    public init(text: String, id: UInt64, isTruncated: Bool = false) {
        self.text = text
        self.id = id
        self.isTruncated = isTruncated
    }

    /// 16 lowercase hex digits.
    public var idHex: String {
        let hex = String(id, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Builds the shape of an operation from its parts.
    public static func make(namespace: String, operation: String, text: String, truncated: Bool = false) -> QueryShape {
        let shown = truncated ? "<truncated>" : text
        var h = FNV1a64()
        h.add(namespace)
        h.add(0)
        h.add(operation)
        h.add(0)
        h.add(shown)
        return QueryShape(text: shown, id: h.value, isTruncated: truncated)
    }
}

/// FNV-1a 64-bit: tiny, deterministic, good enough to name shapes.
public struct FNV1a64: Sendable {
    public var value: UInt64 = 0xcbf2_9ce4_8422_2325
    public init() {}
    @inlinable public mutating func add(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }
    public mutating func add(_ s: String) {
        // Over the UTF-8 buffer, not the `utf8` view (several times faster per byte; the shape
        // cache hashes a namespace and two operation names per operation).
        var s = s
        s.withUTF8 { buffer in
            var v = value
            for b in buffer { v = (v ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
            value = v
        }
    }
    public mutating func add(_ bytes: UnsafeRawBufferPointer) {
        for b in bytes { add(b) }
    }
}
