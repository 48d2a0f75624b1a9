import Testing
import Foundation
import BottleneckCore
import BottleneckTestSupport

/// Values that cannot match anything are refused with the valid ones (exit 1), the logs' own
/// synonyms are accepted, and negative numbers get a range message rather than "Missing value".
@Suite struct OptionValidationTests {
    let log = fixturePath("mtools-mongod-2.2.5.log")

    func refused(_ args: [String], saying text: String) throws {
        let r = try runBottleneck(["analyze", "--quiet"] + args + [log])
        #expect(r.status == 1, "\(args): status \(r.status)")
        #expect(r.stderr.contains(text), "\(args): \(r.stderr)")
        #expect(r.stdout.isEmpty, "\(args): no report")
    }

    @Test func impossibleFiltersAreRefusedWithTheValidValues() throws {
        try refused(["--op", "fnd"], saying: "unknown operation 'fnd' (did you mean find?)")
        try refused(["--op", "find;drop"], saying: "is not an operation or command name")
        try refused(["--plan", "FOO"], saying: "unknown plan kind 'FOO'; one of: CLUSTERED_IXSCAN, COLLSCAN")
        try refused(["--since", "2024-01-02T00:00:00Z", "--until", "2024-01-01T00:00:00Z"], saying: "is not before --until")
        try refused(["--since", "2024-01-01T00:00:00Z", "--until", "2024-01-01T00:00:00Z"], saying: "is not before --until")
    }

    @Test func negativeAndOutOfRangeNumbersGetARangeMessage() throws {
        try refused(["--top", "-1"], saying: "--top must be at least 1")
        try refused(["--min-ms", "-5"], saying: "--min-ms must be 0 or more (got -5)")
        try refused(["--min-ms=-5"], saying: "--min-ms must be 0 or more")
        try refused(["--memory-budget", "-1"], saying: "--memory-budget must be 0")
        try refused(["--year", "99999"], saying: "--year must be between 1 and 9999")
        try refused(["--oom-window", "0"], saying: "--oom-window must be 1 to 10080")
        try refused(["--crash-loop-window", "100000"], saying: "--crash-loop-window must be 1 to 10080")
        let m = try runBottleneck(["merge", "--top", "-3", "x.part"])
        #expect(m.status == 1 && m.stderr.contains("--top must be at least 1"), "\(m.stderr)")
    }

    /// `remove` is the 2.x log's word for a delete; `query` for a find. Each selects the same
    /// operations as the canonical name, and a command's own name still works.
    @Test func synonymsSelectTheSameOperations() throws {
        func ops(_ args: [String]) throws -> Int {
            let r = try runBottleneck(["analyze", "--format", "json", "--quiet"] + args + [fixturePath("awslabs-mongod-3.6.17.log")])
            #expect(r.status == 0, "\(r.stderr)")
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            return (obj["totals"] as? [String: Any])?["operations"] as? Int ?? -1
        }
        let deletes = try ops(["--op", "delete"]), finds = try ops(["--op", "find"])
        #expect(try ops(["--op", "remove"]) == deletes)
        #expect(try ops(["--op", "query"]) == finds && finds > 0)
        #expect(try ops(["--op", "FIND"]) == finds)
        let r = try runBottleneck(["analyze", "--quiet", "--op", "dropDatabase", log])
        #expect(r.status == 0)
    }

    /// No file and a terminal on standard input: the usage and a message, exit 1, instead of a
    /// silent wait (run under `script`, which gives the command a terminal).
    @Test func noInputOnATerminalPrintsTheUsage() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { return }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        p.arguments = ["10", "/usr/bin/script", "-qec", "'\(bottleneckExecutablePath())' analyze --no-color", "/dev/null"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 1, "status \(p.terminationStatus): \(text)")
        #expect(text.contains("USAGE: bottleneck analyze"))
        #expect(text.contains("no input: give log files, or - to read standard input"))
        // Standard input that is not a terminal is still read.
        let piped = try runBottleneck(["analyze", "--quiet", "--format", "json"], stdin: try readFileBytes(log))
        #expect(piped.status == 0 && piped.stdout.contains("\"slowOps\": 29"))
    }

    /// `--exclude-op` and `--exclude-ns` leave out what the unfiltered report shows for them,
    /// and the table footer counts what the filters removed.
    @Test func exclusionsRemoveExactlyWhatTheyName() throws {
        let log = fixturePath("awslabs-mongod-3.6.17.log")
        func report(_ args: [String]) throws -> [String: Any] {
            let r = try runBottleneck(["analyze", "--format", "json", "--quiet", "--top", "1000"] + args + [log])
            #expect(r.status == 0, "\(r.stderr)")
            return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        }
        func shapes(_ r: [String: Any]) -> [[String: Any]] { r["shapes"] as? [[String: Any]] ?? [] }
        let all = try report([])
        let finds = shapes(all).filter { $0["operation"] as? String == "find" }.reduce(0) { $0 + ($1["count"] as? Int ?? 0) }
        let social = shapes(all).filter { ($0["namespace"] as? String ?? "").hasPrefix("social.") }.reduce(0) { $0 + ($1["count"] as? Int ?? 0) }
        let total = (all["totals"] as? [String: Any])?["operations"] as? Int ?? 0
        #expect(finds > 0 && social > 0)
        let noFind = try report(["--exclude-op", "find"])
        #expect(!shapes(noFind).contains { $0["operation"] as? String == "find" })
        #expect((noFind["totals"] as? [String: Any])?["operations"] as? Int == total - finds)
        let noSocial = try report(["--exclude-ns", "social.*"])
        #expect(!shapes(noSocial).contains { ($0["namespace"] as? String ?? "").hasPrefix("social.") })
        #expect((noSocial["totals"] as? [String: Any])?["operations"] as? Int == total - social)
        let table = try runBottleneck(["analyze", "--quiet", "--exclude-op", "find", log])
        #expect(table.stdout.contains("removed \(finds) events"), "\(table.stdout.suffix(400))")
        let bad = try runBottleneck(["analyze", "--quiet", "--exclude-op", "fnd", log])
        #expect(bad.status == 1 && bad.stderr.contains("did you mean find?"))
    }

    /// `--top` ranks shapes only; `--max-findings` cuts the findings printed in the table and
    /// `--max-findings-per-rule` the findings kept per rule (the rest counted as omitted).
    @Test func findingLimitsAreTheirOwnOptions() throws {
        let log = fixturePath("replset/db1.example.net.log")
        func findings(_ args: [String]) throws -> (listed: Int, omitted: Int) {
            let r = try runBottleneck(["analyze", "--format", "json", "--quiet"] + args + [log])
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            let omitted = (obj["findingsOmitted"] as? [[String: Any]] ?? []).reduce(0) { $0 + ($1["count"] as? Int ?? 0) }
            return ((obj["findings"] as? [Any])?.count ?? 0, omitted)
        }
        let all = try findings([])
        #expect(all.listed > 20 && all.omitted == 0)
        let one = try findings(["--max-findings-per-rule", "1"])
        #expect(one.listed < all.listed && one.listed + one.omitted == all.listed)
        let top1 = try runBottleneck(["analyze", "--quiet", "--no-color", "--top", "1", log])
        #expect(top1.stdout.contains("… \(all.listed - 20) more findings (raise --max-findings"))
        let two = try runBottleneck(["analyze", "--quiet", "--no-color", "--max-findings", "2", log])
        #expect(two.stdout.contains("… \(all.listed - 2) more findings (raise --max-findings"))
        try refused(["--max-findings-per-rule", "0"], saying: "--max-findings-per-rule must be at least 1")
    }
}
