import Testing
@testable import BottleneckCore

/// The statistics of `compare`, checked against values worked out by hand.
@Suite struct CompareStatsTests {
    func hist(_ values: [Int64]) -> LogHistogram {
        var h = LogHistogram()
        for v in values { h.record(v) }
        return h
    }

    @Test func mannWhitneyMatchesTheTextbookOnASmallSample() throws {
        // U = 9 of 9 pairs, mean 4.5, variance 3·3/12·7 = 5.25: z = (9 − 4.5 − 0.5)/√5.25.
        let m = try #require(CompareStats.mannWhitney(base: hist([1, 2, 3]), current: hist([4, 5, 6])))
        #expect(m.u == 9)
        #expect(m.superiority == 1)
        #expect(abs(m.pSlower - (1 - CompareStats.phi(4 / 5.25.squareRoot()))) < 1e-12)
        #expect(abs(m.pFaster - (1 - CompareStats.phi(-5 / 5.25.squareRoot()))) < 1e-12)
    }

    @Test func mannWhitneyCountsTiesByBucketAndSeesNoShiftInEqualSamples() throws {
        let a = hist((0..<500).map { 100 + $0 % 97 })
        let same = try #require(CompareStats.mannWhitney(base: a, current: a))
        #expect(abs(same.superiority - 0.5) < 1e-12)
        #expect(same.pSlower > 0.45 && same.pFaster > 0.45)
        let slower = try #require(CompareStats.mannWhitney(base: a, current: hist((0..<500).map { 150 + $0 % 97 })))
        #expect(slower.pSlower < 1e-9)
        #expect(slower.superiority > 0.8)
    }

    @Test func binomialAndRateTests() {
        #expect(abs(CompareStats.binomialUpper(k: 3, n: 3, p: 0.5) - 0.125) < 1e-12)
        #expect(abs(CompareStats.binomialUpper(k: 1, n: 2, p: 0.5) - 0.75) < 1e-12)
        // 10 and 10 in equal windows: P(X ≥ 10 | 20, ½) = 0.588…
        let r = CompareStats.rateTest(k1: 10, t1: 1, k2: 10, t2: 1)
        #expect(abs(r.pHigher - 0.588_098_9) < 1e-6)
        #expect(abs(r.pLower - 0.588_098_9) < 1e-6)
        // Three times the rate over 100 is far from chance; a window twice as long is not a change.
        #expect(CompareStats.rateTest(k1: 100, t1: 1, k2: 300, t2: 1).pHigher < 1e-20)
        #expect(CompareStats.rateTest(k1: 100, t1: 1, k2: 200, t2: 2).pHigher > 0.4)
        // Beyond the exact range, the normal form agrees with the exact one.
        let exact = CompareStats.binomialUpper(k: 2550, n: 5000, p: 0.5)
        let normal = CompareStats.binomialUpper(k: 2550 * 2, n: 10_000, p: 0.5)
        #expect(exact > 0.07 && exact < 0.09 && normal < exact)
    }

    @Test func benjaminiHochbergByHand() {
        let q = CompareStats.benjaminiHochberg([0.01, 0.04, 0.03, 0.2])
        let want = [0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.2]
        for (a, b) in zip(q, want) { #expect(abs(a - b) < 1e-12) }
    }

    @Test func quantileRatioIntervalsHoldTheRatioAndAreReproducible() throws {
        let a = hist((0..<400).map { 80 + ($0 * 37) % 300 })
        let b = hist((0..<400).map { 2 * (80 + ($0 * 37) % 300) })
        let same = try #require(CompareStats.quantileRatioInterval(base: a, current: a, q: 0.5, seed: 1))
        #expect(same.low < 1 && same.high > 1)
        let twice = try #require(CompareStats.quantileRatioInterval(base: a, current: b, q: 0.95, seed: 1))
        #expect(twice.low > 1.7 && twice.high < 2.3)
        let again = try #require(CompareStats.quantileRatioInterval(base: a, current: b, q: 0.95, seed: 1))
        #expect(again == twice)
        #expect(CompareStats.quantileRatioInterval(base: LogHistogram(), current: b, q: 0.5, seed: 1) == nil)
    }
}
