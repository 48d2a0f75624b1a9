/// `oom` and `timeline` in the JSON report (docs/report.schema.json).
enum OOMJSONSection {
    static func write(_ s: OOMSection, inputs: [InputAccounting], to w: inout JSONWriter) {
        w.beginObject("oom")
        w.int("windowMs", s.windowMillis)
        w.int("duplicateKills", s.duplicates)
        w.beginArray("kills")
        for (k, win) in zip(s.events, s.windows) {
            w.beginObject()
            let path = k.source.input < inputs.count ? inputs[k.source.input].path : nil
            OOMEventFields.writeEvent(k, inputPath: path, to: &w)
            if let win { writeWindow(win, to: &w) } else { w.null("slowQueriesBefore") }
            w.endObject()
        }
        w.endArray()
        writeGroups("byProcess", s.byProcess, to: &w)
        writeGroups("byCgroup", s.byCgroup, to: &w)
        writeGroups("byConstraint", s.byConstraint, to: &w)
        w.beginArray("crashLoops")
        for l in s.crashLoops {
            w.beginObject()
            w.string("process", l.processName)
            w.int("kills", l.kills)
            w.beginArray("pids")
            for p in l.pids { w.int(nil, p) }
            w.endArray()
            w.string("clock", l.wallClock ? "utc" : "uptime")
            if l.wallClock {
                w.string("first", Timestamp(millis: l.first).iso8601)
                w.string("last", Timestamp(millis: l.last).iso8601)
            } else {
                w.double("first", Double(l.first) / 1000)
                w.double("last", Double(l.last) / 1000)
            }
            w.beginArray("intervalsMs")
            for i in l.intervalsMillis { w.int(nil, i) }
            w.endArray()
            w.string("restartJob", l.restartJob)
            w.string("containerId", l.containerId)
            w.endObject()
        }
        w.endArray()
        w.endObject()
        w.beginArray("timeline")
        for m in s.minutes {
            w.beginObject()
            w.string("minute", m.start.iso8601)
            w.int("slowOps", m.slowOps)
            w.int("totalMs", m.totalMillis)
            w.beginArray("kills")
            for k in m.kills {
                w.beginObject()
                w.string("ts", k.timestamp?.iso8601)
                w.int("pid", k.pid)
                w.string("process", k.processName)
                w.endObject()
            }
            w.endArray()
            w.endObject()
        }
        w.endArray()
    }

    static func writeWindow(_ win: Timeline.KillWindow, to w: inout JSONWriter) {
        w.beginObject("slowQueriesBefore")
        w.int("windowMs", win.windowMillis)
        w.int("slowOps", win.slowOps)
        w.int("totalMs", win.totalMillis)
        w.double("restSlowOpsPerMinute", win.restSlowOpsPerMinute)
        w.double("restTotalMsPerMinute", win.restMillisPerMinute)
        w.double("countRatio", win.countRatio)
        w.double("latencyRatio", win.latencyRatio)
        w.beginArray("topShapes")
        for t in win.topShapes {
            w.beginObject()
            w.string("namespace", t.namespace)
            w.string("operation", t.operation)
            w.string("shape", t.shape)
            w.string("shapeId", QueryShape(text: t.shape, id: t.shapeId).idHex)
            w.int("count", t.count)
            w.int("totalMs", t.totalMillis)
            w.endObject()
        }
        w.endArray()
        w.endObject()
    }

    static func writeGroups(_ key: String, _ groups: [OOMAggregator.Group], to w: inout JSONWriter) {
        w.beginArray(key)
        for g in groups {
            w.beginObject()
            w.string("key", g.key)
            w.int("kills", g.kills)
            w.int("noKillReports", g.noKillReports)
            w.beginObject("processes")
            for (n, c) in g.processes.sorted(by: { $0.key < $1.key }) { w.int(n, c) }
            w.endObject()
            w.string("containerId", g.containerId)
            w.string("containerRuntime", g.containerRuntime)
            w.string("podUid", g.podUid)
            w.int("maxAnonRssKB", g.maxAnonRssKB)
            w.double("maxUsageRatio", g.maxUsageRatio)
            w.string("first", g.first?.iso8601)
            w.string("last", g.last?.iso8601)
            w.endObject()
        }
        w.endArray()
    }
}
