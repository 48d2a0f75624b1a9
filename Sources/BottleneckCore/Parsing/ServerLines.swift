#if canImport(Glibc)
import Glibc
#endif

/// The few mongod lines that say who the server is and which replica-set role it holds, in
/// both log formats (see `ServerEvent`). Checked only on lines that are not slow operations; a
/// line that does not match costs one id comparison (logv2) or one byte and a prefix (legacy).
enum ServerLines {
    // MARK: logv2

    /// logv2 message ids: "MongoDB starting", "Options set by command line", "Replica set state
    /// transition".
    static let startupId: Int64 = 4_615_611
    static let optionsId: Int64 = 21_951
    static let stateChangeId: Int64 = 21_358

    @inline(__always)
    static func logv2Kind(_ id: Int64) -> ServerEvent.Kind? {
        switch id {
        case startupId: return .startup
        case optionsId: return .options
        case stateChangeId: return .stateChange
        default: return nil
        }
    }

    /// The event of a logv2 server line (its `t` and `attr` found wherever they sit), or nil
    /// when the line lacks what the kind needs.
    static func logv2Event(_ s: JSONScanner, kind: ServerEvent.Kind, input: Int, lineNumber: Int) -> ServerEvent? {
        var t: (Int, Int)?
        var attr: (Int, Int)?
        var i = 1
        while let k = s.key(i) {
            let end = s.skipValue(k.value)
            if end < 0 { return nil }
            if s.equals(k.start, k.end, "t") { t = (k.value, end) }
            if s.equals(k.start, k.end, "attr") { attr = (k.value, end) }
            let (n, closed) = s.next(end, closer: 0x7D)
            if n < 0 || closed { break }
            i = n
        }
        guard let attr, s[attr.0] == 0x7B else { return nil }
        var e = ServerEvent(kind: kind, format: "logv2", source: SourceLocation(input: input, line: lineNumber),
                            timestamp: t.flatMap { LogV2Date.parse(s, $0.0, $0.1) })
        switch kind {
        case .startup:
            var host: String?, port: Int64?
            forEachMember(s, attr.0) { key, v, end in
                if s.equals(key.0, key.1, "host"), s[v] == 0x22 { host = s.decode(v + 1, end - 1) }
                if s.equals(key.0, key.1, "port") { port = s.integer(v)?.value }
            }
            guard let host, !host.isEmpty else { return nil }
            e.host = port.map { "\(host):\($0)" } ?? host
        case .options:
            guard let name = stringAfter(s, attr.0, attr.1, "\"replSetName\":") else { return nil }
            e.replicaSet = name
        case .stateChange:
            forEachMember(s, attr.0) { key, v, end in
                guard s[v] == 0x22 else { return }
                if s.equals(key.0, key.1, "newState") { e.newState = s.decode(v + 1, end - 1) }
                if s.equals(key.0, key.1, "oldState") { e.oldState = s.decode(v + 1, end - 1) }
            }
            guard e.newState != nil else { return nil }
        }
        return e
    }

    /// Calls `body(key, valueStart, valueEnd)` for each member of the object at `at`.
    static func forEachMember(_ s: JSONScanner, _ at: Int, _ body: ((Int, Int), Int, Int) -> Void) {
        var i = s.skipSpace(at + 1)
        if i < s.count, s[i] == 0x7D { return }
        while let k = s.key(i) {
            let end = s.skipValue(k.value)
            if end < 0 { return }
            body((k.start, k.end), k.value, end)
            let (n, closed) = s.next(end, closer: 0x7D)
            if n < 0 || closed { return }
            i = n
        }
    }

    /// The JSON string right after `literal` (a key and its colon) within [from, to).
    static func stringAfter(_ s: JSONScanner, _ from: Int, _ to: Int, _ literal: StaticString) -> String? {
        let n = literal.utf8CodeUnitCount
        var i = from
        while i + n < to {
            guard let hit = memchr(s.base + i, Int32(literal.utf8Start[0]), to - n - i) else { return nil }
            let at = s.base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if memcmp(s.base + at, literal.utf8Start, n) == 0 {
                let v = s.skipSpace(at + n)
                guard v < to, s[v] == 0x22 else { return nil }
                let end = s.skipString(v)
                guard end > 0 else { return nil }
                return s.decode(v + 1, end - 1)
            }
            i = at + 1
        }
        return nil
    }

    // MARK: legacy text

    /// The first three bytes of every legacy server message (`Mon`goDB starting, `opt`ions,
    /// `tra`nsition to, `rep`lSet): most lines stop here (`received client metadata` included).
    @inline(__always)
    static func mayStartLegacyEvent(_ b: UnsafeRawBufferPointer, _ m: Int) -> Bool {
        guard m + 3 <= b.count else { return false }
        let w = UInt32(b[m]) << 16 | UInt32(b[m + 1]) << 8 | UInt32(b[m + 2])
        return w == 0x4D6F6E || w == 0x6F7074 || w == 0x747261 || w == 0x726570  // Mon opt tra rep
    }

