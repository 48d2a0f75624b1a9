/// The OOM-kill fields added by issue 4, written after the original ones in NDJSON events and
/// in the report's `oom.kills[]`.
enum OOMEventFields {
    /// Every field of one OOM event (NDJSON line and `oom.kills[]` item), without the braces.
    static func writeEvent(_ k: OOMKill, inputPath: String?, to w: inout JSONWriter) {
        w.string("event", k.killed ? "oomKill" : "oomNoKill")
        w.string("ts", k.timestamp?.iso8601)
        w.float("uptime", k.uptimeSeconds)
        w.string("file", inputPath)
        w.int("line", k.source.line)
        w.string("format", k.format)
        w.int("pid", k.pid)
        w.string("process", k.processName)
        w.int("uid", k.uid)
        w.int("totalVmKB", k.totalVmKB)
        w.int("anonRssKB", k.anonRssKB)
        w.int("fileRssKB", k.fileRssKB)
        w.int("shmemRssKB", k.shmemRssKB)
        w.int("pgtablesKB", k.pgtablesKB)
        w.int("oomScoreAdj", k.oomScoreAdj)
        w.string("constraint", k.constraint)
        w.string("oomMemcg", k.oomMemcg)
        w.string("taskMemcg", k.taskMemcg)
        w.string("containerId", k.containerId)
        w.string("podUid", k.podUid)
        w.int("memcgUsageKB", k.memcgUsageKB)
        w.int("memcgLimitKB", k.memcgLimitKB)
        w.int("memcgFailcnt", k.memcgFailcnt)
        w.string("invoker", k.invoker)
        w.string("gfpMask", k.gfpMask)
        w.int("order", k.order)
        w.string("kernelVersion", k.kernelVersion)
        w.string("reaper", k.reaperOutcome)
        write(k, to: &w)
        w.beginArray("largestTasks")
        for t in k.largestTasks {
            w.beginObject()
            w.int("pid", t.pid)
            w.string("name", t.name)
            w.int("rssKB", t.rssKB)
            w.endObject()
        }
        w.endArray()
    }

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
        w.float("usageRatio", k.usageRatio)
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
