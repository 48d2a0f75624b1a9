import Testing
import Foundation
import BottleneckCore
import BottleneckTestSupport

/// Runs a fixture under Fixtures/logs/oom through the analyzer and collects the OOM events.
func oomEvents(_ name: String, readSize: Int, options: AnalysisOptions = AnalysisOptions()) throws -> (kills: [OOMKill], result: RunSummary) {
    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: fixturePath("oom/" + name))))
    return oomEvents(bytes: bytes, readSize: readSize, options: options)
}

func oomEvents(bytes: [UInt8], readSize: Int, options: AnalysisOptions = AnalysisOptions()) -> (kills: [OOMKill], result: RunSummary) {
    var o = options
    o.readSize = readSize
    let a = Analyzer(options: o)
    var kills: [OOMKill] = []
    a.onEvent = { if case .oomKill(let k) = $0 { kills.append(k) } }
    a.analyze(source: MemorySource(bytes, chunk: readSize), path: "kern.log")
    return (kills, a.result)
}

@Suite struct KernelOOMParserTests {
    /// The six kills of the Linux 6.18 probe run, read by hand from the `Killed process` lines
    /// of local-linux-6.18-dmesg-raw.txt and its `memory:` lines (limit 64 MiB).
    struct Expected: Equatable, CustomStringConvertible {
        var pid: Int64, name: String, totalVm: Int64, anon: Int64, file: Int64, shmem: Int64, pgtables: Int64, adj: Int64
        var description: String { "\(pid) \(name) vm=\(totalVm) anon=\(anon) file=\(file)" }
    }
    static let sixKills: [Expected] = [
        Expected(pid: 6976, name: "python3", totalVm: 75176, anon: 65280, file: 6596, shmem: 0, pgtables: 184, adj: 0),
        Expected(pid: 7009, name: "mysqld", totalVm: 75340, anon: 65024, file: 6748, shmem: 0, pgtables: 192, adj: 500),
        Expected(pid: 7016, name: "worker", totalVm: 75356, anon: 65024, file: 6736, shmem: 0, pgtables: 188, adj: 0),
        Expected(pid: 7048, name: "worker", totalVm: 75356, anon: 65024, file: 6780, shmem: 0, pgtables: 188, adj: 0),
        Expected(pid: 7078, name: "worker", totalVm: 75356, anon: 65024, file: 6812, shmem: 0, pgtables: 184, adj: 0),
        Expected(pid: 7085, name: "pg-backend", totalVm: 296588, anon: 64896, file: 6808, shmem: 0, pgtables: 216, adj: 0),
    ]
    static let probeCgroup = "/process_api/4c4fed5d59ac90c25af1091ed160b62e/oomprobe"

    static let renderings = [
        "local-linux-6.18-dmesg-raw.txt", "local-linux-6.18-dmesg-T.txt", "local-linux-6.18-dmesg-iso.txt",
        "local-linux-6.18-dmesg-reltime.txt", "local-linux-6.18-dmesg-r-prio.txt", "local-linux-6.18-dmesg-x-decode.txt",
        "local-linux-6.18-dmesg-json.json", "local-linux-6.18-dev-kmsg.txt",
        "local-linux-6.18-journalctl-k-o-short.txt", "local-linux-6.18-journalctl-k-o-short-iso.txt",
        "local-linux-6.18-journalctl-k-o-short-precise.txt", "local-linux-6.18-journalctl-k-o-short-iso-precise.txt",
        "local-linux-6.18-journalctl-k-o-short-monotonic.txt", "local-linux-6.18-journalctl-k-o-short-unix.txt",
        "local-linux-6.18-journalctl-k-o-cat.txt", "local-linux-6.18-journalctl-k-o-json-killed.txt",
    ]

