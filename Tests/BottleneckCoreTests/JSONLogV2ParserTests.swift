#if canImport(Glibc)
import Glibc
#endif
import Testing
import BottleneckCore
import BottleneckTestSupport

/// Reads a fixture's bytes (empty when it cannot be read, which the tests then notice).
func fixtureBytes(_ name: String) -> [UInt8] {
    (try? readFileBytes(fixturePath(name))) ?? []
}

/// Runs bytes through an analyzer at `readSize` and returns the kept slow operations.
func slowOps(_ bytes: [UInt8], readSize: Int) -> (ops: [SlowOperation], result: RunSummary) {
    var o = AnalysisOptions()
    o.readSize = readSize
    let a = Analyzer(options: o)
    var ops: [SlowOperation] = []
    a.onEvent = { if case .slowOperation(let op) = $0 { ops.append(op) } }
    a.analyze(source: MemorySource(bytes, chunk: readSize), path: "t.log")
    return (ops, a.result)
}

/// Field extraction on real-shaped lines of 4.4, 5.0, 6.0, 7.0 and 8.0
/// (Fixtures/logs/logv2-versions.log; see its README row). Every expected value was read off
/// the fixture line by hand.
@Suite struct JSONLogV2ParserTests {
    static let fixture = fixtureBytes("logv2-versions.log")

    static func byLine(_ readSize: Int) -> [Int: SlowOperation] {
        var m: [Int: SlowOperation] = [:]
        for op in slowOps(fixture, readSize: readSize).ops { m[op.source.line] = op }
        return m
    }

    @Test(arguments: boundaryReadSizes)
    func accounting(readSize: Int) {
        let (ops, result) = slowOps(Self.fixture, readSize: readSize)
        let input = result.inputs[0]
        #expect(input.lines == 15)
        #expect(input.balanced)
        #expect(input.slowOps == 13)            // lines 2-13 and 15
        #expect(input.recognized == 14)         // + the non-slow line 1
        #expect(input.skipped == [.malformedJSON: 1]) // line 14 is cut
        #expect(result.foldedWriteTwins == 1)   // line 5 is line 4's batch twin
        #expect(ops.count == 12)
        #expect(input.format == "logv2")
    }

    @Test(arguments: boundaryReadSizes)
    func mongos44(readSize: Int) throws {
        let op = try #require(Self.byLine(readSize)[2])
        #expect(op.timestamp == Timestamp.parseISO8601("2024-04-29T10:04:28.239Z"))
        #expect(op.severity == "I")
        #expect(op.component == "COMMAND")
        #expect(op.context == "conn15148443")
        #expect(op.connectionId == 15_148_443)
        #expect(op.type == "query")
        #expect(op.namespace == "game.tradesellorders")
        #expect(op.operation == "find")
        #expect(op.commandName == "find")
        #expect(op.shape.text == "filter {aid: ?objectId}")
        #expect(op.plan == nil)
        #expect(op.nreturned == 0)
        #expect(op.reslen == 249)
        #expect(op.numYields == 0)
        #expect(op.durationMillis == 105)
        #expect(op.keysExamined == nil)
        #expect(op.lockWaitMicros == nil)
    }

    @Test(arguments: boundaryReadSizes)
    func aggregate50(readSize: Int) throws {
        let op = try #require(Self.byLine(readSize)[3])
        #expect(op.timestamp == Timestamp.parseISO8601("2022-03-14T08:12:44.101Z"))
        #expect(op.operation == "aggregate")
        #expect(op.namespace == "shop.orders")
        #expect(op.shape.text == "pipeline [{$match: {createdAt: {$gte: ?date}, status: ?string}}, {$sort: {createdAt: -1}}, {$group: {_id: ?string, total: {$sum: ?string}}}]")
        #expect(op.plan?.kind == "IXSCAN")
        #expect(op.plan?.index == "{ status: 1, createdAt: -1 }")
        #expect(op.keysExamined == 5120)
        #expect(op.docsExamined == 5120)
        #expect(op.hasSortStage == true)
        #expect(op.usedDisk == true)
        #expect(op.numYields == 41)
        #expect(op.nreturned == 87)
        #expect(op.queryHash == "5F1A2B3C")
        #expect(op.planCacheKey == "9D8E7F60")
        #expect(op.reslen == 9876)
        #expect(op.lockWaitMicros == 180)       // 150 + 25 + 5
        #expect(op.storageBytesRead == 5_368_709_120) // $numberLong
        #expect(op.storageTimeReadingMicros == 812_345)
        #expect(op.appName == "orders-api")
        #expect(op.remote == "10.0.4.17:51234")
        #expect(op.protocol == "op_msg")
        #expect(op.durationMillis == 1432)
    }

