/// The rule parts of the JSON report: `findings[]`, `ruleAborts[]` and `shapes[].findings`.
enum FindingsJSON {
    static func write(_ w: inout JSONWriter, _ results: RuleResults) {
        w.beginArray("findings")
        for f in results.findings {
            w.beginObject()
            writeCommon(&w, f)
            writeSubject(&w, f.subject)
            w.beginObject("evidence")
            for e in f.evidence { w.double(e.name, e.value) }
            w.endObject()
            w.double("accountedMs", f.accountedMs)
            w.int("kills", f.kills)
            w.endObject()
        }
        w.endArray()
        w.beginArray("ruleAborts")
        for a in results.aborts {
            w.beginObject()
            w.string("rule", a.rule)
            w.int("count", a.count)
            w.string("reason", a.reason)
            w.int("input", a.firstInput.map { Int64($0) })
            w.int("line", a.firstLine.map { Int64($0) })
            w.bool("disabled", a.disabled)
            w.endObject()
        }
        w.endArray()
        w.beginArray("findingsOmitted")
        for o in results.omitted {
            w.beginObject()
            w.string("rule", o.rule)
            w.int("count", o.count)
            w.endObject()
        }
        w.endArray()
    }

    /// `findings` inside one shape object: rule, severity, title and message (the advice, subject
    /// and evidence are in the top-level entry of the same rule and shape).
    static func writeShape(_ w: inout JSONWriter, _ results: RuleResults, shapeId: String) {
        w.beginArray("findings")
        for f in results.findings(forShape: shapeId) {
            w.beginObject()
            writeCommon(&w, f, advice: false)
            w.endObject()
        }
        w.endArray()
    }

    static func writeCommon(_ w: inout JSONWriter, _ f: Finding, advice: Bool = true) {
        w.string("rule", f.rule)
        w.string("severity", f.severity.rawValue)
        w.string("title", f.title)
        w.string("message", f.message)
        if advice { w.string("advice", f.advice) }
    }

    static func writeSubject(_ w: inout JSONWriter, _ s: FindingSubject) {
        w.beginObject("subject")
        switch s {
        case .shape(let id, let ns, let op, let text):
            w.string("shapeId", id)
            w.string("namespace", ns)
            w.string("operation", op)
            w.string("shape", text)
        case .kill(let process, let host, let pid, let time, let input, let line):
            w.beginObject("kill")
            w.string("process", process)
            w.string("host", host)
            w.int("pid", pid)
            w.string("time", time?.iso8601)
            w.int("input", input.map { Int64($0) })
            w.int("line", line.map { Int64($0) })
            w.endObject()
        case .lines(let input, let line):
            w.beginObject("lines")
            w.int("input", input)
            w.int("line", line)
            w.endObject()
        }
        w.endObject()
    }
}