    @Test(arguments: renderings, boundaryReadSizes)
    func sixKillsFromEveryRendering(file: String, readSize: Int) throws {
        let (kills, result) = try oomEvents(file, readSize: readSize)
        let got = kills.map {
            Expected(pid: $0.pid ?? -1, name: $0.processName ?? "", totalVm: $0.totalVmKB ?? -1, anon: $0.anonRssKB ?? -1,
                     file: $0.fileRssKB ?? -1, shmem: $0.shmemRssKB ?? -1, pgtables: $0.pgtablesKB ?? -1, adj: $0.oomScoreAdj ?? -99)
        }
        #expect(got == Self.sixKills)
        #expect(kills.allSatisfy { $0.killed && $0.uid == 0 })
        #expect(result.inputs[0].balanced)
        if file.contains("json-killed") { return }  // only the kill records: no header
        for k in kills {
            #expect(k.constraint == "CONSTRAINT_MEMCG")
            #expect(k.constraintInferred == false)
            #expect(k.oomMemcg == Self.probeCgroup)
            #expect(k.taskMemcg == Self.probeCgroup)
            #expect(k.memcgLimitKB == 65536)
            #expect(k.memcgUsageKB == 65536)
            #expect(k.memswLimitKB == 65536)
            #expect(k.kernelVersion == "6.18.44-fc-v657")
            #expect(k.invoker == k.processName)
            #expect(k.gfpMask == "0xcc0(GFP_KERNEL)")
            #expect(k.cpuset == "/")
            #expect(k.largestTasks.first?.pid == k.pid)
        }
        // The mysqld victim had a `sleep` sibling in the task table (6.8+ rss_anon/rss_file columns).
        // rss pages × 4 kB: mysqld 17943, sleep 420 (dmesg-raw lines 142–143).
        #expect(kills[1].largestTasks == [TaskRSS(pid: 7009, name: "mysqld", rssKB: 71_772), TaskRSS(pid: 7010, name: "sleep", rssKB: 1680)])
    }

    @Test(arguments: ["local-linux-6.18-dmesg-raw.txt", "local-linux-6.18-dev-kmsg.txt", "local-linux-6.18-dmesg-json.json",
                      "local-linux-6.18-dmesg-r-prio.txt", "local-linux-6.18-dmesg-x-decode.txt",
                      "local-linux-6.18-journalctl-k-o-short-monotonic.txt"])
    func uptimeOnlyRenderingsKeepTheUptimeAndSaySo(file: String) throws {
        let (kills, _) = try oomEvents(file, readSize: 65_536)
        #expect(kills.map { $0.uptimeSeconds.map { ($0 * 1000).rounded() } } == [302_857, 303_954, 305_074, 305_682, 306_296, 306_875])
        #expect(kills.allSatisfy { $0.timestamp == nil && $0.timeSource == nil })
    }

    @Test func bootTimeOptionTurnsUptimeIntoWallTime() throws {
        // clock file: boot epoch 1795704309.435440 = 2026-11-26T14:45:09.435Z
        var o = AnalysisOptions()
        o.bootTime = Timestamp.parseISO8601("2026-11-26T14:45:09.435Z")
        let (kills, _) = try oomEvents("local-linux-6.18-dmesg-raw.txt", readSize: 7, options: o)
        #expect(kills[0].timestamp?.iso8601 == "2026-11-26T14:50:12.292Z")  // 309.435 + 302.857
        #expect(kills[0].timeSource == "boot-time")
    }

    @Test func wallClockRenderings() throws {
        let iso = try oomEvents("local-linux-6.18-dmesg-iso.txt", readSize: 65_536).kills
        #expect(iso[0].timestamp?.iso8601 == "2026-11-26T14:50:11.857Z")
        #expect(iso[0].timeSource == "kernel-wall")
        let t = try oomEvents("local-linux-6.18-dmesg-T.txt", readSize: 65_536).kills
        #expect(t[0].timestamp?.iso8601 == "2026-11-26T14:50:11.000Z")
        // journald JSON: __REALTIME − (__MONOTONIC − _SOURCE_MONOTONIC), not the ingestion time 14:56:50.
        let j = try oomEvents("local-linux-6.18-journalctl-k-o-json-killed.txt", readSize: 65_536).kills
        #expect(j[0].timestamp?.iso8601 == "2026-11-26T14:50:12.290Z")
        #expect(j[0].timeSource == "journal-source-monotonic")
        #expect(j[0].uptimeSeconds == 302.857149)
        // journal short: what journald printed (its ingestion time).
        let s = try oomEvents("local-linux-6.18-journalctl-k-o-short-precise.txt", readSize: 65_536, options: { var o = AnalysisOptions(); o.year = 2026; return o }()).kills
        #expect(s[0].timestamp?.iso8601 == "2026-11-26T14:56:50.199Z")  // line 80: 14:56:50.199228
        #expect(s[0].host == "vm")
    }

