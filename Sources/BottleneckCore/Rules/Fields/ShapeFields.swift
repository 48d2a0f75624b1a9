/// A shape aggregate with what its derived fields need from the whole run.
public struct ShapeSubject {
    public let aggregate: ShapeAggregate
    /// Sum of durations over all shapes in the run (for `timeShare`).
    public let runTotalMs: Int64
    public init(aggregate: ShapeAggregate, runTotalMs: Int64) {
        self.aggregate = aggregate
        self.runTotalMs = runTotalMs
    }
}

/// Fields of a query shape's aggregate (rule target `shape`).
public enum ShapeFields {
    enum Name: String, CaseIterable {
        case namespace, database, collection, operation, shape, shapeId, plan, plans, esrIndex
        case count, totalMs, meanMs, p50, p95, p99, maxMs, timeShare
        case docsExamined, keysExamined, nreturned, docsPerReturned, keysPerReturned, docsPerOp, keysPerOp, returnedPerOp
        case scannedPerOp, scannedPerReturned
        case yieldsPerOp, yieldsMax, reslenPerOp, reslenTotalMB, lockWaitShare, storageWaitShare
        case sortStageShare, usedDiskShare, multiPlannerShare, replannedShare, collscanShare, planCount
        case truncatedLines, truncatedShape, errors, spanMinutes, opsPerMinute

        var spec: FieldSpec {
            switch self {
            case .namespace: return FieldSpec(rawValue, .string, "db.collection")
            case .database: return FieldSpec(rawValue, .string, "database part of the namespace")
            case .collection: return FieldSpec(rawValue, .string, "collection part of the namespace")
            case .operation: return FieldSpec(rawValue, .string, "find, aggregate, count, getMore, ...")
            case .shape: return FieldSpec(rawValue, .string, "literal-free shape text")
            case .shapeId: return FieldSpec(rawValue, .string, "16 hex digits")
            case .plan: return FieldSpec(rawValue, .string, "the plan used most often (COLLSCAN, IXSCAN { a: 1 }, ...)")
            case .plans: return FieldSpec(rawValue, .string, "every plan seen, most used first, joined by '; '")
            case .esrIndex: return FieldSpec(rawValue, .string, "index key proposed by the equality-sort-range rule (absent when the shape has no usable fields)")
            case .count: return FieldSpec(rawValue, .number, "operations")
            case .totalMs: return FieldSpec(rawValue, .number, "summed duration, ms")
            case .meanMs: return FieldSpec(rawValue, .number, "mean duration, ms")
            case .p50: return FieldSpec(rawValue, .number, "median duration, ms")
            case .p95: return FieldSpec(rawValue, .number, "95th percentile duration, ms")
            case .p99: return FieldSpec(rawValue, .number, "99th percentile duration, ms")
            case .maxMs: return FieldSpec(rawValue, .number, "slowest, ms")
            case .timeShare: return FieldSpec(rawValue, .number, "share of all slow-operation time in the run (0..1)")
            case .docsExamined: return FieldSpec(rawValue, .number, "documents examined, summed")
            case .keysExamined: return FieldSpec(rawValue, .number, "index keys examined, summed")
            case .nreturned: return FieldSpec(rawValue, .number, "documents returned, summed")
            case .docsPerReturned: return FieldSpec(rawValue, .number, "docsExamined / max(nreturned, 1)")
            case .keysPerReturned: return FieldSpec(rawValue, .number, "keysExamined / max(nreturned, 1)")
            case .docsPerOp: return FieldSpec(rawValue, .number, "docsExamined / count")
            case .keysPerOp: return FieldSpec(rawValue, .number, "keysExamined / count")
            case .returnedPerOp: return FieldSpec(rawValue, .number, "nreturned / count")
            case .scannedPerOp: return FieldSpec(rawValue, .number, "max(keysExamined, docsExamined) / count (2.x logs have only nscanned); absent when both are 0")
            case .scannedPerReturned: return FieldSpec(rawValue, .number, "max(keysExamined, docsExamined) / max(nreturned, 1); absent when both are 0")
            case .yieldsPerOp: return FieldSpec(rawValue, .number, "yields / count")
            case .yieldsMax: return FieldSpec(rawValue, .number, "most yields of one operation")
            case .reslenPerOp: return FieldSpec(rawValue, .number, "mean response bytes")
            case .reslenTotalMB: return FieldSpec(rawValue, .number, "response bytes summed, MiB")
            case .lockWaitShare: return FieldSpec(rawValue, .number, "lock wait / total duration, at most 1")
            case .storageWaitShare: return FieldSpec(rawValue, .number, "storage read time / total duration, at most 1")
            case .sortStageShare: return FieldSpec(rawValue, .number, "share of operations with an in-memory sort")
            case .usedDiskShare: return FieldSpec(rawValue, .number, "share of operations that spilled to disk")
            case .multiPlannerShare: return FieldSpec(rawValue, .number, "share of operations planned by the multi-planner")
            case .replannedShare: return FieldSpec(rawValue, .number, "share of operations that replanned")
            case .collscanShare: return FieldSpec(rawValue, .number, "share of operations with a COLLSCAN plan")
            case .planCount: return FieldSpec(rawValue, .number, "distinct plans seen")
            case .truncatedLines: return FieldSpec(rawValue, .number, "log lines of this shape the server truncated")
            case .truncatedShape: return FieldSpec(rawValue, .bool, "the shape is unknown because its lines were truncated")
            case .errors: return FieldSpec(rawValue, .number, "operations that failed")
            case .spanMinutes: return FieldSpec(rawValue, .number, "minutes from first to last operation")
            case .opsPerMinute: return FieldSpec(rawValue, .number, "count / max(spanMinutes, 1)")
            }
        }
    }

