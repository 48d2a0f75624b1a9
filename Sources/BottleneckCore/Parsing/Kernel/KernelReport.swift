/// The header of one OOM report, accumulated line by line until its kill line
/// (reference/oom-killer.md §5: start on `invoked oom-killer:`, close on the kill).
struct KernelReport {
    var open = false
    var headerSeen = false
    var killsInReport = 0
    var startLine = 0
    var oomGroup: String?

    var invoker: String?
    var invokerPid: Int64?
    var invokerAdj: Int64?
    var gfpMask: String?
    var order: Int64?
    var nodemask: String?
    var cpuset: String?
    var memsAllowed: String?

    var constraint: String?
    var constraintInferred = false
    var oomMemcg: String?
    var taskMemcg: String?
    var globalHint = false
    var memcgHint = false

    var usage: Int64?, limit: Int64?, failcnt: Int64?
    var swapUsage: Int64?, swapLimit: Int64?
    var memswUsage: Int64?, memswLimit: Int64?
    var kmemUsage: Int64?

    /// 5.0+ `oom-kill:` summary.
    var summaryTask: String?
    var summaryPid: Int64?
    var summaryUid: Int64?
    var summaryLine = 0
    var summaryTime = LineTime()
    var summaryConsumed = false

    /// ≤5.0 `Kill process … score … or sacrifice child`.
    var chosenPid: Int64?
    var chosenName: String?
    var score: Int64?

    /// Task table: count of numeric columns after the pid (from the header), largest rows.
    var taskColumns: Int?
    var largest: [TaskRSS] = []

    static let keepTasks = 5

    mutating func addTask(pid: Int64, rssPages: Int64, name: () -> String) {
        let kb = rssPages * 4
        if largest.count == KernelReport.keepTasks, let last = largest.last, last.rssKB >= kb { return }
        let t = TaskRSS(pid: pid, name: name(), rssKB: kb)
        var i = largest.count
        while i > 0, largest[i - 1].rssKB < kb { i -= 1 }
        largest.insert(t, at: i)
        if largest.count > KernelReport.keepTasks { largest.removeLast() }
    }

    /// Fills the report's fields into an event.
    func apply(to k: inout OOMKill) {
        k.headerSeen = headerSeen
        k.invoker = invoker
        k.invokerPid = invokerPid
        k.invokerOomScoreAdj = invokerAdj
        k.gfpMask = gfpMask
        k.order = order
        k.nodemask = nodemask
        k.cpuset = cpuset
        k.memsAllowed = memsAllowed
        k.oomMemcg = oomMemcg
        k.taskMemcg = taskMemcg
        k.memcgUsageKB = usage
        k.memcgLimitKB = limit
        k.memcgFailcnt = failcnt
        k.swapUsageKB = swapUsage
        k.swapLimitKB = swapLimit
        k.memswUsageKB = memswUsage
        k.memswLimitKB = memswLimit
        k.kmemUsageKB = kmemUsage
        k.chosenPid = chosenPid
        k.chosenProcessName = chosenName
        k.score = score
        k.oomGroup = oomGroup
        k.largestTasks = largest
        if let constraint {
            k.constraint = constraint
            k.constraintInferred = constraintInferred
        } else if memcgHint || oomMemcg != nil || usage != nil {
            k.constraint = "CONSTRAINT_MEMCG"
            k.constraintInferred = true
        } else if globalHint {
            k.constraint = "CONSTRAINT_NONE"
            k.constraintInferred = true
        }
        let cg = taskMemcg ?? oomMemcg
        var parts = cg.map(KernelCgroup.parse) ?? KernelCgroup.Parts()
        if parts.containerId == nil, let cpuset, let p = KernelCgroup.containerFromCpuset(cpuset) {
            parts.containerId = p.containerId
            parts.runtime = parts.runtime ?? p.runtime
        }
        k.containerId = parts.containerId
        k.podUid = parts.podUid
        k.containerRuntime = parts.runtime
    }
}

/// The time of one line: kernel monotonic µs and/or wall-clock millis.
struct LineTime {
    var mono: Int64?
    var wall: Int64?
    var wallSource: KernelWallSource?
}
