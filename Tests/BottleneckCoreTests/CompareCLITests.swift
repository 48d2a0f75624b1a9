import Testing
import Foundation
@testable import BottleneckCore
import BottleneckTestSupport

/// `bottleneck compare` and `baseline` through the real binary, on a real MongoDB 6.0 log
/// (hatchet sample) and copies of it changed in known ways: one shape slower, its plan flipped,
/// a new shape, a shape gone, a shape more frequent, OOM kills added.
@Suite struct CompareCLITests {
    static let findShape = "682946374afe76fd"    // testdb.__examples find {email}, 2,988 ops, IXSCAN
    static let updateShape = "4631a937778fe32d"  // testdb.__examples update {email}
    static let deleteShape = "12a60f9ca49ad225"  // testdb.__examples delete {email}

    /// The fixture's lines, decompressed once.
    static let lines: [String] = {
        let gz = fixturePath("hatchet-sample-mongod-6.0.11.log.gz")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/gzip")
        p.arguments = ["-dc", gz]
        let out = Pipe()
        p.standardOutput = out
        try! p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }()

    static func isFind(_ l: String) -> Bool { l.contains("\"Slow query\"") && l.contains("\"find\":\"__examples\"") && l.contains("\"filter\":{\"email\"") }

    /// Multiplies `durationMillis` of the line.
    static func scaled(_ l: String, by f: Int) -> String {
        guard let r = l.range(of: "\"durationMillis\":") else { return l }
        let digits = l[r.upperBound...].prefix { $0.isNumber }
        let v = Int(digits)! * f
        return l.replacingCharacters(in: r.upperBound..<l.index(r.upperBound, offsetBy: digits.count), with: String(v))
    }

    func write(_ lines: [String], _ path: String) throws {
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    func compare(_ args: [String]) throws -> (CLIResult, [String: Any]) {
        let r = try runBottleneck(["compare", "-f", "json"] + args)
        let obj = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any] ?? [:]
        return (r, obj)
    }

    func findings(_ o: [String: Any]) -> [[String: Any]] { o["findings"] as? [[String: Any]] ?? [] }

