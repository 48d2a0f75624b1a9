/// The versioned JSON report (`--format json`), documented by docs/report.schema.json.
public struct JSONReporter: Reporter {
    public let name = "json"
    public let summary = "the versioned JSON report, docs/report.schema.json"
    public init() {}

    public func write(_ report: Report, options: ReportOptions, to out: any ReportOutput) {
        write(report, options: options) { out.write(bytes: $0) }
    }

    /// Streams the report to `sink` in pieces of about 1 MiB (memory stays flat on huge reports).
    public func write(_ report: Report, options: ReportOptions, to sink: @escaping ([UInt8]) -> Void) {
        var w = JSONWriter(pretty: !options.compactJSON)
        w.sink = sink
        w.beginObject()
        w.int("schemaVersion", ReportSchema.version)
        w.string("tool", "bottleneck")
        w.beginArray("inputs")
        for i in report.inputs {
            w.beginObject()
            w.string("path", i.path)
            w.string("format", i.format)
            w.bool("gzip", i.isGzip)
            w.int("bytes", i.bytes)
            w.int("lines", i.lines)
            w.int("recognized", i.recognized)
            w.int("slowOps", i.slowOps)
            w.int("filteredOut", i.filteredOut)
            w.int("unreadableTimestamps", i.unreadableTimestamps)
            writeSkipped(&w, i.skipped)
            w.string("error", i.error)
            w.endObject()
        }
        w.endArray()
        w.beginObject("totals")
        w.int("lines", report.totalLines)
        w.int("recognized", report.totalRecognized)
        w.int("skipped", report.totalSkipped)
        w.int("slowOps", report.totalSlowOps)
        w.int("operations", report.operations)
        w.int("foldedWriteTwins", report.foldedWriteTwins)
        w.int("shapes", report.shapes.count)
        w.int("oomKills", report.oom.killCount)
        w.endObject()
        let hosts = HostSection(report)
        if let hosts {
            // Only when the report holds more than one host.
            w.beginArray("hosts")
            for h in hosts.hosts {
                w.beginObject()
                w.string("host", h.name)
                w.int("inputs", Int64(h.inputs))
                w.int("lines", h.lines)
                w.int("operations", h.operations)
                w.int("durationMsTotal", h.totalMillis)
                w.endObject()
            }
            w.endArray()
        }
        if options.groupByHost {
            // `--group-by host`: every host's shapes (all of them: the JSON report lists every shape).
            w.beginArray("byHost")
            for g in HostSection.byHost(report, top: nil) {
                w.beginObject()
                w.string("host", g.host)
                w.int("operations", g.operations)
                w.int("durationMsEstimated", g.estimatedMillis)
                w.string("state", report.members.byHost[g.host]?.lastState)
                w.beginArray("shapes")
                for s in g.shapes {
                    w.beginObject()
                    w.string("shapeId", s.shape.shape.idHex)
                    w.int("count", s.count)
                    w.double("shareOfShape", s.share)
                    w.int("durationMsEstimated", s.estimatedMillis)
                    w.endObject()
                }
                w.endArray()
                w.endObject()
            }
            w.endArray()
        }
        if !report.members.isEmpty {
            w.beginArray("members")
            for (host, h) in report.members.byHost.sorted(by: { $0.key < $1.key }) {
                w.beginObject()
                w.string("host", host)
                w.string("replicaSet", h.replicaSet)
                w.int("startups", Int64(h.startups.count))
                w.string("state", h.lastState)
                w.beginArray("transitions")
                for t in h.transitions {
                    w.beginObject()
                    w.string("time", t.millis.map { Timestamp(millis: $0).iso8601 })
                    w.string("state", t.state)
                    w.string("from", t.oldState)
                    w.endObject()
                }
                w.endArray()
                w.int("droppedTransitions", h.droppedTransitions)
                w.endObject()
            }
            w.endArray()
        }
        w.string("sort", report.sort.rawValue)
        w.beginArray("shapes")
        for (rank, s) in report.shapes.enumerated() {
            writeShape(&w, s, rank: rank + 1, rules: report.rules, bounded: report.other != nil, hosts: hosts != nil)
        }
        w.endArray()
        if let other = report.other {
            // Only when the memory budget evicted shapes: a run whose shapes fit prints the exact report.
            w.beginObject("otherShapes")
            w.int("evictions", report.evictions)
            w.int("maxShapes", report.maxShapes.map { Int64($0) })
            w.int("operations", other.count)
            w.int("durationMsTotal", other.durationTotal)
            w.int("maxCountError", report.maxCountError)
            w.int("countErrorBound", report.countErrorBound)
            w.endObject()
        }
        w.beginArray("serverHashNotes")
        for n in report.hashNotes {
            w.beginObject()
            w.string("kind", n.kind.rawValue)
            w.string("hashKind", n.hashKind)
            w.beginArray("hashes")
            for h in n.hashes { w.string(nil, h) }
            w.endArray()
            w.beginArray("shapeIds")
            for id in n.shapeIds { w.string(nil, id) }
            w.endArray()
            w.endObject()
        }
        w.endArray()
        FindingsJSON.write(&w, report.rules)
        OOMJSONSection.write(report.oom, inputs: report.inputs, to: &w)
        w.endObject()
        w.flush()
        sink([UInt8(ascii: "\n")])
    }

