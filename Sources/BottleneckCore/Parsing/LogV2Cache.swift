#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Per-input caches of the logv2 parser, so repeated values cost a hash, not an allocation:
/// interned short strings (severity, component, app names, hashes), parsed plan summaries, and
/// shape texts keyed by the command's structural skeleton (keys and value kinds, never values).
final class LogV2Cache {
    static let maxEntries = 1 << 14
    private var strings: [UInt64: (bytes: [UInt8], value: String)] = [:]
    private var plans: [UInt64: (bytes: [UInt8], value: PlanSummary)] = [:]
    private var shapes: [UInt64: QueryShape] = [:]

    /// Hash of raw bytes (FNV-1a with a length salt).
    @inline(__always)
    static func hash(_ s: JSONScanner, _ from: Int, _ to: Int, seed: UInt64 = 0) -> UInt64 {
        var h = FNV1a64()
        h.value ^= seed &* 0x9E37_79B9_7F4A_7C15
        var i = from
        while i < to { h.add(s[i]); i += 1 }
        h.add(UInt8(truncatingIfNeeded: to - from))
        return h.value
    }

    @inline(__always)
    static func same(_ bytes: [UInt8], _ s: JSONScanner, _ from: Int, _ to: Int) -> Bool {
        bytes.count == to - from && bytes.withUnsafeBytes { memcmp($0.baseAddress!, s.base + from, to - from) == 0 }
    }

    /// The string [from, to) (a JSON string body), interned when 16 to 64 bytes long (Swift
    /// keeps strings of up to 15 bytes inline, without an allocation, so those are just decoded).
    func string(_ s: JSONScanner, _ from: Int, _ to: Int) -> String {
        guard to - from <= 64, to - from > 15 else { return s.decode(from, to) }
        let h = LogV2Cache.hash(s, from, to)
        if let hit = strings[h], LogV2Cache.same(hit.bytes, s, from, to) { return hit.value }
        let v = s.decode(from, to)
        if strings.count < LogV2Cache.maxEntries { strings[h] = (Array(s.slice(from, to)), v) }
        return v
    }

    func plan(_ s: JSONScanner, _ from: Int, _ to: Int) -> PlanSummary {
        let h = LogV2Cache.hash(s, from, to, seed: 1)
        if let hit = plans[h], LogV2Cache.same(hit.bytes, s, from, to) { return hit.value }
        let v = PlanSummary.parse(s.decode(from, to))
        if plans.count < LogV2Cache.maxEntries { plans[h] = (Array(s.slice(from, to)), v) }
        return v
    }

    /// The command keys that can shape something, as static strings (no allocation per event).
    /// `CommandShape.shapeKeys` by length, as bytes (the grammar is declared once, there).
    static let keysByLength: [[(name: String, bytes: [UInt8])]] = {
        var t = [[(name: String, bytes: [UInt8])]](repeating: [], count: 16)
        for k in CommandShape.shapeKeys { t[k.utf8.count].append((k, Array(k.utf8))) }
        return t
    }()

    /// The command key at bytes a..<b when it is one a shape may be built from.
    static func knownKey(_ s: JSONScanner, _ a: Int, _ b: Int) -> String? {
        let n = b - a
        guard n > 0, n < keysByLength.count else { return nil }
        for k in keysByLength[n] where s.equals(a, b, k.bytes) { return k.name }
        return nil
    }

    /// The shape of a command for (namespace, operation): from the cache when a command of the
    /// same skeleton was seen in the same namespace. `shapeOperation` selects the parts (the
    /// originating command's for getMore); `operation` names the shape.
    func shape(_ s: JSONScanner, _ cmd: CommandInfo, shapeOperation: String, statement: Bool,
               namespace: String, operation: String) -> QueryShape {
        var key = FNV1a64()
        key.add(namespace)
        key.add(0)
        key.add(operation)
        key.add(0)
        key.add(shapeOperation)
        key.add(statement ? 1 : 0)
        for m in cmd.members {
            guard let name = LogV2Cache.knownKey(s, m.0, m.1),
                  let role = CommandShape.role(of: name, operation: shapeOperation, statement: statement) else { continue }
            key.add(0xFE)
            key.add(s.slice(m.0, m.1))
            if role == .distinctKey {
                key.add(s.slice(m.2, m.3))
            } else {
                key.value = ShapeSkeleton.mix(key.value, ShapeSkeleton.hash(s, m.2, m.3))
            }
        }
        if let hit = shapes[key.value] { return hit }
        let text = Shaper.text(of: parts(s, cmd, operation: shapeOperation, statement: statement))
        let shape = QueryShape.make(namespace: namespace, operation: operation, text: text)
        if shapes.count >= LogV2Cache.maxEntries { shapes.removeAll(keepingCapacity: true) }
        shapes[key.value] = shape
        return shape
    }

