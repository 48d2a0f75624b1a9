/// The terminal screen of `tail`: top shapes over the sliding window and since start, recent OOM
/// kills, and the line accounting. Rendered from `LiveState` (call on the follower thread).
public enum LiveDisplay {
    public static func render(_ live: LiveState, top: Int, width: Int, color: Bool, sort: ShapeSort = .total) -> String {
        let bold = color ? "\u{1B}[1m" : "", reset = color ? "\u{1B}[0m" : "", dim = color ? "\u{1B}[2m" : ""
        let now = Clock.monotonicMillis()
        let table = TableReporter()
        var out = ""
        let up = (now - live.startedAt) / 1000
        out += "\(bold)bottleneck tail\(reset)  up \(up / 3600)h\(up / 60 % 60)m\(up % 60)s"
        out += "  checkpoints \(live.checkpoints)\(live.checkpointFailures > 0 ? " (\(live.checkpointFailures) failed)" : "")"
        out += "  rotations \(live.rotations)\n\n"

        let windowTable = live.window.table(now: now)
        let minutes = live.window.spanMillis / 60_000
        out += section("Last \(minutes > 0 ? "\(minutes) min" : "\(live.window.spanMillis / 1000) s")", windowTable, top: top, width: width, sort: sort, table: table, bold: bold, reset: reset)
        out += "\n" + section("Since start", live.result.shapes, top: top, width: width, sort: sort, table: table, bold: bold, reset: reset)

        out += "\n\(bold)OOM kills\(reset): \(live.metrics.oomKills.values.reduce(0, +))\n"
        for (k, file) in live.recentOOMKills.suffix(5).reversed() {
            let when = k.timestamp?.iso8601 ?? k.uptimeSeconds.map { "uptime \($0)s" } ?? "?"
            let rss = k.anonRssKB.map { " anon-rss \(TableReporter.group($0 / 1024)) MiB" } ?? ""
            out += "  \(when)  \(k.processName ?? "?") pid \(k.pid.map(String.init) ?? "?")\(rss)  \(dim)\(file)\(reset)\n"
        }

        out += "\n\(bold)Lines\(reset)\n"
        for i in live.result.inputs {
            out += "  \(i.path) [\(i.format)]: \(TableReporter.group(i.lines)) = \(TableReporter.group(i.recognized)) recognized (\(TableReporter.count(i.slowOps, "slow op"))) + \(TableReporter.group(i.skippedTotal)) skipped\n"
        }
        var skipped: [SkipReason: Int64] = [:]
        for i in live.result.inputs { for (k, v) in i.skipped { skipped[k, default: 0] += v } }
        if !skipped.isEmpty {
            out += "  \(dim)skipped: " + skipped.sorted { $0.key < $1.key }.map { "\($0.key.rawValue) \(TableReporter.group($0.value))" }.joined(separator: ", ") + "\(reset)\n"
        }
        return out
    }

    static func section(_ title: String, _ shapes: ShapeTable, top: Int, width: Int, sort: ShapeSort,
                        table: TableReporter, bold: String, reset: String) -> String {
        let result = RunSummary()
        result.shapes.merge(shapes)
        let report = Report(result: result, sort: sort)
        let shown = report.shapes.prefix(top)
        let out = "\(bold)\(title): top \(shown.count) of \(report.shapes.count) shapes, \(TableReporter.group(shapes.operations)) operations\(reset)\n"
        if shown.isEmpty { return out + "  (none)\n" }
        let headers = ["#", "namespace", "op", "count", "total ms", "mean", "p95", "max", "plan", "shape"]
        var rows: [[String]] = []
        for (i, s) in shown.enumerated() {
            let plan = s.plans.max { a, b in a.value != b.value ? a.value < b.value : a.key > b.key }?.key ?? "-"
            rows.append([String(i + 1), s.namespace, s.operation, TableReporter.group(s.count), TableReporter.group(s.durationTotal),
                         TableReporter.num(s.meanMillis), TableReporter.num(s.histogram.quantile(0.95)),
                         TableReporter.group(s.histogram.max), plan, s.shape.text])
        }
        return out + table.layout(headers: headers, rows: rows, width: width, bold: bold, reset: reset)
    }
}
