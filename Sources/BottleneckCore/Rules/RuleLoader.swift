import Yams

/// Why a rule file was refused: the file, the field (a path such as `when.all[1].matches`), the
/// line when known, and what is wrong. One error per file: the first problem found.
public struct RuleLoadError: Error, Sendable, CustomStringConvertible {
    public let file: String
    public let field: String
    public let line: Int?
    public let message: String
    public init(file: String, field: String, line: Int?, message: String) {
        self.file = file
        self.field = field
        self.line = line
        self.message = message
    }
    public var description: String {
        "\(file)\(line.map { ":\($0)" } ?? ""): field '\(RuleFileParser.excerpt(field))': \(message)"
    }
}

/// Reads rule files (YAML, one rule per file) into compiled `Rule`s, and refuses a rule that does
/// not parse, names an unknown field, has a pattern that does not compile, or whose examples do
/// not behave as stated. Format: README.md "Rules"; shipped rules are in `rules/`.
public enum RuleLoader {
    static let topKeys: Set<String> = ["id", "title", "severity", "appliesTo", "when", "threshold", "message", "advice", "examples"]
    static let operatorKeys: Set<String> = Set(["matches", "notMatches", "is", "exists"] + CompareOp.allCases.map(\.rawValue))

    /// Loads one file. `text` overrides reading the file (tests).
    public static func load(file: String, text: String? = nil) throws(RuleLoadError) -> Rule {
        let source: String
        if let text {
            source = text
        } else {
            switch FileText.readChecked(file) {
            case .success(let read): source = read
            case .failure(let why): throw RuleLoadError(file: file, field: "(file)", line: nil, message: why.description)
            }
        }
        return try RuleFileParser(file: file).parse(source)
    }

    /// Loads every `*.yaml` / `*.yml` file of a folder, in name order; throws the first error.
    public static func loadDirectory(_ dir: String) throws(RuleLoadError) -> [Rule] {
        var rules: [Rule] = []
        for result in try loadEach(dir) { rules.append(try result.get()) }
        return rules
    }

    /// Loads every rule file of a folder, in name order, each to a rule or its error (so that
    /// `rules test` reports every broken file). Duplicate ids are refused.
    public static func loadEach(_ dir: String) throws(RuleLoadError) -> [Result<Rule, RuleLoadError>] {
        guard let names = FileText.list(dir) else {
            throw RuleLoadError(file: dir, field: "(folder)", line: nil, message: "cannot read the rules folder")
        }
        var out: [Result<Rule, RuleLoadError>] = []
        var seen: [String: String] = [:]
        for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            let path = dir.hasSuffix("/") ? dir + name : dir + "/" + name
            do throws(RuleLoadError) {
                let rule = try load(file: path)
                if let other = seen[rule.id] {
                    throw RuleLoadError(file: path, field: "id", line: nil, message: "id '\(rule.id)' is also used by \(other)")
                }
                seen[rule.id] = path
                out.append(.success(rule))
            } catch {
                out.append(.failure(error))
            }
        }
        return out
    }
}

/// Walks the YAML node tree of one file.
struct RuleFileParser {
    let file: String

    func fail(_ field: String, _ node: Node?, _ message: String) -> RuleLoadError {
        RuleLoadError(file: file, field: field, line: node?.mark?.line, message: message)
    }

    /// Most YAML nodes a rule file may hold (shipped rules have a few dozen to a few hundred).
    static let maxNodes = 100_000

