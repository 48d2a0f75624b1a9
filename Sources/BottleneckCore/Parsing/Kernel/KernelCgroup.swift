/// Container, pod and runtime from a memcg path (reference/oom-killer.md §2).
///
/// The container id is the last 64-hex run in the path (`/docker/<id>`,
/// `docker-<id>.scope`, `cri-containerd-<id>.scope`, `crio-<id>.scope`, `libpod-<id>.scope`,
/// `/kubepods/.../<id>`); LXC containers are `/lxc/<ctid>` or `/lxc.payload.<name>`.
/// The pod uid comes from `pod<uid>` (cgroupfs, dashes) or `pod<uid_with_underscores>.slice`.
/// Runs once per kill, on a few hundred bytes.
enum KernelCgroup {
    struct Parts: Equatable {
        var containerId: String?
        var podUid: String?
        var runtime: String?
    }

    static func parse(_ path: String) -> Parts {
        let b = Array(path.utf8)
        var parts = Parts()
        func endsWith(_ end: Int, _ s: String) -> Bool {
            let u = Array(s.utf8)
            return end >= u.count && Array(b[(end - u.count)..<end]) == u
        }
        // Last 64-hex run bounded by non-hex bytes.
        var i = b.count
        while i > 0 {
            var j = i
            while j > 0, isLowerHex(b[j - 1]) { j -= 1 }
            if i - j == 64 {
                parts.containerId = String(decoding: b[j..<i], as: UTF8.self)
                if endsWith(j, "cri-containerd-") { parts.runtime = "containerd" }
                else if endsWith(j, "crio-") { parts.runtime = "cri-o" }
                else if endsWith(j, "libpod-") { parts.runtime = "podman" }
                else if endsWith(j, "docker-") || endsWith(j, "/docker/") { parts.runtime = "docker" }
                else if find(b, "/kubepods") != nil || find(b, "kubepods") == 0 { parts.runtime = "kubernetes" }
                break
            }
            i = j > 0 ? j - 1 : 0
        }
        if parts.containerId == nil {
            for marker in ["/lxc/", "/lxc.payload."] {
                if let at = find(b, marker) {
                    let s = at + marker.utf8.count
                    var e = s
                    while e < b.count, b[e] != UInt8(ascii: "/") { e += 1 }
                    if e > s {
                        parts.containerId = String(decoding: b[s..<e], as: UTF8.self)
                        parts.runtime = "lxc"
                        break
                    }
                }
            }
        }
        // Pod uid: the last "pod" followed by a 36-byte uuid (dashes or underscores).
        var cursor = 0
        while let p = find(b, "pod", from: cursor) {
            cursor = p + 1
            let s = p + 3
            guard s + 36 <= b.count else { continue }
            var uid = Array(b[s..<(s + 36)])
            var ok = true
            for (k, c) in uid.enumerated() {
                if k == 8 || k == 13 || k == 18 || k == 23 {
                    if c == UInt8(ascii: "_") { uid[k] = UInt8(ascii: "-") } else if c != UInt8(ascii: "-") { ok = false }
                } else if !isLowerHex(c) { ok = false }
            }
            if ok { parts.podUid = String(decoding: uid, as: UTF8.self) }
        }
        return parts
    }

    /// The cpuset leaf printed by ≤4.19 (`cpuset=<id>`) when it names a container.
    static func containerFromCpuset(_ leaf: String) -> Parts? {
        let p = parse("/" + leaf)
        return p.containerId != nil && p.runtime != "lxc" ? p : nil
    }

    private static func isLowerHex(_ c: UInt8) -> Bool { c &- 48 < 10 || c &- 97 < 6 }

    private static func find(_ b: [UInt8], _ s: String, from: Int = 0) -> Int? {
        let u = Array(s.utf8)
        guard b.count >= u.count, from <= b.count - u.count else { return nil }
        for i in from...(b.count - u.count) where b[i] == u[0] {
            if Array(b[i..<(i + u.count)]) == u { return i }
        }
        return nil
    }
}
