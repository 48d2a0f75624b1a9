/// The table report's OOM sections: kills, crash loops, and the timeline around each kill.
/// Empty when the input had no OOM report.
enum OOMTableSection {
    static func render(_ s: OOMSection, options: ReportOptions) -> String {
        guard !s.events.isEmpty else { return "" }
        let bold = options.color ? "\u{1B}[1m" : ""
        let red = options.color ? "\u{1B}[31m" : ""
        let reset = options.color ? "\u{1B}[0m" : ""
        var out = "\n\(bold)OOM kills: \(s.killCount)\(reset)"
        let noKill = s.events.count - Int(s.killCount)
        if noKill > 0 { out += " (+\(noKill) report\(noKill == 1 ? "" : "s") with no killable process)" }
        if s.duplicates > 0 { out += " (\(s.duplicates) duplicate\(s.duplicates == 1 ? "" : "s") of the same kills in other inputs not counted)" }
        out += "\n"
        var rows: [[String]] = [["time (UTC)", "pid", "process", "anon-rss", "usage/limit", "constraint", "cgroup / container", "restart"]]
        let maxRows = 40
        for k in s.events.prefix(maxRows) {
            let time = k.timestamp.map { shortTime($0) } ?? k.uptimeSeconds.map { "uptime \(JSONWriter.formatDouble($0)) s" } ?? "-"
            var usage = "-"
            if let u = k.memcgUsageKB, let l = k.memcgLimitKB {
                usage = "\(kb(u)) / \(kb(l))" + (k.usageRatio.map { " (\(percent($0)))" } ?? "")
            }
            let constraint = (k.constraint.map { $0.replacingPrefix("CONSTRAINT_") } ?? "?") + (k.constraintInferred ? "*" : "")
            let where_ = k.containerId.map { (k.containerRuntime.map { "\($0) " } ?? "") + String($0.prefix(12)) } ?? k.taskMemcg ?? k.oomMemcg ?? "-"
            let restart = k.restartJob.map { j in j + (k.restartDelayMillis.map { " +\(JSONWriter.formatDouble(Double($0) / 1000))s" } ?? "") } ?? "-"
            rows.append([time, k.pid.map(String.init) ?? "-", k.killed ? (k.processName ?? "?") : "(no killable process)",
                         k.anonRssKB.map(kb) ?? "-", usage, constraint, where_, restart])
        }
        out += table(rows, width: options.width)
        if s.events.count > maxRows { out += "  … \(s.events.count - maxRows) more (all in --format json / ndjson)\n" }
        if s.events.contains(where: \.constraintInferred) {
            out += "  * constraint inferred from the report (kernels before 5.0 print none)\n"
        }
        if s.events.contains(where: { $0.timestamp == nil && $0.uptimeSeconds != nil }) {
            out += "  uptime only: boot time unknown (give --boot-time, or include dmesg -T / syslog lines)\n"
        }
        if !s.crashLoops.isEmpty {
            out += "\n\(bold)\(red)Crash loops\(reset)\n"
            for l in s.crashLoops {
                let span = Double(l.last - l.first) / 1000
                let start = l.wallClock ? shortTime(Timestamp(millis: l.first)) : "uptime \(JSONWriter.formatDouble(Double(l.first) / 1000)) s"
                var gaps = l.intervalsMillis.prefix(12).map { JSONWriter.formatDouble(Double($0) / 1000) + "s" }.joined(separator: ", ")
                if l.intervalsMillis.count > 12 { gaps += ", … (\(l.intervalsMillis.count - 12) more)" }
                out += "  \(l.processName) killed \(l.kills)× in \(JSONWriter.formatDouble(span)) s from \(start); intervals \(gaps)"
                if let j = l.restartJob { out += "; restarted by \(j)" }
                out += "\n"
            }
        }
        if s.byCgroup.count > 1 || s.byProcess.count > 1 {
            out += "\n\(bold)Kills by process\(reset): " + s.byProcess.prefix(8).map { "\($0.key) \($0.kills)" }.joined(separator: ", ") + "\n"
            out += "\(bold)Kills by cgroup\(reset): " + s.byCgroup.prefix(8).map { "\(cut($0.key, 48)) \($0.kills)" }.joined(separator: ", ") + "\n"
        }
        // Timeline around each kill with a wall time.
        let windows = s.windows.compactMap { $0 }
        // Without any slow operation in the run (a kernel log alone) there is nothing to show.
        let anySlow = s.minutes.contains { $0.slowOps > 0 } || windows.contains { $0.slowOps > 0 }
        if !windows.isEmpty && anySlow {
            let minutes = s.windowMillis / 60_000
            out += "\n\(bold)Slow queries before each kill (\(minutes) min window)\(reset)\n"
            for w in windows.prefix(10) {
                let k = w.kill
                out += "  \(shortTime(k.timestamp!)) \(k.processName ?? "?") (pid \(k.pid.map(String.init) ?? "?")): "
                out += "\(TableReporter.count(w.slowOps, "slow op")), \(group(w.totalMillis)) ms"
                if let r = w.countRatio { out += "; \(ratio(r)) the rest's rate" } else if w.slowOps > 0 { out += "; none in the rest of the input" }
                if let r = w.latencyRatio { out += ", latency \(ratio(r))" }
                out += "\n"
                for t in w.topShapes {
                    out += "    \(t.namespace) \(t.operation) ×\(t.count), \(group(t.totalMillis)) ms: \(cut(t.shape, options.width - 40))\n"
                }
                // Per-minute buckets from the window start to the kill's minute.
                let from = Timeline.floorDiv(k.timestamp!.millis - w.windowMillis, 60_000) * 60_000
                let to = k.timestamp!.millis
                let shown = s.minutes.filter { $0.start.millis >= from && $0.start.millis <= to }
                let peak = max(1, shown.map(\.slowOps).max() ?? 1)
                for m in shown {
                    let bar = String(repeating: "▇", count: Int((Double(m.slowOps) / Double(peak) * 30).rounded(.up)))
                    let kills = m.kills.map { "← \($0.processName ?? "?") \($0.pid.map(String.init) ?? "")" }.joined(separator: " ")
                    out += "    \(shortTime(m.start).dropFirst(11).prefix(5))  \(pad(group(m.slowOps), 6)) ops \(pad(group(m.totalMillis), 9)) ms  \(bar) \(red)\(kills)\(reset)\n"
                }
            }
        }
        return out
    }

