import Testing
import Foundation
import BottleneckCore
import BottleneckTestSupport

/// Host and replica-set role from the logs themselves: the startup line names the host
/// (`host:port`), the options line the set, state transitions the role each operation ran under.
@Suite struct MemberAttributionTests {
    let fixture = "replset-roles/db1.log"

    func json(_ args: [String]) throws -> [String: Any] {
        let r = try runBottleneck(["analyze", "--format", "json", "--quiet", "--top", "1000"] + args)
        #expect(r.status == 0, "\(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    func roleTotals(_ report: [String: Any]) -> (primary: Int, secondary: Int, operations: Int) {
        var p = 0, s = 0, n = 0
        for shape in report["shapes"] as? [[String: Any]] ?? [] {
            let count = shape["count"] as? Int ?? 0
            n += count
            if let r = shape["roles"] as? [String: Any] {
                let sp = r["primary"] as? Int ?? 0, ss = r["secondary"] as? Int ?? 0
                #expect(sp + ss <= count, "a shape's roles never exceed its count")
                p += sp
                s += ss
            }
        }
        return (p, s, n)
    }

    /// The logv2 excerpt: startup (4615611), options (21951), STARTUP2 → SECONDARY, then PRIMARY
    /// half-way (21358). Every operation gets the role in force at its time: the operations
    /// stamped before the step-up count as secondary, the rest as primary.
    @Test func logv2StartupAndTransitionsAttributeHostAndRole() throws {
        let report = try json([fixturePath(fixture)])
        let members = try #require(report["members"] as? [[String: Any]])
        #expect(members.count == 1)
        #expect(members[0]["host"] as? String == "db1.example.net:27017")
        #expect(members[0]["replicaSet"] as? String == "rs0")
        #expect(members[0]["state"] as? String == "PRIMARY")
        #expect((members[0]["transitions"] as? [[String: Any]])?.compactMap { $0["state"] as? String } == ["STARTUP", "STARTUP2", "SECONDARY", "PRIMARY"])
        #expect(report["hosts"] == nil, "one host: no per-host section")

        // The step-up time, and the operations' own times from the event stream.
        let text = try String(contentsOfFile: fixturePath(fixture), encoding: .utf8)
        let step = try #require(text.split(separator: "\n").first { $0.contains("\"newState\":\"PRIMARY\"") })
        let stepTime = String(step.split(separator: "\"")[5])  // {"t":{"$date":"…"
        let stepMillis = try #require(isoMillis(stepTime))
        let nd = try runBottleneck(["analyze", "--format", "ndjson", "--quiet", fixturePath(fixture)])
        var before = 0, after = 0, roles: [String: Int] = [:]
        for l in nd.stdout.split(separator: "\n") {
            let e = try #require(try JSONSerialization.jsonObject(with: Data(l.utf8)) as? [String: Any])
            guard e["event"] as? String == "slowOperation" else { continue }
            #expect(e["host"] as? String == "db1.example.net:27017")
            let t = try #require(isoMillis(e["ts"] as? String ?? ""))
            if t < stepMillis { before += 1 } else { after += 1 }
            roles[e["role"] as? String ?? "none", default: 0] += 1
        }
        #expect(before > 10 && after > 10)
        #expect(roles == ["secondary": before, "primary": after])
        let totals = roleTotals(report)
        #expect(totals.operations == before + after)
        #expect(totals.secondary == before && totals.primary == after)
    }

