/// Recognizes the message text of each part of an OOM report (reference/oom-killer.md §1, §8)
/// and feeds the report state machine.
enum KernelMessage: Equatable {
    case start, cpuset, cpuLine, taskIn, memUsage, stats, taskHeader, taskRow, summary
    case chosen, kill, reaper, noKill, group, memInfo, suppressed, restart, otherOOM
}

extension KernelOOMParser {
    /// Classifies and consumes one message; nil when it is not part of an OOM report.
    func handle(_ m: UnsafeRawBufferPointer, time: LineTime, lineNumber: Int, emit: (Event) -> Void) -> KernelMessage? {
        let n = m.count
        guard n > 0 else { return nil }
        let c0 = m[0]
        if c0 == UInt8(ascii: "[") { return taskTableLine(m) }
        if c0 == UInt8(ascii: "o") {
            if KB.has(m, "oom-kill:", at: 0) { summary(m, time: time, lineNumber: lineNumber, emit: emit); return .summary }
            if KB.has(m, "oom_reaper: ", at: 0) { reaper(m); return .reaper }
            if KB.has(m, "oom_kill_process: ", at: 0), KB.find(m, "callbacks suppressed") != nil { return .suppressed }
            if KB.has(m, "oom killer ", at: 0), KB.find(m, " has mm pinned by ") != nil { return .otherOOM }
        }
        if let k = KB.find(m, " invoked oom-killer: "), k <= 24 { start(m, time: time, lineNumber: lineNumber, emit: emit); return .start }
        if let k = KB.find(m, "Killed process "), KernelOOMParser.isKillPrefix(m, k),
           kill(m, time: time, lineNumber: lineNumber, emit: emit) { return .kill }
        if let k = KB.find(m, "Kill process "), KernelOOMParser.isKillPrefix(m, k) {
            if KB.find(m, " or sacrifice child", from: k) != nil { chosen(m, at: k, emit: emit); return .chosen }
            if KB.find(m, " sharing same memory", from: k) != nil { return .otherOOM }
        }
        switch c0 {
        case UInt8(ascii: "C"):
            if KB.has(m, "CPU: ", at: 0), KB.find(m, " PID: ") != nil, KB.find(m, " Comm: ") != nil { cpuLine(m); return .cpuLine }
        case UInt8(ascii: "P"):
            if KB.has(m, "Pid: ", at: 0), KB.find(m, ", comm: ") != nil { cpuLine(m); return .cpuLine }
        case UInt8(ascii: "T"):
            if KB.has(m, "Task in ", at: 0), let k = KB.find(m, " killed as a result of limit of ") {
                ensureOpen(emit: emit)
                report.taskMemcg = KB.string(m, 8..<KB.tokenEnd(m, 8, to: k))
                report.oomMemcg = KB.string(m, (k + 32)..<KB.tokenEnd(m, k + 32))
                report.memcgHint = true
                return .taskIn
            }
            if KB.has(m, "Tasks in ", at: 0), let k = KB.find(m, " are going to be killed due to memory.oom.group set", from: 9) {
                // Printed after the first victim's kill line: reopen the report for the group.
                let group = KB.string(m, 9..<k)
                report.oomGroup = group
                report.open = true
                if let (pid, _) = lastKill, let idx = pending.lastIndex(where: { $0.pid == pid }) { pending[idx].oomGroup = group }
                return .group
            }
            if KB.has(m, "Tasks state (memory values in pages):", at: 0) { return .taskHeader }
        case UInt8(ascii: "O"):
            if KB.has(m, "Out of memory and no killable processes", at: 0) { noKill(time: time, lineNumber: lineNumber, emit: emit); return .noKill }
            if KB.has(m, "Out of memory", at: 0), KB.find(m, "is already exiting. Skip killing") != nil { return .otherOOM }
        case UInt8(ascii: "M"):
            if KB.has(m, "Memory cgroup stats for ", at: 0) {
                ensureOpen(emit: emit)
                if report.oomMemcg == nil, let colon = KB.find(m, ":", from: 24) { report.oomMemcg = KB.string(m, 24..<colon) }
                report.memcgHint = true
                return .stats
            }
            if KB.has(m, "Mem-Info:", at: 0) { report.globalHint = true; return .memInfo }
            if KB.has(m, "Memory limit reached of cgroup ", at: 0) {
                report.oomMemcg = KB.string(m, 31..<KB.tokenEnd(m, 31))
                report.memcgHint = true
                return .otherOOM
            }
            if KB.has(m, "Memory cgroup out of memory: ", at: 0) { return .otherOOM }
        case UInt8(ascii: "m"), UInt8(ascii: "s"), UInt8(ascii: "k"):
            if let r = memUsage(m, emit: emit) { return r }
        default:
            break
        }
        // `<comm> cpuset=<path> mems_allowed=<nodes>`: only in that order (a line with the two
        // words the other way round is not this message, and must not make a reversed range).
        if let cs = KB.find(m, " cpuset="), let ma = KB.find(m, " mems_allowed=", from: cs + 8) {
            report.cpuset = KB.string(m, (cs + 8)..<ma)
            report.memsAllowed = KB.string(m, KB.trimmed(m, (ma + 14)..<n))
            return .cpuset
        }
        if isRestart(m) { restart(m, time: time); return .restart }
        return nil
    }

