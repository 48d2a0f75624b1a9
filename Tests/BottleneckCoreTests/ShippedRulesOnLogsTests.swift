import Testing
import Foundation
import BottleneckCore
import BottleneckTestSupport

/// The shipped rules on real-shaped logs, through the parsers (fixtures under Fixtures/logs).
@Suite struct ShippedRulesOnLogsTests {
    static func run(_ fixture: String, readSize: Int = 65_536) throws -> Report {
        var options = AnalysisOptions()
        options.readSize = readSize
        options.rules = RuleSet(try ShippedRules.load())
        let analyzer = Analyzer(options: options)
        analyzer.analyze(path: fixturePath(fixture))
        return Report(result: analyzer.result)
    }

    /// 3 ops with an unanchored case-insensitive $regex (90 ms each), 3 anchored, 1 regex literal.
    @Test(arguments: boundaryReadSizes)
    func unanchoredRegexIsFoundOnlyOnTheHotUnanchoredShape(readSize: Int) throws {
        var options = AnalysisOptions()
        options.rules = RuleSet(try ShippedRules.load())
        let text = try String(contentsOfFile: fixturePath("rules-regex-logv2.log"), encoding: .utf8)
        let result = analyzeText(text, readSize: readSize, options: options)
        let report = Report(result: result)
        let found = report.rules.findings.filter { $0.rule == "unanchored-regex" }
        #expect(found.count == 1)
        let f = try #require(found.first)
        guard case .shape(_, let ns, let op, let shape) = f.subject else { Issue.record("not a shape"); return }
        #expect(ns == "testdb.vehicles" && op == "find")
        #expect(shape.hasPrefix("filter {color: {$options: ?string, $regex: ?string}}"))
        #expect(f.evidence.first { $0.name == "matchedOps" }?.value == 3)
        #expect(f.accountedMs == 270)
    }

    @Test func collectionScanOnAGetMoreProposesEqualityThenInThenSort() throws {
        let report = try Self.run("logv2-versions.log")
        let f = try #require(report.rules.findings.first { $0.rule == "collection-scan" && $0.subject.shapeId != nil && $0.message.contains("jobs.queue") })
        #expect(f.message.contains("reading 250,000 documents per operation to return 1,000"))
        #expect(f.advice.contains("db.queue.createIndex({ state: 1, owner: 1, _id: 1 })"), "\(f.advice)")
        // The fixture's lock wait (3,000 s on a 4 s operation) is clamped to the whole duration.
        let lock = try #require(report.rules.findings.first { $0.rule == "lock-wait-dominates" })
        #expect(lock.evidence.first { $0.name == "lockWaitShare" }?.value == 1)
        // An index build yields a lot but is not a query: no high-yields advice about indexes for it.
        #expect(!report.rules.findings.contains { $0.rule == "high-yields" && $0.message.hasPrefix("createIndexes") })
    }

    /// The hatchet 6.0.11 sample: 10,175 inserts (1,330,364 ms) and 2,988 finds, deletes and
    /// updates by { email: 1 }, each examining at most one document yet taking ~125 ms.
    @Test func hatchetSampleIsSlowDespiteEfficientPlans() throws {
        let report = try Self.run("hatchet-sample-mongod-6.0.11.log.gz")
        let slow = report.rules.findings.filter { $0.rule == "slow-despite-efficient-plan" }
        let ops = slow.compactMap { f -> String? in
            guard case .shape(_, let ns, let op, _) = f.subject else { return nil }
            return "\(ns) \(op)"
        }
        #expect(ops == ["testdb.__examples insert", "testdb.__examples find", "testdb.__examples delete", "testdb.__examples update"])
        #expect(slow.first?.message.hasPrefix("10,175 insert operations on testdb.__examples took 131 ms on average") == true)
        #expect(slow.first?.accountedMs == 1_330_364)
        #expect(!report.rules.findings.contains { $0.rule.hasPrefix("collection-scan") })
    }

