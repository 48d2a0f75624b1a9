/// Every integer counter a shape aggregate keeps, declared once.
///
/// A counter's case names where its value comes from (`value(of:)`), how two aggregates combine
/// it (`merge`: sums add, maxima take the larger) and its key in the JSON report and the summary
/// encoding (`key`). `ShapeAggregate.add`, `merge`, the run-summary codec and the JSON report all
/// loop over `allCases`, so a new counter is one case here and nothing can be forgotten: the
/// compiler checks that each switch below covers it.
///
/// Sums saturate at `Int64.max` instead of trapping, and the aggregate is marked `saturated`.
public enum ShapeCounter: Int, CaseIterable, Sendable {
    case count
    case durationTotal
    case yieldsTotal
    case yieldsMax
    case keysExamined
    case docsExamined
    case nreturned
    case reslen
    case lockWaitMicros
    case lockHeldMicros
    case storageTimeReadingMicros
    case hasSortStage
    case usedDisk
    case fromMultiPlanner
    case replanned
    case truncated
    case errors
    /// Operations that ran while the member was primary / secondary (`SlowOperation.role`).
    /// New counters go last: partials written before them are still read (missing ones are 0).
    case onPrimary
    case onSecondary

    public enum Merge: Sendable { case sum, max }

    /// Number of counters (the size of `ShapeAggregate`'s inline storage).
    public static let cardinality = 19

    @inline(__always)
    public var merge: Merge {
        switch self {
        case .yieldsMax: return .max
        case .count, .durationTotal, .yieldsTotal, .keysExamined, .docsExamined, .nreturned, .reslen,
             .lockWaitMicros, .lockHeldMicros, .storageTimeReadingMicros, .hasSortStage, .usedDisk,
             .fromMultiPlanner, .replanned, .truncated, .errors, .onPrimary, .onSecondary:
            return .sum
        }
    }

    /// Key in the JSON report (shape object) and in the partial-summary documentation.
    public var key: String {
        switch self {
        case .count: return "count"
        case .durationTotal: return "durationMsTotal"
        case .yieldsTotal: return "yieldsTotal"
        case .yieldsMax: return "yieldsMax"
        case .keysExamined: return "keysExamined"
        case .docsExamined: return "docsExamined"
        case .nreturned: return "nreturned"
        case .reslen: return "reslen"
        case .lockWaitMicros: return "lockWaitMicros"
        case .lockHeldMicros: return "lockHeldMicros"
        case .storageTimeReadingMicros: return "storageTimeReadingMicros"
        case .hasSortStage: return "hasSortStage"
        case .usedDisk: return "usedDisk"
        case .fromMultiPlanner: return "fromMultiPlanner"
        case .replanned: return "replanned"
        case .truncated: return "truncatedLines"
        case .errors: return "errors"
        case .onPrimary: return "onPrimary"
        case .onSecondary: return "onSecondary"
        }
    }

    /// What one operation contributes (nil: nothing, e.g. the field was not logged).
    @inline(__always)
    public func value(of op: SlowOperation) -> Int64? {
        switch self {
        case .count: return 1
        case .durationTotal: return op.durationMillis
        case .yieldsTotal, .yieldsMax: return op.numYields
        case .keysExamined: return op.keysExamined
        case .docsExamined: return op.docsExamined
        case .nreturned: return op.nreturned
        case .reslen: return op.reslen
        case .lockWaitMicros: return op.lockWaitMicros
        case .lockHeldMicros: return op.lockHeldMicros
        case .storageTimeReadingMicros: return op.storageTimeReadingMicros
        case .hasSortStage: return op.hasSortStage == true ? 1 : nil
        case .usedDisk: return op.usedDisk == true ? 1 : nil
        case .fromMultiPlanner: return op.fromMultiPlanner == true ? 1 : nil
        case .replanned: return op.replanned == true ? 1 : nil
        case .truncated: return op.truncated ? 1 : nil
        case .errors: return op.errName != nil || op.errCode != nil ? 1 : nil
        case .onPrimary: return op.role == .primary ? 1 : nil
        case .onSecondary: return op.role == .secondary ? 1 : nil
        }
    }

    /// The counters that the JSON report lists as plain integers in a shape object, in order
    /// (count, duration and yields have objects of their own).
    public static let flatReportOrder: [ShapeCounter] = [
        .keysExamined, .docsExamined, .nreturned, .reslen, .lockWaitMicros, .lockHeldMicros,
        .storageTimeReadingMicros, .hasSortStage, .usedDisk, .fromMultiPlanner, .replanned, .truncated, .errors,
    ]
}

/// Fixed-size storage of every `ShapeCounter` (no heap allocation per aggregate).
public struct ShapeCounters: Sendable, Equatable {
    var values: InlineArray<19, Int64> = .init(repeating: 0)
    /// A sum reached `Int64.max` and was held there.
    public internal(set) var saturated = false

    public init() {}

    @inline(__always)
    public subscript(_ c: ShapeCounter) -> Int64 {
        get { values[c.rawValue] }
        set { values[c.rawValue] = newValue }
    }

    @inline(__always)
    mutating func combine(_ c: ShapeCounter, _ v: Int64) {
        let i = c.rawValue
        switch c.merge {
        case .sum:
            let (r, o) = values[i].addingReportingOverflow(v)
            if o {
                values[i] = v < 0 ? .min : .max
                saturated = true
            } else {
                values[i] = r
            }
        case .max:
            if v > values[i] { values[i] = v }
        }
    }

    /// One operation into every counter. The hot path of aggregation: the cases are listed so
    /// that each `value(of:)` and `merge` folds to a field read and an add (a loop over the cases
    /// cost ~300 instructions an operation). `addByLoop` is the same from `allCases`; a test
    /// holds the two equal on an operation with every field set, so a case missing here fails it.
    @inline(__always)
    public mutating func add(_ op: SlowOperation) {
        one(.count, op); one(.durationTotal, op); one(.yieldsTotal, op); one(.yieldsMax, op)
        one(.keysExamined, op); one(.docsExamined, op); one(.nreturned, op); one(.reslen, op)
        one(.lockWaitMicros, op); one(.lockHeldMicros, op); one(.storageTimeReadingMicros, op)
        one(.hasSortStage, op); one(.usedDisk, op); one(.fromMultiPlanner, op); one(.replanned, op)
        one(.truncated, op); one(.errors, op); one(.onPrimary, op); one(.onSecondary, op)
    }

    @inline(__always)
    private mutating func one(_ c: ShapeCounter, _ op: SlowOperation) {
        if let v = c.value(of: op) { combine(c, v) }
    }

    /// `add` as a loop over every case (the reference `add` is tested against).
    public mutating func addByLoop(_ op: SlowOperation) {
        for c in ShapeCounter.allCases {
            if let v = c.value(of: op) { combine(c, v) }
        }
    }

    mutating func merge(_ o: ShapeCounters) {
        for i in 0..<ShapeCounter.cardinality {
            let c = ShapeCounter(rawValue: i).unsafelyUnwrapped
            combine(c, o[c])
        }
        if o.saturated { saturated = true }
    }

    public static func == (a: ShapeCounters, b: ShapeCounters) -> Bool {
        a.saturated == b.saturated && ShapeCounter.allCases.allSatisfy { a[$0] == b[$0] }
    }
}
