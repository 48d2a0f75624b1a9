/// Applies a rule set to one stream of lines and events, then to the finished shapes.
///
/// Not Sendable: one per thread (it owns the regex scratch). `merge` folds runs of parallel
/// chunks together.
public final class RuleRun {
    public let set: RuleSet
    let scratch: RegexScratch

    struct EventGroup {
        var ops: Int64 = 0
        var ms: Int64 = 0
        /// Largest value seen of each compared field (evidence).
        var maxima: [Int: Double] = [:]
        var firstInput = 0
        var firstLine = 0
    }
    struct KillGroup {
        var kills: Int64 = 0
        var last: KillSubject
        var lastInput: Int?
        var lastLine: Int?
    }
    struct GroupKey: Hashable {
        let rule: Int
        let shape: UInt64?
    }
    struct KillKey: Hashable {
        let rule: Int
        let process: String
        let host: String?
    }

    private(set) var eventGroups: [GroupKey: EventGroup] = [:]
    private(set) var killGroups: [KillKey: KillGroup] = [:]
    private(set) var aborts: [Int: RuleAbort] = [:]
    /// Aborted matches after which a rule is switched off (`RuleAbort.disabled`): a pattern that
    /// backtracks catastrophically costs ~1 ms per subject at the match limit, 200k lines ~4 min.
    public static let defaultAbortBudget: Int64 = 100
    public let abortBudget: Int64
    /// Per rule index: switched off by the budget (mirrors `aborts[r]?.disabled`, read per line).
    private(set) var disabled: [Bool]
    /// (time ms, host/process name, pid) of the kills of the last hour, oldest first.
    private var recentKills: [(time: Int64, name: String, pid: Int64?)] = []
    private(set) var totalKills: Int64 = 0

    private var line: UnsafeRawBufferPointer?
    private var lineInput = 0
    private var lineNumber = 0
    private var lineOp: (shape: UInt64, ms: Int64)?

    public init(set: RuleSet, limits: RegexLimits = RegexLimits(), abortBudget: Int64 = RuleRun.defaultAbortBudget) {
        self.set = set
        self.scratch = RegexScratch(limits: limits)
        self.abortBudget = max(1, abortBudget)
        self.disabled = [Bool](repeating: false, count: set.rules.count)
    }

    public var wantsLines: Bool { !set.lineRules.isEmpty || !set.operationRules.isEmpty }

    /// The line being parsed; events emitted before `endLine` are attributed to it.
    public func beginLine(_ bytes: UnsafeRawBufferPointer, number: Int, input: Int) {
        line = bytes
        lineNumber = number
        lineInput = input
        lineOp = nil
    }

    public func endLine() {
        if let bytes = line, !set.lineRules.isEmpty {
            let reader = RawLineReader(line: bytes)
            for r in set.lineRules where !disabled[r] {
                switch RuleEvaluator.evaluate(set.rules[r].condition, reader, scratch) {
                case .yes: addEvent(rule: r, shape: lineOp?.shape, ms: lineOp?.ms ?? 0, values: nil)
                case .aborted(let why): abort(r, why, input: lineInput, line: lineNumber)
                case .no: break
                }
            }
        }
        line = nil
    }

    public func observe(_ event: Event) {
        switch event {
        case .slowOperation(let op):
            if lineOp == nil { lineOp = (op.shape.id, op.durationMillis) }
            guard !set.operationRules.isEmpty else { return }
            let reader = OperationReader(op: op, line: line)
            for r in set.operationRules where !disabled[r] {
                switch RuleEvaluator.evaluate(set.rules[r].condition, reader, scratch) {
                case .yes: addEvent(rule: r, shape: op.shape.id, ms: op.durationMillis, values: reader)
                case .aborted(let why): abort(r, why, input: op.source.input, line: op.source.line)
                case .no: break
                }
            }
        case .oomKill(let kill):
            observeKill(kill)
        case .server:
            break
        }
    }

