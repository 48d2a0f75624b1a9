import Testing
import Foundation
@testable import BottleneckCore
import BottleneckTestSupport

/// Issue 13, "Crashes on bad input" and "Smaller": every reproducer is a fixture under
/// Fixtures/logs/hostile/ (README row each), run through the real CLI binary (a trap is exit 132
/// with no report) and, where cheap, through the analyzer at read sizes 1, 7 and 65,536.
/// Rule under test: no value from a log can trap; a number that does not fit what it measures is
/// skipped as `number out of range`, and `lines = recognized + skipped` keeps holding.
@Suite struct HostileInputTests {
    static let outOfRange = SkipReason.numberOutOfRange.rawValue

    // MARK: helpers

    static func bytes(_ name: String) throws -> [UInt8] { try readFileBytes(fixturePath("hostile/" + name)) }

    /// Analyzer at one read size: the input's accounting and the slow operations kept.
    static func analyze(_ name: String, readSize: Int) throws -> (acct: InputAccounting, ops: [SlowOperation], result: RunSummary) {
        var o = AnalysisOptions()
        o.readSize = readSize
        let a = Analyzer(options: o)
        var ops: [SlowOperation] = []
        a.onEvent = { if case .slowOperation(let op) = $0 { ops.append(op) } }
        a.analyze(source: MemorySource(try bytes(name), chunk: readSize), path: name)
        let acct = a.result.inputs[0]
        #expect(acct.balanced, "\(name): lines \(acct.lines) != recognized \(acct.recognized) + skipped \(acct.skippedTotal)")
        return (acct, ops, a.result)
    }

    struct CLIReport {
        var status: Int32
        var input: [String: Any]
        var report: [String: Any]
        var stderr: String
        var skipped: [String: Int] { input["skipped"] as? [String: Int] ?? [:] }
        var int: (String) -> Int { { (input[$0] as? Int) ?? -1 } }
        var shapes: [[String: Any]] { report["shapes"] as? [[String: Any]] ?? [] }
    }

    /// `bottleneck analyze --format json FIXTURE`: the report must parse, follow the schema and
    /// balance its lines.
    static func cliJSON(_ name: String, _ extra: [String] = []) throws -> CLIReport {
        let r = try runBottleneck(["analyze", "--format", "json"] + extra + [fixturePath("hostile/" + name)])
        #expect(r.status != 132 && r.status != 134, "\(name): the process trapped: \(r.stderr.prefix(400))")
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
        let violations = schemaViolations(obj, schema: try reportSchema())
        #expect(violations.isEmpty, "\(violations.prefix(5))")
        let report = obj as? [String: Any] ?? [:]
        let input = (report["inputs"] as? [[String: Any]])?.first ?? [:]
        let c = CLIReport(status: r.status, input: input, report: report, stderr: r.stderr)
        let skippedSum = c.skipped.values.reduce(0, +)
        #expect(c.int("lines") == c.int("recognized") + skippedSum, "\(name): \(input)")
        return c
    }

    /// `bottleneck analyze FIXTURE` (table): must not trap.
    static func cliTable(_ name: String) throws -> CLIResult {
        let r = try runBottleneck(["analyze", fixturePath("hostile/" + name)], environment: ["NO_COLOR": "1"])
        #expect(r.status == 0, "\(name): exit \(r.status): \(r.stderr.prefix(400))")
        return r
    }

    // MARK: crashes on bad input

    /// `durationMillis` 18446744073709551616 (2^64) trapped in JSONWriter.formatDouble (JSON) and
    /// TableReporter.num (table); now the line is skipped as out of range.
    @Test func durationPastInt64IsSkippedNotATrap() throws {
        let j = try Self.cliJSON("logv2-duration-2pow64.log")
        #expect(j.status == 0)
        #expect(j.int("lines") == 2 && j.int("slowOps") == 1)
        #expect(j.skipped == [Self.outOfRange: 1])
        let t = try Self.cliTable("logv2-duration-2pow64.log")
        #expect(t.stdout.contains("number out of range 1"))
    }

