import Testing
import BottleneckCore

/// `bottleneck rules test` in the test suite: every shipped rule loads and its examples hold.
@Suite struct ShippedRulesTests {
    @Test func everyShippedRuleLoadsAndPassesItsExamples() throws {
        let dir = try #require(ShippedRules.directory())
        let results = try RuleLoader.loadEach(dir)
        for r in results {
            if case .failure(let e) = r { Issue.record("\(e)") }
        }
        let rules = results.compactMap { try? $0.get() }
        #expect(rules.count >= 15)
        #expect(rules.allSatisfy { $0.examples.contains(where: \.shouldMatch) && $0.examples.contains(where: { !$0.shouldMatch }) })
    }

    @Test func userRulesReplaceShippedRulesOfTheSameId() throws {
        let shipped = try ShippedRules.load()
        let mine = try RuleLoader.load(file: "collection-scan.yaml", text: """
        id: collection-scan
        title: Mine
        severity: critical
        appliesTo: shape
        when:
          all:
            - field: collscanShare
              gte: 0.9
        message: m
        advice: a
        examples:
          matching:
            - collscanShare: 1
          nonMatching:
            - collscanShare: 0
        """)
        let merged = RuleSet.merging(shipped, with: [mine])
        #expect(merged.count == shipped.count)
        #expect(merged.filter { $0.id == "collection-scan" }.map(\.title) == ["Mine"])
    }
}
