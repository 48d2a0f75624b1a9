import Foundation
import Yams

/// Thresholds of `compare`'s verdicts and acknowledgements of known findings: the file given
/// with `compare --config FILE` (YAML; every key optional; docs/compare.md lists them).
public struct CompareConfig: Sendable, Equatable, Decodable {
    public struct Latency: Sendable, Equatable, Decodable {
        /// Operations needed on both sides before latency is judged.
        public var minCount: Int64 = 50
        /// p50 or p95 ratio (current / baseline) at least this…
        public var minRatio: Double = 1.2
        /// …and that percentile up by at least this many ms…
        public var minDeltaMs: Double = 10
        /// …and the ratio's bootstrap interval (95%) above this (by default the same 20%: the
        /// slowdown is at least that large with 95% confidence)…
        public var minIntervalLow: Double = 1.2
        /// …and the one-sided Mann–Whitney test significant after Benjamini–Hochberg. 0.01, not
        /// 0.05: real and generated logs are burstier than independent draws, and at 0.05 one
        /// compare in about fifteen of unchanged workloads raised a false regression.
        public var maxQ: Double = 0.01
        enum CodingKeys: String, CodingKey {
            case minCount = "min-count", minRatio = "min-ratio", minDeltaMs = "min-delta-ms"
            case minIntervalLow = "min-interval-low", maxQ = "max-q"
        }
        public init() {}
        public init(from d: Decoder) throws {
            let c = try d.container(keyedBy: CodingKeys.self)
            minCount = try c.decodeIfPresent(Int64.self, forKey: .minCount) ?? minCount
            minRatio = try c.decodeIfPresent(Double.self, forKey: .minRatio) ?? minRatio
            minDeltaMs = try c.decodeIfPresent(Double.self, forKey: .minDeltaMs) ?? minDeltaMs
            minIntervalLow = try c.decodeIfPresent(Double.self, forKey: .minIntervalLow) ?? minIntervalLow
            maxQ = try c.decodeIfPresent(Double.self, forKey: .maxQ) ?? maxQ
        }
    }

    public struct Load: Sendable, Equatable, Decodable {
        /// Operations needed on the side whose rate is the larger.
        public var minCount: Int64 = 20
        /// Rate ratio (operations per hour, current / baseline) at least this…
        public var minRateRatio: Double = 1.5
        /// …or the shape's share of all slow time up by this many percentage points…
        public var minSharePoints: Double = 5
        /// …with the conditional binomial rate test significant after Benjamini–Hochberg (counts
        /// of real logs are overdispersed: 0.01 as for latency).
        public var maxQ: Double = 0.01
        enum CodingKeys: String, CodingKey {
            case minCount = "min-count", minRateRatio = "min-rate-ratio", minSharePoints = "min-share-points", maxQ = "max-q"
        }
        public init() {}
        public init(from d: Decoder) throws {
            let c = try d.container(keyedBy: CodingKeys.self)
            minCount = try c.decodeIfPresent(Int64.self, forKey: .minCount) ?? minCount
            minRateRatio = try c.decodeIfPresent(Double.self, forKey: .minRateRatio) ?? minRateRatio
            minSharePoints = try c.decodeIfPresent(Double.self, forKey: .minSharePoints) ?? minSharePoints
            maxQ = try c.decodeIfPresent(Double.self, forKey: .maxQ) ?? maxQ
        }
    }

    public struct Presence: Sendable, Equatable, Decodable {
        /// A new shape: at least this many operations now…
        public var minCount: Int64 = 20
        /// …and fewer than this many before (after scaling to the current window). Gone: the mirror.
        public var maxOther: Int64 = 5
        enum CodingKeys: String, CodingKey { case minCount = "min-count", maxOther = "max-other" }
        public init() {}
        public init(from d: Decoder) throws {
            let c = try d.container(keyedBy: CodingKeys.self)
            minCount = try c.decodeIfPresent(Int64.self, forKey: .minCount) ?? minCount
            maxOther = try c.decodeIfPresent(Int64.self, forKey: .maxOther) ?? maxOther
        }
    }

    public struct Plan: Sendable, Equatable, Decodable {
        /// Operations needed on both sides.
        public var minCount: Int64 = 20
        /// COLLSCAN share up by at least this many percentage points (or the dominant plan changed).
        public var minCollscanPoints: Double = 10
        /// The two-proportion test significant after Benjamini–Hochberg.
        public var maxQ: Double = 0.01
        /// Efficiency: documents examined per returned up at least this factor…
        public var examinedFactor: Double = 2
        /// …to at least this ratio, with at least this many operations on both sides (the logs
        /// give sums only, and examined counts are heavy-tailed: a few large scans move a small
        /// shape's mean 2× by chance).
        public var minExaminedRatio: Double = 100
        public var efficiencyMinCount: Int64 = 100
        enum CodingKeys: String, CodingKey {
            case minCount = "min-count", minCollscanPoints = "min-collscan-points", maxQ = "max-q"
            case examinedFactor = "examined-factor", minExaminedRatio = "min-examined-ratio"
            case efficiencyMinCount = "efficiency-min-count"
        }
        public init() {}
        public init(from d: Decoder) throws {
            let c = try d.container(keyedBy: CodingKeys.self)
            minCount = try c.decodeIfPresent(Int64.self, forKey: .minCount) ?? minCount
            minCollscanPoints = try c.decodeIfPresent(Double.self, forKey: .minCollscanPoints) ?? minCollscanPoints
            maxQ = try c.decodeIfPresent(Double.self, forKey: .maxQ) ?? maxQ
            examinedFactor = try c.decodeIfPresent(Double.self, forKey: .examinedFactor) ?? examinedFactor
            minExaminedRatio = try c.decodeIfPresent(Double.self, forKey: .minExaminedRatio) ?? minExaminedRatio
            efficiencyMinCount = try c.decodeIfPresent(Int64.self, forKey: .efficiencyMinCount) ?? efficiencyMinCount
        }
    }

