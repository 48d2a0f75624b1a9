import Testing
import Foundation
import BottleneckCore

@Suite struct JSONWriterTests {
    @Test func escapesControlCharactersQuotesAndBackslashes() throws {
        var w = JSONWriter()
        w.beginObject()
        w.string("s", "a\"b\\c\nd\u{0}e\u{1F}f\u{7F}é")
        w.endObject()
        #expect(w.output == #"{"s":"a\"b\\c\nd\u0000e\u001ff\u007fé"}"#)
        // And it is valid JSON that round-trips.
        let obj = try JSONSerialization.jsonObject(with: Data(w.output.utf8)) as? [String: String]
        #expect(obj?["s"] == "a\"b\\c\nd\u{0}e\u{1F}f\u{7F}é")
    }

    @Test(arguments: [(0.0, "0"), (1.5, "1.5"), (2.25, "2.25"), (-3.125, "-3.125"), (1.0004, "1"), (99.9996, "100"), (1e12, "1000000000000")])
    func formatsDoublesWithoutExponentOrLocale(value: Double, text: String) {
        #expect(JSONWriter.formatDouble(value) == text)
    }

    @Test func prettyOutputParsesAndNullsAreExplicit() throws {
        var w = JSONWriter(pretty: true)
        w.beginObject()
        w.int("n", nil)
        w.beginArray("a")
        w.int(nil, 1)
        w.bool(nil, true)
        w.endArray()
        w.beginObject("empty")
        w.endObject()
        w.endObject()
        let obj = try JSONSerialization.jsonObject(with: Data(w.output.utf8)) as? [String: Any]
        #expect(obj?["n"] is NSNull)
        #expect((obj?["a"] as? [Any])?.count == 2)
        #expect(w.output.contains("\"empty\": {}"))
    }

    /// The writer prints numbers straight into its bytes; they must read exactly as
    /// `formatDouble` and `String(Int64)` print them, signs, zero, fractions and extremes included.
    @Test func numbersWrittenInPlaceMatchTheirTextForms() {
        var doubles: [Double] = [0, -0.0, 0.5, -0.5, -0.0005, 0.0004, 0.0006, -1.25, 9.0e15 / 1000 - 1, 8.99e12, -8.99e12,
                                 9.1e15, -9.1e15, 1.8446744073709552e19, .greatestFiniteMagnitude, 123.456, -99.9996]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<2_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let scale = Double(1 << (state >> 58))
            doubles.append((Double(Int64(bitPattern: state) >> 20) / 4096) / scale)
        }
        for d in doubles {
            var w = JSONWriter()
            w.double(nil, d)
            #expect(w.output == JSONWriter.formatDouble(d), "\(d)")
        }
        let ints: [Int64] = [0, 1, -1, 9, 10, -10, 99, 100, 1_000_000, .max, .min, .min + 1, -9_999_999_999]
        for v in ints {
            var w = JSONWriter()
            w.int(nil, v)
            #expect(w.output == String(v))
        }
        var w = JSONWriter()
        w.uint(nil, .max)
        #expect(w.output == String(UInt64.max))
    }

    /// Strings with and without characters to escape, multi-byte text included.
    @Test func stringsAreWrittenAsUTF8() throws {
        for s in ["plain", "", "ünïcödé ✓ 日本", "tab\tquote\"back\\slash\u{7f}\u{1}", "\u{1F600} end"] {
            var w = JSONWriter()
            w.string(nil, s)
            let back = try JSONSerialization.jsonObject(with: Data(w.output.utf8), options: .fragmentsAllowed) as? String
            #expect(back == s)
        }
    }
}