    @Test(arguments: boundaryReadSizes)
    func durationPastInt64AtTheParser(readSize: Int) throws {
        let r = try Self.analyze("logv2-duration-2pow64.log", readSize: readSize)
        #expect(r.acct.skipped[.numberOutOfRange] == 1)
        #expect(r.ops.map(\.durationMillis) == [105])
    }

    /// Legacy lines ending `99999999999999999999ms` were read as 999999999999999999 (18 digits)
    /// and ten of them trapped in ShapeAggregate.add; now each is out of range.
    @Test func legacyTwentyDigitDurationIsSkipped() throws {
        let j = try Self.cliJSON("legacy-duration-20-digits.log")
        #expect(j.status == 0)
        #expect(j.int("lines") == 11 && j.int("slowOps") == 1)
        #expect(j.skipped == [Self.outOfRange: 10])
        _ = try Self.cliTable("legacy-duration-20-digits.log")
    }

    @Test(arguments: boundaryReadSizes)
    func legacyTwentyDigitDurationAtTheParser(readSize: Int) throws {
        let r = try Self.analyze("legacy-duration-20-digits.log", readSize: readSize)
        #expect(r.acct.skipped[.numberOutOfRange] == 10)
        #expect(r.ops.map(\.durationMillis) == [120])
    }

    /// `$date` `{"$numberLong":"-99999999999999999999"}` trapped in Timeline.add; now the stamp is
    /// unreadable (the operation is kept, with no time), as a damaged `$date` string is.
    @Test func hugeNegativeDateIsAnUnreadableStamp() throws {
        let j = try Self.cliJSON("logv2-date-numberlong-huge-negative.log")
        #expect(j.status == 0)
        #expect(j.int("slowOps") == 2 && j.int("unreadableTimestamps") == 1)
        #expect(j.skipped.isEmpty)
        _ = try Self.cliTable("logv2-date-numberlong-huge-negative.log")
    }

    @Test(arguments: boundaryReadSizes)
    func hugeNegativeDateAtTheParser(readSize: Int) throws {
        let r = try Self.analyze("logv2-date-numberlong-huge-negative.log", readSize: readSize)
        #expect(r.ops.count == 2)
        #expect(r.ops[0].timestamp == nil)
        #expect(r.ops[1].timestamp != nil)
    }

    /// A `remove` statement, then its batch `delete` with an unreadable `$date` and
    /// `durationMillis` -1, trapped in WriteTwinFolder (`.max - (-1)`); a negative duration is now
    /// out of range, so the batch line is skipped and the statement kept.
    @Test func negativeDurationWriteTwinIsSkipped() throws {
        let j = try Self.cliJSON("logv2-remove-twin-bad-date-negative-duration.log")
        #expect(j.status == 0)
        #expect(j.int("lines") == 3 && j.int("slowOps") == 2)
        #expect(j.skipped == [Self.outOfRange: 1])
        _ = try Self.cliTable("logv2-remove-twin-bad-date-negative-duration.log")
    }

    /// The twin window `now - duration - slack` overflowed for a stamp near year 0 and a huge
    /// (in-range) duration: no window, nothing folded, both operations passed on.
    @Test func twinWindowThatDoesNotFitInt64FoldsNothing() {
        func op(_ statement: Bool) -> Event {
            var o = SlowOperation(format: "logv2", source: SourceLocation(input: 0, line: statement ? 1 : 2), namespace: "d.c",
                                  operation: "delete", shape: QueryShape.make(namespace: "d.c", operation: "delete", text: ""),
                                  durationMillis: .max)
            o.timestamp = Timestamp(millis: Timestamp.minMillis)
            o.context = "conn1"
            o.isWriteStatement = statement
            o.type = statement ? "remove" : "command"
            return .slowOperation(o)
        }
        let f = WriteTwinFolder()
        var out: [Event] = []
        f.process(op(true)) { out.append($0) }
        f.process(op(false)) { out.append($0) }
        f.finish { out.append($0) }
        #expect(out.count == 2)
        #expect(f.folded == 0)
    }

