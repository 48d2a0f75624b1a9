import Testing
import Foundation
@testable import BottleneckCore
import BottleneckTestSupport

/// Every field of a run summary as text, for exact comparisons. `inputRefs: false` leaves out
/// what names an input or a line (which input and line an event came from, the input list),
/// the one thing that differs between a whole file and its parts merged.
func summaryFields(_ s0: RunSummary, inputRefs: Bool = true) -> [String] {
    let s = s0.settled()
    var out: [String] = []
    if inputRefs {
        for i in s.inputs {
            out.append("input \(i.path) host=\(i.host ?? "-") \(i.format) gz=\(i.isGzip) bytes=\(i.bytes) lines=\(i.lines) rec=\(i.recognized) slow=\(i.slowOps) filtered=\(i.filteredOut) unreadable=\(i.unreadableTimestamps) err=\(i.error ?? "-") skipped=\(i.skipped.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })")
        }
    } else {
        out.append("lines=\(s.inputs.reduce(0) { $0 + $1.lines }) recognized=\(s.inputs.reduce(0) { $0 + $1.recognized }) slow=\(s.inputs.reduce(0) { $0 + $1.slowOps }) unreadable=\(s.inputs.reduce(0) { $0 + $1.unreadableTimestamps })")
    }
    out.append("folded=\(s.foldedWriteTwins) operations=\(s.shapes.operations) evictions=\(s.shapes.evictions) versions=\(s.tool)/\(s.normalizer)/\(s.layout)")
    func shape(_ a: ShapeAggregate) -> String {
        let counters = ShapeCounter.allCases.map { "\($0.key)=\(a.counters[$0])" }.joined(separator: " ")
        let h = a.histogram
        let buckets = zip(h.indices, h.counts).map { "\($0):\($1)" }.joined(separator: ",")
        let slowest = "\(a.slowestMillis)@\(a.slowestTime?.millis ?? -1)" + (inputRefs ? "@\(a.slowestSource.map { "\($0.input):\($0.line)" } ?? "-")" : "")
        return "shape \(a.shape.idHex) \(a.namespace) \(a.operation) \(a.shape.text) trunc=\(a.shape.isTruncated) \(counters) sat=\(a.saturated) err=\(a.countError) hist=[\(buckets)] min=\(h.min) max=\(h.max) plans=\(a.plans.sorted { $0.key < $1.key }) first=\(a.firstSeen?.millis ?? -1) last=\(a.lastSeen?.millis ?? -1) slowest=\(slowest) qh=\(a.queryHashes.sorted()) qsh=\(a.queryShapeHashes.sorted()) pck=\(a.planCacheKeys.sorted().map { "\($0.hash)/\($0.key)" }) hosts=\(a.hosts.sorted { $0.key < $1.key })"
    }
    for a in s.shapes.aggregates.sorted(by: { $0.shape.id < $1.shape.id }) { out.append(shape(a)) }
    if let o = s.shapes.other { out.append("other " + shape(o)) }
    out += s.timeline.comparable
    let enc = JSONEncoder()
    enc.outputFormatting = [.sortedKeys]
    for var e in s.oom.events {
        if !inputRefs { e.source = SourceLocation(input: 0, line: 0) }
        out.append("oom " + String(decoding: try! enc.encode(e), as: UTF8.self))
    }
    out.append("oom duplicates=\(s.oom.duplicates)")
    if let r = s.rules {
        var state = r.state
        if !inputRefs {
            for i in state.groups.indices { state.groups[i].firstInput = 0; state.groups[i].firstLine = 0 }
            for i in state.kills.indices { state.kills[i].lastInput = nil; state.kills[i].lastLine = nil; state.kills[i].last.source = SourceLocation(input: 0, line: 0) }
            for i in state.aborts.indices { state.aborts[i].firstInput = nil; state.aborts[i].firstLine = nil }
        }
        out.append("rules " + String(decoding: try! enc.encode(state), as: UTF8.self))
    }
    return out
}

