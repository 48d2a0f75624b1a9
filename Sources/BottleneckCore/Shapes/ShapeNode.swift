/// A literal-free tree of a query document: what a shape is built from.
///
/// Parsers of each log format turn the command's bytes (JSON / Extended JSON, or mongo shell
/// syntax) into this tree. Scalars keep only their kind, never their value, so no literal from a
/// log can reach a shape.
public indirect enum ShapeNode: Sendable, Hashable {
    case document([ShapeField])
    case array([ShapeNode])
    case scalar(ScalarKind)
}

public struct ShapeField: Sendable, Hashable {
    public var key: String
    public var value: ShapeNode
    /// For numeric scalars, the value when it is -1, 0 or 1 (sort directions, projection flags).
    public var smallInt: Int?
    public init(key: String, value: ShapeNode, smallInt: Int? = nil) {
        self.key = key
        self.value = value
        self.smallInt = smallInt
    }
}

/// Kinds of literal, named as MongoDB's `$queryStats` names them.
public enum ScalarKind: String, Sendable, Hashable {
    case number, string, bool, null, regex, objectId, date, timestamp, binData, uuid
    case minKey, maxKey, decimal, javascript, undefined, object, unknown
}
