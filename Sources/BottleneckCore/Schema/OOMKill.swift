/// One kernel OOM-killer report: a kill, or a report that found nothing to kill.
public struct OOMKill: Sendable {
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

    public init(format: String, source: SourceLocation) {
        self.format = format
        self.source = source
    }
}

public struct TaskRSS: Sendable, Hashable {
    public var pid: Int64
    public var name: String
    public var rssKB: Int64
    public init(pid: Int64, name: String, rssKB: Int64) {
        self.pid = pid
        self.name = name
        self.rssKB = rssKB
    }
}