    /// Rotated files of one server, only the older holding the startup line: both are read under
    /// the file-name label `mongod` and renamed to the logged host at the end; the newer file
    /// starts in the state the older ended in, so every operation keeps its role.
    @Test func rotatedFilesTakeTheLoggedHostAndCarryTheRole() throws {
        let dir = try makeTempDirectory("member-rotated")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let lines = try String(contentsOfFile: fixturePath(fixture), encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let cut = lines.count * 3 / 4  // past the step-up
        try (lines[..<cut].joined(separator: "\n") + "\n").write(toFile: dir + "/mongod.log.1", atomically: true, encoding: .utf8)
        try lines[cut...].joined(separator: "\n").write(toFile: dir + "/mongod.log", atomically: true, encoding: .utf8)
        let whole = try json([fixturePath(fixture)])
        for jobs in ["1", "2"] {
            let split = try json(["--jobs", jobs, "--chunk-size", "65536", dir + "/mongod.log.1", dir + "/mongod.log"])
            #expect(split["hosts"] == nil, "one host after the rename (jobs \(jobs))")
            let members = try #require(split["members"] as? [[String: Any]])
            #expect(members.map { $0["host"] as? String } == ["db1.example.net:27017"])
            let a = roleTotals(split), b = roleTotals(whole)
            #expect(a.primary == b.primary && a.secondary == b.secondary && a.operations == b.operations, "jobs \(jobs)")
        }
        // Given newest first, the member's history is still in time order: its state is the last one.
        let early = lines.count / 4  // before the step-up: the newer file holds it
        try (lines[..<early].joined(separator: "\n") + "\n").write(toFile: dir + "/m.log.1", atomically: true, encoding: .utf8)
        try lines[early...].joined(separator: "\n").write(toFile: dir + "/m.log", atomically: true, encoding: .utf8)
        let reversed = try json(["--host", "db1", dir + "/m.log", dir + "/m.log.1"])
        let states = try #require((reversed["members"] as? [[String: Any]])?.first)
        #expect(states["state"] as? String == "PRIMARY")
        #expect((states["transitions"] as? [[String: Any]])?.compactMap { $0["state"] as? String } == ["STARTUP", "STARTUP2", "SECONDARY", "PRIMARY"])
        // Without the older file the newer one has neither host nor role.
        let alone = try json([dir + "/mongod.log"])
        #expect(alone["members"] == nil)
        #expect(roleTotals(alone).primary == 0 && roleTotals(alone).secondary == 0)
    }

    /// `--host` wins over the log's own name; the roles still come from the log.
    @Test func hostOptionOverridesTheLoggedName() throws {
        let report = try json(["--host", "primary-a", fixturePath(fixture)])
        let members = try #require(report["members"] as? [[String: Any]])
        #expect(members.map { $0["host"] as? String } == ["primary-a"])
        #expect(roleTotals(report).primary > 0)
    }

    /// Legacy text (2.2.5): `MongoDB starting : … port=27017 … host=capslock.local`, the options
    /// line's replSet and 2.x `replSet STATE` lines.
    @Test func legacyStartupOptionsAndStates() throws {
        let nd = try runBottleneck(["analyze", "--format", "ndjson", "--quiet", fixturePath("mtools-mongod-2.2.5.log")])
        var kinds: [String] = []
        for l in nd.stdout.split(separator: "\n") where l.contains("\"event\":\"server\"") {
            let e = try #require(try JSONSerialization.jsonObject(with: Data(l.utf8)) as? [String: Any])
            #expect(e["host"] as? String == "capslock.local:27017")
            kinds.append("\(e["kind"] as? String ?? "?") \(e["newState"] as? String ?? e["replicaSet"] as? String ?? "")")
        }
        #expect(kinds == ["startup ", "options replset", "stateChange STARTUP2", "stateChange SECONDARY",
                          "stateChange PRIMARY", "stateChange SECONDARY"])
        let report = try json([fixturePath("mtools-mongod-2.2.5.log")])
        let t = roleTotals(report)
        // 29 slow operations: the replSetInitiate before any state has no role.
        #expect(t.operations == 29 && t.primary + t.secondary == 28)
    }

    /// The run summary keeps members and pending roles through a partial and a merge.
    @Test func partialsOfOneMemberMergeTheirHistories() throws {
        let dir = try makeTempDirectory("member-partials")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let lines = try String(contentsOfFile: fixturePath(fixture), encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let cut = lines.count * 3 / 4
        try (lines[..<cut].joined(separator: "\n") + "\n").write(toFile: dir + "/a.log", atomically: true, encoding: .utf8)
        try lines[cut...].joined(separator: "\n").write(toFile: dir + "/b.log", atomically: true, encoding: .utf8)
        // With and without a filter: only operations that reach the summary wait for a role.
        for filter in [[], ["--min-ms", "300"], ["--op", "update"]] {
            for (log, part) in [("a.log", "a.part"), ("b.log", "b.part")] {
                let r = try runBottleneck(["analyze", "--host", "db1", "--partial", dir + "/" + part] + filter + [dir + "/" + log])
                #expect(r.status == 0, "\(r.stderr)")
            }
            let m = try runBottleneck(["merge", "--format", "json", "--top", "1000", dir + "/b.part", dir + "/a.part"])
            #expect(m.status == 0, "\(m.stderr)")
            let merged = try #require(try JSONSerialization.jsonObject(with: Data(m.stdout.utf8)) as? [String: Any])
            let whole = try json(["--host", "db1"] + filter + [fixturePath(fixture)])
            let a = roleTotals(merged), b = roleTotals(whole)
            #expect(a.primary == b.primary && a.secondary == b.secondary && a.operations == b.operations, "\(filter): \(a) vs \(b)")
            #expect(b.primary + b.secondary > 0, "\(filter)")
            #expect((merged["members"] as? [[String: Any]])?.first?["state"] as? String == "PRIMARY")
        }
    }
}

