import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// Exit codes (README "Exit codes"): 0 success, 1 usage error or the report could not be written,
/// 2 some input could not be read. A closed pipe on standard output ends the run by SIGPIPE (141).
enum ExitCodes {
    static let success: Int32 = 0
    static let usage: Int32 = 1
    static let outputError: Int32 = 1
    static let inputError: Int32 = 2
    /// `history`, `compare`, `baseline`: a runtime error (store locked or damaged, a side that
    /// cannot be read, a failed write).
    static let runtime: Int32 = 1
    /// `compare` and `baseline`: a usage error or runs that cannot be compared (EX_USAGE).
    static let compareUsage: Int32 = 64
}

@main
struct Bottleneck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bottleneck",
        abstract: "Find where a database fleet loses its time and its memory: MongoDB slow queries and kernel OOM kills.",
        version: "0.1.0",
        subcommands: [AnalyzeCommand.self, MergeCommand.self, TailCommand.self, HistoryCommand.self, CompareCommand.self,
                      BaselineCommand.self, RulesCommand.self],
        defaultSubcommand: AnalyzeCommand.self
    )

    /// ArgumentParser exits 64 on usage errors; we promise 1, except for `compare` and
    /// `baseline`, whose status is a bitmask of gating classes (README "Exit codes") and which
    /// keep 64 for usage errors. An `ExitCode` a command throws is its deliberate status.
    static func main() {
        let usageCode = ["compare", "baseline"].contains(CommandLine.arguments.dropFirst().first ?? "") ? ExitCodes.compareUsage : ExitCodes.usage
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let code as ExitCode where code != .success && code != .validationFailure {
            Glibc.exit(code.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == ExitCode.success || code.rawValue == ExitCodes.inputError {
                exit(withError: error)
            }
            let message = fullMessage(for: error)
            if !message.isEmpty {
                Terminal.writeStderr(message + "\n")
            }
            if code.rawValue == 64 || code == .validationFailure {
                Glibc.exit(usageCode)
            }
            Glibc.exit(code.rawValue == 0 ? 0 : usageCode)
        }
    }
}
