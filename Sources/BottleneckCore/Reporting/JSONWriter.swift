/// A small deterministic JSON writer: keys in the order written, numbers without locale,
/// strings escaped per RFC 8259 (control characters and invalid UTF-8 never leak through).
/// It writes UTF-8 bytes: large reports (a merge of a fleet's partials lists hundreds of thousands
/// of shapes) spend their time here.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    /// What was written (and not yet handed to the sink), as text.
    public var output: String { String(decoding: bytes, as: UTF8.self) }
    /// When set, the bytes written so far are handed to it whenever an object closes and more
    /// than 1 MiB has piled up, so a large report never sits in memory whole.
    public var sink: (([UInt8]) -> Void)?
    private var needsComma: [Bool] = [false]
    private let pretty: Bool
    private var depth = 0

    public init(pretty: Bool = false) {
        self.pretty = pretty
        bytes.reserveCapacity(1 << 16)
    }

    @inline(__always) private mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    private mutating func separator() {
        if needsComma[needsComma.count - 1] { bytes.append(UInt8(ascii: ",")) }
        needsComma[needsComma.count - 1] = true
        if pretty && depth > 0 { newlineIndent(depth) }
    }

    @inline(__always)
    private mutating func newlineIndent(_ depth: Int) {
        bytes.append(UInt8(ascii: "\n"))
        for _ in 0..<(2 * depth) { bytes.append(UInt8(ascii: " ")) }
    }

    private mutating func keyPrefix(_ key: String?) {
        separator()
        if let key {
            JSONWriter.appendString(key, to: &bytes)
            if pretty { raw(": ") } else { bytes.append(UInt8(ascii: ":")) }
        }
    }

    public mutating func beginObject(_ key: String? = nil) {
        keyPrefix(key)
        bytes.append(UInt8(ascii: "{"))
        needsComma.append(false)
        depth += 1
    }

    /// Hands what is buffered to the sink (if any).
    public mutating func flush() {
        guard let sink, !bytes.isEmpty else { return }
        sink(bytes)
        bytes.removeAll(keepingCapacity: true)
    }

    public mutating func endObject() {
        defer { if sink != nil && bytes.count > 1 << 20 { flush() } }
        let had = needsComma.removeLast()
        depth -= 1
        if pretty && had { newlineIndent(depth) }
        bytes.append(UInt8(ascii: "}"))
    }

    public mutating func beginArray(_ key: String? = nil) {
        keyPrefix(key)
        bytes.append(UInt8(ascii: "["))
        needsComma.append(false)
        depth += 1
    }

    public mutating func endArray() {
        let had = needsComma.removeLast()
        depth -= 1
        if pretty && had { newlineIndent(depth) }
        bytes.append(UInt8(ascii: "]"))
    }

    public mutating func string(_ key: String?, _ value: String?) {
        keyPrefix(key)
        if let value { JSONWriter.appendString(value, to: &bytes) } else { raw("null") }
    }

    public mutating func int(_ key: String?, _ value: Int64?) {
        keyPrefix(key)
        if let value { JSONWriter.appendDecimal(value, to: &bytes) } else { raw("null") }
    }

    public mutating func int(_ key: String?, _ value: Int) { int(key, Int64(value)) }

    public mutating func uint(_ key: String?, _ value: UInt64) {
        keyPrefix(key)
        JSONWriter.appendDecimal(value, negative: false, to: &bytes)
    }

    /// A double that always reads as one (`1.0`, not `1`), for columns a loader must type as
    /// floating point (ratios, uptimes in the event stream).
    public mutating func float(_ key: String?, _ value: Double?) {
        double(key, value)
        guard let value, value.isFinite else { return }
        // `double` wrote the digits last: add `.0` when they hold no fraction or exponent.
        var i = bytes.count - 1
        while i >= 0, bytes[i] >= UInt8(ascii: "0") && bytes[i] <= UInt8(ascii: "9") || bytes[i] == UInt8(ascii: "-") { i -= 1 }
        if i < 0 || bytes[i] != UInt8(ascii: ".") { bytes.append(contentsOf: [UInt8(ascii: "."), UInt8(ascii: "0")]) }
    }

    /// Doubles with at most 3 decimals, no exponent, trailing zeros trimmed.
    public mutating func double(_ key: String?, _ value: Double?) {
        keyPrefix(key)
        guard let value, value.isFinite else { raw("null"); return }
        let scaled = (value * 1000).rounded()
        if abs(scaled) < 9.0e15 {
            // The common case, without building a String: whole part, then up to 3 decimals.
            let n = Int64(scaled)
            let a = n.magnitude
            if n < 0 { bytes.append(UInt8(ascii: "-")) }  // also "-0.5"
            JSONWriter.appendDecimal(a / 1000, negative: false, to: &bytes)
            var frac = a % 1000
            if frac != 0 {
                var digits = 3
                while frac % 10 == 0 { frac /= 10; digits -= 1 }
                bytes.append(UInt8(ascii: "."))
                var scale: UInt64 = 1
                for _ in 1..<digits { scale *= 10 }
                while scale > 0 {
                    bytes.append(UInt8(ascii: "0") + UInt8(frac / scale % 10))
                    scale /= 10
                }
            }
        } else {
            bytes.append(contentsOf: JSONWriter.formatDouble(value).utf8)
        }
    }

    public mutating func bool(_ key: String?, _ value: Bool?) {
        keyPrefix(key)
        switch value {
        case true?: raw("true")
        case false?: raw("false")
        case nil: raw("null")
        }
    }

    public mutating func null(_ key: String?) {
        keyPrefix(key)
        raw("null")
    }

    @inline(__always)
    static func appendDecimal(_ v: Int64, to out: inout [UInt8]) {
        appendDecimal(v.magnitude, negative: v < 0, to: &out)
    }

    /// Decimal digits of `magnitude`, with a minus sign when `negative` (and not zero).
    static func appendDecimal(_ magnitude: UInt64, negative: Bool, to out: inout [UInt8]) {
        if negative && magnitude != 0 { out.append(UInt8(ascii: "-")) }
        if magnitude < 10 { out.append(UInt8(ascii: "0") + UInt8(magnitude)); return }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits
        var n = magnitude, count = 0
        withUnsafeMutableBytes(of: &digits) { buf in
            while n > 0 {
                count += 1
                buf[24 - count] = UInt8(ascii: "0") + UInt8(n % 10)
                n /= 10
            }
            out.append(contentsOf: buf[(24 - count)...])
        }
    }

    /// At most 3 decimals, no exponent, trailing zeros trimmed. Any finite value is written
    /// (magnitudes past 9e15 as their exact integer digits); never traps. Not finite: `null`.
    public static func formatDouble(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        let scaled = (value * 1000).rounded()
        if !(abs(scaled) < 9.0e15) { return integerDigits(value.rounded()) }
        let n = Int64(scaled)
        let neg = n < 0
        let a = neg ? -n : n
        let whole = a / 1000
        var frac = a % 1000
        var s = (neg ? "-" : "") + String(whole)
        if frac != 0 {
            var digits = 3
            while frac % 10 == 0 { frac /= 10; digits -= 1 }
            let f = String(frac)
            s += "." + String(repeating: "0", count: digits - f.count) + f
        }
        return s
    }

    /// The decimal digits of a finite, integral double (exact: `1.8446744073709552e19` is
    /// `18446744073709551616`), without Int64 conversions that could trap.
    static func integerDigits(_ v: Double) -> String {
        let neg = v < 0
        let m = v.magnitude
        if m < 18_446_744_073_709_551_616.0 { return (neg ? "-" : "") + String(UInt64(m)) }
        // m = significand × 2^e with e ≥ 64: shift in base 2^32, then print in base 10^9.
        var limbs: [UInt32] = [UInt32(truncatingIfNeeded: m.significandBitPattern | (1 << 52)),
                               UInt32(truncatingIfNeeded: (m.significandBitPattern | (1 << 52)) >> 32)]
        var shift = Int(m.exponent) - 52
        while shift > 0 {
            let step = min(shift, 31)
            var carry: UInt64 = 0
            for i in limbs.indices {
                let x = (UInt64(limbs[i]) << UInt64(step)) | carry
                limbs[i] = UInt32(truncatingIfNeeded: x)
                carry = x >> 32
            }
            if carry != 0 { limbs.append(UInt32(carry)) }
            shift -= step
        }
        var chunks: [UInt32] = []
        while limbs.contains(where: { $0 != 0 }) {
            var rem: UInt64 = 0
            for i in limbs.indices.reversed() {
                let x = (rem << 32) | UInt64(limbs[i])
                limbs[i] = UInt32(x / 1_000_000_000)
                rem = x % 1_000_000_000
            }
            chunks.append(UInt32(rem))
        }
        var s = neg ? "-" : ""
        for (k, c) in chunks.reversed().enumerated() {
            let d = String(c)
            s += k == 0 ? d : String(repeating: "0", count: 9 - d.count) + d
        }
        return s
    }

    public static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Fast path (nearly every string): nothing to escape, append its bytes whole.
        var s = s
        let clean = s.withUTF8 { u -> Bool in
            for c in u where c < 0x20 || c == 0x22 || c == 0x5C || c == 0x7F { return false }
            out.append(contentsOf: u)
            return true
        }
        if clean {
            out.append(UInt8(ascii: "\""))
            return
        }
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out.append(contentsOf: [0x5C, 0x22])
            case "\\": out.append(contentsOf: [0x5C, 0x5C])
            case "\n": out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case "\r": out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case "\t": out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    let hex = String(scalar.value, radix: 16)
                    out.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8)
                } else {
                    out.append(contentsOf: String(scalar).utf8)
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
