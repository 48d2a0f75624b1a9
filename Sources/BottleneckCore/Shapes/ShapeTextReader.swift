/// Reads a shape text back into the shape tree: the inverse of `Shaper.text(of:)`, for what only
/// has the text (rules and the index advisor on merged partials, whose shapes are stored as text).
/// It returns the same `Shaper.Parts` and `ShapeNode`s the shaper renders, so the grammar lives in
/// the shaper and this reader is held to it by a round-trip test over every fixture's shapes
/// (`Shaper.text(of: read(text)) == text`).
public enum ShapeTextReader {
    /// The parts of a shape text, or nil when it is not one (`<truncated>`, empty, damaged).
    public static func read(_ text: String) -> Shaper.Parts? {
        var p = Reader(bytes: Array(text.utf8))
        var parts = Shaper.Parts()
        var any = false
        while true {
            p.skipSpaces()
            guard let word = p.word() else { break }
            p.skipSpaces()
            if word == "key" {
                guard let k = p.token() else { return nil }
                parts.distinctKey = k
                any = true
                continue
            }
            guard let value = p.value() else { return nil }
            switch word {
            case "filter": parts.filter = value
            case "sort": parts.sort = value
            case "projection": parts.projection = value
            case "pipeline": parts.pipeline = value
            case "update": parts.update = value
            default: return nil
            }
            any = true
        }
        return any && p.atEnd ? parts : nil
    }

    /// Two kinds, so that `Shaper` renders the array as `?array<>` (mixed scalar kinds).
    static let mixedScalars: [ShapeNode] = [.scalar(.number), .scalar(.string)]

    struct Reader {
        let bytes: [UInt8]
        var i = 0

        var atEnd: Bool { i >= bytes.count }

        mutating func skipSpaces() { while i < bytes.count, bytes[i] == 32 { i += 1 } }

        mutating func word() -> String? {
            let start = i
            while i < bytes.count, bytes[i] >= 97 && bytes[i] <= 122 { i += 1 }
            return i > start ? String(decoding: bytes[start..<i], as: UTF8.self) : nil
        }

        mutating func token() -> String? {
            let start = i
            while i < bytes.count, bytes[i] != 32 { i += 1 }
            return i > start ? String(decoding: bytes[start..<i], as: UTF8.self) : nil
        }

        /// A value; `smallInt` receives the number when the value is a bare -1, 0 or 1 (a sort
        /// direction or projection flag, which the shaper prints in ordered documents).
        mutating func value(smallInt: inout Int?) -> ShapeNode? {
            skipSpaces()
            guard i < bytes.count else { return nil }
            switch bytes[i] {
            case UInt8(ascii: "{"):
                i += 1
                var fields: [ShapeField] = []
                skipSpaces()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .document([]) }
                while i < bytes.count {
                    skipSpaces()
                    let start = i
                    // Keys run to ": " (keys may hold dots and dollars).
                    while i + 1 < bytes.count, !(bytes[i] == UInt8(ascii: ":") && bytes[i + 1] == 32) { i += 1 }
                    guard i + 1 < bytes.count else { return nil }
                    let key = String(decoding: bytes[start..<i], as: UTF8.self)
                    i += 2
                    var small: Int?
                    guard let v = value(smallInt: &small) else { return nil }
                    fields.append(ShapeField(key: key, value: v, smallInt: small))
                    skipSpaces()
                    guard i < bytes.count else { return nil }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "}") { i += 1; return .document(fields) }
                    return nil
                }
                return nil
            case UInt8(ascii: "["):
                i += 1
                var items: [ShapeNode] = []
                skipSpaces()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array([]) }
                while i < bytes.count {
                    var ignored: Int?
                    guard let v = value(smallInt: &ignored) else { return nil }
                    // A `?array<>` entry in a list of documents stands for its scalar elements.
                    if case .array(let inner) = v, inner == ShapeTextReader.mixedScalars {
                        items += ShapeTextReader.mixedScalars
                    } else {
                        items.append(v)
                    }
                    skipSpaces()
                    guard i < bytes.count else { return nil }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                    return nil
                }
                return nil
            default:
                // An atom: up to , } ] or a space outside `<…>` (`?array<?number>`).
                let start = i
                var depth = 0
                while i < bytes.count {
                    let c = bytes[i]
                    if c == UInt8(ascii: "<") { depth += 1 }
                    if c == UInt8(ascii: ">") { depth -= 1 }
                    if depth <= 0 && (c == UInt8(ascii: ",") || c == UInt8(ascii: "}") || c == UInt8(ascii: "]") || c == 32) { break }
                    i += 1
                }
                guard i > start else { return nil }
                return ShapeTextReader.atom(String(decoding: bytes[start..<i], as: UTF8.self), smallInt: &smallInt)
            }
        }

        mutating func value() -> ShapeNode? {
            var ignored: Int?
            return value(smallInt: &ignored)
        }
    }

    /// `?kind`, `?array<?kind>`, `?array<>`, or a bare integer (a flag: `.scalar(.number)`).
    static func atom(_ a: String, smallInt: inout Int?) -> ShapeNode? {
        if a.hasPrefix("?array<"), a.hasSuffix(">") {
            let inner = a.dropFirst(7).dropLast()
            if inner.isEmpty { return .array(mixedScalars) }
            guard inner.hasPrefix("?"), let k = ScalarKind(rawValue: String(inner.dropFirst())) else { return nil }
            return .array([.scalar(k)])
        }
        if a.hasPrefix("?") { return ScalarKind(rawValue: String(a.dropFirst())).map { .scalar($0) } }
        if let n = Int(a) {
            smallInt = n
            return .scalar(.number)
        }
        return nil
    }
}
