import Testing
import Foundation
import BottleneckCore
import BottleneckTestSupport

/// The memory-bounded (Space-Saving) shape table: exact while shapes fit, exact totals and stated
/// error bounds once it evicts.
@Suite struct BoundedShapeTableTests {
    /// A deterministic Zipf-like stream: shape s (0-based rank) appears about `heavy / (s + 1)`
    /// times, interleaved, plus `tail` shapes seen once each.
    func stream(shapes: Int, heavy: Int, tail: Int) -> [SlowOperation] {
        var ops: [SlowOperation] = []
        var counts = (0..<shapes).map { max(1, heavy / ($0 + 1)) }
        var line = 0
        var tailLeft = tail
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        while counts.contains(where: { $0 > 0 }) {
            for s in 0..<shapes where counts[s] > 0 {
                counts[s] -= 1
                line += 1
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                ops.append(op(ns: "db\(s % 5).c\(s % 11)", text: "filter {k\(s): ?number}", ms: Int64(state >> 54), line: line))
                if tailLeft > 0 && line % 3 == 0 {
                    tailLeft -= 1
                    line += 1
                    ops.append(op(ns: "tail.t", text: "filter {u\(tailLeft): ?number}", ms: 7, line: line))
                }
            }
        }
        for i in 0..<tailLeft {
            line += 1
            ops.append(op(ns: "tail.t", text: "filter {v\(i): ?number}", ms: 7, line: line))
        }
        return ops
    }

    func op(ns: String, text: String, ms: Int64, line: Int) -> SlowOperation {
        var o = SlowOperation(format: "test", source: SourceLocation(input: 0, line: line), namespace: ns, operation: "find",
                              shape: QueryShape.make(namespace: ns, operation: "find", text: text), durationMillis: ms)
        o.numYields = ms % 3
        o.docsExamined = ms * 10
        o.nreturned = ms % 4
        o.plan = PlanSummary.parse(ms % 2 == 0 ? "COLLSCAN" : "IXSCAN { k: 1 }")
        o.timestamp = Timestamp(millis: 1_700_000_000_000 + Int64(line) * 1000)
        o.queryHash = String(ms % 5)
        return o
    }

    func json(_ r: RunSummary) -> String {
        JSONReporter().render(Report(result: r), options: ReportOptions())
    }

    func table(_ r: RunSummary) -> String {
        TableReporter().render(Report(result: r), options: ReportOptions())
    }

    @Test func boundedTableThatFitsGivesTheExactReport() {
        let ops = stream(shapes: 120, heavy: 400, tail: 0)
        let exact = RunSummary(), fits = RunSummary(maxShapes: 120), roomy = RunSummary(maxShapes: 100_000)
        for o in ops {
            exact.shapes.add(o)
            fits.shapes.add(o)
            roomy.shapes.add(o)
        }
        #expect(exact.shapes.byId.count == 120)
        #expect(fits.shapes.evictions == 0 && fits.shapes.other == nil)
        #expect(json(fits) == json(exact))
        #expect(json(roomy) == json(exact))
        #expect(table(fits) == table(exact))
        #expect(!json(exact).contains("otherShapes") && !table(exact).contains("memory budget"))
    }

    @Test func boundedRunOnARealLogMatchesTheExactRun() {
        var o = AnalysisOptions()
        let exact = Analyzer(options: o)
        exact.analyze(path: fixturePath("hatchet-sample-mongod-6.0.11.log.gz"))
        o.maxShapes = ShapeBudget.maxShapes(memoryBudgetMiB: ShapeBudget.defaultMiB)
        let bounded = Analyzer(options: o)
        bounded.analyze(path: fixturePath("hatchet-sample-mongod-6.0.11.log.gz"))
        #expect(json(bounded.result) == json(exact.result))
    }