    @Test(arguments: boundaryReadSizes)
    func updateStatement60(readSize: Int) throws {
        let op = try #require(Self.byLine(readSize)[4])
        #expect(op.timestamp == Timestamp.parseISO8601("2023-09-23T20:25:13.420Z"))
        #expect(op.component == "WRITE")
        #expect(op.type == "update")
        #expect(op.isWriteStatement)
        #expect(op.operation == "update")
        #expect(op.commandName == nil)
        #expect(op.namespace == "testdb.dealers")
        #expect(op.shape.text == "filter {_id: ?string} update {$set: {name: ?string}}")
        #expect(op.plan?.kind == "IDHACK")
        #expect(op.plan?.index == nil)
        #expect(op.keysExamined == 1)
        #expect(op.docsExamined == 1)
        #expect(op.nMatched == 1)
        #expect(op.nModified == 0)
        #expect(op.lockWaitMicros == 0)
        #expect(op.storageBytesRead == 630)
        #expect(op.storageTimeReadingMicros == 21)
        #expect(op.appName == "Keyhole Lib")
        #expect(op.durationMillis == 11)
        // its twin (line 5, testdb.$cmd update dealers) is folded away
        #expect(Self.byLine(readSize)[5] == nil)
    }

    @Test(arguments: boundaryReadSizes)
    func find60(readSize: Int) throws {
        let ops = Self.byLine(readSize)
        let find = try #require(ops[6])
        #expect(find.shape.text == "filter {color: ?string} sort {brand: -1} projection {_id: 0, color: 1, brand: ?number}")
        #expect(find.plan?.label == "IXSCAN { color: 1, brand: 1 }")
        #expect(find.fromMultiPlanner == true)
        #expect(find.keysExamined == 101)
        #expect(find.nreturned == 101)
        #expect(find.queryHash == "7C953B42")
        #expect(find.queryFramework == "classic")
        let distinct = try #require(ops[7])
        #expect(distinct.operation == "distinct")
        #expect(distinct.shape.text == "filter {} key color")
        #expect(distinct.plan?.kind == "DISTINCT_SCAN")
        let error = try #require(ops[8])
        #expect(error.namespace == "admin.$cmd")   // hello: 1 names no collection
        #expect(error.operation == "hello")
        #expect(error.shape.text == "")
        #expect(error.errName == "ClientDisconnect")
        #expect(error.errCode == 279)
        #expect(error.lockWaitMicros == 0)
    }

    @Test(arguments: boundaryReadSizes)
    func findAndModifyAndGetMore70(readSize: Int) throws {
        let ops = Self.byLine(readSize)
        let fam = try #require(ops[9])
        #expect(fam.operation == "findAndModify")
        #expect(fam.commandName == "findandmodify")
        #expect(fam.timestamp == Timestamp.parseISO8601("2023-11-02T22:05:17.880Z"))
        #expect(fam.shape.text == "filter {runAt: {$lte: ?date}, state: ?string} sort {priority: -1, runAt: 1} update {$set: {owner: ?string, state: ?string}}")
        #expect(fam.replanned == true)
        #expect(fam.fromMultiPlanner == true)
        #expect(fam.writeConflicts == 2)
        #expect(fam.planningTimeMicros == 412)
        #expect(fam.planCacheKey == "E2A8B644")
        let gm = try #require(ops[10])
        #expect(gm.operation == "getMore")
        #expect(gm.namespace == "jobs.queue")
        // attributed to the originating find's shape
        #expect(gm.shape.text == "filter {owner: {$in: ?array<?string>}, state: ?string} sort {_id: 1} projection {payload: 0}")
        #expect(gm.lockWaitMicros == 3_000_000_000)
        #expect(gm.docsExamined == 250_000)
        #expect(gm.hasSortStage == true)
        #expect(gm.queryFramework == "sbe")
        #expect(gm.durationMillis == 4012)
    }

