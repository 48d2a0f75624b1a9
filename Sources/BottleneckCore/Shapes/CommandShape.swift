/// What each log format shares about commands: the normalized operation name, and which keys of
/// a command document feed which part of the shape. Both the logv2 parser and the legacy-text
/// parser use it, so the same query gives the same shape text and id in both formats.
///
/// | operation | shape parts |
/// |---|---|
/// | find | `filter`, `sort`, `projection` |
/// | aggregate | `pipeline` (stage by stage) |
/// | count | `query` as filter |
/// | distinct | `query` as filter, and `key` (a field name, not a literal: distinct on another field is other work) |
/// | findAndModify | `query` as filter, `sort`, `fields` as projection, `update` |
/// | update / delete statement (`type: update/remove`) | `q` as filter, `u` as update |
/// | update / delete batch command | first element of `updates` / `deletes`, as above (usually snipped by mongod) |
/// | getMore | the `originatingCommand`'s parts (the operation stays getMore) |
/// | mapReduce / mapreduce (as logged) | `query` as filter, `sort` |
/// | insert and every other command | none: the shape text is empty |
public enum CommandShape {
    /// The role a command key plays in the shape.
    public enum Role: Sendable {
        case filter, sort, projection, pipeline, update, distinctKey, statements
    }

    /// Normalized operation for a command name (the command document's first key).
    public static func operation(forCommand name: String) -> String {
        switch name {
        case "findandmodify", "findAndModify": return "findAndModify"
        default: return name
        }
    }

    /// Normalized operation for a per-statement write entry's type (`update`, `remove`, `delete`).
    public static func operation(forStatementType type: String) -> String {
        type == "remove" ? "delete" : type
    }

    /// False when no key of an `operation` command can shape (insert, admin commands, ...), so a
    /// parser may skip looking. Keep in step with `role(of:operation:statement:)`.
    public static func hasShapeFields(operation: String) -> Bool {
        switch operation {
        case "find", "aggregate", "count", "distinct", "findAndModify", "mapReduce", "mapreduce", "update", "delete":
            return true
        default:
            return false
        }
    }

    /// The role of `key` in a command of `operation`; nil when the key does not shape.
    /// `statement` is true for per-statement write entries (`{q, u, multi, upsert}`).
    /// Every command key `role(of:)` may give a role to: the logv2 reader's byte-level key
    /// lookup (`LogV2Cache.knownKey`) is built from this list, and a test checks that `role`
    /// gives no role to a key missing here.
    public static let shapeKeys = ["q", "u", "key", "sort", "query", "filter", "fields", "update", "updates", "deletes",
                                   "pipeline", "projection"]

    public static func role(of key: String, operation: String, statement: Bool = false) -> Role? {
        if statement {
            switch key {
            case "q": return .filter
            case "u": return operation == "update" ? .update : nil
            default: return nil
            }
        }
        switch operation {
        case "find":
            switch key {
            case "filter": return .filter
            case "sort": return .sort
            case "projection": return .projection
            default: return nil
            }
        case "aggregate":
            return key == "pipeline" ? .pipeline : nil
        case "count":
            return key == "query" ? .filter : nil
        case "distinct":
            switch key {
            case "query": return .filter
            case "key": return .distinctKey
            default: return nil
            }
        case "findAndModify":
            switch key {
            case "query": return .filter
            case "sort": return .sort
            case "fields": return .projection
            case "update": return .update
            default: return nil
            }
        case "mapReduce", "mapreduce":
            switch key {
            case "query": return .filter
            case "sort": return .sort
            default: return nil
            }
        case "update":
            return key == "updates" ? .statements : nil
        case "delete":
            return key == "deletes" ? .statements : nil
        default:
            return nil
        }
    }

    /// Puts one shaped value in its place in `parts`.
    public static func assign(_ node: ShapeNode, role: Role, operation: String, to parts: inout Shaper.Parts) {
        switch role {
        case .filter: parts.filter = node
        case .sort: parts.sort = node
        case .projection: parts.projection = node
        case .pipeline: parts.pipeline = node
        case .update: parts.update = node
        case .distinctKey: break // a field name: set `distinctKey` from the raw string instead
        case .statements:
            guard case .array(let items) = node, case .document(let fields)? = items.first else { return }
            for f in fields {
                if let r = CommandShape.role(of: f.key, operation: operation, statement: true) {
                    assign(f.value, role: r, operation: operation, to: &parts)
                }
            }
        }
    }

    /// The parts of a whole command document already read as a tree (the legacy parser's way).
    public static func parts(of command: ShapeNode, operation: String, statement: Bool = false,
                             distinctKey: String? = nil) -> Shaper.Parts {
        var parts = Shaper.Parts()
        guard case .document(let fields) = command else { return parts }
        for f in fields {
            if let r = role(of: f.key, operation: operation, statement: statement) {
                assign(f.value, role: r, operation: operation, to: &parts)
            }
        }
        parts.distinctKey = distinctKey
        return parts
    }
}
