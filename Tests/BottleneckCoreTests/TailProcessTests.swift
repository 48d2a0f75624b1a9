import Testing
import Foundation
import BottleneckCore
import BottleneckTestSupport

/// `bottleneck tail` as a real process, on real files, queried over real HTTP on 127.0.0.1.
/// Serialized: each test runs one tail process and a writer; the machine has two cores.
@Suite(.serialized) struct TailProcessTests {
    static let slowOps = "bottleneck_slow_operations_total"
    static let lines = "bottleneck_lines_total"

    /// One block of `count` slow-query lines with globally increasing sequence numbers.
    func block(from first: Int, count: Int) -> String {
        var s = ""
        for i in first..<(first + count) {
            s += slowQueryLine(seq: i, ns: ["shop.orders", "shop.users"][i % 2], ms: 100 + i % 900) + "\n"
        }
        return s
    }

    /// Writes `total` lines in chunks of 100 (short pauses between), calling `rotate(n)` after every
    /// 1,000 lines but the last block.
    func writeRotating(_ w: LogWriter, total: Int, rotate: (Int) -> Void) {
        var seq = 0
        while seq < total {
            for _ in 0..<10 where seq < total {
                w.write(block(from: seq, count: 100))
                seq += 100
                usleep(3000)
            }
            if seq < total { rotate(seq / 1000) }
        }
    }

    @Test func renameRotationEveryThousandLinesCountsTenThousand() throws {
        let dir = try makeTempDirectory("tail-rename")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/mongod.log"
        let w = LogWriter(path: path)
        let tail = try TailProcess([path, "--rotate-wait", "2"], stderrPath: dir + "/stderr")
        defer { if tail.process.isRunning { tail.kill9() } }
        writeRotating(w, total: 10_000) { n in w.rotateRename(to: "\(path).\(n)") }
        #expect(tail.waitFor(Self.slowOps, toBe: 10_000) == 10_000, "stderr: \(tail.stderr)")
        usleep(300_000)
        #expect(try tail.metric(Self.slowOps) == 10_000)
        #expect(try tail.metric(Self.lines, matching: "file=\"\(path)\"") == 10_000)
        #expect(try tail.metric("bottleneck_rotations_total") >= 9)
        #expect(tail.terminate() == 0)
    }

    @Test func renameRotationWhilePollingCountsTenThousand() throws {
        // Polling (network filesystems) every 50 ms while rotations come every ~30 ms: several
        // rotations happen between two looks, and the files in between are read too.
        let dir = try makeTempDirectory("tail-rename-poll")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/mongod.log"
        let w = LogWriter(path: path)
        let tail = try TailProcess([path, "--poll", "--poll-interval", "0.05", "--rotate-wait", "2"], stderrPath: dir + "/stderr")
        defer { if tail.process.isRunning { tail.kill9() } }
        writeRotating(w, total: 10_000) { n in w.rotateRename(to: "\(path).\(n)") }
        #expect(tail.waitFor(Self.slowOps, toBe: 10_000) == 10_000, "stderr: \(tail.stderr)")
        usleep(300_000)
        #expect(try tail.metric(Self.slowOps) == 10_000)
        #expect(try tail.metric(Self.lines) == 10_000)
        #expect(tail.terminate() == 0)
    }

    @Test func copyTruncateEveryThousandLinesCountsTenThousand() throws {
        let dir = try makeTempDirectory("tail-copytruncate")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/mongod.log"
        let w = LogWriter(path: path)
        let tail = try TailProcess([path], stderrPath: dir + "/stderr")
        defer { if tail.process.isRunning { tail.kill9() } }
        writeRotating(w, total: 10_000) { n in
            // Copytruncate can only be followed once tail has seen the file's first bytes (its
            // fingerprint); a file created and truncated unseen is the documented loss window.
            // Wait for that (not for the whole block: the rest is read from the copy).
            _ = tail.waitFor(Self.lines, toBe: Int64(n * 1000 - 999), timeout: 30)
            w.rotateCopyTruncate(to: "\(path).\(n)")
        }
        #expect(tail.waitFor(Self.slowOps, toBe: 10_000) == 10_000, "stderr: \(tail.stderr)")
        usleep(300_000)
        #expect(try tail.metric(Self.slowOps) == 10_000)
        #expect(try tail.metric(Self.lines) == 10_000)
        #expect(tail.terminate() == 0)
    }

