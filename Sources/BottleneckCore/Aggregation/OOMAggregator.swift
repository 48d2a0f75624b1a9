/// Kernel OOM events of a run: kills by process, by cgroup/container, by constraint, and crash
/// loops (the same victim name killed `crashLoopMinKills`+ times within `crashLoopWindow`).
public final class OOMAggregator {
    /// Every OOM event in input order (kills and "no killable process" reports).
    public private(set) var events: [OOMKill] = []
    public var crashLoopWindowMillis: Int64 = 10 * 60_000
    /// The window before each kill in which slow queries are compared with the rest of the input.
    public var windowMillis: Int64 = 5 * 60_000
    public var crashLoopMinKills = 3

    public init() {}

    /// Events dropped because the same kill was already seen (the same log given twice, or
    /// dmesg and kern.log of one host): same pid and name, and the same uptime to the
    /// millisecond, or — without an uptime — the same wall-clock second, or wall-clock times
    /// within 2 s (dmesg -T is up to a second early; syslog stamps are receive times).
    public private(set) var duplicates: Int64 = 0
    fileprivate struct Key: Hashable { var pid: Int64; var name: String; var killed: Bool; var uptimeMs: Int64?; var second: Int64? }
    fileprivate var seen: Set<Key> = []
    fileprivate var wallTimes: [Key: [Int64]] = [:]

    public func add(_ k: OOMKill) {
        if let pid = k.pid, k.uptimeSeconds != nil || k.timestamp != nil {
            let up = k.uptimeSeconds.map { Int64(($0 * 1000).rounded()) }
            let key = Key(pid: pid, name: k.processName ?? "", killed: k.killed, uptimeMs: up,
                          second: up == nil ? k.timestamp.map { $0.millis / 1000 } : nil)
            if !seen.insert(key).inserted { duplicates += 1; return }
            // Across transports (an uptime-stamped and a wall-stamped copy): wall times within 2 s.
            if let t = k.timestamp?.millis {
                let wk = Key(pid: pid, name: k.processName ?? "", killed: k.killed, uptimeMs: nil, second: nil)
                if let times = wallTimes[wk], times.contains(where: { abs($0 - t) <= 2000 }) { duplicates += 1; return }
                wallTimes[wk, default: []].append(t)
            }
        }
        events.append(k)
    }

    public var kills: [OOMKill] { events.filter(\.killed) }
    public var killCount: Int64 { Int64(events.reduce(0) { $0 + ($1.killed ? 1 : 0) }) }

    /// One row of a grouping.
    public struct Group: Sendable {
        public var key: String
        public var kills: Int64 = 0
        public var noKillReports: Int64 = 0
        public var processes: [String: Int64] = [:]
        public var containerId: String?
        public var containerRuntime: String?
        public var podUid: String?
        public var maxAnonRssKB: Int64?
        public var maxUsageRatio: Double?
        public var first: Timestamp?
        public var last: Timestamp?
        public init(key: String) { self.key = key }

        mutating func add(_ k: OOMKill) {
            if k.killed { kills += 1 } else { noKillReports += 1 }
            if let n = k.processName { processes[n, default: 0] += 1 }
            containerId = containerId ?? k.containerId
            containerRuntime = containerRuntime ?? k.containerRuntime
            podUid = podUid ?? k.podUid
            if let a = k.anonRssKB { maxAnonRssKB = max(maxAnonRssKB ?? a, a) }
            if let r = k.usageRatio { maxUsageRatio = max(maxUsageRatio ?? r, r) }
            if let t = k.timestamp {
                first = min(first ?? t, t)
                last = max(last ?? t, t)
            }
        }
    }

    /// Kills by victim name (not the invoking task), most first.
    public func byProcess() -> [Group] { group { $0.killed ? $0.processName ?? "(unknown)" : nil } }

    /// Kills by container id when known, else the victim's memcg (task_memcg, else the limit's).
    public func byCgroup() -> [Group] {
        group { k in
            if let id = k.containerId { return id }
            return k.taskMemcg ?? k.oomMemcg ?? "(none)"
        }
    }