    /// `… kernel: [15180286.037187] x mems_allowed=0 cpuset=/` (found by libFuzzer) trapped in
    /// KernelMessages on a reversed range; so did an `oom-kill:` summary with `oom_memcg` after
    /// `task_memcg`, and `Tasks in  are going to be killed …` with an empty group.
    @Test func kernelLinesWithFieldsOutOfOrderDoNotTrap() throws {
        let j = try Self.cliJSON("kernel-mems-allowed-before-cpuset.log")
        #expect(j.status == 0)
        #expect(j.int("lines") == 4 && j.int("recognized") == 4)
        _ = try Self.cliTable("kernel-mems-allowed-before-cpuset.log")
    }

    @Test(arguments: boundaryReadSizes)
    func kernelLinesWithFieldsOutOfOrderAtTheParser(readSize: Int) throws {
        let r = try Self.analyze("kernel-mems-allowed-before-cpuset.log", readSize: readSize)
        #expect(r.acct.recognized == 4)
        // The summary line is still read as a kill of pid 7 (its fields are taken right to left).
        #expect(r.result.oom.events.map(\.pid) == [7])
    }

    /// A single line whose duration is Int64.max (in range, but absurd) reached the Double
    /// conversions of the report: `Int64(Double(Int64.max))` trapped in formatDouble and
    /// TableReporter.num. Every finite value now prints, digit for digit.
    @Test func int64MaxDurationPrintsInJSONAndTable() throws {
        let j = try Self.cliJSON("logv2-duration-int64max.log")
        #expect(j.status == 0)
        let d = j.shapes.first?["durationMs"] as? [String: Any] ?? [:]
        #expect((d["max"] as? NSNumber)?.int64Value == Int64.max)
        let t = try Self.cliTable("logv2-duration-int64max.log")
        #expect(t.stdout.contains("9,223,372,036,854,775,807"))
        #expect(t.stdout.contains("9,223,372,036,854,775,808")) // the mean, as a double
    }

    // MARK: smaller

    /// `1e999` was read as 1 ms (the exponent was dropped); it is now out of range.
    @Test func exponentPastInt64IsOutOfRange() throws {
        let j = try Self.cliJSON("logv2-duration-1e999.log")
        #expect(j.skipped == [Self.outOfRange: 1])
        #expect(j.int("slowOps") == 1)
    }

    @Test(arguments: boundaryReadSizes)
    func exponentAtTheParser(readSize: Int) throws {
        let r = try Self.analyze("logv2-duration-1e999.log", readSize: readSize)
        #expect(r.acct.skipped[.numberOutOfRange] == 1)
        #expect(r.ops.map(\.durationMillis) == [105])
    }

    /// Negative durations were accepted (one gave a negative mean); now out of range.
    @Test func negativeDurationsAreOutOfRange() throws {
        let j = try Self.cliJSON("logv2-duration-negative.log")
        #expect(j.skipped == [Self.outOfRange: 2])
        #expect(j.int("slowOps") == 1)
        let mean = (j.shapes.first?["durationMs"] as? [String: Any])?["mean"] as? Double
        #expect(mean == 105)
    }

    @Test(arguments: boundaryReadSizes)
    func negativeDurationsAtTheParser(readSize: Int) throws {
        let r = try Self.analyze("logv2-duration-negative.log", readSize: readSize)
        #expect(r.acct.skipped[.numberOutOfRange] == 2)
        #expect(r.ops.allSatisfy { $0.durationMillis >= 0 })
    }

