import Testing
import BottleneckCore
import BottleneckTestSupport

/// The same operation logged in text by a 3.6/4.0 server and in JSON by a 6.0 server gets the same
/// shape text and shape id. Legacy lines are from awslabs-mongod-3.6.17.log (shortened: lsid and
/// $clusterTime removed) or retyped in its form; each JSON twin is the same command retyped in the
/// 6.0 layout of reference/mongodb-logs.md §4 (Extended JSON for ObjectId, Date, ...).
@Suite struct CrossFormatShapeTests {
    static let pairs: [(name: String, legacy: String, json: String)] = [
        ("find with sort and projection",
         #"2020-11-10T13:33:12.427-0600 I COMMAND  [conn2] command social.people appName: "MongoDB Shell" command: find { find: "people", filter: { lname: "Idziorek" }, sort: { fname: -1.0 }, projection: { fname: 1.0, _id: 0.0 }, $db: "social" } planSummary: COLLSCAN keysExamined:0 docsExamined:106 cursorExhausted:1 numYields:0 nreturned:2 reslen:300 locks:{ Global: { acquireCount: { r: 1 } } } protocol:op_msg 120ms"#,
         #"{"t":{"$date":"2023-09-23T16:25:13.420-04:00"},"s":"I",  "c":"COMMAND",  "id":51803,   "ctx":"conn22","msg":"Slow query","attr":{"type":"command","ns":"social.people","appName":"MongoDB Shell","command":{"find":"people","filter":{"lname":"Idziorek"},"sort":{"fname":-1},"projection":{"fname":1,"_id":0},"$db":"social"},"planSummary":"COLLSCAN","keysExamined":0,"docsExamined":106,"cursorExhausted":true,"numYields":0,"nreturned":2,"reslen":300,"locks":{"Global":{"acquireCount":{"r":1}}},"protocol":"op_msg","durationMillis":120}}"#),
        ("count",
         #"2020-11-10T13:33:12.356-0600 I COMMAND  [conn2] command social.people appName: "MongoDB Shell" command: count { count: "people", query: { lname: "Idziorek" }, fields: {}, $db: "social" } planSummary: COLLSCAN keysExamined:0 docsExamined:106 numYields:0 reslen:154 locks:{} protocol:op_msg 101ms"#,
         #"{"t":{"$date":"2023-09-23T16:25:14.000-04:00"},"s":"I",  "c":"COMMAND",  "id":51803,   "ctx":"conn22","msg":"Slow query","attr":{"type":"command","ns":"social.people","command":{"count":"people","query":{"lname":"Idziorek"},"fields":{},"$db":"social"},"planSummary":"COLLSCAN","keysExamined":0,"docsExamined":106,"numYields":0,"reslen":154,"locks":{},"protocol":"op_msg","durationMillis":101}}"#),
        ("aggregate pipeline",
         #"2020-11-10T13:33:12.473-0600 I COMMAND  [conn2] command social.people appName: "MongoDB Shell" command: aggregate { aggregate: "people", pipeline: [ { $match: { fname: "Cale" } }, { $group: { _id: "rating", total_rating: { $sum: "$rating" } } }, { $sort: { total_rating: -1.0 } } ], cursor: {}, $db: "social" } planSummary: COLLSCAN keysExamined:0 docsExamined:103 cursorExhausted:1 numYields:0 nreturned:1 reslen:257 locks:{} protocol:op_msg 130ms"#,
         #"{"t":{"$date":"2023-09-23T16:25:15.000-04:00"},"s":"I",  "c":"COMMAND",  "id":51803,   "ctx":"conn22","msg":"Slow query","attr":{"type":"command","ns":"social.people","command":{"aggregate":"people","pipeline":[{"$match":{"fname":"Cale"}},{"$group":{"_id":"rating","total_rating":{"$sum":"$rating"}}},{"$sort":{"total_rating":-1}}],"cursor":{},"$db":"social"},"planSummary":"COLLSCAN","keysExamined":0,"docsExamined":103,"cursorExhausted":true,"numYields":0,"nreturned":1,"reslen":257,"locks":{},"protocol":"op_msg","durationMillis":130}}"#),
        ("update statement",
         #"2020-11-10T13:33:12.438-0600 I WRITE    [conn2] update social.people appName: "MongoDB Shell" command: { q: { fname: "Shyam" }, u: { $set: { is_active: true } }, multi: false, upsert: false } planSummary: COLLSCAN keysExamined:0 docsExamined:1 nMatched:1 nModified:1 numYields:0 locks:{} 101ms"#,
         #"{"t":{"$date":"2023-09-23T16:25:16.000-04:00"},"s":"I",  "c":"WRITE",    "id":51803,   "ctx":"conn22","msg":"Slow query","attr":{"type":"update","ns":"social.people","appName":"MongoDB Shell","command":{"q":{"fname":"Shyam"},"u":{"$set":{"is_active":true}},"multi":false,"upsert":false},"planSummary":"COLLSCAN","keysExamined":0,"docsExamined":1,"nMatched":1,"nModified":1,"numYields":0,"locks":{},"durationMillis":101}}"#),
        ("remove statement",
         #"2020-11-10T13:33:12.454-0600 I WRITE    [conn2] remove social.people appName: "MongoDB Shell" command: { q: { fname: "Shyam" }, limit: 1 } planSummary: COLLSCAN keysExamined:0 docsExamined:1 ndeleted:1 keysDeleted:1 numYields:0 locks:{} 100ms"#,
         #"{"t":{"$date":"2023-09-23T16:25:17.000-04:00"},"s":"I",  "c":"WRITE",    "id":51803,   "ctx":"conn22","msg":"Slow query","attr":{"type":"remove","ns":"social.people","appName":"MongoDB Shell","command":{"q":{"fname":"Shyam"},"limit":1},"planSummary":"COLLSCAN","keysExamined":0,"docsExamined":1,"ndeleted":1,"keysDeleted":1,"numYields":0,"locks":{},"durationMillis":100}}"#),
        ("findandmodify, lower-case in text",
         #"2019-06-18T12:02:00.506+0100 I COMMAND  [conn7] command shop.orders command: findandmodify { findandmodify: "orders", query: { _id: ObjectId('5836a370dd42ce3bf562ebe9'), status: "A" }, sort: { ts: 1.0 }, update: { $set: { status: "B" }, $inc: { n: 1.0 } }, new: true, $db: "shop" } planSummary: IXSCAN { _id: 1 } keysExamined:1 docsExamined:1 nMatched:1 nModified:1 numYields:0 reslen:300 locks:{} protocol:op_msg 150ms"#,
         #"{"t":{"$date":"2023-09-23T16:25:18.000-04:00"},"s":"I",  "c":"COMMAND",  "id":51803,   "ctx":"conn7","msg":"Slow query","attr":{"type":"command","ns":"shop.orders","command":{"findAndModify":"orders","query":{"_id":{"$oid":"5836a370dd42ce3bf562ebe9"},"status":"A"},"sort":{"ts":1},"update":{"$set":{"status":"B"},"$inc":{"n":1}},"new":true,"$db":"shop"},"planSummary":"IXSCAN { _id: 1 }","keysExamined":1,"docsExamined":1,"nMatched":1,"nModified":1,"numYields":0,"reslen":300,"locks":{},"protocol":"op_msg","durationMillis":150}}"#),
        ("distinct with key",
         #"2019-06-18T12:02:01.506+0100 I COMMAND  [conn7] command shop.$cmd command: distinct { distinct: "orders", key: "city", query: { state: { $in: [ "NY", "NJ", "CT" ] } }, $db: "shop" } planSummary: COLLSCAN keysExamined:0 docsExamined:500 numYields:3 reslen:300 locks:{} protocol:op_msg 150ms"#,
         #"{"t":{"$date":"2023-09-23T16:25:19.000-04:00"},"s":"I",  "c":"COMMAND",  "id":51803,   "ctx":"conn7","msg":"Slow query","attr":{"type":"command","ns":"shop.orders","command":{"distinct":"orders","key":"city","query":{"state":{"$in":["NY"]}},"$db":"shop"},"planSummary":"COLLSCAN","keysExamined":0,"docsExamined":500,"numYields":3,"reslen":300,"locks":{},"protocol":"op_msg","durationMillis":150}}"#),
        ("getMore shaped by its originating find",
         #"2020-11-10T13:33:12.390-0600 I COMMAND  [conn2] command social.people appName: "MongoDB Shell" command: getMore { getMore: 48751330254, collection: "people", $db: "social" } originatingCommand: { find: "people", filter: { rating: { $ne: 3.0 } }, $db: "social" } planSummary: COLLSCAN cursorid:48751330254 keysExamined:0 docsExamined:6 cursorExhausted:1 numYields:0 nreturned:6 reslen:1000 locks:{} protocol:op_msg 200ms"#,
         #"{"t":{"$date":"2023-09-23T16:25:20.000-04:00"},"s":"I",  "c":"COMMAND",  "id":51803,   "ctx":"conn22","msg":"Slow query","attr":{"type":"command","ns":"social.people","command":{"getMore":48751330254,"collection":"people","$db":"social"},"originatingCommand":{"find":"people","filter":{"rating":{"$ne":3}},"$db":"social"},"planSummary":"COLLSCAN","cursorid":48751330254,"keysExamined":0,"docsExamined":6,"cursorExhausted":true,"numYields":0,"nreturned":6,"reslen":1000,"locks":{},"protocol":"op_msg","durationMillis":200}}"#),
        ("every value kind",
         #"2019-06-18T12:02:02.506+0100 I COMMAND  [conn7] command shop.events command: find { find: "events", filter: { a: ObjectId('5836a370dd42ce3bf562ebe9'), b: new Date(1709287200436), c: Timestamp(1709287200, 23), d: /^ab/i, e: NumberLong(123456789012), f: UUID("1d7db5e4-e684-482e-b903-eb23203d14d8"), g: BinData(0, E3B0C442), h: MinKey, i: MaxKey, j: NumberDecimal("1.5"), k: null, l: false, m: { $in: [ 1, 2, 3 ] } }, $db: "shop" } planSummary: COLLSCAN keysExamined:0 docsExamined:5 numYields:0 nreturned:0 reslen:100 locks:{} protocol:op_msg 300ms"#,
         #"{"t":{"$date":"2023-09-23T16:25:21.000-04:00"},"s":"I",  "c":"COMMAND",  "id":51803,   "ctx":"conn7","msg":"Slow query","attr":{"type":"command","ns":"shop.events","command":{"find":"events","filter":{"a":{"$oid":"5836a370dd42ce3bf562ebe9"},"b":{"$date":"2024-03-01T10:00:00.436Z"},"c":{"$timestamp":{"t":1709287200,"i":23}},"d":{"$regularExpression":{"pattern":"^ab","options":"i"}},"e":{"$numberLong":"123456789012"},"f":{"$uuid":"1d7db5e4-e684-482e-b903-eb23203d14d8"},"g":{"$binary":{"base64":"46wMQg==","subType":"0"}},"h":{"$minKey":1},"i":{"$maxKey":1},"j":{"$numberDecimal":"1.5"},"k":null,"l":false,"m":{"$in":[7]}},"$db":"shop"},"planSummary":"COLLSCAN","keysExamined":0,"docsExamined":5,"numYields":0,"nreturned":0,"reslen":100,"locks":{},"protocol":"op_msg","durationMillis":300}}"#),
    ]

    func only(_ text: String, readSize: Int) throws -> SlowOperation {
        var o = AnalysisOptions()
        o.readSize = readSize
        let a = Analyzer(options: o)
        var events: [SlowOperation] = []
        a.onEvent = { if case .slowOperation(let op) = $0 { events.append(op) } }
        a.analyze(source: MemorySource(text + "\n", chunk: readSize), path: "pair.log")
        #expect(events.count == 1)
        return try #require(events.first)
    }

    @Test(arguments: boundaryReadSizes)
    func textAndJSONGiveTheSameShape(readSize: Int) throws {
        for pair in CrossFormatShapeTests.pairs {
            let text = try only(pair.legacy, readSize: readSize)
            let json = try only(pair.json, readSize: readSize)
            #expect(text.format == "legacy" && json.format == "logv2", "\(pair.name)")
            #expect(text.namespace == json.namespace, "\(pair.name)")
            #expect(text.operation == json.operation, "\(pair.name)")
            #expect(text.shape.text == json.shape.text, "\(pair.name)")
            #expect(text.shape.id == json.shape.id, "\(pair.name)")
            #expect(!text.shape.text.isEmpty, "\(pair.name)")
        }
    }

    @Test func theSharedShapesReadAsExpected() throws {
        // Checked by hand against the lines above, so that agreeing on a wrong shape fails too.
        let expected = [
            "filter {lname: ?string} sort {fname: -1} projection {fname: 1, _id: 0}",
            "filter {lname: ?string}",
            "pipeline [{$match: {fname: ?string}}, {$group: {_id: ?string, total_rating: {$sum: ?string}}}, {$sort: {total_rating: -1}}]",
            "filter {fname: ?string} update {$set: {is_active: ?bool}}",
            "filter {fname: ?string}",
            "filter {_id: ?objectId, status: ?string} sort {ts: 1} update {$inc: {n: ?number}, $set: {status: ?string}}",
            "filter {state: {$in: ?array<?string>}} key city",
            "filter {rating: {$ne: ?number}}",
            "filter {a: ?objectId, b: ?date, c: ?timestamp, d: ?regex, e: ?number, f: ?uuid, g: ?binData, h: ?minKey, i: ?maxKey, j: ?decimal, k: ?null, l: ?bool, m: {$in: ?array<?number>}}",
        ]
        for (pair, want) in zip(CrossFormatShapeTests.pairs, expected) {
            #expect(try only(pair.legacy, readSize: 65536).shape.text == want, "\(pair.name)")
        }
        let ops = try CrossFormatShapeTests.pairs.map { try only($0.legacy, readSize: 65536).operation }
        #expect(ops == ["find", "count", "aggregate", "update", "delete", "findAndModify", "distinct", "getMore", "find"])
    }
}

@Suite struct CommandShapeTableTests {
    /// `hasShapeFields` lets parsers skip commands that cannot shape: it must agree with `role`.
    @Test func hasShapeFieldsAgreesWithRole() {
        let keys = ["filter", "sort", "projection", "pipeline", "query", "key", "fields", "update", "updates", "deletes",
                    "q", "u", "documents", "insert", "getMore", "collection", "indexes"]
        let ops = ["find", "aggregate", "count", "distinct", "findAndModify", "mapReduce", "mapreduce", "update", "delete",
                   "insert", "getMore", "createIndexes", "isMaster", "drop", "killCursors", "geoNear", "explain"]
        for op in ops {
            let anyRole = keys.contains { CommandShape.role(of: $0, operation: op) != nil }
            #expect(anyRole == CommandShape.hasShapeFields(operation: op), "\(op)")
        }
    }
}
