import Testing
import Foundation
import BottleneckCore
import BottleneckTestSupport

/// `analyze --partial` and `bottleneck merge` through the real binary.
@Suite struct MergeCLITests {
    static let members = ["replset/db1.example.net.log", "replset/db2.example.net.log", "replset/db3.example.net.log"]

    func partials(_ dir: String) throws -> [String] {
        var out: [String] = []
        for (i, m) in Self.members.enumerated() {
            let p = "\(dir)/m\(i).bnsum"
            let r = try runBottleneck(["analyze", "-q", "--partial", p, fixturePath(m)])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.isEmpty, "--partial alone writes no report")
            out.append(p)
        }
        return out
    }

    @Test func mergedPartialsEqualTheMembersAnalyzedTogether() throws {
        let dir = try makeTempDirectory("merge-cli")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let parts = try partials(dir)
        let merged = try runBottleneck(["merge", "--format", "json"] + parts.reversed())
        #expect(merged.status == 0, "\(merged.stderr)")
        let together = try runBottleneck(["analyze", "-q", "--format", "json"] + Self.members.map { fixturePath($0) })
        func body(_ s: String) -> String { String(s[s.range(of: "\"totals\"")!.lowerBound...]) }
        func noRefs(_ s: String) -> String {
            body(s).split(separator: "\n").filter { !$0.contains("\"input\":") && !$0.contains("\"line\":") }.joined(separator: "\n")
        }
        #expect(noRefs(merged.stdout) == noRefs(together.stdout))
        #expect(merged.stdout.contains("\"hosts\""))
        // Partials merge into a partial, and analyze takes partials among its inputs.
        let all = "\(dir)/all.bnsum"
        #expect(try runBottleneck(["merge", "--format", "partial", "-o", all] + parts).status == 0)
        let again = try runBottleneck(["analyze", "-q", "--format", "json", all])
        #expect(again.status == 0)
        #expect(noRefs(again.stdout) == noRefs(together.stdout))
        let table = try runBottleneck(["merge"] + parts)
        #expect(table.stdout.contains("Hosts (3"))
    }

    @Test func aDamagedPartialIsNamedAndTheRestStillMerge() throws {
        let dir = try makeTempDirectory("merge-cli-bad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let parts = try partials(dir)
        var bytes = try readFileBytes(parts[1])
        bytes[bytes.count / 2] ^= 0xFF
        try writeFileBytes(parts[1], bytes)
        let r = try runBottleneck(["merge", "--format", "json"] + parts)
        #expect(r.status == 2)
        #expect(r.stderr.contains(parts[1]) && r.stderr.contains("checksum"))
        #expect(r.stdout.contains("db1.example.net") && r.stdout.contains("db3.example.net"))
        #expect(!r.stdout.contains("\"host\": \"db2.example.net\""))
        // A log is not a partial: refused by name.
        let log = try runBottleneck(["merge", fixturePath(Self.members[0])])
        #expect(log.status == 2 && log.stderr.contains("not a bottleneck partial summary"))
        // The same damaged file among analyze's inputs: an input error naming it, the rest analyzed.
        let a = try runBottleneck(["analyze", "-q", "--format", "json", parts[0], parts[1]])
        #expect(a.status == 2 && a.stderr.contains(parts[1]))
    }
}
