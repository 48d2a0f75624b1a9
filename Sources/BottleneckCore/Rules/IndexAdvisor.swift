/// Proposes an index key for a query shape by the equality, sort, range (ESR) rule: fields tested
/// for equality first, then the sort keys in sort order and direction, then fields tested with a
/// range. Works on the shape text (`Shaper` output), so it never sees a literal.
///
/// Classification of a top-level filter field:
/// - equality: a scalar placeholder (`?string`), an exact array/document, `$eq`; then `$in`
///   (MongoDB scans each `$in` value as a point, like an equality, but several points before a
///   sort key need a SORT_MERGE, so `$in` fields come after the plain equalities);
/// - range: `$gt/$gte/$lt/$lte`, `$ne`, `$nin`, `$regex` or a regex literal, `$exists`, `$type`,
///   `$not`, `$elemMatch`, `$mod` (they scan an interval, or a large part of the index);
/// - not indexable here: `$or`, `$nor`, `$where`, `$expr`, `$text`, `$comment` (ignored).
/// `$and` branches are merged into the top level. A field already used as equality is not repeated
/// as a sort or range key (equality on a prefix makes that sort key free).
public enum IndexAdvisor {
    public enum Role: String, Sendable { case equality, range }

    /// The proposed key, e.g. `{ status: 1, customerId: 1, createdAt: -1, total: 1 }`, or nil when
    /// the shape has no field an index could use, or only `_id` equality (already indexed).
    public static func proposal(shapeText: String) -> String? {
        guard let parts = ShapeTextParser.parts(shapeText) else { return nil }
        let key = esrKey(filter: parts.filter, sort: parts.sort)
        if key.isEmpty { return nil }
        if key.count == 1 && key[0].field == "_id" { return nil }
        return "{ " + key.map { "\($0.field): \($0.direction)" }.joined(separator: ", ") + " }"
    }

    /// The ESR key as (field, direction) pairs.
    public static func esrKey(filter: [(String, ShapeTextNode)], sort: [(String, Int)]) -> [(field: String, direction: Int)] {
        var equality: [String] = []
        var inList: [String] = []
        var range: [String] = []
        func classify(_ fields: [(String, ShapeTextNode)]) {
            for (key, value) in fields {
                if key == "$and", case .array(let branches) = value {
                    for case .document(let b) in branches { classify(b) }
                    continue
                }
                if key.hasPrefix("$") { continue }
                switch role(of: value) {
                case .equality:
                    if case .document(let ops) = value, ops.contains(where: { $0.0 == "$in" }) {
                        if !inList.contains(key) { inList.append(key) }
                    } else if !equality.contains(key) {
                        equality.append(key)
                    }
                case .range: if !range.contains(key) { range.append(key) }
                case nil: break
                }
            }
        }
        classify(filter)
        equality += inList.filter { !equality.contains($0) }
        var out: [(field: String, direction: Int)] = equality.map { ($0, 1) }
        for (field, dir) in sort where !equality.contains(field) && !out.contains(where: { $0.field == field }) {
            out.append((field, dir < 0 ? -1 : 1))
        }
        for field in range where !out.contains(where: { $0.field == field }) {
            out.append((field, 1))
        }
        return out
    }

    static let rangeOperators: Set<String> = ["$gt", "$gte", "$lt", "$lte", "$ne", "$nin", "$regex", "$options", "$exists", "$type", "$not", "$elemMatch", "$mod", "$size", "$all"]
    static let equalityOperators: Set<String> = ["$eq", "$in"]

    static func role(of value: ShapeTextNode) -> Role? {
        switch value {
        case .atom(let a):
            return a == "?regex" ? .range : .equality
        case .array:
            return .equality
        case .document(let fields):
            let ops = fields.map(\.0).filter { $0.hasPrefix("$") }
            if ops.isEmpty { return .equality }
            if ops.contains(where: { equalityOperators.contains($0) }) && !ops.contains(where: { rangeOperators.contains($0) }) {
                return .equality
            }
            if ops.contains(where: { rangeOperators.contains($0) || equalityOperators.contains($0) }) { return .range }
            return nil
        }
    }
}

