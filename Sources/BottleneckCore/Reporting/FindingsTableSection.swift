/// The findings section of the table: ranked by severity, then by the share of time or kills
/// each accounts for; message and advice wrapped to the width; aborted rule matches last.
enum FindingsTableSection {
    static func render(_ results: RuleResults, options: ReportOptions) -> String {
        guard !results.findings.isEmpty || !results.aborts.isEmpty || !results.omitted.isEmpty else { return "" }
        let bold = options.color ? "\u{1B}[1m" : ""
        let dim = options.color ? "\u{1B}[2m" : ""
        let reset = options.color ? "\u{1B}[0m" : ""
        func colour(_ s: RuleSeverity) -> String {
            guard options.color else { return "" }
            switch s {
            case .critical: return "\u{1B}[31m"
            case .warning: return "\u{1B}[33m"
            case .info: return "\u{1B}[36m"
            }
        }
        var out = "\n"
        let counts = RuleSeverity.allCases.reversed().compactMap { s -> String? in
            let n = results.findings.filter { $0.severity == s }.count
            return n > 0 ? "\(n) \(s.rawValue)" : nil
        }
        out += "\(bold)Findings\(reset) (\(results.findings.count): \(counts.joined(separator: ", ")))\n"
        let shown = results.findings.prefix(options.maxFindings)
        let width = max(40, options.width)
        // The same advice is printed once; later findings point back to it.
        var adviceShownAt: [String: Int] = [:]
        for (i, f) in shown.enumerated() {
            out += "\(String(i + 1)). \(colour(f.severity))[\(f.severity.rawValue)]\(reset) \(bold)\(f.title)\(reset) \(dim)(\(f.rule))\(reset)\n"
            out += "   \(dim)\(subjectLine(f))\(reset)\n"
            out += wrap(f.message, indent: "   ", width: width)
            if let first = adviceShownAt[f.advice] {
                out += "   \(dim)advice: as for finding \(first)\(reset)\n"
            } else {
                adviceShownAt[f.advice] = i + 1
                out += wrap("advice: " + f.advice, indent: "   ", width: width)
            }
        }
        if results.findings.count > shown.count {
            out += "   \(dim)… \(results.findings.count - shown.count) more findings (raise --max-findings, or --format json)\(reset)\n"
        }
        for o in results.omitted {
            out += "   \(dim)rule \(o.rule): \(TableReporter.group(o.count)) more matching subjects not listed (at most \(results.perRuleLimit) per rule, by time; --max-findings-per-rule)\(reset)\n"
        }
        for a in results.aborts {
            let at = a.firstLine.map { " (first at input \(a.firstInput ?? 0) line \($0))" } ?? ""
            if a.disabled {
                out += "rule \(a.rule): switched off after \(a.count) matches aborted at the \(a.reason)\(at); its findings are left out\n"
            } else {
                out += "rule \(a.rule): \(a.count) matches aborted at the \(a.reason)\(at); counted as not matching\n"
            }
        }
        return out
    }

    static func subjectLine(_ f: Finding) -> String {
        var s: String
        switch f.subject {
        case .shape(let id, let ns, let op, _):
            s = "shape \(id) \(ns) \(op)"
        case .kill(let process, let host, let pid, let time, _, let line):
            s = "kill of \(process)" + (host.map { " on \($0)" } ?? "") + (pid.map { " pid \($0)" } ?? "") + (time.map { " at \($0.iso8601)" } ?? "") + (line.map { " (line \($0))" } ?? "")
        case .lines(let input, let line):
            s = "log lines from input \(input) line \(line)"
        }
        if f.accountedMs > 0 { s += " · \(RuleNumber.format(f.accountedMs)) ms (\(RuleNumber.percent(f.share)))" }
        if f.kills > 0 { s += " · " + TableReporter.count(Int64(f.kills), "matching kill") }
        return s
    }

    /// Greedy word wrap; words longer than the line stay whole.
    static func wrap(_ text: String, indent: String, width: Int) -> String {
        var out = ""
        var line = indent
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            if line.count > indent.count && line.count + 1 + word.count > width {
                out += line + "\n"
                line = indent
            }
            if line.count > indent.count { line += " " }
            line += word
        }
        if line.count > indent.count { out += line + "\n" }
        return out
    }
}