    /// A valid filter about 120 levels deep was dropped as "malformed JSON" (limit 64): now read
    /// (limit 256); one about 320 deep is skipped as `nested too deep`, not "malformed JSON".
    @Test func deepFiltersAreReadOrNamed() throws {
        let j = try Self.cliJSON("logv2-filter-nested-deep.log")
        #expect(j.int("slowOps") == 2)
        #expect(j.skipped == [SkipReason.nestedTooDeep.rawValue: 1])
        let deep = j.shapes.compactMap { $0["shape"] as? String }.first { $0.hasPrefix("filter {$and: [{$and:") }
        #expect(deep != nil)
        #expect(deep?.contains("a: ?number") == true, "the innermost field is part of the shape")
    }

    @Test(arguments: boundaryReadSizes)
    func deepFiltersAtTheParser(readSize: Int) throws {
        let r = try Self.analyze("logv2-filter-nested-deep.log", readSize: readSize)
        #expect(r.acct.skipped == [.nestedTooDeep: 1])
        #expect(r.ops.map(\.durationMillis) == [7, 105])
    }

    /// A legacy mongod line with a damaged stamp inside an open OOM report was swallowed as part
    /// of the report; it is now a slow operation of its own, and the report still gives its kill.
    @Test func damagedLegacyLineInsideAnOOMReportIsNotSwallowed() throws {
        let j = try Self.cliJSON("kernel-report-with-damaged-legacy-stamp.log")
        #expect(j.int("lines") == 32 && j.int("slowOps") == 1)
        #expect((j.report["totals"] as? [String: Any])?["oomKills"] as? Int == 1)
    }

    @Test(arguments: boundaryReadSizes)
    func damagedLegacyLineInsideAnOOMReportAtTheParser(readSize: Int) throws {
        let r = try Self.analyze("kernel-report-with-damaged-legacy-stamp.log", readSize: readSize)
        #expect(r.ops.map(\.durationMillis) == [350])
        #expect(r.ops.first?.timestamp == nil)
        #expect(r.result.oom.kills.map(\.processName) == ["outboundd"])
        #expect(r.result.oom.kills.first?.oomMemcg?.hasPrefix("/docker/749b1d12085c") == true)
    }

    /// A file gzipped twice (made with `gzip -n` twice) was read as lines of binary with exit 0;
    /// it is now an input error naming the file, exit 2.
    @Test func gzipInsideGzipIsAnInputError() throws {
        let path = fixturePath("hostile/logv2-gzip-twice.log.gz")
        let r = try runBottleneck(["analyze", "--format", "json", path])
        #expect(r.status == 2)
        #expect(r.stderr.contains(path) && r.stderr.contains("gzip inside gzip"))
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let input = (obj?["inputs"] as? [[String: Any]])?.first
        #expect(input?["lines"] as? Int == 0)
        #expect((input?["error"] as? String)?.contains("gzip inside gzip") == true)
    }

    // MARK: one test per class of numeric problem

    /// JSON numbers: past Int64, exponents, Extended JSON wrappers, negatives.
    @Test func jsonNumberClasses() {
        func n(_ text: String) -> (Int64, Bool)? {
            let b = Array(text.utf8)
            return b.withUnsafeBytes { raw in JSONScanner(raw).number(0).map { ($0.value, $0.inRange) } }
        }
        #expect(n("9223372036854775807")! == (Int64.max, true))
        #expect(n("9223372036854775808")!.1 == false)
        #expect(n("18446744073709551616")!.1 == false)
        #expect(n("-9223372036854775807")! == (-Int64.max, true))
        #expect(n("1e999")!.1 == false)
        #expect(n("-1e30")!.1 == false)
        #expect(n("1.5e3")! == (1500, true))
        #expect(n("2E-3")! == (0, true))
        #expect(n("12.9")! == (12, true))
        #expect(n(#"{"$numberLong":"99999999999999999999"}"#)!.1 == false)
        #expect(n(#"{"$numberDouble":"1e999"}"#)!.1 == false)
        #expect(n(#"{"$numberDouble":"-Infinity"}"#)!.1 == false)
        #expect(n(#"{"$numberLong":"42"}"#)! == (42, true))
        #expect(n(#"{"$numberDouble":"NaN"}"#) == nil)
        #expect(n("true") == nil)
    }

