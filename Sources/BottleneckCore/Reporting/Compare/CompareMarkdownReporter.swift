import Foundation

/// `compare --format markdown`: a table for a pull-request comment or a CI job summary.
public struct CompareMarkdownReporter: CompareReporter {
    public let name = "markdown"
    public let summary = "Markdown for a pull-request comment"
    public init() {}

    /// Pipes and newlines would break a table cell; backticks a code span.
    static func cell(_ s: String) -> String {
        s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
    static func code(_ s: String) -> String {
        let t = s.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "|", with: "\\|")
        return t.contains("`") ? "`` " + t + " ``" : "`" + t + "`"
    }

    public func write(_ c: Comparison, context: CompareContext, to out: any ReportOutput) {
        let bits = c.exitBits(failOn: context.failOn)
        var s = "### Bottleneck compare: " + (bits == 0 ? "no gating change" : TableReporter.count(Int64(c.findings.filter { CompareText.status($0, failOn: context.failOn) == "FAIL" }.count), "gating finding")) + "\n\n"
        s += "- Baseline: \(Self.cell(CompareText.side(c.baseline)))\n- Current: \(Self.cell(CompareText.side(c.current)))\n"
        for n in c.notes { s += "- Note: \(Self.cell(n))\n" }
        s += "\n"
        if c.findings.isEmpty {
            s += "No change found among \(c.shapesJoined) shapes on both sides.\n"
        } else {
            s += "| | verdict | shape | n | p50 | p95 | p95 ratio [95% CI] | Δ slow time |\n|---|---|---|--:|--:|--:|--:|--:|\n"
            for f in CompareText.ordered(c, failOn: context.failOn) {
                let subject = f.process.map { "process " + Self.code($0) }
                    ?? "\(Self.code("\(f.namespace ?? "") \(f.operation ?? "")")) \(Self.code(f.shapeId ?? ""))"
                s += "| \(CompareText.status(f, failOn: context.failOn)) | \(CompareText.verdict(f.verdict)) | \(subject) | \(CompareText.counts(f)) | "
                s += "\(CompareText.pair(f.baseline?.p50, f.current?.p50)) | \(CompareText.pair(f.baseline?.p95, f.current?.p95)) | "
                s += "\(CompareText.ratio(f.p95Ratio, f.p95Interval)) | \(f.process == nil ? CompareText.delta(f.deltaMillis) : "-") |\n"
            }
            s += "\n<details><summary>Why, and the shapes</summary>\n\n"
            for f in CompareText.ordered(c, failOn: context.failOn) {
                s += "- **\(CompareText.verdict(f.verdict))** \(Self.code(f.shapeId ?? f.process ?? "")): \(Self.cell(f.reason))"
                if !f.also.isEmpty { s += " (also: \(f.also.map(CompareText.verdict).joined(separator: ", ")))" }
                if let a = f.acknowledged { s += " — acknowledged until \(a.expires.iso8601.prefix(10)): \(Self.cell(a.reason))" }
                if let shape = f.shape { s += "<br>" + Self.code(String(shape.prefix(400))) }
                s += "\n"
            }
            s += "\n</details>\n"
        }
        s += "\n\(CompareText.tally(c, failOn: context.failOn)); \(CompareText.exitLine(c, failOn: context.failOn)) (gating: \(CompareGate.allCases.filter { context.failOn.contains($0) }.map(\.rawValue).joined(separator: ", ")))\n"
        out.write(s)
    }
}
