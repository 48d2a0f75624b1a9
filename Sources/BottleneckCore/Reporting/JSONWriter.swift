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

    public static func formatDouble(_ value: Double) -> String {
        let scaled = (value * 1000).rounded()
        if abs(scaled) >= 9.0e15 { return String(Int64(value.rounded())) }
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
