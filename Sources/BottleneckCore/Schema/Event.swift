/// The shared event model. Every parser turns lines into these; every reporter reads them.
///
/// Versioned: bump `EventSchema.version` when a field changes meaning or is removed.
public enum EventSchema {
    public static let version = 1
}

/// Where an event came from: the input's index in the run and the 1-based line number.
public struct SourceLocation: Sendable, Hashable, Codable {
    public var input: Int
    public var line: Int
    public init(input: Int, line: Int) {
        self.input = input
        self.line = line
    }
}

/// One normalized event.
public enum Event: Sendable {
    case slowOperation(SlowOperation)
    case oomKill(OOMKill)
    case server(ServerEvent)

    /// Where the event was logged.
    public var source: SourceLocation {
        switch self {
        case .slowOperation(let op): return op.source
        case .oomKill(let kill): return kill.source
        case .server(let e): return e.source
        }
    }

    public var timestamp: Timestamp? {
        switch self {
        case .slowOperation(let op): return op.timestamp
        case .oomKill(let kill): return kill.timestamp
        case .server(let e): return e.timestamp
        }
    }
}
