import Testing
import BottleneckCore

@Suite struct RuleTemplateTests {
    @Test(arguments: [
        (1234567.0, "1,234,567"), (250000, "250,000"), (100.4, "100"), (42, "42"), (12.345, "12.3"),
        (0.456, "0.46"), (0, "0"), (-1500, "-1,500"), (Double.nan, "?"), (1e19, "1e+19"),
    ])
    func numbersPrintForPeople(value: Double, text: String) {
        #expect(RuleNumber.format(value) == text)
    }

    @Test(arguments: [(0.5, "50%"), (1, "100%"), (0.061, "6.1%"), (0.0004, "0%"), (0.123456, "12%")])
    func percentages(value: Double, text: String) {
        #expect(RuleNumber.percent(value) == text)
    }

    /// `{{ }}` are literal braces, `{x|text}` falls back, `{x:pct}` is a percentage, pid is not grouped.
    @Test func placeholdersBracesAndFallbacks() throws {
        let rule = try RuleLoader.load(file: "t.yaml", text: """
        id: t
        title: T
        severity: info
        appliesTo: oomKill
        when:
          all:
            - field: killed
              is: true
        message: '{processName} pid {pid} at {memcgUsageRatio:pct} of {memcgLimitMB|no} limit; cgroup {oomMemcg|none}'
        advice: 'db.adminCommand({{setParameter: 1}}) for {processName}'
        examples:
          matching:
            - killed: true
          nonMatching:
            - killed: false
        """)
        var kill = OOMKill(format: "test", source: SourceLocation(input: 0, line: 3))
        kill.processName = "mongod"
        kill.pid = 123456
        kill.memcgUsageKB = 1000
        kill.memcgLimitKB = 2000
        let run = RuleRun(set: RuleSet([rule]))
        run.observe(.oomKill(kill))
        let f = try #require(run.finish(shapes: []).findings.first)
        #expect(f.message == "mongod pid 123456 at 50% of 1.95 limit; cgroup none")  // 2000 kB = 1.953 MB
        #expect(f.advice == "db.adminCommand({setParameter: 1}) for mongod")
    }
}
