/// The terminal table: ranked shapes, then the line accounting footer.
public struct TableReporter: Reporter {
    public let name = "table"
    public let summary = "terminal table, the default"

    public func write(_ report: Report, options: ReportOptions, to out: any ReportOutput) {
        out.write(text(report, options: options))
    }
    public init() {}

    func text(_ report: Report, options: ReportOptions) -> String {
        var out = ""
        let bold = options.color ? "\u{1B}[1m" : ""
        let dim = options.color ? "\u{1B}[2m" : ""
        let red = options.color ? "\u{1B}[31m" : ""
        let reset = options.color ? "\u{1B}[0m" : ""

        let shown = report.shapes.prefix(options.top)
        out += "\(bold)Top \(shown.count) of \(report.shapes.count) query shapes by \(report.sort.rawValue)\(reset)\n"
        let headers = ["#", "namespace", "op", "count", "total ms", "mean", "p95", "p99", "max", "plan", "yields", "ex/ret", "shape"]
        var rows: [[String]] = []
        for (i, s) in shown.enumerated() {
            let topPlan = s.plans.max { a, b in a.value != b.value ? a.value < b.value : a.key > b.key }?.key ?? "-"
            let planCell = s.plans.count > 1 ? "\(topPlan) +\(s.plans.count - 1)" : topPlan
            rows.append([
                String(i + 1), s.namespace, s.operation, TableReporter.group(s.count), TableReporter.group(s.durationTotal),
                TableReporter.num(s.meanMillis), TableReporter.num(s.histogram.quantile(0.95)),
                TableReporter.num(s.histogram.quantile(0.99)), TableReporter.group(s.histogram.max), planCell,
                TableReporter.group(s.yieldsTotal), TableReporter.num(s.examinedRatio), s.shape.text.isEmpty ? "-" : s.shape.text,
            ])
        }
        out += layout(headers: headers, rows: rows, width: options.width, bold: bold, reset: reset)
        if !rows.isEmpty {
            out += "\(dim)ms: milliseconds of slow time; p95/p99/max: of one operation's duration; plan: the most used plan "
            out += "(+N other plans); yields: total; ex/ret: documents examined per document returned\(reset)\n"
        }
        out += FindingsTableSection.render(report.rules, options: options)

        if let hosts = HostSection(report) {
            let g = TableReporter.group
            out += "\n\(bold)Hosts\(reset) (\(hosts.hosts.count); a shape's hosts are in the JSON report)\n"
            let total = max(1, hosts.hosts.reduce(Int64(0)) { $0.addingSaturated($1.totalMillis) })
            let rows = hosts.hosts.map { h in
                [h.name, g(Int64(h.inputs)), g(h.lines), g(h.operations), g(h.totalMillis),
                 String(Int((Double(h.totalMillis) / Double(total) * 100).rounded())) + "%"]
            }
            out += layout(headers: ["host", "inputs", "lines", "operations", "total ms", "share"], rows: rows,
                          width: options.width, bold: bold, reset: reset)
        }

        if options.groupByHost {
            let g = TableReporter.group
            for host in HostSection.byHost(report, top: options.top) {
                let state = report.members.byHost[host.host]?.lastState.map { ", \($0)" } ?? ""
                out += "\n\(bold)Host \(host.host)\(reset) (\(g(host.operations)) operations, ~\(g(host.estimatedMillis)) ms\(state))\n"
                let rows = host.shapes.enumerated().map { i, s -> [String] in
                    [String(i + 1), s.shape.namespace, s.shape.operation, g(s.count),
                     String(Int((s.share * 100).rounded())) + "%", g(s.estimatedMillis), s.shape.shape.text.isEmpty ? "-" : s.shape.shape.text]
                }
                out += layout(headers: ["#", "namespace", "op", "count here", "of shape", "~ms here", "shape"], rows: rows,
                              width: options.width, bold: bold, reset: reset)
            }
        }

        if !report.members.isEmpty {
            let g = TableReporter.group
            out += "\n\(bold)Replica-set members\(reset) (as their logs name them)\n"
            let rows = report.members.byHost.sorted(by: { $0.key < $1.key }).map { host, h -> [String] in
                let last = h.transitions.last.map { t in (t.millis.map { OOMTableSection.shortTime(Timestamp(millis: $0)) } ?? "-") } ?? "-"
                return [host, h.replicaSet ?? "-", h.lastState ?? "-", g(Int64(h.transitions.count).addingSaturated(h.droppedTransitions)),
                        g(Int64(h.startups.count)), last]
            }
            out += layout(headers: ["host", "replica set", "state", "transitions", "startups", "last change"], rows: rows,
                          width: options.width, bold: bold, reset: reset)
        }

        out += OOMTableSection.render(report.oom, options: options)

        // Footer: accounting.
        out += "\n\(bold)Lines\(reset)\n"
        for i in report.inputs {
            let status = i.error.map { " \(red)error: \($0)\(reset)" } ?? ""
            out += "  \(i.path) [\(i.format)\(i.isGzip ? ", gzip" : "")]: \(TableReporter.count(i.lines, "line")) = "
            out += "\(TableReporter.group(i.recognized)) recognized (\(TableReporter.count(i.slowOps, "slow op"))) + "
            out += "\(TableReporter.group(i.skippedTotal)) skipped\(status)\n"
            if i.unreadableTimestamps > 0 {
                out += "    \(red)note:\(reset) \(TableReporter.group(i.unreadableTimestamps)) slow operations with an unreadable timestamp (kept, no time)\n"
            }
        }
        out += "  total: \(TableReporter.count(report.totalLines, "line")) = \(TableReporter.group(report.totalRecognized)) recognized + \(TableReporter.group(report.totalSkipped)) skipped; "
        out += "\(TableReporter.count(report.totalSlowOps, "slow-op line")), \(TableReporter.count(report.foldedWriteTwins, "folded write twin")), "
        out += "\(TableReporter.count(report.operations, "operation")) in \(TableReporter.count(Int64(report.shapes.count), "shape"))\n"
        let filtered = report.inputs.reduce(Int64(0)) { $0.addingSaturated($1.filteredOut) }
        if filtered > 0 {
            out += "  filters (--since, --until, --ns, --op, --exclude-ns, --exclude-op, --min-ms, --plan) removed \(TableReporter.count(filtered, "event"))\n"
        }
        let skipped = report.skippedByReason
        if !skipped.isEmpty {
            out += "  \(dim)skipped: " + skipped.sorted { $0.key < $1.key }.map { "\($0.key.rawValue) \(TableReporter.group($0.value))" }.joined(separator: ", ") + "\(reset)\n"
        }
        if let other = report.other {
            let g = TableReporter.group
            out += "  memory budget: at most \(g(Int64(report.maxShapes ?? 0))) shapes kept; \(g(report.evictions)) evictions put "
            out += "\(g(other.count)) operations (\(g(other.durationTotal)) ms) in (other), so totals stay exact; "
            out += "kept counts may be short by up to \(g(report.maxCountError)) (bound: operations / max shapes = \(g(report.countErrorBound)))\n"
        }
        return out
    }

