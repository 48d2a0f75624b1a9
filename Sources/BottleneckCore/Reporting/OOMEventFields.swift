/// The OOM-kill fields added by issue 4, written after the original ones in NDJSON events and
/// in the report's `oom.kills[]`.
enum OOMEventFields {
    static func write(_ k: OOMKill, to w: inout JSONWriter) {
        w.string("transport", k.transport)
        w.string("timeSource", k.timeSource)
        w.string("host", k.host)
        w.int("invokerPid", k.invokerPid)
        w.int("invokerOomScoreAdj", k.invokerOomScoreAdj)
        w.string("nodemask", k.nodemask)
        w.string("cpuset", k.cpuset)
        w.string("memsAllowed", k.memsAllowed)
        w.bool("constraintInferred", k.constraintInferred)
        w.string("containerRuntime", k.containerRuntime)
        w.int("swapUsageKB", k.swapUsageKB)
        w.int("swapLimitKB", k.swapLimitKB)
        w.int("memswUsageKB", k.memswUsageKB)
        w.int("memswLimitKB", k.memswLimitKB)
        w.int("kmemUsageKB", k.kmemUsageKB)
        w.double("usageRatio", k.usageRatio)
        w.int("chosenPid", k.chosenPid)
        w.string("chosenProcess", k.chosenProcessName)
        w.int("score", k.score)
        w.string("oomGroup", k.oomGroup)
        w.bool("headerSeen", k.headerSeen)
        w.bool("killLineSeen", k.killLineSeen)
        w.string("restartJob", k.restartJob)
        w.int("restartDelayMs", k.restartDelayMillis)
    }
}

extension OOMKill {
    /// memcg usage / limit at the kill (nil when either is unknown or the limit is "unlimited").
    public var usageRatio: Double? {
        guard let u = memcgUsageKB, let l = memcgLimitKB, l > 0, l < 9_000_000_000_000_000 else { return nil }
        return Double(u) / Double(l)
    }
}
