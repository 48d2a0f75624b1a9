/// A small deterministic JSON writer: keys in the order written, numbers without locale,
/// strings escaped per RFC 8259 (control characters and invalid UTF-8 never leak through).
public struct JSONWriter {
    public private(set) var output: String = ""
    /// When set, the text written so far is handed to it whenever an object closes and more
    /// than 1 MiB has piled up, so a large report never sits in memory whole.
    public var sink: ((String) -> Void)?
    private var needsComma: [Bool] = [false]
    private let pretty: Bool
    private var depth = 0

    public init(pretty: Bool = false) {
        self.pretty = pretty
        output.reserveCapacity(1 << 16)
    }

    private mutating func separator() {
        if needsComma[needsComma.count - 1] { output += "," }
        needsComma[needsComma.count - 1] = true
        if pretty && depth > 0 { output += JSONWriter.newlineIndent(depth) }
    }

    private static let indents = (0..<16).map { "\n" + String(repeating: "  ", count: $0) }

    @inline(__always)
    private static func newlineIndent(_ depth: Int) -> String {
        depth < indents.count ? indents[depth] : "\n" + String(repeating: "  ", count: depth)
    }

    private mutating func keyPrefix(_ key: String?) {
        separator()
        if let key {
            JSONWriter.appendString(key, to: &output)
            output += pretty ? ": " : ":"
        }
    }

    public mutating func beginObject(_ key: String? = nil) {
        keyPrefix(key)
        output += "{"
        needsComma.append(false)
        depth += 1
    }

    /// Hands what is buffered to the sink (if any).
    public mutating func flush() {
        guard let sink, !output.isEmpty else { return }
        sink(output)
        output = ""
        output.reserveCapacity(1 << 16)
    }

    public mutating func endObject() {
        defer { if sink != nil && output.utf8.count > 1 << 20 { flush() } }
        let had = needsComma.removeLast()
        depth -= 1
        if pretty && had { output += JSONWriter.newlineIndent(depth) }
        output += "}"
    }

    public mutating func beginArray(_ key: String? = nil) {
        keyPrefix(key)
        output += "["
        needsComma.append(false)
        depth += 1
    }

    public mutating func endArray() {
        let had = needsComma.removeLast()
        depth -= 1
        if pretty && had { output += JSONWriter.newlineIndent(depth) }
        output += "]"
    }

    public mutating func string(_ key: String?, _ value: String?) {
        keyPrefix(key)
        if let value { JSONWriter.appendString(value, to: &output) } else { output += "null" }
    }

    public mutating func int(_ key: String?, _ value: Int64?) {
        keyPrefix(key)
        output += value.map { String($0) } ?? "null"
    }

    public mutating func int(_ key: String?, _ value: Int) { int(key, Int64(value)) }

    public mutating func uint(_ key: String?, _ value: UInt64) {
        keyPrefix(key)
        output += String(value)
    }

    /// Doubles with at most 3 decimals, no exponent, trailing zeros trimmed.
    public mutating func double(_ key: String?, _ value: Double?) {
        keyPrefix(key)
        guard let value, value.isFinite else { output += "null"; return }
        output += JSONWriter.formatDouble(value)
    }

    public mutating func bool(_ key: String?, _ value: Bool?) {
        keyPrefix(key)
        output += value.map { $0 ? "true" : "false" } ?? "null"
    }

    public mutating func null(_ key: String?) {
        keyPrefix(key)
        output += "null"
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

    public static func appendString(_ s: String, to out: inout String) {
        out += "\""
        // Fast path (nearly every string): nothing to escape, append it whole.
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0x7F }) {
            out += s
            out += "\""
            return
        }
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
