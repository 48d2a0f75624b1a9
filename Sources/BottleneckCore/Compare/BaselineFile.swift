import Foundation

/// A baseline to commit next to the code (`bottleneck baseline save`): what `compare` needs of a
/// run, as pretty JSON with sorted keys and shapes sorted by id, no creation time and no absolute
/// paths, so saving the same run twice gives the same bytes and a review shows a readable diff.
/// Each shape keeps its histogram buckets, so latency tests against it are as exact as against
/// the run itself.
public enum BaselineFile {
    public static let schema = "bottleneck-baseline"
    public static let version = 1

    /// True when the bytes start like a baseline file (a JSON object naming our schema early).
    public static func looksLike(_ prefix: [UInt8]) -> Bool {
        let text = String(decoding: prefix.prefix(512), as: UTF8.self)
        return text.first(where: { !$0.isWhitespace }) == "{" && text.contains("\"\(schema)\"")
    }

    public static func encode(_ s: CompareSide) -> String {
        var w = JSONWriter(pretty: true)
        w.beginObject()
        w.string("bucketLayout", s.layout)
        w.string("first", s.first?.iso8601)
        w.beginArray("hosts")
        for h in s.hosts.sorted() { w.string(nil, h) }
        w.endArray()
        w.string("last", s.last?.iso8601)
        w.int("lines", s.lines)
        w.string("name", s.name)
        w.int("normalizer", s.normalizer)
        w.beginArray("oomKills")
        for v in s.victims.values.sorted(by: { $0.process < $1.process }) {
            w.beginObject()
            w.beginArray("cgroups")
            for c in v.cgroups.sorted() { w.string(nil, c) }
            w.endArray()
            w.int("kills", v.kills)
            w.string("process", v.process)
            w.endObject()
        }
        w.endArray()
        w.int("operations", s.operations)
        w.int("otherOperations", s.otherOperations)
        w.string("schema", schema)
        w.beginArray("shapes")
        for sh in s.shapes.values.sorted(by: { $0.id < $1.id }) {
            w.beginObject()
            w.int("count", sh.count)
            w.int("docsExamined", sh.docsExamined)
            w.beginObject("histogram")
            w.beginArray("buckets")
            for i in sh.histogram.indices.indices {
                w.beginArray()
                w.int(nil, Int64(sh.histogram.indices[i]))
                w.uint(nil, sh.histogram.counts[i])
                w.endArray()
            }
            w.endArray()
            w.int("max", sh.histogram.count > 0 ? sh.histogram.max : 0)
            w.int("min", sh.histogram.count > 0 ? sh.histogram.min : 0)
            w.endObject()
            w.string("id", sh.idHex)
            w.int("keysExamined", sh.keysExamined)
            w.string("namespace", sh.namespace)
            w.int("nreturned", sh.nreturned)
            w.string("operation", sh.operation)
            w.beginArray("planCacheKeys")
            for h in sh.planCacheKeys.keys.sorted() {
                for k in sh.planCacheKeys[h]!.sorted() {
                    w.beginArray()
                    w.string(nil, h)
                    w.string(nil, k)
                    w.endArray()
                }
            }
            w.endArray()
            w.beginArray("planCacheShapeHashes")
            for h in sh.planCacheShapeHashes.sorted() { w.string(nil, h) }
            w.endArray()
            w.beginObject("plans")
            for k in sh.plans.keys.sorted() { w.int(k, sh.plans[k]!) }
            w.endObject()
            w.string("shape", sh.text)
            w.int("totalMillis", sh.durationTotal)
            w.endObject()
        }
        w.endArray()
        w.int("slowMillis", s.slowMillis)
        w.string("tool", s.tool)
        w.int("version", version)
        w.endObject()
        return w.output + "\n"
    }

