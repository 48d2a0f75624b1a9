import Testing
import BottleneckCore
import BottleneckTestSupport

/// The pairing rule of WriteTwinFolder on hand-made sequences of statement and batch lines.
@Suite struct WriteTwinFolderTests {
    static func stmt(_ ms: Int, _ ctx: String, _ type: String = "update", ns: String = "d.c", dur: Int = 100) -> String {
        let cmd = type == "update" ? #"{"q":{"a":1},"u":{"$set":{"b":2}},"multi":false,"upsert":false}"# : #"{"q":{"a":1},"limit":1}"#
        return #"{"t":{"$date":"2024-03-01T10:00:"# + ts(ms) + #"Z"},"s":"I","c":"WRITE","id":51803,"ctx":""# + ctx
            + #"","msg":"Slow query","attr":{"type":""# + type + #"","ns":""# + ns + #"","command":"# + cmd + #","durationMillis":"# + String(dur) + "}}"
    }
    static func twin(_ ms: Int, _ ctx: String, _ name: String = "update", db: String = "d", coll: String = "c", dur: Int = 100) -> String {
        #"{"t":{"$date":"2024-03-01T10:00:"# + ts(ms) + #"Z"},"s":"I","c":"COMMAND","id":51803,"ctx":""# + ctx
            + #"","msg":"Slow query","attr":{"type":"command","ns":""# + db + #".$cmd","command":{""# + name + #"":""# + coll
            + #"","ordered":true,"$db":""# + db + #""},"durationMillis":"# + String(dur) + "}}"
    }
    static func ts(_ ms: Int) -> String {
        let s = ms / 1000, m = ms % 1000
        return (s < 10 ? "0" : "") + String(s) + "." + String(repeating: "0", count: 3 - String(m).count) + String(m)
    }
    static func run(_ lines: [String], readSize: Int) -> (folded: Int64, ops: [SlowOperation]) {
        let (ops, result) = slowOps(Array((lines.joined(separator: "\n") + "\n").utf8), readSize: readSize)
        #expect(result.inputs[0].slowOps == Int64(lines.count))
        return (result.foldedWriteTwins, ops)
    }

    @Test(arguments: boundaryReadSizes)
    func statementThenTwinFolds(readSize: Int) {
        let r = Self.run([Self.stmt(1, "conn1"), Self.twin(2, "conn1"), Self.stmt(3, "conn1", "remove"), Self.twin(3, "conn1", "delete")], readSize: readSize)
        #expect(r.folded == 2)
        #expect(r.ops.count == 2)
        #expect(r.ops.allSatisfy { $0.isWriteStatement })
        #expect(r.ops.map(\.operation) == ["update", "delete"])
    }

    @Test(arguments: boundaryReadSizes)
    func twinBeforeItsStatementInTheSameMillisecondFolds(readSize: Int) {
        let r = Self.run([Self.twin(5, "conn1"), Self.twin(5, "conn1"), Self.stmt(5, "conn1"), Self.stmt(5, "conn1"), Self.twin(9, "conn2")], readSize: readSize)
        #expect(r.folded == 2)
        // the twin on conn2 has no statement: released at the end, as an ordinary update
        #expect(r.ops.count == 3)
        #expect(r.ops.filter { !$0.isWriteStatement }.map(\.context) == ["conn2"])
    }

    @Test(arguments: boundaryReadSizes)
    func heldTwinIsReleasedWhenTimeMovesOn(readSize: Int) {
        let r = Self.run([Self.twin(5, "conn1"), Self.stmt(6, "conn1"), Self.twin(7, "conn1")], readSize: readSize)
        // the first twin's statement never came in its millisecond: it stays an operation;
        // the statement at 6 pairs with the twin at 7
        #expect(r.folded == 1)
        #expect(r.ops.count == 2)
        #expect(r.ops.map(\.source.line).sorted() == [1, 2])
    }

    @Test(arguments: boundaryReadSizes)
    func otherConnectionKindOrCollectionDoesNotPair(readSize: Int) {
        let r = Self.run([
            Self.stmt(1, "conn1"), Self.twin(2, "conn2"),                 // other connection
            Self.stmt(10, "conn3"), Self.twin(11, "conn3", "delete"),     // update vs delete
            Self.stmt(20, "conn4"), Self.twin(21, "conn4", coll: "other"), // other collection
        ], readSize: readSize)
        #expect(r.folded == 0)
        #expect(r.ops.count == 6)
    }

    @Test(arguments: boundaryReadSizes)
    func staleStatementDoesNotPair(readSize: Int) {
        // a statement 5 s before a 100 ms batch is not its twin's
        let r = Self.run([Self.stmt(1, "conn1"), Self.twin(5_200, "conn1")], readSize: readSize)
        #expect(r.folded == 0)
        #expect(r.ops.count == 2)
    }
}