    func writeSkipped(_ w: inout JSONWriter, _ skipped: [SkipReason: Int64]) {
        w.beginObject("skipped")
        for (k, v) in skipped.sorted(by: { $0.key < $1.key }) { w.int(k.rawValue, v) }
        w.endObject()
    }

    func writeShape(_ w: inout JSONWriter, _ s: ShapeAggregate, rank: Int, rules: RuleResults = RuleResults(), bounded: Bool = false,
                    hosts: Bool = false) {
        w.beginObject()
        w.int("rank", rank)
        w.string("namespace", s.namespace)
        w.string("operation", s.operation)
        w.string("shape", s.shape.text)
        w.string("shapeId", s.shape.idHex)
        w.bool("truncatedShape", s.shape.isTruncated)
        w.int("count", s.count)
        if bounded { w.int("countError", s.countError) }
        // Only when a sum from the log reached Int64.max and was held there.
        if s.saturated { w.bool("saturated", true) }
        w.beginObject("durationMs")
        w.int("total", s.durationTotal)
        w.int("min", s.histogram.min)
        w.int("max", s.histogram.max)
        w.double("mean", s.meanMillis)
        w.double("p50", s.histogram.quantile(0.50))
        w.double("p95", s.histogram.quantile(0.95))
        w.double("p99", s.histogram.quantile(0.99))
        w.endObject()
        w.beginObject("plans")
        for (k, v) in s.plans.sorted(by: { $0.key < $1.key }) { w.int(k, v) }
        w.endObject()
        w.beginObject("yields")
        w.int("total", s.yieldsTotal)
        w.double("mean", s.yieldsMean)
        w.int("max", s.yieldsMax)
        w.endObject()
        w.int("keysExamined", s.keysExamined)
        w.int("docsExamined", s.docsExamined)
        w.int("nreturned", s.nreturned)
        w.double("examinedRatio", s.examinedRatio)
        w.int("reslen", s.reslen)
        w.int("lockWaitMicros", s.lockWaitMicros)
        w.int("lockHeldMicros", s.lockHeldMicros)
        w.int("storageTimeReadingMicros", s.storageTimeReadingMicros)
        w.int("hasSortStage", s.hasSortStage)
        w.int("usedDisk", s.usedDisk)
        w.int("fromMultiPlanner", s.fromMultiPlanner)
        w.int("replanned", s.replanned)
        w.int("truncatedLines", s.truncated)
        w.int("errors", s.errors)
        w.string("firstSeen", s.firstSeen?.iso8601)
        w.string("lastSeen", s.lastSeen?.iso8601)
        if s.counters[.onPrimary] > 0 || s.counters[.onSecondary] > 0 {
            w.beginObject("roles")
            w.int("primary", s.counters[.onPrimary])
            w.int("secondary", s.counters[.onSecondary])
            w.endObject()
        }
        w.beginObject("slowest")
        w.int("durationMs", s.slowestMillis)
        w.string("time", s.slowestTime?.iso8601)
        w.int("input", s.slowestSource.map { Int64($0.input) })
        w.int("line", s.slowestSource.map { Int64($0.line) })
        w.endObject()
        w.beginObject("serverHashes")
        w.beginArray("queryHash")
        for h in s.queryHashes.sorted() { w.string(nil, h) }
        w.endArray()
        w.beginArray("queryShapeHash")
        for h in s.queryShapeHashes.sorted() { w.string(nil, h) }
        w.endArray()
        w.endObject()
        if hosts {
            w.beginArray("hosts")
            for h in HostSection.hosts(of: s) {
                w.beginObject()
                w.string("host", h.host)
                w.int("count", h.count)
                w.double("share", h.share)
                w.endObject()
            }
            w.endArray()
        }
        FindingsJSON.writeShape(&w, rules, shapeId: s.shape.idHex)
        w.endObject()
    }
}
