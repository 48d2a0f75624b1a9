import Testing
import Foundation
import BottleneckCore
import BottleneckTestSupport

/// docs/events.sql types every field of the NDJSON event stream, and DuckDB loads the stream into
/// it with those types (a column NULL in a whole file, a ratio of exactly 1).
@Suite struct EventsSQLTests {
    static let fixtures = ["oom-timeline/mongod.log", "oom-timeline/kern.log", "mtools-mongod-2.2.5.log",
                           "replset-roles/db1.log", "hatchet-sample-mongod-6.0.11.log.gz"]

    func ndjson() throws -> String {
        var text = ""
        for f in Self.fixtures + Self.kernelFixtures() {
            let r = try runBottleneck(["analyze", "--format", "ndjson", "--quiet", fixturePath(f)])
            #expect(r.status == 0 || r.status == 2, "\(f): \(r.stderr)")
            text += r.stdout
        }
        return text
    }

    /// Kernel fixtures of every era (memcg kills give usageRatio, including 1.0).
    static func kernelFixtures() -> [String] {
        let dir = fixturePath("oom")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { !$0.hasSuffix(".md") }.sorted().map { "oom/" + $0 }
    }

    func sqlColumns() throws -> Set<String> {
        let sql = try String(contentsOfFile: fixturePath("README.md").replacingOccurrences(of: "Fixtures/logs/README.md", with: "docs/events.sql"),
                             encoding: .utf8)
        let start = try #require(sql.range(of: "CREATE TABLE IF NOT EXISTS events ("))
        let end = try #require(sql.range(of: "-- ---------------------------------------------------------------- ClickHouse"))
        var columns = Set<String>()
        for raw in sql[start.upperBound..<end.lowerBound].split(separator: "\n") {
            let line = raw.split(separator: "--", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            // Columns are `name TYPE` separated by commas; STRUCT(...) holds commas of its own.
            var depth = 0, item = ""
            for ch in line {
                if ch == "(" { depth += 1 } else if ch == ")" { depth -= 1 }
                if ch == ",", depth == 0 { if let n = Self.name(item) { columns.insert(n) }; item = ""; continue }
                item.append(ch)
            }
            if let n = Self.name(item) { columns.insert(n) }
        }
        return columns
    }

    static func name(_ item: String) -> String? {
        let t = item.trimmingCharacters(in: .whitespaces)
        guard let first = t.split(separator: " ").first, !first.isEmpty, !first.hasPrefix(")") else { return nil }
        return first.replacingOccurrences(of: "\"", with: "")
    }

    @Test func everyEventFieldHasATypedColumn() throws {
        let text = try ndjson()
        var keys = Set<String>(), events = Set<String>()
        for line in text.split(separator: "\n") {
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            keys.formUnion(obj.keys)
            events.insert(obj["event"] as? String ?? "")
        }
        #expect(events == ["slowOperation", "oomKill", "oomNoKill", "server"])
        let columns = try sqlColumns()
        #expect(keys.subtracting(columns).isEmpty, "fields without a column: \(keys.subtracting(columns).sorted())")
        #expect(columns.subtracting(keys).isEmpty, "columns no event writes: \(columns.subtracting(keys).sorted())")
        // Ratios and uptimes always read as floating point.
        #expect(!text.contains("\"usageRatio\": 1,") && !text.contains("\"usageRatio\":1,"))
    }

    /// DuckDB (PyPI `duckdb`, installed by `make test`'s deps) loads the stream into the table.
    @Test func duckDBLoadsTheStreamWithItsTypes() throws {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import duckdb"]
        probe.standardError = FileHandle.nullDevice
        try probe.run()
        probe.waitUntilExit()
        if probe.terminationStatus != 0 {
            // `make test` installs duckdb and sets this: there, a missing module is a failure.
            #expect(ProcessInfo.processInfo.environment["BOTTLENECK_REQUIRE_DUCKDB"] == nil, "python3 cannot import duckdb")
            return
        }
        let dir = try makeTempDirectory("events-sql")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let text = try ndjson()
        try text.write(toFile: dir + "/events.ndjson", atomically: true, encoding: .utf8)
        var counts: [String: Int] = [:]
        for line in text.split(separator: "\n") {
            let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            counts[obj?["event"] as? String ?? "", default: 0] += 1
        }
        let sqlPath = fixturePath("README.md").replacingOccurrences(of: "Fixtures/logs/README.md", with: "docs/events.sql")
        let script = """
        import duckdb, json, sys
        sql = open(sys.argv[1]).read()
        ddl = sql[sql.index('CREATE TABLE IF NOT EXISTS events ('):sql.index('-- ---------------------------------------------------------------- ClickHouse')]
        con = duckdb.connect()
        con.execute(ddl)
        con.execute("COPY events FROM '" + sys.argv[2] + "' (FORMAT json)")
        out = {e: n for e, n in con.execute('select event, count(*) from events group by event').fetchall()}
        types = dict(con.execute("select column_name, data_type from information_schema.columns where table_name = 'events'").fetchall())
        ratio = con.execute('select count(*) from events where usageRatio is not null').fetchone()[0]
        print(json.dumps({'counts': out, 'usageRatio': types['usageRatio'], 'ts': types['ts'], 'ratios': ratio}))
        """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, sqlPath, dir + "/events.ndjson"]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(errText)")
        let result = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(errText)")
        #expect(result["counts"] as? [String: Int] == counts)
        #expect(result["usageRatio"] as? String == "DOUBLE")
        #expect(result["ts"] as? String == "TIMESTAMP WITH TIME ZONE")
        #expect((result["ratios"] as? Int ?? 0) > 0, "some kill carries a memcg usage ratio")
    }
}
