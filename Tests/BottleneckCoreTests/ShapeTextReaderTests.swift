import Testing
import Foundation
import BottleneckCore
import BottleneckTestSupport

/// The shape grammar lives in `Shaper`; `ShapeTextReader` (used by the index advisor on shapes
/// that exist only as text, e.g. in merged partials) must be its exact inverse on every shape
/// the fixtures produce: reading a shape text back and rendering it gives the same text.
@Suite struct ShapeTextReaderTests {
    static func goldenShapeTexts() throws -> [String] {
        let root = URL(fileURLWithPath: fixturePath("README.md")).deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("golden")
        var texts = Set<String>()
        let walker = FileManager.default.enumerator(atPath: root.path)
        while let rel = walker?.nextObject() as? String {
            guard rel.hasSuffix(".json") else { continue }
            let data = try Data(contentsOf: root.appendingPathComponent(rel))
            guard let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { continue }
            for s in obj["shapes"] as? [[String: Any]] ?? [] {
                if let t = s["shape"] as? String, !t.isEmpty, t != "<truncated>" { texts.insert(t) }
            }
        }
        return texts.sorted()
    }

    @Test func readingAndRenderingEveryFixtureShapeGivesItBack() throws {
        let texts = try Self.goldenShapeTexts()
        #expect(texts.count > 150, "the goldens hold \(texts.count) distinct shapes")
        var failures: [String] = []
        for t in texts {
            guard let parts = ShapeTextReader.read(t) else { failures.append("unreadable: \(t)"); continue }
            let back = Shaper.text(of: parts)
            if back != t { failures.append("\(t)\n  -> \(back)") }
        }
        #expect(failures.isEmpty, "\(failures.count) of \(texts.count):\n\(failures.prefix(10).joined(separator: "\n"))")
        // Pipelines, logical branches, sort flags and distinct keys are among them.
        #expect(texts.contains { $0.hasPrefix("pipeline [") })
        #expect(texts.contains { $0.contains("$or: [") })
        #expect(texts.contains { $0.contains(" sort {") })
    }

    @Test func notShapesAreNotRead() {
        for t in ["", "<truncated>", "filter", "filter {a: ?nosuchkind}", "filter {a: ?number", "nonsense {a: ?number}"] {
            #expect(ShapeTextReader.read(t) == nil, "\(t)")
        }
    }
}
