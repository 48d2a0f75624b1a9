/// A compact, exact binary encoding for checkpointed state: little-endian fixed 64-bit integers,
/// LEB128 lengths, UTF-8 strings. Versioned by the caller.
public struct ByteWriter {
    public private(set) var bytes: [UInt8] = []
    public init() {}

    /// Hands the bytes written so far to `sink` and starts an empty buffer (streamed encodings).
    public mutating func drain(into sink: ([UInt8]) -> Void) {
        guard !bytes.isEmpty else { return }
        sink(bytes)
        bytes.removeAll(keepingCapacity: true)
    }

    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func bool(_ v: Bool) { bytes.append(v ? 1 : 0) }

    public mutating func u64(_ v: UInt64) {
        var x = v
        for _ in 0..<8 {
            bytes.append(UInt8(truncatingIfNeeded: x))
            x >>= 8
        }
    }

    public mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }

    public mutating func varint(_ v: Int) {
        var x = UInt64(v)
        while x >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: x) | 0x80)
            x >>= 7
        }
        bytes.append(UInt8(x))
    }

    public mutating func string(_ s: String) {
        varint(s.utf8.count)
        bytes.append(contentsOf: s.utf8)
    }

    /// Signed LEB128 (zigzag): small magnitudes take one or two bytes.
    public mutating func svarint(_ v: Int64) {
        var x = UInt64(bitPattern: (v << 1) ^ (v >> 63))
        while x >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: x) | 0x80)
            x >>= 7
        }
        bytes.append(UInt8(x))
    }

    public mutating func blob(_ b: [UInt8]) {
        varint(b.count)
        bytes.append(contentsOf: b)
    }

    public mutating func optionalI64(_ v: Int64?) {
        bool(v != nil)
        if let v { i64(v) }
    }

    public mutating func optionalString(_ v: String?) {
        bool(v != nil)
        if let v { string(v) }
    }
}

public struct DecodeError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ d: String) { description = d }
}

public struct ByteReader {
    private let bytes: [UInt8]
    /// Reading stops here (a frame's trailer, such as a checksum, is not part of its content).
    private let end: Int
    public private(set) var position = 0
    public init(_ bytes: [UInt8]) { self.init(bytes, limit: bytes.count) }
    /// Reads `bytes[..<limit]` (no copy of the array).
    public init(_ bytes: [UInt8], limit: Int) {
        self.bytes = bytes
        end = max(0, min(limit, bytes.count))
    }

    public var atEnd: Bool { position == end }

    private mutating func need(_ n: Int) throws(DecodeError) {
        if n < 0 || n > end - position { throw DecodeError("state blob ends early at byte \(position)") }
    }

    public mutating func u8() throws(DecodeError) -> UInt8 {
        try need(1)
        defer { position += 1 }
        return bytes[position]
    }

    public mutating func bool() throws(DecodeError) -> Bool { try u8() != 0 }

    public mutating func u64() throws(DecodeError) -> UInt64 {
        try need(8)
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
        position += 8
        return v
    }

    public mutating func i64() throws(DecodeError) -> Int64 { Int64(bitPattern: try u64()) }

    public mutating func varint() throws(DecodeError) -> Int {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try u8()
            v |= UInt64(b & 0x7f) << shift
            if b & 0x80 == 0 { break }
            shift += 7
            if shift > 56 { throw DecodeError("bad length at byte \(position)") }
        }
        guard v <= UInt64(Int32.max) else { throw DecodeError("length too large at byte \(position)") }
        return Int(v)
    }

    public mutating func string() throws(DecodeError) -> String {
        let n = try varint()
        try need(n)
        defer { position += n }
        return String(decoding: bytes[position..<(position + n)], as: UTF8.self)
    }

    /// A number of items that follow, each at least one byte: never more than the bytes left
    /// (a damaged count cannot make a decoder loop or allocate past the input).
    public mutating func count() throws(DecodeError) -> Int {
        let n = try varint()
        guard n <= end - position else { throw DecodeError("count \(n) exceeds the \(end - position) bytes left at byte \(position)") }
        return n
    }

    public mutating func svarint() throws(DecodeError) -> Int64 {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try u8()
            guard shift < 64 else { throw DecodeError("bad number at byte \(position)") }
            v |= UInt64(b & 0x7f) << shift
            if b & 0x80 == 0 { break }
            shift += 7
        }
        return Int64(bitPattern: v >> 1) ^ -Int64(bitPattern: v & 1)
    }

    public mutating func blob() throws(DecodeError) -> [UInt8] {
        let n = try varint()
        try need(n)
        defer { position += n }
        return Array(bytes[position..<(position + n)])
    }

    public mutating func optionalI64() throws(DecodeError) -> Int64? {
        try bool() ? try i64() : nil
    }

    public mutating func optionalString() throws(DecodeError) -> String? {
        try bool() ? try string() : nil
    }
}
