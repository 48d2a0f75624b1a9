import Foundation
import Testing
@testable import BottleneckCore
import BottleneckTestSupport

/// Legacy (2.2–4.2) text lines. Lines are real (data/mongo files, copied to Fixtures/logs, or quoted in
/// reference/mongodb-logs.md §3) unless marked "constructed"; expected values were read off the lines.
@Suite struct LegacyTextParserTests {
    struct Run {
        var events: [SlowOperation]
        var result: RunSummary
        var input: InputAccounting { result.inputs[0] }
    }

    func run(_ text: String, readSize: Int, year: Int? = nil, parsers: [ParserFactory] = ParserRegistry.all) -> Run {
        run(Array(text.utf8), readSize: readSize, year: year, parsers: parsers)
    }

    func run(_ bytes: [UInt8], readSize: Int, year: Int? = nil, parsers: [ParserFactory] = ParserRegistry.all) -> Run {
        var o = AnalysisOptions()
        o.parsers = parsers
        o.readSize = readSize
        o.year = year
        let a = Analyzer(options: o)
        var events: [SlowOperation] = []
        a.onEvent = { if case .slowOperation(let op) = $0 { events.append(op) } }
        a.analyze(source: MemorySource(bytes, chunk: readSize), path: "test.log")
        // The write-twin folder may hold a batch command back: compare in line order.
        return Run(events: events.sorted { $0.source.line < $1.source.line }, result: a.result)
    }