    private func observeKill(_ kill: OOMKill) {
        totalKills += 1
        let name = (kill.host.map { $0 + "/" } ?? "") + (kill.processName ?? "?")
        let now = kill.timestamp?.millis ?? kill.uptimeSeconds.map { Int64($0 * 1000) }
        if let now {
            recentKills.removeAll { now - $0.time > 3_600_000 || $0.time > now }
            recentKills.append((now, name, kill.pid))
        } else {
            recentKills.append((recentKills.last?.time ?? 0, name, kill.pid))
        }
        // The same kill read from two inputs (dmesg and syslog) has the same pid: count it once.
        let subject = KillSubject(kill: kill, killsLastHour: RuleRun.distinctKills(recentKills),
                                  sameProcessKillsLastHour: RuleRun.distinctKills(recentKills.filter { $0.name == name }))
        guard !set.killRules.isEmpty else { return }
        let reader = KillReader(subject: subject)
        for r in set.killRules where !disabled[r] {
            switch RuleEvaluator.evaluate(set.rules[r].condition, reader, scratch) {
            case .yes:
                let key = KillKey(rule: r, process: kill.processName ?? "?", host: kill.host)
                var g = killGroups[key] ?? KillGroup(last: subject)
                g.kills += 1
                g.last = subject
                g.lastInput = kill.source.input
                g.lastLine = kill.source.line
                killGroups[key] = g
            case .aborted(let why): abort(r, why, input: kill.source.input, line: kill.source.line)
            case .no: break
            }
        }
    }

    static func distinctKills(_ kills: [(time: Int64, name: String, pid: Int64?)]) -> Int {
        var pids = Set<String>()
        var unknown = 0
        for k in kills {
            if let pid = k.pid { pids.insert("\(k.name)#\(pid)") } else { unknown += 1 }
        }
        return pids.count + unknown
    }

    private func addEvent(rule r: Int, shape: UInt64?, ms: Int64, values: OperationReader?) {
        let key = GroupKey(rule: r, shape: shape)
        var g = eventGroups[key] ?? EventGroup(firstInput: lineInput, firstLine: lineNumber)
        g.ops = g.ops.addingSaturated(1)
        g.ms = g.ms.addingSaturated(ms)
        if let values {
            for f in set.rules[r].condition.comparedFields {
                if case .number(let v) = values.value(f) { g.maxima[f] = max(g.maxima[f] ?? v, v) }
            }
        }
        eventGroups[key] = g
    }

    private func abort(_ r: Int, _ why: String, input: Int?, line: Int?) {
        if aborts[r] == nil {
            aborts[r] = RuleAbort(rule: set.rules[r].id, count: 0, reason: why, firstInput: input, firstLine: line)
        }
        aborts[r]!.count += 1
        if aborts[r]!.count >= abortBudget {
            aborts[r]!.disabled = true
            disabled[r] = true
        }
    }

    /// Folds a run over a later part of the input into this one.
    public func merge(_ o: RuleRun) {
        for (k, g) in o.eventGroups {
            if var m = eventGroups[k] {
                m.ops = m.ops.addingSaturated(g.ops)
                m.ms = m.ms.addingSaturated(g.ms)
                for (f, v) in g.maxima { m.maxima[f] = max(m.maxima[f] ?? v, v) }
                eventGroups[k] = m
            } else {
                eventGroups[k] = g
            }
        }
        for (k, g) in o.killGroups {
            if var m = killGroups[k] {
                m.kills = m.kills.addingSaturated(g.kills)
                m.last = g.last
                m.lastInput = g.lastInput
                m.lastLine = g.lastLine
                killGroups[k] = m
            } else {
                killGroups[k] = g
            }
        }
        // As if read in one pass: a rule is off once the parts' aborts add up to the budget
        // (each part stops counting at the budget), whatever the chunking (`--jobs`).
        for (r, a) in o.aborts {
            if aborts[r] == nil { aborts[r] = a } else { aborts[r]!.count += a.count }
            if aborts[r]!.count >= abortBudget {
                aborts[r]!.count = abortBudget
                aborts[r]!.disabled = true
                disabled[r] = true
            }
        }
        totalKills += o.totalKills
        recentKills += o.recentKills
    }

    /// Evaluates shape rules on the finished shapes and turns every group into a ranked finding.
    public func finish(shapes: [ShapeAggregate], perRule: Int = RuleResults.maxFindingsPerRule) -> RuleResults {
        RuleFinisher(run: self, shapes: shapes, perRule: perRule).results()
    }
}

