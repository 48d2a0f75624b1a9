/// Folds double-logged writes: mongod 3.6+ logs an update/delete twice, once per statement
/// (WRITE, `type: update|remove`) and once as the `db.$cmd` batch command on the same
/// connection. The statement is kept; the batch twin is dropped and counted.
///
/// TODO(json-parser): implement the pairing rule; until then nothing is folded.
public final class WriteTwinFolder {
    public private(set) var folded: Int64 = 0
    public init() {}

    /// Returns the event to keep, or nil when `event` is a folded twin.
    public func process(_ event: Event) -> Event? {
        return event
    }
}
