/// An OOM kill with the counts of kills seen before it in the run (sliding one-hour window).
public struct KillSubject {
    public let kill: OOMKill
    /// Kills (of any process) in the hour up to and including this one.
    public let killsLastHour: Int
    /// Kills of a process with the same name (on the same host) in the hour up to and including this one.
    public let sameProcessKillsLastHour: Int
    public init(kill: OOMKill, killsLastHour: Int = 1, sameProcessKillsLastHour: Int = 1) {
        self.kill = kill
        self.killsLastHour = killsLastHour
        self.sameProcessKillsLastHour = sameProcessKillsLastHour
    }
}

/// Fields of one kernel OOM kill (rule target `oomKill`).
public enum KillFields {
    enum Name: String, CaseIterable {
        case processName, host, constraint, oomMemcg, taskMemcg, containerId, invoker, topTaskName, restartJob
        case killed
        case pid, anonRssMB, rssMB, totalVmMB, oomScoreAdj, memcgUsageMB, memcgLimitMB, memcgUsageRatio
        case topTaskRssShare, killsLastHour, sameProcessKillsLastHour

        var spec: FieldSpec {
            switch self {
            case .processName: return FieldSpec(rawValue, .string, "the killed process (comm)")
            case .host: return FieldSpec(rawValue, .string, "host name from the syslog/journal prefix")
            case .restartJob: return FieldSpec(rawValue, .string, "the supervisor job that restarted the process after the kill")
            case .constraint: return FieldSpec(rawValue, .string, "CONSTRAINT_NONE, CONSTRAINT_MEMCG, ...")
            case .oomMemcg: return FieldSpec(rawValue, .string, "the memory cgroup that ran out")
            case .taskMemcg: return FieldSpec(rawValue, .string, "the victim's memory cgroup")
            case .containerId: return FieldSpec(rawValue, .string, "container id taken from the cgroup path")
            case .invoker: return FieldSpec(rawValue, .string, "the task that invoked the OOM killer")
            case .topTaskName: return FieldSpec(rawValue, .string, "the task with the largest rss in the report")
            case .killed: return FieldSpec(rawValue, .bool, "false for 'no killable processes'")
            case .pid: return FieldSpec(rawValue, .number, "victim pid")
            case .anonRssMB: return FieldSpec(rawValue, .number, "victim anon-rss, MiB (binary megabytes, as the table and tail print)")
            case .rssMB: return FieldSpec(rawValue, .number, "victim anon+file+shmem rss, MiB")
            case .totalVmMB: return FieldSpec(rawValue, .number, "victim total-vm, MiB")
            case .oomScoreAdj: return FieldSpec(rawValue, .number, "victim oom_score_adj")
            case .memcgUsageMB: return FieldSpec(rawValue, .number, "memcg usage, MiB")
            case .memcgLimitMB: return FieldSpec(rawValue, .number, "memcg limit, MiB")
            case .memcgUsageRatio: return FieldSpec(rawValue, .number, "memcg usage / limit")
            case .topTaskRssShare: return FieldSpec(rawValue, .number, "largest task rss / rss of all listed tasks (0..1)")
            case .killsLastHour: return FieldSpec(rawValue, .number, "kills (distinct pids) in the hour up to this one, this one included")
            case .sameProcessKillsLastHour: return FieldSpec(rawValue, .number, "kills (distinct pids) of the same process name on the same host in that hour")
            }
        }
    }

    public static let specs: [FieldSpec] = Name.allCases.map(\.spec)
    static let names: [Name] = Name.allCases

    static func value(_ field: Int, of s: KillSubject) -> FieldValue? {
        let k = s.kill
        func mb(_ kb: Int64?) -> FieldValue? { kb.map { .number(Double($0) / 1024) } }
        func str(_ v: String?) -> FieldValue? { v.map { .string($0) } }
        switch names[field] {
        case .processName: return str(k.processName)
        case .host: return str(k.host)
        case .restartJob: return str(k.restartJob)
        case .constraint: return str(k.constraint)
        case .oomMemcg: return str(k.oomMemcg)
        case .taskMemcg: return str(k.taskMemcg)
        case .containerId: return str(k.containerId)
        case .invoker: return str(k.invoker)
        case .topTaskName: return str(k.largestTasks.max { $0.rssKB < $1.rssKB }?.name)
        case .killed: return .bool(k.killed)
        case .pid: return k.pid.map { .number(Double($0)) }
        case .anonRssMB: return mb(k.anonRssKB)
        case .rssMB:
            if k.anonRssKB == nil && k.fileRssKB == nil && k.shmemRssKB == nil { return nil }
            return mb((k.anonRssKB ?? 0) + (k.fileRssKB ?? 0) + (k.shmemRssKB ?? 0))
        case .totalVmMB: return mb(k.totalVmKB)
        case .oomScoreAdj: return k.oomScoreAdj.map { .number(Double($0)) }
        case .memcgUsageMB: return mb(k.memcgUsageKB)
        case .memcgLimitMB: return mb(k.memcgLimitKB)
        case .memcgUsageRatio:
            guard let u = k.memcgUsageKB, let l = k.memcgLimitKB, l > 0 else { return nil }
            return .number(Double(u) / Double(l))
        case .topTaskRssShare:
            let total = k.largestTasks.reduce(Int64(0)) { $0 + $1.rssKB }
            guard total > 0, let top = k.largestTasks.map(\.rssKB).max() else { return nil }
            return .number(Double(top) / Double(total))
        case .killsLastHour: return .number(Double(s.killsLastHour))
        case .sameProcessKillsLastHour: return .number(Double(s.sameProcessKillsLastHour))
        }
    }
}
