/// What a finding is about.
public enum FindingSubject: Sendable, Equatable {
    /// A query shape (namespace, operation, shape text, 16-hex id).
    case shape(id: String, namespace: String, operation: String, text: String)
    /// The last OOM kill of a group (process name, pid, time, where it was logged).
    case kill(process: String, host: String?, pid: Int64?, time: Timestamp?, input: Int?, line: Int?)
    /// Raw lines that belong to no shape.
    case lines(firstInput: Int, firstLine: Int)

    public var shapeId: String? {
        if case .shape(let id, _, _, _) = self { return id }
        return nil
    }

    /// A cheap total order for ties in ranking (no reflection: it runs n log n times).
    func precedes(_ other: FindingSubject) -> Bool {
        switch (self, other) {
        case (.shape(let a, _, _, _), .shape(let b, _, _, _)):
            return a < b
        case (.kill(let pa, let ha, let ia, let ta, let na, let la), .kill(let pb, let hb, let ib, let tb, let nb, let lb)):
            if pa != pb { return pa < pb }
            if (ha ?? "") != (hb ?? "") { return (ha ?? "") < (hb ?? "") }
            if (ta?.millis ?? .min) != (tb?.millis ?? .min) { return (ta?.millis ?? .min) < (tb?.millis ?? .min) }
            if (ia ?? -1) != (ib ?? -1) { return (ia ?? -1) < (ib ?? -1) }
            if (na ?? -1) != (nb ?? -1) { return (na ?? -1) < (nb ?? -1) }
            return (la ?? -1) < (lb ?? -1)
        case (.lines(let ia, let la), .lines(let ib, let lb)):
            return (ia, la) < (ib, lb)
        default:
            return order < other.order
        }
    }

    private var order: Int {
        switch self {
        case .shape: return 0
        case .kill: return 1
        case .lines: return 2
        }
    }
}

/// One rule's verdict on one subject, with the numbers behind it.
public struct Finding: Sendable {
    public let rule: String
    public let severity: RuleSeverity
    public let title: String
    public let message: String
    public let advice: String
    public let subject: FindingSubject
    /// Named numbers: counts, times and the values the rule's comparisons tested.
    public let evidence: [(name: String, value: Double)]
    /// Slow-operation time the finding accounts for (ms), 0 for kills.
    public let accountedMs: Double
    /// Kills the finding accounts for, 0 for shapes.
    public let kills: Int64
    /// accountedMs / all slow-operation time, or kills / all kills: the rank within a severity.
    public let share: Double
}

/// A rule whose regex hit a limit on some subjects: those subjects counted as not matched.
public struct RuleAbort: Sendable, Equatable {
    public let rule: String
    public var count: Int64
    public let reason: String
    /// Where the first abort happened, when it was on a line or an event.
    public let firstInput: Int?
    public let firstLine: Int?
    /// The rule hit `RuleRun.abortBudget` aborts and was switched off for the rest of the run; its
    /// findings are left out (they would cover only part of the input). `count` is then the budget.
    public var disabled: Bool
    public init(rule: String, count: Int64, reason: String, firstInput: Int?, firstLine: Int?, disabled: Bool = false) {
        self.rule = rule
        self.count = count
        self.reason = reason
        self.firstInput = firstInput
        self.firstLine = firstLine
        self.disabled = disabled
    }
}

/// Findings (ranked) and aborts of a run.
public struct RuleResults: Sendable {
    public var findings: [Finding] = [] {
        didSet { indexByShape() }
    }
    public var aborts: [RuleAbort] = []
    /// Per rule, subjects that matched but are not listed because the rule already has
    /// `maxFindingsPerRule` findings (the ones accounting for the most time are kept).
    public var omitted: [(rule: String, count: Int64)] = []
    public var rulesEvaluated = 0
    /// The per-rule limit these results were made with (`--max-findings-per-rule`).
    public var perRuleLimit = RuleResults.maxFindingsPerRule
    /// Findings listed per rule at most; the rest are counted in `omitted`. Bounds memory and
    /// report size when millions of shapes match a rule.
    public static let maxFindingsPerRule = 100  // the default of `--max-findings-per-rule`
    private var byShape: [String: [Int]] = [:]
    public init() {}

    /// The findings about one shape (16-hex id), in rank order.
    public func findings(forShape id: String) -> [Finding] {
        (byShape[id] ?? []).map { findings[$0] }
    }

    private mutating func indexByShape() {
        byShape = [:]
        for (i, f) in findings.enumerated() {
            if let id = f.subject.shapeId { byShape[id, default: []].append(i) }
        }
    }

    /// The first `limit` elements in `areInOrder` order, without sorting everything.
    static func top<T>(_ xs: [T], limit: Int, by areInOrder: (T, T) -> Bool) -> [T] {
        if xs.count <= limit { return xs.sorted(by: areInOrder) }
        var heapless = Array(xs.prefix(limit)).sorted(by: areInOrder)
        for x in xs.dropFirst(limit) where areInOrder(x, heapless[limit - 1]) {
            var i = limit - 1
            while i > 0 && areInOrder(x, heapless[i - 1]) { i -= 1 }
            heapless.insert(x, at: i)
            heapless.removeLast()
        }
        return heapless
    }

    /// Severity first, then the share of time or kills accounted for, then rule id.
    static func rank(_ a: Finding, _ b: Finding) -> Bool {
        if a.severity != b.severity { return a.severity > b.severity }
        if a.share != b.share { return a.share > b.share }
        if a.accountedMs != b.accountedMs { return a.accountedMs > b.accountedMs }
        if a.kills != b.kills { return a.kills > b.kills }
        if a.rule != b.rule { return a.rule < b.rule }
        return a.subject.precedes(b.subject)
    }
}

extension RuleTemplate {
    /// Fills placeholders; an absent value prints its fallback, or `?`; an empty text its fallback, or `-`.
    func render(_ lookup: (String) -> FieldValue?) -> String {
        var out = ""
        for piece in pieces {
            switch piece {
            case .literal(let s): out += s
            case .field(let name, let percent, let fallback):
                switch lookup(name) {
                case .string(let s)?: out += s.isEmpty ? (fallback ?? "-") : s
                case .bool(let b)?: out += b ? "true" : "false"
                case .number(let v)?:
                    if percent {
                        out += RuleNumber.percent(v)
                    } else if RuleNumber.identifiers.contains(name), abs(v) < 9.0e18 {
                        out += String(Int64(v))
                    } else {
                        out += RuleNumber.format(v)
                    }
                case nil: out += fallback ?? "?"
                }
            }
        }
        return out
    }
}

/// Number formatting in messages: `1,234,567`, `12.5`, `0.37`, `42%`.
public enum RuleNumber {
    /// Numeric fields that are identifiers, printed without digit grouping.
    static let identifiers: Set<String> = ["pid"]

    public static func format(_ v: Double) -> String {
        guard v.isFinite else { return "?" }
        if abs(v) >= 9.0e18 { return "\(v)" }
        if abs(v) >= 100 || v == v.rounded() { return TableReporter.group(Int64(v.rounded())) }
        if abs(v) >= 10 { return JSONWriter.formatDouble((v * 10).rounded() / 10) }
        return JSONWriter.formatDouble((v * 100).rounded() / 100)
    }

    public static func percent(_ v: Double) -> String {
        guard v.isFinite else { return "?" }
        let p = v * 100
        if abs(p) >= 9.0e18 { return "\(p)%" }
        if abs(p) >= 10 { return String(Int64(p.rounded())) + "%" }
        return JSONWriter.formatDouble((p * 10).rounded() / 10) + "%"
    }
}
