/// What a mongod says about itself: who it is (startup, options) and the replica-set role it
/// plays (state transitions). Used to attribute slow operations to a host and a role; written to
/// the event stream like the others.
public struct ServerEvent: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        /// "MongoDB starting" (logv2 id 4615611; legacy `MongoDB starting : pid=… port=… host=…`).
        case startup
        /// The startup options naming the replica set (logv2 id 21951; legacy `options: {…}`).
        case options
        /// "Replica set state transition" (logv2 id 21358; legacy `transition to X` and 2.x
        /// `replSet X`).
        case stateChange
    }
    public var kind: Kind
    public var format: String
    public var source: SourceLocation
    public var timestamp: Timestamp?
    /// Startup: `host:port` as the server named itself (`host` alone when no port was logged).
    public var host: String?
    /// Options: the replica set's name.
    public var replicaSet: String?
    /// State change: the member state entered and left (`PRIMARY`, `SECONDARY`, `RECOVERING`, …).
    public var newState: String?
    public var oldState: String?

    /// The member state of a server that just started (MongoDB's own name for it).
    public static let startupState = "STARTUP"

    public init(kind: Kind, format: String, source: SourceLocation, timestamp: Timestamp?) {
        self.kind = kind
        self.format = format
        self.source = source
        self.timestamp = timestamp
    }

    /// The member states a role is reported under: primaries and secondaries are told apart,
    /// every other state (startup, recovering, rollback, arbiter, …) counts as `other`.
    public static func role(ofState state: String?) -> MemberRole? {
        switch state {
        case nil: return nil
        case "PRIMARY"?: return .primary
        case "SECONDARY"?: return .secondary
        default: return .other
        }
    }
}

/// The replica-set role a slow operation ran under (the member state in force at its time).
public enum MemberRole: String, Sendable, Codable {
    case primary, secondary, other
}
