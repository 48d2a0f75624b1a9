/// What `compare` says about a shape (or, for OOM, a process).
public enum CompareVerdict: String, CaseIterable, Sendable {
    case latencyRegression = "latency-regression"
    case loadRegression = "load-regression"
    case newShape = "new-shape"
    case planFlip = "plan-flip"
    case efficiencyRegression = "efficiency-regression"
    case oomRegression = "oom-regression"
    case goneShape = "gone-shape"
    case latencyImprovement = "latency-improvement"
    case loadImprovement = "load-improvement"
    case planImprovement = "plan-improvement"
    case efficiencyImprovement = "efficiency-improvement"
    case oomImprovement = "oom-improvement"

    /// The gating class (`--fail-on`), nil for informational verdicts (gone shapes, improvements).
    public var gate: CompareGate? {
        switch self {
        case .latencyRegression, .loadRegression: return .latency
        case .newShape: return .new
        case .planFlip, .efficiencyRegression: return .plan
        case .oomRegression: return .oom
        default: return nil
        }
    }

    public var isImprovement: Bool { rawValue.hasSuffix("-improvement") }

    /// Order among one shape's signals: the first that fires is the shape's verdict (a plan flip
    /// explains the latency it causes), the others are listed with it.
    var precedence: Int {
        switch self {
        case .newShape, .goneShape: return 0
        case .planFlip: return 1
        case .efficiencyRegression: return 2
        case .latencyRegression: return 3
        case .loadRegression: return 4
        case .oomRegression: return 5
        case .planImprovement: return 6
        case .efficiencyImprovement: return 7
        case .latencyImprovement: return 8
        case .loadImprovement: return 9
        case .oomImprovement: return 10
        }
    }
}

/// Gating classes and their exit-code bits: 2 latency or load, 4 new shapes, 8 plan flip or
/// efficiency, 16 OOM. 1 is a runtime error and 64 a usage error or incomparable runs.
public enum CompareGate: String, CaseIterable, Sendable {
    case latency, new, plan, oom
    public var bit: Int32 {
        switch self {
        case .latency: return 2
        case .new: return 4
        case .plan: return 8
        case .oom: return 16
        }
    }
    /// Gating unless `--fail-on` says otherwise (new shapes warn).
    public static let defaults: Set<CompareGate> = [.latency, .plan, .oom]
}

/// The numbers of one side of a finding.
public struct CompareNumbers: Sendable, Equatable {
    public var count: Int64
    public var totalMillis: Int64
    public var p50: Double
    public var p95: Double
    public var p99: Double
    /// Operations per hour over the side's window (nil without one).
    public var perHour: Double?
    /// Share of the side's slow time, 0–100.
    public var sharePercent: Double
    public var dominantPlan: String?
    public var dominantPlanPercent: Double
    public var collscanPercent: Double
    public var examinedRatio: Double

    init(_ s: CompareSide.Shape, side: CompareSide) {
        count = s.count
        totalMillis = s.durationTotal
        p50 = s.histogram.quantile(0.5)
        p95 = s.histogram.quantile(0.95)
        p99 = s.histogram.quantile(0.99)
        perHour = side.windowMillis.map { Double(s.count) / (Double($0) / 3_600_000) }
        sharePercent = side.slowMillis > 0 ? Double(s.durationTotal) / Double(side.slowMillis) * 100 : 0
        let d = s.dominantPlan
        dominantPlan = d?.label
        dominantPlanPercent = d.map { Double($0.count) / Double(max(s.count, 1)) * 100 } ?? 0
        collscanPercent = Double(s.collscans) / Double(max(s.count, 1)) * 100
        examinedRatio = s.examinedRatio
    }
}