    func fixture(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: fixturePath(name))))
    }

    // MARK: The talk's eight slow counts

    @Test(arguments: boundaryReadSizes)
    func talkCountsGiveTwoShapesWithUnreadableTimestamps(readSize: Int) throws {
        let r = run(try fixture("talk-case2-slow-counts.txt"), readSize: readSize)
        #expect(r.input.lines == 8 && r.input.slowOps == 8 && r.input.balanced)
        #expect(r.input.unreadableTimestamps == 8)
        #expect(r.events.allSatisfy { $0.timestamp == nil && $0.namespace == "nsone.records" && $0.operation == "count" })
        let shapes = Report(result: r.result).shapes
        #expect(shapes.count == 2)
        let both = try #require(shapes.first { $0.shape.text == "filter {customer: ?unknown, zone: ?unknown}" })
        let one = try #require(shapes.first { $0.shape.text == "filter {customer: ?unknown}" })
        // Lines 1, 2, 6, 7 (one of them written `{ customer: , zone: }`) and lines 3, 4, 5, 8.
        #expect(both.count == 4 && one.count == 4)
        #expect(both.plans == ["COUNT { <INDEX> }": 4] && one.plans == ["COUNT { <INDEX> }": 4])
        #expect(both.yieldsTotal == 73 + 104 + 116 + 77 && one.yieldsTotal == 1560 + 118 + 150 + 257)
        #expect(both.lockHeldMicros == 4_090_477 + 4_232_800 + 4_191_979 + 4_167_760)
        #expect(one.lockHeldMicros == 4_801_824 + 2_828_783 + 2_331_646 + 4_973_431)
        #expect(both.durationTotal == 2107 + 2144 + 2160 + 2127 && one.durationTotal == 2558 + 1482 + 1194 + 2593)
        #expect(r.events.allSatisfy { $0.plan?.kind == "COUNT" })
        #expect(r.events[0].connectionId == 109_306_794)
        let json = JSONReporter().render(Report(result: r.result), options: ReportOptions())
        #expect(json.contains("\"unreadableTimestamps\": 8"))
    }

    // MARK: Headers and timestamps

    @Test(arguments: boundaryReadSizes)
    func everyHeaderFormGivesTheRightInstant(readSize: Int) {
        let lines = [
            // 2.2 ctime without milliseconds (mongod_225.log).
            "Mon Aug  5 20:22:10 [conn4] insert test.docs keyUpdates:0 locks(micros) w:288340 288ms",
            // 2.4 ctime (collscans.log line, reference §3).
            "Wed Mar  5 17:14:57.407 [conn4] query test.docs query: { query: { foo: 33.0 }, orderby: { foo: -1.0 } } ntoreturn:0 ntoskip:0 nscanned:100000 scanAndOrder:1 keyUpdates:0 locks(micros) r:29773 nreturned:1 reslen:68 29ms",
            // 2.6 iso8601-local without severity or component (reference §3).
            "2014-04-09T23:25:32.500+0000 [conn3434] query toothsome.dimgray.huckleberry query: { cid: ObjectId('50b48019a8e0e6aa50be060e') } planSummary: IXSCAN { cid: 1 } ntoreturn:0 ntoskip:0 keyUpdates:0 numYields:0 locks(micros) r:637 nreturned:51 reslen:9887 0ms",
            // 3.6 severity and padded component, offset -0600 (awslabs 3.6.17, line 51).
            "2020-11-10T13:33:12.454-0600 I WRITE    [conn2] remove social.people appName: \"MongoDB Shell\" command: { q: { fname: \"Shyam\" }, limit: 1 } planSummary: COLLSCAN keysExamined:0 docsExamined:1 ndeleted:1 keysDeleted:1 numYields:0 locks:{ Global: { acquireCount: { r: 2, w: 2 } }, Database: { acquireCount: { w: 2 } }, Collection: { acquireCount: { w: 1 } }, oplog: { acquireCount: { w: 1 } } } 0ms",
            // 4.2 two-character severity (awslabs 4.2.8, shortened locks).
            "2020-11-10T15:30:17.907+0000 I  WRITE    [conn1] update test.testn appName: \"MongoDB Shell\" command: { q: { a: \"three\" }, u: { $set: { a: \"two\" } }, multi: false, upsert: false } planSummary: COLLSCAN keysExamined:0 docsExamined:2 nMatched:1 nModified:1 numYields:0 queryHash:4B53BE76 planCacheKey:4B53BE76 locks:{ Global: { acquireCount: { w: 1 } } } flowControl:{ acquireCount: 1 } storage:{} 0ms",
            // rsyslog re-timestamped, microseconds, offset with colon, no severity (Keyhole #70, reference §3).
            "2021-07-27T00:00:32.837592+08:00 [conn11837] command monitor.$cmd command: update { update: \"process_snapshot_v1\", updates: 85, ordered: false, shardVersion: [ Timestamp 45458000|0, ObjectId('5836a370dd42ce3bf562ebe9') ] } keyUpdates:0 writeConflicts:0 numYields:0 reslen:2309 locks:{…} protocol:op_command 190ms",
            // journald/syslog wrapping a full mongod line (constructed from the forms above).
            "Jul 27 00:00:32 db1 mongod[812]: 2021-07-27T00:00:32.837+0800 I COMMAND  [conn7] command shop.orders command: find { find: \"orders\", filter: { status: \"A\" } } planSummary: COLLSCAN keysExamined:0 docsExamined:10 numYields:0 nreturned:1 reslen:200 protocol:op_msg 150ms",
            // mongod --syslog: no stamp of its own (constructed).
            "Jul 27 00:00:33 db1 mongod.27017[812]: [conn8] command shop.$cmd command: count { count: \"orders\", query: { status: \"A\" } } planSummary: COUNT_SCAN { status: 1 } keysExamined:5 docsExamined:0 numYields:0 reslen:44 protocol:op_query 120ms",
        ]
        let r = run(lines.joined(separator: "\r\n") + "\r\n", readSize: readSize, year: 2013)
        #expect(r.input.lines == 8 && r.input.slowOps == 8 && r.input.unreadableTimestamps == 0)
        #expect(r.events.map { $0.timestamp?.iso8601 ?? "nil" } == [
            "2013-08-05T20:22:10.000Z", "2013-03-05T17:14:57.407Z", "2014-04-09T23:25:32.500Z", "2020-11-10T19:33:12.454Z",
            "2020-11-10T15:30:17.907Z", "2021-07-26T16:00:32.837Z", "2021-07-26T16:00:32.837Z", "2013-07-27T00:00:33.000Z",
        ])
        #expect(r.events.map(\.operation) == ["insert", "find", "find", "delete", "update", "update", "find", "count"])
        #expect(r.events.map(\.namespace) == ["test.docs", "test.docs", "toothsome.dimgray.huckleberry", "social.people",
                                              "test.testn", "monitor.process_snapshot_v1", "shop.orders", "shop.orders"])
        #expect(r.events.map { $0.severity ?? "-" } == ["-", "-", "-", "I", "I", "-", "I", "-"])
        #expect(r.events.map { $0.component ?? "-" } == ["-", "-", "-", "WRITE", "WRITE", "-", "COMMAND", "-"])
        #expect(r.events.map { $0.connectionId ?? -1 } == [4, 4, 3434, 2, 1, 11837, 7, 8])
        #expect(r.events.map(\.isWriteStatement) == [false, false, false, true, true, false, false, false])
    }

    @Test(arguments: boundaryReadSizes)
    func otherProgramsSyslogLinesAreNotClaimed(readSize: Int) {
        // A kernel line relayed by syslog and one by journalctl -o short-iso: not mongod's.
        let text = "Jul 27 00:00:33 db1 kernel: [ 1234.567890] Out of memory: Killed process 812 (mongod) total-vm:123kB\n"
            + "2021-07-27T00:00:33+0000 db1 kernel: [ 1234.567890] oom_reaper: reaped process 812 (mongod), now anon-rss:0kB\n"
            + "2021-07-27T00:00:33.000+0000 db1 kernel: [ 1234.567890] Memory cgroup out of memory: Killed process 812 (mongod)\n"
        let r = run(text, readSize: readSize, parsers: [LegacyTextParser.factory])
        #expect(r.input.lines == 3 && r.input.skipped[.unrecognized] == 3 && r.input.recognized == 0)
        // With every parser, the kernel parser takes them.
        #expect(!run(text, readSize: readSize).input.format.contains("legacy"))
    }

    @Test func ctimeYearRollsOverFromDecemberToJanuary() throws {
        // year_rollover.log excerpt: Tue Dec 31 (2013) → Wed Jan 1 (2014).
        let bytes = try fixture("mtools-year-rollover-excerpt.log")
        let parser = LegacyTextParser(context: ParseContext(input: 0, path: "x", defaultYear: 2013))
        var stamps: [Timestamp] = []
        try LineReader(source: MemorySource(bytes, chunk: 7), readSize: 7).forEachLine { line in
            if let h = LegacyHeader.parse(line.bytes), let t = parser.timestamp(h) { stamps.append(t) }
        }
        #expect(stamps.count == 20)
        #expect(stamps.first?.iso8601 == "2013-12-31T23:30:05.229Z")
        #expect(stamps.last?.iso8601 == "2014-01-01T00:29:19.891Z")
        #expect(zip(stamps, stamps.dropFirst()).allSatisfy { $0 < $1 })
    }

    @Test(arguments: boundaryReadSizes)
    func aRolloverBetweenTwoOperationsIsSeenOnTheLinesBetween(readSize: Int) {
        // An operation in December, connection lines in January and March, an operation in
        // August: the August operation is in the next year (constructed 2.4 lines).
        let text = [
            "Tue Dec 31 23:59:00.000 [conn4] query test.docs query: { a: 1 } ntoreturn:0 nreturned:1 reslen:68 150ms",
            "Wed Jan  1 00:01:26.542 [initandlisten] connection accepted from 127.0.0.1:55666 #1 (1 connection now open)",
            "Sat Mar  1 00:01:26.542 [initandlisten] connection accepted from 127.0.0.1:55667 #2 (2 connections now open)",
            "Fri Aug  1 10:00:00.000 [conn4] query test.docs query: { a: 1 } ntoreturn:0 nreturned:1 reslen:68 150ms",
        ].joined(separator: "\n")
        let r = run(text, readSize: readSize, year: 2013)
        #expect(r.events.map { $0.timestamp?.iso8601 ?? "-" } == ["2013-12-31T23:59:00.000Z", "2014-08-01T10:00:00.000Z"])
    }

    @Test func yearFromModificationTimeStartsTheYearBeforeWhenTheFileStartsLater() throws {
        // The file was last written in January 2014, so its December lines are from 2013.
        let mtime = Timestamp.fromCivil(year: 2014, month: 1, day: 3, hour: 0, minute: 0, second: 0)
        let parser = LegacyTextParser(context: ParseContext(input: 0, path: "x", defaultYear: 2014, yearFromModificationTime: mtime))
        let bytes = try fixture("mtools-year-rollover-excerpt.log")
        var years: [Int] = []
        try LineReader(source: MemorySource(bytes, chunk: 65536)).forEachLine { line in
            if let h = LegacyHeader.parse(line.bytes), let t = parser.timestamp(h) { years.append(t.civil.year) }
        }
        #expect(years == Array(repeating: 2013, count: 10) + Array(repeating: 2014, count: 10))
    }

    @Test func yearComesFromTheFlagOrTheFileModificationTime() throws {
        // mongod_225.log has no year; its first operation is `Mon Aug  5 20:21:43` (line 29).
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("legacy-year-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let copy = dir.appendingPathComponent("mongod.log").path
        try Data(try fixture("mtools-mongod-2.2.5.log")).write(to: URL(fileURLWithPath: copy))
        // Last written on 2014-01-03: the August lines are from 2013.
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_388_707_200)], ofItemAtPath: copy)
        func firstStamp(_ args: [String]) throws -> String? {
            let r = try runBottleneck(["analyze", "--format", "ndjson", "--quiet"] + args + [copy])
            #expect(r.status == 0)
            // The first operation (the startup and replica-set lines before it are server events).
            let first = try #require(r.stdout.split(separator: "\n").first { $0.contains("\"event\":\"slowOperation\"") })
            let obj = try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any]
            return obj?["ts"] as? String
        }
        #expect(try firstStamp([]) == "2013-08-05T20:21:43.000Z")
        #expect(try firstStamp(["--year", "2011"]) == "2011-08-05T20:21:43.000Z")
    }

    // MARK: Operations, counters and shapes

    @Test(arguments: boundaryReadSizes)
    func everyCrudFormOf36(readSize: Int) throws {
        let r = run(try fixture("awslabs-mongod-3.6.17.log"), readSize: readSize)
        // count_slow.py: 77 operation lines out of 121.
        #expect(r.input.lines == 121 && r.input.slowOps == 77 && r.input.balanced)
        func at(_ line: Int) -> SlowOperation? { r.events.first { $0.source.line == line } }
        let find = try #require(at(24))
        #expect(find.operation == "find" && find.commandName == "find" && find.namespace == "social.people")
        #expect(find.shape.text == "filter {fname: ?string} projection {fname: 1, lname: 1}")
        #expect(find.appName == "MongoDB Shell" && find.protocol == "op_msg" && find.type == "command")
        let count = try #require(at(28))
        #expect(count.operation == "count" && count.shape.text == "filter {lname: ?string}")
        let getMore = try #require(at(35))
        #expect(getMore.operation == "getMore" && getMore.namespace == "social.people")
        #expect(getMore.shape.text == "filter {rating: {$ne: ?number}}")
        let sorted = try #require(at(45))
        #expect(sorted.shape.text == "filter {lname: ?string} sort {fname: -1}")
        let nin = try #require(at(36))
        #expect(nin.shape.text == "filter {rating: {$nin: ?array<?number>}}")
        let statement = try #require(at(47))
        #expect(statement.operation == "update" && statement.isWriteStatement && statement.connectionId == 2)
        #expect(statement.shape.text == "filter {fname: ?string} update {$set: {is_active: ?bool}}")
        #expect(statement.nMatched == 1 && statement.nModified == 1 && statement.docsExamined == 1 && statement.keysExamined == 0)
        // Lines 48, 50, 52 and 54 are the `social.$cmd` batch twins of statements 47, 49, 51 and 53.
        #expect(r.result.foldedWriteTwins == 4)
        #expect(r.events.count == 77 - 4)
        #expect([48, 50, 52, 54].allSatisfy { at($0) == nil })
        let remove = try #require(at(53))
        #expect(remove.operation == "delete" && remove.isWriteStatement && remove.ndeleted == 2 && remove.shape.text == "filter {lname: ?string}")
        let dropped = try #require(at(16))
        #expect(dropped.operation == "dropDatabase" && dropped.namespace == "social")
        let insert = try #require(at(19))
        #expect(insert.operation == "insert" && insert.ninserted == 100 && insert.shape.text == "")
    }

    @Test(arguments: boundaryReadSizes)
    func twoDotTwoCountersAndForms(readSize: Int) throws {
        let r = run(try fixture("mtools-mongod-2.2.5.log"), readSize: readSize, year: 2013)
        // count_slow.py: 29; three lines have no mongod header ("=== a line without a datetime ===", dbexit lines are claimed).
        #expect(r.input.lines == 497 && r.input.slowOps == 29 && r.input.balanced)
        let getmore = try #require(r.events.first { $0.source.line == 132 })
        #expect(getmore.operation == "getMore" && getmore.namespace == "local.oplog.rs")
        #expect(getmore.numYields == 107 && getmore.lockHeldMicros == 85093 && getmore.nreturned == 13551 && getmore.reslen == 230387)
        #expect(getmore.shape.text == "filter {ts: {$gte: ?date}}")
        #expect(getmore.timestamp?.iso8601 == "2013-08-05T20:26:32.000Z")
        // `update <ns> query: { … } update: { … } nscanned:1 nupdated:1 … locks(micros) w:201 683ms`
        let update = try #require(r.events.first { $0.source.line == 105 })
        #expect(update.operation == "update" && update.isWriteStatement && update.namespace == "local.slaves")
        #expect(update.shape.text == "filter {_id: ?objectId, host: ?string, ns: ?string} update {$set: {syncedTo: ?timestamp}}")
        #expect(update.keysExamined == 1 && update.nModified == 1 && update.lockHeldMicros == 201 && update.durationMillis == 683)
        #expect(update.context == "slaveTracking" && update.connectionId == nil)
        // `remove test.docs keyUpdates:0 numYields: 645 locks(micros) w:100900235 56331ms`: no query logged.
        let remove = try #require(r.events.first { $0.source.line == 145 })
        #expect(remove.operation == "delete" && remove.isWriteStatement && remove.shape.text == "")
        #expect(remove.numYields == 645 && remove.lockHeldMicros == 100_900_235 && remove.durationMillis == 56331)
    }

    @Test(arguments: boundaryReadSizes)
    func anonymisedUpdateAndTheRemainingOperationWords(readSize: Int) throws {
        let text = [
            // mongod_26_corrupt.log line 577: anonymised hex values.
            "2014-04-09T23:25:32.506+0000 [conn3067] update toothsome.dimgray.huckleberry query: { _id: 0bcaf8127fb736e69893550ee650920e } update: { $set: { cid: ObjectId('503ead0bf1a5dd0b002fb069'), n: b84afcc70af7c1ddceca1004352d7569, p: 27017, hid: b35b2aa83ecd70f0eb7d183d37a867f7, lu: 1403491195955, uniqueHash: d042393cf56eb50c9d15762451857760 } } nscanned:1 nscannedObjects:1 nMatched:1 nModified:1 fastmod:1 keyUpdates:0 numYields:0 locks(micros) w:156 294ms",
            // 2.4 killcursors has an empty namespace (constructed in the 2.4 form).
            "Wed Mar  5 17:15:00.001 [conn4] killcursors  keyUpdates:0 locks(micros) r:33 104ms",
            // 3.x killCursors command and a 2.4 `$query` wrapper with modifiers (constructed; the second is the logtailer line of reference §3).
            "2017-11-13T17:38:02.130+0800 I COMMAND  [conn2] command school.$cmd command: killCursors { killCursors: \"students\", cursors: [ 123456789 ] } numYields:0 reslen:100 locks:{} protocol:op_command 120ms",
            "Thu Dec 17 01:01:42.311 I QUERY    [conn43] query appdata352.HistoricPotential query: { $query: { a: \"123456789\", b: true, _rperm: { $in: [ null, \"*\", \"abcdefghik\" ] } }, $orderby: { _created_at: -1 }, $maxScan: 500000, $maxTimeMS: 29000, $comment: \"queryhash:1\" } planSummary: IXSCAN { a: 1, _created_at: -1 } ntoreturn:1000 ntoskip:0 keysExamined:200 docsExamined:200 cursorExhausted:1 keyUpdates:0 writeConflicts:0 numYields:0 nreturned:119 reslen:68247 locks:{} 2ms",
        ].joined(separator: "\n")
        let r = run(text, readSize: readSize, year: 2015)
        #expect(r.events.count == 4)
        #expect(r.events[0].shape.text == "filter {_id: ?unknown} update {$set: {cid: ?objectId, hid: ?unknown, lu: ?number, n: ?unknown, p: ?number, uniqueHash: ?unknown}}")
        #expect(r.events[0].docsExamined == 1 && r.events[0].keysExamined == 1)
        #expect(r.events[1].operation == "killCursors" && r.events[1].namespace == "" && r.events[1].lockHeldMicros == 33)
        #expect(r.events[2].operation == "killCursors" && r.events[2].namespace == "school.students")
        #expect(r.events[3].operation == "find" && r.events[3].severity == "I" && r.events[3].component == "QUERY")
        // `_rperm`'s `$in` holds null and strings: mixed kinds.
        #expect(r.events[3].shape.text == "filter {_rperm: {$in: ?array<>}, a: ?string, b: ?bool} sort {_created_at: -1}")
        #expect(r.events[3].timestamp?.iso8601 == "2015-12-17T01:01:42.311Z")
    }

    @Test(arguments: boundaryReadSizes)
    func fourTwoHashesAndStorage(readSize: Int) throws {
        let r = run(try fixture("awslabs-mongodb-4.2.8.log"), readSize: readSize)
        #expect(r.input.lines == 102 && r.input.slowOps == 27 && r.input.balanced)
        let update = try #require(r.events.first { $0.source.line == 69 })
        #expect(update.queryHash == "4B53BE76" && update.planCacheKey == "4B53BE76" && update.severity == "I")
        #expect(update.shape.text == "filter {a: ?string} update {$set: {a: ?string}}")
    }

    @Test(arguments: boundaryReadSizes)
    func lockWaitsPlansAndFlagsOf32(readSize: Int) {
        // issue-636.log (3.2/3.4) and a 4.0.10 storage line (mongod_4.0.10_storagestats.log, reference §3).
        let text = "2018-03-28T15:34:44.104-0400 I COMMAND [conn3291] command abc.xyz command: find { find: \"xyz\", filter: {\"$or\": [{\"x\": 1}, {\"$or\": [{\"y\": 1}]}]}, sort: { field: -1 } } planSummary: COLLSCAN keysExamined:29525 docsExamined:29514 hasSortStage:1 cursorExhausted:1 keyUpdates:0 writeConflicts:0 numYields:1942 nreturned:0 reslen:126 locks:{ Global: { acquireCount: { r: 3886 } }, Database: { acquireCount: { r: 1943 }, acquireWaitCount: { r: 39 }, timeAcquiringMicros: { r: 5301520 } }, Collection: { acquireCount: { r: 1943 } } } protocol:op_query 369525ms\n"
            + "2019-06-18T12:02:00.506+0100 I COMMAND  [conn111441] command invoice-prod.invoices appName: \"B2BReadApi\" command: find { find: \"invoices\", filter: { ownerId: \"x\", active: true }, sort: { docDate: -1 } } planSummary: IXSCAN { ownerId: 1, active: 1, docDate: 1 }, IXSCAN { ownerId: 1 } keysExamined:5314 docsExamined:5312 hasSortStage:1 cursorExhausted:1 numYields:44 nreturned:21 reslen:103755 locks:{ Global: { acquireCount: { r: 45 } } } storage:{ data: { bytesRead: 12768411, bytesWritten: 22233323, timeReadingMicros: 86313, timeWritingMicros: 12344 } } protocol:op_msg 144ms\n"
        let r = run(text, readSize: readSize)
        #expect(r.events.count == 2)
        let a = r.events[0]
        #expect(a.lockWaitMicros == 5_301_520 && a.hasSortStage == true && a.writeConflicts == 0 && a.numYields == 1942)
        #expect(a.keysExamined == 29525 && a.docsExamined == 29514 && a.durationMillis == 369_525 && a.protocol == "op_query")
        #expect(a.shape.text == "filter {$or: [{$or: [{y: ?number}]}, {x: ?number}]} sort {field: -1}")
        let b = r.events[1]
        #expect(b.plan?.kind == "IXSCAN" && b.plan?.index == "{ ownerId: 1, active: 1, docDate: 1 }")
        #expect(b.plan?.raw == "IXSCAN { ownerId: 1, active: 1, docDate: 1 }, IXSCAN { ownerId: 1 }")
        #expect(b.storageBytesRead == 12_768_411 && b.storageTimeReadingMicros == 86313 && b.appName == "B2BReadApi")
        #expect(b.namespace == "invoice-prod.invoices")
    }

    @Test(arguments: boundaryReadSizes)
    func failedOperationsKeepTheirError(readSize: Int) throws {
        // 4.0 form of a find killed by maxTimeMS (constructed from the field order of reference §2).
        let text = "2019-06-18T12:02:03.506+0100 I COMMAND  [conn9] command shop.orders appName: \"api \\\"v2\\\"\" command: find { find: \"orders\", filter: { total: { $gt: 100 } }, maxTimeMS: 1000 } planSummary: COLLSCAN numYields:12 ok:0 errMsg:\"operation exceeded time limit\" errName:MaxTimeMSExpired errCode:50 reslen:200 locks:{} protocol:op_msg 1003ms\n"
        let r = run(text, readSize: readSize)
        let op = try #require(r.events.first)
        #expect(op.errName == "MaxTimeMSExpired" && op.errCode == 50 && op.numYields == 12 && op.reslen == 200)
        #expect(op.appName == #"api \"v2\""# && op.shape.text == "filter {total: {$gt: ?number}}" && op.durationMillis == 1003)
    }

    @Test(arguments: boundaryReadSizes)
    func mapReduceWithUnescapedQuoteSurvives(readSize: Int) throws {
        let r = run(try fixture("mongodbjs-mapreduce-2.4.log"), readSize: readSize, year: 2015)
        #expect(r.input.slowOps == 1 && r.events.count == 1)
        let op = try #require(r.events.first)
        #expect(op.operation == "mapreduce" && op.commandName == "mapreduce")
        #expect(op.namespace == "foo.businessSomething")
        #expect(op.shape.text == "filter {$comment: ?string, BusinessEvent.dealId: ?string, BusinessSomething.eventDate: {$lte: ?string}, BusinessSomething.something.LongLegSet.closeLots: {$elemMatch: {closeSomething.somethingtDate: {$gt: ?string}}}, _id.simulationId: ?string, _id.underlyerId: ?string} sort {}")
        #expect(op.reslen == 208 && op.lockHeldMicros == 8012 && op.durationMillis == 964 && !op.truncated)
    }

    // MARK: Truncated lines

    @Test(arguments: boundaryReadSizes)
    func truncatedLinesKeepMetricsUnderATruncatedShape(readSize: Int) {
        let text = [
            // 3.x, Tencent mongologparser test data (reference §3).
            "2024-03-26T15:38:16.032+0800 I COMMAND  [conn190722] warning: log line attempted (54k) over max size (10k), printing beginning and end ... command lzjd_game_14.$cmd command: delete { delete: \"battle_data_restore\", deletes: [ { q: { id: { $in: [ 152309515, … 1523174 ..........  152467935, … ] } }, limit: 0 } ], ordered: true, writeConcern: {} } keyUpdates:0 writeConflicts:0 numYields:0 reslen:80 locks:{…} 367ms",
            // The same statement cut elsewhere (constructed): the tail holds a `query:`-like key.
            "2024-03-26T15:38:17.032+0800 I COMMAND  [conn190722] warning: log line attempted (54k) over max size (10kB), printing beginning and end ... command lzjd_game_14.$cmd command: delete { delete: \"battle_data_restore\", deletes: [ { q: { id: { $in: [ 152309515, 1523 .......... 4679, 2 ] }, query: { a: 1 } }, limit: 0 } ], ordered: true } keyUpdates:0 writeConflicts:0 numYields:3 reslen:80 locks:{ Global: { acquireCount: { w: 2 } } } 400ms",
            // 2.4, mtools test_util_logevent.py ("max size(10k)", no space).
            "Wed Jan 28 00:31:16.302 [conn12345] warning: log line attempted (26k) over max size(10k), printing beginning and end ... getmore MyDB.MyColl query: { foo: ObjectId('…'), foo: { $in: [ 1, 2, 3 ] }, bar: false } cursorid:… ntoreturn:0 keyUpdates:0 numYields: 23 locks(micros) r:24715 nreturned:1324 reslen:256993 1445ms",
        ].joined(separator: "\n")
        let r = run(text, readSize: readSize, year: 2015)
        #expect(r.events.count == 3 && r.events.allSatisfy(\.truncated))
        #expect(r.events.allSatisfy { $0.shape.isTruncated && $0.shape.text == "<truncated>" })
        #expect(r.events[0].namespace == "lzjd_game_14.battle_data_restore" && r.events[0].operation == "delete")
        #expect(r.events[0].reslen == 80 && r.events[0].numYields == 0 && r.events[0].durationMillis == 367)
        #expect(r.events[1].numYields == 3 && r.events[1].durationMillis == 400)
        #expect(r.events[0].shape.id == r.events[1].shape.id)
        #expect(r.events[2].operation == "getMore" && r.events[2].namespace == "MyDB.MyColl")
        #expect(r.events[2].numYields == 23 && r.events[2].nreturned == 1324 && r.events[2].lockHeldMicros == 24715)
        let shapes = Report(result: r.result).shapes
        #expect(shapes.count == 2)
        #expect(shapes.first { $0.operation == "delete" }?.truncated == 2)
    }

    // MARK: Lines ending in ms that are not operations

    @Test(arguments: boundaryReadSizes)
    func nonOperationDurationsAreNotSlowOperations(readSize: Int) {
        let text = [
            "2018-11-16T12:31:35.886-0500 I NETWORK DNS resolution while connecting to ABC took 5000ms",
            "2018-11-16T12:31:35.886-0500 I REPL   [repl writer worker 13] applied op: command { ... }, took 112ms",
            "2018-11-16T12:31:35.886-0500 Checkpoint took 10 seconds to complete",
            "2017-08-03T21:52:43.431+0000 I REPL     [replication-0] Scheduled new oplog query Fetcher source: host:27017 database: local query: { find: \"oplog.rs\", filter: { ts: { $gte: Timestamp 1501796554000|1 } } } active: 1 findNetworkTimeout: 65000ms getMoreNetworkTimeout: 10000ms shutting down?: 0 maxTimeMillis: -1ms",
            "2017-08-03T21:52:43.431+0000 I REPL     [replication-0] findNetworkTimeout: 65000ms",
            "2019-06-18T12:31:03.180+0100 I COMMAND  [main] transaction parameters:{ lsid: { id: UUID(\"1d7db5e4-e684-482e-b903-eb23203d14d8\") }, txnNumber: 1, autocommit: false } terminationCause:committed timeActiveMicros:11142 timeInactiveMicros:3 numYields:4 116ms",
            "Mon Aug  5 20:26:32 [conn9] query not recording (too large) 5ms",
            "Thu Mar  6 13:09:01.667 dbexit: ",
        ].joined(separator: "\n") + "\n"
        let r = run(text, readSize: readSize, year: 2013)
        #expect(r.input.lines == 8 && r.input.recognized == 8 && r.input.slowOps == 0 && r.events.isEmpty)
    }

    @Test(arguments: boundaryReadSizes)
    func fixturesKeepTheAccountingInvariant(readSize: Int) throws {
        // Expected slow-op counts are count_slow.py's for the same files.
        for (name, slow) in [("mtools-mongod-2.6-corrupt.log", 33), ("mtools-mongod-2.2.5.log", 29),
                             ("awslabs-mongodb-4.2.8.log", 27), ("talk-case2-slow-counts.txt", 8)] {
            let r = run(try fixture(name), readSize: readSize, year: 2014)
            #expect(r.input.balanced, "\(name)")
            #expect(r.input.slowOps == Int64(slow), "\(name)")
        }
    }
}

