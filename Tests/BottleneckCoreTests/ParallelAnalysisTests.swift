import Testing
import Foundation
import BottleneckCore
import BottleneckTestSupport

/// `--jobs`: files and line-aligned chunks parsed on worker threads must give the report of a
/// sequential run, byte for byte, whatever the chunk size.
@Suite struct ParallelAnalysisTests {
    static let chunkSizes = [1, 97, 4_096, 200_000]

    /// The first ~3 MB (whole lines) of the hatchet 6.0.11 sample as a plain file (chunks need
    /// one), written once under a fixed name and renamed into place, so test runs share it.
    static let hatchetPlain: String = {
        let path = NSTemporaryDirectory() + "bottleneck-parallel-hatchet-3MB.log"
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > 2_900_000 {
            return path
        }
        let gz = try! GzipSource(base: FileDescriptorSource.open(path: fixturePath("hatchet-sample-mongod-6.0.11.log.gz")), path: "gz")
        var out = [UInt8]()
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buf.deallocate() }
        while true {
            let n = try! gz.read(into: buf)
            if n == 0 { break }
            out += buf[0..<n]
        }
        let cut = out[..<min(out.count, 3_000_000)].lastIndex(of: UInt8(ascii: "\n"))! + 1
        let temp = path + ".\(getpid())"
        _ = FileManager.default.createFile(atPath: temp, contents: Data(out[..<cut]))
        _ = rename(temp, path)
        return path
    }()

    func reports(_ paths: [String], jobs: Int, chunkSize: Int, rules: Bool = true) -> (json: String, table: String, events: [String]) {
        var o = AnalysisOptions()
        o.jobs = jobs
        o.chunkSize = chunkSize
        if rules { o.rules = RuleSet(try! ShippedRules.load()) }
        let a = Analyzer(options: o)
        var events: [String] = []
        a.onEvent = { e in
            switch e {
            case .slowOperation(let op): events.append("op \(op.source.input):\(op.source.line) \(op.shape.idHex) \(op.durationMillis)")
            case .oomKill(let k): events.append("kill \(k.source.input):\(k.source.line)")
            case .server(let e): events.append("server \(e.source.input):\(e.source.line) \(e.kind) \(e.host ?? "-") \(e.newState ?? "-")")
            }
        }
        a.analyze(paths: paths)
        let report = Report(result: a.result)
        var ro = ReportOptions()
        ro.top = 1_000
        return (JSONReporter().render(report, options: ro), TableReporter().render(report, options: ro), events)
    }

    func expectSame(_ paths: [String], jobs: [Int] = [2, 3], sizes: [Int] = chunkSizes) {
        let one = reports(paths, jobs: 1, chunkSize: 1 << 30)
        #expect(!one.events.isEmpty)
        for j in jobs {
            for size in sizes {
                let par = reports(paths, jobs: j, chunkSize: size)
                #expect(par.json == one.json, "jobs \(j), chunk \(size): JSON report differs")
                #expect(par.table == one.table, "jobs \(j), chunk \(size): table differs")
                #expect(par.events == one.events, "jobs \(j), chunk \(size): event stream differs")
            }
        }
    }

    @Test func logv2FileSplitIntoChunksGivesTheSequentialReport() {
        // 6.0.11: write twins on both sides of chunk boundaries, slowest-event ties, first/last seen.
        expectSame([Self.hatchetPlain], sizes: [4_096, 65_536, 1_000_000])
        expectSame([fixturePath("logv2-versions.log"), fixturePath("rules-regex-logv2.log")])
    }

    @Test func statefulFormatsAreParsedSequentiallyWithinTheFile() {
        // Legacy text (ctime years learned from earlier lines) and kernel OOM reports (multi-line
        // records): the first chunk goes on to the end of the file.
        expectSame([fixturePath("mtools-year-rollover-excerpt.log"), fixturePath("awslabs-mongod-3.6.17.log")])
        expectSame([fixturePath("oom-timeline/mongod.log"), fixturePath("oom-timeline/kern.log")])
    }

    @Test func cancelledChunksWithFullQueuesAreDropped() throws {
        // A legacy file of many batches: chunk 0 goes on to the end of the file while the later
        // chunks' workers have filled their queues; those chunks are cancelled and freed.
        let path = NSTemporaryDirectory() + "bottleneck-parallel-legacy-\(getpid()).log"
        let one = try String(contentsOfFile: fixturePath("awslabs-mongod-3.6.17.log"), encoding: .utf8)
        _ = FileManager.default.createFile(atPath: path, contents: Data(String(repeating: one, count: 300).utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        expectSame([path], jobs: [3], sizes: [1_500_000])
    }

    @Test func manyFilesWithGzipAndAMissingOne() {
        expectSame([fixturePath("logv2-versions.log"), fixturePath("gzip/two-members.log.gz"), fixturePath("missing.log"),
                    fixturePath("gzip/truncated.log.gz"), fixturePath("mtools-mongod-2.6-corrupt.log")],
                   jobs: [2, 4], sizes: [50, 100_000])
    }

    @Test func chunkedRunWithoutRulesAndWithABoundedTable() {
        var o = AnalysisOptions()
        o.maxShapes = 100_000
        let one = Analyzer(options: o)
        one.analyze(paths: [Self.hatchetPlain])
        o.jobs = 2
        o.chunkSize = 10_000
        let par = Analyzer(options: o)
        par.analyze(paths: [Self.hatchetPlain])
        #expect(JSONReporter().render(Report(result: par.result), options: ReportOptions())
                == JSONReporter().render(Report(result: one.result), options: ReportOptions()))
        #expect(par.result.inputs[0].lines > 1_000 && par.result.inputs[0].balanced)
    }

    @Test func chunkBoundariesFallOnLineEnds() throws {
        let path = NSTemporaryDirectory() + "bottleneck-chunks-\(getpid()).log"
        let text = (1...500).map { "line \($0) " + String(repeating: "x", count: $0 % 37) }.joined(separator: "\n")  // no final newline
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        for size in [1, 10, 333, 100_000] {
            var o = AnalysisOptions()
            o.jobs = 3
            o.chunkSize = size
            let a = Analyzer(options: o)
            a.analyze(paths: [path])
            let i = a.result.inputs[0]
            #expect(i.lines == 500, "chunk \(size)")
            #expect(i.bytes == Int64(text.utf8.count), "chunk \(size)")
            #expect(i.skipped[.unrecognized] == 500)
        }
    }
}

/// The same through the binary: --jobs changes nothing in the table, the JSON report or NDJSON.
@Suite struct ParallelCLITests {
    @Test(arguments: ["json", "table", "ndjson"])
    func jobsGiveTheSameOutput(format: String) throws {
        let files = [ParallelAnalysisTests.hatchetPlain, fixturePath("logv2-versions.log"),
                     fixturePath("awslabs-mongod-3.6.17.log"), fixturePath("gzip/two-members.log.gz")]
        let one = try runBottleneck(["analyze", "--format", format, "--jobs", "1"] + files)
        let many = try runBottleneck(["analyze", "--format", format, "--jobs", "3", "--chunk-size", "65536"] + files)
        #expect(one.status == 0 && many.status == 0)
        #expect(one.stdout.count > 1_000)
        #expect(many.stdout == one.stdout)
    }
}