    /// The event of a legacy server line, from its message (after the `[context] `): 
    /// `MongoDB starting : pid=… port=N … host=NAME`, `options: { … replSet: "rs" … }` (or
    /// `replSetName: "rs"`), `transition to STATE[ from STATE]` (3.0-4.2) and 2.x `replSet STATE`.
    static func legacyEvent(_ b: UnsafeRawBufferPointer, message m: Int, input: Int, lineNumber: Int,
                            timestamp: () -> Timestamp?) -> ServerEvent? {
        guard m < b.count else { return nil }
        // The stamp is converted only for a line that is a server event.
        func event(_ kind: ServerEvent.Kind) -> ServerEvent {
            ServerEvent(kind: kind, format: "legacy", source: SourceLocation(input: input, line: lineNumber), timestamp: timestamp())
        }
        switch b[m] {
        case UInt8(ascii: "M"):
            guard LegacyTextParser.hasPrefix(b, m, "MongoDB starting :") else { return nil }
            guard let host = token(b, after: " host=", from: m) else { return nil }
            var e = event(.startup)
            e.host = token(b, after: " port=", from: m).map { "\(host):\($0)" } ?? host
            return e
        case UInt8(ascii: "o"):
            guard LegacyTextParser.hasPrefix(b, m, "options: {") else { return nil }
            let name = quoted(b, after: "replSetName: \"", from: m) ?? quoted(b, after: " replSet: \"", from: m)
            guard let name else { return nil }
            var e = event(.options)
            e.replicaSet = name
            return e
        case UInt8(ascii: "t"):
            guard LegacyTextParser.hasPrefix(b, m, "transition to ") else { return nil }
            let p = m + 14
            guard let state = word(b, p) else { return nil }
            var e = event(.stateChange)
            e.newState = state
            let after = p + state.utf8.count
            if LegacyTextParser.hasPrefix(b, after, " from ") { e.oldState = word(b, after + 6) }
            return e
        case UInt8(ascii: "r"):
            // 2.x: `replSet PRIMARY` and the like, the whole message.
            guard LegacyTextParser.hasPrefix(b, m, "replSet "), let state = word(b, m + 8), memberStates.contains(state),
                  m + 8 + state.utf8.count == trimmedEnd(b) else { return nil }
            var e = event(.stateChange)
            e.newState = state
            return e
        default:
            return nil
        }
    }

    static let memberStates: Set<String> = ["PRIMARY", "SECONDARY", "RECOVERING", "STARTUP", "STARTUP2", "ARBITER",
                                            "ROLLBACK", "REMOVED", "DOWN", "UNKNOWN", "FATAL"]


    static func trimmedEnd(_ b: UnsafeRawBufferPointer) -> Int {
        var e = b.count
        while e > 0, b[e - 1] == 0x20 || b[e - 1] == 0x0D { e -= 1 }
        return e
    }

    /// An upper-case state word (letters and digits) at `at`.
    static func word(_ b: UnsafeRawBufferPointer, _ at: Int) -> String? {
        var e = at
        while e < b.count, (b[e] >= 0x41 && b[e] <= 0x5A) || (b[e] >= 0x30 && b[e] <= 0x39) || b[e] == 0x5F { e += 1 }
        guard e > at else { return nil }
        return String(decoding: UnsafeRawBufferPointer(rebasing: b[at..<e]), as: UTF8.self)
    }

    /// The index just past the first `literal` at or after `from` (the legacy parser's search).
    static func find(_ b: UnsafeRawBufferPointer, _ literal: StaticString, from: Int) -> Int? {
        LegacyOpFields.find(b, from, b.count, literal).map { $0 + literal.utf8CodeUnitCount }
    }

    /// The space-delimited token after `literal`.
    static func token(_ b: UnsafeRawBufferPointer, after literal: StaticString, from: Int) -> String? {
        guard let s = find(b, literal, from: from) else { return nil }
        var e = s
        while e < b.count, b[e] != 0x20 { e += 1 }
        guard e > s else { return nil }
        return String(decoding: UnsafeRawBufferPointer(rebasing: b[s..<e]), as: UTF8.self)
    }

    /// The text up to the next `"` after `literal` (which ends with the opening quote).
    static func quoted(_ b: UnsafeRawBufferPointer, after literal: StaticString, from: Int) -> String? {
        guard let s = find(b, literal, from: from) else { return nil }
        var e = s
        while e < b.count, b[e] != 0x22 { e += 1 }
        guard e < b.count, e > s else { return nil }
        return String(decoding: UnsafeRawBufferPointer(rebasing: b[s..<e]), as: UTF8.self)
    }
}