    @Test func copyTruncateFasterThanTailLooks() throws {
        // Five copytruncates back to back, no pauses: tail finds files it never saw in the copies.
        let dir = try makeTempDirectory("tail-copytruncate-burst")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/mongod.log"
        let w = LogWriter(path: path)
        let tail = try TailProcess([path], stderrPath: dir + "/stderr")
        defer { if tail.process.isRunning { tail.kill9() } }
        for n in 0..<5 {
            w.write(block(from: n * 1000, count: 1000))
            if n < 4 { w.rotateCopyTruncate(to: "\(path).\(n)") }
        }
        #expect(tail.waitFor(Self.slowOps, toBe: 5000, timeout: 30) == 5000, "stderr: \(tail.stderr)")
        usleep(300_000)
        #expect(try tail.metric(Self.slowOps) == 5000)
        #expect(tail.terminate() == 0)
    }

    @Test func deleteAndRecreateWhilePolling() throws {
        let dir = try makeTempDirectory("tail-poll")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/mongod.log"
        let w = LogWriter(path: path)
        let tail = try TailProcess([path, "--poll", "--poll-interval", "0.05"], stderrPath: dir + "/stderr")
        defer { if tail.process.isRunning { tail.kill9() } }
        // Delete-and-recreate loses what was not read before the unlink only if the reader was
        // not holding the file open; tail holds it, so nothing is lost. Wait between rounds so the
        // poller sees each file.
        var seq = 0
        for _ in 0..<3 {
            w.write(block(from: seq, count: 1000))
            seq += 1000
            #expect(tail.waitFor(Self.slowOps, toBe: Int64(seq), timeout: 30) == Int64(seq))
            w.rotateDeleteRecreate()
        }
        w.write(block(from: seq, count: 500))
        #expect(tail.waitFor(Self.slowOps, toBe: 3500) == 3500, "stderr: \(tail.stderr)")
        #expect(tail.terminate() == 0)
    }

