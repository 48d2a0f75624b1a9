import Testing
import BottleneckCore
import BottleneckTestSupport

/// No literal value from a log line may reach a shape or a report: canary values in every place
/// a command can hold one, then a search of the JSON report, the table and the NDJSON events.
@Suite struct ShapeCanaryTests {
    static let canaries = [
        "CANARYSTR", "31415926535", "27182818", "^CANARYRX", "CANARYRX", "c0ffeec0ffeec0ffeec0ffee",
        "2031-07-04", "CANARYB64", "8c0ffee0-0a55-4ec5-9130-4ef7f1837581", "CANARYKEYVAL", "CANARYDEC", "6.02214",
        "CANARYSET", "CANARYPIPE", "CANARYORIG", "CANARYIN",
    ]

    static func line(_ ctx: String, _ type: String, _ ns: String, _ cmd: String, extra: String = "") -> String {
        #"{"t":{"$date":"2024-03-01T10:00:00.000+00:00"},"s":"I",  "c":"COMMAND",  "id":51803,   "ctx":""# + ctx
            + #"","msg":"Slow query","attr":{"type":""# + type + #"","ns":""# + ns + #"","command":"# + cmd + extra
            + #","planSummary":"IXSCAN { a: 1 }","durationMillis":150}}"#
    }

    static let log: String = [
        line("conn1", "command", "d.c", #"{"find":"c","filter":{"s":"CANARYSTR","n":31415926535,"f":27182818.5,"r":{"$regularExpression":{"pattern":"^CANARYRX","options":"i"}},"o":{"$oid":"c0ffeec0ffeec0ffeec0ffee"},"d":{"$date":"2031-07-04T00:00:00Z"},"b":{"$binary":{"base64":"CANARYB64","subType":"00"}},"u":{"$uuid":"8c0ffee0-0a55-4ec5-9130-4ef7f1837581"},"x":{"$regex":"CANARYRX"},"m":{"$numberDecimal":"6.02214"},"i":{"$in":["CANARYIN",31415926535]}},"sort":{"s":-1},"projection":{"s":1},"$db":"d"}"#),
        line("conn1", "command", "d.c", #"{"aggregate":"c","pipeline":[{"$match":{"p":"CANARYPIPE"}},{"$addFields":{"k":"CANARYPIPE"}},{"$limit":31415926535}],"cursor":{},"$db":"d"}"#),
        line("conn1", "command", "d.c", #"{"getMore":{"$numberLong":"31415926535"},"collection":"c","$db":"d"}"#,
             extra: #","originatingCommand":{"find":"c","filter":{"g":"CANARYORIG"}}"#),
        line("conn2", "update", "d.c", #"{"q":{"e":"CANARYSTR"},"u":{"$set":{"v":"CANARYSET","w":{"$numberDecimal":"CANARYDEC"}}},"multi":false,"upsert":false}"#),
        line("conn2", "command", "d.$cmd", #"{"update":"c","ordered":true,"$db":"d"}"#),
        line("conn3", "command", "d.c", #"{"distinct":"c","key":"k","query":{"q":"CANARYKEYVAL"},"$db":"d"}"#),
        line("conn3", "command", "d.c", #"{"count":"c","query":{"q":{"$gt":27182818}},"$db":"d"}"#),
        line("conn3", "command", "d.c", #"{"findAndModify":"c","query":{"q":"CANARYSTR"},"update":{"$set":{"z":"CANARYSET"}},"$db":"d"}"#),
    ].joined(separator: "\n") + "\n"

    @Test(arguments: boundaryReadSizes)
    func noLiteralReachesAnyOutput(readSize: Int) {
        var o = AnalysisOptions()
        o.readSize = readSize
        let a = Analyzer(options: o)
        var ndjson = ""
        a.onEvent = { ndjson += NDJSONEventWriter.line(for: $0, inputPath: "t.log") + "\n" }
        a.analyze(source: MemorySource(Self.log, chunk: readSize), path: "t.log")
        #expect(a.result.inputs[0].slowOps == 8)
        #expect(a.result.shapes.operations == 7) // one folded twin
        let report = Report(result: a.result)
        var opts = ReportOptions()
        opts.width = 400
        let json = JSONReporter().render(report, options: opts)
        let table = TableReporter().render(report, options: opts)
        // the shapes are there (the search is not vacuous) ...
        #expect(json.contains("?regex") && json.contains("?objectId") && json.contains("?binData"))
        #expect(json.contains("CANARY") == false)
        for c in Self.canaries {
            #expect(!json.contains(c), "JSON report leaks \(c)")
            #expect(!table.contains(c), "table leaks \(c)")
            #expect(!ndjson.contains(c), "NDJSON leaks \(c)")
        }
    }
}
