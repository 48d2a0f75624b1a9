/// Where a reporter writes: pieces of text or bytes, in order (stdout, a file written atomically,
/// a string in tests). Write errors are the output's business, not the reporter's.
public protocol ReportOutput: AnyObject {
    func write(_ text: String)
    func write(bytes: [UInt8])
}

/// An output format for a finished run. Reporters only render: the `Report` they get is already
/// ranked, with its findings computed from the run summary. A new format is one file with a type
/// conforming to this protocol plus one line in `ReporterRegistry.reporters`.
public protocol Reporter: Sendable {
    /// The `--format` name.
    var name: String { get }
    /// One line for `--help`.
    var summary: String { get }
    /// Writes the whole report (large reports stream in pieces).
    func write(_ report: Report, options: ReportOptions, to out: any ReportOutput)
}

/// A format of the event stream (`--format ndjson`): one record per kept event, written as the
/// ingest loop produces it, in input order. A new one is one file plus one line in
/// `ReporterRegistry.eventReporters`.
public protocol EventReporter: Sendable {
    var name: String { get }
    var summary: String { get }
    /// Writes one event as a line (newline included).
    func write(_ event: Event, inputPath: String, to out: any ReportOutput)
}

extension Reporter {
    /// The whole report as a string (tests, `tail`'s snapshots).
    public func render(_ report: Report, options: ReportOptions) -> String {
        let s = StringOutput()
        write(report, options: options, to: s)
        return s.text
    }
}

/// Collects a report in memory.
public final class StringOutput: ReportOutput {
    public private(set) var text = ""
    public init() {}
    public func write(_ t: String) { text += t }
    public func write(bytes: [UInt8]) { text += String(decoding: bytes, as: UTF8.self) }
}

public struct ReportOptions: Sendable {
    public var top: Int = 20
    public var width: Int = 120
    public var color: Bool = false
    /// `--group-by host`: each host's shapes listed after the ranking (HostSection.byHost).
    public var groupByHost = false
    /// JSON on one line (a stream of snapshots: `tail --format json`, one report per line).
    public var compactJSON = false
    /// Findings printed in the table (`--max-findings`; the JSON report lists them all).
    public var maxFindings = 20
    public init() {}
}

/// Every output format the command line offers, by `--format` name. The CLI reads only this.
public enum ReporterRegistry {
    public static let reporters: [any Reporter] = [
        TableReporter(),
        JSONReporter(),
        PartialReporter(),
    ]

    public static let eventReporters: [any EventReporter] = [
        NDJSONEventWriter(),
    ]

    public static func reporter(named name: String) -> (any Reporter)? { reporters.first { $0.name == name } }
    public static func eventReporter(named name: String) -> (any EventReporter)? { eventReporters.first { $0.name == name } }
    public static var names: [String] { reporters.map(\.name) + eventReporters.map(\.name) }
    /// `--help` text: every format with its one-line summary.
    public static var help: String {
        (reporters.map { "\($0.name) (\($0.summary))" } + eventReporters.map { "\($0.name) (\($0.summary))" }).joined(separator: ", ")
    }
}

/// The run summary itself (`--format partial`, what `--partial FILE` writes): the input of
/// `bottleneck merge`, `analyze` and later runs; docs/partial-format.md.
public struct PartialReporter: Reporter {
    public let name = "partial"
    public let summary = "the mergeable run summary, binary"
    public init() {}
    public func write(_ report: Report, options: ReportOptions, to out: any ReportOutput) {
        SummaryCoding.encode(report.summary) { out.write(bytes: $0) }
    }
}