    @Test func fiveKillNineRestartsCountEveryLineOnce() throws {
        let dir = try makeTempDirectory("tail-crash")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/mongod.log"
        let state = dir + "/state.db"
        let args = [path, "--state", state, "--checkpoint-lines", "700", "--checkpoint-seconds", "0.3", "--rotate-wait", "1", "--verbose"]
        let w = LogWriter(path: path)
        var tail = try TailProcess(args, stderrPath: dir + "/stderr-0")
        defer { if tail.process.isRunning { tail.kill9() } }
        var seq = 0
        var kills = 0
        func rotate(_ blockIndex: Int) {
            if blockIndex % 4 < 2 { w.rotateRename(to: "\(path).\(blockIndex)") } else { w.rotateCopyTruncate(to: "\(path).\(blockIndex)") }
        }
        for blockIndex in 0..<10 {
            let end = 1000 * (blockIndex + 1)
            var rotated = blockIndex == 9
            w.write(block(from: seq, count: 500))
            seq += 500
            if blockIndex % 2 == 1 {
                // Kill in the middle of a block, with half a line written: the line is completed
                // while tail is down, and counted once after the restart.
                let line = slowQueryLine(seq: seq, ns: "shop.orders", ms: 4321) + "\n"
                let cut = line.index(line.startIndex, offsetBy: line.count / 2)
                w.write(String(line[..<cut]))
                _ = tail.waitFor(Self.lines, toBe: Int64(seq), timeout: 30)
                usleep(UInt32.random(in: 0...400_000))
                tail.kill9()
                kills += 1
                w.write(String(line[cut...]))
                seq += 1
                w.write(block(from: seq, count: 99))
                seq += 99
                // Twice, the rest of the block and its rotation (copytruncate, then rename) also
                // happen while tail is down.
                if blockIndex == 3 || blockIndex == 5 {
                    w.write(block(from: seq, count: end - seq))
                    seq = end
                    rotate(blockIndex)
                    rotated = true
                }
                tail = try TailProcess(args, stderrPath: dir + "/stderr-\(kills)")
            }
            w.write(block(from: seq, count: end - seq))
            seq = end
            if !rotated {
                // copytruncate cannot be followed exactly when the file was created (rename) and
                // filled after tail last looked at it: with no fingerprint yet, the truncated file
                // looks like the same file growing. Real rotations are far apart; let tail see
                // the file before truncating it (reliability.md: the copytruncate loss window).
                if blockIndex % 4 >= 2 { _ = tail.waitFor(Self.lines, toBe: Int64(seq), timeout: 30) }
                rotate(blockIndex)
            }
        }
        #expect(kills == 5)
        let allStderr = { (0...kills).map { (try? String(contentsOfFile: dir + "/stderr-\($0)", encoding: .utf8)) ?? "" }.joined() }
        #expect(tail.waitFor(Self.slowOps, toBe: 10_000, timeout: 30) == 10_000, "stderr: \(allStderr())")
        usleep(500_000)
        #expect(try tail.metric(Self.slowOps) == 10_000)
        #expect(try tail.metric(Self.lines) == 10_000)
        #expect(try tail.metric("bottleneck_lines_skipped_total") == 0)
        // The histogram count agrees with the counter, and the report with both.
        #expect(try tail.metric("bottleneck_slow_operation_duration_seconds_count") == 10_000)
        let report = try tail.get("/report")
        #expect(report.status == 200)
        #expect(report.body.contains("\"slowOps\": 10000"))
        // A clean stop commits a last checkpoint; a restart shows the same counts without new lines.
        #expect(tail.terminate() == 0)
        let again = try TailProcess(args, stderrPath: dir + "/stderr-final")
        defer { again.terminate() }
        #expect(try again.metric(Self.slowOps) == 10_000)
    }

