import Testing
import Foundation
import BottleneckCore
import BottleneckTestSupport

/// `bottleneck rules ...` and `analyze --rules` through the built binary.
@Suite struct RulesCLITests {
    @Test func rulesTestPassesOnTheShippedRules() throws {
        let r = try runBottleneck(["rules", "test"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains(" 0 failed"))
        #expect(!r.stdout.contains("FAIL"))
    }

    @Test func rulesTestNamesEachBrokenFileAndFieldOnce() throws {
        let r = try runBottleneck(["rules", "test", "--no-default-rules", "--rules", ruleFixturePath("")])
        #expect(r.status == 1)
        let fails = r.stdout.split(separator: "\n").filter { $0.hasPrefix("FAIL ") }
        #expect(fails.count == 4)
        for (file, field) in [("bad-regex.yaml", "when.all[0].matches"), ("bad-syntax.yaml", "(syntax)"),
                              ("failing-example.yaml", "examples.matching[0]"), ("unknown-field.yaml", "when.all[0].field")] {
            #expect(fails.filter { $0.contains(file) && $0.contains("field '\(field)'") }.count == 1, "\(file)")
        }
    }

    @Test func analyzeRefusesABrokenUserRule() throws {
        let r = try runBottleneck(["analyze", "--rules", ruleFixturePath(""), fixturePath("logv2-versions.log")])
        #expect(r.status == 1)
        #expect(r.stderr.contains("rule refused: ") && r.stderr.contains("field '"))
    }

    @Test func analyzeRefusesAFolderWithoutRules() throws {
        let r = try runBottleneck(["analyze", "--rules", fixturePath("gzip"), fixturePath("logv2-versions.log")])
        #expect(r.status == 1)
        #expect(r.stderr.contains("no rule files"))
    }

    /// The done-when case end to end: `^(a+)+$` on 100 KB lines of `a` then `b` is aborted and reported.
    @Test func redosUserRuleIsReportedAsAborted() throws {
        let line = String(repeating: "a", count: 100_000) + "b\n"
        let input = Array((line + line).utf8)
        let start = ContinuousClock.now
        let r = try runBottleneck(["analyze", "--no-default-rules", "--rules", ruleFixturePath("redos"), "--format", "json", "-"], stdin: input)
        let took = ContinuousClock.now - start
        #expect(r.status == 0, "\(r.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
        let report = try #require(object as? [String: Any])
        let aborts = try #require(report["ruleAborts"] as? [[String: Any]])
        #expect(aborts.count == 1)
        let first = try #require(aborts.first)
        #expect(first["rule"] as? String == "user-redos")
        #expect(first["count"] as? Int == 2)
        #expect(first["reason"] as? String == "match limit")
        #expect(took < .seconds(10), "took \(took)")
    }

    @Test func rulesListShowsEveryShippedRule() throws {
        let r = try runBottleneck(["rules", "list"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("collection-scan ") && r.stdout.contains("oom-crash-loop "))
        let count = try #require(r.stdout.split(separator: "\n").last.flatMap { Int($0.split(separator: " ").first ?? "") })
        #expect(count >= 15)
    }
}
