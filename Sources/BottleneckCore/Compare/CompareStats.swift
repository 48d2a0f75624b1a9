#if canImport(Glibc)
import Glibc
#endif

/// The statistics `compare` uses, all computed from bucketed histograms and counts (no raw
/// samples): Mann–Whitney U with the tie correction, a bootstrap interval for a ratio of
/// quantiles, the conditional binomial test of two rates, a two-proportion test, and the
/// Benjamini–Hochberg correction across the shapes of one compare.
public enum CompareStats {
    /// Standard normal CDF.
    public static func phi(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }

    public struct MannWhitney: Sendable, Equatable {
        /// U of the current sample over the baseline (ties count one half).
        public var u: Double
        /// P(current > baseline) + P(equal)/2: 0.5 means no shift.
        public var superiority: Double
        public var z: Double
        /// One-sided p-values: current slower, current faster.
        public var pSlower: Double
        public var pFaster: Double
    }

    /// Mann–Whitney U of two histograms with one bucket layout; values in one bucket are ties.
    /// Normal approximation with the tie correction and a continuity correction.
    public static func mannWhitney(base: LogHistogram, current: LogHistogram) -> MannWhitney? {
        let n1 = Double(base.count), n2 = Double(current.count)
        guard n1 > 0, n2 > 0 else { return nil }
        var i = 0, j = 0
        var below = 0.0
        var u = 0.0
        var ties = 0.0
        let bi = base.indices, bc = base.counts, ci = current.indices, cc = current.counts
        while i < bi.count || j < ci.count {
            let b: UInt16 = min(i < bi.count ? bi[i] : .max, j < ci.count ? ci[j] : .max)
            var c1 = 0.0, c2 = 0.0
            if i < bi.count, bi[i] == b { c1 = Double(bc[i]); i += 1 }
            if j < ci.count, ci[j] == b { c2 = Double(cc[j]); j += 1 }
            u += c2 * (below + 0.5 * c1)
            below += c1
            let t = c1 + c2
            ties += t * t * t - t
        }
        let n = n1 + n2
        let mean = n1 * n2 / 2
        let variance = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)))
        let sup = u / (n1 * n2)
        guard variance > 0 else {
            return MannWhitney(u: u, superiority: sup, z: 0, pSlower: 1, pFaster: 1)
        }
        let sd = variance.squareRoot()
        let zSlower = (u - mean - 0.5) / sd
        let zFaster = (mean - u - 0.5) / sd
        return MannWhitney(u: u, superiority: sup, z: (u - mean) / sd, pSlower: 1 - phi(zSlower), pFaster: 1 - phi(zFaster))
    }

    /// A histogram's buckets with running counts, for fast quantiles (binary search).
    struct Cumulative {
        let buckets: [UInt16]
        let upTo: [UInt64]
        let count: UInt64
        let min: Double
        let max: Double

        init(_ h: LogHistogram) {
            buckets = h.indices
            var run: UInt64 = 0
            upTo = h.counts.map { run &+= $0; return run }
            count = h.count
            min = Double(h.min)
            max = Double(h.max)
        }

        /// As `LogHistogram.quantile`: nearest rank, the bucket's value, clamped to min and max.
        func quantile(_ q: Double) -> Double {
            guard count > 0 else { return 0 }
            let rank = Swift.max(1, Swift.min(count, UInt64(saturating: (q * Double(count)).rounded(.up))))
            var lo = 0, hi = upTo.count - 1
            while lo < hi {
                let mid = (lo + hi) / 2
                if upTo[mid] >= rank { hi = mid } else { lo = mid + 1 }
            }
            return Swift.min(Swift.max(LogHistogram.representative(of: buckets[lo]), min), max)
        }
    }

    /// SplitMix64: a small deterministic generator, so a compare prints the same intervals every
    /// time (seeded by the shape id).
    struct SplitMix64 {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func uniform() -> Double { Double(next() >> 11) / Double(UInt64(1) << 53) }
        /// Standard normal (Box–Muller).
        mutating func normal() -> Double {
            let u1 = Swift.max(uniform(), 1e-300), u2 = uniform()
            return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
        }
    }

    /// Interval for quantile(current, q) / quantile(base, q) at `level` (0.95: 2.5% and 97.5%).
    ///
    /// Bootstrap over the quantile's rank: in a resample of n values, the rank of the q-quantile
    /// falls at q ± sqrt(q(1-q)/n) (the binomial law of order statistics, normal form), so each
    /// draw reads each side's histogram at a perturbed rank and takes the ratio. `draws` draws,
    /// seeded by `seed`.
    public static func quantileRatioInterval(base: LogHistogram, current: LogHistogram, q: Double,
                                             draws: Int = 2000, level: Double = 0.95, seed: UInt64) -> (low: Double, high: Double)? {
        guard base.count > 0, current.count > 0 else { return nil }
        let b = Cumulative(base), c = Cumulative(current)
        let sdB = (q * (1 - q) / Double(base.count)).squareRoot()
        let sdC = (q * (1 - q) / Double(current.count)).squareRoot()
        var rng = SplitMix64(state: seed)
        var ratios: [Double] = []
        ratios.reserveCapacity(draws)
        for _ in 0..<Swift.max(draws, 10) {
            let qb = Swift.min(Swift.max(q + sdB * rng.normal(), 0), 1)
            let qc = Swift.min(Swift.max(q + sdC * rng.normal(), 0), 1)
            let vb = Swift.max(b.quantile(qb), 0.5), vc = Swift.max(c.quantile(qc), 0.5)
            ratios.append(vc / vb)
        }
        ratios.sort()
        let tail = (1 - level) / 2
        let lo = ratios[Swift.min(ratios.count - 1, Int((tail * Double(ratios.count)).rounded(.down)))]
        let hi = ratios[Swift.min(ratios.count - 1, Int(((1 - tail) * Double(ratios.count)).rounded(.down)))]
        return (lo, hi)
    }

    /// log C(n, k).
    static func logChoose(_ n: Double, _ k: Double) -> Double { lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1) }

    /// P(X ≥ k) for X ~ Binomial(n, p): exact up to n = 5000, normal with continuity beyond.
    public static func binomialUpper(k: Int64, n: Int64, p: Double) -> Double {
        if k <= 0 { return 1 }
        if k > n { return 0 }
        if p <= 0 { return 0 }
        if p >= 1 { return 1 }
        if n <= 5000 {
            var sum = 0.0
            let lp = log(p), lq = log(1 - p)
            for x in k...n {
                let dx = Double(x)
                sum += exp(logChoose(Double(n), dx) + dx * lp + (Double(n) - dx) * lq)
            }
            return Swift.min(1, sum)
        }
        let mean = Double(n) * p, sd = (Double(n) * p * (1 - p)).squareRoot()
        return 1 - phi((Double(k) - 0.5 - mean) / sd)
    }

    /// Rate test of two windows: k1 events in a window of length t1, k2 in t2. One-sided p-values
    /// that the current rate is higher, and lower (k2 given k1 + k2, p = t2 / (t1 + t2)).
    public static func rateTest(k1: Int64, t1: Double, k2: Int64, t2: Double) -> (pHigher: Double, pLower: Double) {
        let n = k1.addingSaturated(k2)
        guard n > 0, t1 > 0, t2 > 0 else { return (1, 1) }
        let p = t2 / (t1 + t2)
        let higher = binomialUpper(k: k2, n: n, p: p)
        // Lower: P(X ≤ k2) = P(n − X ≥ n − k2) with n − X ~ Bin(n, 1 − p).
        let lower = binomialUpper(k: n - k2, n: n, p: 1 - p)
        return (higher, lower)
    }

    /// One-sided p-value that proportion x2/n2 is above x1/n1 (pooled two-proportion z-test).
    public static func proportionUp(x1: Int64, n1: Int64, x2: Int64, n2: Int64) -> Double {
        guard n1 > 0, n2 > 0 else { return 1 }
        let p1 = Double(x1) / Double(n1), p2 = Double(x2) / Double(n2)
        let pool = Double(x1 + x2) / Double(n1 + n2)
        let se = (pool * (1 - pool) * (1 / Double(n1) + 1 / Double(n2))).squareRoot()
        if se == 0 { return p2 > p1 ? 0 : 1 }
        return 1 - phi((p2 - p1) / se)
    }

    /// Benjamini–Hochberg q-values, in the order of `p`.
    public static func benjaminiHochberg(_ p: [Double]) -> [Double] {
        let m = Double(p.count)
        let order = p.indices.sorted { p[$0] < p[$1] }
        var q = [Double](repeating: 1, count: p.count)
        var running = 1.0
        for rank in stride(from: order.count - 1, through: 0, by: -1) {
            let i = order[rank]
            running = Swift.min(running, p[i] * m / Double(rank + 1))
            q[i] = Swift.min(running, 1)
        }
        return q
    }
}
