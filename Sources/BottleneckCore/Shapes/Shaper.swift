/// Turns the parts of a command into a readable, literal-free shape text.
///
/// Rules (table-tested in ShaperTests):
/// - every scalar becomes `?kind`; arrays of scalars collapse by element kind regardless of length
///   (`?array<?number>`, mixed kinds `?array<>`, empty `[]`);
/// - filter documents list their keys in canonical (byte-wise sorted) order; operators are kept;
///   `$or`/`$and`/`$nor` branches are shaped one by one and listed in canonical order;
/// - sort documents keep key order and direction; projections keep key order and 0/1 flags;
/// - pipelines keep stage order; each stage is shaped as a filter, except `$sort` and `$project`
///   (kept in order, with their -1/0/1 flags); nested pipelines (`pipeline` of `$lookup` /
///   `$unionWith`, the branches of `$facet`) are pipelines too, not sets of documents.
public enum Shaper {
    public struct Parts: Sendable {
        public var filter: ShapeNode?
        public var sort: ShapeNode?
        public var projection: ShapeNode?
        public var pipeline: ShapeNode?
        /// Update document (`u`) or findAndModify `update`.
        public var update: ShapeNode?
        /// `distinct`'s `key`: a field name (not a literal), shown as `key <name>`.
        public var distinctKey: String?
        public init(filter: ShapeNode? = nil, sort: ShapeNode? = nil, projection: ShapeNode? = nil,
                    pipeline: ShapeNode? = nil, update: ShapeNode? = nil, distinctKey: String? = nil) {
            self.filter = filter
            self.sort = sort
            self.projection = projection
            self.pipeline = pipeline
            self.update = update
            self.distinctKey = distinctKey
        }
    }

    public static func text(of parts: Parts) -> String {
        var out: [String] = []
        if let f = parts.filter { out.append("filter " + render(f, mode: .filter)) }
        if let s = parts.sort { out.append("sort " + render(s, mode: .ordered)) }
        if let p = parts.projection { out.append("projection " + render(p, mode: .ordered)) }
        if let p = parts.pipeline { out.append("pipeline " + renderPipeline(p)) }
        if let u = parts.update { out.append("update " + render(u, mode: .filter)) }
        if let k = parts.distinctKey { out.append("key " + k) }
        return out.joined(separator: " ")
    }

    enum Mode { case filter, ordered }

    static let logicalOperators: Set<String> = ["$or", "$and", "$nor"]

    static func render(_ node: ShapeNode, mode: Mode) -> String {
        switch node {
        case .scalar(let k):
            return "?" + k.rawValue
        case .array(let items):
            return renderArray(items, mode: mode)
        case .document(let fields):
            if fields.isEmpty { return "{}" }
            var parts: [(String, String)] = []
            parts.reserveCapacity(fields.count)
            for f in fields {
                let v: String
                if mode == .ordered, let small = f.smallInt, case .scalar(.number) = f.value {
                    v = String(small)
                } else if logicalOperators.contains(f.key), case .array(let branches) = f.value {
                    let shaped = branches.map { render($0, mode: .filter) }
                    v = "[" + (mode == .filter ? shaped.sorted() : shaped).joined(separator: ", ") + "]"
                } else if f.key == "pipeline", case .array = f.value {
                    // nested pipelines ($lookup, $unionWith) keep their stages in order
                    v = renderPipeline(f.value)
                } else if f.key == "$facet", case .document(let facets) = f.value {
                    let shaped = facets.map { "\($0.key): \(renderPipeline($0.value))" }
                    v = "{" + shaped.joined(separator: ", ") + "}"
                } else {
                    v = render(f.value, mode: mode)
                }
                parts.append((f.key, v))
            }
            if mode == .filter {
                parts.sort { a, b in
                    a.0.utf8.lexicographicallyPrecedes(b.0.utf8)
                        || (a.0 == b.0 && a.1.utf8.lexicographicallyPrecedes(b.1.utf8))
                }
            }
            return "{" + parts.map { "\($0.0): \($0.1)" }.joined(separator: ", ") + "}"
        }
    }

    static func renderArray(_ items: [ShapeNode], mode: Mode) -> String {
        if items.isEmpty { return "[]" }
        var scalarKinds = Set<ScalarKind>()
        var others: [String] = []
        for item in items {
            switch item {
            case .scalar(let k): scalarKinds.insert(k)
            default: others.append(render(item, mode: mode))
            }
        }
        if others.isEmpty {
            if scalarKinds.count == 1, let k = scalarKinds.first { return "?array<?\(k.rawValue)>" }
            return "?array<>"
        }
        // Arrays of documents or arrays: one entry per distinct element shape, canonical order.
        var distinct = Array(Set(others)).sorted()
        if !scalarKinds.isEmpty { distinct.append("?array<>") }
        return "[" + distinct.joined(separator: ", ") + "]"
    }

    static func renderPipeline(_ node: ShapeNode) -> String {
        guard case .array(let stages) = node else { return render(node, mode: .filter) }
        let shaped = stages.map { stage -> String in
            guard case .document(let fields) = stage, fields.count == 1, let f = fields.first else {
                return render(stage, mode: .filter)
            }
            let mode: Mode = (f.key == "$sort" || f.key == "$project") ? .ordered : .filter
            return render(.document([f]), mode: mode)
        }
        return "[" + shaped.joined(separator: ", ") + "]"
    }
}