    /// The talk's case 1: docker memcg at 20 GB of 20 GB, outboundd holding all of it.
    @Test func talkCase1MemcgAtLimitDominatedByOneProcess() throws {
        let report = try Self.run("oom/linux-4.4-talk-case1-docker-memcg-v1.txt")
        #expect(report.rules.findings.map(\.rule) == ["memcg-limit-one-process"])
        let f = try #require(report.rules.findings.first)
        #expect(f.message.hasPrefix("Memory cgroup /docker/749b1d12085c451c0714abd85b6112795eafc8356d77083aaa0e578db8353143 was at 100% of its 20,480 MiB limit and outboundd held 100% of the rss"), "\(f.message)")
        #expect(f.message.hasSuffix("the kernel killed outboundd (pid 104302, rss 20,488 MiB)."), "\(f.message)")
    }

    /// Six memcg kills in 4 s: python3, mysqld, worker ×3, pg-backend (Fixtures/logs/oom, local probe).
    @Test func databaseKillAndCrashLoopRankFirst() throws {
        let report = try Self.run("oom/local-linux-6.18-dmesg-iso.txt")
        let critical = report.rules.findings.filter { $0.severity == .critical }
        #expect(critical.map(\.rule).sorted() == ["oom-crash-loop", "oom-kill-database-process"])
        #expect(report.rules.findings.prefix(2).allSatisfy { $0.severity == .critical })
        let loop = try #require(critical.first { $0.rule == "oom-crash-loop" })
        #expect(loop.message.hasPrefix("worker was killed by the OOM killer 3 times within an hour"))
        let db = try #require(critical.first { $0.rule == "oom-kill-database-process" })
        guard case .kill(let process, _, let pid, _, _, let line) = db.subject else { Issue.record("not a kill"); return }
        #expect(process == "mysqld" && pid == 7009 && line == 159)
    }
}

/// Legacy text logs through the shipped rules.
@Suite struct ShippedRulesOnLegacyLogsTests {
    /// mtools collscans.log (2.4.9): three unindexed queries on test.docs, nscanned 100,000 each,
    /// scanAndOrder; 674 TTL-monitor queries on system.indexes that scan 0 or 1 entries.
    @Test(arguments: boundaryReadSizes)
    func collscansLogReportsCollectionScansWithTheirShapesAndIndexes(readSize: Int) throws {
        let report = try ShippedRulesOnLogsTests.run("mtools-collscans-2.4.9.log", readSize: readSize)
        let scans = report.rules.findings.filter { $0.rule == "collection-scan-unlogged-plan" }
        let subjects = scans.compactMap { f -> String? in
            guard case .shape(_, let ns, let op, let text) = f.subject else { return nil }
            return "\(ns) \(op) \(text)"
        }
        #expect(subjects.sorted() == [
            "test.docs find filter {foo: ?number} sort {bar: -1}",
            "test.docs find filter {foo: ?number} sort {foo: -1}",
            "test.docs find filter {foo: {$in: ?array<?number>}} sort {bar: -1}",
        ])
        let advice = Set(scans.map { f in f.advice.contains("db.docs.createIndex({ foo: 1, bar: -1 })") || f.advice.contains("db.docs.createIndex({ foo: 1 })") })
        #expect(advice == [true])
        #expect(scans.allSatisfy { $0.message.contains("scanned 100,000 entries per operation") })
        // Nothing about the TTL monitor's queries, and no duplicate "keys examined" finding for 2.x nscanned.
        #expect(!report.rules.findings.contains { f in
            if case .shape(_, let ns, _, _) = f.subject { return ns.hasSuffix("system.indexes") }
            return false
        })
        #expect(!report.rules.findings.contains { $0.rule == "keys-examined-far-above-returned" })
        #expect(report.rules.findings.filter { $0.rule == "in-memory-sort" }.count == 3)
    }

    /// The talk's case 2 lines: counts with COUNT { <INDEX> }, 1.2-2.6 s, 73-1,560 yields, no nscanned.
    @Test func talkCase2SlowCountsAreBroadCounts() throws {
        let report = try ShippedRulesOnLogsTests.run("talk-case2-slow-counts.txt")
        let counts = report.rules.findings.filter { $0.rule == "broad-count" }
        #expect(counts.count == 2)
        #expect(counts.allSatisfy { $0.message.hasPrefix("count on nsone.records took") && $0.message.contains("an unlogged number of keys") })
        let durations: [Double] = [2107, 2144, 2558, 1482, 1194, 2160, 2127, 2593]  // the eight lines, by hand
        #expect(counts.map(\.accountedMs).reduce(0, +) == durations.reduce(0, +))
    }
}
