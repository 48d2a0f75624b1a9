import Testing
import Foundation
import BottleneckCore
import BottleneckTestSupport

/// `tail` says at once what it cannot follow, instead of a silent start.
@Suite struct TailStartTests {
    /// Runs `bottleneck tail ARGS` for at most `seconds`; returns (status, stderr, elapsed),
    /// status -1 when it was still running and had to be stopped.
    func tail(_ args: [String], seconds: Double, user: String? = nil) throws -> (Int32, String, Double) {
        let p = Process()
        if let user {
            p.executableURL = URL(fileURLWithPath: "/usr/bin/su")
            let cmd = ([bottleneckExecutablePath(), "tail"] + args).map { "'\($0)'" }.joined(separator: " ")
            p.arguments = [user, "-s", "/bin/sh", "-c", cmd]
        } else {
            p.executableURL = URL(fileURLWithPath: bottleneckExecutablePath())
            p.arguments = ["tail"] + args
        }
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        let start = Date()
        try p.run()
        let deadline = Date().addingTimeInterval(seconds)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        var status: Int32 = -1
        if p.isRunning {
            p.terminate()
            p.waitUntilExit()
        } else {
            status = p.terminationStatus
        }
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (status, text, Date().timeIntervalSince(start))
    }

    @Test func aDirectoryIsRefused() throws {
        let dir = try makeTempDirectory("tail-dir")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (status, text, _) = try tail(["--format", "none", dir], seconds: 10)
        #expect(status == 1)
        #expect(text.contains("\(dir): is a directory"))
    }

    @Test func aMissingFileIsWaitedForAndSaidSo() throws {
        let dir = try makeTempDirectory("tail-missing")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (status, text, _) = try tail(["--format", "none", dir + "/mongod.log"], seconds: 1.5)
        #expect(status == -1, "still following after 1.5 s")
        #expect(text.contains("waiting for \(dir)/mongod.log: it does not exist yet"))
    }

    /// A busy port fails at once (it waited 10 s for a listening timeout).
    @Test func aBusyPortFailsAtOnce() throws {
        let dir = try makeTempDirectory("tail-port")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeFileBytes(dir + "/a.log", [])
        // Hold a port: a first tail on an ephemeral port, whose address it prints.
        let first = Process()
        first.executableURL = URL(fileURLWithPath: bottleneckExecutablePath())
        first.arguments = ["tail", "--format", "none", "--listen", "127.0.0.1:0", dir + "/a.log"]
        let err = Pipe()
        first.standardError = err
        first.standardOutput = FileHandle.nullDevice
        try first.run()
        defer { first.terminate(); first.waitUntilExit() }
        var line = ""
        let deadline = Date().addingTimeInterval(15)
        while !line.contains("listening on"), Date() < deadline {
            let d = err.fileHandleForReading.availableData
            if d.isEmpty { break }
            line += String(decoding: d, as: UTF8.self)
        }
        let address = try #require(line.split(separator: "/").dropFirst(1).first.map(String.init), "no address in \(line)")
        let (status, text, elapsed) = try tail(["--format", "none", "--listen", address, dir + "/a.log"], seconds: 12)
        #expect(status == 1)
        #expect(text.contains("--listen \(address): address already in use"), "\(text)")
        #expect(elapsed < 5, "took \(elapsed) s")
    }

    /// A file another user cannot read (mode 0600, as mongod.log usually is): checked as user
    /// nobody when the tests run as root (root itself reads every file).
    @Test func anUnreadableFileIsRefused() throws {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/su"), getpwnam("nobody") != nil else { return }
        let dir = try makeTempDirectory("tail-unreadable")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        chmod(dir, 0o755)
        let path = dir + "/mongod.log"
        try writeFileBytes(path, Array("x\n".utf8))
        chmod(path, 0o600)
        // nobody must reach the binary; skip where the build folder is private.
        guard access(bottleneckExecutablePath(), X_OK) == 0,
              try tail(["--help"], seconds: 10, user: "nobody").0 == 0 else { return }
        let (status, text, _) = try tail(["--format", "none", path], seconds: 10, user: "nobody")
        #expect(status == 1)
        #expect(text.contains("\(path): cannot read: Permission denied"), "\(text)")
    }

    /// A stream that cannot be written (a full disk: /dev/full) stops tail with exit 1 and the
    /// reason; a closed pipe still ends it quietly (TailProcessTests).
    @Test func aFailedStreamWriteIsAnError() throws {
        guard let full = FileHandle(forWritingAtPath: "/dev/full") else { return }
        let dir = try makeTempDirectory("tail-full")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeFileBytes(dir + "/a.log", Array("x\n".utf8))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bottleneckExecutablePath())
        p.arguments = ["tail", "--format", "json", "--interval", "0.2", dir + "/a.log"]
        p.standardOutput = full
        let err = Pipe()
        p.standardError = err
        try p.run()
        let deadline = Date().addingTimeInterval(15)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning { p.terminate(); p.waitUntilExit() }
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(p.terminationStatus == 1, "\(text)")
        #expect(text.contains("standard output: No space left on device"), "\(text)")
    }

    /// `/healthz` answers 503 naming the file while a followed file is missing, and ok once it
    /// exists and can be read.
    @Test func healthzReportsAMissingFileUntilItAppears() throws {
        let dir = try makeTempDirectory("tail-healthz")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/mongod.log"
        let tail = try TailProcess([path], stderrPath: dir + "/err")
        defer { _ = tail.terminate() }
        let before = try tail.get("/healthz")
        #expect(before.status == 503)
        #expect(before.body.contains("waiting for \(path)"))
        try writeFileBytes(path, Array("x\n".utf8))
        let after = try tail.get("/healthz")
        #expect(after.status == 200 && after.body == "ok\n", "\(after.body)")
    }
}