/// Cut and damaged legacy lines never trap (debug builds check every byte access) and never
/// break the accounting.
@Suite struct LegacyTextParserRobustnessTests {
    static let lines = [
        "2020-11-10T13:33:12.390-0600 I COMMAND  [conn2] command social.people appName: \"MongoDB Shell\" command: getMore { getMore: 48751330254, collection: \"people\", $db: \"social\" } originatingCommand: { find: \"people\", filter: { rating: { $ne: 3.0 } }, $db: \"social\" } planSummary: IXSCAN { a: 1 }, IXSCAN { b: -1 } cursorid:48751330254 keysExamined:0 docsExamined:6 numYields:0 nreturned:6 reslen:1000 locks:{ Global: { acquireCount: { r: 1 }, timeAcquiringMicros: { r: 5 } } } storage:{ data: { bytesRead: 1, timeReadingMicros: 2 } } protocol:op_msg 200ms",
        "2024-03-26T15:38:16.032+0800 I COMMAND  [conn190722] warning: log line attempted (54k) over max size (10k), printing beginning and end ... command lzjd_game_14.$cmd command: delete { delete: \"battle_data_restore\", deletes: [ { q: { id: { $in: [ 152309515, 1523174 ..........  152467935 ] } }, limit: 0 } ], ordered: true } keyUpdates:0 writeConflicts:0 numYields:0 reslen:80 locks:{} 367ms",
        "Mon Aug  5 20:25:20 [slaveTracking] update local.slaves query: { _id: ObjectId('51ff7cd1f3652d07e89236e5'), host: \"10.0.0.12\", ns: /^local\\./i } update: { $set: { syncedTo: Timestamp 1375698319000|2 } } nscanned:1 nupdated:1 keyUpdates:0 locks(micros) w:201 683ms",
        "Jul 27 00:00:32 db1 mongod[812]: 2021-07-27T00:00:32.837+0800 I COMMAND  [conn7] command shop.$cmd command: findandmodify { findandmodify: \"orders\", query: { s: \"a”, b\" }, update: { $inc: { n: 1 } } } planSummary: COLLSCAN numYields:0 reslen:1 protocol:op_msg 150ms",
    ]

