/// One normalized event per line (`--format ndjson`), in the shared schema, for jq and DuckDB.
public struct NDJSONEventWriter: EventReporter {
    public let name = "ndjson"
    public let summary = "one normalized event per line"
    public init() {}

    public func write(_ event: Event, inputPath: String, to out: any ReportOutput) {
        var b = NDJSONEventWriter.lineBytes(for: event, inputPath: inputPath)
        b.append(UInt8(ascii: "\n"))
        out.write(bytes: b)
    }

    public static func line(for event: Event, inputPath: String) -> String {
        String(decoding: lineBytes(for: event, inputPath: inputPath), as: UTF8.self)
    }

    /// The event's JSON object, UTF-8, without the newline.
    public static func lineBytes(for event: Event, inputPath: String) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.int("v", EventSchema.version)
        switch event {
        case .slowOperation(let op):
            w.string("event", "slowOperation")
            w.string("ts", op.timestamp?.iso8601)
            w.string("file", inputPath)
            w.int("line", op.source.line)
            w.string("format", op.format)
            w.string("severity", op.severity)
            w.string("component", op.component)
            w.string("ctx", op.context)
            w.int("conn", op.connectionId)
            w.string("type", op.type)
            w.string("ns", op.namespace)
            w.string("operation", op.operation)
            w.string("command", op.commandName)
            w.bool("writeStatement", op.isWriteStatement)
            w.string("shape", op.shape.text)
            w.string("shapeId", op.shape.idHex)
            w.string("planSummary", op.plan?.raw)
            w.string("plan", op.plan?.kind)
            w.string("index", op.plan?.index)
            w.int("durationMs", op.durationMillis)
            w.int("keysExamined", op.keysExamined)
            w.int("docsExamined", op.docsExamined)
            w.int("nreturned", op.nreturned)
            w.int("nMatched", op.nMatched)
            w.int("nModified", op.nModified)
            w.int("ninserted", op.ninserted)
            w.int("ndeleted", op.ndeleted)
            w.int("numYields", op.numYields)
            w.int("reslen", op.reslen)
            w.int("writeConflicts", op.writeConflicts)
            w.int("planningTimeMicros", op.planningTimeMicros)
            w.int("cpuNanos", op.cpuNanos)
            w.int("workingMillis", op.workingMillis)
            w.int("lockWaitMicros", op.lockWaitMicros)
            w.int("lockHeldMicros", op.lockHeldMicros)
            w.int("storageBytesRead", op.storageBytesRead)
            w.int("storageTimeReadingMicros", op.storageTimeReadingMicros)
            w.string("queryHash", op.queryHash)
            w.string("planCacheShapeHash", op.planCacheShapeHash)
            w.string("planCacheKey", op.planCacheKey)
            w.string("queryShapeHash", op.queryShapeHash)
            w.string("queryFramework", op.queryFramework)
            w.string("appName", op.appName)
            w.string("remote", op.remote)
            w.string("protocol", op.protocol)
            w.bool("hasSortStage", op.hasSortStage)
            w.bool("usedDisk", op.usedDisk)
            w.bool("fromMultiPlanner", op.fromMultiPlanner)
            w.bool("replanned", op.replanned)
            w.bool("truncated", op.truncated)
            w.string("errName", op.errName)
            w.int("errCode", op.errCode)
            w.string("host", op.host)
            w.string("role", op.role?.rawValue)
        case .oomKill(let k):
            OOMEventFields.writeEvent(k, inputPath: inputPath, to: &w)
        case .server(let e):
            w.string("event", "server")
            w.string("kind", e.kind.rawValue)
            w.string("ts", e.timestamp?.iso8601)
            w.string("file", inputPath)
            w.int("line", e.source.line)
            w.string("format", e.format)
            w.string("host", e.host)
            w.string("replicaSet", e.replicaSet)
            w.string("newState", e.newState)
            w.string("oldState", e.oldState)
        }
        w.endObject()
        return w.bytes
    }
}