    struct File: Decodable {
        struct Histogram: Decodable { var buckets: [[UInt64]]; var min: Int64; var max: Int64 }
        struct Shape: Decodable {
            var id: String; var namespace: String; var operation: String; var shape: String
            var count: Int64; var totalMillis: Int64; var histogram: Histogram; var plans: [String: Int64]
            var keysExamined: Int64; var docsExamined: Int64; var nreturned: Int64; var planCacheShapeHashes: [String]
            var planCacheKeys: [[String]]?
        }
        struct Victim: Decodable { var process: String; var kills: Int64; var cgroups: [String] }
        var schema: String; var version: Int; var tool: String; var normalizer: Int; var bucketLayout: String
        var name: String; var first: String?; var last: String?; var lines: Int64; var operations: Int64
        var slowMillis: Int64; var otherOperations: Int64; var hosts: [String]; var oomKills: [Victim]; var shapes: [Shape]
    }

    /// Reads a baseline file; every inconsistency is an error naming the file (never a guess).
    public static func decode(_ bytes: [UInt8], path: String) throws(CompareError) -> CompareSide {
        let f: File
        do {
            f = try JSONDecoder().decode(File.self, from: Data(bytes))
        } catch {
            throw CompareError(.runtime, "\(path): not a readable baseline file: \(CompareConfig.describe(error))")
        }
        guard f.schema == schema else { throw CompareError(.runtime, "\(path): not a baseline file (schema '\(f.schema)')") }
        guard f.version <= version else {
            throw CompareError(.runtime, "\(path): baseline format \(f.version) is newer than this bottleneck reads (\(version)); use a newer bottleneck")
        }
        func bad(_ what: String) -> CompareError { CompareError(.runtime, "\(path): damaged baseline: \(what)") }
        var shapes: [UInt64: CompareSide.Shape] = [:]
        for s in f.shapes {
            guard let id = UInt64(s.id, radix: 16) else { throw bad("shape id '\(s.id)'") }
            let expect = QueryShape.make(namespace: s.namespace, operation: s.operation, text: s.shape)
            guard expect.id == id || s.shape == "<truncated>" else { throw bad("shape \(s.id) does not match its text (edited by hand?)") }
            var idx: [UInt16] = [], counts: [UInt64] = []
            for b in s.histogram.buckets {
                guard b.count == 2, b[0] <= UInt64(UInt16.max), b[1] > 0, idx.last.map({ UInt64($0) < b[0] }) ?? true else {
                    throw bad("shape \(s.id): histogram bucket \(b)")
                }
                idx.append(UInt16(b[0]))
                counts.append(b[1])
            }
            let h = LogHistogram(restoring: idx, counts: counts, min: s.histogram.min, max: s.histogram.max)
            guard h.count == UInt64(clamping: s.count), s.count >= 0 else {
                throw bad("shape \(s.id): histogram holds \(h.count) operations, count says \(s.count)")
            }
            guard shapes[id] == nil else { throw bad("shape \(s.id) twice") }
            var keys: [String: Set<String>] = [:]
            for pair in s.planCacheKeys ?? [] {
                guard pair.count == 2 else { throw bad("shape \(s.id): plan-cache key \(pair)") }
                keys[pair[0], default: []].insert(pair[1])
            }
            shapes[id] = CompareSide.Shape(
                id: id, namespace: s.namespace, operation: s.operation, text: s.shape, count: s.count, durationTotal: s.totalMillis,
                histogram: h, plans: s.plans, keysExamined: s.keysExamined, docsExamined: s.docsExamined, nreturned: s.nreturned,
                planCacheShapeHashes: s.planCacheShapeHashes, planCacheKeys: keys)
        }
        var victims: [String: CompareSide.Victim] = [:]
        for v in f.oomKills { victims[v.process] = CompareSide.Victim(process: v.process, kills: v.kills, cgroups: v.cgroups) }
        func time(_ s: String?) throws(CompareError) -> Timestamp? {
            guard let s else { return nil }
            guard let t = Timestamp.parseISO8601(s) else { throw bad("time '\(s)'") }
            return t
        }
        return CompareSide(name: "baseline \(path)", runId: nil, tool: f.tool, normalizer: f.normalizer, layout: f.bucketLayout,
                           first: try time(f.first), last: try time(f.last), lines: f.lines, operations: f.operations,
                           slowMillis: f.slowMillis, hosts: f.hosts, shapes: shapes, otherOperations: f.otherOperations, victims: victims)
    }
}
