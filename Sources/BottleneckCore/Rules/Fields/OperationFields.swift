/// Fields of one slow operation (rule target `slowOperation`).
public enum OperationFields {
    enum Name: String, CaseIterable {
        case namespace, database, collection, operation, type, shape, shapeId, plan, planKind, appName, errName
        case line
        case durationMs, docsExamined, keysExamined, nreturned, docsPerReturned, keysPerReturned
        case numYields, reslen, lockWaitMs, lockWaitShare, storageReadMs, storageWaitShare, planningMs, cpuMs
        case nMatched, nModified, writeConflicts
        case hasSortStage, usedDisk, fromMultiPlanner, replanned, truncated

        var spec: FieldSpec {
            switch self {
            case .namespace: return FieldSpec(rawValue, .string, "db.collection")
            case .database: return FieldSpec(rawValue, .string, "database part of the namespace")
            case .collection: return FieldSpec(rawValue, .string, "collection part of the namespace")
            case .operation: return FieldSpec(rawValue, .string, "find, aggregate, count, getMore, update, ...")
            case .type: return FieldSpec(rawValue, .string, "raw operation type as logged")
            case .shape: return FieldSpec(rawValue, .string, "literal-free shape text")
            case .shapeId: return FieldSpec(rawValue, .string, "16 hex digits")
            case .plan: return FieldSpec(rawValue, .string, "planSummary as logged")
            case .planKind: return FieldSpec(rawValue, .string, "COLLSCAN, IXSCAN, ...")
            case .appName: return FieldSpec(rawValue, .string, "client appName")
            case .errName: return FieldSpec(rawValue, .string, "error name when the operation failed")
            case .line: return FieldSpec(rawValue, .text, "the raw log line (regexes only)")
            case .durationMs: return FieldSpec(rawValue, .number, "duration in ms")
            case .docsExamined: return FieldSpec(rawValue, .number, "documents examined")
            case .keysExamined: return FieldSpec(rawValue, .number, "index keys examined")
            case .nreturned: return FieldSpec(rawValue, .number, "documents returned")
            case .docsPerReturned: return FieldSpec(rawValue, .number, "docsExamined / max(nreturned, 1)")
            case .keysPerReturned: return FieldSpec(rawValue, .number, "keysExamined / max(nreturned, 1)")
            case .numYields: return FieldSpec(rawValue, .number, "yields")
            case .reslen: return FieldSpec(rawValue, .number, "response bytes")
            case .lockWaitMs: return FieldSpec(rawValue, .number, "time acquiring locks, ms")
            case .lockWaitShare: return FieldSpec(rawValue, .number, "lock wait / duration, at most 1")
            case .storageReadMs: return FieldSpec(rawValue, .number, "storage time reading, ms")
            case .storageWaitShare: return FieldSpec(rawValue, .number, "storage read time / duration, at most 1")
            case .planningMs: return FieldSpec(rawValue, .number, "planning time, ms")
            case .cpuMs: return FieldSpec(rawValue, .number, "CPU time, ms")
            case .nMatched: return FieldSpec(rawValue, .number, "documents matched by a write")
            case .nModified: return FieldSpec(rawValue, .number, "documents modified by a write")
            case .writeConflicts: return FieldSpec(rawValue, .number, "write conflicts")
            case .hasSortStage: return FieldSpec(rawValue, .bool, "in-memory sort (hasSortStage / scanAndOrder)")
            case .usedDisk: return FieldSpec(rawValue, .bool, "spilled to disk")
            case .fromMultiPlanner: return FieldSpec(rawValue, .bool, "plan chosen by the multi-planner")
            case .replanned: return FieldSpec(rawValue, .bool, "the plan cache entry was replanned")
            case .truncated: return FieldSpec(rawValue, .bool, "the server truncated the logged command")
            }
        }
    }

    public static let specs: [FieldSpec] = Name.allCases.map(\.spec)
    static let names: [Name] = Name.allCases
    static let lineIndex = Name.allCases.firstIndex(of: .line)!

    static func value(_ field: Int, of op: SlowOperation) -> FieldValue? {
        func n(_ v: Int64?) -> FieldValue? { v.map { .number(Double($0)) } }
        func b(_ v: Bool?) -> FieldValue? { v.map { .bool($0) } }
        func s(_ v: String?) -> FieldValue? { v.map { .string($0) } }
        func share(_ micros: Int64?) -> FieldValue? {
            guard let micros else { return nil }
            // Clamped: a wait cannot exceed the operation (some logs sum overlapping waits).
            return .number(min(1, Double(micros) / 1000 / Double(max(op.durationMillis, 1))))
        }
        switch names[field] {
        case .namespace: return .string(op.namespace)
        case .database: return .string(NamespaceParts.database(op.namespace))
        case .collection: return .string(NamespaceParts.collection(op.namespace))
        case .operation: return .string(op.operation)
        case .type: return s(op.type)
        case .shape: return .string(op.shape.text)
        case .shapeId: return .string(op.shape.idHex)
        case .plan: return s(op.plan?.raw)
        case .planKind: return s(op.plan?.kind)
        case .appName: return s(op.appName)
        case .errName: return s(op.errName)
        case .line: return nil
        case .durationMs: return .number(Double(op.durationMillis))
        case .docsExamined: return n(op.docsExamined)
        case .keysExamined: return n(op.keysExamined)
        case .nreturned: return n(op.nreturned)
        case .docsPerReturned: return op.docsExamined.map { .number(Double($0) / Double(max(op.nreturned ?? 0, 1))) }
        case .keysPerReturned: return op.keysExamined.map { .number(Double($0) / Double(max(op.nreturned ?? 0, 1))) }
        case .numYields: return n(op.numYields)
        case .reslen: return n(op.reslen)
        case .lockWaitMs: return op.lockWaitMicros.map { .number(Double($0) / 1000) }
        case .lockWaitShare: return share(op.lockWaitMicros)
        case .storageReadMs: return op.storageTimeReadingMicros.map { .number(Double($0) / 1000) }
        case .storageWaitShare: return share(op.storageTimeReadingMicros)
        case .planningMs: return op.planningTimeMicros.map { .number(Double($0) / 1000) }
        case .cpuMs: return op.cpuNanos.map { .number(Double($0) / 1_000_000) }
        case .nMatched: return n(op.nMatched)
        case .nModified: return n(op.nModified)
        case .writeConflicts: return n(op.writeConflicts)
        case .hasSortStage: return b(op.hasSortStage)
        case .usedDisk: return b(op.usedDisk)
        case .fromMultiPlanner: return b(op.fromMultiPlanner)
        case .replanned: return b(op.replanned)
        case .truncated: return .bool(op.truncated)
        }
    }
}

/// Fields of a raw log line (rule target `line`).
public enum LineFields {
    public static let specs: [FieldSpec] = [FieldSpec("line", .text, "the raw log line (regexes only)")]
}

enum NamespaceParts {
    static func database(_ ns: String) -> String {
        guard let dot = ns.firstIndex(of: ".") else { return ns }
        return String(ns[..<dot])
    }
    static func collection(_ ns: String) -> String {
        guard let dot = ns.firstIndex(of: ".") else { return "" }
        return String(ns[ns.index(after: dot)...])
    }
}