    @Test func everyPrefixParses() {
        for line in LegacyTextParserRobustnessTests.lines {
            let bytes = Array(line.utf8)
            var text: [UInt8] = []
            for n in 0...bytes.count {
                text += bytes[0..<n]
                text.append(0x0A)
            }
            let r = analyzeText(String(decoding: text, as: UTF8.self), readSize: 65536)
            #expect(r.inputs[0].balanced)
            #expect(r.inputs[0].lines == Int64(bytes.count + 1))
        }
    }

    @Test func flippedBytesParse() {
        var rng = SystemRandomNumberGenerator()
        let noise: [UInt8] = Array("{}[]()\"'/:, .|\\”".utf8) + [0, 0xFF, 0x0D]
        for line in LegacyTextParserRobustnessTests.lines {
            let bytes = Array(line.utf8)
            var text: [UInt8] = []
            for _ in 0..<400 {
                var damaged = bytes
                for _ in 0..<3 {
                    let at = Int.random(in: 0..<damaged.count, using: &rng)
                    damaged[at] = noise.randomElement(using: &rng)!
                }
                text += damaged.filter { $0 != 0x0A }
                text.append(0x0A)
            }
            var o = AnalysisOptions()
            o.readSize = 7
            let a = Analyzer(options: o)
            a.analyze(source: MemorySource(text, chunk: 7), path: "flipped.log")
            #expect(a.result.inputs[0].balanced && a.result.inputs[0].lines == 400)
        }
    }
}

