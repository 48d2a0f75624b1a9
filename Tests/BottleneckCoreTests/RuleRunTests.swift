import Testing
import BottleneckCore
import BottleneckTestSupport

/// End to end through RuleRun and Report with hand-built events (no parser involved).
@Suite struct RuleRunTests {
    static func op(_ ns: String, _ operation: String, _ shape: String, plan: String?, ms: Int64,
                   docs: Int64? = nil, keys: Int64? = nil, returned: Int64? = nil, sort: Bool? = nil,
                   line: Int = 1) -> SlowOperation {
        var o = SlowOperation(format: "test", source: SourceLocation(input: 0, line: line), namespace: ns, operation: operation,
                              shape: QueryShape.make(namespace: ns, operation: operation, text: shape), durationMillis: ms)
        o.plan = plan.map(PlanSummary.parse)
        o.docsExamined = docs
        o.keysExamined = keys
        o.nreturned = returned
        o.hasSortStage = sort
        return o
    }

    static func report(_ ops: [SlowOperation], kills: [OOMKill] = [], rules: [Rule]) -> Report {
        let result = RunSummary()
        let run = RuleRun(set: RuleSet(rules))
        for o in ops {
            result.shapes.add(o)
            run.observe(.slowOperation(o))
        }
        for k in kills { run.observe(.oomKill(k)) }
        result.rules = run
        return Report(result: result)
    }

    @Test func collectionScanFindingNamesShapeAndProposesTheESRIndex() throws {
        let rules = try ShippedRules.load()
        let scan = (1...3).map { Self.op("shop.orders", "find", "filter {status: ?string} sort {createdAt: -1}", plan: "COLLSCAN", ms: 900, docs: 250_000, returned: 20, sort: true, line: $0) }
        let fast = Self.op("shop.users", "find", "filter {_id: ?objectId}", plan: "IDHACK", ms: 120, docs: 1, keys: 1, returned: 1)
        let report = Self.report(scan + [fast], rules: rules)
        let f = try #require(report.rules.findings.first { $0.rule == "collection-scan" })
        #expect(f.severity == .warning)
        #expect(f.subject.shapeId == scan[0].shape.idHex)
        #expect(f.message.contains("find on shop.orders ran as a collection scan in 100% of its 3 slow operations"), "\(f.message)")
        #expect(f.message.contains("reading 250,000 documents per operation to return 20"), "\(f.message)")
        #expect(f.advice.contains("db.orders.createIndex({ status: 1, createdAt: -1 })"), "\(f.advice)")
        #expect(f.accountedMs == 2700)
        #expect(f.evidence.contains { $0.name == "docsPerOp" && $0.value == 250_000 })
        // The same shape also sorts in memory; the point lookup has no finding.
        #expect(report.rules.findings(forShape: scan[0].shape.idHex).map(\.rule).sorted() == ["collection-scan", "in-memory-sort"])
        #expect(report.rules.findings(forShape: fast.shape.idHex).isEmpty)
    }

    @Test func findingsRankBySeverityThenShare() throws {
        let rules = try ShippedRules.load()
        let small = Self.op("a.small", "find", "filter {x: ?number}", plan: "COLLSCAN", ms: 100, docs: 5000, returned: 1)
        let big = Self.op("a.big", "find", "filter {y: ?number}", plan: "COLLSCAN", ms: 5000, docs: 5000, returned: 1)
        var kill = OOMKill(format: "test", source: SourceLocation(input: 0, line: 9))
        kill.processName = "mongod"
        kill.pid = 4242
        let report = Self.report([small, big], kills: [kill], rules: rules)
        let order = report.rules.findings.map { "\($0.rule)@\($0.subject.shapeId ?? "kill")" }
        #expect(order == ["oom-kill-database-process@kill", "collection-scan@\(big.shape.idHex)", "collection-scan@\(small.shape.idHex)"])
    }

    @Test func eventRuleGroupsPerShapeAndAppliesTheThreshold() throws {
        let text = """
        id: slow-find
        title: Slow find
        severity: info
        appliesTo: slowOperation
        when:
          all:
            - field: durationMs
              gte: 1000
            - field: operation
              matches: '^find$'
        threshold:
          minEvents: 2
        message: '{matchedOps} slow finds on {namespace} ({matchedMs} ms)'
        advice: look
        examples:
          matching:
            - durationMs: 1500
              operation: find
          nonMatching:
            - durationMs: 1500
              operation: count
        """
        let rule = try RuleLoader.load(file: "slow-find.yaml", text: text)
        let a = (0..<3).map { Self.op("db.a", "find", "filter {a: ?number}", plan: "IXSCAN { a: 1 }", ms: 1000 + Int64($0)) }
        let b = [Self.op("db.b", "find", "filter {b: ?number}", plan: "IXSCAN { b: 1 }", ms: 5000)]
        let c = [Self.op("db.a", "count", "filter {a: ?number}", plan: "COUNT_SCAN", ms: 5000)]
        let report = Self.report(a + b + c, rules: [rule])
        #expect(report.rules.findings.count == 1)  // db.b has one event only: under minEvents
        let f = try #require(report.rules.findings.first)
        #expect(f.message == "3 slow finds on db.a (3,003 ms)")
        #expect(f.evidence.contains { $0.name == "max durationMs" && $0.value == 1002 })
    }