    /// logv2 counters, lock and storage sums: negative, past Int64, or a total past Int64.
    @Test(arguments: boundaryReadSizes)
    func logv2CounterClasses(readSize: Int) {
        func line(_ ctx: String, _ attr: String) -> String {
            #"{"t":{"$date":"2024-04-29T18:04:28.239Z"},"s":"I","c":"COMMAND","id":51803,"ctx":""# + ctx
                + #"","msg":"Slow query","attr":{"type":"command","ns":"d.c","command":{"find":"c","filter":{"a":1}},"# + attr + #""durationMillis":5}}"#
        }
        let lines = [
            line("conn1", #""docsExamined":-3,"#),
            line("conn2", #""keysExamined":99999999999999999999,"#),
            line("conn3", #""locks":{"Global":{"timeAcquiringMicros":{"r":9223372036854775807,"w":9223372036854775807}}},"#),
            line("conn4", #""storage":{"data":{"bytesRead":{"$numberLong":"-1"}}},"#),
            line("conn5", #""errCode":-2,"docsExamined":7,"locks":{"Global":{"timeAcquiringMicros":{"r":150}}},"#),
            #"{"t":{"$date":"2024-04-29T18:04:28.239Z"},"s":"I","c":"NETWORK","id":99999999999999999999,"ctx":"x","msg":"m"}"#,
        ]
        let r = analyzeText(lines.joined(separator: "\n") + "\n", readSize: readSize)
        let acct = r.inputs[0]
        #expect(acct.balanced)
        #expect(acct.skipped == [.numberOutOfRange: 5])
        #expect(acct.slowOps == 1)
    }

    /// Legacy counters: negative, 20 digits, and a `locks(micros)` sum past Int64.
    @Test(arguments: boundaryReadSizes)
    func legacyCounterClasses(readSize: Int) {
        let head = "2020-11-10T15:29:23.183+0000 I  COMMAND  [conn1] command test.c command: count { count: \"c\" } "
        let lines = [
            head + "docsExamined:-4 numYields:0 reslen:45 12ms",
            head + "docsExamined:4 numYields:99999999999999999999 reslen:45 12ms",
            "Thu Nov 10 15:29:23 [conn1] query test.c query: { a: 1 } ntoreturn:0 nscanned:1 locks(micros) r:9223372036854775807 w:9223372036854775807 nreturned:1 reslen:45 12ms",
            head + "docsExamined:4 numYields:0 reslen:45 12ms",
        ]
        var o = AnalysisOptions()
        o.year = 2020
        let r = analyzeText(lines.joined(separator: "\n") + "\n", readSize: readSize, options: o)
        let acct = r.inputs[0]
        #expect(acct.balanced)
        #expect(acct.skipped == [.numberOutOfRange: 3])
        #expect(acct.slowOps == 1)
    }

    /// Stamps: epoch millis and ISO stamps outside years 0000-9999 are unreadable.
    @Test func timestampRangeClass() {
        #expect(Timestamp(checkedMillis: Timestamp.maxMillis)?.iso8601 == "9999-12-31T23:59:59.999Z")
        #expect(Timestamp(checkedMillis: Timestamp.minMillis)?.iso8601 == "0000-01-01T00:00:00.000Z")
        #expect(Timestamp(checkedMillis: Timestamp.maxMillis + 1) == nil)
        #expect(Timestamp(checkedMillis: .min) == nil)
        func stamp(_ date: String) -> Timestamp? {
            let b = Array(date.utf8)
            return b.withUnsafeBytes { LogV2Date.parse(JSONScanner($0), 0, $0.count) }
        }
        #expect(stamp(#"{"$date":{"$numberLong":"-99999999999999999999"}}"#) == nil)
        #expect(stamp(#"{"$date":{"$numberLong":"9223372036854775807"}}"#) == nil)
        #expect(stamp(#"{"$date":{"$numberLong":"1700000000000"}}"#)?.millis == 1_700_000_000_000)
        #expect(stamp(#"{"$date":"9999-12-31T23:59:59.999-14:00"}"#) == nil)
        #expect(stamp(#"{"$date":"2023-09-23T16:25:13.420-04:00"}"#)?.iso8601 == "2023-09-23T20:25:13.420Z")
        // floorDiv no longer computes `a - b + 1` (it trapped near Int64.min).
        #expect(Timeline.floorDiv(.min, 1000) == Int64.min / 1000 - 1)
        #expect(Timeline.floorDiv(-1, 1000) == -1)
        #expect(Timeline.floorDiv(-1000, 1000) == -1)
        #expect(Timeline.floorDiv(1999, 1000) == 1)
    }

    /// Output: any finite double prints without an Int64 conversion.
    @Test func outputNumberClass() {
        #expect(JSONWriter.formatDouble(Double(Int64.max)) == "9223372036854775808")
        #expect(JSONWriter.formatDouble(18446744073709551616.0) == "18446744073709551616")
        #expect(JSONWriter.formatDouble(-1e20) == "-100000000000000000000")
        #expect(JSONWriter.formatDouble(1e300).count == 301)
        #expect(JSONWriter.formatDouble(.greatestFiniteMagnitude).hasPrefix("17976931348623157"))
        #expect(JSONWriter.formatDouble(12.5) == "12.5")
        #expect(JSONWriter.formatDouble(.nan) == "null")
        #expect(TableReporter.num(1e19) == "10,000,000,000,000,000,000")
        #expect(TableReporter.num(Double(Int64.max)) == "9,223,372,036,854,775,808")
        #expect(TableReporter.num(.infinity) == "-")
        #expect(TableReporter.num(.nan) == "-")
        #expect(TableReporter.group(.min) == "-9,223,372,036,854,775,808")
        #expect(RuleNumber.percent(1e17) == "1e+19%")
    }

    /// Kernel numbers: more than 18 digits is unreadable (not cut), uptimes past 10^12 s are not
    /// stamps, and a reltime clock that would pass Int64 is dropped.
    @Test func kernelNumberClass() {
        let text = [
            "[4075623.871205] mongod invoked oom-killer: gfp_mask=0x24000c0, order=0, oom_score_adj=0",
            "[4075623.882195] Killed process 1234567890123456789012 (mongod) total-vm:21432128kB, anon-rss:99999999999999999999kB, file-rss:8136kB",
            "[4075623.882196] Killed process 77 (mongod) total-vm:21432128kB, anon-rss:99999999999999999999kB, file-rss:8136kB",
            "[99999999999999999.000000] Killed process 78 (mongod) total-vm:1kB, anon-rss:1kB, file-rss:1kB",
        ].joined(separator: "\n") + "\n"
        for size in boundaryReadSizes {
            var ops: [OOMKill] = []
            var o = AnalysisOptions()
            o.readSize = size
            let a = Analyzer(options: o)
            a.onEvent = { if case .oomKill(let k) = $0 { ops.append(k) } }
            a.analyze(source: MemorySource(text, chunk: size), path: "k.log")
            #expect(a.result.inputs[0].balanced)
            // The 22-digit pid is no pid; the 17-digit uptime is no stamp (the line is not a kernel record).
            #expect(ops.map(\.pid) == [77])
            #expect(ops.first?.anonRssKB == nil)
            #expect(ops.first?.fileRssKB == 8136)
        }
    }
}
