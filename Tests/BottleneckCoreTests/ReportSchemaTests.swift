import Testing
import Foundation
import BottleneckCore
import BottleneckTestSupport

@Suite struct ReportSchemaTests {
    func check(_ args: [String]) throws {
        let r = try runBottleneck(["analyze", "--format", "json"] + args)
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
        let errors = schemaViolations(obj, schema: try reportSchema())
        #expect(errors.isEmpty, "\(errors.prefix(10))")
    }

    @Test func reportOnTheSampleFollowsTheDocumentedSchema() throws {
        try check([fixturePath("hatchet-sample-mongod-6.0.11.log.gz")])
    }

    @Test func reportWithAnUnreadableInputFollowsTheSchema() throws {
        try check([fixturePath("gzip/truncated.log.gz"), fixturePath("missing.log")])
    }

    @Test func checkerCatchesUndocumentedKeysAndWrongTypes() throws {
        let schema = try reportSchema()
        let bad: [String: Any] = ["schemaVersion": 1, "tool": "bottleneck", "inputs": [], "totals": ["lines": "x"], "sort": "total", "shapes": [], "surprise": 1]
        let errors = schemaViolations(bad, schema: schema)
        #expect(errors.contains { $0.contains("undocumented key surprise") })
        #expect(errors.contains { $0.contains("$.totals.lines") })
        #expect(errors.contains { $0.contains("missing recognized") })
    }
}

@Suite struct SchemaCheckerTests {
    @Test func booleansAreNotIntegersAndIntegersAreNotBooleans() throws {
        let schema: [String: Any] = ["type": "object", "properties": ["b": ["type": "boolean"], "i": ["type": "integer"]]]
        let good = try JSONSerialization.jsonObject(with: Data(#"{"b":true,"i":3}"#.utf8))
        let bad = try JSONSerialization.jsonObject(with: Data(#"{"b":1,"i":false}"#.utf8))
        #expect(schemaViolations(good, schema: schema).isEmpty)
        #expect(schemaViolations(bad, schema: schema).count == 2)
    }
}
