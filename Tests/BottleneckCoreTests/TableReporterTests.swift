import Testing
import BottleneckCore
import Foundation
import BottleneckTestSupport

@Suite struct TableReporterTests {
    func report(shapeText: String) -> Report {
        let r = RunSummary()
        var o = SlowOperation(format: "test", source: SourceLocation(input: 0, line: 1), namespace: "shop.orders", operation: "find",
                              shape: QueryShape.make(namespace: "shop.orders", operation: "find", text: shapeText), durationMillis: 1234)
        o.plan = PlanSummary.parse("COLLSCAN")
        r.shapes.add(o)
        var acct = InputAccounting(path: "mongod.log")
        acct.count(.slowOperation)
        acct.count(.recognized)
        acct.count(.skipped(.blank))
        r.inputs.append(acct)
        return Report(result: r)
    }

    @Test(arguments: [60, 80, 120, 200])
    func linesFitTheTerminalWidthAndLongShapesEndInAnEllipsis(width: Int) {
        let long = "filter {" + (0..<40).map { "field\($0): ?string" }.joined(separator: ", ") + "}"
        var o = ReportOptions()
        o.width = width
        let text = TableReporter().render(report(shapeText: long), options: o)
        let rows = text.split(separator: "\n").map(String.init)
        let shapeRow = rows.first { $0.contains("shop.orders") }!
        #expect(shapeRow.unicodeScalars.count <= width)
        #expect(shapeRow.hasSuffix("…"))
        #expect(!text.contains("\u{1B}["))
    }

    @Test func colourOnlyWhenAsked() {
        var o = ReportOptions()
        o.color = true
        #expect(TableReporter().render(report(shapeText: "filter {a: ?number}"), options: o).contains("\u{1B}[1m"))
    }

    @Test func footerShowsTheAccounting() {
        let text = TableReporter().render(report(shapeText: "filter {a: ?number}"), options: ReportOptions())
        #expect(text.contains("mongod.log [unknown]: 3 lines = 2 recognized (1 slow op) + 1 skipped"))
        #expect(text.contains("blank line 1"))
        #expect(text.contains("1,234"))
    }

    /// At 80 columns the table keeps rank, namespace, op, count, total, p95 and plan (minor
    /// columns go, namespace and plan are shortened first); `COLUMNS` sets the width of a piped
    /// table; `--wide` prints whole shapes; a legend explains the short headers.
    @Test func narrowTablesKeepTheColumnsThatTellRowsApart() throws {
        let log = fixturePath("hatchet-sample-mongod-6.0.11.log.gz")
        let r = try runBottleneck(["analyze", "--quiet", "--no-color", "--top", "5", log], environment: ["COLUMNS": "80"])
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let header = try #require(lines.first { $0.hasPrefix("#  namespace") })
        for column in ["op", "count", "total ms", "p95", "plan", "shape"] { #expect(header.contains(column), "\(column): \(header)") }
        for l in lines.prefix(7) { #expect(l.unicodeScalars.count <= 80, "\(l)") }
        let rows = lines.filter { $0.first?.isNumber == true }.prefix(5)
        #expect(Set(rows.map { $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().joined(separator: " ") }).count == rows.count,
                "rows read differently")
        #expect(r.stdout.contains("ex/ret: documents examined per document returned"))
        let wide = try runBottleneck(["analyze", "--quiet", "--no-color", "--wide", "--top", "60", fixturePath("awslabs-mongod-3.6.17.log")],
                                     environment: ["COLUMNS": "80"])
        #expect(!wide.stdout.split(separator: "\n").filter { $0.first?.isNumber == true }.contains { $0.hasSuffix("…") })
        #expect(wide.stdout.split(separator: "\n").contains { $0.unicodeScalars.count > 200 })
    }
}
