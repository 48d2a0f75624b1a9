import Foundation

/// An output format of `compare` (and `baseline`): renders a finished `Comparison`. A new one
/// is one file plus one line in `CompareReporterRegistry.reporters`.
public protocol CompareReporter: Sendable {
    var name: String { get }
    var summary: String { get }
    func write(_ c: Comparison, context: CompareContext, to out: any ReportOutput)
}

/// What a rendering needs besides the comparison: the gates in force and the exit status.
public struct CompareContext: Sendable {
    public var failOn: Set<CompareGate>
    public var width: Int
    public var color: Bool
    public init(failOn: Set<CompareGate> = CompareGate.defaults, width: Int = 160, color: Bool = false) {
        self.failOn = failOn
        self.width = width
        self.color = color
    }
}

public enum CompareReporterRegistry {
    public static let reporters: [any CompareReporter] = [
        CompareTableReporter(),
        CompareJSONReporter(),
        CompareMarkdownReporter(),
    ]
    public static func reporter(named name: String) -> (any CompareReporter)? { reporters.first { $0.name == name } }
    public static var names: [String] { reporters.map(\.name) }
}

/// Words shared by the renderings.
enum CompareText {
    static func side(_ s: CompareSide) -> String {
        var parts: [String] = []
        if let f = s.first, let l = s.last { parts.append("\(OOMTableSection.shortTime(f)) → \(OOMTableSection.shortTime(l))") }
        if let w = s.windowMillis { parts.append(Comparison.duration(w)) }
        if !s.hosts.isEmpty { parts.append(s.hosts.count <= 3 ? s.hosts.joined(separator: ", ") : "\(s.hosts.count) hosts") }
        parts.append("\(TableReporter.group(s.operations)) operations in \(TableReporter.group(Int64(s.shapes.count))) shapes")
        return s.name + " (" + parts.joined(separator: "; ") + ")"
    }

    /// The findings in print order: those that gate under `failOn` first, then warnings,
    /// informational, improvements and acknowledged ones, each by the size of the change.
    static func ordered(_ c: Comparison, failOn: Set<CompareGate>) -> [CompareFinding] {
        let rank = ["FAIL": 0, "warn": 1, "info": 2, "better": 3, "ack": 4]
        return c.findings.enumerated().sorted { a, b in
            let x = rank[status(a.element, failOn: failOn)]!, y = rank[status(b.element, failOn: failOn)]!
            return x != y ? x < y : a.offset < b.offset
        }.map(\.element)
    }

    static func verdict(_ v: CompareVerdict) -> String { v.rawValue.replacingOccurrences(of: "-", with: " ") }

    static func status(_ f: CompareFinding, failOn: Set<CompareGate>) -> String {
        if f.acknowledged != nil { return "ack" }
        guard let g = f.verdict.gate else { return f.verdict.isImprovement ? "better" : "info" }
        return failOn.contains(g) ? "FAIL" : "warn"
    }

    static func subject(_ f: CompareFinding) -> String {
        if let p = f.process { return "process \(p)" }
        return "\(f.namespace ?? "") \(f.operation ?? "") \(f.shapeId ?? "")"
    }

    static func counts(_ f: CompareFinding) -> String {
        if let k = f.kills { return "\(k.before) → \(k.after) kills" }
        return "\(f.baseline.map { TableReporter.group($0.count) } ?? "0") → \(f.current.map { TableReporter.group($0.count) } ?? "0")"
    }

    static func pair(_ a: Double?, _ b: Double?) -> String {
        "\(a.map(Comparison.ms) ?? "-") → \(b.map(Comparison.ms) ?? "-")"
    }

    static func ratio(_ r: Double?, _ ci: (low: Double, high: Double)?) -> String {
        guard let r else { return "-" }
        return "×" + Comparison.num(r) + (ci.map { " [\(Comparison.num($0.low)), \(Comparison.num($0.high))]" } ?? "")
    }

    static func delta(_ ms: Int64) -> String {
        let sign = ms > 0 ? "+" : ms < 0 ? "-" : ""
        let m = ms.magnitude
        if m >= 10_000 { return sign + TableReporter.group(Int64(clamping: (m + 500) / 1000)) + " s" }
        return sign + TableReporter.group(Int64(clamping: m)) + " ms"
    }

    /// "exit status 10: latency (2) + plan (8)".
    static func exitLine(_ c: Comparison, failOn: Set<CompareGate>) -> String {
        let bits = c.exitBits(failOn: failOn)
        let parts = CompareGate.allCases.filter { bits & $0.bit != 0 }.map { "\($0.rawValue) (\($0.bit))" }
        return "exit status \(bits)" + (parts.isEmpty ? ": no gating finding" : ": " + parts.joined(separator: " + "))
    }

    static func tally(_ c: Comparison, failOn: Set<CompareGate>) -> String {
        var n: [String: Int] = [:]
        for f in c.findings { n[status(f, failOn: failOn), default: 0] += 1 }
        let order = ["FAIL", "warn", "info", "better", "ack"]
        let words = ["FAIL": "gating", "warn": "warning", "info": "informational", "better": "improvement", "ack": "acknowledged"]
        let parts = order.compactMap { k in n[k].map { "\($0) \(words[k]!)" } }
        return parts.isEmpty ? "no change found" : parts.joined(separator: ", ")
    }
}
