import Testing
import BottleneckCore
import BottleneckTestSupport

/// Shapes of JSON commands: a table of (command JSON, operation, expected shape text), each row
/// written by hand from the rules in Shaper.swift / CommandShape.swift.
@Suite struct QueryShapeTests {
    /// Shape text of a command document as the logv2 parser builds it.
    static func shape(_ json: String, operation: String, statement: Bool = false) -> String {
        guard let node = JSONShapeReader.read(json) else { return "<unreadable>" }
        var distinct: String? = nil
        if operation == "distinct", case .document(let fields) = node {
            // the logv2 parser takes `key`'s raw string; the tree only says it is a string
            distinct = fields.first { $0.key == "key" }.map { _ in "k" }
        }
        return Shaper.text(of: CommandShape.parts(of: node, operation: operation, statement: statement, distinctKey: distinct))
    }

    static let table: [(String, String, String)] = [
        // scalars of every Extended JSON kind
        (#"{"find":"c","filter":{"a":1,"b":"x","c":true,"d":null,"e":1.5}}"#, "find",
         "filter {a: ?number, b: ?string, c: ?bool, d: ?null, e: ?number}"),
        (#"{"find":"c","filter":{"o":{"$oid":"5fd8d1a8b4396631a4bbc6b0"},"d":{"$date":"2024-03-13T20:26:25.408Z"},"l":{"$numberLong":"9007199254740993"},"m":{"$numberDecimal":"1.10"}}}"#, "find",
         "filter {d: ?date, l: ?number, m: ?decimal, o: ?objectId}"),
        (#"{"find":"c","filter":{"b":{"$binary":{"base64":"AAEC","subType":"00"}},"u":{"$uuid":"829b14b2-0a55-4ec5-9130-4ef7f1837581"},"t":{"$timestamp":{"t":1,"i":2}}}}"#, "find",
         "filter {b: ?binData, t: ?timestamp, u: ?uuid}"),
        (#"{"find":"c","filter":{"r":{"$regularExpression":{"pattern":"^abc","options":"i"}},"lo":{"$gt":{"$minKey":1}},"hi":{"$lt":{"$maxKey":1}},"x":{"$undefined":true}}}"#, "find",
         "filter {hi: {$lt: ?maxKey}, lo: {$gt: ?minKey}, r: ?regex, x: ?undefined}"),
        // $regex as an operator keeps its operator; arrays collapse by element kind
        (#"{"find":"c","filter":{"name":{"$regex":"^Jo","$options":"i"},"tags":{"$in":["a","b","c","d"]},"n":{"$nin":[1,"x"]}}}"#, "find",
         "filter {n: {$nin: ?array<>}, name: {$options: ?string, $regex: ?string}, tags: {$in: ?array<?string>}}"),
        (#"{"find":"c","filter":{"a":{"$in":[]}}}"#, "find", "filter {a: {$in: []}}"),
        // $or branches are shaped one by one and listed in canonical order
        (#"{"find":"c","filter":{"$or":[{"z":1},{"a":{"$lt":3}}],"k":"v"}}"#, "find",
         "filter {$or: [{a: {$lt: ?number}}, {z: ?number}], k: ?string}"),
        // sort and projection keep key order and -1/0/1 flags
        (#"{"find":"c","filter":{},"sort":{"z":-1,"a":1},"projection":{"_id":0,"name":1}}"#, "find",
         "filter {} sort {z: -1, a: 1} projection {_id: 0, name: 1}"),
        (#"{"find":"c","sort":{"z":{"$numberInt":"-1"}}}"#, "find", "sort {z: -1}"),
        // aggregate: stage by stage, $sort/$project ordered, other stages canonical
        (#"{"aggregate":"c","pipeline":[{"$match":{"s":"A","a":{"$gte":5}}},{"$sort":{"t":-1}},{"$limit":10}],"cursor":{}}"#, "aggregate",
         "pipeline [{$match: {a: {$gte: ?number}, s: ?string}}, {$sort: {t: -1}}, {$limit: ?number}]"),
        // nested pipelines keep their stage order and count
        (#"{"aggregate":"c","pipeline":[{"$lookup":{"from":"o","let":{"id":"$_id"},"pipeline":[{"$match":{"x":1}},{"$sort":{"b":-1}},{"$match":{"x":2}}],"as":"j"}}]}"#, "aggregate",
         "pipeline [{$lookup: {as: ?string, from: ?string, let: {id: ?string}, pipeline: [{$match: {x: ?number}}, {$sort: {b: -1}}, {$match: {x: ?number}}]}}]"),
        (#"{"aggregate":"c","pipeline":[{"$facet":{"n":[{"$count":"k"}],"top":[{"$sort":{"s":-1}},{"$limit":5}]}}]}"#, "aggregate",
         "pipeline [{$facet: {n: [{$count: ?string}], top: [{$sort: {s: -1}}, {$limit: ?number}]}}]"),
        (#"{"count":"c","query":{"a":{"$exists":true}}}"#, "count", "filter {a: {$exists: ?bool}}"),
        (#"{"distinct":"c","key":"color","query":{"y":2020}}"#, "distinct", "filter {y: ?number} key k"),
        (#"{"findAndModify":"c","query":{"s":"ready"},"sort":{"p":-1},"update":{"$set":{"s":"run"}},"new":true}"#, "findAndModify",
         "filter {s: ?string} sort {p: -1} update {$set: {s: ?string}}"),
        (#"{"q":{"email":"x@y"},"u":{"$set":{"ts":{"$date":"2024-01-01T00:00:00Z"}}},"multi":false,"upsert":true}"#, "update",
         "filter {email: ?string} update {$set: {ts: ?date}}"),
        (#"{"q":{"email":"x@y"},"limit":1}"#, "delete", "filter {email: ?string}"),
        (#"{"insert":"c","ordered":true,"$db":"d"}"#, "insert", ""),
        (#"{"update":"c","updates":[{"q":{"a":1},"u":{"$inc":{"n":1}}}],"ordered":true}"#, "update",
         "filter {a: ?number} update {$inc: {n: ?number}}"),
    ]

    @Test(arguments: 0..<table.count)
    func shapeTable(row: Int) {
        let (json, op, expected) = Self.table[row]
        let statement = json.hasPrefix(#"{"q""#)
        #expect(Self.shape(json, operation: op, statement: statement) == expected)
    }

    /// The issue's example: key order, $in length and literal values do not matter.
    @Test func sameShapeRegardlessOfOrderLengthAndValues() {
        let a = Self.shape(#"{"find":"c","filter":{"b":{"$gt":5},"a":{"$in":[1,2,3]},"c":"x"}}"#, operation: "find")
        let b = Self.shape(#"{"find":"c","filter":{"a":{"$in":[7]},"c":"y","b":{"$gt":9}}}"#, operation: "find")
        #expect(a == "filter {a: {$in: ?array<?number>}, b: {$gt: ?number}, c: ?string}")
        #expect(a == b)
        let ia = QueryShape.make(namespace: "d.c", operation: "find", text: a)
        let ib = QueryShape.make(namespace: "d.c", operation: "find", text: b)
        #expect(ia.id == ib.id)
        #expect(ia.idHex.count == 16)
        // and a different operator is a different shape
        let c = Self.shape(#"{"find":"c","filter":{"a":{"$in":[7]},"c":"y","b":{"$gte":9}}}"#, operation: "find")
        #expect(c != a)
    }

    /// Same through the whole parser: both lines land in one shape with one id, at every read size.
    @Test(arguments: boundaryReadSizes)
    func sameShapeThroughTheParser(readSize: Int) {
        let text = """
        {"t":{"$date":"2024-03-01T10:00:00.000+00:00"},"s":"I",  "c":"COMMAND",  "id":51803,   "ctx":"conn1","msg":"Slow query","attr":{"type":"command","ns":"d.c","command":{"find":"c","filter":{"b":{"$gt":5},"a":{"$in":[1,2,3]},"c":"x"},"$db":"d"},"durationMillis":120}}
        {"t":{"$date":"2024-03-01T10:00:01.000+00:00"},"s":"I",  "c":"COMMAND",  "id":51803,   "ctx":"conn2","msg":"Slow query","attr":{"type":"command","ns":"d.c","command":{"find":"c","filter":{"a":{"$in":[7]},"c":"y","b":{"$gt":9}},"$db":"d"},"durationMillis":130}}

        """
        let r = analyzeText(text, readSize: readSize)
        #expect(r.shapes.operations == 2)
        #expect(r.shapes.aggregates.count == 1)
        #expect(r.shapes.aggregates.first?.count == 2)
        #expect(r.shapes.aggregates.first?.shape.text == "filter {a: {$in: ?array<?number>}, b: {$gt: ?number}, c: ?string}")
    }

    /// The skeleton cache never merges shapes that differ (same structure, other -1/0/1 flags,
    /// other pipeline length, other $or branch count).
    @Test(arguments: boundaryReadSizes)
    func shapeCacheKeepsDifferentShapesApart(readSize: Int) {
        func line(_ cmd: String) -> String {
            #"{"t":{"$date":"2024-03-01T10:00:00.000Z"},"s":"I","c":"COMMAND","id":51803,"ctx":"conn1","msg":"Slow query","attr":{"type":"command","ns":"d.c","command":"# + cmd + #","durationMillis":100}}"#
        }
        let cmds = [
            #"{"find":"c","sort":{"a":1}}"#, #"{"find":"c","sort":{"a":-1}}"#, #"{"find":"c","sort":{"a":5}}"#,
            #"{"aggregate":"c","pipeline":[{"$match":{"a":1}}]}"#,
            #"{"aggregate":"c","pipeline":[{"$match":{"a":1}},{"$match":{"a":2}}]}"#,
            #"{"find":"c","filter":{"$or":[{"a":1}]}}"#, #"{"find":"c","filter":{"$or":[{"a":1},{"a":2}]}}"#,
            #"{"find":"c","filter":{"a":{"$in":[1,2,3]}}}"#, #"{"find":"c","filter":{"a":{"$in":[1,"x"]}}}"#,
        ]
        let text = cmds.map(line).joined(separator: "\n") + "\n" + cmds.map(line).joined(separator: "\n") + "\n"
        let r = analyzeText(text, readSize: readSize)
        #expect(r.shapes.aggregates.count == cmds.count)
        #expect(r.shapes.aggregates.allSatisfy { $0.count == 2 })
    }
}

/// The shape grammar is declared once: the logv2 reader's key lookup comes from
/// `CommandShape.shapeKeys`, and `role(of:)` gives a role to no key outside that list.
@Suite struct ShapeGrammarOnceTests {
    @Test func everyKeyWithARoleIsAKnownShapeKey() {
        let operations = ["find", "aggregate", "count", "distinct", "findAndModify", "mapReduce", "update", "delete",
                          "getMore", "insert", "geoNear", "explain", "createIndexes"]
        let candidates = ["q", "u", "key", "sort", "query", "filter", "fields", "update", "updates", "deletes", "pipeline",
                          "projection", "limit", "skip", "hint", "collation", "new", "remove", "upsert", "map", "reduce",
                          "out", "cursor", "batchSize", "comment", "let", "documents", "indexes", "maxTimeMS"]
        for op in operations {
            for statement in [false, true] {
                for k in candidates where CommandShape.role(of: k, operation: op, statement: statement) != nil {
                    #expect(CommandShape.shapeKeys.contains(k), "\(op) gives \(k) a role but shapeKeys lacks it")
                }
            }
        }
        for k in CommandShape.shapeKeys {
            #expect(operations.contains { op in [false, true].contains { CommandShape.role(of: k, operation: op, statement: $0) != nil } },
                    "\(k) is in shapeKeys but no operation gives it a role")
        }
    }
}
