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

    /// The talk's case 1: docker memcg at 20 GB of 20 GB, outboundd holding all of it.
    @Test func talkCase1MemcgAtLimitDominatedByOneProcess() throws {
        let report = try Self.run("oom/linux-4.4-talk-case1-docker-memcg-v1.txt")
        #expect(report.rules.findings.map(\.rule) == ["memcg-limit-one-process"])
        let f = try #require(report.rules.findings.first)
        #expect(f.message.hasPrefix("Memory cgroup /docker/749b1d12085c451c0714abd85b6112795eafc8356d77083aaa0e578db8353143 was at 100% of its 20,480 MB limit and outboundd held 100% of the rss"), "\(f.message)")
        #expect(f.message.hasSuffix("the kernel killed outboundd (pid 104302, rss 20,488 MB)."), "\(f.message)")
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