/// `--jobs`: ISO-stamped legacy files are split into chunks; ctime files (years learned from
/// earlier lines) are read to the end by their first chunk. Both give the sequential report.
@Suite struct LegacyTextParallelTests {
    func report(_ path: String, jobs: Int, chunkSize: Int) -> (String, [String]) {
        var o = AnalysisOptions()
        o.jobs = jobs
        o.chunkSize = chunkSize
        o.year = 2013
        let a = Analyzer(options: o)
        var events: [String] = []
        a.onEvent = { if case .slowOperation(let op) = $0 { events.append("\(op.source.line) \(op.shape.idHex) \(op.timestamp?.iso8601 ?? "-")") } }
        a.analyze(paths: [path])
        return (JSONReporter().render(Report(result: a.result), options: ReportOptions()), events)
    }

    @Test func chunkedLegacyFilesGiveTheSequentialReport() {
        for name in ["awslabs-mongod-3.6.17.log", "awslabs-mongodb-4.2.8.log", "mtools-mongod-2.2.5.log", "talk-case2-slow-counts.txt"] {
            let one = report(fixturePath(name), jobs: 1, chunkSize: 1 << 30)
            for size in [97, 4_096] {
                let par = report(fixturePath(name), jobs: 2, chunkSize: size)
                #expect(par.0 == one.0, "\(name), chunk \(size)")
                #expect(par.1 == one.1, "\(name), chunk \(size)")
            }
        }
    }

    @Test func chunkSafetyEndsAtTheFirstStampWithoutAYear() {
        let p = LegacyTextParser(context: ParseContext(input: 0, path: "x", defaultYear: 2013))
        func feed(_ s: String) {
            var bytes = Array(s.utf8)
            bytes.withUnsafeMutableBytes { _ = p.parse(UnsafeRawBufferPointer($0), lineNumber: 1) { _ in } }
        }
        feed("2020-11-10T13:33:12.438-0600 I NETWORK  [conn2] end connection 127.0.0.1:1 (1 connection now open)")
        #expect(p.isChunkSafe)
        feed("Wed Mar  5 17:14:57.407 [conn4] end connection 127.0.0.1:1 (1 connection now open)")
        #expect(!p.isChunkSafe)
    }
}
