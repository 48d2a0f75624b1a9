/// An output format. A new one is a file plus a line in `ReporterRegistry`.
public protocol Reporter: Sendable {
    static var name: String { get }
    /// Renders the whole report.
    func render(_ report: Report, options: ReportOptions) -> String
}

public struct ReportOptions: Sendable {
    public var top: Int = 20
    public var width: Int = 120
    public var color: Bool = false
    public init() {}
}

public enum ReporterRegistry {
    public static let all: [String: any Reporter] = [
        TableReporter.name: TableReporter(),
        JSONReporter.name: JSONReporter(),
    ]
}
