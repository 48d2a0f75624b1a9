import Testing
import Foundation
import BottleneckCore
import BottleneckTestSupport

/// The fixture pair in Fixtures/logs/oom-timeline (scripts/make-oom-timeline-fixture.py):
/// mongod.log has one slow find (120 ms) per minute 10:00–10:40 UTC (41) and a surge of 60
/// slow aggregations (2,500 ms) every 5 s from 10:25:05 to 10:30:00; kern.log kills mongod
/// at 10:30:02.345.
///
/// Worked by hand: the window [10:25:02.345, 10:30:02.345) holds the 60 aggregations and the
/// finds of 10:26–10:30 (5): 65 ops, 150,600 ms. The rest: 36 ops, 4,320 ms over the span
/// 10:00:00–10:40:01 (2,401 s) minus the 300 s window = 2,101 s = 35.017 min → 1.028 ops/min,
/// 123.37 ms/min. Window: 13 ops/min, 30,120 ms/min → ratios 12.645 and 244.144.
@Suite struct OOMTimelineTests {
    func pair(readSize: Int) throws -> RunSummary {
        var o = AnalysisOptions()
        o.readSize = readSize
        let a = Analyzer(options: o)
        for f in ["mongod.log", "kern.log"] {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: fixturePath("oom-timeline/" + f))))
            a.analyze(source: MemorySource(bytes, chunk: readSize), path: f)
        }
        return a.result
    }

    @Test(arguments: boundaryReadSizes)
    func theKillComesAfterASurgeOfSlowQueries(readSize: Int) throws {
        let result = try pair(readSize: readSize)
        #expect(result.shapes.operations == 101)
        let kills = result.oom.kills
        #expect(kills.map(\.pid) == [2290] && kills[0].processName == "mongod")
        #expect(kills[0].timestamp?.iso8601 == "2026-03-10T10:30:02.345Z")
        #expect(kills[0].restartJob == "mongod.service" && kills[0].restartDelayMillis == 5300)
        let w = try #require(result.timeline.window(before: kills[0]))
        #expect(w.slowOps == 65)
        #expect(w.totalMillis == 150_600)
        #expect(abs(w.restSlowOpsPerMinute - 36 / (2101.0 / 60)) < 1e-9)
        #expect(abs(w.countRatio! - 12.645) < 0.001)
        #expect(abs(w.latencyRatio! - 244.144) < 0.001)
        #expect(w.topShapes.first?.namespace == "metrics.events" && w.topShapes.first?.count == 60)
        #expect(w.topShapes.first?.totalMillis == 150_000)
        // Per-minute buckets: the surge minutes and the kill's minute.
        let minutes = result.timeline.minutes(kills: kills)
        #expect(minutes.count == 41)
        let byMinute = Dictionary(uniqueKeysWithValues: minutes.map { ($0.start.iso8601, $0) })
        #expect(byMinute["2026-03-10T10:25:00.000Z"]?.slowOps == 12)  // 1 find + 11 aggregations (:05…:55)
        #expect(byMinute["2026-03-10T10:26:00.000Z"]?.slowOps == 13)
        #expect(byMinute["2026-03-10T10:26:00.000Z"]?.totalMillis == 30_120)  // 120 + 12 × 2,500
        #expect(byMinute["2026-03-10T10:30:00.000Z"]?.kills.map(\.pid) == [2290])
        #expect(byMinute["2026-03-10T10:10:00.000Z"]?.slowOps == 1)
    }

    @Test func analyzeMongodLogAndKernLogShowsTheKillOnTheTimeline() throws {
        let r = try runBottleneck(["analyze", "--no-color", fixturePath("oom-timeline/mongod.log"), fixturePath("oom-timeline/kern.log")])
        #expect(r.status == 0)
        let out = r.stdout
        #expect(out.contains("OOM kills: 1"))
        #expect(out.contains("2026-03-10 10:30:02.345  2290  mongod"))
        #expect(out.contains("mongod (pid 2290): 65 slow ops, 150,600 ms; 12.6× the rest's rate, latency 244.1×"))
        #expect(out.contains("metrics.events aggregate ×60, 150,000 ms"))
        // the minute rows from 10:25 to the kill's minute, the kill marked on its minute
        #expect(out.contains("10:26      13 ops    30,120 ms"))
        #expect(out.contains("10:30       2 ops     2,620 ms"))
        #expect(out.contains("← mongod 2290"))
        // --oom-window 2: [10:28:02.345, 10:30:02.345) holds 24 aggregations (10:28:05…10:30:00)
        // and the finds of 10:29 and 10:30.
        let r2 = try runBottleneck(["analyze", "--no-color", "--oom-window", "2", fixturePath("oom-timeline/mongod.log"), fixturePath("oom-timeline/kern.log")])
        #expect(r2.stdout.contains("Slow queries before each kill (2 min window)"))
        #expect(r2.stdout.contains("mongod (pid 2290): 26 slow ops, 60,240 ms"))
    }

    @Test func jsonReportHasTheOOMFieldsAndFollowsTheSchema() throws {
        let r = try runBottleneck(["analyze", "--format", "json", fixturePath("oom-timeline/mongod.log"), fixturePath("oom-timeline/kern.log"),
                                   fixturePath("oom/local-linux-6.18-dmesg-iso.txt")])
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
        #expect(schemaViolations(obj, schema: try reportSchema()).isEmpty)
        let d = try #require(obj as? [String: Any])
        let totals = try #require(d["totals"] as? [String: Any])
        #expect(totals["oomKills"] as? Int == 7)
        let oom = try #require(d["oom"] as? [String: Any])
        let kills = try #require(oom["kills"] as? [[String: Any]])
        #expect(kills.map { $0["pid"] as? Int } == [2290, 6976, 7009, 7016, 7048, 7078, 7085])  // time order: March, then November
        let before = try #require(kills.first?["slowQueriesBefore"] as? [String: Any])
        #expect(before["slowOps"] as? Int == 65)
        let loops = try #require(oom["crashLoops"] as? [[String: Any]])
        #expect(loops.count == 1 && loops[0]["process"] as? String == "worker" && loops[0]["intervalsMs"] as? [Int] == [609, 613])
        #expect((oom["byProcess"] as? [[String: Any]])?.first?["key"] as? String == "worker")
        #expect((oom["byCgroup"] as? [[String: Any]])?.count == 2)
        let timeline = try #require(d["timeline"] as? [[String: Any]])
        #expect(timeline.count == 42)  // 41 mongod minutes + 14:50, the minute of all six probe kills
    }

    @Test func manyDistinctShapesInAMinuteStayBoundedAndTheHeavyShapeWins() {
        let tl = Timeline()
        let base: Int64 = 1_773_136_800_000  // 2026-03-10T10:00:00Z
        func op(_ i: Int, ms: Int64, text: String, at: Int64) -> SlowOperation {
            var o = SlowOperation(format: "test", source: SourceLocation(input: 0, line: i), namespace: "db.c", operation: "find",
                                  shape: QueryShape.make(namespace: "db.c", operation: "find", text: text), durationMillis: ms)
            o.timestamp = Timestamp(millis: at)
            return o
        }
        // 20,000 one-off shapes of 10 ms (a cardinality explosion) and one shape of 5 s every 100 ops.
        for i in 0..<20_000 {
            tl.add(op(i, ms: 10, text: "filter {f\(i): ?number}", at: base + Int64(i) * 2))
            if i % 100 == 0 { tl.add(op(i, ms: 5000, text: "filter {heavy: ?string}", at: base + Int64(i) * 2)) }
        }
        var kill = OOMKill(format: "kernel", source: SourceLocation(input: 1, line: 1))
        kill.timestamp = Timestamp(millis: base + 60_000)
        let w = tl.window(before: kill)!
        #expect(w.slowOps == 20_200)
        #expect(w.totalMillis == 200_000 + 200 * 5000)
        #expect(w.topShapes.first?.shape == "filter {heavy: ?string}")
        // Space-Saving may over-count the heavy shape by what it inherited, never under-count it.
        #expect(w.topShapes.first!.totalMillis >= 1_000_000)
        #expect(w.topShapes.count == 3)
    }
}