    /// A known finding to leave out of the gate until `expires` (it is still listed, as acknowledged).
    public struct Acknowledgement: Sendable, Equatable, Decodable {
        /// A shape id (16 hex digits) or, for OOM verdicts, a process name.
        public var subject: String
        /// The verdict acknowledged (`latency-regression`, …); nil: any verdict of the subject.
        public var verdict: String?
        public var reason: String
        public var expires: Timestamp
        enum CodingKeys: String, CodingKey { case shape, process, verdict, reason, expires }
        public init(subject: String, verdict: String?, reason: String, expires: Timestamp) {
            self.subject = subject
            self.verdict = verdict
            self.reason = reason
            self.expires = expires
        }
        public init(from d: Decoder) throws {
            let c = try d.container(keyedBy: CodingKeys.self)
            guard let s = try c.decodeIfPresent(String.self, forKey: .shape) ?? c.decodeIfPresent(String.self, forKey: .process) else {
                throw DecodingError.dataCorruptedError(forKey: .shape, in: c, debugDescription: "an acknowledgement needs `shape: ID` or `process: NAME`")
            }
            subject = s
            verdict = try c.decodeIfPresent(String.self, forKey: .verdict)
            if let v = verdict, CompareVerdict(rawValue: v) == nil {
                throw DecodingError.dataCorruptedError(forKey: .verdict, in: c, debugDescription: "unknown verdict '\(v)'; one of: \(CompareVerdict.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            reason = try c.decode(String.self, forKey: .reason)
            let e = try c.decode(String.self, forKey: .expires)
            guard let t = Timestamp.parseISO8601(e) else {
                throw DecodingError.dataCorruptedError(forKey: .expires, in: c, debugDescription: "not an ISO 8601 date: \(e)")
            }
            expires = t
        }
    }

    public var latency = Latency()
    public var load = Load()
    public var presence = Presence()
    public var plan = Plan()
    public var acknowledge: [Acknowledgement] = []
    /// Resamples of the bootstrap intervals.
    public var bootstrapDraws = 2000

    enum CodingKeys: String, CodingKey { case latency, load, presence = "new-shape", plan, acknowledge, bootstrapDraws = "bootstrap-draws" }

    public init() {}
    public init(from d: Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        latency = try c.decodeIfPresent(Latency.self, forKey: .latency) ?? latency
        load = try c.decodeIfPresent(Load.self, forKey: .load) ?? load
        presence = try c.decodeIfPresent(Presence.self, forKey: .presence) ?? presence
        plan = try c.decodeIfPresent(Plan.self, forKey: .plan) ?? plan
        acknowledge = try c.decodeIfPresent([Acknowledgement].self, forKey: .acknowledge) ?? []
        bootstrapDraws = try c.decodeIfPresent(Int.self, forKey: .bootstrapDraws) ?? bootstrapDraws
        guard (10...1_000_000).contains(bootstrapDraws) else {
            throw DecodingError.dataCorruptedError(forKey: .bootstrapDraws, in: c, debugDescription: "bootstrap-draws must be 10 to 1000000")
        }
    }

    /// Reads a config file; the error names the file and what is wrong.
    public static func load(yaml text: String, path: String) throws(CompareError) -> CompareConfig {
        do {
            if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return CompareConfig() }
            if let unknown = try unknownKey(in: Yams.load(yaml: text)) {
                throw CompareError(.usage, "\(path): not a valid compare config: unknown key '\(unknown)'; the keys are listed in docs/compare.md")
            }
            return try YAMLDecoder().decode(CompareConfig.self, from: text)
        } catch let e as CompareError {
            throw e
        } catch {
            throw CompareError(.usage, "\(path): not a valid compare config: \(Self.describe(error))")
        }
    }

    /// Every key the file may hold, by section (a misspelt threshold must not be ignored).
    static let keys: [String: Set<String>] = [
        "latency": ["min-count", "min-ratio", "min-delta-ms", "min-interval-low", "max-q"],
        "load": ["min-count", "min-rate-ratio", "min-share-points", "max-q"],
        "new-shape": ["min-count", "max-other"],
        "plan": ["min-count", "min-collscan-points", "max-q", "examined-factor", "min-examined-ratio", "efficiency-min-count"],
        "acknowledge": ["shape", "process", "verdict", "reason", "expires"],
        "bootstrap-draws": [],
    ]

    static func unknownKey(in doc: Any?) -> String? {
        guard let top = doc as? [String: Any] else { return doc == nil ? nil : "(the file is not a mapping)" }
        for (k, v) in top {
            guard let allowed = keys[k] else { return k }
            let items: [Any] = k == "acknowledge" ? (v as? [Any] ?? []) : [v]
            for item in items {
                if let m = item as? [String: Any], let bad = m.keys.first(where: { !allowed.contains($0) }) { return "\(k).\(bad)" }
            }
        }
        return nil
    }

    static func describe(_ e: Error) -> String {
        if let d = e as? DecodingError {
            switch d {
            case .dataCorrupted(let c), .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c):
                let at = c.codingPath.map(\.stringValue).joined(separator: ".")
                return (at.isEmpty ? "" : "\(at): ") + c.debugDescription
            @unknown default: return "\(d)"
            }
        }
        return "\(e)"
    }
}

public struct CompareError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable { case usage, incomparable, runtime }
    public let kind: Kind
    public let description: String
    public init(_ kind: Kind, _ d: String) { self.kind = kind; description = d }
}
