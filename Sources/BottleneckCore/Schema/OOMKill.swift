/// One kernel OOM-killer report: a kill, or a report that found nothing to kill.
public struct OOMKill: Sendable, Codable {
    public var format: String
    public var source: SourceLocation
    /// Wall-clock UTC instant when known (boot time known, or a wall-clock transport).
    public var timestamp: Timestamp?
    /// Seconds since boot, when the transport printed it.
    public var uptimeSeconds: Double?

    /// false for "Out of memory and no killable processes".
    public var killed: Bool = true
    public var pid: Int64?
    public var processName: String?
    public var uid: Int64?
    public var totalVmKB: Int64?
    public var anonRssKB: Int64?
    public var fileRssKB: Int64?
    public var shmemRssKB: Int64?
    public var pgtablesKB: Int64?
    public var oomScoreAdj: Int64?

    /// CONSTRAINT_NONE, CONSTRAINT_MEMCG, CONSTRAINT_CPUSET, CONSTRAINT_MEMORY_POLICY.
    public var constraint: String?
    public var oomMemcg: String?
    public var taskMemcg: String?
    public var containerId: String?
    public var podUid: String?
    public var memcgUsageKB: Int64?
    public var memcgLimitKB: Int64?
    public var memcgFailcnt: Int64?

    /// The task that invoked the OOM killer, and its trigger details.
    public var invoker: String?
    public var gfpMask: String?
    public var order: Int64?
    public var kernelVersion: String?
    /// Largest tasks by rss at the time of the kill: (pid, name, rss kB).
    public var largestTasks: [TaskRSS] = []
    /// "reaped" when oom_reaper reported the victim's memory reclaimed.
    public var reaperOutcome: String?

    // Additive fields (issue 4).
    /// How the line reached us: dmesg, dmesg-T, dmesg-iso, dmesg-reltime, dmesg-r, dmesg-x,
    /// dmesg-json, kmsg, syslog, logread, journal-short, journal-monotonic, journal-unix,
    /// journal-json, bare.
    public var transport: String?
    /// Where `timestamp` came from: kernel-wall (dmesg -T/iso), syslog, logread, journal
    /// (ingestion time), journal-source-monotonic, reltime, boot-time (+uptime), learned-boot
    /// (+uptime); nil when only the uptime is known.
    public var timeSource: String?
    /// Host name from a syslog/journal prefix.
    public var host: String?
    public var invokerPid: Int64?
    public var invokerOomScoreAdj: Int64?
    public var nodemask: String?
    /// Leaf of the invoking task's cpuset (≤4.19 `cpuset=` line or the 5.0+ summary).
    public var cpuset: String?
    public var memsAllowed: String?
    /// True when the constraint was inferred from the report (pre-5.0 kernels print none).
    public var constraintInferred: Bool = false
    /// docker, containerd, cri-o, podman, kubernetes, lxc.
    public var containerRuntime: String?
    /// cgroup v2 `swap:` line.
    public var swapUsageKB: Int64?
    public var swapLimitKB: Int64?
    /// cgroup v1 `memory+swap:` and `kmem:` lines.
    public var memswUsageKB: Int64?
    public var memswLimitKB: Int64?
    public var kmemUsageKB: Int64?
    /// ≤5.0 `Kill process P (comm) score S or sacrifice child`: the chosen task (may differ from the victim).
    public var chosenPid: Int64?
    public var chosenProcessName: String?
    public var score: Int64?
    /// memory.oom.group cgroup when the kill was one of a group.
    public var oomGroup: String?
    /// false when the header (invoked line, memcg, task table) was not seen (ratelimited or cut).
    public var headerSeen: Bool = true
    /// false when only the 5.0+ `oom-kill:` summary was seen, not the `Killed process` line.
    public var killLineSeen: Bool = true
    /// A supervisor restart seen after the kill (upstart `respawning`, systemd `Scheduled restart job`).
    public var restartJob: String?
    public var restartDelayMillis: Int64?

    public init(format: String, source: SourceLocation) {
        self.format = format
        self.source = source
    }
}

public struct TaskRSS: Sendable, Hashable, Codable {
    public var pid: Int64
    public var name: String
    public var rssKB: Int64
    public init(pid: Int64, name: String, rssKB: Int64) {
        self.pid = pid
        self.name = name
        self.rssKB = rssKB
    }
}