    @Test func evictionKeepsTotalsExactAndCountsWithinTheirErrors() {
        let ops = stream(shapes: 60, heavy: 600, tail: 3_000)
        let k = 40
        let exact = ShapeTable(), bounded = ShapeTable(maxShapes: k)
        for o in ops {
            exact.add(o)
            bounded.add(o)
        }
        #expect(exact.byId.count == 60 + 3_000)
        #expect(bounded.byId.count == k)
        let other = try! #require(bounded.other)
        #expect(bounded.evictions >= Int64(exact.byId.count - k))
        // Totals stay exact.
        let n = Int64(ops.count)
        #expect(bounded.operations == n)
        #expect(bounded.byId.values.reduce(0) { $0 + $1.count } + other.count == n)
        #expect(bounded.byId.values.reduce(0) { $0 + $1.durationTotal } + other.durationTotal
                == exact.byId.values.reduce(0) { $0 + $1.durationTotal })
        // Each kept count is a lower bound within its error; errors within N/k.
        for (id, a) in bounded.byId {
            let truth = exact.byId[id]!.count
            #expect(a.count <= truth && truth <= a.count + a.countError, "\(a.shape.text): \(a.count)+\(a.countError) vs \(truth)")
            #expect(a.countError <= n / Int64(k))
        }
        // Every shape above N/k is kept.
        for (id, a) in exact.byId where a.count > n / Int64(k) {
            #expect(bounded.byId[id] != nil, "heavy shape \(a.shape.text) (\(a.count)) was evicted")
        }
        // The heaviest shapes rank first in both tables (their early operations may be in "other":
        // at the start every shape is equally small and the round-robin stream evicts some).
        let topExact = exact.byId.values.sorted { $0.count > $1.count }.prefix(5).map(\.shape.id)
        let topBounded = bounded.byId.values.sorted { $0.count > $1.count }.prefix(5).map(\.shape.id)
        #expect(topExact == topBounded)
    }

    @Test func evictingRunsAreDeterministicAndReportTheirBounds() throws {
        let ops = stream(shapes: 30, heavy: 300, tail: 500)
        let r1 = RunSummary(maxShapes: 25), r2 = RunSummary(maxShapes: 25)
        for o in ops { r1.shapes.add(o) }
        for o in ops { r2.shapes.add(o) }
        #expect(json(r1) == json(r2))
        let report = Report(result: r1)
        #expect(report.countErrorBound == Int64(ops.count) / 25)
        #expect(report.maxCountError <= report.countErrorBound && report.maxCountError > 0)
        let text = json(r1)
        let obj = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        let other = try #require(obj["otherShapes"] as? [String: Any])
        #expect(other["maxShapes"] as? Int == 25)
        #expect(other["countErrorBound"] as? Int == ops.count / 25)
        let shapes = obj["shapes"] as! [[String: Any]]
        #expect(shapes.allSatisfy { $0["countError"] is Int })
        #expect(shapes.reduce(0) { $0 + ($1["count"] as! Int) } + (other["operations"] as! Int) == ops.count)
        #expect(schemaViolations(obj, schema: try reportSchema()).isEmpty)
        #expect(table(r1).contains("memory budget: at most 25 shapes kept"))
    }

    @Test func mergedBoundedTablesKeepTotalsAndBounds() {
        let ops = stream(shapes: 50, heavy: 500, tail: 2_000)
        let k = 30
        let exact = ShapeTable(), a = ShapeTable(maxShapes: k), b = ShapeTable(maxShapes: k)
        for (i, o) in ops.enumerated() {
            exact.add(o)
            if i < ops.count / 2 { a.add(o) } else { b.add(o) }
        }
        a.merge(b)
        let n = Int64(ops.count)
        #expect(a.byId.count == k && a.operations == n)
        #expect(a.byId.values.reduce(0) { $0 + $1.count } + (a.other?.count ?? 0) == n)
        for (id, s) in a.byId {
            let truth = exact.byId[id]!.count
            #expect(s.count <= truth && truth <= s.count + s.countError)
            #expect(s.countError <= n / Int64(k))
        }
    }

    /// Many bounded tables merged one after another (as `bottleneck merge` does with partials)
    /// keep exactly the shapes and counters of the mergeable Space-Saving rule, computed here the
    /// plain way (every counter, sorted) after each step; streamed adds in between included.
    @Test func chainedMergesFollowTheMergeableRule() {
        struct Ref { var count: Int64; var error: Int64 }
        func floor(_ t: [UInt64: Ref], evicted: Bool) -> Int64 {
            evicted ? t.values.map { $0.count + $0.error }.min() ?? 0 : 0
        }
        let k = 40
        let merged = ShapeTable(maxShapes: k)
        var ref: [UInt64: Ref] = [:]
        var refOther: Int64 = 0, refEvictions: Int64 = 0
        for part in 0..<30 {
            // Parts overlap their neighbours; every third is itself bounded and evicts.
            let ops = stream(shapes: 30 + part % 7, heavy: 40 + part * 3, tail: part % 4 == 0 ? 60 : 0)
                .map { o -> SlowOperation in
                    let text = o.shape.text + " p\((part + o.source.line) % 9)"
                    var c = o
                    c.shape = QueryShape.make(namespace: o.namespace, operation: o.operation, text: text)
                    return c
                }
            let t = ShapeTable(maxShapes: part % 3 == 0 ? 25 : nil)
            for o in ops { t.add(o) }
            // The reference merge.
            let mine = floor(ref, evicted: refEvictions > 0), theirs = t.evictionFloor
            var theirRef: [UInt64: Ref] = [:]
            for (id, a) in t.byId { theirRef[id] = Ref(count: a.count, error: a.countError) }
            if theirs > 0 { for id in ref.keys where theirRef[id] == nil { ref[id]!.error += theirs } }
            for (id, r) in theirRef {
                if let m = ref[id] { ref[id] = Ref(count: m.count + r.count, error: m.error + r.error) }
                else { ref[id] = Ref(count: r.count, error: r.error + mine) }
            }
            refOther += t.other?.count ?? 0
            refEvictions += t.evictions
            if ref.count > k {
                let ranked = ref.sorted { ($0.value.count + $0.value.error, $0.key) < ($1.value.count + $1.value.error, $1.key) }
                for (id, r) in ranked[..<(ref.count - k)] {
                    ref[id] = nil
                    refOther += r.count
                    refEvictions += 1
                }
            }
            if part % 2 == 0 { merged.merge(consuming: t) } else { merged.merge(t) }
            #expect(merged.byId.count == ref.count, "part \(part)")
            for (id, a) in merged.byId {
                #expect(ref[id]?.count == a.count && ref[id]?.error == a.countError, "part \(part)")
            }
            #expect(merged.other?.count ?? 0 == refOther && merged.evictions == refEvictions, "part \(part)")
            #expect(merged.evictionFloor == floor(ref, evicted: refEvictions > 0), "part \(part)")
            if part == 17 {
                // A streamed add between merges: the table falls back to its heap, then merges again.
                let o = ops[0]
                merged.add(o)
                if ref[o.shape.id] != nil { ref[o.shape.id]!.count += 1 } else {
                    let ranked = ref.min { ($0.value.count + $0.value.error, $0.key) < ($1.value.count + $1.value.error, $1.key) }!
                    ref[ranked.key] = nil
                    refOther += ranked.value.count
                    refEvictions += 1
                    ref[o.shape.id] = Ref(count: 1, error: ranked.value.count + ranked.value.error)
                }
            }
        }
        #expect(refEvictions > 100)
    }

    @Test func mergedExactTablesEqualOneTable() {
        let ops = stream(shapes: 40, heavy: 200, tail: 100)
        let one = RunSummary(), a = RunSummary(), b = RunSummary()
        for (i, o) in ops.enumerated() {
            one.shapes.add(o)
            if i % 3 == 0 { a.shapes.add(o) } else { b.shapes.add(o) }
        }
        a.shapes.merge(b.shapes)
        #expect(json(a) == json(one))
    }

    @Test func budgetTranslatesIntoShapes() {
        #expect(ShapeBudget.maxShapes(memoryBudgetMiB: 0) == nil)
        #expect(ShapeBudget.maxShapes(memoryBudgetMiB: 256) == (256 - 72) * 1024 * 1024 / 1280)
        #expect(ShapeBudget.maxShapes(memoryBudgetMiB: 1) == ShapeBudget.minimumShapes)
    }
}
