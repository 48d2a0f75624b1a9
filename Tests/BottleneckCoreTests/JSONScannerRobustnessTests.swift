import Testing
import BottleneckCore
import BottleneckTestSupport

/// The scanner reads through raw pointers: every prefix of every fixture line, and lines with
/// bytes flipped, must be handled (claimed or not, counted) without reading out of bounds.
@Suite struct JSONScannerRobustnessTests {
    static let lines: [[UInt8]] = fixtureBytes("logv2-versions.log").split(separator: 0x0A).map(Array.init)

    /// Parses `bytes` from an allocation of exactly their size, so an address sanitizer build
    /// (`swift test --sanitize=address`) catches any read past the end.
    static func parse(_ parser: JSONLogV2Parser, _ bytes: ArraySlice<UInt8>) -> LineOutcome {
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
        defer { buf.deallocate() }
        bytes.withUnsafeBytes { if let b = $0.baseAddress { buf.baseAddress!.copyMemory(from: b, byteCount: bytes.count) } }
        return parser.parse(UnsafeRawBufferPointer(rebasing: buf[0..<bytes.count]), lineNumber: 1) { _ in }
    }

    @Test func everyPrefixIsCountedOnce() {
        let parser = JSONLogV2Parser(context: ParseContext(input: 0, path: "t"))
        var outcomes = 0
        var slow = 0
        for line in Self.lines {
            for n in 0...line.count {
                let outcome = Self.parse(parser, line[0..<n])
                outcomes += 1
                if outcome == .slowOperation { slow += 1 }
                // a cut slow-query line is never taken as a slow operation
                if n < line.count - 1 && line.last == 0x7D, outcome == .slowOperation {
                    Issue.record("prefix \(n) of a \(line.count)-byte line parsed as a slow operation")
                }
            }
        }
        #expect(outcomes == Self.lines.reduce(0) { $0 + $1.count + 1 })
        #expect(slow >= 13)
    }

    @Test func flippedBytesNeverCrash() {
        let parser = JSONLogV2Parser(context: ParseContext(input: 0, path: "t"))
        var state: UInt64 = 42
        let specials: [UInt8] = [0x22, 0x5C, 0x7B, 0x7D, 0x5B, 0x5D, 0x3A, 0x2C, 0x00, 0xFF, 0x20]
        for line in Self.lines where line.count > 2 {
            for _ in 0..<300 {
                var l = line
                for _ in 0..<3 {
                    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    let pos = 2 + Int(state >> 33) % (l.count - 2)
                    l[pos] = specials[Int(state >> 20) % specials.count]
                }
                _ = Self.parse(parser, l[...])
            }
        }
    }
}
