import Testing
import Foundation
import BottleneckCore
import BottleneckTestSupport

/// `tail` drives the same ingest loop as `analyze`: the same filters, the same summary, and a
/// checkpoint that keeps every counter of a shape.
@Suite(.serialized) struct TailIngestTests {
    static let lines = "bottleneck_lines_total"

    func lockHeld(_ json: String) throws -> Int64 {
        let obj = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        return (obj["shapes"] as! [[String: Any]]).reduce(Int64(0)) { $0 + (($1["lockHeldMicros"] as? NSNumber)?.int64Value ?? 0) }
    }

    @Test func tailAppliesAnalyzesFilters() throws {
        let dir = try makeTempDirectory("tail-filter")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/mongod.log"
        try copyFile(fixturePath("awslabs-mongod-3.6.17.log"), path)
        let tail = try TailProcess([path, "--from-start", "--op", "find", "--no-default-rules"], stderrPath: dir + "/stderr")
        defer { if tail.process.isRunning { tail.kill9() } }
        #expect(tail.waitFor(Self.lines, toBe: 121) == 121)
        let report = try tail.get("/report")
        let obj = try JSONSerialization.jsonObject(with: Data(report.body.utf8)) as! [String: Any]
        let shapes = obj["shapes"] as! [[String: Any]]
        #expect(!shapes.isEmpty)
        #expect(shapes.allSatisfy { $0["operation"] as? String == "find" })
        let input = (obj["inputs"] as! [[String: Any]])[0]
        #expect((input["filteredOut"] as! NSNumber).int64Value > 0)
        // The same filter in analyze gives the same shapes.
        let a = try runBottleneck(["analyze", "-q", "--format", "json", "--op", "find", "--no-default-rules", path])
        let ashapes = (try JSONSerialization.jsonObject(with: Data(a.stdout.utf8)) as! [String: Any])["shapes"] as! [[String: Any]]
        #expect(Set(ashapes.map { $0["shapeId"] as! String }) == Set(shapes.map { $0["shapeId"] as! String }))
        #expect(tail.terminate() == 0)
    }

    /// MongoDB 2.x `locks(micros)` hold time survives a tail restart from its state file.
    @Test func lockHeldMicrosSurvivesATailRestart() throws {
        let dir = try makeTempDirectory("tail-lockheld")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/mongod.log"
        try copyFile(fixturePath("mtools-mongod-2.2.5.log"), path)
        let want = try lockHeld(try runBottleneck(["analyze", "-q", "--format", "json", "--no-default-rules", path]).stdout)
        #expect(want > 0)
        let state = dir + "/state.db"
        do {
            let tail = try TailProcess([path, "--from-start", "--state", state, "--no-default-rules"], stderrPath: dir + "/stderr1")
            defer { if tail.process.isRunning { tail.kill9() } }
            #expect(tail.waitFor(Self.lines, toBe: 497) == 497)
            #expect(try lockHeld(try tail.get("/report").body) == want)
            #expect(tail.terminate() == 0)
        }
        let again = try TailProcess([path, "--state", state, "--no-default-rules"], stderrPath: dir + "/stderr2")
        defer { if again.process.isRunning { again.kill9() } }
        #expect(try lockHeld(try again.get("/report").body) == want)
        #expect(try again.metric(Self.lines) == 497)
        #expect(again.terminate() == 0)
    }
}
