import Testing
import Foundation
import BottleneckTestSupport

/// Golden files: the JSON report and the table of every log under `Fixtures/logs`, produced by the
/// real `bottleneck analyze` binary and compared byte for byte with `Fixtures/golden/<path>.json`
/// and `Fixtures/golden/<path>.table.txt`. Any change in output (a count, a shape id, a column)
/// shows as a diff to review. `make goldens` re-records them (`BOTTLENECK_RECORD_GOLDENS=1`);
/// read `git diff Fixtures/golden` before committing.
///
/// Which files are logs: every regular file under `Fixtures/logs`, recursively (so `oom/`,
/// `oom-timeline/`, `gzip/` are included, gzip and JSON-lines inputs too), except Markdown files
/// (`README.md` describes the fixtures) and dot files. The broken gzip inputs are included on
/// purpose: their report (with the input's `error`) is output too. `oom-timeline/` is also run
/// as one two-input case, because the timeline exists only when both of its files are read
/// together.
///
/// What is pinned so the output does not depend on the machine or the caller:
/// - The binary runs in the repository root with paths relative to it (`Fixtures/logs/...`), so
///   the `path` fields and the table's file names are the same in every checkout.
/// - `--year 2024`: legacy ctime stamps and syslog kernel stamps carry no year, and without
///   `--year` it comes from each file's modification time, which git sets to the checkout time.
///   Stamps that carry a year ignore `--year`.
/// - `--jobs 1` (the default is the core count; the report is meant to be the same for any
///   value, but the golden should not rest on that), `-q` (no progress bar).
/// - Table: `--no-color`, and standard output is a pipe, whose width is `COLUMNS` (set to 160
///   here, so a COLUMNS of the caller's environment cannot change the goldens).
/// - `BOTTLENECK_RULES` points at this checkout's `rules/`, so a rules folder set by the caller
///   does not change the findings.
/// - No `--boot-time`: uptime-only kernel stamps stay uptimes (nothing is read from /proc).
@Suite struct GoldenTests {
    static let recording = ProcessInfo.processInfo.environment["BOTTLENECK_RECORD_GOLDENS"] == "1"

    /// The repository root, found from the fixtures' location.
    static let root: String = {
        let logs = fixturePath("")
        return String(logs.dropLast("Fixtures/logs/".count))
    }()

    static let logsDir = "Fixtures/logs"
    static let goldenDir = "Fixtures/golden"
    static let fixedYear = "2024"