    func parse(_ source: String) throws(RuleLoadError) -> Rule {
        if let hit = YAMLAliasScan.first(in: source) {
            throw RuleLoadError(file: file, field: "(syntax)", line: hit.line,
                                message: "YAML \(hit.isAnchor ? "anchor (&)" : "alias (*)") at column \(hit.column): anchors and aliases are not allowed in rule files (nested aliases can expand without bound)")
        }
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: source) else {
                throw fail("(document)", nil, "the file is empty")
            }
            root = node
        } catch let error as RuleLoadError {
            throw error
        } catch let error as YamlError {
            switch error {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
                throw RuleLoadError(file: file, field: "(syntax)", line: mark.line, message: "not valid YAML: \(problem) (column \(mark.column))")
            default:
                let first = "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
                throw fail("(syntax)", nil, "not valid YAML: \(first)")
            }
        } catch {
            throw fail("(syntax)", nil, "not valid YAML: \(error)")
        }
        try checkTree(root)
        guard let top = root.mapping else { throw fail("(document)", root, "expected a mapping of rule fields") }
        for (k, _) in top {
            let key = k.string ?? ""
            if !RuleLoader.topKeys.contains(key) {
                throw fail(key, k, "unknown field; expected one of \(RuleLoader.topKeys.sorted().joined(separator: ", "))")
            }
        }
        let id = try requiredString(top, "id")
        if !RuleFileParser.isValidId(id) {
            throw fail("id", top["id"], "'\(RuleFileParser.excerpt(id))' must be lowercase letters, digits and dashes")
        }
        let base = file.split(separator: "/").last.map(String.init) ?? file
        let stem = base.hasSuffix(".yaml") ? String(base.dropLast(5)) : base.hasSuffix(".yml") ? String(base.dropLast(4)) : base
        if stem != id && !file.isEmpty && base.contains(".") {
            throw fail("id", top["id"], "'\(RuleFileParser.excerpt(id))' must equal the file name (\(stem))")
        }
        let title = try requiredString(top, "title")
        let severityText = try requiredString(top, "severity")
        guard let severity = RuleSeverity(rawValue: severityText) else {
            throw fail("severity", top["severity"], "'\(RuleFileParser.excerpt(severityText))' is not one of info, warning, critical")
        }
        let targetText = try requiredString(top, "appliesTo")
        guard let target = RuleTarget(rawValue: targetText) else {
            throw fail("appliesTo", top["appliesTo"], "'\(RuleFileParser.excerpt(targetText))' is not one of \(RuleTarget.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let whenNode = top["when"] else { throw fail("when", root, "missing") }
        let fields = target.fields
        let condition = try parseCondition(whenNode, path: "when", fields: fields)
        let threshold = try parseThreshold(top["threshold"], target: target)
        let message = try parseTemplate(try requiredString(top, "message"), field: "message", node: top["message"], target: target)
        let advice = try parseTemplate(try requiredString(top, "advice"), field: "advice", node: top["advice"], target: target)
        let examples = try parseExamples(top["examples"], target: target)
        let rule = Rule(id: id, title: title, severity: severity, target: target, condition: condition,
                        message: message, advice: advice, examples: examples, threshold: threshold, file: file)
        try checkExamples(rule, node: top["examples"])
        return rule
    }

    /// Second line of defence behind `YAMLAliasScan`: no node carries an anchor, and the tree is
    /// small. Stops at the first anchor or past `maxNodes`, so an expanded alias is never walked.
    func checkTree(_ root: Node) throws(RuleLoadError) {
        var stack = [root]
        var count = 0
        while let node = stack.popLast() {
            count += 1
            if count > RuleFileParser.maxNodes {
                throw fail("(document)", nil, "more than \(RuleFileParser.maxNodes) YAML nodes")
            }
            if node.anchor != nil {
                throw fail("(syntax)", node, "YAML anchors and aliases are not allowed in rule files")
            }
            switch node {
            case .mapping(let m): for (k, v) in m { stack.append(k); stack.append(v) }
            case .sequence(let s): stack.append(contentsOf: s)
            case .scalar, .alias: break
            }
        }
    }

    /// Longest piece of a value from the file echoed in a message.
    static let excerptLimit = 80

    /// `text`, or its first 80 characters, an ellipsis and its length: an error message never
    /// echoes a whole 1 MiB pattern.
    static func excerpt(_ text: String) -> String {
        guard text.count > excerptLimit else { return text }
        return String(text.prefix(excerptLimit)) + "… (\(text.utf8.count) bytes)"
    }

    static func isValidId(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
    }

    func requiredString(_ m: Node.Mapping, _ key: String) throws(RuleLoadError) -> String {
        guard let node = m[key] else { throw fail(key, nil, "missing") }
        guard let s = node.scalar?.string, !s.isEmpty else { throw fail(key, node, "expected a non-empty text") }
        return s
    }

    func fieldIndex(_ name: String, in fields: [FieldSpec], path: String, node: Node?) throws(RuleLoadError) -> Int {
        guard let i = fields.firstIndex(where: { $0.name == name }) else {
            throw fail(path, node, "unknown field '\(RuleFileParser.excerpt(name))'; known: \(fields.map(\.name).joined(separator: ", "))")
        }
        return i
    }

    func parseCondition(_ node: Node, path: String, fields: [FieldSpec]) throws(RuleLoadError) -> RuleCondition {
        guard let m = node.mapping else { throw fail(path, node, "expected a condition (all, any, not, or field + operator)") }
        let keys = m.keys.compactMap { $0.string }
        if keys.count == 1, let k = keys.first, k == "all" || k == "any" {
            guard let seq = m[k]?.sequence, !seq.isEmpty else { throw fail("\(path).\(k)", m[k], "expected a non-empty list of conditions") }
            var parts: [RuleCondition] = []
            for (i, child) in seq.enumerated() { parts.append(try parseCondition(child, path: "\(path).\(k)[\(i)]", fields: fields)) }
            return k == "all" ? .all(parts) : .any(parts)
        }
        if keys.count == 1, keys.first == "not", let inner = m["not"] {
            return .not(try parseCondition(inner, path: "\(path).not", fields: fields))
        }
        for k in keys where k != "field" && !RuleLoader.operatorKeys.contains(k) {
            throw fail("\(path).\(k)", m[k], "unknown field; a condition is all, any, not, or field with one of \(RuleLoader.operatorKeys.sorted().joined(separator: ", "))")
        }
        guard let fieldNode = m["field"], let name = fieldNode.scalar?.string else {
            throw fail("\(path).field", node, "missing")
        }
        let ops = keys.filter { $0 != "field" }
        guard ops.count == 1, let op = ops.first, let valueNode = m[op] else {
            throw fail(path, node, "expected exactly one operator (\(RuleLoader.operatorKeys.sorted().joined(separator: ", "))), found \(ops.count)")
        }
        let index = try fieldIndex(name, in: fields, path: "\(path).field", node: fieldNode)
        let kind = fields[index].kind
        let opPath = "\(path).\(op)"
        switch op {
        case "matches", "notMatches":
            guard kind == .string || kind == .text else { throw fail(opPath, valueNode, "'\(name)' is a \(kind.rawValue), not text") }
            guard let pattern = valueNode.scalar?.string else { throw fail(opPath, valueNode, "expected a pattern") }
            do {
                return .matches(field: index, regex: try PCRE2Regex(pattern), negate: op == "notMatches")
            } catch {
                throw fail(opPath, valueNode, "pattern '\(RuleFileParser.excerpt(pattern))' does not compile: \(error)")
            }
        case "is":
            guard kind == .bool else { throw fail(opPath, valueNode, "'\(name)' is a \(kind.rawValue), not a bool") }
            guard let b = RuleFileParser.bool(valueNode) else { throw fail(opPath, valueNode, "expected true or false") }
            return .equals(field: index, value: .bool(b))
        case "exists":
            guard let b = RuleFileParser.bool(valueNode) else { throw fail(opPath, valueNode, "expected true or false") }
            return .exists(field: index, present: b)
        default:
            let cmp = CompareOp(rawValue: op)!
            guard kind == .number else { throw fail(opPath, valueNode, "'\(name)' is a \(kind.rawValue), not a number") }
            guard let v = RuleFileParser.number(valueNode) else { throw fail(opPath, valueNode, "expected a number") }
            return .compare(field: index, op: cmp, value: v)
        }
    }

    func parseThreshold(_ node: Node?, target: RuleTarget) throws(RuleLoadError) -> RuleThreshold {
        var t = RuleThreshold()
        guard let node else { return t }
        guard target == .slowOperation || target == .line else {
            throw fail("threshold", node, "only rules on slowOperation or line events take a threshold")
        }
        guard let m = node.mapping else { throw fail("threshold", node, "expected a mapping") }
        for (k, v) in m {
            let key = k.string ?? ""
            guard let n = RuleFileParser.number(v) else { throw fail("threshold.\(key)", v, "expected a number") }
            switch key {
            case "minEvents": t.minEvents = Int64(n)
            case "minTotalMs": t.minTotalMs = Int64(n)
            case "minTimeShare": t.minTimeShare = n
            default: throw fail("threshold.\(key)", k, "unknown field; expected minEvents, minTotalMs, minTimeShare")
            }
        }
        return t
    }

    func parseTemplate(_ text: String, field: String, node: Node?, target: RuleTarget) throws(RuleLoadError) -> RuleTemplate {
        var pieces: [RuleTemplate.Piece] = []
        var literal = ""
        let chars = Array(text)
        var i = 0
        let known = Set(target.templateFields.filter { $0.kind != .text }.map(\.name))
        while i < chars.count {
            let c = chars[i]
            i += 1
            // `{{` and `}}` are literal braces (MongoDB commands in advice).
            if (c == "{" || c == "}") && i < chars.count && chars[i] == c {
                literal.append(c)
                i += 1
                continue
            }
            if c != "{" { literal.append(c); continue }
            var name = ""
            var closed = false
            while i < chars.count {
                let d = chars[i]
                i += 1
                if d == "}" { closed = true; break }
                name.append(d)
            }
            guard closed else { throw fail(field, node, "unclosed '{' in template") }
            var fallback: String? = nil
            if let bar = name.firstIndex(of: "|") {
                fallback = String(name[name.index(after: bar)...])
                name = String(name[..<bar])
            }
            var percent = false
            if name.hasSuffix(":pct") { percent = true; name.removeLast(4) }
            guard known.contains(name) else {
                throw fail(field, node, "unknown placeholder {\(name)}; known: \(known.sorted().joined(separator: ", "))")
            }
            if !literal.isEmpty { pieces.append(.literal(literal)); literal = "" }
            pieces.append(.field(name: name, percent: percent, fallback: fallback))
        }
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        return RuleTemplate(pieces: pieces, source: text)
    }

    func parseExamples(_ node: Node?, target: RuleTarget) throws(RuleLoadError) -> [RuleExample] {
        guard let node else { throw fail("examples", nil, "missing: every rule carries matching and nonMatching examples") }
        guard let m = node.mapping else { throw fail("examples", node, "expected matching and nonMatching lists") }
        var out: [RuleExample] = []
        for (k, _) in m where k.string != "matching" && k.string != "nonMatching" {
            throw fail("examples.\(k.string ?? "")", k, "unknown field; expected matching, nonMatching")
        }
        for key in ["matching", "nonMatching"] {
            guard let seq = m[key]?.sequence, !seq.isEmpty else {
                throw fail("examples.\(key)", m[key] ?? node, "expected a non-empty list")
            }
            for (i, ex) in seq.enumerated() {
                let path = "examples.\(key)[\(i)]"
                if let m = ex.mapping, let logNode = m["log"] {
                    guard m.count == 1, let text = logNode.scalar?.string, !text.isEmpty else {
                        throw fail("\(path).log", logNode, "a log example is only `log:` with the log text")
                    }
                    guard target != .line else { throw fail("\(path).log", logNode, "line rules take the line itself as the example") }
                    var example = RuleExample(values: [:], shouldMatch: key == "matching", path: path)
                    example.log = text
                    out.append(example)
                    continue
                }
                out.append(RuleExample(values: try parseExampleValues(ex, path: path, target: target), shouldMatch: key == "matching", path: path))
            }
        }
        return out
    }

    func parseExampleValues(_ node: Node, path: String, target: RuleTarget) throws(RuleLoadError) -> [Int: FieldValue] {
        let fields = target.fields
        if target == .line, let s = node.scalar?.string { return [0: .string(s)] }
        guard let m = node.mapping else { throw fail(path, node, "expected a mapping of field values") }
        var values: [Int: FieldValue] = [:]
        for (k, v) in m {
            let name = k.string ?? ""
            let index = try fieldIndex(name, in: fields, path: "\(path).\(name)", node: k)
            let valuePath = "\(path).\(name)"
            switch fields[index].kind {
            case .string, .text:
                guard let s = v.scalar?.string else { throw fail(valuePath, v, "expected text") }
                values[index] = .string(s)
            case .number:
                guard let n = RuleFileParser.number(v) else { throw fail(valuePath, v, "expected a number") }
                values[index] = .number(n)
            case .bool:
                guard let b = RuleFileParser.bool(v) else { throw fail(valuePath, v, "expected true or false") }
                values[index] = .bool(b)
            }
        }
        return values
    }

    /// Runs every example through the rule's condition.
    func checkExamples(_ rule: Rule, node: Node?) throws(RuleLoadError) {
        let scratch = RegexScratch()
        for ex in rule.examples {
            let exNode = RuleFileParser.exampleNode(node, path: ex.path)
            let verdict: Verdict
            if let log = ex.log {
                switch LogExample.evaluate(rule, log: log) {
                case .success(let v): verdict = v
                case .failure(let why): throw fail("\(ex.path).log", exNode, why.message)
                }
            } else {
                verdict = RuleEvaluator.evaluate(rule.condition, ExampleReader(values: ex.values), scratch)
            }
            switch verdict {
            case .aborted(let why):
                throw fail(ex.path, exNode, "the condition was aborted (\(why)) on this example")
            case .yes where !ex.shouldMatch:
                throw fail(ex.path, exNode, "listed as nonMatching, but the rule matches it")
            case .no where ex.shouldMatch:
                throw fail(ex.path, exNode, "listed as matching, but the rule does not match it\(ex.log == nil ? explain(rule, ex) : "")")
            default:
                break
            }
        }
    }

    /// Names the first top-level part of an `all` that was false.
    func explain(_ rule: Rule, _ ex: RuleExample) -> String {
        guard case .all(let parts) = rule.condition else { return "" }
        let scratch = RegexScratch()
        for (i, p) in parts.enumerated() where RuleEvaluator.evaluate(p, ExampleReader(values: ex.values), scratch) != .yes {
            return " (when.all[\(i)] is false)"
        }
        return ""
    }

    static func exampleNode(_ examples: Node?, path: String) -> Node? {
        // path is examples.<key>[<i>]
        guard let m = examples?.mapping else { return nil }
        let key = path.hasPrefix("examples.matching") ? "matching" : "nonMatching"
        guard let open = path.firstIndex(of: "["), let i = Int(path[path.index(after: open)..<path.index(before: path.endIndex)]) else { return nil }
        guard let seq = m[key]?.sequence, i < seq.count else { return nil }
        return seq[i]
    }

    static func number(_ node: Node) -> Double? {
        guard let s = node.scalar?.string else { return nil }
        return Double(s.replacingUnderscores())
    }

    static func bool(_ node: Node) -> Bool? {
        switch node.scalar?.string {
        case "true": return true
        case "false": return false
        default: return nil
        }
    }
}

extension String {
    /// `1_000_000` → `1000000` (YAML 1.1 style, handy for thresholds).
    func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
}
