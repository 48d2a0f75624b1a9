import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A `bottleneck tail` process started by a test, with its HTTP port.
public final class TailProcess {
    public let process = Process()
    public let stderrPath: String
    public private(set) var port: UInt16 = 0

    /// Starts `bottleneck tail ARGS --listen 127.0.0.1:0 --format none` and waits until it listens.
    /// `format` other than `none` writes stdout to `stdoutPath`.
    public init(_ args: [String], stderrPath: String, listen: String = "127.0.0.1:0", timeout: Double = 60,
                format: String = "none", stdoutPath: String? = nil) throws {
        self.stderrPath = stderrPath
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: bottleneckExecutablePath())
        process.arguments = ["tail"] + args + ["--listen", listen, "--format", format]
        if let stdoutPath {
            _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
            process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        } else {
            process.standardOutput = FileHandle.nullDevice
        }
        process.standardInput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let text = stderr
            if let r = text.range(of: "listening on http://127.0.0.1:") {
                let digits = text[r.upperBound...].prefix(while: { $0.isNumber })
                if let p = UInt16(digits) { port = p; return }
            }
            if !process.isRunning { break }
            usleep(20_000)
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        throw HarnessError(description: "tail did not start listening: \(stderr)")
    }

    public var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// `kill -9`, and wait for the process to be gone.
    public func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM; returns the exit status, or -1 when it had to be killed after `timeout` seconds.
    @discardableResult
    public func terminate(timeout: Double = 15) -> Int32 {
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill9()
            return -1
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    public func get(_ path: String) throws -> HTTPReply {
        try httpRequest(port: port, "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    }

    /// Sum of the samples of a metric family (optionally only those whose labels contain `matching`).
    public func metric(_ name: String, matching: String? = nil) throws -> Int64 {
        let body = try get("/metrics").body
        return TailProcess.sum(of: name, in: body, matching: matching)
    }

    public static func sum(of name: String, in body: String, matching: String? = nil) -> Int64 {
        var total: Int64 = 0
        for line in body.split(separator: "\n") where !line.hasPrefix("#") {
            guard line.hasPrefix(name + "{") || line.hasPrefix(name + " ") else { continue }
            if let m = matching, !line.contains(m) { continue }
            if let v = line.split(separator: " ").last.flatMap({ Int64($0) }) { total += v }
        }
        return total
    }

    /// Polls until `metric(name)` equals `value` (or exceeds it); returns the last value seen.
    @discardableResult
    public func waitFor(_ name: String, toBe value: Int64, timeout: Double = 60) -> Int64 {
        let deadline = Date().addingTimeInterval(timeout)
        var last: Int64 = -1
        while Date() < deadline {
            if let v = try? metric(name) {
                last = v
                if v == value { return v }
                if v > value { return v }
            }
            usleep(50_000)
        }
        return last
    }
}

public struct HarnessError: Error, CustomStringConvertible {
    public let description: String
}

public struct HTTPReply: Sendable {
    public var status: Int
    public var head: String
    public var body: String
}

/// Sends raw bytes to 127.0.0.1:`port` (or `host`) and reads the reply until the server closes.
public func httpRequest(port: UInt16, host: String = "127.0.0.1", _ raw: String, timeoutSeconds: Int = 10) throws -> HTTPReply {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw HarnessError(description: "socket: \(errno)") }
    defer { close(fd) }
    var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = port.bigEndian
    inet_pton(AF_INET, host, &addr.sin_addr)
    let rc = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard rc == 0 else { throw HarnessError(description: "connect \(host):\(port): \(String(cString: strerror(errno)))") }
    let bytes = Array(raw.utf8)
    var off = 0
    while off < bytes.count {
        let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + off, bytes.count - off, Int32(MSG_NOSIGNAL)) }
        if n <= 0 { break }
        off += n
    }
    var reply: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { break }
        reply.append(contentsOf: buf[0..<n])
        // Stop once a complete Content-Length body is in (keep-alive servers may not close).
        if let text = String(bytes: reply, encoding: .utf8), let headEnd = text.range(of: "\r\n\r\n") {
            let head = text[..<headEnd.lowerBound].lowercased()
            if let cl = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
               let len = Int(cl.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)),
               text.utf8.count - text.utf8.distance(from: text.startIndex, to: headEnd.upperBound) >= len { break }
        }
    }
    let text = String(decoding: reply, as: UTF8.self)
    guard let headEnd = text.range(of: "\r\n\r\n") else { throw HarnessError(description: "no HTTP reply: \(text)") }
    let head = String(text[..<headEnd.lowerBound])
    let parts = head.split(separator: " ", maxSplits: 2)
    guard parts.count >= 2, let status = Int(parts[1]) else { throw HarnessError(description: "bad status line: \(head)") }
    return HTTPReply(status: status, head: head, body: String(text[headEnd.upperBound...]))
}

/// This machine's non-loopback IPv4 addresses.
public func nonLoopbackIPv4Addresses() -> [String] {
    var out: [String] = []
    var ifap: UnsafeMutablePointer<ifaddrs>?
    guard getifaddrs(&ifap) == 0 else { return [] }
    defer { freeifaddrs(ifap) }
    var p = ifap
    while let ifa = p {
        if let sa = ifa.pointee.ifa_addr, sa.pointee.sa_family == sa_family_t(AF_INET) {
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(sa, socklen_t(MemoryLayout<sockaddr_in>.size), &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 {
                let s = String(decoding: host.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if !s.hasPrefix("127.") { out.append(s) }
            }
        }
        p = ifa.pointee.ifa_next
    }
    return out
}

/// Appends to a log file the way a logging process does (O_APPEND), and rotates it.
public final class LogWriter {
    public let path: String
    private var fd: Int32

    public init(path: String) {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    }

    deinit { close(fd) }

    public func write(_ s: String) {
        var s = s
        s.withUTF8 { b in
            var off = 0
            while off < b.count {
                let n = Glibc.write(fd, b.baseAddress! + off, b.count - off)
                if n <= 0 { if errno == EINTR { continue }; return }
                off += n
            }
        }
    }

    /// mongod `logRotate: rename` / logrotate `create`: rename the file away, reopen a new one.
    public func rotateRename(to rotated: String) {
        rename(path, rotated)
        close(fd)
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    }

    /// logrotate `copytruncate`: copy the content to `copy`, then truncate in place; the writer
    /// keeps its descriptor (O_APPEND continues at the new end).
    public func rotateCopyTruncate(to copy: String) {
        // Like cp: written straight to its final name (no temporary file beside it).
        let data = FileManager.default.contents(atPath: path) ?? Data()
        let out = open(copy, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        data.withUnsafeBytes { b in
            var off = 0
            while off < b.count {
                let n = Glibc.write(out, b.baseAddress! + off, b.count - off)
                if n <= 0 { break }
                off += n
            }
        }
        close(out)
        truncate(path, 0)
    }

    /// Delete the file and create a new one at the same path.
    public func rotateDeleteRecreate() {
        unlink(path)
        close(fd)
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    }
}

/// A fresh directory under /tmp for one test.
public func makeTempDirectory(_ tag: String) throws -> String {
    let dir = "/tmp/bn-\(tag)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}