/// The report's JSON without the input list and the input/line references.
func reportWithoutInputRefs(_ s: RunSummary) -> String {
    let json = JSONReporter().render(Report(result: s), options: ReportOptions())
    var lines = json.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if let start = lines.firstIndex(where: { $0.hasPrefix("  \"inputs\"") }), let end = lines[start...].firstIndex(where: { $0 == "  ]," }) {
        lines.removeSubrange(start...end)
    }
    return lines.filter { l in
        let t = l.trimmingCharacters(in: .whitespaces)
        return !t.hasPrefix("\"input\":") && !t.hasPrefix("\"line\":") && !t.hasPrefix("\"firstInput\":") && !t.hasPrefix("\"firstLine\":")
    }.joined(separator: "\n")
}

func decodedFixture(_ name: String) throws -> [UInt8] {
    let path = fixturePath(name)
    let opened = try InputOpener.open(path: path)
    var out: [UInt8] = []
    let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    defer { buf.deallocate() }
    while true {
        let n = try opened.source.read(into: buf)
        if n == 0 { break }
        out += buf[0..<n]
    }
    return out
}

func summarize(_ bytes: [UInt8], path: String, host: String? = "h", keepEdges: Bool = false, rules: RuleSet? = nil,
               year: Int? = 2024) -> RunSummary {
    var o = AnalysisOptions()
    o.host = host
    o.keepEdges = keepEdges
    o.rules = rules
    o.year = year
    let a = Analyzer(options: o)
    a.analyze(source: MemorySource(bytes, chunk: 65_536), path: path)
    return a.result
}

/// A small deterministic generator (tests print the seed).
struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

@Suite struct RunSummaryTests {
    /// One fixture of every format: logv2, each legacy era, kernel OOM, and the OOM/slow-query pair.
    static let formats = [
        "hatchet-sample-mongod-6.0.11.log.gz", "logv2-versions.log", "awslabs-mongod-3.6.17.log",
        "awslabs-mongodb-4.2.8.log", "mtools-mongod-2.2.5.log", "mtools-mongod-2.6-corrupt.log",
        "mongodbjs-mapreduce-2.4.log", "talk-case2-slow-counts.txt", "oom/local-linux-6.18-dmesg-T.txt",
        "oom/linux-4.4-talk-case1-docker-memcg-v1.txt", "oom-timeline/mongod.log", "oom-timeline/kern.log",
    ]

    @Test(arguments: formats)
    func encodeDecodeKeepsEveryField(fixture: String) throws {
        let rules = RuleSet(try ShippedRules.load())
        let s = summarize(try decodedFixture(fixture), path: fixture, keepEdges: true, rules: rules)
        #expect(s.shapes.operations > 0 || !s.oom.events.isEmpty || fixture.hasSuffix("2.4.log"))
        let bytes = SummaryCoding.encode(s)
        let back = try SummaryCoding.decode(bytes, rules: rules)
        #expect(summaryFields(back) == summaryFields(s))
        #expect(back.pendingTwins.count == s.pendingTwins.count && back.pendingStatements.count == s.pendingStatements.count)
        // Deterministic: the same summary encodes to the same bytes.
        #expect(SummaryCoding.encode(back) == bytes)
    }

    @Test func aDamagedOrCutPartialIsRefused() throws {
        let s = summarize(try decodedFixture("awslabs-mongod-3.6.17.log"), path: "a.log")
        let bytes = SummaryCoding.encode(s)
        #expect(throws: DecodeError.self) { try SummaryCoding.decode(Array(bytes.dropLast(9))) }
        var flipped = bytes
        flipped[bytes.count / 2] ^= 0x20
        #expect(throws: DecodeError.self) { try SummaryCoding.decode(flipped) }
        var newer = bytes
        newer[SummaryCoding.magic.count] = SummaryCoding.formatVersion + 1
        #expect(throws: DecodeError.self) { try SummaryCoding.decode(newer) }
    }