    /// What may precede `Killed process` / `Kill process`: nothing, or the kernel's `<msg>: `.
    static func isKillPrefix(_ m: UnsafeRawBufferPointer, _ k: Int) -> Bool {
        k == 0 || (k >= 15 && KB.has(m, ": ", at: k - 2)
            && (KB.has(m, "Out of memory", at: 0) || KB.has(m, "Memory cgroup out of memory", at: 0)))
    }

    // MARK: - header

    /// A header part without its `invoked oom-killer` line (the capture starts mid-report):
    /// it opens a report of its own, so the kill that follows still gets the memcg fields.
    private func ensureOpen(emit: (Event) -> Void) {
        guard !report.open || report.killsInReport > 0 else { return }
        closeReport(emit: emit)
        report = KernelReport()
        report.open = true
    }

    private func start(_ m: UnsafeRawBufferPointer, time: LineTime, lineNumber: Int, emit: (Event) -> Void) {
        closeReport(emit: emit)
        flushPending(emit: emit, all: false)
        report = KernelReport()
        report.open = true
        report.headerSeen = true
        report.startLine = lineNumber
        let k = KB.find(m, " invoked oom-killer: ")!
        report.invoker = KB.string(m, 0..<k)
        if let r = KB.value(m, after: "gfp_mask=", from: k) { report.gfpMask = KB.string(m, r) }
        if let r = KB.value(m, after: "nodemask=", from: k) { report.nodemask = KB.string(m, r) }
        report.order = KB.number(m, after: "order=", from: k)
        report.invokerAdj = KB.number(m, after: "oom_score_adj=", from: k)
    }

    private func cpuLine(_ m: UnsafeRawBufferPointer) {
        if KB.has(m, "CPU: ", at: 0) {
            report.invokerPid = KB.number(m, after: " PID: ")
        } else {
            report.invokerPid = KB.number(m, after: "Pid: ")
        }
        // Kernel release: the token before " #" after "tainted"/"Tainted:".
        let from = KB.find(m, "ainted") ?? 0
        if let hash = KB.find(m, " #", from: from) {
            var s = hash
            while s > from, !KB.isSpace(m[s - 1]) { s -= 1 }
            if s < hash, s > from { kernelVersion = KB.string(m, s..<hash) }
        }
    }

    private func memUsage(_ m: UnsafeRawBufferPointer, emit: (Event) -> Void) -> KernelMessage? {
        let kind: Int
        if KB.has(m, "memory: usage ", at: 0) { kind = 0 }
        else if KB.has(m, "memory+swap: usage ", at: 0) { kind = 1 }
        else if KB.has(m, "swap: usage ", at: 0) { kind = 2 }
        else if KB.has(m, "kmem: usage ", at: 0) { kind = 3 }
        else { return nil }
        ensureOpen(emit: emit)
        let u = KB.number(m, after: "usage ")
        let l = KB.number(m, after: "limit ")
        switch kind {
        case 0:
            report.usage = u
            report.limit = l
            report.failcnt = KB.number(m, after: "failcnt ")
        case 1: report.memswUsage = u; report.memswLimit = l
        case 2: report.swapUsage = u; report.swapLimit = l
        default: report.kmemUsage = u
        }
        report.memcgHint = true
        return .memUsage
    }

