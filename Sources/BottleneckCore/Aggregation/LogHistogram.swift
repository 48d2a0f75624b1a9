#if canImport(Glibc)
import Glibc
#endif

/// A mergeable histogram of non-negative integer durations with at most 1% relative error.
///
/// Values below 64 get a bucket each (exact); above, buckets grow by 2%, and a bucket reports
/// its geometric middle, so every quantile is within 1% of the exact one. Storage is sparse and
/// sorted: memory depends on the spread of values, never on how many were recorded.
public struct LogHistogram: Sendable, Equatable {
    static let exactLimit: Int64 = 64
    static let growth = 1.02
    static let logGrowth = log(growth)

    private(set) var indices: [UInt16] = []
    private(set) var counts: [UInt64] = []
    public private(set) var count: UInt64 = 0
    public private(set) var min: Int64 = .max
    public private(set) var max: Int64 = .min

    public init() {}

    @inline(__always)
    static func bucket(of value: Int64) -> UInt16 {
        if value < exactLimit { return UInt16(Swift.max(value, 0)) }
        let b = Int(log(Double(value) / Double(exactLimit)) / logGrowth)
        return UInt16(Swift.min(Int(exactLimit) + b, Int(UInt16.max)))
    }

    /// Lower bound of a bucket.
    static func lowerBound(of bucket: UInt16) -> Double {
        if Int64(bucket) < exactLimit { return Double(bucket) }
        return Double(exactLimit) * pow(growth, Double(Int(bucket) - Int(exactLimit)))
    }

    /// The value a bucket stands for.
    static func representative(of bucket: UInt16) -> Double {
        if Int64(bucket) < exactLimit { return Double(bucket) }
        return lowerBound(of: bucket) * growth.squareRoot()
    }

    public mutating func record(_ value: Int64, times: UInt64 = 1) {
        let v = Swift.max(value, 0)
        let b = LogHistogram.bucket(of: v)
        add(bucket: b, times: times)
        count = LogHistogram.sum(count, times)
        if v < min { min = v }
        if v > max { max = v }
    }

    private mutating func add(bucket b: UInt16, times: UInt64) {
        // Binary search in the sorted bucket list.
        var lo = 0
        var hi = indices.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if indices[mid] < b { lo = mid + 1 } else { hi = mid }
        }
        if lo < indices.count && indices[lo] == b {
            counts[lo] = LogHistogram.sum(counts[lo], times)
        } else {
            indices.insert(b, at: lo)
            counts.insert(times, at: lo)
        }
    }

    /// Counts saturate: merged histograms from files can hold any count.
    @inline(__always)
    static func sum(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (r, o) = a.addingReportingOverflow(b)
        return o ? .max : r
    }

    public mutating func merge(_ other: LogHistogram) {
        for i in other.indices.indices { add(bucket: other.indices[i], times: other.counts[i]) }
        count = LogHistogram.sum(count, other.count)
        if other.count > 0 {
            min = Swift.min(min, other.min)
            max = Swift.max(max, other.max)
        }
    }

    /// The value at quantile `q` (0...1), nearest-rank, clamped to the recorded min and max.
    public func quantile(_ q: Double) -> Double {
        guard count > 0 else { return 0 }
        let rank = Swift.max(1, UInt64(saturating: (q * Double(count)).rounded(.up)))
        var seen: UInt64 = 0
        for i in indices.indices {
            seen += counts[i]
            if seen >= rank {
                let v = LogHistogram.representative(of: indices[i])
                return Swift.min(Swift.max(v, Double(min)), Double(max))
            }
        }
        return Double(max)
    }

    /// Number of distinct buckets in use (memory is proportional to it).
    public var bucketCount: Int { indices.count }
}

// Checkpoint hook (tail --state, Store/AggregateCoding.swift): rebuild a histogram exactly.
extension LogHistogram {
    init(restoring indices: [UInt16], counts: [UInt64], min: Int64, max: Int64) {
        self.init()
        self.indices = indices
        self.counts = counts
        // Saturating: the counts come from a file (a partial, a checkpoint, a baseline).
        self.count = counts.reduce(UInt64(0)) { let (r, o) = $0.addingReportingOverflow($1); return o ? .max : r }
        self.min = min
        self.max = max
    }
}