/// A parsed shape text value.
public indirect enum ShapeTextNode: Sendable, Equatable {
    case document([(String, ShapeTextNode)])
    case array([ShapeTextNode])
    /// `?string`, `?array<?number>`, `1`, `-1`, ...
    case atom(String)

    public static func == (a: ShapeTextNode, b: ShapeTextNode) -> Bool {
        switch (a, b) {
        case (.atom(let x), .atom(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.document(let x), .document(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }
}

/// Reads `Shaper` output back: `filter {..} sort {..} projection {..} pipeline [..] update {..}`.
enum ShapeTextParser {
    struct Parts {
        var filter: [(String, ShapeTextNode)] = []
        var sort: [(String, Int)] = []
    }

    static func parts(_ text: String) -> Parts? {
        var p = Parser(bytes: Array(text.utf8))
        var parts = Parts()
        var sawFilter = false
        while true {
            p.skipSpaces()
            guard let word = p.word() else { break }
            p.skipSpaces()
            guard let value = p.value() else { return nil }
            switch word {
            case "filter":
                if case .document(let f) = value { parts.filter = f; sawFilter = true }
            case "sort":
                if case .document(let s) = value { parts.sort = sortKeys(s) }
            case "pipeline":
                guard case .array(let stages) = value else { break }
                // The first $match and the $sort right after it are what an index can serve.
                for case .document(let stage) in stages {
                    guard let (name, body) = stage.first else { continue }
                    if name == "$match", !sawFilter, case .document(let f) = body {
                        parts.filter = f
                        sawFilter = true
                    } else if name == "$sort", case .document(let s) = body {
                        if parts.sort.isEmpty { parts.sort = sortKeys(s) }
                        break
                    } else if name != "$match" {
                        break
                    }
                }
            default:
                break
            }
        }
        return parts
    }

    static func sortKeys(_ s: [(String, ShapeTextNode)]) -> [(String, Int)] {
        s.compactMap { key, v in
            guard case .atom(let a) = v, let d = Int(a) else { return nil }
            return (key, d)
        }
    }

    struct Parser {
        let bytes: [UInt8]
        var i = 0

        mutating func skipSpaces() { while i < bytes.count, bytes[i] == 32 { i += 1 } }

        mutating func word() -> String? {
            let start = i
            while i < bytes.count, (bytes[i] >= 97 && bytes[i] <= 122) { i += 1 }
            return i > start ? String(decoding: bytes[start..<i], as: UTF8.self) : nil
        }

        mutating func value() -> ShapeTextNode? {
            skipSpaces()
            guard i < bytes.count else { return nil }
            switch bytes[i] {
            case UInt8(ascii: "{"):
                i += 1
                var fields: [(String, ShapeTextNode)] = []
                skipSpaces()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .document([]) }
                while i < bytes.count {
                    skipSpaces()
                    let start = i
                    // Keys run to ": " (keys may hold dots and dollars).
                    while i + 1 < bytes.count, !(bytes[i] == UInt8(ascii: ":") && bytes[i + 1] == 32) { i += 1 }
                    guard i + 1 < bytes.count else { return nil }
                    let key = String(decoding: bytes[start..<i], as: UTF8.self)
                    i += 2
                    guard let v = value() else { return nil }
                    fields.append((key, v))
                    skipSpaces()
                    guard i < bytes.count else { return nil }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "}") { i += 1; return .document(fields) }
                    return nil
                }
                return nil
            case UInt8(ascii: "["):
                i += 1
                var items: [ShapeTextNode] = []
                skipSpaces()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array([]) }
                while i < bytes.count {
                    guard let v = value() else { return nil }
                    items.append(v)
                    skipSpaces()
                    guard i < bytes.count else { return nil }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                    return nil
                }
                return nil
            default:
                // Atom: up to , } ] or space at depth 0 (`?array<?number>` has no spaces).
                let start = i
                var depth = 0
                while i < bytes.count {
                    let c = bytes[i]
                    if c == UInt8(ascii: "<") { depth += 1 }
                    if c == UInt8(ascii: ">") { depth -= 1 }
                    if depth <= 0 && (c == UInt8(ascii: ",") || c == UInt8(ascii: "}") || c == UInt8(ascii: "]") || c == 32) { break }
                    i += 1
                }
                return i > start ? .atom(String(decoding: bytes[start..<i], as: UTF8.self)) : nil
            }
        }
    }
}
