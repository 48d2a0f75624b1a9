/// Path of a rule fixture under Fixtures/rules, found from this source file's location.
public func ruleFixturePath(_ name: String, file: StaticString = #filePath) -> String {
    var parts = "\(file)".split(separator: "/", omittingEmptySubsequences: false)
    while let last = parts.last, last != "Sources" && last != "Tests" { parts.removeLast() }
    parts.removeLast()
    return parts.joined(separator: "/") + "/Fixtures/rules/" + name
}