/// One line of a compare.
public struct CompareFinding: Sendable {
    public var verdict: CompareVerdict
    /// Other signals of the same shape (a plan flip's latency change, …).
    public var also: [CompareVerdict] = []
    public var shapeId: String?
    public var namespace: String?
    public var operation: String?
    public var shape: String?
    /// OOM verdicts: the process killed.
    public var process: String?
    public var baseline: CompareNumbers?
    public var current: CompareNumbers?
    public var p50Ratio: Double?
    public var p50Interval: (low: Double, high: Double)?
    public var p95Ratio: Double?
    public var p95Interval: (low: Double, high: Double)?
    /// Mann–Whitney q-value (BH) in the finding's direction.
    public var latencyQ: Double?
    public var rateRatio: Double?
    public var rateQ: Double?
    public var planQ: Double?
    /// OOM: kills before and after, and cgroups new in the current run.
    public var kills: (before: Int64, after: Int64)?
    public var newCgroups: [String] = []
    /// Change in slow time (current scaled to the baseline's window when both are known), ms.
    public var deltaMillis: Int64
    /// One sentence: why this verdict.
    public var reason: String
    /// The acknowledgement that keeps this finding out of the gate.
    public var acknowledged: CompareConfig.Acknowledgement?

    public var gates: Bool { verdict.gate != nil && acknowledged == nil }
}

/// A finished compare: the two sides, comparability notes and the findings, ordered by impact.
public struct Comparison: Sendable {
    public static let schemaVersion = 1
    public var baseline: CompareSide
    public var current: CompareSide
    public var config: CompareConfig
    /// Differences that do not stop the compare but qualify it (windows, tool versions).
    public var notes: [String] = []
    public var findings: [CompareFinding] = []
    /// Shapes on both sides, and how many had enough operations for each test.
    public var shapesJoined = 0
    public var latencyTested = 0
    public var rateTested = 0
    /// Acknowledgements past their date (they no longer silence anything).
    public var expiredAcknowledgements: [CompareConfig.Acknowledgement] = []

    /// The exit status for these gates: the OR of the bits of gating findings.
    public func exitBits(failOn: Set<CompareGate>) -> Int32 {
        var bits: Int32 = 0
        for f in findings where f.gates { if let g = f.verdict.gate, failOn.contains(g) { bits |= g.bit } }
        return bits
    }

    /// Runs refused before any finding: another normalizer or histogram layout, or one run twice.
    public static func checkComparable(_ b: CompareSide, _ c: CompareSide) throws(CompareError) {
        if let x = b.runId, x == c.runId {
            throw CompareError(.incomparable, "both sides are run \(x): a run compared with itself shows nothing")
        }
        if b.normalizer != c.normalizer {
            throw CompareError(.incomparable, "\(b.name) was made with shape normalizer \(b.normalizer), \(c.name) with \(c.normalizer): shapes are keyed differently; analyze both with one version")
        }
        if b.layout != c.layout {
            throw CompareError(.incomparable, "\(b.name) has histogram layout \(b.layout), \(c.name) \(c.layout)")
        }
    }

    public init(baseline b: CompareSide, current c: CompareSide, config: CompareConfig = CompareConfig(), now: Timestamp) throws(CompareError) {
        try Self.checkComparable(b, c)
        baseline = b
        current = c
        self.config = config
        notes = Self.notes(b, c)
        compare(now: now)
    }

    static func notes(_ b: CompareSide, _ c: CompareSide) -> [String] {
        var n: [String] = []
        if b.tool != c.tool { n.append("made by bottleneck \(b.tool) and \(c.tool)") }
        switch (b.windowMillis, c.windowMillis) {
        case let (x?, y?):
            let r = Double(y) / Double(x)
            if r > 1.25 || r < 0.8 {
                n.append("windows differ (\(Self.duration(x)) and \(Self.duration(y))): rates are per hour and the current slow time is scaled to the baseline's window")
            }
        default:
            n.append("a side has no timed operations: rates are compared per line of log read instead of per hour")
        }
        if b.otherOperations > 0 || c.otherOperations > 0 {
            n.append("the shape table was bounded (--memory-budget): \(b.otherOperations) and \(c.otherOperations) operations of rare shapes are in (other) and not compared")
        }
        return n
    }

