import ArgumentParser
import BottleneckCore

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "List the rules, or test every rule against its own examples.",
        subcommands: [List.self, Test.self, Fields.self]
    )

    struct Source: ParsableArguments {
        @Option(name: .customLong("rules"), help: "Also load the rule files of this folder (repeatable); a rule replaces a shipped rule of the same id.")
        var dirs: [String] = []

        @Flag(name: .customLong("no-default-rules"), help: "Do not load the shipped rules.")
        var noDefaultRules = false
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the rules: id, severity, target, title.")
        @OptionGroup var source: Source

        func run() throws {
            let rules = try RuleOptions.load(dirs: source.dirs, defaults: !source.noDefaultRules)
            let idWidth = rules.map(\.id.count).max() ?? 2
            var out = ""
            for r in rules.sorted(by: { $0.id < $1.id }) {
                let id = r.id + String(repeating: " ", count: idWidth - r.id.count)
                let sev = r.severity.rawValue + String(repeating: " ", count: 8 - r.severity.rawValue.count)
                let target = r.target.rawValue + String(repeating: " ", count: 13 - r.target.rawValue.count)
                out += "\(id)  \(sev)  \(target)  \(r.title)\n"
            }
            out += "\(rules.count) rules\n"
            Terminal.writeStdout(out)
        }
    }

    struct Fields: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the fields a rule may test or print, per target.")

        func run() throws {
            var out = ""
            for target in RuleTarget.allCases {
                out += "\(target.rawValue):\n"
                let width = target.templateFields.map(\.name.count).max() ?? 0
                for f in target.fields {
                    out += "  \(f.name)\(String(repeating: " ", count: max(1, width - f.name.count + 2)))\(f.kind.rawValue)  \(f.help)\n"
                }
                let extra = target.templateFields.filter { t in !target.fields.contains { $0.name == t.name } }
                if !extra.isEmpty {
                    out += "  in message and advice only: " + extra.map(\.name).joined(separator: ", ") + "\n"
                }
            }
            Terminal.writeStdout(out)
        }
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load every rule file and check each example: exit 1 if any file is refused.")
        @OptionGroup var source: Source

        func run() throws {
            var dirs: [String] = []
            if !source.noDefaultRules {
                guard let shipped = ShippedRules.directory() else {
                    Terminal.writeStderr("bottleneck: shipped rules not found (set BOTTLENECK_RULES)\n")
                    throw ExitCode(ExitCodes.usage)
                }
                dirs.append(shipped)
            }
            dirs += source.dirs
            var passed = 0, failed = 0, examples = 0
            var out = ""
            for dir in dirs {
                let results: [Result<Rule, RuleLoadError>]
                do { results = try RuleLoader.loadEach(dir) } catch {
                    out += "FAIL \(error)\n"
                    failed += 1
                    continue
                }
                for result in results {
                    switch result {
                    case .success(let rule):
                        passed += 1
                        examples += rule.examples.count
                        let m = rule.examples.filter(\.shouldMatch).count
                        out += "ok   \(rule.file) (\(m) matching, \(rule.examples.count - m) non-matching)\n"
                    case .failure(let error):
                        failed += 1
                        out += "FAIL \(error)\n"
                    }
                }
            }
            out += "\(passed) rules passed (\(examples) examples), \(failed) failed\n"
            Terminal.writeStdout(out)
            if failed > 0 || passed == 0 { throw ExitCode(ExitCodes.usage) }
        }
    }
}

/// Loading rules for `analyze` and `rules`.
enum RuleOptions {
    static func load(dirs: [String], defaults: Bool) throws -> [Rule] {
        do {
            var rules = defaults ? try ShippedRules.load() : []
            for dir in dirs {
                let more = try RuleLoader.loadDirectory(dir)
                if more.isEmpty {
                    throw RuleLoadError(file: dir, field: "(folder)", line: nil, message: "no rule files (*.yaml, *.yml) in this folder")
                }
                rules = RuleSet.merging(rules, with: more)
            }
            return rules
        } catch {
            Terminal.writeStderr("bottleneck: rule refused: \(error)\n")
            throw ExitCode(ExitCodes.usage)
        }
    }
}
