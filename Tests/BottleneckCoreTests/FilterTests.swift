import Testing
import BottleneckCore

@Suite struct FilterTests {
    @Test(arguments: [
        ("shop.*", "shop.orders", true), ("shop.*", "shopx.orders", false), ("*.orders", "a.orders", true),
        ("s?op.orders", "shop.orders", true), ("shop.[ox]*", "shop.orders", true), ("shop.[!o]*", "shop.orders", false),
        ("*", "", true), ("a*b*c", "a-x-b-y-c", true), ("a*b*c", "a-x-b-y-d", false),
    ])
    func globMatching(pattern: String, text: String, expected: Bool) {
        #expect(Glob.matches(pattern, text) == expected)
    }

    func op(_ ns: String, _ operation: String, ms: Int64, plan: String?, at t: String) -> Event {
        var o = SlowOperation(format: "test", source: SourceLocation(input: 0, line: 1), namespace: ns, operation: operation,
                              shape: QueryShape.make(namespace: ns, operation: operation, text: "filter {a: ?number}"), durationMillis: ms)
        o.plan = plan.map(PlanSummary.parse)
        o.timestamp = Timestamp.parseISO8601(t)
        return .slowOperation(o)
    }

    @Test func combinesEveryFilter() {
        var f = EventFilter()
        f.since = Timestamp.parseISO8601("2024-01-01T00:00:00Z")
        f.until = Timestamp.parseISO8601("2024-01-02T00:00:00Z")
        f.namespaceGlobs = ["shop.*"]
        f.operations = ["find"]
        f.minMillis = 100
        f.planKinds = ["COLLSCAN"]
        #expect(f.accepts(op("shop.orders", "find", ms: 150, plan: "COLLSCAN", at: "2024-01-01T12:00:00Z")))
        #expect(!f.accepts(op("shop.orders", "find", ms: 150, plan: "COLLSCAN", at: "2024-01-02T00:00:00Z")))  // until is exclusive
        #expect(!f.accepts(op("shop.orders", "find", ms: 150, plan: "COLLSCAN", at: "2023-12-31T23:59:59Z")))
        #expect(!f.accepts(op("blog.posts", "find", ms: 150, plan: "COLLSCAN", at: "2024-01-01T12:00:00Z")))
        #expect(!f.accepts(op("shop.orders", "aggregate", ms: 150, plan: "COLLSCAN", at: "2024-01-01T12:00:00Z")))
        #expect(!f.accepts(op("shop.orders", "find", ms: 99, plan: "COLLSCAN", at: "2024-01-01T12:00:00Z")))
        #expect(!f.accepts(op("shop.orders", "find", ms: 150, plan: "IXSCAN { a: 1 }", at: "2024-01-01T12:00:00Z")))
    }

    @Test func planSummaryIsSplitIntoKindAndIndex() {
        let p = PlanSummary.parse("IXSCAN { a: 1, b: -1 }, IXSCAN { c: 1 }")
        #expect(p.kind == "IXSCAN")
        #expect(p.index == "{ a: 1, b: -1 }")
        #expect(p.label == "IXSCAN { a: 1, b: -1 }")
        #expect(PlanSummary.parse("COLLSCAN").index == nil)
    }
}