    @Test func mergeRefusesAnotherNormalizerOrLayout() throws {
        let a = summarize(try decodedFixture("awslabs-mongod-3.6.17.log"), path: "a.log")
        let b = summarize(try decodedFixture("awslabs-mongodb-4.2.8.log"), path: "b.log")
        b.normalizer += 1
        #expect(throws: SummaryError.self) { try a.merge(b) }
        let c = summarize(try decodedFixture("awslabs-mongodb-4.2.8.log"), path: "c.log")
        c.layout = "linear-10ms"
        #expect(throws: SummaryError.self) { try a.merge(c) }
    }

    /// Splits a log at random line boundaries into 2, 3 and 7 parts, summarizes each part as a
    /// partial (encoded and decoded), merges them in several orders, and compares with the whole.
    @Test(arguments: ["hatchet-sample-mongod-6.0.11.log.gz", "awslabs-mongod-3.6.17.log", "mtools-mongod-2.2.5.log",
                      "oom-timeline/mongod.log", "replset-roles/db1.log"])
    func partsMergedInAnyOrderEqualTheWhole(fixture: String) throws {
        let bytes = try decodedFixture(fixture)
        let rules = RuleSet(try ShippedRules.load())
        let whole = summarize(bytes, path: "whole", rules: rules)
        let wantFields = summaryFields(whole, inputRefs: false)
        let wantReport = reportWithoutInputRefs(whole)
        var lineStarts = [0]
        for (i, b) in bytes.enumerated() where b == 10 && i + 1 < bytes.count { lineStarts.append(i + 1) }
        let seed = UInt64(fixture.utf8.count * 7919)
        var rng = SplitMix(state: seed)
        for parts in [2, 3, 7] {
            var cuts = Set<Int>()
            while cuts.count < parts - 1 { cuts.insert(lineStarts[1 + rng.below(lineStarts.count - 1)]) }
            let bounds = [0] + cuts.sorted() + [bytes.count]
            let partials = (0..<parts).map { i in
                SummaryCoding.encode(summarize(Array(bytes[bounds[i]..<bounds[i + 1]]), path: "part\(i)", keepEdges: true, rules: rules))
            }
            var orders: [[Int]] = [Array(0..<parts), Array((0..<parts).reversed())]
            if parts == 3 { orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]] }
            for _ in 0..<(parts == 7 ? 3 : 0) {
                var o = Array(0..<parts)
                for i in stride(from: parts - 1, to: 0, by: -1) { o.swapAt(i, rng.below(i + 1)) }
                orders.append(o)
            }
            for order in orders {
                let merged = RunSummary()
                merged.rules = RuleRun(set: rules)
                for i in order { try merged.merge(try SummaryCoding.decode(partials[i], rules: rules)) }
                let got = summaryFields(merged, inputRefs: false)
                let diff = zip(got, wantFields).first { $0 != $1 }.map { "got \($0.0)\nwant \($0.1)" }
                    ?? (got.count == wantFields.count ? nil : "\(got.count) fields, want \(wantFields.count)")
                #expect(diff == nil, "\(fixture): \(parts) parts at \(bounds), order \(order), seed \(seed): first difference \(String(describing: diff)) (\(got.count) vs \(wantFields.count) fields)")
                #expect(reportWithoutInputRefs(merged) == wantReport, "\(fixture): \(parts) parts, order \(order): JSON report differs")
                #expect(merged.inputs.count == parts)
            }
        }
    }

    /// Three members of one replica set: each file's partial, merged, equals the three analyzed together.
    @Test func replicaSetMembersMergedEqualTheThreeTogether() throws {
        let files = ["replset/db1.example.net.log", "replset/db2.example.net.log", "replset/db3.example.net.log"]
        let rules = RuleSet(try ShippedRules.load())
        var o = AnalysisOptions()
        o.rules = rules
        let together = Analyzer(options: o)
        together.analyze(paths: files.map { fixturePath($0) })
        #expect(together.result.hostNames.count == 3)
        var permutations: [[Int]] = [[0, 1, 2], [2, 0, 1], [1, 2, 0]]
        permutations.append([2, 1, 0])
        for order in permutations {
            let merged = RunSummary()
            merged.rules = RuleRun(set: rules)
            for i in order {
                var po = o
                po.keepEdges = true
                let a = Analyzer(options: po)
                a.analyze(path: fixturePath(files[i]))
                try merged.merge(try SummaryCoding.decode(SummaryCoding.encode(a.result), rules: rules))
            }
            let got = summaryFields(merged, inputRefs: false), want = summaryFields(together.result, inputRefs: false)
            let diff = zip(got, want).first { $0 != $1 }.map { "got \($0.0)\nwant \($0.1)" }
                ?? (got.count == want.count ? nil : "\(got.count) fields, want \(want.count)")
            #expect(diff == nil, "order \(order)")
            #expect(Set(merged.inputs.map(\.path)) == Set(together.result.inputs.map(\.path)))
        }
        // Every shape knows its hosts, and their counts add up to its count.
        for a in together.result.shapes.aggregates {
            #expect(a.hosts.values.reduce(0, +) == a.count)
        }
    }

    /// MongoDB 2.x `locks(micros)` hold time survives a checkpoint in a real SQLite state file.
    @Test func lockHeldMicrosSurvivesACheckpoint() throws {
        let s = summarize(try decodedFixture("mtools-mongod-2.2.5.log"), path: "m.log")
        let held = s.shapes.aggregates.reduce(Int64(0)) { $0 + $1.lockHeldMicros }
        #expect(held > 0)
        let dir = try makeTempDirectory("summary-state")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            let store = try TailStateStore(path: dir + "/state.db")
            try store.save(readers: [:], inputs: s.inputs, shapes: s.shapes.aggregates, operations: s.shapes.operations,
                           foldedWriteTwins: s.foldedWriteTwins, metrics: [], checkpoints: 1)
        }
        let store = try TailStateStore(path: dir + "/state.db")
        let cp = try #require(try store.load())
        #expect(cp.shapes.reduce(Int64(0)) { $0 + $1.lockHeldMicros } == held)
        let restored = RunSummary()
        restored.shapes.restore(cp.shapes, operations: cp.operations)
        restored.inputs = cp.inputs
        let a = summaryFields(restored).filter { $0.hasPrefix("shape") }
        #expect(a == summaryFields(s).filter { $0.hasPrefix("shape") })
    }

    /// Sums past Int64.max saturate and flag the shape instead of trapping (issue 13).
    @Test func sumsPastInt64MaxSaturate() throws {
        let line = #"{"t":{"$date":"2024-01-01T00:00:00.000Z"},"s":"I","c":"COMMAND","id":51803,"ctx":"conn1","msg":"Slow query","attr":{"type":"command","ns":"db.c","command":{"find":"c","filter":{"a":1}},"planSummary":"COLLSCAN","docsExamined":9223372036854775807,"durationMillis":9223372036854775000}}"#
        let s = summarize(Array((line + "\n" + line + "\n").utf8), path: "x.log")
        let a = try #require(s.shapes.aggregates.first)
        #expect(a.count == 2)
        #expect(a.docsExamined == Int64.max)
        #expect(a.durationTotal == Int64.max)
        #expect(a.saturated)
        let json = JSONReporter().render(Report(result: s), options: ReportOptions())
        #expect(json.contains("\"saturated\": true"))
    }
}

/// The two reproducers of issue 13 whose values each fit Int64 but whose sums do not.
@Suite struct SaturatingSumCLITests {
    @Test(arguments: ["hostile/logv2-durations-sum-past-int64.log", "hostile/logv2-docsexamined-int64max-twice.log"])
    func sumsPastInt64MaxNeitherTrapNorWrap(fixture: String) throws {
        for format in ["json", "table"] {
            let r = try runBottleneck(["analyze", "-q", "--format", format, fixturePath(fixture)])
            #expect(r.status == 0, "\(fixture) \(format): exit \(r.status): \(r.stderr)")
            #expect(!r.stdout.contains("-92233"), "a sum wrapped to a negative number")
            if format == "json" {
                #expect(r.stdout.contains("\"saturated\": true"))
                #expect(r.stdout.contains("9223372036854775807"))
            }
        }
    }
}