    /// `[  pid  ]   uid  tgid total_vm      rss … name` and `[ 6976]     0  6976 …  python3`.
    private func taskTableLine(_ m: UnsafeRawBufferPointer) -> KernelMessage? {
        let n = m.count
        var i = 1
        KB.skipSpaces(m, &i)
        if KB.has(m, "pid", at: i) {
            i += 3
            KB.skipSpaces(m, &i)
            guard i < n, m[i] == UInt8(ascii: "]") else { return nil }
            i += 1
            var tokens = 0
            while i < n {
                KB.skipSpaces(m, &i)
                if i >= n { break }
                tokens += 1
                i = KB.tokenEnd(m, i)
            }
            report.taskColumns = max(1, tokens - 1)
            return .taskHeader
        }
        guard report.open, let cols = report.taskColumns, let pid = KB.uint(m, &i), i < n, m[i] == UInt8(ascii: "]") else { return nil }
        i += 1
        // uid tgid total_vm rss …: rss is the 4th number after the pid.
        var rss: Int64 = 0
        for col in 0..<cols {
            KB.skipSpaces(m, &i)
            guard let v = KB.int(m, &i) else { return .taskRow }
            if col == 3 { rss = v }
        }
        KB.skipSpaces(m, &i)
        let nameRange = i..<n
        report.addTask(pid: pid, rssPages: rss) { KB.string(m, nameRange) }
        return .taskRow
    }

    // MARK: - summary, kill lines

    /// `oom-kill:constraint=…,nodemask=…,cpuset=…,mems_allowed=…,oom_memcg=…|global_oom,task_memcg=…,task=…,pid=…,uid=…`
    /// Paths may contain commas, so the tail is anchored from the right (§1.8).
    private func summary(_ m: UnsafeRawBufferPointer, time: LineTime, lineNumber: Int, emit: (Event) -> Void) {
        let n = m.count
        if !report.open || report.killsInReport > 0 || report.summaryPid != nil {
            // A summary without its header (ratelimited or a lone /dev/kmsg record).
            closeReport(emit: emit)
            report = KernelReport()
            report.open = true
            report.startLine = lineNumber
        }
        if let r = KB.value(m, after: "constraint=") { report.constraint = KB.string(m, r); report.constraintInferred = false }
        if let r = KB.value(m, after: ",nodemask=") { report.nodemask = KB.string(m, r) }
        if let c = KB.find(m, ",cpuset="), let ma = KB.find(m, ",mems_allowed=", from: c + 8) {
            report.cpuset = KB.string(m, (c + 8)..<ma)
            if let r = KB.value(m, after: ",mems_allowed=", from: ma) { report.memsAllowed = KB.string(m, r) }
        }
        let uidAt = KB.findLast(m, ",uid=")
        let pidAt = KB.findLast(m, ",pid=", to: uidAt ?? n)
        let taskAt = KB.findLast(m, ",task=", to: pidAt ?? n)
        let tmAt = KB.findLast(m, ",task_memcg=", to: taskAt ?? n)
        if let tmAt {
            report.taskMemcg = KB.string(m, (tmAt + 12)..<(taskAt ?? n))
        }
        if let om = KB.find(m, ",oom_memcg=", to: tmAt ?? taskAt ?? n) {
            report.oomMemcg = KB.string(m, (om + 11)..<(tmAt ?? taskAt ?? n))
        } else if KB.find(m, ",global_oom") != nil {
            report.globalHint = true
        }
        if let taskAt, let pidAt, let uidAt {
            report.summaryTask = KB.string(m, (taskAt + 6)..<pidAt)
            var i = pidAt + 5
            report.summaryPid = KB.uint(m, &i)
            i = uidAt + 5
            report.summaryUid = KB.uint(m, &i)
            report.summaryLine = lineNumber
            report.summaryTime = time
        }
    }

    private func chosen(_ m: UnsafeRawBufferPointer, at k: Int, emit: (Event) -> Void) {
        if !report.open || report.killsInReport > 0 {
            // Header ratelimited: the chosen line opens a report of its own.
            closeReport(emit: emit)
            report = KernelReport()
            report.open = true
        }
        var i = k + 13
        report.chosenPid = KB.uint(m, &i)
        if let open = KB.find(m, "(", from: i), let sc = KB.findLast(m, ") score ", from: open) {
            report.chosenName = KB.string(m, (open + 1)..<sc)
            report.score = KB.number(m, after: ") score ", from: sc)
        }
        if KB.has(m, "Memory cgroup out of memory", at: 0) { report.memcgHint = true }
    }

