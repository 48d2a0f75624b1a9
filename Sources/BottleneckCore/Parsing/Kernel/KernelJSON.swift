/// The two JSON transports: `journalctl -o json` (one object per line) and `dmesg --json`
/// (pretty-printed over several lines: `"pri": 4,` / `"time": 302.856909,` / `"msg": "…"`).
/// Byte-level: values are located, only MESSAGE/msg is decoded (into a reused buffer).
enum KernelJSON {
    /// Range of the raw value of top-level `"key":` (string contents without quotes, or the
    /// number/array text) in a one-line object.
    static func value(_ b: UnsafeRawBufferPointer, key: StaticString) -> (range: Range<Int>, isString: Bool)? {
        let n = b.count
        var from = 0
        while let k = KB.find(b, key, from: from) {
            from = k + 1
            // key must be quoted: "KEY"
            let ke = k + key.utf8CodeUnitCount
            guard k > 0, b[k - 1] == UInt8(ascii: "\""), ke < n, b[ke] == UInt8(ascii: "\"") else { continue }
            var i = ke + 1
            KB.skipSpaces(b, &i)
            guard i < n, b[i] == UInt8(ascii: ":") else { continue }
            i += 1
            KB.skipSpaces(b, &i)
            guard i < n else { return nil }
            if b[i] == UInt8(ascii: "\"") {
                let s = i + 1
                var j = s
                while j < n, b[j] != UInt8(ascii: "\"") {
                    j += b[j] == UInt8(ascii: "\\") ? 2 : 1
                }
                return (s..<min(j, n), true)
            }
            var j = i
            var depth = 0
            while j < n {
                let c = b[j]
                if c == UInt8(ascii: "[") { depth += 1 }
                else if c == UInt8(ascii: "]") { depth -= 1; if depth == 0 { j += 1; break } }
                else if depth == 0, c == UInt8(ascii: ",") || c == UInt8(ascii: "}") { break }
                j += 1
            }
            return (i..<j, false)
        }
        return nil
    }

    /// Decodes a JSON string body (or a journald byte array `[104,105]`) into `out`, cut at the
    /// first embedded newline (the rest of a multi-line record is not needed).
    static func decode(_ b: UnsafeRawBufferPointer, _ r: Range<Int>, isString: Bool, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        if !isString {
            var i = r.lowerBound
            while i < r.upperBound {
                if KB.isDigit(b[i]) {
                    guard let v = KB.uint(b, &i, to: r.upperBound) else { break }
                    if v == 10 { return }
                    out.append(UInt8(truncatingIfNeeded: v))
                } else { i += 1 }
            }
            return
        }
        var i = r.lowerBound
        let e = r.upperBound
        while i < e {
            let c = b[i]
            if c != UInt8(ascii: "\\") { out.append(c); i += 1; continue }
            guard i + 1 < e else { break }
            let x = b[i + 1]
            i += 2
            switch x {
            case UInt8(ascii: "n"): return
            case UInt8(ascii: "t"): out.append(KB.tab)
            case UInt8(ascii: "r"): break
            case UInt8(ascii: "u"):
                guard i + 4 <= e else { return }
                var v: UInt32 = 0
                for k in 0..<4 {
                    let h = b[i + k]
                    let d: UInt8 = KB.isDigit(h) ? h - 48 : ((h | 0x20) &- 87)
                    v = v << 4 | UInt32(d & 0xF)
                }
                i += 4
                if v == 10 { return }
                if let s = Unicode.Scalar(v) { out.append(contentsOf: Array(String(Character(s)).utf8)) }
            default: out.append(x)
            }
        }
    }

    /// Unsigned integer inside a JSON string or number value.
    static func int(_ b: UnsafeRawBufferPointer, _ r: Range<Int>) -> Int64? {
        var i = r.lowerBound
        return KB.uint(b, &i, to: r.upperBound)
    }
}