    static func duration(_ ms: Int64) -> String {
        let h = Double(ms) / 3_600_000
        if h >= 48 { return "\(Int((h / 24).rounded())) days" }
        if h >= 10 { return "\(Int(h.rounded())) h" }
        if h >= 1 { return "\((h * 10).rounded() / 10) h" }
        return "\(Int((Double(ms) / 60_000).rounded())) min"
    }

    // MARK: - the tests

    private struct Candidate {
        var b: CompareSide.Shape?
        var c: CompareSide.Shape?
        var mwu: CompareStats.MannWhitney?
        var rate: (pHigher: Double, pLower: Double)?
        var planP: (up: Double, down: Double)?
        var latencyQ: (slower: Double, faster: Double) = (1, 1)
        var rateQ: (higher: Double, lower: Double) = (1, 1)
        var planQ: (up: Double, down: Double) = (1, 1)
    }

    private mutating func compare(now: Timestamp) {
        let b = baseline, c = current
        let cfg = config
        // Exposure of each side: hours, or lines read when a side has no window.
        let t1: Double, t2: Double
        if let x = b.windowMillis, let y = c.windowMillis {
            t1 = Double(x); t2 = Double(y)
        } else {
            t1 = Double(max(b.lines, 1)); t2 = Double(max(c.lines, 1))
        }
        let scale = t1 / t2  // current → baseline window
        var ids = Set(b.shapes.keys)
        ids.formUnion(c.shapes.keys)
        var cands: [Candidate] = ids.sorted().map { Candidate(b: b.shapes[$0], c: c.shapes[$0]) }
        shapesJoined = cands.filter { $0.b != nil && $0.c != nil }.count

        // Tests, each family corrected across the shapes it was run on.
        var latencyIdx: [Int] = [], rateIdx: [Int] = [], planIdx: [Int] = []
        for i in cands.indices {
            let x = cands[i].b, y = cands[i].c
            let n1 = x?.count ?? 0, n2 = y?.count ?? 0
            if let x, let y, n1 >= cfg.latency.minCount, n2 >= cfg.latency.minCount {
                cands[i].mwu = CompareStats.mannWhitney(base: x.histogram, current: y.histogram)
                if cands[i].mwu != nil { latencyIdx.append(i) }
            }
            if max(n1, n2) >= min(cfg.load.minCount, cfg.presence.minCount) {
                cands[i].rate = CompareStats.rateTest(k1: n1, t1: t1, k2: n2, t2: t2)
                rateIdx.append(i)
            }
            if let x, let y, n1 >= cfg.plan.minCount, n2 >= cfg.plan.minCount {
                // The share of operations not on the baseline's dominant plan, or on COLLSCAN.
                let dom = x.dominantPlan?.label
                let off1 = n1 - (dom.map { x.plans[$0] ?? 0 } ?? 0), off2 = n2 - (dom.map { y.plans[$0] ?? 0 } ?? 0)
                let up = min(CompareStats.proportionUp(x1: off1, n1: n1, x2: off2, n2: n2),
                             CompareStats.proportionUp(x1: x.collscans, n1: n1, x2: y.collscans, n2: n2))
                let down = CompareStats.proportionUp(x1: y.collscans, n1: n2, x2: x.collscans, n2: n1)
                cands[i].planP = (up, down)
                planIdx.append(i)
            }
        }
        latencyTested = latencyIdx.count
        rateTested = rateIdx.count
        func correct(_ idx: [Int], _ p: (Candidate) -> (Double, Double), _ set: (inout Candidate, Double, Double) -> Void) {
            let ps = idx.map { p(cands[$0]) }
            let q0 = CompareStats.benjaminiHochberg(ps.map(\.0)), q1 = CompareStats.benjaminiHochberg(ps.map(\.1))
            for (k, i) in idx.enumerated() { set(&cands[i], q0[k], q1[k]) }
        }
        correct(latencyIdx, { ($0.mwu!.pSlower, $0.mwu!.pFaster) }, { $0.latencyQ = ($1, $2) })
        correct(rateIdx, { ($0.rate!.pHigher, $0.rate!.pLower) }, { $0.rateQ = ($1, $2) })
        correct(planIdx, { ($0.planP!.up, $0.planP!.down) }, { $0.planQ = ($1, $2) })

        var out: [CompareFinding] = []
        for cand in cands {
            if let f = judge(cand, scale: scale, t1: t1, t2: t2) { out.append(f) }
        }
        out += judgeOOM()

        // Acknowledgements.
        for i in out.indices {
            let subject = out[i].shapeId ?? out[i].process ?? ""
            if let ack = cfg.acknowledge.first(where: { $0.subject == subject && ($0.verdict == nil || $0.verdict == out[i].verdict.rawValue) }) {
                if ack.expires > now { out[i].acknowledged = ack } else if !expiredAcknowledgements.contains(ack) { expiredAcknowledgements.append(ack) }
            }
        }
        // Gating first, then by impact (largest increase of slow time first), then id.
        out.sort { x, y in
            if x.gates != y.gates { return x.gates }
            if x.verdict.isImprovement != y.verdict.isImprovement { return !x.verdict.isImprovement }
            if x.deltaMillis != y.deltaMillis { return abs(x.deltaMillis) > abs(y.deltaMillis) }
            return (x.shapeId ?? x.process ?? "") < (y.shapeId ?? y.process ?? "")
        }
        findings = out
    }

