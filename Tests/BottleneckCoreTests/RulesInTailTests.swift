import Testing
import Foundation
import BottleneckCore
import BottleneckTestSupport

/// `tail` applies the same rules: GET /report carries the findings.
@Suite struct RulesInTailTests {
    @Test func tailReportHasFindings() throws {
        let dir = NSTemporaryDirectory() + "rules-tail-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/mongod.log"
        try FileManager.default.copyItem(atPath: fixturePath("logv2-versions.log"), toPath: path)
        var options = TailOptions()
        options.paths = [path]
        options.fromStart = true
        options.polling = true
        options.rules = RuleSet(try ShippedRules.load())
        let live = LiveState(paths: [path], maxSeries: 50, windowMillis: 60_000)
        let tailer = Tailer(options: options, live: live, store: nil)
        try tailer.prepare()
        while tailer.pollOnce() {}
        let object = try JSONSerialization.jsonObject(with: Data(live.reportJSON().utf8))
        let report = try #require(object as? [String: Any])
        let findings = try #require(report["findings"] as? [[String: Any]])
        let rules = Set(findings.compactMap { $0["rule"] as? String })
        #expect(rules.contains("collection-scan"))
        #expect(rules.contains("in-memory-sort"))
    }
}
