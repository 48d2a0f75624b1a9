import Testing
import BottleneckCore
import BottleneckTestSupport

@Suite struct RuleLoaderTests {
    func loadError(_ file: String, text: String? = nil) -> RuleLoadError? {
        do {
            _ = try RuleLoader.load(file: file, text: text)
            return nil
        } catch {
            return error
        }
    }

    /// Each broken fixture gives one error naming the file and the field.
    @Test(arguments: [
        ("bad-syntax.yaml", "(syntax)", "not valid YAML"),
        ("unknown-field.yaml", "when.all[0].field", "unknown field 'docsScannedPerHour'"),
        ("bad-regex.yaml", "when.all[0].matches", "does not compile"),
        ("failing-example.yaml", "examples.matching[0]", "listed as matching, but the rule does not match it (when.all[1] is false)"),
    ])
    func brokenFixturesAreRefusedWithFileAndField(name: String, field: String, message: String) throws {
        let path = ruleFixturePath(name)
        let error = try #require(loadError(path))
        #expect(error.file == path)
        #expect(error.field == field)
        #expect(error.message.contains(message), "\(error.message)")
        #expect(error.description.hasPrefix(path))
        #expect(error.description.contains("field '\(field)'"))
    }

    @Test func syntaxErrorCarriesTheLine() throws {
        let error = try #require(loadError(ruleFixturePath("bad-syntax.yaml")))
        #expect(error.line == 9)
    }

    @Test func aFolderReportsEveryBrokenFileOnce() throws {
        let results = try RuleLoader.loadEach(ruleFixturePath(""))
        #expect(results.count == 4)
        let failures = results.compactMap { r -> String? in
            if case .failure(let e) = r { return e.file.split(separator: "/").last.map(String.init) }
            return nil
        }
        #expect(failures == ["bad-regex.yaml", "bad-syntax.yaml", "failing-example.yaml", "unknown-field.yaml"])
    }

    static let valid = """
    id: t
    title: T
    severity: info
    appliesTo: shape
    when:
      all:
        - field: count
          gte: 2
    message: '{count} ops on {namespace}, {timeShare:pct}, index {esrIndex|none}'
    advice: a
    examples:
      matching:
        - count: 3
      nonMatching:
        - count: 1
    """

    @Test func aValidRuleLoads() throws {
        let rule = try RuleLoader.load(file: "t.yaml", text: RuleLoaderTests.valid)
        #expect(rule.id == "t")
        #expect(rule.severity == .info)
        #expect(rule.target == .shape)
        #expect(rule.examples.count == 2)
    }

    /// Mutations of the valid rule, each refused at the named field.
    @Test(arguments: [
        ("severity: info", "severty: info", "severty", "unknown field"),
        ("severity: info", "severity: urgent", "severity", "not one of info, warning, critical"),
        ("appliesTo: shape", "appliesTo: query", "appliesTo", "is not one of"),
        ("{namespace}", "{collectionName}", "message", "unknown placeholder {collectionName}"),
        ("- count: 3", "- cnt: 3", "examples.matching[0].cnt", "unknown field 'cnt'"),
        ("- count: 3", "- count: many", "examples.matching[0].count", "expected a number"),
        ("gte: 2", "matches: '^2'", "when.all[0].matches", "is a number, not text"),
        ("gte: 2", "gte: 2\n      lte: 9", "when.all[0]", "exactly one operator"),
        ("gte: 2", "above: 2", "when.all[0].above", "unknown field"),
        ("  nonMatching:\n    - count: 1", "  nonMatching: []", "examples.nonMatching", "non-empty list"),
        ("id: t", "id: other", "id", "must equal the file name"),
        ("advice: a", "advice: ''", "advice", "non-empty text"),
        ("- count: 1", "- count: 5", "examples.nonMatching[0]", "listed as nonMatching, but the rule matches it"),
    ])
    func mutationsAreRefusedAtTheirField(from: String, to: String, field: String, message: String) throws {
        let text = RuleLoaderTests.valid.replacingFirst(from, with: to)
        #expect(text != RuleLoaderTests.valid, "mutation did not apply: \(from)")
        let error = try #require(loadError("t.yaml", text: text))
        #expect(error.field == field, "\(error)")
        #expect(error.message.contains(message), "\(error)")
    }
}

extension String {
    func replacingFirst(_ a: String, with b: String) -> String {
        guard let r = range(of: a) else { return self }
        return replacingCharacters(in: r, with: b)
    }
}

/// `log:` examples go through the real parsers.
@Suite struct RuleLogExampleTests {
    static func rule(matching: String, nonMatching: String) -> String {
        """
        id: scan
        title: Scan
        severity: warning
        appliesTo: slowOperation
        when:
          all:
            - field: planKind
              matches: '^COLLSCAN$'
        message: m
        advice: a
        examples:
          matching:
            - log: '\(matching)'
          nonMatching:
            - log: '\(nonMatching)'
        """
    }
    static let collscan = #"Wed Mar  5 17:14:57.407 [conn4] query test.docs query: { foo: 33.0 } planSummary: COLLSCAN ntoreturn:0 nscanned:100000 nreturned:1 reslen:68 29ms"#
    static let ixscan = #"Wed Mar  5 17:14:57.407 [conn4] query test.docs query: { foo: 33.0 } planSummary: IXSCAN { foo: 1 } ntoreturn:0 nscanned:1 nreturned:1 reslen:68 29ms"#

    @Test func logExamplesParseAndDecide() throws {
        let rule = try RuleLoader.load(file: "scan.yaml", text: Self.rule(matching: Self.collscan, nonMatching: Self.ixscan))
        #expect(rule.examples.compactMap(\.log).count == 2)
    }

    @Test func aLogExampleOnTheWrongSideIsRefused() {
        do {
            _ = try RuleLoader.load(file: "scan.yaml", text: Self.rule(matching: Self.ixscan, nonMatching: Self.collscan))
            Issue.record("should be refused")
        } catch {
            #expect(error.field == "examples.matching[0]")
            #expect(error.message.contains("listed as matching, but the rule does not match it"))
        }
    }

    @Test func aLogExampleThatDoesNotParseIsRefused() {
        do {
            _ = try RuleLoader.load(file: "scan.yaml", text: Self.rule(matching: "hello world", nonMatching: Self.ixscan))
            Issue.record("should be refused")
        } catch {
            #expect(error.field == "examples.matching[0].log")
            #expect(error.message == "no slow operation was parsed from this log text")
        }
    }
}
