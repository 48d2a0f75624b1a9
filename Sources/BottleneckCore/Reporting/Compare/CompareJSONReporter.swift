/// `compare --format json`: versioned (`docs/compare.schema.json`), one object per finding with
/// both sides' numbers and the statistics.
public struct CompareJSONReporter: CompareReporter {
    public let name = "json"
    public let summary = "versioned JSON, docs/compare.schema.json"
    public init() {}

    public func write(_ c: Comparison, context: CompareContext, to out: any ReportOutput) {
        var w = JSONWriter(pretty: true)
        w.beginObject()
        w.string("schema", "bottleneck-compare")
        w.int("version", Comparison.schemaVersion)
        side(&w, "baseline", c.baseline)
        side(&w, "current", c.current)
        w.beginArray("notes")
        for n in c.notes { w.string(nil, n) }
        w.endArray()
        w.int("shapesJoined", c.shapesJoined)
        w.int("latencyTested", c.latencyTested)
        w.int("rateTested", c.rateTested)
        w.beginArray("gates")
        for g in CompareGate.allCases where context.failOn.contains(g) { w.string(nil, g.rawValue) }
        w.endArray()
        w.int("exitStatus", Int64(c.exitBits(failOn: context.failOn)))
        w.beginArray("findings")
        for f in CompareText.ordered(c, failOn: context.failOn) { finding(&w, f, context) }
        w.endArray()
        w.beginArray("expiredAcknowledgements")
        for a in c.expiredAcknowledgements { ack(&w, nil, a) }
        w.endArray()
        w.endObject()
        out.write(w.output + "\n")
    }

    func side(_ w: inout JSONWriter, _ key: String, _ s: CompareSide) {
        w.beginObject(key)
        w.string("name", s.name)
        w.int("runId", s.runId)
        w.string("tool", s.tool)
        w.int("normalizer", s.normalizer)
        w.string("bucketLayout", s.layout)
        w.string("first", s.first?.iso8601)
        w.string("last", s.last?.iso8601)
        w.int("windowMillis", s.windowMillis)
        w.int("lines", s.lines)
        w.int("operations", s.operations)
        w.int("slowMillis", s.slowMillis)
        w.int("shapes", s.shapes.count)
        w.int("otherOperations", s.otherOperations)
        w.beginArray("hosts")
        for h in s.hosts { w.string(nil, h) }
        w.endArray()
        w.endObject()
    }

    func numbers(_ w: inout JSONWriter, _ key: String, _ n: CompareNumbers?) {
        guard let n else { w.null(key); return }
        w.beginObject(key)
        w.int("count", n.count)
        w.int("totalMillis", n.totalMillis)
        w.double("p50", n.p50)
        w.double("p95", n.p95)
        w.double("p99", n.p99)
        w.double("perHour", n.perHour)
        w.double("sharePercent", n.sharePercent)
        w.string("dominantPlan", n.dominantPlan)
        w.double("dominantPlanPercent", n.dominantPlanPercent)
        w.double("collscanPercent", n.collscanPercent)
        w.double("examinedRatio", n.examinedRatio)
        w.endObject()
    }

    func interval(_ w: inout JSONWriter, _ key: String, _ i: (low: Double, high: Double)?) {
        guard let i else { w.null(key); return }
        w.beginArray(key)
        w.double(nil, i.low)
        w.double(nil, i.high)
        w.endArray()
    }

    func ack(_ w: inout JSONWriter, _ key: String?, _ a: CompareConfig.Acknowledgement) {
        w.beginObject(key)
        w.string("subject", a.subject)
        w.string("verdict", a.verdict)
        w.string("reason", a.reason)
        w.string("expires", a.expires.iso8601)
        w.endObject()
    }

    func finding(_ w: inout JSONWriter, _ f: CompareFinding, _ context: CompareContext) {
        w.beginObject()
        w.string("verdict", f.verdict.rawValue)
        w.string("status", CompareText.status(f, failOn: context.failOn))
        w.string("gate", f.verdict.gate?.rawValue)
        w.beginArray("also")
        for a in f.also { w.string(nil, a.rawValue) }
        w.endArray()
        w.string("shapeId", f.shapeId)
        w.string("namespace", f.namespace)
        w.string("operation", f.operation)
        w.string("shape", f.shape)
        w.string("process", f.process)
        numbers(&w, "baseline", f.baseline)
        numbers(&w, "current", f.current)
        w.double("p50Ratio", f.p50Ratio)
        interval(&w, "p50Interval", f.p50Interval)
        w.double("p95Ratio", f.p95Ratio)
        interval(&w, "p95Interval", f.p95Interval)
        w.double("latencyQ", f.latencyQ)
        w.double("rateRatio", f.rateRatio)
        w.double("rateQ", f.rateQ)
        w.double("planQ", f.planQ)
        if let k = f.kills {
            w.beginObject("kills")
            w.int("before", k.before)
            w.int("after", k.after)
            w.endObject()
        } else {
            w.null("kills")
        }
        w.beginArray("newCgroups")
        for g in f.newCgroups { w.string(nil, g) }
        w.endArray()
        w.int("deltaMillis", f.deltaMillis)
        w.string("reason", f.reason)
        if let a = f.acknowledged { ack(&w, "acknowledged", a) } else { w.null("acknowledged") }
        w.endObject()
    }
}