    private func judge(_ k: Candidate, scale: Double, t1: Double, t2: Double) -> CompareFinding? {
        let cfg = config
        let x = k.b, y = k.c
        let n1 = x?.count ?? 0, n2 = y?.count ?? 0
        let total1 = x?.durationTotal ?? 0, total2 = y?.durationTotal ?? 0
        let delta = Int64(saturating: (Double(total2) * scale).rounded()).subtractingSaturated(total1)
        let any = (y ?? x)!
        var f = CompareFinding(verdict: .goneShape, shapeId: any.idHex, namespace: any.namespace, operation: any.operation,
                               shape: any.text, deltaMillis: delta, reason: "")
        f.baseline = x.map { CompareNumbers($0, side: baseline) }
        f.current = y.map { CompareNumbers($0, side: current) }
        let expected1 = Double(n1) / scale  // baseline count at the current window's length
        let expected2 = Double(n2) * scale
        if n1 > 0 && n2 > 0 { f.rateRatio = (Double(n2) / t2) / (Double(n1) / t1) }

        // Present on one side only.
        if n2 >= cfg.presence.minCount, expected1 < Double(cfg.presence.maxOther), k.rateQ.higher < cfg.load.maxQ {
            f.verdict = .newShape
            f.rateQ = k.rateQ.higher
            f.reason = "\(n2) operations now, \(n1) before"
            return f
        }
        if n1 >= cfg.presence.minCount, expected2 < Double(cfg.presence.maxOther), k.rateQ.lower < cfg.load.maxQ {
            f.verdict = .goneShape
            f.rateQ = k.rateQ.lower
            f.reason = "\(n1) operations before, \(n2) now"
            return f
        }
        guard let x, let y else { return nil }

        var fired: [CompareVerdict] = []
        var reasons: [CompareVerdict: String] = [:]
        let nb = f.baseline!, nc = f.current!

        // The index set changed: a plan-cache shape hash seen on both sides with other keys only.
        let changedKeys = x.planCacheKeys.keys.sorted().compactMap { h -> String? in
            guard let before = x.planCacheKeys[h], let after = y.planCacheKeys[h], before.isDisjoint(with: after) else { return nil }
            return "planCacheKey \(before.sorted().joined(separator: ",")) → \(after.sorted().joined(separator: ",")) for planCacheShapeHash \(h)"
        }

        // Plan.
        if !changedKeys.isEmpty {
            fired.append(.planFlip)
            reasons[.planFlip] = changedKeys.joined(separator: "; ") + ": the indexes this shape can use changed"
        }
        if k.planP != nil {
            let dom1 = nb.dominantPlan, dom2 = nc.dominantPlan
            let domChanged = dom1 != nil && dom2 != nil && dom1 != dom2 && nc.dominantPlanPercent >= 50
                && (nb.dominantPlanPercent - Double(y.plans[dom1!] ?? 0) / Double(n2) * 100) >= cfg.plan.minCollscanPoints
            let collUp = nc.collscanPercent - nb.collscanPercent >= cfg.plan.minCollscanPoints
            let collDown = nb.collscanPercent - nc.collscanPercent >= cfg.plan.minCollscanPoints
            if (domChanged || collUp) && k.planQ.up < cfg.plan.maxQ && !(domChanged && collDown && !collUp) {
                if !fired.contains(.planFlip) { fired.append(.planFlip) }
                let why = domChanged
                    ? "plan \(dom1!) (\(Self.pct(nb.dominantPlanPercent))) → \(dom2!) (\(Self.pct(nc.dominantPlanPercent)))"
                    : "COLLSCAN \(Self.pct(nb.collscanPercent)) → \(Self.pct(nc.collscanPercent)) of operations"
                reasons[.planFlip] = reasons[.planFlip].map { why + "; " + $0 } ?? why
                f.planQ = k.planQ.up
            } else if collDown && k.planQ.down < cfg.plan.maxQ {
                fired.append(.planImprovement)
                reasons[.planImprovement] = "COLLSCAN \(Self.pct(nb.collscanPercent)) → \(Self.pct(nc.collscanPercent)) of operations"
                f.planQ = k.planQ.down
            }
            // Efficiency: documents examined per returned.
            let r1 = x.examinedRatio, r2 = y.examinedRatio
            let enough = min(n1, n2) >= cfg.plan.efficiencyMinCount
            if enough && r2 >= cfg.plan.minExaminedRatio && r2 >= r1 * cfg.plan.examinedFactor {
                fired.append(.efficiencyRegression)
                reasons[.efficiencyRegression] = "documents examined per document returned \(Self.num(r1)) → \(Self.num(r2))"
            } else if enough && r1 >= cfg.plan.minExaminedRatio && r1 >= r2 * cfg.plan.examinedFactor {
                fired.append(.efficiencyImprovement)
                reasons[.efficiencyImprovement] = "documents examined per document returned \(Self.num(r1)) → \(Self.num(r2))"
            }
        }

        // Latency.
        if k.mwu != nil {
            let seed = x.id
            let draws = cfg.bootstrapDraws
            f.p50Ratio = nc.p50 / max(nb.p50, 0.5)
            f.p95Ratio = nc.p95 / max(nb.p95, 0.5)
            f.p50Interval = CompareStats.quantileRatioInterval(base: x.histogram, current: y.histogram, q: 0.5, draws: draws, seed: seed)
            f.p95Interval = CompareStats.quantileRatioInterval(base: x.histogram, current: y.histogram, q: 0.95, draws: draws, seed: seed &+ 1)
            let L = cfg.latency
            func up(_ r: Double?, _ ci: (low: Double, high: Double)?, _ d: Double) -> Bool {
                guard let r, let ci else { return false }
                return r >= L.minRatio && ci.low > L.minIntervalLow && d >= L.minDeltaMs
            }
            func down(_ r: Double?, _ ci: (low: Double, high: Double)?, _ d: Double) -> Bool {
                guard let r, let ci else { return false }
                return r <= 1 / L.minRatio && ci.high < 1 / L.minIntervalLow && -d >= L.minDeltaMs
            }
            let slower = up(f.p50Ratio, f.p50Interval, nc.p50 - nb.p50) || up(f.p95Ratio, f.p95Interval, nc.p95 - nb.p95)
            let faster = down(f.p50Ratio, f.p50Interval, nc.p50 - nb.p50) || down(f.p95Ratio, f.p95Interval, nc.p95 - nb.p95)
            if slower && k.latencyQ.slower < L.maxQ {
                fired.append(.latencyRegression)
                f.latencyQ = k.latencyQ.slower
                reasons[.latencyRegression] = "p50 \(Self.ms(nb.p50)) → \(Self.ms(nc.p50)), p95 \(Self.ms(nb.p95)) → \(Self.ms(nc.p95))"
            } else if faster && k.latencyQ.faster < L.maxQ {
                fired.append(.latencyImprovement)
                f.latencyQ = k.latencyQ.faster
                reasons[.latencyImprovement] = "p50 \(Self.ms(nb.p50)) → \(Self.ms(nc.p50)), p95 \(Self.ms(nb.p95)) → \(Self.ms(nc.p95))"
            }
        }

        // Load.
        if k.rate != nil, let rr = f.rateRatio {
            let Ld = config.load
            let sharePoints = nc.sharePercent - nb.sharePercent
            if n2 >= Ld.minCount && k.rateQ.higher < Ld.maxQ && (rr >= Ld.minRateRatio || sharePoints >= Ld.minSharePoints) {
                fired.append(.loadRegression)
                f.rateQ = k.rateQ.higher
                reasons[.loadRegression] = "\(Self.rate(nb, n1)) → \(Self.rate(nc, n2)) (×\(Self.num(rr))), share of slow time \(Self.pct(nb.sharePercent)) → \(Self.pct(nc.sharePercent))"
            } else if n1 >= Ld.minCount && k.rateQ.lower < Ld.maxQ && rr <= 1 / Ld.minRateRatio {
                fired.append(.loadImprovement)
                f.rateQ = k.rateQ.lower
                reasons[.loadImprovement] = "\(Self.rate(nb, n1)) → \(Self.rate(nc, n2)) (×\(Self.num(rr)))"
            }
        }

        // The shape's verdict: the first regression by precedence, else the first improvement.
        let regressions = fired.filter { !$0.isImprovement }.sorted { $0.precedence < $1.precedence }
        let improvements = fired.filter(\.isImprovement).sorted { $0.precedence < $1.precedence }
        guard let main = regressions.first ?? improvements.first else { return nil }
        f.verdict = main
        f.also = (regressions + improvements).filter { $0 != main }
        f.reason = ([reasons[main]!] + f.also.compactMap { reasons[$0] }).joined(separator: "; ")
        return f
    }