    @Test func endpointAnswersOnLoopbackOnlyAndRefusesTheRest() throws {
        let dir = try makeTempDirectory("tail-http")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/mongod.log"
        let w = LogWriter(path: path)
        let tail = try TailProcess([path], stderrPath: dir + "/stderr")
        defer { if tail.process.isRunning { tail.kill9() } }

        // A partial line is held until its newline arrives.
        let line = slowQueryLine(seq: 1, ms: 250)
        w.write(String(line.prefix(40)))
        usleep(300_000)
        #expect(try tail.metric(Self.lines) == 0)
        w.write(String(line.dropFirst(40)) + "\n")
        #expect(tail.waitFor(Self.slowOps, toBe: 1) == 1)

        let metrics = try tail.get("/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.head.lowercased().contains("content-type: text/plain; version=0.0.4"))
        #expect(metrics.body.contains("# TYPE bottleneck_slow_operation_duration_seconds histogram"))
        #expect(metrics.body.contains(#"bottleneck_slow_operation_duration_seconds_bucket{namespace="db.c",operation="find",le="0.25"} 1"#))
        #expect(try tail.get("/healthz").status == 200)
        let report = try tail.get("/report")
        #expect(report.status == 200 && report.body.contains("\"schemaVersion\": 1"))
        #expect(try tail.get("/metrics?snapshot=true").status == 200)

        for p in ["/", "/metricsx", "/metrics/", "/../etc/passwd", "/report/../metrics/x", "/favicon.ico"] {
            let r = try tail.get(p)
            #expect(r.status == 404, "path \(p): \(r.head)")
        }
        for m in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
            let r = try httpRequest(port: tail.port, "\(m) /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            #expect(r.status == 405, "method \(m)")
        }
        let withBody = try httpRequest(port: tail.port, "GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello")
        #expect(withBody.status == 413)
        let chunked = try httpRequest(port: tail.port, "GET /report HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
        #expect(chunked.status == 413)
        let post = try httpRequest(port: tail.port, "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello")
        #expect(post.status == 405)

        // Bound to 127.0.0.1 only: the kernel's socket table shows the listener on 127.0.0.1
        // (0100007F), and the same port on another address of this machine refuses.
        let portHex = String(format: "%04X", Int(tail.port))
        #expect(try listeningAddresses(portHex: portHex) == ["0100007F:" + portHex])
        for addr in nonLoopbackIPv4Addresses() {
            #expect(throws: HarnessError.self) { _ = try httpRequest(port: tail.port, host: addr, "GET /healthz HTTP/1.1\r\n\r\n") }
        }
        #expect(tail.terminate() == 0)
    }

    @Test func streamsNDJSONEventsAndWritesJSONSnapshots() throws {
        let dir = try makeTempDirectory("tail-output")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/mongod.log"
        let w = LogWriter(path: path)
        w.write("old line before the start\n")  // tail starts at the end: never read
        let nd = try TailProcess([path], stderrPath: dir + "/err-nd", format: "ndjson", stdoutPath: dir + "/out.ndjson")
        let js = try TailProcess([path, "--interval", "0.2"], stderrPath: dir + "/err-js", format: "json", stdoutPath: dir + "/out.json")
        defer { for t in [nd, js] where t.process.isRunning { t.kill9() } }
        w.write(block(from: 0, count: 3))
        #expect(nd.waitFor(Self.slowOps, toBe: 3) == 3)
        #expect(js.waitFor(Self.slowOps, toBe: 3) == 3)
        usleep(600_000)
        #expect(nd.terminate() == 0 && js.terminate() == 0)
        let events = try String(contentsOfFile: dir + "/out.ndjson", encoding: .utf8).split(separator: "\n")
        #expect(events.count == 3)
        for (i, e) in events.enumerated() {
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(e.utf8)) as? [String: Any])
            #expect(obj["event"] as? String == "slowOperation")
            #expect(obj["file"] as? String == path)
            #expect(obj["ns"] as? String == ["shop.orders", "shop.users"][i % 2])
        }
        // Concatenated pretty JSON documents, one per interval; the last one has the 3 operations.
        // One compact report per line (a JSON stream any line-based tool can split).
        let snapshots = try String(contentsOfFile: dir + "/out.json", encoding: .utf8).split(separator: "\n")
        #expect(snapshots.count >= 2)
        for s in snapshots { #expect(s.hasPrefix("{") && s.hasSuffix("}")) }
        let last = try #require(try JSONSerialization.jsonObject(with: Data(snapshots.last!.utf8)) as? [String: Any])
        let totals = try #require(last["totals"] as? [String: Any])
        #expect(totals["slowOps"] as? Int == 3)
        #expect(totals["lines"] as? Int == 3)
    }

    @Test func nonLoopbackListenIsRefusedWithoutListenPublic() throws {
        let dir = try makeTempDirectory("tail-public")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runBottleneck(["tail", dir + "/x.log", "--listen", "0.0.0.0:0", "--format", "none"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("--listen-public"))
    }
}

/// Local addresses (hex, as /proc/net/tcp shows them) of the TCP listeners on a port.
func listeningAddresses(portHex: String) throws -> [String] {
    let table = try String(contentsOfFile: "/proc/net/tcp", encoding: .utf8)
    var out: [String] = []
    for row in table.split(separator: "\n") {
        let fields: [Substring] = row.split(separator: " ")
        guard fields.count > 3 else { continue }
        let local: Substring = fields[1]
        if local.hasSuffix(":" + portHex) && fields[3] == "0A" { out.append(String(local)) }
    }
    return out
}
