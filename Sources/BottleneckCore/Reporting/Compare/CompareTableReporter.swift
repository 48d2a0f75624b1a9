import Foundation

/// `compare`'s terminal table: one row per finding, gating first, by change in slow time.
public struct CompareTableReporter: CompareReporter {
    public let name = "table"
    public let summary = "terminal table"
    public init() {}

    public func write(_ c: Comparison, context: CompareContext, to out: any ReportOutput) {
        var s = "Baseline: \(CompareText.side(c.baseline))\nCurrent:  \(CompareText.side(c.current))\n"
        for n in c.notes { s += "note: \(n)\n" }
        s += "Shapes on both sides: \(TableReporter.group(Int64(c.shapesJoined))); latency tested on \(c.latencyTested) (enough operations on both sides), rates on \(c.rateTested)\n\n"
        if c.findings.isEmpty {
            s += "No change found.\n"
        } else {
            let header = ["", "verdict", "subject", "n before → after", "p50", "p95", "p95 ratio [95% CI]", "Δ slow time"]
            var rows: [[String]] = []
            for f in CompareText.ordered(c, failOn: context.failOn) {
                rows.append([CompareText.status(f, failOn: context.failOn), CompareText.verdict(f.verdict), CompareText.subject(f),
                             CompareText.counts(f), CompareText.pair(f.baseline?.p50, f.current?.p50),
                             CompareText.pair(f.baseline?.p95, f.current?.p95), CompareText.ratio(f.p95Ratio, f.p95Interval),
                             f.process == nil ? CompareText.delta(f.deltaMillis) : "-"])
            }
            let widths = header.indices.map { i in max(TableReporter.displayWidth(header[i]), rows.map { TableReporter.displayWidth($0[i]) }.max() ?? 0) }
            func line(_ r: [String]) -> String {
                r.indices.map { i in r[i] + String(repeating: " ", count: widths[i] - TableReporter.displayWidth(r[i])) }
                    .joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) + "\n"
            }
            s += line(header)
            for (f, r) in zip(CompareText.ordered(c, failOn: context.failOn), rows) {
                s += line(r)
                var why = "      " + f.reason
                if !f.also.isEmpty { why += " (also: \(f.also.map(CompareText.verdict).joined(separator: ", ")))" }
                if let a = f.acknowledged { why += " [acknowledged until \(a.expires.iso8601.prefix(10)): \(a.reason)]" }
                s += TableReporter.cut(why, to: max(context.width, 40)) + "\n"
                if let shape = f.shape { s += TableReporter.cut("      shape: " + shape, to: max(context.width, 40)) + "\n" }
            }
        }
        for a in c.expiredAcknowledgements {
            s += "note: the acknowledgement of \(a.subject) (\(a.verdict ?? "any verdict")) expired on \(a.expires.iso8601.prefix(10)) and silences nothing\n"
        }
        s += "\n\(CompareText.tally(c, failOn: context.failOn)); \(CompareText.exitLine(c, failOn: context.failOn))\n"
        out.write(s)
    }
}