// Rule-group state in a run summary (partial reports, checkpoints): keyed by rule id and field
// name, not by the indices of one loaded rule set, so a summary can be merged and finished by
// another process. Groups of rules the reading process does not have are dropped.
extension RuleRun {
    struct State: Codable {
        struct Group: Codable {
            var rule: String
            var shape: UInt64?
            var ops: Int64
            var ms: Int64
            var maxima: [String: Double]
            var firstInput: Int
            var firstLine: Int
        }
        struct Kills: Codable {
            var rule: String
            var process: String
            var host: String?
            var kills: Int64
            var last: OOMKill
            var killsLastHour: Int
            var sameProcessKillsLastHour: Int
            var lastInput: Int?
            var lastLine: Int?
        }
        struct Abort: Codable {
            var rule: String
            var count: Int64
            var reason: String
            var firstInput: Int?
            var firstLine: Int?
            var disabled: Bool
        }
        struct RecentKill: Codable {
            var time: Int64
            var name: String
            var pid: Int64?
        }
        var groups: [Group] = []
        var kills: [Kills] = []
        var aborts: [Abort] = []
        var recentKills: [RecentKill] = []
        var totalKills: Int64 = 0
    }

    var state: State {
        let names = OperationFields.specs.map(\.name)
        var s = State()
        s.groups = eventGroups.map { k, g in
            State.Group(rule: set.rules[k.rule].id, shape: k.shape, ops: g.ops, ms: g.ms,
                        maxima: Dictionary(uniqueKeysWithValues: g.maxima.compactMap { f, v in f < names.count ? (names[f], v) : nil }),
                        firstInput: g.firstInput, firstLine: g.firstLine)
        }.sorted { ($0.rule, $0.shape ?? 0) < ($1.rule, $1.shape ?? 0) }
        s.kills = killGroups.map { k, g in
            State.Kills(rule: set.rules[k.rule].id, process: k.process, host: k.host, kills: g.kills, last: g.last.kill,
                        killsLastHour: g.last.killsLastHour, sameProcessKillsLastHour: g.last.sameProcessKillsLastHour,
                        lastInput: g.lastInput, lastLine: g.lastLine)
        }.sorted { ($0.rule, $0.process, $0.host ?? "") < ($1.rule, $1.process, $1.host ?? "") }
        s.aborts = aborts.map { _, a in
            State.Abort(rule: a.rule, count: a.count, reason: a.reason, firstInput: a.firstInput, firstLine: a.firstLine,
                        disabled: a.disabled)
        }.sorted { $0.rule < $1.rule }
        s.recentKills = recentKills.map { State.RecentKill(time: $0.time, name: $0.name, pid: $0.pid) }
        s.totalKills = totalKills
        return s
    }

    func restore(_ s: State) {
        var index: [String: Int] = [:]
        for (i, r) in set.rules.enumerated() { index[r.id] = i }
        var fields: [String: Int] = [:]
        for (i, f) in OperationFields.specs.enumerated() { fields[f.name] = i }
        eventGroups = [:]
        for g in s.groups {
            guard let r = index[g.rule] else { continue }
            var maxima: [Int: Double] = [:]
            for (name, v) in g.maxima { if let f = fields[name] { maxima[f] = v } }
            eventGroups[GroupKey(rule: r, shape: g.shape)] = EventGroup(ops: g.ops, ms: g.ms, maxima: maxima,
                                                                       firstInput: g.firstInput, firstLine: g.firstLine)
        }
        killGroups = [:]
        for k in s.kills {
            guard let r = index[k.rule] else { continue }
            killGroups[KillKey(rule: r, process: k.process, host: k.host)] = KillGroup(
                kills: k.kills, last: KillSubject(kill: k.last, killsLastHour: k.killsLastHour, sameProcessKillsLastHour: k.sameProcessKillsLastHour),
                lastInput: k.lastInput, lastLine: k.lastLine)
        }
        aborts = [:]
        for a in s.aborts {
            guard let r = index[a.rule] else { continue }
            aborts[r] = RuleAbort(rule: a.rule, count: a.count, reason: a.reason, firstInput: a.firstInput, firstLine: a.firstLine,
                                  disabled: a.disabled)
            disabled[r] = a.disabled
        }
        recentKills = s.recentKills.map { ($0.time, $0.name, $0.pid) }
        totalKills = s.totalKills
    }

    func shiftInputs(by n: Int) {
        for k in Array(eventGroups.keys) { eventGroups[k]!.firstInput += n }
        for k in Array(killGroups.keys) { killGroups[k]!.lastInput = killGroups[k]!.lastInput.map { $0 + n } }
        for k in Array(aborts.keys) {
            let a = aborts[k]!
            aborts[k] = RuleAbort(rule: a.rule, count: a.count, reason: a.reason, firstInput: a.firstInput.map { $0 + n },
                                  firstLine: a.firstLine, disabled: a.disabled)
        }
    }
}