    /// Reports by constraint (CONSTRAINT_MEMCG, CONSTRAINT_NONE, …; "unknown" when not printed or inferable).
    public func byConstraint() -> [Group] { group { $0.constraint ?? "unknown" } }

    private func group(_ key: (OOMKill) -> String?) -> [Group] {
        var m: [String: Group] = [:]
        for e in events {
            guard let k = key(e) else { continue }
            m[k, default: Group(key: k)].add(e)
        }
        return m.values.sorted { a, b in
            if a.kills != b.kills { return a.kills > b.kills }
            return a.key < b.key
        }
    }

    /// A victim name killed again and again.
    public struct CrashLoop: Sendable {
        public var processName: String
        public var kills: Int
        public var pids: [Int64]
        public var first: Int64
        public var last: Int64
        /// Milliseconds between consecutive kills.
        public var intervalsMillis: [Int64]
        /// true when the times are wall-clock UTC millis, false when they are uptime millis.
        public var wallClock: Bool
        public var restartJob: String?
        public var containerId: String?
    }

    /// Chains kills of the same name whose gaps are at most the window; a chain is a crash loop
    /// when some window-long span of it holds at least `crashLoopMinKills` kills, of as many
    /// different pids (a respawned process has a new pid). Kills with only
    /// an uptime are chained among themselves (same input), never with wall-clock ones.
    public func crashLoops() -> [CrashLoop] {
        struct Point { var t: Int64; var k: OOMKill }
        var series: [String: [Point]] = [:]
        for k in events where k.killed {
            guard let name = k.processName else { continue }
            if let t = k.timestamp?.millis {
                series["w\u{0}" + name, default: []].append(Point(t: t, k: k))
            } else if let up = k.uptimeSeconds {
                series["u\(k.source.input)\u{0}" + name, default: []].append(Point(t: Int64(up * 1000), k: k))
            }
        }
        var loops: [CrashLoop] = []
        for (key, pts0) in series {
            let pts = pts0.sorted { $0.t < $1.t }
            var start = 0
            while start < pts.count {
                var end = start + 1
                while end < pts.count, pts[end].t - pts[end - 1].t <= crashLoopWindowMillis { end += 1 }
                let chain = pts[start..<end]
                if chain.count >= crashLoopMinKills, densest(chain.map(\.t)) >= crashLoopMinKills,
                   Set(chain.compactMap(\.k.pid)).count >= min(crashLoopMinKills, chain.count) {
                    let times = chain.map(\.t)
                    loops.append(CrashLoop(
                        processName: chain.first!.k.processName ?? "",
                        kills: chain.count,
                        pids: chain.compactMap(\.k.pid),
                        first: times.first!, last: times.last!,
                        intervalsMillis: zip(times.dropFirst(), times).map { $0 - $1 },
                        wallClock: key.hasPrefix("w"),
                        restartJob: chain.compactMap(\.k.restartJob).first,
                        containerId: chain.compactMap(\.k.containerId).first))
                }
                start = end
            }
        }
        return loops.sorted { a, b in a.kills != b.kills ? a.kills > b.kills : (a.first, a.processName) < (b.first, b.processName) }
    }

    /// Most kills inside any window-long span of sorted times.
    private func densest(_ t: [Int64]) -> Int {
        var best = 0, lo = 0
        for hi in t.indices {
            while t[hi] - t[lo] > crashLoopWindowMillis { lo += 1 }
            best = max(best, hi - lo + 1)
        }
        return best
    }
}

// Merging (partial reports, checkpoints): the other run's events are added as if they had been
// read after ours, so duplicates across the two (dmesg here, kern.log there) are counted once.
extension OOMAggregator {
    public func merge(_ o: OOMAggregator) {
        duplicates = duplicates.addingSaturated(o.duplicates)
        for e in o.events { add(e) }
    }

    func shiftInputs(by n: Int) {
        for i in events.indices { events[i].source.input += n }
    }

    /// Restores a decoded state exactly (events already deduplicated).
    func restore(events: [OOMKill], duplicates: Int64) {
        self.events = []
        self.seen = []
        self.wallTimes = [:]
        self.duplicates = 0
        for e in events { add(e) }
        self.duplicates = duplicates
    }
}