    static let cases: [GoldenCase] = {
        let base = root + logsDir
        var out: [GoldenCase] = []
        let fm = FileManager.default
        guard let walker = fm.enumerator(atPath: base) else { return [] }
        while let rel = walker.nextObject() as? String {
            let name = (rel as NSString).lastPathComponent
            if name.hasPrefix(".") || name.lowercased().hasSuffix(".md") { continue }
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: base + "/" + rel, isDirectory: &isDir), !isDir.boolValue else { continue }
            out.append(GoldenCase(name: rel, inputs: [logsDir + "/" + rel]))
        }
        out.append(GoldenCase(name: "oom-timeline/combined",
                              inputs: [logsDir + "/oom-timeline/kern.log", logsDir + "/oom-timeline/mongod.log"]))
        return out.sorted { $0.name < $1.name }
    }()

    static func goldenPaths() -> Set<String> {
        var s = Set<String>()
        for c in cases {
            for kind in GoldenKind.allCases { s.insert(c.goldenPath(kind)) }
        }
        return s
    }

    @Test func everyLogHasACase() {
        // The walk found the fixtures (a wrong root would give an empty, trivially passing suite).
        #expect(Self.cases.count > 40)
        #expect(Self.cases.contains { $0.name == "hatchet-sample-mongod-6.0.11.log.gz" })
        #expect(Self.cases.contains { $0.name == "oom/local-linux-6.18-dmesg-json.json" })
        #expect(Self.cases.contains { $0.name == "gzip/corrupt.log.gz" })
        #expect(!Self.cases.contains { $0.name.hasSuffix("README.md") })
    }

    @Test(arguments: cases, GoldenKind.allCases)
    func matchesGolden(_ c: GoldenCase, kind: GoldenKind) throws {
        let r = try runBottleneck(["analyze"] + kind.options + ["--year", Self.fixedYear] + c.inputs,
                                  environment: ["COLUMNS": "160", "BOTTLENECK_RULES": Self.root + "rules"],
                                  currentDirectory: Self.root)
        // 2 = an input could not be read to its end (the broken gzip fixtures); the report is still written.
        #expect(r.status == 0 || r.status == 2, "\(c.name): exit \(r.status): \(r.stderr)")
        #expect(!r.stdout.isEmpty, "\(c.name): empty report")
        let actual = Array(r.stdout.utf8)
        let path = Self.root + c.goldenPath(kind)
        if Self.recording {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try Data(actual).write(to: URL(fileURLWithPath: path), options: .atomic)
            return
        }
        guard let expected = FileManager.default.contents(atPath: path) else {
            Issue.record("missing golden \(c.goldenPath(kind)); run `make goldens` and read the diff")
            return
        }
        if Array(expected) != actual {
            Issue.record("""
                output differs from \(c.goldenPath(kind)) (re-record with `make goldens`, then read the diff):
                \(goldenDiff(expected: String(decoding: expected, as: UTF8.self), actual: r.stdout))
                """)
        }
    }

    /// Golden files whose log is gone are removed when recording, and fail the suite otherwise.
    @Test func noOrphanGoldens() throws {
        let fm = FileManager.default
        let expected = Self.goldenPaths()
        guard let walker = fm.enumerator(atPath: Self.root + Self.goldenDir) else { return }
        var orphans: [String] = []
        while let rel = walker.nextObject() as? String {
            let full = Self.goldenDir + "/" + rel
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: Self.root + full, isDirectory: &isDir), !isDir.boolValue,
                  full != Self.goldenDir + "/README.md" else { continue }
            if !expected.contains(full) { orphans.append(full) }
        }
        if Self.recording {
            for o in orphans { try fm.removeItem(atPath: Self.root + o) }
        } else {
            #expect(orphans.isEmpty, "golden files without a log: \(orphans.sorted())")
        }
    }
}

enum GoldenKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case json, table

    var options: [String] {
        switch self {
        case .json: ["--format", "json", "--jobs", "1", "-q"]
        case .table: ["--format", "table", "--jobs", "1", "-q", "--no-color"]
        }
    }

    var suffix: String { self == .json ? ".json" : ".table.txt" }
    var testDescription: String { rawValue }
}

struct GoldenCase: Sendable, CustomTestStringConvertible {
    /// Path under Fixtures/logs (or a name for a multi-input case).
    var name: String
    /// Input paths relative to the repository root.
    var inputs: [String]

    func goldenPath(_ kind: GoldenKind) -> String { GoldenTests.goldenDir + "/" + name + kind.suffix }
    var testDescription: String { name }
}

/// A short line diff: the lines between the common head and the common tail of the two texts
/// (at most 8 of each side), with two lines of context before.
func goldenDiff(expected: String, actual: String) -> String {
    let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
    var i = 0
    while i < e.count, i < a.count, e[i] == a[i] { i += 1 }
    var tail = 0
    while tail < e.count - i, tail < a.count - i, e[e.count - 1 - tail] == a[a.count - 1 - tail] { tail += 1 }
    var out = "first difference at line \(i + 1) (golden \(e.count) lines, output \(a.count) lines)\n"
    for j in max(0, i - 2)..<i { out += "  \(e[j])\n" }
    let eEnd = e.count - tail, aEnd = a.count - tail
    for j in i..<min(eEnd, i + 8) { out += "- \(e[j])\n" }
    if eEnd - i > 8 { out += "- … \(eEnd - i - 8) more\n" }
    for j in i..<min(aEnd, i + 8) { out += "+ \(a[j])\n" }
    if aEnd - i > 8 { out += "+ … \(aEnd - i - 8) more\n" }
    return out
}