    @Test(arguments: boundaryReadSizes)
    func version80(readSize: Int) throws {
        let ops = Self.byLine(readSize)
        let find = try #require(ops[11])
        #expect(find.shape.text == "filter {certificate_number: {$gt: ?number}, date: ?string}")
        #expect(find.queryShapeHash == "ABAE6246269760CB0A01751467B9AAFF9F956E959F29CF442DB25AD8645B2BAD")
        #expect(find.planCacheShapeHash == "A73FB2F1")
        #expect(find.queryHash == "A73FB2F1")
        #expect(find.cpuNanos == 31_211_954)
        #expect(find.workingMillis == 259)
        #expect(find.planningTimeMicros == 13_254)
        #expect(find.storageBytesRead == 22_840_811)
        #expect(find.durationMillis == 295)
        let build = try #require(ops[12])
        #expect(build.type == "none")
        #expect(build.operation == "createIndexes")
        #expect(build.component == "STORAGE")
        #expect(build.connectionId == nil)
        #expect(build.context == "IndexBuildsCoordinatorMongod-0")
        #expect(build.numYields == 1162)
        let cut = try #require(ops[13])
        #expect(cut.truncated)
        #expect(cut.shape.isTruncated)
        #expect(cut.shape.text == "<truncated>")   // not the {$match: {}} left in the line
        #expect(cut.operation == "aggregate")
        #expect(cut.durationMillis == 96)
    }

    @Test(arguments: boundaryReadSizes)
    func fieldOrderDoesNotMatter(readSize: Int) throws {
        let op = try #require(Self.byLine(readSize)[15])
        #expect(op.operation == "count")
        #expect(op.shape.text == "filter {a: {$exists: ?bool}}")
        #expect(op.plan?.kind == "COUNT_SCAN")
        #expect(op.timestamp == Timestamp.parseISO8601("2024-01-01T00:00:00Z"))
        #expect(op.durationMillis == 150)
    }

    @Test(arguments: boundaryReadSizes)
    func otherLinesAndGarbage(readSize: Int) {
        let text = """
        {"t":{"$date":"2023-09-23T16:24:35.769-04:00"},"s":"I",  "c":"CONTROL",  "id":5945603, "ctx":"thread1","msg":"Multi threading initialized"}
        {"t":{"$date":"2023-09-23T16:24:35.769-04:00"},"s":"I",  "c":"CONTROL",  "id":51803, "ctx":"thread1","msg":"Slow query","attr":{"ns":"a.b","durationMillis":
        {"t":{"$date":"2023-09-23T16:24:35.769-04:00"},"s":"I",  "c":"CONTROL",  "id":51803, "ctx":"thread1","msg":"Slow query","attr":[1,2}}
        {"not json at all
        plain text line
        {"t":{"$date":"2023-09-23T16:24:35.769-04:00"},"s":"I","c":"COMMAND","id":51803,"ctx":"conn1","msg":"Slow query","attr":{"type":"command","ns":"a.b","command":{"find":"b","filter":{"x":"a\\"}"}},"durationMillis":7}}

        """
        let r = analyzeText(text, readSize: readSize)
        let i = r.inputs[0]
        #expect(i.lines == 6)
        #expect(i.balanced)
        #expect(i.slowOps == 1)
        #expect(i.recognized == 2)
        #expect(i.skipped[.malformedJSON] == 3)
        #expect(i.skipped[.unrecognized] == 1)
        #expect(r.shapes.aggregates.first?.shape.text == "filter {x: ?string}")
    }

    /// `$date` forms: offset with a colon (mongod's default), `Z` (iso8601-utc), an offset without
    /// a colon, microseconds, and canonical `{"$numberLong": millis}`; all to the same UTC instant.
    @Test(arguments: boundaryReadSizes)
    func dateForms(readSize: Int) {
        let forms = [
            #""2024-03-01T05:30:00.250-04:30""#, #""2024-03-01T10:00:00.250Z""#, #""2024-03-01T11:00:00.250+0100""#,
            #""2024-03-01T10:00:00.250999+00:00""#, #"{"$numberLong":"1709287200250"}"#,
        ]
        let text = forms.map {
            #"{"t":{"$date":"# + $0 + #"},"s":"I","c":"COMMAND","id":51803,"ctx":"conn1","msg":"Slow query","attr":{"type":"command","ns":"d.c","command":{"find":"c"},"durationMillis":5}}"#
        }.joined(separator: "\n") + "\n"
        let ops = slowOps(Array(text.utf8), readSize: readSize).ops
        #expect(ops.count == forms.count)
        let want = Timestamp.parseISO8601("2024-03-01T10:00:00.250Z")
        #expect(want?.millis == 1_709_287_200_250)
        for op in ops { #expect(op.timestamp == want, "line \(op.source.line)") }
    }
}
