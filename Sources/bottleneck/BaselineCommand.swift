import ArgumentParser
import BottleneckCore
#if canImport(Glibc)
import Glibc
#endif

struct BaselineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Write a baseline file to commit (save), or rewrite it after review (accept); compare reads it as a side.",
        discussion: """
        A baseline file is small, sorted and stable JSON (docs/compare.md): saving the same run \
        twice gives the same bytes, and a pull request shows what changed. `accept` prints the \
        compare of the old baseline with the new run before replacing it, and keeps the \
        file's name. Exit status: 0; 1 a runtime error; 64 a usage error.
        """,
        subcommands: [Save.self, Accept.self]
    )

    struct Save: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "save", abstract: "Write FILE from a run, partials or logs.")
        @Argument(help: "The baseline file to write.")
        var file: String
        @Argument(help: "The run: a run of the history store, partial reports or log files.")
        var inputs: [String]
        @OptionGroup var store: StoreOptions
        @Flag(help: "Replace FILE if it exists (accept does this after showing the changes).")
        var force = false
        @Option(parsing: .unconditional, help: "Worker threads for logs analyzed on the fly.")
        var jobs: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

        func validate() throws {
            if inputs.isEmpty { throw ValidationError("name the run to save: a run id or label, partials or logs") }
            if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        }

        func run() throws {
            if CompareSides.isFile(file) && !force {
                Terminal.writeStderr("bottleneck: \(file) exists; `bottleneck baseline accept \(file) …` shows what changes and replaces it (or give --force)\n")
                throw ExitCode(ExitCodes.compareUsage)
            }
            try BaselineCommand.write(file: file, inputs: inputs, store: store, jobs: jobs)
        }
    }

    struct Accept: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "accept", abstract: "Show what changed against FILE, then replace FILE with the new run.")
        @Argument(help: "The baseline file to rewrite.")
        var file: String
        @Argument(help: "The new run: a run of the history store, partial reports or log files.")
        var inputs: [String]
        @OptionGroup var store: StoreOptions
        @OptionGroup var out: CompareOutputOptions
        @Option(parsing: .unconditional, help: "Worker threads for logs analyzed on the fly.")
        var jobs: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

        func validate() throws {
            if inputs.isEmpty { throw ValidationError("name the new run: a run id or label, partials or logs") }
            if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        }

        func run() throws {
            guard CompareSides.isFile(file) else {
                Terminal.writeStderr("bottleneck: \(file): no baseline to accept over (write one with `bottleneck baseline save`)\n")
                throw ExitCode(ExitCodes.compareUsage)
            }
            let sink: OutputSink
            do { sink = try OutputSink(path: out.output, force: out.force) } catch let e as OutputError {
                Terminal.writeStderr(e.description + "\n")
                throw ExitCode(ExitCodes.runtime)
            }
            let comparison = try CompareCommand.compare(baseline: [file], current: inputs, store: store, config: try out.loadConfig(), jobs: jobs)
            try out.render(comparison, to: sink)
            try BaselineCommand.write(file: file, side: comparison.current)
        }
    }

    static func write(file: String, inputs: [String], store: StoreOptions, jobs: Int) throws {
        let opener = StoreOpener(path: store.path)
        let side: CompareSide
        do { side = try CompareSides.load(inputs, role: "run", store: { try opener.open() }, jobs: jobs) } catch let e as CompareError {
            Terminal.writeStderr("bottleneck: \(e)\n")
            throw ExitCode(e.kind == .runtime ? ExitCodes.runtime : ExitCodes.compareUsage)
        }
        try write(file: file, side: side)
    }

    /// The name kept in the file is the input's base name (a committed file holds no absolute path).
    static func write(file: String, side: CompareSide) throws {
        var s = side
        if let slash = s.name.lastIndex(of: "/") { s.name = String(s.name[s.name.index(after: slash)...]) }
        let sink: OutputSink
        do {
            sink = try OutputSink(path: file, force: true)
            sink.write(BaselineFile.encode(s))
            try sink.commit()
        } catch let e as OutputError {
            Terminal.writeStderr(e.description + "\n")
            throw ExitCode(ExitCodes.runtime)
        }
        Terminal.writeStderr("bottleneck: wrote baseline \(file): \(s.shapes.count) shapes, \(s.operations) operations\n")
    }
}
