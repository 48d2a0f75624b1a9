/// Turns a run's groups and the finished shapes into ranked findings.
struct RuleFinisher {
    let run: RuleRun
    let shapes: [ShapeAggregate]
    /// Findings listed per rule at most (the rest are counted as omitted).
    var perRule = RuleResults.maxFindingsPerRule

    func results() -> RuleResults {
        let set = run.set
        var out = RuleResults()
        out.rulesEvaluated = set.rules.count
        out.perRuleLimit = perRule
        var found: [Finding] = []
        var omitted: [String: Int64] = [:]
        let runTotalMs = shapes.reduce(Int64(0)) { $0.addingSaturated($1.durationTotal) }
        var byId: [UInt64: ShapeAggregate] = [:]
        for s in shapes { byId[s.shape.id] = s }
        let shapeNames = ShapeFields.specs.map(\.name)

        func shapeLookup(_ s: ShapeSubject) -> (String) -> FieldValue? {
            { name in shapeNames.firstIndex(of: name).flatMap { ShapeFields.value($0, of: s) } }
        }
        func subject(_ a: ShapeAggregate) -> FindingSubject {
            .shape(id: a.shape.idHex, namespace: a.namespace, operation: a.operation, text: a.shape.text)
        }

        // Shape rules. Matches are collected cheaply first; only the top `maxFindingsPerRule` of
        // each rule (by time) are rendered, so memory stays bounded on millions of shapes.
        var aborts = run.aborts
        var shapeMatches: [Int: [ShapeAggregate]] = [:]
        // Conditions taken out once: copying a rule per shape was a tenth of a large merge.
        let conditions = set.shapeRules.map { (rule: $0, condition: set.rules[$0].condition) }
        var live = conditions.map { aborts[$0.rule]?.disabled != true }
        for a in shapes {
            let s = ShapeSubject(aggregate: a, runTotalMs: runTotalMs)
            let reader = ShapeReader(subject: s)
            for (i, c) in conditions.enumerated() where live[i] {
                let r = c.rule
                switch RuleEvaluator.evaluate(c.condition, reader, run.scratch) {
                case .yes:
                    shapeMatches[r, default: []].append(a)
                case .aborted(let why):
                    if aborts[r] == nil { aborts[r] = RuleAbort(rule: set.rules[r].id, count: 0, reason: why, firstInput: nil, firstLine: nil) }
                    aborts[r]!.count += 1
                    if aborts[r]!.count >= run.abortBudget { aborts[r]!.disabled = true; live[i] = false }
                case .no:
                    break
                }
            }
        }
        // A rule switched off by its abort budget saw only part of the input: no findings.
        for (r, matched) in shapeMatches where aborts[r]?.disabled != true {
            let rule = set.rules[r]
            let kept = RuleResults.top(matched, limit: perRule) { a, b in
                a.durationTotal != b.durationTotal ? a.durationTotal > b.durationTotal : a.shape.id < b.shape.id
            }
            if matched.count > kept.count { omitted[rule.id, default: 0] += Int64(matched.count - kept.count) }
            for a in kept {
                let s = ShapeSubject(aggregate: a, runTotalMs: runTotalMs)
                let reader = ShapeReader(subject: s)
                let lookup = shapeLookup(s)
                var evidence: [(name: String, value: Double)] = [
                    ("count", Double(a.count)), ("totalMs", Double(a.durationTotal)),
                    ("p95", a.histogram.quantile(0.95)), ("timeShare", Double(a.durationTotal) / Double(max(runTotalMs, 1))),
                ]
                for f in unique(rule.condition.comparedFields) where !evidence.contains(where: { $0.name == shapeNames[f] }) {
                    if case .number(let v)? = reader.value(f) { evidence.append((shapeNames[f], v)) }
                }
                found.append(Finding(
                    rule: rule.id, severity: rule.severity, title: rule.title,
                    message: rule.message.render(lookup), advice: rule.advice.render(lookup),
                    subject: subject(a), evidence: evidence, accountedMs: Double(a.durationTotal), kills: 0,
                    share: Double(a.durationTotal) / Double(max(runTotalMs, 1))))
            }
        }

        // Event and line rules, grouped per shape.
        let opNames = OperationFields.specs.map(\.name)
        var groupsByRule: [Int: [(key: RuleRun.GroupKey, group: RuleRun.EventGroup)]] = [:]
        for (key, g) in run.eventGroups where !run.disabled[key.rule] {
            let rule = set.rules[key.rule]
            let share = Double(g.ms) / Double(max(runTotalMs, 1))
            guard g.ops >= rule.threshold.minEvents, g.ms >= rule.threshold.minTotalMs, share >= rule.threshold.minTimeShare else { continue }
            groupsByRule[key.rule, default: []].append((key, g))
        }
        for (r, groups) in groupsByRule {
            let rule = set.rules[r]
            let kept = RuleResults.top(groups, limit: perRule) { a, b in
                if a.group.ms != b.group.ms { return a.group.ms > b.group.ms }
                if (a.key.shape ?? 0) != (b.key.shape ?? 0) { return (a.key.shape ?? 0) < (b.key.shape ?? 0) }
                return (a.group.firstInput, a.group.firstLine) < (b.group.firstInput, b.group.firstLine)
            }
            if groups.count > kept.count { omitted[rule.id, default: 0] += Int64(groups.count - kept.count) }
            for (key, g) in kept {
                let share = Double(g.ms) / Double(max(runTotalMs, 1))
                let agg = key.shape.flatMap { byId[$0] }
                let shapeFields = agg.map { shapeLookup(ShapeSubject(aggregate: $0, runTotalMs: runTotalMs)) }
                let lookup: (String) -> FieldValue? = { name in
                    switch name {
                    case "matchedOps": return .number(Double(g.ops))
                    case "matchedMs": return .number(Double(g.ms))
                    case "matchedShare": return .number(share)
                    default: return shapeFields?(name)
                    }
                }
                var evidence: [(name: String, value: Double)] = [("matchedOps", Double(g.ops)), ("matchedMs", Double(g.ms)), ("matchedShare", share)]
                for (f, v) in g.maxima.sorted(by: { $0.key < $1.key }) { evidence.append(("max " + opNames[f], v)) }
                found.append(Finding(
                    rule: rule.id, severity: rule.severity, title: rule.title,
                    message: rule.message.render(lookup), advice: rule.advice.render(lookup),
                    subject: agg.map(subject) ?? .lines(firstInput: g.firstInput, firstLine: g.firstLine),
                    evidence: evidence, accountedMs: Double(g.ms), kills: 0, share: share))
            }
        }

        // Kill rules, grouped per process name.
        let killNames = KillFields.specs.map(\.name)
        for (key, g) in run.killGroups where !run.disabled[key.rule] {
            let rule = set.rules[key.rule]
            let reader = KillReader(subject: g.last)
            let lookup: (String) -> FieldValue? = { name in
                if name == "kills" { return .number(Double(g.kills)) }
                return killNames.firstIndex(of: name).flatMap { reader.value($0) }
            }
            var evidence: [(name: String, value: Double)] = [("kills", Double(g.kills))]
            for f in unique(rule.condition.comparedFields) {
                if case .number(let v)? = reader.value(f) { evidence.append((killNames[f], v)) }
            }
            let k = g.last.kill
            found.append(Finding(
                rule: rule.id, severity: rule.severity, title: rule.title,
                message: rule.message.render(lookup), advice: rule.advice.render(lookup),
                subject: .kill(process: key.process, host: key.host, pid: k.pid, time: k.timestamp, input: g.lastInput, line: g.lastLine),
                evidence: evidence, accountedMs: 0, kills: g.kills,
                share: Double(g.kills) / Double(max(run.totalKills, 1))))
        }

        out.findings = found.sorted(by: RuleResults.rank)  // one assignment: indexes by shape once
        out.aborts = aborts.values.sorted { $0.rule < $1.rule }
        out.omitted = omitted.sorted { $0.key < $1.key }.map { (rule: $0.key, count: $0.value) }
        return out
    }

    func unique(_ xs: [Int]) -> [Int] {
        var seen = Set<Int>()
        return xs.filter { seen.insert($0).inserted }
    }
}
