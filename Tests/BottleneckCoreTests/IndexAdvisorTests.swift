import Testing
import BottleneckCore

@Suite struct IndexAdvisorTests {
    /// (shape text, proposed key) — checked by hand against the ESR rule.
    static let cases: [(String, String?)] = [
        ("filter {foo: ?number} sort {foo: -1}", "{ foo: 1 }"),
        ("filter {foo: ?number} sort {bar: -1}", "{ foo: 1, bar: -1 }"),
        ("filter {foo: {$in: ?array<?number>}} sort {bar: -1}", "{ foo: 1, bar: -1 }"),
        ("filter {createdAt: {$gte: ?date}, status: ?string} sort {priority: -1, _id: 1}", "{ status: 1, priority: -1, _id: 1, createdAt: 1 }"),
        ("filter {a: {$gt: ?number, $lt: ?number}, b: ?string, c: {$ne: ?string}}", "{ b: 1, a: 1, c: 1 }"),
        ("filter {name: {$regex: ?string}, tenant: ?objectId}", "{ tenant: 1, name: 1 }"),
        ("filter {name: ?regex}", "{ name: 1 }"),
        ("filter {$and: [{a: ?number}, {b: {$lt: ?number}}]}", "{ a: 1, b: 1 }"),
        ("filter {$or: [{a: ?number}, {b: ?number}]}", nil),
        ("filter {_id: ?objectId}", nil),
        ("filter {} sort {ts: -1}", "{ ts: -1 }"),
        ("filter {customer: ?string, zone: ?string}", "{ customer: 1, zone: 1 }"),
        ("filter {owner: {$in: ?array<?string>}, state: ?string} sort {_id: 1}", "{ state: 1, owner: 1, _id: 1 }"),
        ("filter {a: {$eq: ?number}, b: {$in: ?array<?number>}, c: {$lte: ?number}}", "{ a: 1, b: 1, c: 1 }"),
        ("filter {a.b: ?number, x: {$exists: ?bool}}", "{ a.b: 1, x: 1 }"),
        ("pipeline [{$match: {status: ?string, ts: {$gte: ?date}}}, {$sort: {ts: -1}}, {$limit: ?number}]", "{ status: 1, ts: -1 }"),
        ("pipeline [{$group: {_id: ?string}}]", nil),
        ("<truncated>", nil),
        ("", nil),
    ]

    @Test(arguments: cases)
    func proposesTheESRKey(shape: String, expected: String?) {
        #expect(IndexAdvisor.proposal(shapeText: shape) == expected)
    }
}