    @Test func lineRuleSeesTheRawLineAndItsShape() throws {
        let text = """
        id: where-line
        title: $where in a line
        severity: info
        appliesTo: line
        when:
          all:
            - field: line
              matches: '"\\$where"'
        message: '{matchedOps} lines on {namespace|no shape}'
        advice: avoid $where
        examples:
          matching:
            - '{"filter":{"$where":"this.a > 1"}}'
          nonMatching:
            - '{"filter":{"where":1}}'
        """
        let rule = try RuleLoader.load(file: "where-line.yaml", text: text)
        let result = RunSummary()
        let run = RuleRun(set: RuleSet([rule]))
        let o = Self.op("db.c", "find", "filter {$where: ?javascript}", plan: "COLLSCAN", ms: 50)
        for (n, line) in [#"{"msg":"Slow query","filter":{"$where":"x"}}"#, #"{"msg":"other","$where":1}"#, "plain"].enumerated() {
            var bytes = Array(line.utf8)
            bytes.withUnsafeMutableBytes { b in
                run.beginLine(UnsafeRawBufferPointer(b), number: n + 1, input: 0)
                if n == 0 {
                    result.shapes.add(o)
                    run.observe(.slowOperation(o))
                }
                run.endLine()
            }
        }
        result.rules = run
        let findings = Report(result: result).rules.findings
        #expect(findings.map(\.message).sorted() == ["1 lines on db.c", "1 lines on no shape"])
        #expect(findings.contains { $0.subject == .lines(firstInput: 0, firstLine: 2) })
    }

    /// A user rule `^(a+)+$` against a 100 KB line of `a` then `b`: aborted, counted, reported.
    @Test func redosRuleIsAbortedAndReported() throws {
        let rule = try RuleLoader.load(file: ruleFixturePath("redos/user-redos.yaml"))
        let result = RunSummary()
        let run = RuleRun(set: RuleSet([rule]))
        let clock = ContinuousClock()
        let took = clock.measure {
            for n in 1...3 {
                var bytes = Array((String(repeating: "a", count: 100_000) + "b").utf8)
                bytes.withUnsafeMutableBytes { b in
                    run.beginLine(UnsafeRawBufferPointer(b), number: n, input: 0)
                    run.endLine()
                }
            }
        }
        result.rules = run
        let report = Report(result: result)
        #expect(report.rules.findings.isEmpty)
        #expect(report.rules.aborts == [RuleAbort(rule: "user-redos", count: 3, reason: "match limit", firstInput: 0, firstLine: 1)])
        #expect(took < .seconds(3), "took \(took)")
        let table = TableReporter().render(report, options: ReportOptions())
        #expect(table.contains("rule user-redos: 3 matches aborted at the match limit (first at input 0 line 1)"))
        let json = JSONReporter().render(report, options: ReportOptions())
        #expect(json.contains(#""rule": "user-redos""#) && json.contains(#""reason": "match limit""#))
    }

    @Test func crashLoopCountsKillsOfTheSameProcessWithinAnHour() throws {
        let text = """
        id: loop
        title: Loop
        severity: warning
        appliesTo: oomKill
        when:
          all:
            - field: sameProcessKillsLastHour
              gte: 3
        message: '{processName} killed {sameProcessKillsLastHour} times in an hour ({kills} matching kills)'
        advice: fix
        examples:
          matching:
            - sameProcessKillsLastHour: 3
          nonMatching:
            - sameProcessKillsLastHour: 2
        """
        let rule = try RuleLoader.load(file: "loop.yaml", text: text)
        func kill(_ name: String, minute: Int64) -> OOMKill {
            var k = OOMKill(format: "test", source: SourceLocation(input: 0, line: Int(minute)))
            k.processName = name
            k.timestamp = Timestamp(millis: 1_700_000_000_000 + minute * 60_000)
            return k
        }
        // java at 0, 20, 40 (third kill within the hour), 50 (fourth); mongod once; java at 200 (alone again).
        let kills = [kill("java", minute: 0), kill("java", minute: 20), kill("mongod", minute: 30), kill("java", minute: 40),
                     kill("java", minute: 50), kill("java", minute: 200)]
        let report = Self.report([], kills: kills, rules: [rule])
        let f = try #require(report.rules.findings.first)
        #expect(report.rules.findings.count == 1)
        #expect(f.kills == 2)
        #expect(f.message == "java killed 4 times in an hour (2 matching kills)")
        #expect(f.subject == .kill(process: "java", host: nil, pid: nil, time: kills[4].timestamp, input: 0, line: 50))
    }

    /// Two kills of mongod, each read from dmesg and from syslog (same pids): 2 kills, not 4.
    @Test func duplicateKillsFromTwoInputsCountOnce() throws {
        let rules = try ShippedRules.load().filter { $0.id == "oom-crash-loop" }
        func kill(pid: Int64, minute: Int64, input: Int) -> OOMKill {
            var k = OOMKill(format: "test", source: SourceLocation(input: input, line: Int(minute)))
            k.processName = "mongod"
            k.pid = pid
            k.timestamp = Timestamp(millis: 1_700_000_000_000 + minute * 60_000)
            return k
        }
        let twice = [kill(pid: 10, minute: 0, input: 0), kill(pid: 20, minute: 5, input: 0),
                     kill(pid: 10, minute: 0, input: 1), kill(pid: 20, minute: 5, input: 1)]
        #expect(Self.report([], kills: twice, rules: rules).rules.findings.isEmpty)
        let three = twice + [kill(pid: 30, minute: 9, input: 1)]
        let f = try #require(Self.report([], kills: three, rules: rules).rules.findings.first)
        #expect(f.message.hasPrefix("mongod was killed by the OOM killer 3 times within an hour"))
    }
}
