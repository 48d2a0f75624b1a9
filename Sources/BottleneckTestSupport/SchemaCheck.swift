import Foundation

/// A small JSON Schema checker for the report schema: type, required, properties, items,
/// additionalProperties, const, enum, minimum, pattern. Stricter than JSON Schema in one way, on
/// purpose: an object with `properties` and no `additionalProperties` is closed, so every key the
/// report writes must be documented in the schema.
public func schemaViolations(_ value: Any, schema: [String: Any], path: String = "$") -> [String] {
    var errors: [String] = []
    if let t = schema["type"] {
        let types = (t as? [String]) ?? [t as? String ?? ""]
        if !types.contains(where: { matchesType(value, $0) }) {
            return ["\(path): expected \(types.joined(separator: "|")), got \(Swift.type(of: value))"]
        }
    }
    if let c = schema["const"], !jsonEqual(c, value) { errors.append("\(path): expected const \(c)") }
    if let e = schema["enum"] as? [Any], !e.contains(where: { jsonEqual($0, value) }) { errors.append("\(path): \(value) not in enum") }
    if let m = schema["minimum"] as? NSNumber, let v = value as? NSNumber, v.doubleValue < m.doubleValue { errors.append("\(path): below minimum") }
    if let p = schema["pattern"] as? String, let s = value as? String, s.range(of: p, options: .regularExpression) == nil {
        errors.append("\(path): \(s) does not match \(p)")
    }
    if let obj = value as? [String: Any] {
        for r in (schema["required"] as? [String]) ?? [] where obj[r] == nil { errors.append("\(path): missing \(r)") }
        let props = schema["properties"] as? [String: Any]
        for (k, v) in obj {
            if let ps = props?[k] as? [String: Any] {
                errors += schemaViolations(v, schema: ps, path: "\(path).\(k)")
            } else if let ap = schema["additionalProperties"] as? [String: Any] {
                errors += schemaViolations(v, schema: ap, path: "\(path).\(k)")
            } else if let ap = schema["additionalProperties"] as? Bool, ap {
                continue
            } else if props != nil {
                errors.append("\(path): undocumented key \(k)")
            }
        }
    }
    if let arr = value as? [Any], let items = schema["items"] as? [String: Any] {
        for (i, v) in arr.enumerated() { errors += schemaViolations(v, schema: items, path: "\(path)[\(i)]") }
    }
    return errors
}

private func isJSONBool(_ v: Any) -> Bool {
    // JSONSerialization gives __NSCFBoolean for true/false (which also casts to NSNumber and Bool).
    String(describing: type(of: v)).contains("Boolean") || type(of: v) == Bool.self
}

private func matchesType(_ v: Any, _ t: String) -> Bool {
    switch t {
    case "object": return v is [String: Any]
    case "array": return v is [Any]
    case "string": return v is String
    case "null": return v is NSNull
    case "boolean": return isJSONBool(v)
    case "integer":
        guard !isJSONBool(v), let n = v as? NSNumber else { return false }
        return n.doubleValue == n.doubleValue.rounded()
    case "number":
        return !isJSONBool(v) && v is NSNumber
    default: return false
    }
}

private func jsonEqual(_ a: Any, _ b: Any) -> Bool {
    if let x = a as? NSNumber, let y = b as? NSNumber { return x == y }
    if let x = a as? String, let y = b as? String { return x == y }
    return false
}

/// Loads docs/report.schema.json from the repository.
public func reportSchema(file: StaticString = #filePath) throws -> [String: Any] {
    try docsSchema("report.schema.json", file: file)
}

/// Loads a schema from the repository's docs/.
public func docsSchema(_ name: String, file: StaticString = #filePath) throws -> [String: Any] {
    var parts = "\(file)".split(separator: "/", omittingEmptySubsequences: false)
    while let last = parts.last, last != "Sources" && last != "Tests" { parts.removeLast() }
    parts.removeLast()
    let path = parts.joined(separator: "/") + "/docs/" + name
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return try JSONSerialization.jsonObject(with: data) as! [String: Any]
}
