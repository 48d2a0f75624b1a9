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
}
