#if canImport(Glibc)
import Glibc
#endif

/// Where the shipped rules (`rules/` at the repository root) are found at run time.
///
/// Order: `$BOTTLENECK_RULES` if set; `rules/` or `../share/bottleneck/rules` beside the
/// executable (an installed copy); the first ancestor folder of the executable that holds
/// `rules/` and `Package.swift` (a checkout: `.build/<triple>/<config>/bottleneck`, also the
/// test runner); finally the repository path baked in at build time from `#filePath`.
public enum ShippedRules {
    public static func directory() -> String? {
        if let env = getenv("BOTTLENECK_RULES") {
            let p = String(cString: env)
            if !p.isEmpty { return p }
        }
        var candidates: [String] = []
        if let exe = executablePath() {
            var dir = parent(exe)
            candidates.append(dir + "/rules")
            candidates.append(parent(dir) + "/share/bottleneck/rules")
            while dir != "/" && !dir.isEmpty {
                if FileText.isDirectory(dir + "/rules"), access(dir + "/Package.swift", F_OK) == 0 {
                    candidates.append(dir + "/rules")
                    break
                }
                dir = parent(dir)
            }
        }
        candidates.append(bakedRepositoryRoot() + "/rules")
        return candidates.first { FileText.isDirectory($0) }
    }

    /// Loads the shipped rules; a missing folder is an error (the build is incomplete).
    public static func load() throws(RuleLoadError) -> [Rule] {
        guard let dir = directory() else {
            throw RuleLoadError(file: "rules/", field: "(folder)", line: nil,
                                message: "shipped rules not found (set BOTTLENECK_RULES, or run from the repository build)")
        }
        return try RuleLoader.loadDirectory(dir)
    }

    static func executablePath() -> String? {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let p = String(path[..<slash])
        return p.isEmpty ? "/" : p
    }

    /// Sources/BottleneckCore/Rules/ShippedRules.swift → the repository root, at build time.
    static func bakedRepositoryRoot(file: StaticString = #filePath) -> String {
        var p = "\(file)"
        for _ in 0..<4 { p = parent(p) }
        return p
    }
}
