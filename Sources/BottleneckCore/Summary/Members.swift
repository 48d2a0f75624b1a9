/// Replica-set members as their logs describe them: per host, the set's name, restarts and the
/// member-state transitions, in time order. Part of the run summary: merged (histories of one
/// host from several inputs interleave by time), encoded in partials, reported.
public struct Members: Sendable, Codable, Equatable {
    public struct Transition: Sendable, Codable, Equatable {
        public var millis: Int64?
        public var state: String
        public var oldState: String?
        public var source: SourceLocation
    }
    public struct History: Sendable, Codable, Equatable {
        public var replicaSet: String?
        /// Startup lines ("MongoDB starting"), by time.
        public var startups: [Int64?] = []
        public var transitions: [Transition] = []
        /// Transitions beyond `maxTransitions` (counted, not kept).
        public var droppedTransitions: Int64 = 0

        /// The last state entered; nil when none was logged, or when the server only ever
        /// started (a standalone mongod, or a member whose log ends before its first transition).
        public var lastState: String? {
            guard replicaSet != nil || transitions.contains(where: { $0.state != ServerEvent.startupState }) else { return nil }
            return transitions.last?.state
        }
    }
    /// Kept per host; a flapping member's later transitions are counted only.
    public static let maxTransitions = 1_000
    public static let maxStartups = 1_000

    public private(set) var byHost: [String: History] = [:]

    public init() {}

    public var isEmpty: Bool { byHost.isEmpty }

    mutating func record(_ e: ServerEvent, host: String) {
        var h = byHost[host] ?? History()
        switch e.kind {
        case .startup:
            if h.startups.count < Members.maxStartups { h.startups.append(e.timestamp?.millis) }
            // A (re)started member is in state STARTUP until it logs another: roles before the
            // restart do not carry over it.
            if h.transitions.count < Members.maxTransitions {
                h.transitions.append(Transition(millis: e.timestamp?.millis, state: ServerEvent.startupState, oldState: nil, source: e.source))
            } else {
                h.droppedTransitions &+= 1
            }
        case .options:
            if let rs = e.replicaSet { h.replicaSet = rs }
        case .stateChange:
            guard let state = e.newState else { return }
            if h.transitions.count < Members.maxTransitions {
                h.transitions.append(Transition(millis: e.timestamp?.millis, state: state, oldState: e.oldState, source: e.source))
            } else {
                h.droppedTransitions &+= 1
            }
        }
        // Kept in time order (files of one host may be read newest first).
        if h.transitions.count > 1, Members.earlier(h.transitions[h.transitions.count - 1], h.transitions[h.transitions.count - 2]) {
            h.transitions.sort(by: Members.earlier)
        }
        byHost[host] = h
    }

    /// Folds `o` in: per host, transitions and startups interleave by time (then input and line).
    mutating func merge(_ o: Members) {
        for (host, theirs) in o.byHost {
            guard var mine = byHost[host] else { byHost[host] = theirs; continue }
            if mine.replicaSet == nil { mine.replicaSet = theirs.replicaSet }
            mine.startups = Array((mine.startups + theirs.startups).sorted { ($0 ?? .min) < ($1 ?? .min) }.prefix(Members.maxStartups))
            let all = (mine.transitions + theirs.transitions).sorted(by: Members.earlier)
            mine.droppedTransitions = mine.droppedTransitions.addingSaturated(theirs.droppedTransitions)
                .addingSaturated(Int64(max(0, all.count - Members.maxTransitions)))
            mine.transitions = Array(all.prefix(Members.maxTransitions))
            byHost[host] = mine
        }
    }

    static func earlier(_ a: Transition, _ b: Transition) -> Bool {
        if a.millis != b.millis { return (a.millis ?? .min) < (b.millis ?? .min) }
        return (a.source.input, a.source.line) < (b.source.input, b.source.line)
    }

    mutating func shiftInputs(by n: Int) {
        for k in byHost.keys {
            for i in byHost[k]!.transitions.indices { byHost[k]!.transitions[i].source.input += n }
        }
    }

    /// Renames hosts (file-name labels replaced by the names the logs gave), merging histories.
    mutating func relabel(_ names: [String: String]) {
        for (from, to) in names where from != to {
            guard let h = byHost.removeValue(forKey: from) else { continue }
            var one = Members()
            one.byHost[to] = h
            merge(one)
        }
    }

    /// The role in force for `host` at the end of what was read (nil: no transition logged).
    public func lastRole(of host: String) -> MemberRole? { ServerEvent.role(ofState: byHost[host]?.lastState) }
}
