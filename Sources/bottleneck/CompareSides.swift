import ArgumentParser
import BottleneckCore
#if canImport(Glibc)
import Glibc
#endif

/// Turns what the user named into a `CompareSide`: a baseline file, partial reports and logs
/// (analyzed now, together), or a run of the history store (id, label, LABEL~N).
enum CompareSides {
    /// Analysis of logs given as a side: the shape table bounded as `analyze` does by default.
    static func analysisOptions(jobs: Int) -> AnalysisOptions {
        var o = AnalysisOptions()
        o.maxShapes = ShapeBudget.maxShapes(memoryBudgetMiB: ShapeBudget.defaultMiB)
        o.jobs = jobs
        return o
    }

    static func isFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    /// The first bytes of a file (to tell a baseline file from a log or a partial).
    static func prefix(_ path: String) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var b = [UInt8](repeating: 0, count: 512)
        let n = b.withUnsafeMutableBytes { read(fd, $0.baseAddress, 512) }
        return n > 0 ? Array(b[0..<n]) : []
    }

    static func readAll(_ path: String) throws(CompareError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CompareError(.runtime, "\(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, 1 << 16) }
            if n < 0 { throw CompareError(.runtime, "\(path): \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            out += chunk[0..<n]
        }
        return out
    }

    /// `specs`: one run of the store, or one baseline file, or files (logs and partials).
    static func load(_ specs: [String], role: String, store: () throws -> HistoryStore, jobs: Int) throws -> CompareSide {
        precondition(!specs.isEmpty)
        let files = specs.filter(isFile)
        if files.count == specs.count {
            if specs.count == 1, BaselineFile.looksLike(prefix(specs[0])) {
                return try BaselineFile.decode(try readAll(specs[0]), path: specs[0])
            }
            if let b = specs.first(where: { BaselineFile.looksLike(prefix($0)) }) {
                throw CompareError(.usage, "\(b): a baseline file stands alone as the \(role); it cannot be combined with other inputs")
            }
            let analyzer = Analyzer(options: analysisOptions(jobs: jobs))
            analyzer.analyze(paths: specs)
            let s = analyzer.result
            for i in s.inputs where i.error != nil {
                throw CompareError(.runtime, "\(role): \(i.error!)")
            }
            let name = specs.count == 1 ? specs[0] : "\(specs[0]) and \(specs.count - 1) more"
            return CompareSide(summary: s, name: name)
        }
        guard specs.count == 1 else {
            let missing = specs.filter { !isFile($0) }
            throw CompareError(.usage, "\(role): no such file: \(missing.joined(separator: ", ")) (a run of the history store is named alone)")
        }
        let st: HistoryStore
        do { st = try store() } catch let e as CompareError {
            throw CompareError(e.kind, "\(role) '\(specs[0])': no such file, and \(e.description)")
        }
        do {
            let run = try st.resolve(specs[0])
            let summary = try st.summary(of: run.id)
            return CompareSide(summary: summary, name: "run \(run.id)" + (run.label.map { " '\($0)'" } ?? ""), runId: run.id)
        } catch {
            if error.kind == .notFound {
                throw CompareError(.usage, "\(role) '\(specs[0])': no such file, and \(error.description)")
            }
            throw CompareError(.runtime, error.description)
        }
    }
}