    @Test(arguments: boundaryReadSizes)
    func concurrentRunGivesTwoKillsAndSkipsTheUserspaceMarkers(readSize: Int) throws {
        for file in ["local-linux-6.18-concurrent-dmesg-raw.txt", "local-linux-6.18-concurrent-dev-kmsg.txt"] {
            let (kills, result) = try oomEvents(file, readSize: readSize)
            #expect(kills.map(\.pid) == [31716, 31714])
            #expect(kills.map(\.processName) == ["alloc-oomB", "alloc-oomA"])
            #expect(kills.map(\.anonRssKB) == [48896, 48892])
            #expect(kills.map { $0.taskMemcg?.hasSuffix("/oomB") } == [true, false])
            #expect(kills.map(\.memcgLimitKB) == [49152, 49152])
            let acct = result.inputs[0]
            #expect(acct.lines == 197 && acct.balanced)
            if file.contains("kmsg") {
                #expect(acct.skipped[SkipReason("non-kernel record in kernel log")] == 40)
            } else {
                #expect(acct.recognized == 197)
            }
        }
    }

    @Test(arguments: boundaryReadSizes)
    func theTalksDumpGivesOneKillWithItsRestart(readSize: Int) throws {
        let (kills, result) = try oomEvents("linux-4.4-talk-case1-docker-memcg-v1.txt", readSize: readSize)
        #expect(kills.count == 1)
        let k = try #require(kills.first)
        #expect(k.processName == "outboundd")
        #expect(k.pid == 104302)
        #expect(k.anonRssKB == 20_971_236)
        #expect(k.totalVmKB == 21_432_128)
        #expect(k.fileRssKB == 8136)
        #expect(k.memcgLimitKB == 20_971_520)
        #expect(k.memcgUsageKB == 20_971_520)
        #expect(k.memcgFailcnt == 102)
        #expect(k.containerId == "749b1d12085c451c0714abd85b6112795eafc8356d77083aaa0e578db8353143")
        #expect(k.containerRuntime == "docker")
        // The limit path is hard-wrapped in the talk; its tail is joined back.
        #expect(k.oomMemcg == "/docker/749b1d12085c451c0714abd85b6112795eafc8356d77083aaa0e578db8353143")
        #expect(k.constraint == "CONSTRAINT_MEMCG")
        #expect(k.constraintInferred)
        #expect(k.kernelVersion == "4.4.0-83-generic")
        #expect(k.invoker == "outboundd")
        #expect(k.invokerPid == 104311)
        #expect(k.gfpMask == "0x24000c0")
        #expect(k.chosenPid == 104302 && k.score == 1002)
        #expect(k.largestTasks == [TaskRSS(pid: 104302, name: "outboundd", rssKB: 5_244_843 * 4)])
        #expect(k.restartJob == "outboundd_go")
        #expect(k.restartDelayMillis == 1212)
        #expect(result.inputs[0].recognized == 32)
    }