    /// Lays out columns; the last column (shape) takes what width is left and is cut with "…".
    /// On narrow terminals the least important columns are dropped first.
    func layout(headers: [String], rows: [[String]], width: Int, bold: String, reset: String) -> String {
        let rightAligned: Set<String> = ["#", "count", "total ms", "mean", "p95", "p99", "max", "yields", "ex/ret"]
        // Narrow terminals: minor columns go first, then the namespace is shortened (to 16),
        // and only then plan, p95 and op, so that rows stay tellable apart (rank, namespace, op,
        // count, total, p95 and plan identify a shape's row).
        let dropOrder = ["ex/ret", "yields", "p99", "max", "mean"]
        let lastResort = ["plan", "p95", "op"]
        var keep = Array(headers.indices)
        var namespaceCap = 40
        var planCap = Int.max
        func widths(_ cols: [Int]) -> [Int] {
            cols.map { c in
                var w = TableReporter.displayWidth(headers[c])
                for r in rows { w = max(w, TableReporter.displayWidth(r[c])) }
                if headers[c] == "namespace" { return min(w, namespaceCap) }
                return headers[c] == "plan" ? min(w, planCap) : w
            }
        }
        var w = widths(keep)
        // Minor columns go while the shape would get less than 20 columns; the identifying ones
        // are kept down to a 12-column shape.
        var minShape = 20
        func overflow() -> Int { w.dropLast().reduce(0, +) + 2 * (keep.count - 1) + minShape - width }
        for name in dropOrder where overflow() > 0 {
            if let i = keep.firstIndex(where: { headers[$0] == name }) {
                keep.remove(at: i)
                w = widths(keep)
            }
        }
        minShape = 12
        if overflow() > 0, let ns = keep.firstIndex(where: { headers[$0] == "namespace" }) {
            namespaceCap = max(16, w[ns] - overflow())
            w = widths(keep)
        }
        if overflow() > 0, let p = keep.firstIndex(where: { headers[$0] == "plan" }) {
            planCap = max(8, w[p] - overflow())  // the plan kind stays readable: `IXSCAN {…`
            w = widths(keep)
        }
        for name in lastResort where overflow() > 0 {
            if let i = keep.firstIndex(where: { headers[$0] == name }) {
                keep.remove(at: i)
                w = widths(keep)
            }
        }
        let fixed = w.dropLast().reduce(0, +) + 2 * (keep.count - 1)
        w[w.count - 1] = max(12, width - fixed)
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (k, c) in keep.enumerated() {
                let t = TableReporter.cut(cells[c], to: w[k])
                if k == keep.count - 1 { parts.append(t); continue }
                let pad = String(repeating: " ", count: max(0, w[k] - TableReporter.displayWidth(t)))
                parts.append(rightAligned.contains(headers[c]) ? pad + t : t + pad)
            }
            return parts.joined(separator: "  ")
        }
        var out = bold + line(headers) + reset + "\n"
        for r in rows { out += line(r) + "\n" }
        return out
    }

    static func displayWidth(_ s: String) -> Int { s.unicodeScalars.count }

    static func cut(_ s: String, to width: Int) -> String {
        if displayWidth(s) <= width { return s }
        guard width > 1 else { return "…" }
        return String(String.UnicodeScalarView(s.unicodeScalars.prefix(width - 1))) + "…"
    }

    /// 1234567 → "1,234,567".
    static func group(_ v: Int64) -> String {
        groupDigits(String(v.magnitude), negative: v < 0)
    }

    /// `1 slow op`, `2 slow ops`, `1,024 operations`: a grouped count with the noun that fits.
    static func count(_ v: Int64, _ singular: String, _ plural: String? = nil) -> String {
        group(v) + " " + (v == 1 ? singular : plural ?? singular + "s")
    }

    /// Groups a string of decimal digits by thousands.
    static func groupDigits(_ digits: String, negative neg: Bool) -> String {
        var s = digits
        var i = s.count - 3
        while i > 0 {
            s.insert(",", at: s.index(s.startIndex, offsetBy: i))
            i -= 3
        }
        return neg ? "-" + s : s
    }

    /// A latency or ratio cell: grouped integers from 100 on, one decimal below. Any value
    /// prints (past Int64 too); not finite prints `-`.
    static func num(_ v: Double) -> String {
        guard v.isFinite else { return "-" }
        if v >= 100 {
            let r = v.rounded()
            if r < 9_223_372_036_854_775_808.0 { return group(Int64(r)) }
            return groupDigits(JSONWriter.integerDigits(r), negative: false)
        }
        return JSONWriter.formatDouble((v * 10).rounded() / 10)
    }
}
