/// The shape parts of a legacy command, found by the roles of `CommandShape` (shared with the
/// logv2 parser): for each part, where its value starts and its literal-free fingerprint. The
/// parser looks shapes up by fingerprint and reads trees (`parts`) only on a cache miss.
struct PartSlots {
    /// filter, sort, projection, pipeline, update.
    var offsets: (Int, Int, Int, Int, Int) = (-1, -1, -1, -1, -1)
    var hashes: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
    /// `distinct`'s `key` (a field name, kept as text).
    var distinctKey: Range<Int>?

    typealias B = UnsafeRawBufferPointer

    /// Records the value at `at` for `role`; returns the position after it.
    @discardableResult
    mutating func set(_ role: CommandShape.Role, _ b: B, _ at: Int, limit: Int) -> Int {
        var r = ShellShapeReader(b, from: at, to: limit)
        var h = FNV1a64()
        r.fingerprint(into: &h)
        switch role {
        case .filter: offsets.0 = at; hashes.0 = h.value
        case .sort: offsets.1 = at; hashes.1 = h.value
        case .projection: offsets.2 = at; hashes.2 = h.value
        case .pipeline: offsets.3 = at; hashes.3 = h.value
        case .update: offsets.4 = at; hashes.4 = h.value
        case .distinctKey, .statements: break
        }
        return r.i
    }

    /// Top-level fields of a command document (or a write statement's `{ q, u }`) that feed
    /// `operation`'s shape.
    mutating func collect(_ b: B, _ doc: Range<Int>, limit: Int, operation: String, statement: Bool = false) {
        collect(b, from: doc.lowerBound, to: doc.upperBound, operation: operation, statement: statement)
    }

    /// The same for the document starting at `start` (its `{`), read no further than `end`;
    /// returns the position after its closing `}` (or where reading stopped).
    @discardableResult
    mutating func collect(_ b: B, from start: Int, to end: Int, operation: String, statement: Bool = false) -> Int {
        var r = ShellShapeReader(b, from: start + 1, to: end)
        while let k = r.nextKey() {
            if r.valueIsMissing() { continue }
            r.skipSpaces()
            let name = String(decoding: B(rebasing: b[k]), as: UTF8.self)
            guard let role = CommandShape.role(of: name, operation: operation, statement: statement) else {
                r.skipValue()
                continue
            }
            switch role {
            case .distinctKey:
                distinctKey = LegacyTextParser.collectionName(b, r.i, r.end)
                r.skipValue()
            case .statements:
                // `updates: [ { q: …, u: … }, … ]` (2.6-3.4 batches): the first statement shapes.
                let start = r.i
                r.skipValue()
                if b[start] == UInt8(ascii: "[") {
                    var e = ShellShapeReader(b, from: start + 1, to: r.i)
                    if e.nextElement(), e.i < e.end, b[e.i] == UInt8(ascii: "{") {
                        let s = e.i
                        e.skipValue()
                        collect(b, s..<e.i, limit: end, operation: operation, statement: true)
                    }
                }
            default:
                r.i = set(role, b, r.i, limit: end)
            }
        }
        return r.i
    }

    /// A legacy `query:` document: `{ $query: …, $orderby: … }` and `{ query: …, orderby: … }`
    /// wrappers become filter and sort; anything else is the filter itself.
    mutating func collectLegacyQuery(_ b: B, _ doc: Range<Int>, limit: Int) {
        var r = ShellShapeReader(b, from: doc.lowerBound + 1, to: doc.upperBound)
        var query = -1, orderby = -1
        var dollarQuery = false
        var onlyModifiers = true
        while let k = r.nextKey() {
            let key = B(rebasing: b[k])
            if r.valueIsMissing() { onlyModifiers = false; continue }
            r.skipSpaces()
            let at = r.i
            if ShellShapeReader.equals(key, "$query") { query = at; dollarQuery = true }
            else if ShellShapeReader.equals(key, "query") { if !dollarQuery { query = at } }
            else if ShellShapeReader.equals(key, "$orderby") || ShellShapeReader.equals(key, "orderby") { orderby = at }
            else if !(key.first == UInt8(ascii: "$") || PartSlots.isModifier(key)) { onlyModifiers = false }
            r.skipValue()
        }
        if query >= 0 && (dollarQuery || onlyModifiers), b[query] == UInt8(ascii: "{") {
            set(.filter, b, query, limit: doc.upperBound)
            if orderby >= 0, b[orderby] == UInt8(ascii: "{") { set(.sort, b, orderby, limit: doc.upperBound) }
        } else {
            set(.filter, b, doc.lowerBound, limit: doc.upperBound)
        }
    }

    static func isModifier(_ k: B) -> Bool {
        for m: StaticString in ["hint", "explain", "snapshot", "maxScan", "min", "max", "comment", "returnKey",
                                "showDiskLoc", "maxTimeMS", "readPreference"] where ShellShapeReader.equals(k, m) {
            return true
        }
        return false
    }

    func addFingerprints(to h: inout FNV1a64, _ b: B) {
        PartSlots.add(&h, 1, offsets.0, hashes.0)
        PartSlots.add(&h, 2, offsets.1, hashes.1)
        PartSlots.add(&h, 3, offsets.2, hashes.2)
        PartSlots.add(&h, 4, offsets.3, hashes.3)
        PartSlots.add(&h, 5, offsets.4, hashes.4)
        if let k = distinctKey {
            h.add(6)
            h.add(B(rebasing: b[k]))
            h.add(0)
        }
    }

    @inline(__always) static func add(_ h: inout FNV1a64, _ tag: UInt8, _ offset: Int, _ v: UInt64) {
        guard offset >= 0 else { return }
        h.add(tag)
        for s in 0..<8 { h.add(UInt8(truncatingIfNeeded: v >> (8 * UInt64(s)))) }
    }

    /// The trees, read again from the recorded offsets (cache misses only).
    func parts(_ b: B, limit: Int, operation: String) -> Shaper.Parts {
        var parts = Shaper.Parts()
        let slots: [(Int, CommandShape.Role)] = [(offsets.0, .filter), (offsets.1, .sort), (offsets.2, .projection),
                                                 (offsets.3, .pipeline), (offsets.4, .update)]
        for (at, role) in slots where at >= 0 {
            var r = ShellShapeReader(b, from: at, to: limit)
            CommandShape.assign(r.node().0, role: role, operation: operation, to: &parts)
        }
        if let k = distinctKey { parts.distinctKey = String(decoding: B(rebasing: b[k]), as: UTF8.self) }
        return parts
    }
}
