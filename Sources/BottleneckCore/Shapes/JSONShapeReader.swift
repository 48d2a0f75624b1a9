/// Reads a JSON / relaxed Extended JSON value (as mongod logs it in logv2) into a literal-free
/// `ShapeNode`.
///
/// - strings, numbers, booleans and null become scalar kinds; a number whose value is exactly
///   -1, 0 or 1 keeps it in `ShapeField.smallInt` (sort directions, projection flags);
/// - Extended JSON type wrappers become their kind: `$oid` objectId, `$date` date,
///   `$numberLong`/`$numberInt`/`$numberDouble` number, `$numberDecimal` decimal, `$binary`
///   binData, `$uuid` uuid, `$timestamp` timestamp, `$regularExpression` regex, `$minKey`,
///   `$maxKey`, `$undefined`, `$code`/`$codeWithScope` javascript, `$symbol` string,
///   `$dbPointer` object;
/// - query operators such as `$regex` or `$in` are ordinary keys (`{$regex: ?string}`).
public enum JSONShapeReader {
    /// Reads the value at `at`; returns the node, its small-int value, and the index past it.
    public static func read(_ s: JSONScanner, at: Int, depth: Int = 0) -> (node: ShapeNode, smallInt: Int?, end: Int)? {
        guard at < s.count, depth < JSONScanner.maxDepth else { return nil }
        let c = s[at]
        switch c {
        case 0x22:
            let e = s.skipString(at)
            return e < 0 ? nil : (.scalar(.string), nil, e)
        case 0x7B:
            return readObject(s, at: at, depth: depth)
        case 0x5B:
            var items: [ShapeNode] = []
            var i = s.skipSpace(at + 1)
            if i < s.count && s[i] == 0x5D { return (.array([]), nil, i + 1) }
            while true {
                guard let (node, _, e) = read(s, at: i, depth: depth + 1) else { return nil }
                items.append(node)
                let (n, closed) = s.next(e, closer: 0x5D)
                if n < 0 { return nil }
                if closed { return (.array(items), nil, n) }
                i = n
            }
        case 0x74, 0x66:
            let e = s.skipValue(at)
            return e < 0 ? nil : (.scalar(.bool), nil, e)
        case 0x6E:
            let e = s.skipValue(at)
            return e < 0 ? nil : (.scalar(.null), nil, e)
        default:
            let e = s.skipValue(at)
            if e < 0 { return nil }
            return (.scalar(.number), smallInt(s, at, e), e)
        }
    }

    /// -1, 0 or 1 written as an integer or as a float with a zero fraction (`1.0`, `-1.0`).
    static func smallInt(_ s: JSONScanner, _ from: Int, _ to: Int) -> Int? {
        var i = from
        var negative = false
        if i < to && s[i] == 0x2D { negative = true; i += 1 }
        guard i < to else { return nil }
        let d = s[i]
        guard d == 0x30 || d == 0x31 else { return nil }
        i += 1
        if i < to {
            guard s[i] == 0x2E else { return nil }
            i += 1
            while i < to { if s[i] != 0x30 { return nil }; i += 1 }
        }
        let v = Int(d - 0x30)
        return negative ? -v : v
    }

    static func readObject(_ s: JSONScanner, at: Int, depth: Int) -> (node: ShapeNode, smallInt: Int?, end: Int)? {
        var i = s.skipSpace(at + 1)
        if i < s.count && s[i] == 0x7D { return (.document([]), nil, i + 1) }
        // Extended JSON wrapper?
        if let k = s.key(i), k.end > k.start, s[k.start] == 0x24, let kind = wrapperKind(s, k.start, k.end) {
            let end = s.skipContainer(at)
            if end < 0 { return nil }
            var small: Int? = nil
            if kind == .number {
                var v = k.value
                if v < s.count && s[v] == 0x22 {
                    v += 1
                    let close = s.skipString(k.value)
                    if close > 0 { small = smallInt(s, v, close - 1) }
                } else {
                    let e = s.skipValue(v)
                    if e > 0 { small = smallInt(s, v, e) }
                }
            }
            return (.scalar(kind), small, end)
        }
        var fields: [ShapeField] = []
        while true {
            guard let k = s.key(i) else { return nil }
            guard let (node, small, e) = read(s, at: k.value, depth: depth + 1) else { return nil }
            fields.append(ShapeField(key: s.decode(k.start, k.end), value: node, smallInt: small))
            let (n, closed) = s.next(e, closer: 0x7D)
            if n < 0 { return nil }
            if closed { return (.document(fields), nil, n) }
            i = n
        }
    }

    /// The scalar kind of an Extended JSON type wrapper key (`$oid`, ...), or nil for operators.
    static func wrapperKind(_ s: JSONScanner, _ a: Int, _ b: Int) -> ScalarKind? {
        switch b - a {
        case 4:
            if s.equals(a, b, "$oid") { return .objectId }
        case 5:
            if s.equals(a, b, "$date") { return .date }
            if s.equals(a, b, "$uuid") { return .uuid }
            if s.equals(a, b, "$code") { return .javascript }
        case 7:
            if s.equals(a, b, "$binary") { return .binData }
            if s.equals(a, b, "$minKey") { return .minKey }
            if s.equals(a, b, "$maxKey") { return .maxKey }
            if s.equals(a, b, "$symbol") { return .string }
        case 10:
            if s.equals(a, b, "$numberInt") { return .number }
            if s.equals(a, b, "$timestamp") { return .timestamp }
            if s.equals(a, b, "$undefined") { return .undefined }
            if s.equals(a, b, "$dbPointer") { return .object }
        case 11:
            if s.equals(a, b, "$numberLong") { return .number }
        case 13:
            if s.equals(a, b, "$numberDouble") { return .number }
        case 14:
            if s.equals(a, b, "$numberDecimal") { return .decimal }
            if s.equals(a, b, "$codeWithScope") { return .javascript }
        case 18:
            if s.equals(a, b, "$regularExpression") { return .regex }
        default:
            break
        }
        return nil
    }

    /// Convenience for tests and tools: the shape tree of a JSON text.
    public static func read(_ text: String) -> ShapeNode? {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBytes { raw -> ShapeNode? in
            let s = JSONScanner(UnsafeRawBufferPointer(raw))
            guard let (node, _, end) = read(s, at: s.skipSpace(0)) else { return nil }
            return s.skipSpace(end) == s.count ? node : nil
        }
    }
}
