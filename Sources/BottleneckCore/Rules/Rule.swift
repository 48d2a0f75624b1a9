/// How bad a finding is. Ordered: info < warning < critical.
public enum RuleSeverity: String, Sendable, CaseIterable, Comparable {
    case info, warning, critical
    var rank: Int {
        switch self {
        case .info: return 0
        case .warning: return 1
        case .critical: return 2
        }
    }
    public static func < (a: RuleSeverity, b: RuleSeverity) -> Bool { a.rank < b.rank }
}

/// What a rule looks at.
public enum RuleTarget: String, Sendable, CaseIterable {
    /// Each slow operation as it is parsed (with its raw log line as the `line` field).
    case slowOperation
    /// Each query shape's aggregate at the end of the run.
    case shape
    /// Each kernel OOM kill, with counts of the kills before it.
    case oomKill
    /// Each raw log line, whatever it holds.
    case line

    public var fields: [FieldSpec] {
        switch self {
        case .slowOperation: return OperationFields.specs
        case .shape: return ShapeFields.specs
        case .oomKill: return KillFields.specs
        case .line: return LineFields.specs
        }
    }

    /// Fields a message may name besides the target's own (the subject a finding is grouped on).
    public var templateFields: [FieldSpec] {
        switch self {
        case .shape: return ShapeFields.specs
        case .slowOperation, .line: return ShapeFields.specs + GroupFields.eventSpecs
        case .oomKill: return KillFields.specs + GroupFields.killSpecs
        }
    }
}

public enum FieldKind: String, Sendable {
    case string, number, bool
    /// Raw bytes of a log line: regexes only, never shown in messages.
    case text
}

/// One field a rule may test or print.
public struct FieldSpec: Sendable {
    public let name: String
    public let kind: FieldKind
    public let help: String
    public init(_ name: String, _ kind: FieldKind, _ help: String) {
        self.name = name
        self.kind = kind
        self.help = help
    }
}

public enum FieldValue: Sendable, Equatable {
    case string(String)
    case number(Double)
    case bool(Bool)
}

public enum CompareOp: String, Sendable, CaseIterable {
    case gt, gte, lt, lte, eq, ne
    func holds(_ a: Double, _ b: Double) -> Bool {
        switch self {
        case .gt: return a > b
        case .gte: return a >= b
        case .lt: return a < b
        case .lte: return a <= b
        case .eq: return a == b
        case .ne: return a != b
        }
    }
}

/// A compiled condition. Field references are indices into the target's `fields`.
public indirect enum RuleCondition: Sendable {
    case all([RuleCondition])
    case any([RuleCondition])
    case not(RuleCondition)
    case matches(field: Int, regex: PCRE2Regex, negate: Bool)
    case compare(field: Int, op: CompareOp, value: Double)
    case equals(field: Int, value: FieldValue)
    case exists(field: Int, present: Bool)

    /// Indices of the numeric fields the condition compares: the evidence a finding shows.
    var comparedFields: [Int] {
        switch self {
        case .all(let cs), .any(let cs): return cs.flatMap { $0.comparedFields }
        case .not(let c): return c.comparedFields
        case .compare(let f, _, _): return [f]
        case .matches, .equals, .exists: return []
        }
    }
}

/// A message or advice text with `{field}` / `{field:pct}` placeholders, split once at load.
public struct RuleTemplate: Sendable {
    public enum Piece: Sendable {
        case literal(String)
        /// `{name}`, `{name:pct}` (0..1 as a percentage), `{name|text}` (text when absent).
        case field(name: String, percent: Bool, fallback: String?)
    }
    public let pieces: [Piece]
    public let source: String
}

/// An inline example: field values, or raw log text run through the parsers, and whether the
/// rule must match it.
public struct RuleExample: Sendable {
    public let values: [Int: FieldValue]
    /// `log:` examples: one or more log lines (a kernel report may span many).
    public var log: String? = nil
    public let shouldMatch: Bool
    /// Where it is in the file (`examples.matching[2]`).
    public let path: String
}

/// Group-level thresholds for event rules (slowOperation, line): the finding on a shape is
/// reported only when its matching events are frequent or costly enough ("hot shapes").
public struct RuleThreshold: Sendable {
    public var minEvents: Int64 = 1
    public var minTotalMs: Int64 = 0
    /// Share of all slow-operation time in the run (0...1).
    public var minTimeShare: Double = 0
}

/// One loaded rule.
public struct Rule: Sendable {
    public let id: String
    public let title: String
    public let severity: RuleSeverity
    public let target: RuleTarget
    public let condition: RuleCondition
    public let message: RuleTemplate
    public let advice: RuleTemplate
    public let examples: [RuleExample]
    public let threshold: RuleThreshold
    /// The file it came from.
    public let file: String
}
