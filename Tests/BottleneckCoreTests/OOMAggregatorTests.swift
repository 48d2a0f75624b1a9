import Testing
import Foundation
import BottleneckCore
import BottleneckTestSupport

@Suite struct OOMAggregatorTests {
    @Test(arguments: boundaryReadSizes)
    func theProbeRunsWorkerRespawnsAreACrashLoop(readSize: Int) throws {
        // iso rendering: the three worker kills at 14:50:14.073, 14:50:14.682, 14:50:15.295.
        let (_, result) = try oomEvents("local-linux-6.18-dmesg-iso.txt", readSize: readSize)
        let loops = result.oom.crashLoops()
        #expect(loops.count == 1)
        let l = try #require(loops.first)
        #expect(l.processName == "worker" && l.kills == 3 && l.wallClock)
        #expect(l.pids == [7016, 7048, 7078])
        #expect(l.intervalsMillis == [609, 613])  // 14.682−14.073, 15.295−14.682
        #expect(Timestamp(millis: l.first).iso8601 == "2026-11-26T14:50:14.073Z")
    }

    @Test func crashLoopsNeedThreeKillsInsideTheWindow() {
        let agg = OOMAggregator()
        func kill(_ name: String, _ pid: Int64, minute: Int64) {
            var k = OOMKill(format: "kernel", source: SourceLocation(input: 0, line: Int(pid)))
            k.pid = pid
            k.processName = name
            k.timestamp = Timestamp(millis: 1_700_000_000_000 + minute * 60_000)
            agg.add(k)
        }
        // a: 0, 9, 18 min: gaps within 10 min but no 10-minute span holds 3 → no loop.
        kill("a", 1, minute: 0); kill("a", 2, minute: 9); kill("a", 3, minute: 18)
        // b: 0, 4, 8, then 30 (a new chain of one) → one loop of 3.
        kill("b", 11, minute: 0); kill("b", 12, minute: 4); kill("b", 13, minute: 8); kill("b", 14, minute: 30)
        // c: twice only.
        kill("c", 21, minute: 1); kill("c", 22, minute: 2)
        let loops = agg.crashLoops()
        #expect(loops.map(\.processName) == ["b"])
        #expect(loops[0].pids == [11, 12, 13])
        #expect(loops[0].intervalsMillis == [240_000, 240_000])
        agg.crashLoopWindowMillis = 20 * 60_000
        #expect(Set(agg.crashLoops().map(\.processName)) == ["a", "b"])
    }

    @Test func groupingsByProcessCgroupAndConstraint() throws {
        var bytes: [UInt8] = []
        for f in ["local-linux-6.18-dmesg-raw.txt", "linux-4.4-talk-case1-docker-memcg-v1.txt", "repo-oomanalyser-archlinux-6.1.1-global.txt",
                  "linux-6.17-no-killable-journal.txt"] {
            bytes += try [UInt8](Data(contentsOf: URL(fileURLWithPath: fixturePath("oom/" + f)))) + [10]
        }
        let (kills, result) = oomEvents(bytes: bytes, readSize: 65_536)
        #expect(kills.count == 9)
        let agg = result.oom
        #expect(agg.killCount == 8)
        let byProcess = agg.byProcess()
        #expect(byProcess.first?.key == "worker" && byProcess.first?.kills == 3)
        #expect(byProcess.count == 6)  // worker, doxygen, mysqld, outboundd, pg-backend, python3
        let byCgroup = agg.byCgroup()
        #expect(byCgroup.first?.key == KernelOOMParserTests.probeCgroup && byCgroup.first?.kills == 6)
        #expect(byCgroup.first?.maxUsageRatio == 1.0)
        let docker = try #require(byCgroup.first { $0.containerId?.hasPrefix("749b1d12085c") == true })
        #expect(docker.kills == 1 && docker.containerRuntime == "docker" && docker.maxAnonRssKB == 20_971_236)
        let byConstraint = Dictionary(uniqueKeysWithValues: agg.byConstraint().map { ($0.key, ($0.kills, $0.noKillReports)) })
        #expect(byConstraint["CONSTRAINT_MEMCG"]?.0 == 7)
        #expect(byConstraint["CONSTRAINT_NONE"]?.0 == 1)
        #expect(byConstraint["unknown"]?.1 == 1)
    }

    @Test func theSameKillsFromTwoRenderingsAreCountedOnce() throws {
        // dmesg raw and /dev/kmsg of the same run (same pids, same uptime to the µs), then the iso
        // rendering twice (same wall-clock seconds).
        let a = Analyzer(options: AnalysisOptions())
        for f in ["local-linux-6.18-dmesg-raw.txt", "local-linux-6.18-dev-kmsg.txt", "local-linux-6.18-dmesg-iso.txt", "local-linux-6.18-dmesg-iso.txt"] {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: fixturePath("oom/" + f))))
            a.analyze(source: MemorySource(bytes, chunk: 65_536), path: f)
        }
        // raw+kmsg give 6; the first iso copy has no uptime, so it is not matched with them: 6 more.
        #expect(a.result.oom.killCount == 12)
        #expect(a.result.oom.duplicates == 12)
        #expect(a.result.oom.crashLoops().map(\.kills) == [3, 3])
        // With the boot time the uptime copies get wall times 0.43 s from dmesg's: one set of six.
        var o = AnalysisOptions()
        o.bootTime = Timestamp.parseISO8601("2026-11-26T14:45:09.435Z")
        let b = Analyzer(options: o)
        for f in ["local-linux-6.18-dmesg-raw.txt", "local-linux-6.18-dmesg-iso.txt", "local-linux-6.18-journalctl-k-o-json-killed.txt"] {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: fixturePath("oom/" + f))))
            b.analyze(source: MemorySource(bytes, chunk: 65_536), path: f)
        }
        #expect(b.result.oom.killCount == 6 && b.result.oom.duplicates == 12)
        #expect(b.result.oom.crashLoops().map(\.kills) == [3])
    }
}