    func parts(_ s: JSONScanner, _ cmd: CommandInfo, operation: String, statement: Bool) -> Shaper.Parts {
        var parts = Shaper.Parts()
        for m in cmd.members {
            guard let name = LogV2Cache.knownKey(s, m.0, m.1),
                  let role = CommandShape.role(of: name, operation: operation, statement: statement) else { continue }
            if role == .distinctKey {
                if s[m.2] == 0x22 { parts.distinctKey = s.decode(m.2 + 1, m.3 - 1) }
                continue
            }
            guard let (node, _, _) = JSONShapeReader.read(s, at: m.2) else { continue }
            CommandShape.assign(node, role: role, operation: operation, to: &parts)
        }
        return parts
    }
}

/// A 64-bit hash of a JSON value's structure: keys, nesting and value kinds, plus whether a
/// scalar is -1, 0 or 1 (they shape differently in sorts and projections). Runs of equal scalar
/// array elements hash once, so `[1,2,3]` and `[7]` have the same skeleton. Equal skeletons give
/// equal shapes (not the reverse: `{a,b}` and `{b,a}` are two entries of the same shape).
enum ShapeSkeleton {
    @inline(__always)
    static func mix(_ h: UInt64, _ v: UInt64) -> UInt64 {
        (h ^ v) &* 0x0000_0100_0000_01b3
    }

    static func hash(_ s: JSONScanner, _ from: Int, _ to: Int) -> UInt64 {
        var i = from
        return value(s, &i, to, depth: 0)
    }

    static func value(_ s: JSONScanner, _ i: inout Int, _ to: Int, depth: Int) -> UInt64 {
        guard i < to, depth < JSONScanner.maxDepth else { return 0x1 }
        let c = s[i]
        switch c {
        case 0x22:
            let e = s.skipString(i)
            if e < 0 { i = to; return 0x2 }
            var h: UInt64 = 0x73
            if let small = JSONShapeReader.smallInt(s, i + 1, e - 1) { h = mix(h, UInt64(small + 2)) }
            i = e
            return h
        case 0x7B:
            var h: UInt64 = 0x7B
            i = s.skipSpace(i + 1)
            if i < to, s[i] == 0x7D { i += 1; return h }
            while let k = s.key(i) {
                for b in k.start..<k.end { h = mix(h, UInt64(s[b])) }
                h = mix(h, 0x3A)
                i = k.value
                h = mix(h, value(s, &i, to, depth: depth + 1))
                let (n, closed) = s.next(i, closer: 0x7D)
                if n < 0 { i = to; return h }
                i = n
                if closed { return mix(h, 0x7D) }
            }
            i = to
            return h
        case 0x5B:
            var h: UInt64 = 0x5B
            var previous: UInt64 = 0
            i = s.skipSpace(i + 1)
            if i < to, s[i] == 0x5D { i += 1; return h }
            while i < to {
                // Runs of equal scalars hash once (they shape as one ?array<kind>); containers
                // always count, as pipeline stages and $or branches are shaped one by one.
                let container = s[i] == 0x7B || s[i] == 0x5B
                let e = value(s, &i, to, depth: depth + 1)
                if container || e != previous { h = mix(h, e); previous = container ? 0 : e }
                let (n, closed) = s.next(i, closer: 0x5D)
                if n < 0 { i = to; return h }
                i = n
                if closed { return mix(h, 0x5D) }
            }
            return h
        default:
            let e = s.skipValue(i)
            if e < 0 { i = to; return 0x3 }
            var h: UInt64 = UInt64(c)
            if let small = JSONShapeReader.smallInt(s, i, e) { h = mix(h, UInt64(small + 2)) }
            i = e
            return h
        }
    }
}
