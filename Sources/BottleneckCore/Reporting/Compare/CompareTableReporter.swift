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
            var header = ["", "verdict", "subject", "n before → after", "Δ slow time", "p95 ratio [95% CI]", "p50", "p95"]
            var rows: [[String]] = []
            let ordered = CompareText.ordered(c, failOn: context.failOn)
            for f in ordered {
                rows.append([CompareText.status(f, failOn: context.failOn), CompareText.verdict(f.verdict), CompareText.subject(f),
                             CompareText.counts(f), f.process == nil ? CompareText.delta(f.deltaMillis) : "-",
                             CompareText.ratio(f.p95Ratio, f.p95Interval),
                             CompareText.pair(f.baseline?.p50, f.current?.p50), CompareText.pair(f.baseline?.p95, f.current?.p95)])
            }
            func widths() -> [Int] {
                header.indices.map { i in max(TableReporter.displayWidth(header[i]), rows.map { TableReporter.displayWidth($0[i]) }.max() ?? 0) }
            }
            // Narrow terminals: p50 goes first, then p95, then the ratio's interval.
            func fits() -> Bool { widths().reduce(2 * (header.count - 1), +) <= context.width }
            for _ in 0..<2 where !fits() {
                header.removeLast()
                for i in rows.indices { rows[i].removeLast() }
            }
            if !fits() {
                header[5] = "p95 ratio"
                for i in rows.indices { rows[i][5] = String(rows[i][5].prefix { $0 != " " }) }
            }
            if !fits() { header[3] = "n" }
            // Still too wide: namespaces are shortened (the operation and the shape id stay whole).
            if !fits() {
                let excess = widths().reduce(2 * (header.count - 1), +) - context.width
                let target = max(widths()[2] - excess, 24)
                for (i, f) in ordered.enumerated() where TableReporter.displayWidth(rows[i][2]) > target {
                    guard let ns = f.namespace, let op = f.operation, let id = f.shapeId else { continue }
                    let keep = max(3, target - op.count - id.count - 3)
                    rows[i][2] = String(ns.prefix(keep)) + "… " + op + " " + id
                }
            }
            let w = widths()
            func line(_ r: [String]) -> String {
                let text = r.indices.map { i in r[i] + String(repeating: " ", count: w[i] - TableReporter.displayWidth(r[i])) }
                    .joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
                return TableReporter.cut(text, to: max(context.width, 40)) + "\n"
            }
            s += line(header)
            for (f, r) in zip(ordered, rows) {
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
