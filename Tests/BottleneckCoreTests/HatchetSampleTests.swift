#if canImport(Glibc)
import Glibc
#endif
import Testing
import BottleneckCore
import BottleneckTestSupport

/// The acceptance numbers on the real 6.0.11 sample (simagix/hatchet), counted by hand
/// with `grep -c '"id":51803'` (27,429) and `wc -l` (27,995); 6,060 = 3,072 update + 2,988 delete
/// batch twins, each paired with its per-statement WRITE entry.
@Suite struct HatchetSampleTests {
    static let path = fixturePath("hatchet-sample-mongod-6.0.11.log.gz")

    @Test func countsLinesSlowOpsTwinsAndOperations() {
        let a = Analyzer(options: AnalysisOptions())
        a.analyze(path: Self.path)
        let input = a.result.inputs[0]
        #expect(input.error == nil)
        #expect(input.lines == 27_995)
        #expect(input.slowOps == 27_429)
        #expect(input.balanced)
        #expect(input.skippedTotal == 0)
        #expect(input.format == "logv2")
        #expect(a.result.foldedWriteTwins == 6_060)
        #expect(a.result.shapes.operations == 21_369)
    }

    /// The same bytes through a pipe-like source (no size, no path, small reads) give the same
    /// JSON report, the input's path aside.
    @Test func pipeGivesTheSameReport() throws {
        let file = Analyzer(options: AnalysisOptions())
        file.analyze(path: Self.path)
        let piped = Analyzer(options: AnalysisOptions())
        let gz = try GzipSource(base: MemorySource(try readFileBytes(Self.path), chunk: 4093), path: "-")
        piped.analyze(source: gz, path: "-")
        var a = JSONReporter().render(Report(result: file.result), options: ReportOptions())
        var b = JSONReporter().render(Report(result: piped.result), options: ReportOptions())
        a = a.replacing("\"path\": \"\(Self.path)\"", with: "P")
        b = b.replacing("\"path\": \"-\"", with: "P")
        // gzip flag: the raw analyzer path detects it; the pipe test built the GzipSource itself.
        a = a.replacing("\"gzip\": true", with: "G")
        b = b.replacing("\"gzip\": false", with: "G")
        #expect(piped.result.foldedWriteTwins == 6_060)
        #expect(a == b)
    }

    /// `bottleneck analyze --format json FILE` and `... -` with the same bytes on stdin print the
    /// same report (the input's path aside).
    @Test func stdinThroughTheBinaryGivesTheSameReport() throws {
        let fromFile = try runBottleneck(["analyze", "--format", "json", Self.path])
        let fromStdin = try runBottleneck(["analyze", "--format", "json", "-"], stdin: try readFileBytes(Self.path))
        #expect(fromFile.status == 0 && fromStdin.status == 0)
        let a = fromFile.stdout.replacing("\"path\": \"\(Self.path)\"", with: "P")
        let b = fromStdin.stdout.replacing("\"path\": \"-\"", with: "P")
        #expect(a.contains("\"foldedWriteTwins\": 6060"))
        #expect(a.contains("\"operations\": 21369"))
        #expect(a == b)
    }

    /// Per-shape p50/p95/p99 from the bounded histogram are within 1% of the exact nearest-rank
    /// percentiles computed from every duration of the sample.
    @Test func percentilesAreWithinOnePercentOfExact() {
        let a = Analyzer(options: AnalysisOptions())
        var durations: [UInt64: [Int64]] = [:]
        a.onEvent = { if case .slowOperation(let op) = $0 { durations[op.shape.id, default: []].append(op.durationMillis) } }
        a.analyze(path: Self.path)
        var checked = 0
        for agg in a.result.shapes.aggregates {
            let exact = (durations[agg.shape.id] ?? []).sorted()
            #expect(exact.count == Int(agg.count))
            guard exact.count >= 20 else { continue }
            for q in [0.5, 0.95, 0.99] {
                let rank = max(1, Int((q * Double(exact.count)).rounded(.up)))
                let e = Double(exact[rank - 1])
                let approx = agg.histogram.quantile(q)
                #expect(abs(approx - e) <= 0.01 * max(e, 1), "\(agg.shape.text) q=\(q) exact=\(e) approx=\(approx)")
            }
            #expect(agg.durationTotal == exact.reduce(0, +))
            checked += 1
        }
        #expect(checked >= 10)
    }
}