    public static let specs: [FieldSpec] = Name.allCases.map(\.spec)
    static let names: [Name] = Name.allCases

    /// Plan labels, most used first (ties by label).
    static func rankedPlans(_ a: ShapeAggregate) -> [(String, Int64)] {
        a.plans.sorted { x, y in x.value != y.value ? x.value > y.value : x.key < y.key }.map { ($0.key, $0.value) }
    }

    static func value(_ field: Int, of s: ShapeSubject) -> FieldValue? {
        let a = s.aggregate
        let count = Double(max(a.count, 1))
        func per(_ v: Int64) -> FieldValue { .number(Double(v) / count) }
        func share(_ v: Int64) -> FieldValue { .number(Double(v) / count) }
        let span = Double((a.lastSeen?.millis ?? 0) - (a.firstSeen?.millis ?? 0)) / 60_000
        switch names[field] {
        case .namespace: return .string(a.namespace)
        case .database: return .string(NamespaceParts.database(a.namespace))
        case .collection: return .string(NamespaceParts.collection(a.namespace))
        case .operation: return .string(a.operation)
        case .shape: return .string(a.shape.text)
        case .shapeId: return .string(a.shape.idHex)
        case .plan: return rankedPlans(a).first.map { .string($0.0) }
        case .plans: return .string(rankedPlans(a).map(\.0).joined(separator: "; "))
        case .esrIndex: return IndexAdvisor.proposal(shapeText: a.shape.text).map { .string($0) }
        case .count: return .number(Double(a.count))
        case .totalMs: return .number(Double(a.durationTotal))
        case .meanMs: return .number(a.meanMillis)
        case .p50: return .number(a.histogram.quantile(0.50))
        case .p95: return .number(a.histogram.quantile(0.95))
        case .p99: return .number(a.histogram.quantile(0.99))
        case .maxMs: return .number(Double(a.histogram.max))
        case .timeShare: return .number(Double(a.durationTotal) / Double(max(s.runTotalMs, 1)))
        case .docsExamined: return .number(Double(a.docsExamined))
        case .keysExamined: return .number(Double(a.keysExamined))
        case .nreturned: return .number(Double(a.nreturned))
        case .docsPerReturned: return .number(Double(a.docsExamined) / Double(max(a.nreturned, 1)))
        case .keysPerReturned: return .number(Double(a.keysExamined) / Double(max(a.nreturned, 1)))
        case .docsPerOp: return per(a.docsExamined)
        case .keysPerOp: return per(a.keysExamined)
        case .returnedPerOp: return per(a.nreturned)
        // Absent when neither counter was ever above 0 (old servers log neither for some commands).
        case .scannedPerOp: return a.keysExamined == 0 && a.docsExamined == 0 ? nil : per(max(a.keysExamined, a.docsExamined))
        case .scannedPerReturned:
            if a.keysExamined == 0 && a.docsExamined == 0 { return nil }
            return .number(Double(max(a.keysExamined, a.docsExamined)) / Double(max(a.nreturned, 1)))
        case .yieldsPerOp: return per(a.yieldsTotal)
        case .yieldsMax: return .number(Double(a.yieldsMax))
        case .reslenPerOp: return per(a.reslen)
        case .reslenTotalMB: return .number(Double(a.reslen) / 1_048_576)
        // Clamped to 1: a wait cannot exceed the operations (some logs sum overlapping waits).
        case .lockWaitShare: return .number(min(1, Double(a.lockWaitMicros) / 1000 / Double(max(a.durationTotal, 1))))
        case .storageWaitShare: return .number(min(1, Double(a.storageTimeReadingMicros) / 1000 / Double(max(a.durationTotal, 1))))
        case .sortStageShare: return share(a.hasSortStage)
        case .usedDiskShare: return share(a.usedDisk)
        case .multiPlannerShare: return share(a.fromMultiPlanner)
        case .replannedShare: return share(a.replanned)
        case .collscanShare: return share(a.plans.filter { $0.key.hasPrefix("COLLSCAN") }.reduce(0) { $0 + $1.value })
        case .planCount: return .number(Double(a.plans.count))
        case .truncatedLines: return .number(Double(a.truncated))
        case .truncatedShape: return .bool(a.shape.isTruncated)
        case .errors: return .number(Double(a.errors))
        case .spanMinutes: return .number(span)
        case .opsPerMinute: return .number(Double(a.count) / max(span, 1))
        }
    }
}

/// Fields of the group a finding of an event rule (slowOperation, line) or a kill rule sums up.
public enum GroupFields {
    public static let eventSpecs: [FieldSpec] = [
        FieldSpec("matchedOps", .number, "events of this shape the rule matched"),
        FieldSpec("matchedMs", .number, "their summed duration, ms"),
        FieldSpec("matchedShare", .number, "matchedMs / all slow-operation time in the run (0..1)"),
    ]
    public static let killSpecs: [FieldSpec] = [
        FieldSpec("kills", .number, "kills of this process name the rule matched"),
    ]
}
