/// Proposes an index key for a query shape by the equality, sort, range (ESR) rule: fields tested
/// for equality first, then the sort keys in sort order and direction, then fields tested with a
/// range. Works on the shape tree (`ShapeNode`, read back from the shape text by
/// `ShapeTextReader`, the shaper's inverse), so it never sees a literal.
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
        guard let parts = ShapeTextReader.read(shapeText) else { return nil }
        let (filter, sort) = servedParts(parts)
        let key = esrKey(filter: filter, sort: sort)
        if key.isEmpty { return nil }
        if key.count == 1 && key[0].field == "_id" { return nil }
        return "{ " + key.map { "\($0.field): \($0.direction)" }.joined(separator: ", ") + " }"
    }

    /// What an index can serve: the filter (or a pipeline's first `$match`) and the sort (or the
    /// `$sort` right after that `$match`).
    static func servedParts(_ parts: Shaper.Parts) -> (filter: [ShapeField], sort: [(String, Int)]) {
        var filter: [ShapeField] = []
        var sort: [(String, Int)] = []
        var sawFilter = false
        if case .document(let f)? = parts.filter { filter = f; sawFilter = true }
        if case .document(let s)? = parts.sort { sort = sortKeys(s) }
        if case .array(let stages)? = parts.pipeline {
            for case .document(let stage) in stages {
                guard let first = stage.first else { continue }
                if first.key == "$match", !sawFilter, case .document(let f) = first.value {
                    filter = f
                    sawFilter = true
                } else if first.key == "$sort", case .document(let s) = first.value {
                    if sort.isEmpty { sort = sortKeys(s) }
                    break
                } else if first.key != "$match" {
                    break
                }
            }
        }
        return (filter, sort)
    }

    static func sortKeys(_ fields: [ShapeField]) -> [(String, Int)] {
        fields.compactMap { f in f.smallInt.map { (f.key, $0) } }
    }

    /// The ESR key as (field, direction) pairs.
    public static func esrKey(filter: [ShapeField], sort: [(String, Int)]) -> [(field: String, direction: Int)] {
        var equality: [String] = []
        var inList: [String] = []
        var range: [String] = []
        func classify(_ fields: [ShapeField]) {
            for f in fields {
                if f.key == "$and", case .array(let branches) = f.value {
                    for case .document(let b) in branches { classify(b) }
                    continue
                }
                if f.key.hasPrefix("$") { continue }
                switch role(of: f.value) {
                case .equality:
                    if case .document(let ops) = f.value, ops.contains(where: { $0.key == "$in" }) {
                        if !inList.contains(f.key) { inList.append(f.key) }
                    } else if !equality.contains(f.key) {
                        equality.append(f.key)
                    }
                case .range: if !range.contains(f.key) { range.append(f.key) }
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

    static func role(of value: ShapeNode) -> Role? {
        switch value {
        case .scalar(let k):
            return k == .regex ? .range : .equality
        case .array:
            return .equality
        case .document(let fields):
            let ops = fields.map(\.key).filter { $0.hasPrefix("$") }
            if ops.isEmpty { return .equality }
            if ops.contains(where: { equalityOperators.contains($0) }) && !ops.contains(where: { rangeOperators.contains($0) }) {
                return .equality
            }
            if ops.contains(where: { rangeOperators.contains($0) || equalityOperators.contains($0) }) { return .range }
            return nil
        }
    }
}
