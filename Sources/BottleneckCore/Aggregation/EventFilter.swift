/// The `analyze` filters: --since/--until, --ns (glob), --op, --min-ms, --plan.
public struct EventFilter: Sendable {
    public var since: Timestamp?
    public var until: Timestamp?
    public var namespaceGlobs: [String] = []
    public var operations: Set<String> = []
    public var minMillis: Int64?
    public var planKinds: Set<String> = []
    /// `--exclude-op`, `--exclude-ns`: operations and namespaces left out.
    public var excludedOperations: Set<String> = []
    public var excludedNamespaceGlobs: [String] = []

    public init() {}

    public var isEmpty: Bool {
        since == nil && until == nil && namespaceGlobs.isEmpty && operations.isEmpty && minMillis == nil && planKinds.isEmpty
            && excludedOperations.isEmpty && excludedNamespaceGlobs.isEmpty
    }

    public func accepts(_ event: Event) -> Bool {
        if since != nil || until != nil {
            guard let t = event.timestamp else { return false }
            if let s = since, t < s { return false }
            if let u = until, t >= u { return false }
        }
        guard case .slowOperation(let op) = event else { return true }
        if let m = minMillis, op.durationMillis < m { return false }
        if !operations.isEmpty, !operations.contains(op.operation.lowercased()) { return false }
        if !planKinds.isEmpty, !planKinds.contains((op.plan?.kind ?? "none").uppercased()) { return false }
        if !namespaceGlobs.isEmpty, !namespaceGlobs.contains(where: { Glob.matches($0, op.namespace) }) { return false }
        if !excludedOperations.isEmpty, excludedOperations.contains(op.operation.lowercased()) { return false }
        if !excludedNamespaceGlobs.isEmpty, excludedNamespaceGlobs.contains(where: { Glob.matches($0, op.namespace) }) { return false }
        return true
    }
}

/// Shell-style globs: `*` any run, `?` one character, `[abc]` a set.
public enum Glob {
    public static func matches(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern.utf8), t = Array(text.utf8)
        var pi = 0, ti = 0, star = -1, mark = 0
        func classMatch(_ at: Int, _ c: UInt8) -> (Bool, Int)? {
            var i = at + 1
            var ok = false
            var negate = false
            if i < p.count, p[i] == UInt8(ascii: "!") || p[i] == UInt8(ascii: "^") { negate = true; i += 1 }
            let begin = i
            while i < p.count, p[i] != UInt8(ascii: "]") || i == begin {
                if i + 2 < p.count, p[i + 1] == UInt8(ascii: "-"), p[i + 2] != UInt8(ascii: "]") {
                    if c >= p[i] && c <= p[i + 2] { ok = true }
                    i += 3
                } else {
                    if p[i] == c { ok = true }
                    i += 1
                }
            }
            guard i < p.count else { return nil }
            return (ok != negate, i + 1)
        }
        while ti < t.count {
            if pi < p.count, p[pi] == UInt8(ascii: "*") {
                star = pi; mark = ti; pi += 1; continue
            }
            if pi < p.count {
                if p[pi] == UInt8(ascii: "?") { pi += 1; ti += 1; continue }
                if p[pi] == UInt8(ascii: "["), let (ok, next) = classMatch(pi, t[ti]) {
                    if ok { pi = next; ti += 1; continue }
                } else if p[pi] == t[ti] { pi += 1; ti += 1; continue }
            }
            if star >= 0 { pi = star + 1; mark += 1; ti = mark; continue }
            return false
        }
        while pi < p.count, p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }
}