    @Test(arguments: boundaryReadSizes)
    func eachEraAndTransport(readSize: Int) throws {
        var o = AnalysisOptions()
        o.year = 2020
        func run(_ f: String) throws -> [OOMKill] { try oomEvents(f, readSize: readSize, options: o).kills }

        let el6 = try run("linux-2.6.32-el6-uid-before-name-syslog.txt")
        #expect(el6.map(\.pid) == [11726] && el6[0].uid == 498 && el6[0].processName == "mysqld" && el6[0].anonRssKB == 2_539_268)
        #expect(el6[0].timestamp?.iso8601 == "2020-03-02T17:35:10.000Z" && el6[0].host == "server1")

        let rhel6 = try run("repo-out-of-memory-tests-messages-rhel6-2.6.32-oom_adj-excerpt.txt")
        #expect(rhel6.map(\.pid) == [40738] && rhel6[0].uid == 27 && rhel6[0].processName == "mysqld")
        #expect(rhel6[0].invoker == "php-fpm" && rhel6[0].invokerPid == 23212 && rhel6[0].kernelVersion == "2.6.32-642.11.1.el6.x86_64")
        #expect(rhel6[0].chosenPid == 40738 && rhel6[0].score == 16)

        let child = try run("linux-3.10-el7-sacrifice-child-dmesgT.txt")
        #expect(child.map(\.pid) == [28438] && child[0].chosenPid == 24572 && child[0].constraint == "CONSTRAINT_MEMCG")
        #expect(child[0].timestamp?.iso8601 == "2017-12-07T00:05:15.000Z")

        let el7 = try run("linux-3.10-el7-uid-respawn-syslog.txt")
        #expect(el7.map(\.pid) == [799153, 799402] && el7.allSatisfy { $0.uid == 1000 && $0.processName == "node" })
        #expect(el7.map(\.shmemRssKB) == [0, 0] && el7[1].anonRssKB == 102_060)

        let rhel7 = try run("repo-oomanalyser-rhel7-3.10.0-514-global.txt")
        #expect(rhel7.map(\.pid) == [6576] && rhel7[0].processName == "mysqld" && rhel7[0].invoker == "sed")
        #expect(rhel7[0].kernelVersion == "3.10.0-514.6.1.el7.x86_64" && rhel7[0].constraint == "CONSTRAINT_NONE")
        #expect(rhel7[0].largestTasks.first?.name == "mysqld")

        let c313 = try run("repo-cadvisor-containerOomExampleLog-3.13-syslog-nohost.txt")
        #expect(c313.map(\.pid) == [13536] && c313[0].taskMemcg == "/mem2" && c313[0].memcgLimitKB == 980)
        #expect(c313[0].kernelVersion == "3.13.0-43-generic" && c313[0].score == 996)

        let s313 = try run("repo-cadvisor-systemOomExampleLog-3.13-mixed-raw-and-syslog.txt")
        #expect(s313.map(\.pid) == [1532] && s313[0].processName == "badsysprogram" && s313[0].host == "localhost")

        let two = try oomEvents("linux-4.13-two-space-nodemask-raw.txt", readSize: readSize, options: o)
        #expect(two.kills.isEmpty && two.result.inputs[0].recognized == 2)

        let owrt = try run("linux-4.14-openwrt-logread.txt")
        #expect(owrt.map(\.pid) == [1350] && owrt[0].transport == "logread" && owrt[0].timestamp?.iso8601 == "2020-01-25T09:40:15.000Z")

        let sysrq = try run("repo-oomanalyser-ubuntu2110-5.13-sysrq.txt")
        #expect(sysrq.map(\.pid) == [651] && sysrq[0].order == -1 && sysrq[0].invoker == "kworker/0:2")
        #expect(sysrq[0].taskMemcg == "/system.slice/unattended-upgrades.service" && sysrq[0].constraint == "CONSTRAINT_NONE")

        let pve = try run("repo-oomanalyser-proxmox-5.15.158-pve-lxc-cgroupv2-dmesgT.txt")
        #expect(pve.map(\.pid) == [3902942] && pve[0].shmemRssKB == 156_088 && pve[0].uid == 1000)
        #expect(pve[0].swapLimitKB == 0 && pve[0].memcgLimitKB == 31_211_520 && pve[0].oomMemcg == "/lxc/39004")
        #expect(pve[0].containerId == "a59e4e7d3090c04c6ce5a4b7a8bc85228eb9b96ac00b1284643a8c7c11dda661")
        #expect(pve[0].timestamp?.iso8601 == "2025-08-12T03:54:03.000Z")  // German weekday, English month

        let storm = try run("linux-5.x-kill-storm-syslog.txt")
        #expect(storm.map(\.pid) == [15617, 401, 15925])
        #expect(storm.map(\.processName) == ["python3", "systemd-journal", "(resolved)"])
        #expect(storm.map(\.reaperOutcome) == ["reaped", nil, nil])
        #expect(storm.allSatisfy { !$0.headerSeen })
        #expect(storm[1].restartJob == "systemd-journald.service")

        let global = try run("linux-5.x-global-oom-summary-raw.txt")
        #expect(global.map(\.pid) == [7134] && !global[0].killLineSeen && global[0].uid == 1000)
        #expect(global[0].containerId == "00748bf4e957f82c239a1db8a88579059b7d40c7b5fbd3f43617d31d3f646f12")
        #expect(global[0].cpuset == "aegis" && global[0].oomMemcg == nil && global[0].constraint == "CONSTRAINT_NONE")

        let group = try run("linux-5.x-oom-group-CONSTRUCTED.txt")
        #expect(group.map(\.pid) == [4100, 4101, 4102])
        #expect(group.allSatisfy { $0.oomGroup == "/system.slice/batch.service" && $0.memcgLimitKB == 262_144 })
        #expect(group[0].swapUsageKB == 0)

        let sapcc = try run("repo-sapcc-oomkill-exporter-main_test-dev-kmsg-records.txt")
        #expect(sapcc.map(\.pid) == [3401999, 255629] && sapcc.allSatisfy { !$0.killLineSeen })
        #expect(sapcc.map(\.podUid) == ["d11ab7b0-d6db-4a24-a7de-4a2faf1e6980", "dfc377c9-c533-4d51-af9e-6e0e0b3db83b"])
        #expect(sapcc[1].containerRuntime == "containerd")

        let arch = try run("repo-oomanalyser-archlinux-6.1.1-global.txt")
        #expect(arch.map(\.pid) == [473206] && arch[0].reaperOutcome == "reaped" && arch[0].pgtablesKB == 59_264)

        let noKill = try run("linux-6.17-no-killable-journal.txt")
        #expect(noKill.count == 1 && noKill[0].killed == false)

        let npd = try run("repo-npd-kernel_log_generator-oom_kill-SYNTHETIC.txt")
        #expect(npd.map(\.pid) == [1012] && npd[0].shmemRssKB == 12_345 && npd[0].chosenPid == 1012)

        let v2 = try oomEvents("linux-6.1-v2-stats-repeated-stamp-raw.txt", readSize: readSize, options: o)
        #expect(v2.kills.isEmpty && v2.result.inputs[0].recognized == 4)

        let ru = try oomEvents("linux-4.x-journal-short-russian-month.txt", readSize: readSize, options: o)
        #expect(ru.kills.isEmpty && ru.result.inputs[0].skipped[SkipReason("kernel date in another locale")] == 2)
    }

