/// A `planSummary` normalized to a plan kind and the index it used.
///
/// `IXSCAN { a: 1, b: -1 }` becomes kind `IXSCAN`, index `{ a: 1, b: -1 }`; a summary with several
/// plans (`IXSCAN { a: 1 }, IXSCAN { b: 1 }`) keeps the first as kind/index and all in `raw`.
public struct PlanSummary: Sendable, Hashable, Codable {
    /// COLLSCAN, IXSCAN, IDHACK, COUNT_SCAN, DISTINCT_SCAN, EOF, EXPRESS_IXSCAN, ...
    public let kind: String
    /// Index key pattern for index plans, without literal values.
    public let index: String?
    /// The summary as logged.
    public let raw: String
    /// Label used in plan mixes: `IXSCAN { a: 1 }` or `COLLSCAN`. Built once here (parsers cache
    /// summaries), not per event in the aggregator.
    public let label: String

    public init(kind: String, index: String?, raw: String) {
        self.kind = kind
        self.index = index
        self.raw = raw
        self.label = index.map { "\(kind) \($0)" } ?? kind
    }

    /// Parses a logged summary such as `IXSCAN { a: 1 }`, `COLLSCAN`, `IXSCAN { a: 1 }, IXSCAN { b: 1 }`.
    public static func parse(_ raw: String) -> PlanSummary {
        let trimmed = raw.trimmingSpaces()
        var kindEnd = trimmed.startIndex
        while kindEnd < trimmed.endIndex, trimmed[kindEnd] != " ", trimmed[kindEnd] != "," {
            kindEnd = trimmed.index(after: kindEnd)
        }
        let kind = String(trimmed[trimmed.startIndex..<kindEnd])
        var index: String? = nil
        var rest = trimmed[kindEnd...].drop(while: { $0 == " " })
        if rest.first == "{" {
            var depth = 0
            var end = rest.startIndex
            for i in rest.indices {
                let c = rest[i]
                if c == "{" { depth += 1 }
                if c == "}" {
                    depth -= 1
                    if depth == 0 { end = rest.index(after: i); break }
                }
            }
            if end > rest.startIndex {
                index = String(rest[rest.startIndex..<end])
                rest = rest[end...]
            }
        }
        return PlanSummary(kind: kind.isEmpty ? "UNKNOWN" : kind, index: index, raw: trimmed)
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}
