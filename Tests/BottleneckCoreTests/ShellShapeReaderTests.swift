import Testing
import BottleneckCore

/// Mongo shell syntax (legacy text logs) → literal-free trees. Values are real ones from
/// data/mongo files and reference/mongodb-logs.md §3 and §5.
@Suite struct ShellShapeReaderTests {
    func filterText(_ s: String) -> String {
        var bytes = Array(s.utf8)
        return bytes.withUnsafeMutableBytes { raw in
            var r = ShellShapeReader(UnsafeRawBufferPointer(raw))
            return Shaper.text(of: Shaper.Parts(filter: r.node().0))
        }
    }

    func sortText(_ s: String) -> String {
        var bytes = Array(s.utf8)
        return bytes.withUnsafeMutableBytes { raw in
            var r = ShellShapeReader(UnsafeRawBufferPointer(raw))
            return Shaper.text(of: Shaper.Parts(sort: r.node().0))
        }
    }

    func fingerprint(_ s: String) -> UInt64 {
        var bytes = Array(s.utf8)
        return bytes.withUnsafeMutableBytes { raw in
            var r = ShellShapeReader(UnsafeRawBufferPointer(raw))
            var h = FNV1a64()
            r.fingerprint(into: &h)
            return h.value
        }
    }

    @Test func shellValueKindsBecomeTypedPlaceholders() {
        // mongod_225.log (2.2): ObjectId('…') and `Timestamp N|i`.
        #expect(filterText(#"{ _id: ObjectId('51ff7cd1f3652d07e89236e5'), host: "10.0.0.12", ns: "local.oplog.rs" }"#)
            == "filter {_id: ?objectId, host: ?string, ns: ?string}")
        #expect(filterText("{ $set: { syncedTo: Timestamp 1375698319000|2 } }") == "filter {$set: {syncedTo: ?timestamp}}")
        #expect(filterText("{ ts: { $gte: new Date(5908578361554239489) } }") == "filter {ts: {$gte: ?date}}")
        let all = #"{ k: undefined, j: true, i: null, h: NumberDecimal("1.5"), g: MaxKey, f: MinKey, e: NumberLong(5), d: /^ab\/c/i, c: UUID("1d7db5e4-e684-482e-b903-eb23203d14d8"), b: BinData(0, E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855), a: Timestamp(1525211859, 1) }"#
        #expect(filterText(all) == "filter {a: ?timestamp, b: ?binData, c: ?uuid, d: ?regex, e: ?number, f: ?minKey, g: ?maxKey, h: ?decimal, i: ?null, j: ?bool, k: ?undefined}")
    }

    @Test func keysMayBeDottedQuotedOrOperators() {
        // mongod_306_ctime.log and issue-636.log.
        #expect(filterText("{ Header._id: null, Header.flag: true, Contact.flag: true }")
            == "filter {Contact.flag: ?bool, Header._id: ?null, Header.flag: ?bool}")
        #expect(filterText(#"{"$or": [{"x": 1}, {"$or": [{"y": 1}]}]}"#) == "filter {$or: [{$or: [{y: ?number}]}, {x: ?number}]}")
    }

    @Test func redactedAndAnonymisedValuesAreUnknown() {
        // The talk's slide (`{ customer: zone: }`, `{ customer: , zone: }`) and mongod_26_corrupt.log.
        #expect(filterText("{ customer: zone: }") == "filter {customer: ?unknown, zone: ?unknown}")
        #expect(filterText("{ customer: , zone: }") == "filter {customer: ?unknown, zone: ?unknown}")
        #expect(filterText("{ customer: }") == "filter {customer: ?unknown}")
        #expect(filterText("{ _id: 0bcaf8127fb736e69893550ee650920e }") == "filter {_id: ?unknown}")
        #expect(filterText("{ a: 1, … }") == "filter {a: ?number}")
    }

    @Test func unescapedQuotesAndCutStringsDoNotDerailTheReader() {
        // mapreduce.log (2.4): `”` inside a string and a string cut with `...`.
        let doc = #"{ mapreduce: "businessSomething”, map: "function() {emit({id:this._id.id},{eid:this._id})}", reduce: "function(key, vals) { for(var idx=1; idx<vals.length;idx++) { if ( (ret.eid.version < vals[idx].eid.versio...", verbose: true, out: { inline: 1 }, query: { BusinessEvent.dealId: "9EL1iMMJ5RGEeuz1O4DrOQA", _id.simulationId: "" }, sort: {} }"#
        // `”` closes the first string (it is followed by `, `); the braces and quotes inside the
        // JavaScript strings and the cut `...` do not disturb the keys after them.
        #expect(filterText(doc) == "filter {map: ?string, mapreduce: ?string, out: {inline: ?number}, query: {BusinessEvent.dealId: ?string, _id.simulationId: ?string}, reduce: ?string, sort: {}, verbose: ?bool}")
        // An unescaped ASCII quote inside a string does not end it unless a separator follows.
        #expect(filterText(#"{ a: "say "hi" now", b: 1 }"#) == "filter {a: ?string, b: ?number}")
    }

    @Test func sortKeepsOrderAndDirections() {
        #expect(sortText("{ foo: -1.0, bar: 1, baz: 1.0 }") == "sort {foo: -1, bar: 1, baz: 1}")
        #expect(sortText("{ score: { $meta: \"textScore\" } }") == "sort {score: {$meta: ?string}}")
    }

    @Test func arraysCollapseByKindNotLength() {
        #expect(filterText("{ a: { $in: [ 1, 2, 3 ] } }") == "filter {a: {$in: ?array<?number>}}")
        #expect(filterText("{ a: { $in: [ 1.0 ] } }") == "filter {a: {$in: ?array<?number>}}")
        #expect(filterText(#"{ a: { $in: [ 1, "x", 2 ] } }"#) == "filter {a: {$in: ?array<>}}")
        #expect(filterText("{ a: [] }") == "filter {a: []}")
        #expect(fingerprint("{ a: { $in: [ 1, 2, 3 ] } }") == fingerprint("{ a: { $in: [ 7 ] } }"))
        #expect(fingerprint("{ a: 1 }") != fingerprint(#"{ a: "1" }"#))
        #expect(fingerprint("{ a: 1 }") != fingerprint("{ b: 1 }"))
        #expect(fingerprint("{ a: 1 }") != fingerprint("{ a: -1 }"))
    }

    @Test func skippingEndsWhereReadingEnds() {
        let docs = [
            #"{ a: /x}"y/i, b: [ 1, { c: "}" } ], d: ObjectId('5836a370dd42ce3bf562ebe9'), e: { $regex: /^\/{/ } } tail"#,
            #"{ mapreduce: "businessSomething”, map: "function() {emit(1)}", out: { inline: 1 } } tail"#,
            "{ customer: zone: } tail", "[ [ 1, 2 ], { a: [ ] } ] tail", "{ ts: Timestamp 1375698319000|2 } tail",
        ]
        for d in docs {
            var bytes = Array(d.utf8)
            bytes.withUnsafeMutableBytes { raw in
                var a = ShellShapeReader(UnsafeRawBufferPointer(raw))
                a.skipValue()
                var b = ShellShapeReader(UnsafeRawBufferPointer(raw))
                _ = b.node()
                #expect(a.i == b.i, "\(d)")
                #expect(raw[a.i...].starts(with: Array(" tail".utf8)), "\(d)")
            }
        }
    }

    @Test func garbageNeverTrapsOrOverruns() {
        let junk = ["{", "{ a: ", "[[[[", "{ a: 'unterminated", "}}}", "/unterminated", "{ a: new }", "{ a: Timestamp }",
                    "{ a: ObjectId(", "{ : : : }", "{ a: b: c: d }", "\"", "{ a: [ 1, { b: ] } }", "{ a: 1 .......... b: 2 } }"]
        for j in junk {
            var bytes = Array(j.utf8)
            bytes.withUnsafeMutableBytes { raw in
                var r = ShellShapeReader(UnsafeRawBufferPointer(raw))
                _ = r.node()
                #expect(r.i <= raw.count)
                var s = ShellShapeReader(UnsafeRawBufferPointer(raw))
                s.skipValue()
                #expect(s.i <= raw.count)
            }
        }
    }
}