    @Test func theSameLogTwiceHasNoFinding() throws {
        let dir = try makeTempDirectory("cmp-null")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try write(Self.lines, "\(dir)/a.log")
        try write(Self.lines, "\(dir)/b.log")
        let (r, o) = try compare(["--fail-on", "all", "\(dir)/a.log", "\(dir)/b.log"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(findings(o).isEmpty)
        #expect((o["shapesJoined"] as? Int ?? 0) > 50)
        #expect((o["latencyTested"] as? Int ?? 0) >= 4)
        let t = try runBottleneck(["compare", "\(dir)/a.log", "\(dir)/b.log"])
        #expect(t.status == 0)
        #expect(t.stdout.contains("No change found."))
    }

    @Test func aSlowerShapeIsALatencyRegression() throws {
        let dir = try makeTempDirectory("cmp-slow")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try write(Self.lines, "\(dir)/base.log")
        try write(Self.lines.map { Self.isFind($0) ? Self.scaled($0, by: 2) : $0 }, "\(dir)/cur.log")
        let (r, o) = try compare(["\(dir)/base.log", "\(dir)/cur.log"])
        #expect(r.status == 2, "\(r.stderr)")
        let f = findings(o)
        #expect(f.count == 1)
        #expect(f.first?["verdict"] as? String == "latency-regression")
        #expect(f.first?["shapeId"] as? String == Self.findShape)
        let ratio = f.first?["p50Ratio"] as? Double ?? 0
        let ci = f.first?["p50Interval"] as? [Double] ?? []
        #expect(ratio > 1.8 && ratio < 2.2)
        #expect(ci.count == 2 && ci[0] <= ratio && ratio <= ci[1] && ci[0] > 1.2)
        // Only the latency class gates it.
        #expect(try runBottleneck(["compare", "--fail-on", "plan,oom", "\(dir)/base.log", "\(dir)/cur.log"]).status == 0)
        // The other way round it is an improvement, which never gates.
        let (back, ob) = try compare(["--fail-on", "all", "\(dir)/cur.log", "\(dir)/base.log"])
        #expect(back.status == 0)
        #expect(findings(ob).first?["verdict"] as? String == "latency-improvement")
    }

    @Test func aPlanFlipNewGoneMoreAndOOMKillsEachGetTheirVerdictAndBit() throws {
        let dir = try makeTempDirectory("cmp-all")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try write(Self.lines, "\(dir)/base.log")
        var cur: [String] = []
        for l in Self.lines {
            if Self.isFind(l) {
                // The index is gone: a collection scan reading 50,000 documents.
                cur.append(l.replacingOccurrences(of: "\"planSummary\":\"IXSCAN { email: 1 }\"", with: "\"planSummary\":\"COLLSCAN\"")
                    .replacingOccurrences(of: "\"keysExamined\":1,\"docsExamined\":1,", with: "\"keysExamined\":0,\"docsExamined\":50000,"))
                // A new query shape (another filter field), as frequent.
                cur.append(l.replacingOccurrences(of: "\"filter\":{\"email\"", with: "\"filter\":{\"nickname\""))
            } else if l.contains("\"Slow query\"") && (l.contains("\"delete\":\"__examples\"") || l.contains("\"type\":\"remove\",\"ns\":\"testdb.__examples\"")) {
                continue  // gone: the deletes, their statements and their batch commands
            } else {
                cur.append(l)
            }
        }
        try write(cur, "\(dir)/cur.log")
        let kern = fixturePath("oom/linux-4.4-talk-case1-docker-memcg-v1.txt")
        let (r, o) = try compare(["--fail-on", "all", "--baseline", "\(dir)/base.log", "--current", "\(dir)/cur.log", "--current", kern])
        let f = findings(o)
        let verdicts = Set(f.map { "\($0["verdict"] as? String ?? "") \($0["shapeId"] as? String ?? $0["process"] as? String ?? "")" })
        #expect(verdicts.contains("plan-flip \(Self.findShape)"), "\(verdicts)")
        let hasNew = verdicts.filter { $0.hasPrefix("new-shape ") }.count
        #expect(hasNew == 1, "\(verdicts)")
        let hasGone = verdicts.filter { $0.hasPrefix("gone-shape ") }.count
        #expect(hasGone == 1, "\(verdicts)")
        let hasOom = verdicts.filter { $0.hasPrefix("oom-regression ") }.count
        #expect(hasOom == 1, "\(verdicts)")
        #expect(f.count == 4, "\(verdicts)")
        // The flip's own latency rise and examined documents are listed with it, not as findings.
        let flip = f.first { $0["verdict"] as? String == "plan-flip" }
        let also = (flip?["also"] as? [String]) ?? []
        #expect(also.contains("efficiency-regression"), "\(also)")
        #expect(r.status == 4 | 8 | 16, "\(r.stderr)")
        // Every key of the JSON is in docs/compare.schema.json, with its type.
        let violations = schemaViolations(o, schema: try docsSchema("compare.schema.json"))
        #expect(violations.isEmpty, "\(violations)")
        #expect(o["exitStatus"] as? Int == Int(r.status))
        // Default gates: new shapes warn.
        let d = try runBottleneck(["compare", "--baseline", "\(dir)/base.log", "--current", "\(dir)/cur.log", "--current", kern])
        #expect(d.status == 8 | 16)
        #expect(d.stdout.contains("warn  new shape"))
        // Markdown for a pull request: a table, and the exit status is the same.
        let md = try runBottleneck(["compare", "-f", "markdown", "--baseline", "\(dir)/base.log", "--current", "\(dir)/cur.log", "--current", kern])
        #expect(md.status == 8 | 16)
        #expect(md.stdout.hasPrefix("### Bottleneck compare: "))
        #expect(md.stdout.contains("| | verdict | shape | n | p50 | p95 | p95 ratio [95% CI] | Δ slow time |"))
        #expect(md.stdout.contains("| FAIL | plan flip |"))
    }

    @Test func aChangedPlanCacheKeyForTheSameHashIsAPlanFlip() throws {
        let dir = try makeTempDirectory("cmp-pck")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try write(Self.lines, "\(dir)/base.log")
        // Same plan, same times: only the key the server derives from the available indexes.
        try write(Self.lines.map { Self.isFind($0) ? $0.replacingOccurrences(of: "\"planCacheKey\":\"F39AA0CD\"", with: "\"planCacheKey\":\"0BADC0DE\"") : $0 },
                  "\(dir)/cur.log")
        let (r, o) = try compare(["\(dir)/base.log", "\(dir)/cur.log"])
        let f = findings(o)
        #expect(f.count == 1)
        #expect(f.first?["verdict"] as? String == "plan-flip")
        #expect(f.first?["shapeId"] as? String == Self.findShape)
        let reason = (f.first?["reason"] as? String) ?? ""
        #expect(reason.contains("planCacheKey F39AA0CD → 0BADC0DE for planCacheShapeHash A55E809A"), "\(reason)")
        #expect(r.status == 8)
        // Kept in partials and baseline files too.
        #expect(try runBottleneck(["analyze", "-q", "--partial", "\(dir)/base.bnsum", "\(dir)/base.log"]).status == 0)
        #expect(try runBottleneck(["baseline", "save", "\(dir)/b.json", "\(dir)/base.bnsum"]).status == 0)
        #expect(try runBottleneck(["compare", "\(dir)/b.json", "\(dir)/cur.log"]).status == 8)
        #expect(try runBottleneck(["compare", "\(dir)/base.bnsum", "\(dir)/cur.log"]).status == 8)
    }

    @Test func moreOperationsOfAShapeIsALoadRegression() throws {
        let dir = try makeTempDirectory("cmp-more")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try write(Self.lines, "\(dir)/base.log")
        // Three times the finds, over the same time span.
        try write(Self.lines.flatMap { Self.isFind($0) ? [$0, $0, $0] : [$0] }, "\(dir)/cur.log")
        let (r, o) = try compare(["\(dir)/base.log", "\(dir)/cur.log"])
        let f = findings(o)
        #expect(f.count == 1)
        #expect(f.first?["verdict"] as? String == "load-regression")
        #expect(f.first?["shapeId"] as? String == Self.findShape)
        #expect(abs((f.first?["rateRatio"] as? Double ?? 0) - 3) < 0.01)
        #expect(r.status == 2)
    }

    @Test func acknowledgementsSilenceUntilTheyExpireAndConfigErrorsAreUsageErrors() throws {
        let dir = try makeTempDirectory("cmp-ack")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try write(Self.lines, "\(dir)/base.log")
        try write(Self.lines.map { Self.isFind($0) ? Self.scaled($0, by: 2) : $0 }, "\(dir)/cur.log")
        try """
        acknowledge:
          - shape: \(Self.findShape)
            verdict: latency-regression
            reason: "TICKET-12: the email index is rebuilt this week"
            expires: 2999-01-01
        """.write(toFile: "\(dir)/ok.yaml", atomically: true, encoding: .utf8)
        let (r, o) = try compare(["--config", "\(dir)/ok.yaml", "\(dir)/base.log", "\(dir)/cur.log"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(findings(o).first?["status"] as? String == "ack")
        let violations = schemaViolations(o, schema: try docsSchema("compare.schema.json"))
        #expect(violations.isEmpty, "\(violations)")
        try """
        acknowledge:
          - shape: \(Self.findShape)
            reason: old
            expires: 2001-01-01
        """.write(toFile: "\(dir)/old.yaml", atomically: true, encoding: .utf8)
        let old = try runBottleneck(["compare", "--config", "\(dir)/old.yaml", "\(dir)/base.log", "\(dir)/cur.log"])
        #expect(old.status == 2)
        #expect(old.stdout.contains("expired on 2001-01-01"))
        // Thresholds: a 2.5× floor lets the 2× slowdown pass.
        try "latency:\n  min-ratio: 2.5\n".write(toFile: "\(dir)/loose.yaml", atomically: true, encoding: .utf8)
        #expect(try runBottleneck(["compare", "--config", "\(dir)/loose.yaml", "\(dir)/base.log", "\(dir)/cur.log"]).status == 0)
        // Bad config, bad gate, a missing side: 64, with the reason.
        try "latency:\n  min-ratio: fast\n".write(toFile: "\(dir)/bad.yaml", atomically: true, encoding: .utf8)
        let bad = try runBottleneck(["compare", "--config", "\(dir)/bad.yaml", "\(dir)/base.log", "\(dir)/cur.log"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("bad.yaml: not a valid compare config: latency.min-ratio"))
        try "latency:\n  min-ratios: 2\n".write(toFile: "\(dir)/typo.yaml", atomically: true, encoding: .utf8)
        let typo = try runBottleneck(["compare", "--config", "\(dir)/typo.yaml", "\(dir)/base.log", "\(dir)/cur.log"])
        #expect(typo.status == 64)
        #expect(typo.stderr.contains("unknown key 'latency.min-ratios'"))
        let gate = try runBottleneck(["compare", "--fail-on", "latencies", "\(dir)/base.log", "\(dir)/cur.log"])
        #expect(gate.status == 64)
        #expect(gate.stderr.contains("unknown class 'latencies'"))
        let missing = try runBottleneck(["compare", "--db", "\(dir)/none.db", "\(dir)/base.log", "\(dir)/nope.log"])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("nope.log"))
        #expect(try runBottleneck(["compare", "\(dir)/base.log"]).status == 64)
        let same = try runBottleneck(["compare", "\(dir)/base.log", "\(dir)/base.log"])
        #expect(same.status == 64)
        #expect(same.stderr.contains("compared with itself"))
    }

    @Test func baselineFilesAreStableAndCompareLikeTheRunTheyCameFrom() throws {
        let dir = try makeTempDirectory("cmp-baseline")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try write(Self.lines, "\(dir)/base.log")
        try write(Self.lines.map { Self.isFind($0) ? Self.scaled($0, by: 2) : $0 }, "\(dir)/cur.log")
        let save = try runBottleneck(["baseline", "save", "\(dir)/perf.json", "\(dir)/base.log"])
        #expect(save.status == 0, "\(save.stderr)")
        let first = try String(contentsOfFile: "\(dir)/perf.json", encoding: .utf8)
        #expect(!first.contains(dir), "no absolute path in a committed file")
        // Saving again: refused without --force; with it, the same bytes.
        #expect(try runBottleneck(["baseline", "save", "\(dir)/perf.json", "\(dir)/base.log"]).status == 64)
        #expect(try runBottleneck(["baseline", "save", "--force", "\(dir)/perf.json", "\(dir)/base.log"]).status == 0)
        #expect(try String(contentsOfFile: "\(dir)/perf.json", encoding: .utf8) == first)
        // Against the baseline file: the same findings as against the log.
        let (a, oa) = try compare(["\(dir)/perf.json", "\(dir)/cur.log"])
        let (b, ob) = try compare(["\(dir)/base.log", "\(dir)/cur.log"])
        #expect(a.status == 2 && b.status == 2)
        func strip(_ f: [[String: Any]]) -> String {
            String(decoding: try! JSONSerialization.data(withJSONObject: f, options: [.sortedKeys]), as: UTF8.self)
        }
        #expect(strip(findings(oa)) == strip(findings(ob)))
        // accept: prints the compare, then the file holds the new run (and compares clean to it).
        let acc = try runBottleneck(["baseline", "accept", "\(dir)/perf.json", "\(dir)/cur.log"])
        #expect(acc.status == 0, "\(acc.stderr)")
        #expect(acc.stdout.contains("latency regression"))
        #expect(try runBottleneck(["compare", "--fail-on", "all", "\(dir)/perf.json", "\(dir)/cur.log"]).status == 0)
        // A hand-edited count is refused, naming the file.
        let text = try String(contentsOfFile: "\(dir)/perf.json", encoding: .utf8)
        let edited = text.replacingOccurrences(of: "\"count\": 2988", with: "\"count\": 2989")
        #expect(edited != text)
        try edited.write(toFile: "\(dir)/edited.json", atomically: true, encoding: .utf8)
        let e = try runBottleneck(["compare", "\(dir)/edited.json", "\(dir)/cur.log"])
        #expect(e.status == 1)
        #expect(e.stderr.contains("edited.json: damaged baseline"))
        // Values out of all proportion (a hostile or corrupted file that is still consistent):
        // compared, never a trap.
        var obj = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        var shapes = try #require(obj["shapes"] as? [[String: Any]])
        shapes[0]["count"] = Int64.max
        shapes[0]["totalMillis"] = Int64.max
        shapes[0]["docsExamined"] = Int64.max
        shapes[0]["histogram"] = ["buckets": [[900, Int64.max]], "min": Int64.max, "max": Int64.max]
        obj["shapes"] = shapes
        obj["slowMillis"] = Int64.max
        try JSONSerialization.data(withJSONObject: obj).write(to: URL(fileURLWithPath: "\(dir)/huge.json"))
        for args in [["\(dir)/huge.json", "\(dir)/cur.log"], ["\(dir)/cur.log", "\(dir)/huge.json"]] {
            for format in ["table", "json", "markdown"] {
                let h = try runBottleneck(["compare", "--fail-on", "all", "-f", format] + args)
                #expect((0...30).contains(h.status), "\(format) \(args): \(h.status) \(h.stderr)")
                #expect(!h.stdout.isEmpty)
            }
        }
    }
}
