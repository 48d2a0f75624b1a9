import Testing
import Foundation
@testable import BottleneckCore
import BottleneckTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Hostile rule files and patterns (issue 13 "Rules"): alias bombs, catastrophic patterns on every
/// line, FIFOs in the rules folder, oversized files, symlink loops, huge patterns in messages.
@Suite struct RuleHardeningTests {
    static func makeFolder() -> String {
        var template = Array("/tmp/bottleneck-rules-XXXXXX".utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        return String(cString: p!)
    }

    static func loadError(_ file: String, text: String? = nil) -> RuleLoadError? {
        do {
            _ = try RuleLoader.load(file: file, text: text)
            return nil
        } catch {
            return error
        }
    }

    // MARK: YAML anchors and aliases

    @Test func aliasBombIsRefusedAtOnceNamingTheFile() throws {
        let file = ruleFixturePath("hostile/billion-laughs.yaml")
        let start = Date()
        let error = Self.loadError(file)
        let seconds = Date().timeIntervalSince(start)
        #expect(seconds < 5, "took \(seconds) s")
        let e = try #require(error)
        #expect(e.file == file)
        #expect(e.line == 12)
        #expect(e.description.contains("anchors and aliases are not allowed in rule files"), "\(e)")
        #expect(e.description.hasPrefix(file + ":12:"))
    }

    @Test func everyAnchorOrAliasPositionIsFound() {
        let cases: [(String, Int, Bool)] = [
            ("a: &x 1\n", 1, true),
            ("a: 1\nb: *x\n", 2, false),
            ("a:\n  - *x\n", 2, false),
            ("a: [1, *x]\n", 1, false),
            ("a: {k: *x}\n", 1, false),
            ("<<: *x\n", 1, false),
            ("? *x\n: 1\n", 1, false),
            ("a: !!str &x v\n", 1, true),
            ("--- &x\na: 1\n", 1, true),
            ("a: |\n  text\nb: *x\n", 3, false),
            ("- - &x v\n", 1, true),
            ("a: 'q'\nb: *x\n", 2, false),
        ]
        for (text, line, anchor) in cases {
            let hit = YAMLAliasScan.first(in: text)
            #expect(hit?.line == line && hit?.isAnchor == anchor, "\(text.debugDescription): \(String(describing: hit))")
        }
    }

    @Test func starsAndAmpersandsInsideValuesAreFine() {
        let texts = [
            "matches: '\\s*&x *y'\n",
            "matches: a*b&c *d &e\n",
            "matches: \"*x &y \\\" *z\"\n",
            "message: >-\n  *bold* and & more\n  * a list item\n\n  & again\nadvice: ok\n",
            "advice: |\n    *x\n  # not a comment\nnext: 1\n",
            "a: x # *comment &too\n",
            "# *x &y\na: 1\n",
            "a: ['*x', \"&y\", z*]\n",
            "a: 'multi\n  *line'\n",
            "a: -5\nb: - x\n",
        ]
        for t in texts {
            #expect(YAMLAliasScan.first(in: t) == nil, "\(t.debugDescription)")
        }
    }

    @Test func shippedRulesHaveNoAnchors() throws {
        let dir = try #require(ShippedRules.directory())
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".yaml") }
        #expect(names.count >= 20)
        for name in names {
            let text = try String(contentsOfFile: dir + "/" + name, encoding: .utf8)
            #expect(YAMLAliasScan.first(in: text) == nil, "\(name)")
        }
    }

    @Test func anchorsInAnOtherwiseValidRuleAreRefused() {
        let text = """
        id: with-anchor
        title: t
        severity: info
        appliesTo: line
        when:
          field: line
          matches: &p 'COLLSCAN'
        message: m
        advice: a
        examples:
          matching: [COLLSCAN]
          nonMatching: [IXSCAN]
        """
        let e = Self.loadError("with-anchor.yaml", text: text)
        #expect(e?.line == 7)
        #expect(e?.message.contains("YAML anchor (&) at column 12") == true, "\(String(describing: e))")
    }

    // MARK: files that are not plain small files

    /// A FIFO named like a rule file must not block the loader (run in a child with a deadline, so
    /// a regression fails instead of hanging the suite).
    @Test func aFIFOInTheRulesFolderIsRefusedWithoutBlocking() throws {
        let dir = Self.makeFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(mkfifo(dir + "/x.yaml", 0o644) == 0)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bottleneckExecutablePath())
        p.arguments = ["rules", "test", "--no-default-rules", "--rules", dir]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        let exited = DispatchSemaphore(value: 0)
        p.terminationHandler = { _ in exited.signal() }
        try p.run()
        guard exited.wait(timeout: .now() + 30) == .success else {
            p.terminate()
            Issue.record("the loader is blocked on the FIFO")
            return
        }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile() + err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(p.terminationStatus == 1)
        #expect(text.contains("\(dir)/x.yaml: field '(file)': not a regular file (a FIFO)"), "\(text)")
    }

    @Test func aTooLargeFileSaysHowLarge() throws {
        let dir = Self.makeFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/big.yaml"
        try writeFileBytes(file, Array("# x\n".utf8) + [UInt8](repeating: 0x23, count: (1 << 20) - 3))
        let e = Self.loadError(file)
        #expect(e?.message == "too large: 1048577 bytes > 1 MiB (1048576 bytes)", "\(String(describing: e))")
    }

    @Test func aSymlinkLoopIsNamed() throws {
        let dir = Self.makeFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(symlink(dir + "/b.yaml", dir + "/a.yaml") == 0)
        #expect(symlink(dir + "/a.yaml", dir + "/b.yaml") == 0)
        let e = Self.loadError(dir + "/a.yaml")
        #expect(e?.message == "symlink loop (too many levels of symbolic links)", "\(String(describing: e))")
        let each = try RuleLoader.loadEach(dir)
        #expect(each.count == 2)
    }

    @Test func aFolderNamedLikeARuleFileIsNamed() throws {
        let dir = Self.makeFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(mkdir(dir + "/sub.yaml", 0o755) == 0)
        let e = Self.loadError(dir + "/sub.yaml")
        #expect(e?.message == "not a regular file (a directory)", "\(String(describing: e))")
    }

    // MARK: huge patterns

    @Test func aPatternTooLargeIsNotEchoedWhole() throws {
        let pattern = String(repeating: "x", count: 70_000)
        let text = """
        id: huge
        title: t
        severity: info
        appliesTo: line
        when:
          field: line
          matches: '\(pattern)'
        message: m
        advice: a
        examples:
          matching: [x]
          nonMatching: [y]
        """
        let e = try #require(Self.loadError("huge.yaml", text: text))
        #expect(e.description.contains("too large"), "\(e.description.prefix(300))")
        #expect(e.description.count < 400, "the message is \(e.description.count) characters")
        #expect(e.description.contains(String(repeating: "x", count: 80) + "… (70000 bytes)"))
        #expect(!e.description.contains(String(repeating: "x", count: 81)))
    }

    // MARK: abort budget

    static let redosDir = ruleFixturePath("redos")

    /// 200,000 short lines on which `^(a+)+$` backtracks to the match limit (~1 ms each, 237 s in
    /// all before the budget): the rule is switched off after 100 aborts and the run is quick.
    @Test func aCatastrophicLineRuleIsSwitchedOffAfterItsBudget() throws {
        let line = Array("aaaaaaaaaaaaaaaaaaaaaaaaaaaaab\n".utf8)
        var input: [UInt8] = []
        input.reserveCapacity(line.count * 200_000)
        for _ in 0..<200_000 { input += line }
        let start = Date()
        let r = try runBottleneck(["analyze", "-q", "--no-default-rules", "--rules", Self.redosDir, "--format", "json", "--jobs", "1", "-"], stdin: input)
        let seconds = Date().timeIntervalSince(start)
        #expect(r.status == 0, "\(r.stderr)")
        // Loose bound for a loaded debug machine; without the budget this is about 4 minutes.
        #expect(seconds < 60, "took \(seconds) s")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let aborts = try #require(json["ruleAborts"] as? [[String: Any]])
        #expect(aborts.count == 1)
        #expect(aborts.first?["rule"] as? String == "user-redos")
        #expect(aborts.first?["count"] as? Int == Int(RuleRun.defaultAbortBudget))
        #expect(aborts.first?["disabled"] as? Bool == true)
        #expect(aborts.first?["line"] as? Int == 1)
        #expect(schemaViolations(json, schema: try reportSchema()).isEmpty)

        let table = try runBottleneck(["analyze", "-q", "--no-default-rules", "--rules", Self.redosDir, "--jobs", "1", "-"], stdin: input)
        #expect(table.stdout.contains("rule user-redos: switched off after 100 matches aborted at the match limit (first at input 0 line 1); its findings are left out"), "\(table.stdout)")
    }

    /// The budget gives the same report for any chunking: a run split in parts counts as one pass.
    @Test func theBudgetIsTheSameForAnyChunking() throws {
        let rule = try RuleLoader.load(file: ruleFixturePath("redos/user-redos.yaml"))
        let set = RuleSet([rule])
        let bad = Array("aaaaaaaaaaaaaaaaaaaaaaaaaaaaab".utf8)
        let good = Array("aaaa".utf8)
        // 150 lines: 3 of 5 abort; a matching line every 5th.
        var lines: [[UInt8]] = []
        for i in 0..<150 { lines.append(i % 5 == 4 ? good : bad) }
        func run(_ slice: ArraySlice<[UInt8]>, from: Int) -> RuleRun {
            let r = RuleRun(set: set, abortBudget: 40)
            for (k, l) in slice.enumerated() {
                l.withUnsafeBytes { b in
                    r.beginLine(b, number: from + k + 1, input: 0)
                    r.endLine()
                }
            }
            return r
        }
        let whole = run(lines[...], from: 0).finish(shapes: [])
        for cut in [1, 30, 49, 50, 51, 75, 149] {
            let a = run(lines[0..<cut], from: 0)
            a.merge(run(lines[cut...], from: cut))
            let merged = a.finish(shapes: [])
            #expect(merged.aborts == whole.aborts, "cut at \(cut)")
            #expect(merged.findings.map(\.rule) == whole.findings.map(\.rule), "cut at \(cut)")
        }
        #expect(whole.aborts == [RuleAbort(rule: "user-redos", count: 40, reason: "match limit", firstInput: 0, firstLine: 1, disabled: true)])
        #expect(whole.findings.isEmpty)

        // Under the budget nothing changes: aborts are counted and matches found.
        let few = run(lines[0..<20], from: 0).finish(shapes: [])
        #expect(few.aborts == [RuleAbort(rule: "user-redos", count: 16, reason: "match limit", firstInput: 0, firstLine: 1)])
        #expect(few.findings.count == 1)
    }
}