    @Test func bootTimeIsLearnedFromSyslogStamps() throws {
        // cadvisor 3.13 system log: raw boot lines, then a syslog block carrying both clocks.
        var o = AnalysisOptions()
        o.year = 2015
        let (kills, _) = try oomEvents("repo-cadvisor-systemOomExampleLog-3.13-mixed-raw-and-syslog.txt", readSize: 65_536, options: o)
        #expect(kills[0].timestamp?.iso8601 == "2015-01-28T19:58:45.000Z")
        #expect(kills[0].timeSource == "syslog")
        // A raw line after the syslog block gets the learned boot time: feed one behind the file.
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: fixturePath("oom/repo-cadvisor-systemOomExampleLog-3.13-mixed-raw-and-syslog.txt"))))
        bytes += Array("[  600.000000] Killed process 1600 (late) total-vm:100kB, anon-rss:50kB, file-rss:0kB\n".utf8)
        let more = oomEvents(bytes: bytes, readSize: 65_536, options: o).kills
        let late = try #require(more.first { $0.pid == 1600 })
        #expect(late.timeSource == "learned-boot")
        // 19:58:45 at 455.670291 s → boot 19:51:09.329 (or a little earlier); +600 s
        let t = try #require(late.timestamp)
        #expect(abs(t.millis - Timestamp.parseISO8601("2015-01-28T20:01:09.329Z")!.millis) < 2000)
    }

    @Test func bootTimeIsLearnedFromTheSameRecordInDmesgTAndRawForm() throws {
        var text = "[Thu Nov 26 14:50:11 2026] python3 invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n"
        text += "[  302.856909] python3 invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n"
        text += "[  302.857149] Memory cgroup out of memory: Killed process 6976 (python3) total-vm:75176kB, anon-rss:65280kB, file-rss:6596kB, shmem-rss:0kB, UID:0 pgtables:184kB oom_score_adj:0\n"
        let kills = oomEvents(bytes: Array(text.utf8), readSize: 7).kills
        #expect(kills.count == 1)
        #expect(kills[0].timeSource == "learned-boot")
        #expect(kills[0].timestamp?.iso8601 == "2026-11-26T14:50:11.000Z")
    }

    @Test func mongodLinesAreNotMineAfterAFewBytes() {
        let p = KernelOOMParser(context: ParseContext(input: 0, path: "x"))
        let lines = [
            #"{"t":{"$date":"2023-09-23T20:25:13.420+00:00"},"s":"I","c":"COMMAND","id":51803,"ctx":"conn1","msg":"Slow query"}"#,
            "2019-04-03T10:00:00.123+0000 I COMMAND  [conn1] command test.c command: find { find: \"c\" } 150ms",
            "Wed Apr  3 10:00:00.123 [conn1] query test.c query: { a: 1 } 150ms",
            "Jan  5 15:19:27 host mongod[123]: slow query",
            "Killed process is a phrase in prose (not a kernel line)",
        ]
        for l in lines {
            let outcome = Array(l.utf8).withUnsafeBytes { p.parse($0, lineNumber: 1, emit: { _ in Issue.record("no event expected") }) }
            #expect(outcome == .notMine, "\(l)")
        }
    }

    @Test(arguments: boundaryReadSizes)
    func everyFixtureParsesWithoutCrashAndBalances(readSize: Int) throws {
        let dir = fixturePath("oom")
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) {
            let (_, result) = try oomEvents(name, readSize: readSize)
            #expect(result.inputs[0].balanced, "\(name)")
        }
    }

    @Test(arguments: boundaryReadSizes)
    func multiLineRecordsInRsyslogAndKmsgForms(readSize: Int) {
        // The Proxmox v2 stats record (one printk record) as rsyslog (#012) and /dev/kmsg (\x0a) write it.
        let text = """
        Aug 12 03:54:03 pve kernel: [1234.500000] memory: usage 31211520kB, limit 31211520kB, failcnt 83420
        Aug 12 03:54:03 pve kernel: [1234.500001] Memory cgroup stats for /lxc/39004:#012anon 31154200576#012file 688283648#012kernel_stack 5242880
        Aug 12 03:54:03 pve kernel: [1234.500002] Memory cgroup out of memory: Killed process 3902942 (php-fpm) total-vm:14740176kB, anon-rss:12625252kB, file-rss:0kB, shmem-rss:156088kB, UID:1000 pgtables:26388kB oom_score_adj:0
        6,900,1234500000,-;memory: usage 1024kB, limit 1024kB, failcnt 3
        6,901,1234500001,-;Memory cgroup stats for /lxc/7:\\x0aanon 1048576\\x0afile 0
        3,902,1234500002,-;Memory cgroup out of memory: Killed process 77 (php-fpm) total-vm:4096kB, anon-rss:1000kB, file-rss:0kB, shmem-rss:0kB, UID:33 pgtables:40kB oom_score_adj:0

        """
        var o = AnalysisOptions()
        o.year = 2025
        let (kills, result) = oomEvents(bytes: Array(text.utf8), readSize: readSize, options: o)
        #expect(kills.map(\.pid) == [3902942, 77])
        #expect(kills.map(\.oomMemcg) == ["/lxc/39004", "/lxc/7"])
        #expect(kills.map(\.memcgLimitKB) == [31_211_520, 1024])
        #expect(kills.map(\.containerId) == ["39004", "7"])
        #expect(result.inputs[0].recognized == 6)
    }

    @Test func taskTablesOfEveryEraGiveTheLargestTasks() throws {
        var o = AnalysisOptions()
        o.year = 2020
        // rss column (pages) × 4 kB, read from the rows by hand.
        // 2.6.32 (cpu oom_adj columns): [15597] … 59785 savscand
        let el6 = try oomEvents("repo-out-of-memory-tests-messages-rhel6-2.6.32-oom_adj-excerpt.txt", readSize: 65_536, options: o).kills
        #expect(el6[0].largestTasks.first == TaskRSS(pid: 15597, name: "savscand", rssKB: 59_785 * 4))
        // 3.13 (nr_ptes swapents, uid 275858 overflowing its column): [13536] 275858 13536 8389663 343
        let c313 = try oomEvents("repo-cadvisor-containerOomExampleLog-3.13-syslog-nohost.txt", readSize: 65_536, options: o).kills
        #expect(c313[0].largestTasks == [TaskRSS(pid: 13536, name: "memorymonster", rssKB: 343 * 4)])
        // 5.15 (pgtables_bytes, 7-digit pids and tgids): [3902942] 1000 3902942 3685044 3195335
        let pve = try oomEvents("repo-oomanalyser-proxmox-5.15.158-pve-lxc-cgroupv2-dmesgT.txt", readSize: 65_536, options: o).kills
        #expect(pve[0].largestTasks.first == TaskRSS(pid: 3902942, name: "php-fpm", rssKB: 3_195_335 * 4))
        #expect(pve[0].nodemask == "(null)")
    }

    @Test(arguments: boundaryReadSizes)
    func foreignLinesInsideAReportDoNotBreakIt(readSize: Int) {
        // comm with a space and '#', comm with brackets and a colon; a cron line, a dockerd line and a
        // mongod logv2 line in the middle of the report.
        let text = """
        Mar  1 10:00:00 h1 kernel: [  100.000001] GC Thread#9 invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), nodemask=(null),  order=0, oom_score_adj=0
        Mar  1 10:00:00 h1 kernel: [  100.000002] GC Thread#9 cpuset=/ mems_allowed=0
        Mar  1 10:00:00 h1 CRON[1822]: (root) CMD (run-parts /etc/cron.hourly)
        {"t":{"$date":"2020-03-01T10:00:00.100+00:00"},"s":"I","c":"NETWORK","id":22943,"ctx":"listener","msg":"Connection accepted","attr":{}}
        Mar  1 10:00:00 h1 kernel: [  100.000003] Task in /docker/aaaa killed as a result of limit of /docker/aaaa
        Mar  1 10:00:00 h1 dockerd[900]: time="2020-03-01T10:00:00Z" level=info msg="shim reaped"
        Mar  1 10:00:00 h1 kernel: [  100.000004] memory: usage 1024kB, limit 1024kB, failcnt 9
        Mar  1 10:00:00 h1 kernel: [  100.000005] Killed process 4242 (GC Thread#9) total-vm:4096kB, anon-rss:1000kB, file-rss:24kB, shmem-rss:0kB
        Mar  1 10:00:01 h1 kernel: [  101.000000] Killed process 4343 (runc:[1:CHILD]) total-vm:2048kB, anon-rss:500kB, file-rss:12kB, shmem-rss:0kB

        """
        var o = AnalysisOptions()
        o.year = 2020
        let (kills, result) = oomEvents(bytes: Array(text.utf8), readSize: readSize, options: o)
        #expect(kills.map(\.processName) == ["GC Thread#9", "runc:[1:CHILD]"])
        #expect(kills[0].memcgLimitKB == 1024 && kills[0].taskMemcg == "/docker/aaaa" && kills[0].invoker == "GC Thread#9")
        #expect(kills[0].nodemask == "(null)" && kills[0].order == 0)
        // The second kill has no header of its own: nothing of the first report is carried over.
        #expect(kills[1].memcgLimitKB == nil && !kills[1].headerSeen)
        #expect(result.inputs[0].skipped[.unrecognized] == 2)
    }

    @Test func aKillGoesOutWithoutWaitingForTheEndOfInput() {
        // A live tail never reaches finish(): the kill is emitted once 200 more lines came.
        let p = KernelOOMParser(context: ParseContext(input: 0, path: "kern.log", defaultYear: 2026))
        var got: [OOMKill] = []
        func feed(_ l: String, _ n: Int) {
            _ = Array(l.utf8).withUnsafeBytes { p.parse($0, lineNumber: n, emit: { if case .oomKill(let k) = $0 { got.append(k) } }) }
        }
        feed("Mar 10 10:30:02 db1 kernel: [ 8040.123456] Out of memory: Killed process 2290 (mongod) total-vm:9727504kB, anon-rss:7752844kB, file-rss:0kB, shmem-rss:0kB", 1)
        feed("Mar 10 10:30:02 db1 kernel: [ 8040.535000] oom_reaper: reaped process 2290 (mongod), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB", 2)
        for n in 3...201 { feed("Mar 10 10:30:03 db1 kernel: [ 8041.000000] eth0: link up", n) }
        #expect(got.isEmpty)
        feed("Mar 10 10:30:03 db1 kernel: [ 8041.000000] eth0: link up", 202)
        #expect(got.map(\.pid) == [2290])
        #expect(got.first?.reaperOutcome == "reaped")
    }

    @Test func everyPrefixAndFlippedByteOfRealLinesIsSafe() throws {
        // Lines of every kind and transport, cut at every length and with bytes flipped: the
        // parser must neither trap nor read outside the line (Swift checks the bounds).
        var lines: [[UInt8]] = []
        for f in ["linux-4.4-talk-case1-docker-memcg-v1.txt", "local-linux-6.18-dev-kmsg.txt", "local-linux-6.18-journalctl-k-o-json-killed.txt",
                  "repo-cadvisor-containerOomExampleLog-3.13-syslog-nohost.txt", "local-linux-6.18-dmesg-x-decode.txt",
                  "linux-4.14-openwrt-logread.txt", "local-linux-6.18-dmesg-reltime.txt", "repo-oomanalyser-proxmox-5.15.158-pve-lxc-cgroupv2-dmesgT.txt",
                  "local-linux-6.18-journalctl-k-o-short-iso-precise.txt", "local-linux-6.18-dmesg-json.json"] {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: fixturePath("oom/" + f))))
            lines += bytes.split(separator: 10, omittingEmptySubsequences: true).prefix(90).map(Array.init)
        }
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15  // deterministic xorshift: failures reproduce
        func next() -> Int { seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17; return Int(truncatingIfNeeded: seed >> 1) }
        var parsed = 0
        for line in lines {
            let p = KernelOOMParser(context: ParseContext(input: 0, path: "x", defaultYear: 2026))
            for n in 1...line.count {
                _ = Array(line[0..<n]).withUnsafeBytes { p.parse($0, lineNumber: n, emit: { _ in }) }
                parsed += 1
            }
            for _ in 0..<8 {
                var m = line
                m[next() % m.count] = UInt8(truncatingIfNeeded: next())
                _ = m.withUnsafeBytes { p.parse($0, lineNumber: 1, emit: { _ in }) }
            }
            p.finish(emit: { _ in })
        }
        #expect(parsed > 30_000)  // every prefix of ~600 lines
    }
}

