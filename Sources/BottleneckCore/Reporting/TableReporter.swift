/// The terminal table: ranked shapes, then the line accounting footer.
public struct TableReporter: Reporter {
    public static let name = "table"
    public init() {}

    public func render(_ report: Report, options: ReportOptions) -> String {
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
                TableReporter.group(s.yieldsTotal), TableReporter.num(s.examinedRatio), s.shape.text,
            ])
        }
        out += layout(headers: headers, rows: rows, width: options.width, bold: bold, reset: reset)

        // Footer: accounting.
        out += "\n\(bold)Lines\(reset)\n"
        for i in report.inputs {
            let status = i.error.map { " \(red)error: \($0)\(reset)" } ?? ""
            out += "  \(i.path) [\(i.format)\(i.isGzip ? ", gzip" : "")]: \(TableReporter.group(i.lines)) lines = "
            out += "\(TableReporter.group(i.recognized)) recognized (\(TableReporter.group(i.slowOps)) slow ops) + "
            out += "\(TableReporter.group(i.skippedTotal)) skipped\(status)\n"
        }
        out += "  total: \(TableReporter.group(report.totalLines)) lines = \(TableReporter.group(report.totalRecognized)) recognized + \(TableReporter.group(report.totalSkipped)) skipped; "
        out += "\(TableReporter.group(report.totalSlowOps)) slow-op lines, \(TableReporter.group(report.foldedWriteTwins)) folded write twins, "
        out += "\(TableReporter.group(report.operations)) operations in \(TableReporter.group(Int64(report.shapes.count))) shapes\n"
        let skipped = report.skippedByReason
        if !skipped.isEmpty {
            out += "  \(dim)skipped: " + skipped.sorted { $0.key < $1.key }.map { "\($0.key.rawValue) \(TableReporter.group($0.value))" }.joined(separator: ", ") + "\(reset)\n"
        }
        return out
    }

    /// Lays out columns; the last column (shape) takes what width is left and is cut with "…".
    func layout(headers: [String], rows: [[String]], width: Int, bold: String, reset: String) -> String {
        let n = headers.count
        var widths = headers.map { TableReporter.displayWidth($0) }
        for r in rows { for c in 0..<(n - 1) { widths[c] = max(widths[c], TableReporter.displayWidth(r[c])) } }
        widths[1] = min(widths[1], 40)
        let fixed = widths[0..<(n - 1)].reduce(0, +) + 2 * (n - 1)
        let shapeWidth = max(12, width - fixed)
        let rightAligned: Set<Int> = [0, 3, 4, 5, 6, 7, 8, 10, 11]
        func cell(_ s: String, _ c: Int) -> String {
            let w = c == n - 1 ? shapeWidth : widths[c]
            let t = TableReporter.cut(s, to: w)
            let pad = String(repeating: " ", count: max(0, w - TableReporter.displayWidth(t)))
            if c == n - 1 { return t }
            return rightAligned.contains(c) ? pad + t : t + pad
        }
        var out = bold + (0..<n).map { cell(headers[$0], $0) }.joined(separator: "  ") + reset + "\n"
        for r in rows { out += (0..<n).map { cell(r[$0], $0) }.joined(separator: "  ") + "\n" }
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
        let neg = v < 0
        var s = String(neg ? -v : v)
        var i = s.count - 3
        while i > 0 {
            s.insert(",", at: s.index(s.startIndex, offsetBy: i))
            i -= 3
        }
        return neg ? "-" + s : s
    }

    static func num(_ v: Double) -> String {
        if v >= 100 { return group(Int64(v.rounded())) }
        return JSONWriter.formatDouble((v * 10).rounded() / 10)
    }
}
