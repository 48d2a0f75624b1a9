import Testing
import BottleneckCore

@Suite struct AggregationTests {
    /// Exact nearest-rank quantile.
    func exact(_ sorted: [Int64], _ q: Double) -> Double {
        let rank = max(1, Int((q * Double(sorted.count)).rounded(.up)))
        return Double(sorted[rank - 1])
    }

    @Test func histogramQuantilesAreWithinOnePercent() {
        // A deterministic, skewed spread of durations from 0 ms to ~2 hours.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var values: [Int64] = []
        var h = LogHistogram()
        for _ in 0..<50_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let u = Double(state >> 11) / Double(1 << 53)
            let v = Int64(exp(u * 15.8))  // up to e^15.8 ≈ 7.3e6 ms
            values.append(v)
            h.record(v)
        }
        values.sort()
        for q in [0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0] {
            let e = exact(values, q)
            let a = h.quantile(q)
            #expect(abs(a - e) <= 0.01 * max(e, 1), "q=\(q) exact=\(e) approx=\(a)")
        }
        #expect(h.min == values.first && h.max == values.last)
        #expect(h.count == 50_000)
        // Memory is bounded by the spread, not the count.
        #expect(h.bucketCount < 800)
    }

    @Test func mergedHistogramsEqualOneHistogram() {
        var a = LogHistogram(), b = LogHistogram(), all = LogHistogram()
        for v in stride(from: Int64(0), to: 20_000, by: 7) {
            if v % 2 == 0 { a.record(v) } else { b.record(v) }
            all.record(v)
        }
        a.merge(b)
        #expect(a == all)
    }

    func op(_ ns: String, _ text: String, ms: Int64, yields: Int64, docs: Int64, ret: Int64, plan: String, line: Int) -> SlowOperation {
        var o = SlowOperation(format: "test", source: SourceLocation(input: 0, line: line), namespace: ns, operation: "find",
                              shape: QueryShape.make(namespace: ns, operation: "find", text: text), durationMillis: ms)
        o.numYields = yields
        o.docsExamined = docs
        o.nreturned = ret
        o.plan = PlanSummary.parse(plan)
        o.timestamp = Timestamp(millis: Int64(line) * 1000)
        return o
    }

    @Test func shapeAggregatesSumsPlansAndTheSlowestEvent() {
        let t = ShapeTable()
        t.add(op("a.b", "filter {x: ?number}", ms: 100, yields: 2, docs: 1000, ret: 10, plan: "COLLSCAN", line: 1))
        t.add(op("a.b", "filter {x: ?number}", ms: 300, yields: 6, docs: 3000, ret: 0, plan: "IXSCAN { x: 1 }", line: 2))
        t.add(op("a.b", "filter {y: ?string}", ms: 50, yields: 0, docs: 1, ret: 1, plan: "IDHACK", line: 3))
        #expect(t.operations == 3)
        #expect(t.byId.count == 2)
        let x = t.aggregates.first { $0.shape.text == "filter {x: ?number}" }!
        #expect(x.count == 2 && x.durationTotal == 400 && x.meanMillis == 200)
        #expect(x.yieldsTotal == 8 && x.yieldsMax == 6 && x.yieldsMean == 4)
        #expect(x.plans == ["COLLSCAN": 1, "IXSCAN { x: 1 }": 1])
        #expect(x.examinedRatio == 400)  // 4000 docs / 10 returned
        #expect(x.slowestMillis == 300 && x.slowestSource?.line == 2)
        #expect(x.firstSeen?.millis == 1000 && x.lastSeen?.millis == 2000)
    }

    @Test(arguments: ShapeSort.allCases)
    func rankingIsDeterministicForEverySort(sort: ShapeSort) {
        let r1 = RunSummary(), r2 = RunSummary()
        let ops = (0..<40).map { i in
            op("db\(i % 3).c", "filter {k\(i % 7): ?number}", ms: Int64(10 + (i * 37) % 50), yields: Int64(i % 4),
               docs: Int64(i * 10), ret: Int64(i % 5), plan: i % 2 == 0 ? "COLLSCAN" : "IXSCAN { k: 1 }", line: i + 1)
        }
        for o in ops { r1.shapes.add(o) }
        for o in ops.reversed() { r2.shapes.add(o) }
        let a = Report(result: r1, sort: sort).shapes.map { $0.shape.id }
        let b = Report(result: r2, sort: sort).shapes.map { $0.shape.id }
        #expect(a == b)
        #expect(a.count == Set(a).count)
    }
}

