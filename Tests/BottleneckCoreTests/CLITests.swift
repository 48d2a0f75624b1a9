import Testing
import Foundation
import BottleneckCore
import BottleneckTestSupport

@Suite struct CLITests {
    @Test func usageErrorExitsOne() throws {
        let r = try runBottleneck(["analyze", "--sort", "nonsense", fixturePath("gzip/two-members.log.gz")])
        #expect(r.status == 1)
        #expect(r.stderr.contains("sort"))
    }

    @Test func badSinceExitsOne() throws {
        let r = try runBottleneck(["analyze", "--since", "yesterday-ish", fixturePath("gzip/two-members.log.gz")])
        #expect(r.status == 1)
        #expect(r.stderr.contains("--since"))
    }

    @Test func unreadableInputExitsTwoAndNamesIt() throws {
        let missing = fixturePath("gzip/no-such-file.log")
        let r = try runBottleneck(["analyze", "--format", "json", missing, fixturePath("gzip/two-members.log.gz")])
        #expect(r.status == 2)
        #expect(r.stderr.contains("no-such-file.log"))
        // The readable file was still analyzed.
        #expect(r.stdout.contains("\"lines\": 300"))
    }

    @Test func successExitsZero() throws {
        let r = try runBottleneck(["analyze", "--format", "json", fixturePath("gzip/two-members.log.gz")])
        #expect(r.status == 0)
        #expect(r.stdout.contains("\"schemaVersion\": 1"))
    }

    @Test func stdinGivesTheSameReportAsTheFile() throws {
        let path = fixturePath("gzip/two-members.log.gz")
        let fromFile = try runBottleneck(["analyze", "--format", "json", path])
        let fromStdin = try runBottleneck(["analyze", "--format", "json", "-"], stdin: try readFileBytes(path))
        #expect(fromFile.status == 0 && fromStdin.status == 0)
        // Only the path differs.
        #expect(fromFile.stdout.replacingOccurrences(of: path, with: "-") == fromStdin.stdout)
    }

    @Test func outputFileIsWrittenAtomically() throws {
        let out = "/tmp/bottleneck-cli-\(getpid()).json"
        defer { unlink(out) }
        let r = try runBottleneck(["analyze", "--format", "json", "--output", out, fixturePath("gzip/two-members.log.gz")])
        #expect(r.status == 0)
        #expect(r.stdout.isEmpty)
        let written = try String(contentsOfFile: out, encoding: .utf8)
        #expect(written.hasPrefix("{"))
        #expect(written.hasSuffix("}\n"))
        // No temporary file is left behind.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: "/tmp").filter { $0.hasPrefix("bottleneck-cli-\(getpid()).json.tmp") }
        #expect(leftovers.isEmpty)
    }

    @Test func tableHasNoColourOnAPipeOrWithNoColor() throws {
        let r = try runBottleneck(["analyze", fixturePath("gzip/two-members.log.gz")], environment: ["NO_COLOR": "1"])
        #expect(r.status == 0)
        #expect(!r.stdout.contains("\u{1B}["))
        #expect(!r.stderr.contains("\u{1B}["))
        #expect(r.stdout.contains("300 lines"))
    }
}

@Suite struct FindingsTableTests {
    @Test func identicalAdviceIsPrintedOnceAndReferencedAfter() throws {
        let r = try runBottleneck(["analyze", "--top", "10", fixturePath("hatchet-sample-mongod-6.0.11.log.gz")])
        #expect(r.status == 0)
        // The hatchet sample gives four slow-despite-efficient-plan findings with the same advice.
        #expect(r.stdout.components(separatedBy: "No index will fix this").count - 1 == 1)
        #expect(r.stdout.components(separatedBy: "advice: as for finding 1").count - 1 == 3)
    }
}

@Suite struct FindingsCapTests {
    /// 150 distinct collection-scan shapes, each seen once, with different durations.
    func manyScans() -> [UInt8] {
        var text = ""
        for i in 0..<150 {
            text += #"{"t":{"$date":"2024-01-01T00:00:00.000+00:00"},"s":"I","c":"COMMAND","id":51803,"ctx":"conn1","msg":"Slow query","attr":{"type":"command","ns":"db.c","command":{"find":"c","filter":{"f\#(i)":1}},"planSummary":"COLLSCAN","docsExamined":100000,"nreturned":1,"durationMillis":\#(200 + i)}}"#
            text += "\n"
        }
        return Array(text.utf8)
    }

    @Test func aRuleListsAtMostItsCapAndCountsTheRest() throws {
        let r = try runBottleneck(["analyze", "--format", "json", "-"], stdin: manyScans())
        #expect(r.status == 0)
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let findings = (obj["findings"] as! [[String: Any]]).filter { $0["rule"] as? String == "collection-scan" }
        #expect(findings.count == RuleResults.maxFindingsPerRule)
        let omitted = obj["findingsOmitted"] as! [[String: Any]]
        #expect(omitted.contains { $0["rule"] as? String == "collection-scan" && $0["count"] as? Int == 50 })
        // The listed ones are those that account for the most time: durations 250...349 ms.
        let listed = findings.map { ($0["accountedMs"] as! NSNumber).intValue }
        #expect(listed.min() == 250 && listed.max() == 349)
        #expect(schemaViolations(obj, schema: try reportSchema()).isEmpty)
    }
}
