import Testing
import BottleneckCore

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
}