#if canImport(Glibc)
import Glibc
#endif

@Suite struct ServerHashNoteTests {
    func op(_ text: String, queryHash: String?, queryShapeHash: String? = nil) -> SlowOperation {
        var o = SlowOperation(format: "test", source: SourceLocation(input: 0, line: 1), namespace: "a.b", operation: "find",
                              shape: QueryShape.make(namespace: "a.b", operation: "find", text: text), durationMillis: 10)
        o.queryHash = queryHash
        o.queryShapeHash = queryShapeHash
        return o
    }

    @Test func notesShapesSpanningHashesAndHashesSpanningShapes() {
        let r = RunSummary()
        r.shapes.add(op("filter {a: ?number}", queryHash: "AAAA0001"))
        r.shapes.add(op("filter {a: ?number}", queryHash: "AAAA0002"))
        r.shapes.add(op("filter {a: ?string}", queryHash: "AAAA0002"))
        r.shapes.add(op("filter {b: ?string}", queryHash: "BBBB0001", queryShapeHash: "Q1"))
        let notes = Report(result: r).hashNotes
        let idNum = QueryShape.make(namespace: "a.b", operation: "find", text: "filter {a: ?number}").idHex
        let idStr = QueryShape.make(namespace: "a.b", operation: "find", text: "filter {a: ?string}").idHex
        #expect(notes.contains(HashNote(kind: .shapeSpansHashes, hashKind: "queryHash", hashes: ["AAAA0001", "AAAA0002"], shapeIds: [idNum])))
        #expect(notes.contains(HashNote(kind: .hashSpansShapes, hashKind: "queryHash", hashes: ["AAAA0002"], shapeIds: [idNum, idStr].sorted())))
        #expect(notes.count == 2)
    }

    /// `ShapeCounters` loops by raw value up to `cardinality` (not `allCases`, which allocates):
    /// the two must agree, or a new counter would be skipped by add and merge.
    /// `ShapeCounters.add` lists the counters for speed; on an operation with every field set it
    /// must give what the loop over `ShapeCounter.allCases` gives (a case left out fails here).
    @Test func listedAddEqualsTheLoopOverEveryCounter() {
        for role in [MemberRole.primary, .secondary] {
            var op = SlowOperation(format: "test", source: SourceLocation(input: 0, line: 1), namespace: "db.c", operation: "find",
                                   shape: QueryShape.make(namespace: "db.c", operation: "find", text: "filter {a: ?number}"), durationMillis: 7)
            op.numYields = 3; op.keysExamined = 5; op.docsExamined = 11; op.nreturned = 2; op.reslen = 13
            op.lockWaitMicros = 17; op.lockHeldMicros = 19; op.storageTimeReadingMicros = 23
            op.hasSortStage = true; op.usedDisk = true; op.fromMultiPlanner = true; op.replanned = true
            op.truncated = true; op.errCode = 50; op.role = role
            var listed = ShapeCounters(), looped = ShapeCounters()
            listed.add(op); listed.add(op)
            looped.addByLoop(op); looped.addByLoop(op)
            #expect(listed == looped)
            for c in ShapeCounter.allCases where c != (role == .primary ? .onSecondary : .onPrimary) {
                #expect(listed[c] != 0, "\(c) not added")
            }
        }
    }

    @Test func counterCardinalityCoversEveryCase() {
        #expect(ShapeCounter.cardinality == ShapeCounter.allCases.count)
        #expect(ShapeCounter.allCases.map(\.rawValue) == Array(0..<ShapeCounter.cardinality))
    }
}