    private func judgeOOM() -> [CompareFinding] {
        var out: [CompareFinding] = []
        for p in Set(baseline.victims.keys).union(current.victims.keys).sorted() {
            let x = baseline.victims[p], y = current.victims[p]
            let k1 = x?.kills ?? 0, k2 = y?.kills ?? 0
            let newGroups = (y?.cgroups ?? []).filter { !(x?.cgroups ?? []).contains($0) }
            var f = CompareFinding(verdict: .oomRegression, process: p, deltaMillis: 0, reason: "")
            f.kills = (k1, k2)
            if k2 > k1 || (k2 > 0 && !newGroups.isEmpty) {
                f.newCgroups = newGroups
                var why = k1 == 0 ? "\(p) killed \(k2)× by the OOM killer, never before" : "\(p) killed \(k1)× before, \(k2)× now"
                if !newGroups.isEmpty && k1 > 0 { why += "; new cgroup \(newGroups.joined(separator: ", "))" }
                f.reason = why
                out.append(f)
            } else if k2 < k1 {
                f.verdict = .oomImprovement
                f.reason = "\(p) killed \(k1)× before, \(k2)× now"
                out.append(f)
            }
        }
        return out
    }

    static func pct(_ v: Double) -> String { formatShare(v) }
    static func num(_ v: Double) -> String {
        if v >= 100 { return String(Int(v.rounded())) }
        if v >= 10 { return String((v * 10).rounded() / 10) }
        return String((v * 100).rounded() / 100)
    }
    static func ms(_ v: Double) -> String { (v >= 100 ? TableReporter.group(Int64(saturating: v.rounded())) : num(v)) + " ms" }
    static func rate(_ n: CompareNumbers, _ count: Int64) -> String {
        n.perHour.map { ($0 >= 1000 ? TableReporter.group(Int64(saturating: $0.rounded())) : num($0)) + "/h" } ?? "\(count) ops"
    }
}
