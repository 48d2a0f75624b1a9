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
    public init(rule: String, count: Int64, reason: String, firstInput: Int?, firstLine: Int?) {
        self.rule = rule
        self.count = count
        self.reason = reason
        self.firstInput = firstInput
        self.firstLine = firstLine
    }
}

/// Findings (ranked) and aborts of a run.
public struct RuleResults: Sendable {
    public var findings: [Finding] = [] {
        didSet { indexByShape() }
    }
    public var aborts: [RuleAbort] = []
    public var rulesEvaluated = 0
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

    /// Severity first, then the share of time or kills accounted for, then rule id.
    static func rank(_ a: Finding, _ b: Finding) -> Bool {
        if a.severity != b.severity { return a.severity > b.severity }
        if a.share != b.share { return a.share > b.share }
        if a.accountedMs != b.accountedMs { return a.accountedMs > b.accountedMs }
        if a.kills != b.kills { return a.kills > b.kills }
        if a.rule != b.rule { return a.rule < b.rule }
        return "\(a.subject)" < "\(b.subject)"
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
        if abs(p) >= 10 { return String(Int64(p.rounded())) + "%" }
        return JSONWriter.formatDouble((p * 10).rounded() / 10) + "%"
    }
}