    static func shortTime(_ t: Timestamp) -> String {
        let iso = t.iso8601  // 2026-03-10T10:30:02.345Z
        return String(iso.prefix(10)) + " " + String(iso.dropFirst(11).prefix(12))
    }

    static func kb(_ v: Int64) -> String {
        if v >= 9_000_000_000_000_000 { return "unlimited" }
        let units = ["kB", "MiB", "GiB", "TiB"]
        var x = Double(v)
        var u = 0
        while x >= 1024, u < units.count - 1 { x /= 1024; u += 1 }
        return u == 0 ? "\(v) kB" : JSONWriter.formatDouble((x * 10).rounded() / 10) + " " + units[u]
    }

    static func percent(_ r: Double) -> String { JSONWriter.formatDouble((r * 1000).rounded() / 10) + "%" }
    static func ratio(_ r: Double) -> String { JSONWriter.formatDouble((r * 10).rounded() / 10) + "×" }
    static func group(_ v: Int64) -> String { TableReporter.group(v) }
    static func pad(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
    static func cut(_ s: String, _ w: Int) -> String { s.count <= max(w, 12) ? s : String(s.prefix(max(w, 12) - 1)) + "…" }

    /// Left-aligned columns; the last but one (cgroup) is cut to fit the width.
    static func table(_ rows: [[String]], width: Int) -> String {
        guard let head = rows.first else { return "" }
        var w = head.indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        let total = w.reduce(0, +) + 2 * (w.count - 1) + 2
        if total > width, let cg = head.firstIndex(of: "cgroup / container") {
            w[cg] = max(16, w[cg] - (total - width))
        }
        var out = ""
        for r in rows {
            var line = " "
            for (c, cell) in r.enumerated() {
                let t = cut(cell, w[c])
                line += " " + t + (c == r.count - 1 ? "" : String(repeating: " ", count: max(0, w[c] - t.count + 1)))
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }
}

extension String {
    func replacingPrefix(_ p: String) -> String { hasPrefix(p) ? String(dropFirst(p.count)) : self }
}