    /// All kill-line forms (§1.4): el6 `Killed process N, UID N, (comm)`, 3.x–4.4, el7
    /// `(comm), UID N,`, 4.5+ shmem-rss, 5.1+ `<msg>: ` prefix, 5.4+ `UID:` pgtables oom_score_adj.
    private func kill(_ m: UnsafeRawBufferPointer, time: LineTime, lineNumber: Int, emit: (Event) -> Void) -> Bool {
        let n = m.count
        let k = KB.find(m, "Killed process ")!
        var i = k + 15
        guard let pid = KB.uint(m, &i) else { return false }
        var uid: Int64?
        if KB.has(m, ", UID ", at: i) {
            var j = i + 6
            uid = KB.uint(m, &j)
            i = j
        }
        guard let open = KB.find(m, "(", from: i, to: min(n, i + 4)) else { return false }
        // The comm may hold parentheses: end at ") total-vm:", "), UID ", else the last ')'.
        let close = KB.find(m, ") total-vm:", from: open) ?? KB.find(m, "), UID ", from: open) ?? KB.findLast(m, ")", from: open)
        guard let close else { return false }
        let name = KB.string(m, (open + 1)..<close)
        if KB.has(m, "), UID ", at: close) {
            var j = close + 7
            uid = KB.uint(m, &j)
        }
        let belongs = report.open && (report.killsInReport == 0 || report.oomGroup != nil)
        if !belongs {
            closeReport(emit: emit)
            report = KernelReport()
            report.startLine = lineNumber
        }
        if k > 0 {
            if KB.has(m, "Memory cgroup out of memory", at: 0) { report.memcgHint = true } else if KB.has(m, "Out of memory", at: 0) { report.globalHint = true }
        }
        var e = newEvent(lineNumber: lineNumber, time: time)
        report.apply(to: &e)
        e.pid = Int64(pid)
        e.processName = name
        e.uid = uid ?? KB.number(m, after: "UID:", from: close)
        if e.uid == nil, report.summaryPid == pid { e.uid = report.summaryUid }
        e.totalVmKB = KB.number(m, after: "total-vm:", from: close)
        e.anonRssKB = KB.number(m, after: "anon-rss:", from: close)
        e.fileRssKB = KB.number(m, after: "file-rss:", from: close)
        e.shmemRssKB = KB.number(m, after: "shmem-rss:", from: close)
        e.pgtablesKB = KB.number(m, after: "pgtables:", from: close)
        e.oomScoreAdj = KB.number(m, after: "oom_score_adj:", from: close)
        if report.summaryPid == pid { report.summaryConsumed = true }
        report.killsInReport += 1
        if report.oomGroup == nil { report.open = false }
        pending.append(e)
        lastKill = (pid, time)
        lastKillLine = lineNumber
        return true
    }

    private func reaper(_ m: UnsafeRawBufferPointer) {
        let pid: Int64?
        let outcome: String
        if let k = KB.find(m, "reaped process ") {
            var i = k + 15
            pid = KB.uint(m, &i)
            outcome = "reaped"
        } else if let k = KB.find(m, "unable to reap pid:") {
            var i = k + 19
            pid = KB.uint(m, &i)
            outcome = "unable to reap"
        } else { return }
        guard let pid, let idx = pending.lastIndex(where: { $0.pid == pid }) else { return }
        pending[idx].reaperOutcome = outcome
    }

    private func noKill(time: LineTime, lineNumber: Int, emit: (Event) -> Void) {
        if !report.open {
            // Header ratelimited or cut: nothing of an earlier report applies.
            closeReport(emit: emit)
            report = KernelReport()
        }
        var e = newEvent(lineNumber: lineNumber, time: time)
        report.apply(to: &e)
        e.killed = false
        lastKillLine = lineNumber
        pending.append(e)
        report.summaryConsumed = true
        report.open = false
        report.killsInReport += 1
    }

    // MARK: - restarts

    private func isRestart(_ m: UnsafeRawBufferPointer) -> Bool {
        (KB.has(m, "init: ", at: 0) && KB.find(m, "respawning") != nil)
            || KB.find(m, "Scheduled restart job") != nil
            || KB.find(m, "scheduling restart") != nil
    }

    /// Upstart `init: <job> main process ended, respawning`, systemd `<unit>: Scheduled restart job`:
    /// attached to the latest kill within two minutes.
    func restart(_ m: UnsafeRawBufferPointer, time: LineTime) {
        guard let (pid, killTime) = lastKill, let idx = pending.lastIndex(where: { $0.pid == pid }),
              pending[idx].restartJob == nil else { return }
        var delay: Int64?
        if let a = killTime.mono, let b = time.mono { delay = (b - a) / 1000 }
        else if let a = killTime.wall, let b = time.wall { delay = b - a }
        if let delay, delay < 0 || delay > 120_000 { return }
        var s = 0
        if KB.has(m, "init: ", at: 0) { s = 6 } else if let c = KB.find(m, "]: ") { s = c + 3 }
        var e = KB.tokenEnd(m, s)
        if e > s, m[e - 1] == UInt8(ascii: ":") { e -= 1 }
        pending[idx].restartJob = KB.string(m, s..<e)
        pending[idx].restartDelayMillis = delay
    }
}
