import Testing
import BottleneckCore
import BottleneckTestSupport

@Suite struct LineReaderTests {
    @Test(arguments: boundaryReadSizes)
    func splitsLinesAtEveryReadSize(readSize: Int) throws {
        let text = Array("alpha\r\nbeta\n\ngamma\u{0}x\ndelta".utf8) + [0xff, 0xfe, 0x0a]
        let lines = try collectLines(text, readSize: readSize)
        #expect(lines.map { $0.line } == [Array("alpha".utf8), Array("beta".utf8), [], Array("gamma\u{0}x".utf8), Array("delta".utf8) + [0xff, 0xfe]])
        #expect(lines.allSatisfy { $0.terminated && !$0.tooLong })
    }

    @Test(arguments: boundaryReadSizes)
    func unterminatedLastLineIsDelivered(readSize: Int) throws {
        let lines = try collectLines(Array("a\nlast".utf8), readSize: readSize)
        #expect(lines.count == 2)
        #expect(lines[1].line == Array("last".utf8))
        #expect(lines[1].terminated == false)
    }

    @Test(arguments: boundaryReadSizes)
    func overLongLinesAreSkippedAndCounted(readSize: Int) throws {
        let long = String(repeating: "x", count: 5000)
        let lines = try collectLines(Array("short\n\(long)\nafter\n\(long)".utf8), readSize: readSize, maxLineLength: 1000)
        #expect(lines.count == 4)
        #expect(lines[0].line == Array("short".utf8))
        #expect(lines[1].tooLong)
        #expect(lines[2].line == Array("after".utf8))
        #expect(lines[3].tooLong && !lines[3].terminated)
    }
}
