/// The rules of a run, split by target.
public struct RuleSet: Sendable {
    public let rules: [Rule]
    let operationRules: [Int]
    let shapeRules: [Int]
    let killRules: [Int]
    let lineRules: [Int]

    public init(_ rules: [Rule]) {
        self.rules = rules
        operationRules = rules.indices.filter { rules[$0].target == .slowOperation }
        shapeRules = rules.indices.filter { rules[$0].target == .shape }
        killRules = rules.indices.filter { rules[$0].target == .oomKill }
        lineRules = rules.indices.filter { rules[$0].target == .line }
    }

    /// `base` plus `extra`; a rule of `extra` replaces the rule of `base` with the same id.
    public static func merging(_ base: [Rule], with extra: [Rule]) -> [Rule] {
        let replaced = Set(extra.map(\.id))
        return base.filter { !replaced.contains($0.id) } + extra
    }

    public var isEmpty: Bool { rules.isEmpty }
}