/// `--group-by host`: each host's shapes, with counts that add up to the host's operations.
@Suite struct GroupByHostTests {
    @Test func eachHostListsItsShapesWithExactCounts() throws {
        let files = ["replset/db1.example.net.log", "replset/db2.example.net.log", "replset/db3.example.net.log"].map { fixturePath($0) }
        let r = try runBottleneck(["analyze", "--format", "json", "--quiet", "--group-by", "host"] + files)
        #expect(r.status == 0, "\(r.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(schemaViolations(report, schema: try reportSchema()).isEmpty)
        let groups = try #require(report["byHost"] as? [[String: Any]])
        let hosts = try #require(report["hosts"] as? [[String: Any]])
        #expect(groups.count == 3 && hosts.count == 3)
        var shapeCounts: [String: Int] = [:]
        for shape in report["shapes"] as? [[String: Any]] ?? [] {
            shapeCounts[shape["shapeId"] as? String ?? "", default: 0] += shape["count"] as? Int ?? 0
        }
        var total = 0, perShape: [String: Int] = [:]
        for g in groups {
            let shapes = try #require(g["shapes"] as? [[String: Any]])
            let sum = shapes.reduce(0) { $0 + ($1["count"] as? Int ?? 0) }
            #expect(sum == g["operations"] as? Int)
            let same = hosts.first { $0["host"] as? String == g["host"] as? String }
            #expect(same?["operations"] as? Int == sum, "\(g["host"] ?? "")")
            total += sum
            for s in shapes { perShape[s["shapeId"] as? String ?? "", default: 0] += s["count"] as? Int ?? 0 }
        }
        let totals = try #require(report["totals"] as? [String: Any])
        #expect(total == totals["operations"] as? Int)
        #expect(perShape == shapeCounts, "every shape's counts over its hosts add up to its count")
        // The table shows one section per host; without the flag, none.
        let t = try runBottleneck(["analyze", "--quiet", "--group-by", "host", "--top", "5"] + files)
        #expect(t.stdout.components(separatedBy: "\nHost ").count - 1 == 3)
        let plain = try runBottleneck(["analyze", "--quiet", "--top", "5"] + files)
        #expect(!plain.stdout.contains("\nHost "))
    }
}

private func isoMillis(_ s: String) -> Int64? {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return f.date(from: s).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
}
