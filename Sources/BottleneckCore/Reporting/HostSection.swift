/// The per-host view of a report, shown when its summary holds more than one host (a fleet
/// merge, or several hosts' files analyzed together): each host's operations and slow time, and
/// for each shape its hosts with count and share.
public struct HostSection: Sendable {
    public struct Host: Sendable {
        public var name: String
        public var inputs: Int
        public var lines: Int64
        public var operations: Int64
        public var totalMillis: Int64
    }
    public var hosts: [Host]

    /// nil when the report holds one host or none.
    public init?(_ report: Report) {
        let names = Set(report.inputs.compactMap(\.host))
        guard names.count > 1 else { return nil }
        var byName: [String: Host] = [:]
        for i in report.inputs {
            guard let h = i.host else { continue }
            byName[h, default: Host(name: h, inputs: 0, lines: 0, operations: 0, totalMillis: 0)].inputs += 1
            byName[h]!.lines = byName[h]!.lines.addingSaturated(i.lines)
        }
        for s in report.shapes {
            for (h, n) in s.hosts {
                byName[h, default: Host(name: h, inputs: 0, lines: 0, operations: 0, totalMillis: 0)].operations =
                    (byName[h]?.operations ?? 0).addingSaturated(n)
            }
        }
        // Slow time per host: each shape's time shared by its hosts' counts (exact when a shape
        // runs on one host; proportional otherwise, since durations are summed per shape).
        for s in report.shapes where s.count > 0 {
            for (h, n) in s.hosts {
                let part = Int64((Double(s.durationTotal) * Double(n) / Double(s.count)).rounded())
                byName[h]!.totalMillis = byName[h]!.totalMillis.addingSaturated(part)
            }
        }
        hosts = byName.values.sorted { a, b in a.operations != b.operations ? a.operations > b.operations : a.name < b.name }
    }

    /// A shape's hosts, most operations first: (host, count, share of the shape's count).
    public static func hosts(of s: ShapeAggregate) -> [(host: String, count: Int64, share: Double)] {
        s.hosts.sorted { a, b in a.value != b.value ? a.value > b.value : a.key < b.key }
            .map { ($0.key, $0.value, s.count > 0 ? Double($0.value) / Double(s.count) : 0) }
    }

    /// `--group-by host`: one group per host (most operations first), each with the shapes it ran
    /// ranked by the slow time the host spent on them. A shape's count on a host is exact; its time
    /// there is the shape's total shared by counts (exact when the shape ran on one host only).
    public struct HostGroup {
        public var host: String
        public var operations: Int64
        public var estimatedMillis: Int64
        public var shapes: [(shape: ShapeAggregate, count: Int64, share: Double, estimatedMillis: Int64)]
    }

    public static func byHost(_ report: Report, top: Int?) -> [HostGroup] {
        var groups: [String: HostGroup] = [:]
        for s in report.shapes where s.count > 0 {
            for (h, n) in s.hosts {
                let ms = Int64((Double(s.durationTotal) * Double(n) / Double(s.count)).rounded())
                var g = groups[h] ?? HostGroup(host: h, operations: 0, estimatedMillis: 0, shapes: [])
                g.operations = g.operations.addingSaturated(n)
                g.estimatedMillis = g.estimatedMillis.addingSaturated(ms)
                g.shapes.append((s, n, Double(n) / Double(s.count), ms))
                groups[h] = g
            }
        }
        return groups.values.map { g in
            var g = g
            g.shapes.sort { a, b in
                a.estimatedMillis != b.estimatedMillis ? a.estimatedMillis > b.estimatedMillis : a.shape.shape.id < b.shape.shape.id
            }
            if let top { g.shapes = Array(g.shapes.prefix(top)) }
            return g
        }.sorted { a, b in a.operations != b.operations ? a.operations > b.operations : a.host < b.host }
    }
}
