import Testing
import Foundation
import BottleneckCore
import BottleneckTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Where the report goes (`-o`, standard output): write errors, full disks, special files,
/// read-only files, missing folders, temporary files and closed pipes (issue 13 "Output and state
/// integrity", issue 15 "Silent failures").
@Suite(.serialized) struct OutputIntegrityTests {
    /// The hatchet sample gives a 76 KB JSON report and a 23 MB NDJSON stream: both overflow 64 KiB.
    static let bigInput = fixturePath("hatchet-sample-mongod-6.0.11.log.gz")
    static let smallInput = fixturePath("gzip/two-members.log.gz")

    struct RunResult {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    struct SetupError: Error, CustomStringConvertible {
        let description: String
    }

    // MARK: helpers

    /// A fresh folder under /tmp, removed (with what is in it) by the caller's `defer`.
    static func makeFolder() -> String {
        var template = Array("/tmp/bottleneck-output-XXXXXX".utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        return String(cString: p!)
    }

    static func removeFolder(_ dir: String) {
        try? FileManager.default.removeItem(atPath: dir)
    }

    static func entries(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
    }

    static func fileKind(_ path: String) -> mode_t? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        return st.st_mode & S_IFMT
    }

    /// Mounts a tmpfs of `size` on `dir` (tests run as root in CI and in the dev container).
    static func mountTmpfs(_ dir: String, options: String, readOnly: Bool = false) -> Bool {
        mount("tmpfs", dir, "tmpfs", readOnly ? UInt(MS_RDONLY) : 0, options) == 0
    }

    static func unmount(_ dir: String) { _ = umount2(dir, Int32(MNT_DETACH)) }

    /// Whether this process may mount a tmpfs (root, or CAP_SYS_ADMIN); tests that need a really
    /// full filesystem are skipped with this reason otherwise.
    static let canMount: Bool = {
        let dir = makeFolder()
        defer { rmdir(dir) }
        guard mountTmpfs(dir, options: "size=64k") else { return false }
        unmount(dir)
        return true
    }()

    /// Runs bottleneck with stdout sent to an open file (e.g. /dev/full).
    static func run(_ args: [String], stdoutPath: String) throws -> RunResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bottleneckExecutablePath())
        p.arguments = args
        guard let out = FileHandle(forWritingAtPath: stdoutPath) else { throw SetupError(description: "cannot open \(stdoutPath)") }
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        try out.close()
        return RunResult(status: p.terminationStatus, stdout: "", stderr: String(decoding: errData, as: UTF8.self))
    }

    // MARK: write errors

    @Test func stdoutToAFullDeviceFailsWithTheOSError() throws {
        for format in ["table", "json", "ndjson"] {
            let r = try Self.run(["analyze", "-q", "--format", format, Self.bigInput], stdoutPath: "/dev/full")
            #expect(r.status == 1, "format \(format)")
            #expect(r.stderr.contains("cannot write to standard output: No space left on device"), "format \(format): \(r.stderr)")
        }
    }

    @Test(.enabled(if: OutputIntegrityTests.canMount, "needs permission to mount a 64 KiB tmpfs (run as root)"))
    func fullFilesystemKeepsTheOldReportAndLeavesNoTemporaryFile() throws {
        let dir = Self.makeFolder()
        defer { Self.unmount(dir); Self.removeFolder(dir) }
        #expect(Self.mountTmpfs(dir, options: "size=64k,mode=0755"))
        let report = dir + "/report.json"
        let old = Array("{\"old\": \"report\"}\n".utf8)
        try writeFileBytes(report, old)
        for format in ["json", "ndjson", "table"] {
            // The table is small: fill the disk first so that even it does not fit.
            var filler: String? = nil
            if format == "table" {
                filler = dir + "/filler"
                let fd = open(filler!, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                let block = [UInt8](repeating: 0x61, count: 4096)
                while write(fd, block, block.count) > 0 {}
                close(fd)
            }
            let r = try runBottleneck(["analyze", "-q", "--format", format, "-o", report, Self.bigInput])
            #expect(r.status == 1, "format \(format)")
            #expect(r.stderr.contains("cannot write the report to \(report)"), "format \(format): \(r.stderr)")
            #expect(r.stderr.contains("No space left on device"), "format \(format): \(r.stderr)")
            #expect(try readFileBytes(report) == old, "format \(format): the old report was changed")
            if let filler { unlink(filler) }
            #expect(Self.entries(dir) == ["report.json"], "format \(format): left \(Self.entries(dir))")
        }
    }

    // MARK: temporary files

    @Test func temporaryFilesAreUniqueAndStaleOnesAreRemoved() throws {
        let dir = Self.makeFolder()
        defer { Self.removeFolder(dir) }
        let report = dir + "/report.json"
        // A run killed an hour ago (its process is gone), a fresh one, another report's, and an
        // unrelated file: only the first goes.
        let gone = Int32.max  // above pid_max: no such process
        let stale = dir + "/.report.json.bottleneck-tmp.\(gone).0123456789abcdef"
        let staleOld = dir + "/report.json.tmp-\(gone)"
        let fresh = dir + "/.report.json.bottleneck-tmp.\(gone).fedcba9876543210"
        let other = dir + "/.other.json.bottleneck-tmp.\(gone).0123456789abcdef"
        let unrelated = dir + "/.report.json.bottleneck-tmp.notes"
        for f in [stale, staleOld, fresh, other, unrelated] { try writeFileBytes(f, Array("partial".utf8)) }
        let hourAgo = time(nil) - 3600
        for f in [stale, staleOld, other, unrelated] {
            var times = [timeval(tv_sec: hourAgo, tv_usec: 0), timeval(tv_sec: hourAgo, tv_usec: 0)]
            #expect(utimes(f, &times) == 0)
        }
        let r = try runBottleneck(["analyze", "-q", "--format", "json", "-o", report, Self.smallInput])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(Self.entries(dir) == [".other.json.bottleneck-tmp.\(gone).0123456789abcdef",
                                      ".report.json.bottleneck-tmp.\(gone).fedcba9876543210",
                                      ".report.json.bottleneck-tmp.notes", "report.json"])
        #expect(try String(contentsOfFile: report, encoding: .utf8).hasSuffix("}\n"))
    }

    @Test func aReplacedReportKeepsItsPermissions() throws {
        let dir = Self.makeFolder()
        defer { Self.removeFolder(dir) }
        let report = dir + "/report.txt"
        try writeFileBytes(report, Array("old\n".utf8))
        chmod(report, 0o640)
        let r = try runBottleneck(["analyze", "-q", "-o", report, Self.smallInput])
        #expect(r.status == 0)
        var st = stat()
        #expect(stat(report, &st) == 0 && st.st_mode & 0o7777 == 0o640)
        #expect(try String(contentsOfFile: report, encoding: .utf8).contains("300 lines"))
    }

    // MARK: special and read-only files

    @Test func outputOntoAFIFOWritesThroughIt() throws {
        let dir = Self.makeFolder()
        defer { Self.removeFolder(dir) }
        let fifo = dir + "/report.fifo"
        #expect(mkfifo(fifo, 0o644) == 0)
        // A reader, so that the writer's open does not wait.
        nonisolated(unsafe) var received = Data()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            if let h = FileHandle(forReadingAtPath: fifo) { received = h.readDataToEndOfFile(); try? h.close() }
            done.signal()
        }
        let r = try runBottleneck(["analyze", "-q", "--format", "json", "-o", fifo, Self.smallInput])
        #expect(done.wait(timeout: .now() + 30) == .success)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(Self.fileKind(fifo) == S_IFIFO, "the FIFO was replaced")
        #expect(String(decoding: received, as: UTF8.self).contains("\"schemaVersion\": 1"))
        #expect(Self.entries(dir) == ["report.fifo"])
    }

    /// `-o /dev/null` must leave /dev/null a device. The test makes its own null device (same
    /// major/minor as /dev/null) in a temporary folder, so that a regression replaces only that
    /// copy and never the machine's /dev/null.
    @Test func outputOntoACharacterDeviceLeavesItADevice() throws {
        let dir = Self.makeFolder()
        defer { Self.removeFolder(dir) }
        let null = dir + "/null"
        var devNull = stat()
        #expect(stat("/dev/null", &devNull) == 0 && devNull.st_mode & S_IFMT == S_IFCHR)
        guard mknod(null, S_IFCHR | 0o666, devNull.st_rdev) == 0 else {
            Issue.record("cannot make a null device (mknod: \(String(cString: strerror(errno))))")
            return
        }
        for format in ["table", "json", "ndjson"] {
            let r = try runBottleneck(["analyze", "-q", "--format", format, "-o", null, Self.smallInput])
            #expect(r.status == 0, "format \(format): \(r.stderr)")
            var st = stat()
            #expect(lstat(null, &st) == 0 && st.st_mode & S_IFMT == S_IFCHR, "format \(format): the device was replaced")
            #expect(st.st_rdev == devNull.st_rdev)
        }
        #expect(Self.entries(dir) == ["null"])
    }

    @Test func aReadOnlyReportIsReplacedOnlyWithForce() throws {
        let dir = Self.makeFolder()
        defer { Self.removeFolder(dir) }
        let report = dir + "/report.json"
        let old = Array("keep me\n".utf8)
        try writeFileBytes(report, old)
        chmod(report, 0o444)
        let refused = try runBottleneck(["analyze", "-q", "--format", "json", "-o", report, Self.smallInput])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("\(report): the file is read-only (use --force to replace it)"))
        #expect(try readFileBytes(report) == old)
        #expect(Self.entries(dir) == ["report.json"])

        let forced = try runBottleneck(["analyze", "-q", "--format", "json", "--force", "-o", report, Self.smallInput])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try String(contentsOfFile: report, encoding: .utf8).contains("\"schemaVersion\": 1"))
        #expect(Self.entries(dir) == ["report.json"])
    }

    /// Through a symlink (as `-o /dev/stdout` redirected to a file is) the target is replaced and
    /// the link stays a link.
    @Test func outputThroughASymlinkReplacesItsTarget() throws {
        let dir = Self.makeFolder()
        defer { Self.removeFolder(dir) }
        try FileManager.default.createDirectory(atPath: dir + "/real", withIntermediateDirectories: false)
        let target = dir + "/real/report.json", link = dir + "/link.json"
        try writeFileBytes(target, Array("old\n".utf8))
        #expect(symlink(target, link) == 0)
        let r = try runBottleneck(["analyze", "-q", "--format", "json", "-o", link, Self.smallInput])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(Self.fileKind(link) == S_IFLNK)
        #expect(try String(contentsOfFile: target, encoding: .utf8).contains("\"schemaVersion\": 1"))
        #expect(Self.entries(dir) == ["link.json", "real"])
        #expect(Self.entries(dir + "/real") == ["report.json"])

        #expect(symlink(dir + "/missing/x.json", dir + "/dangling.json") == 0)
        let dangling = try runBottleneck(["analyze", "-q", "-o", dir + "/dangling.json", Self.smallInput])
        #expect(dangling.status == 1)
        #expect(dangling.stderr.contains("it is a symbolic link to a missing file"), "\(dangling.stderr)")
    }

    @Test func outputOntoAFolderIsRefused() throws {
        let dir = Self.makeFolder()
        defer { Self.removeFolder(dir) }
        let r = try runBottleneck(["analyze", "-q", "-o", dir, Self.smallInput])
        #expect(r.status == 1)
        #expect(r.stderr.contains("cannot write the report to \(dir): it is a directory"))
    }

    // MARK: the destination is checked before any input is read (issue 15)

    /// Standard input is a pipe that stays open: a run that reads its input first never ends.
    static func runWithOpenStdin(_ args: [String], deadline: Double = 30) throws -> (result: RunResult?, seconds: Double) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bottleneckExecutablePath())
        p.arguments = args
        let input = Pipe(), out = Pipe(), err = Pipe()
        p.standardInput = input
        p.standardOutput = out
        p.standardError = err
        let start = Date()
        try p.run()
        let exited = DispatchSemaphore(value: 0)
        p.terminationHandler = { _ in exited.signal() }
        if !p.isRunning { exited.signal() }
        let finished = exited.wait(timeout: .now() + deadline) == .success
        let seconds = Date().timeIntervalSince(start)
        try input.fileHandleForWriting.close()
        if !finished { p.terminate(); p.waitUntilExit(); return (nil, seconds) }
        let e = err.fileHandleForReading.readDataToEndOfFile()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        return (RunResult(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self)), seconds)
    }

    @Test func aMissingFolderFailsBeforeTheInputIsRead() throws {
        let dir = Self.makeFolder()
        defer { Self.removeFolder(dir) }
        let target = dir + "/no-such-folder/report.json"
        for format in ["table", "json", "ndjson"] {
            let (r, seconds) = try Self.runWithOpenStdin(["analyze", "-q", "--format", format, "-o", target, "-"])
            guard let r else {
                Issue.record("format \(format): still reading its input after \(Int(seconds)) s instead of failing on the destination")
                continue
            }
            #expect(r.status == 1)
            #expect(r.stderr.contains("cannot write the report to \(target): the folder \(dir)/no-such-folder does not exist"), "\(r.stderr)")
        }
    }

    @Test(.enabled(if: OutputIntegrityTests.canMount, "needs permission to mount a read-only tmpfs (run as root)"))
    func anUnwritableFolderFailsBeforeTheInputIsRead() throws {
        let dir = Self.makeFolder()
        defer { Self.unmount(dir); Self.removeFolder(dir) }
        // Read-only for root too (mode bits do not stop root).
        #expect(Self.mountTmpfs(dir, options: "size=64k", readOnly: true))
        let target = dir + "/report.json"
        let (r, seconds) = try Self.runWithOpenStdin(["analyze", "-q", "--format", "json", "-o", target, "-"])
        guard let r else {
            Issue.record("still reading its input after \(Int(seconds)) s instead of failing on the destination")
            return
        }
        #expect(r.status == 1)
        #expect(r.stderr.contains("cannot write the report to \(target): Read-only file system"), "\(r.stderr)")
    }

    // MARK: closed pipe

    /// `bottleneck analyze big.log | head -1`: the reader goes away; the run ends by SIGPIPE with
    /// nothing on stderr, as `cat` and `grep` do (a shell reports 141).
    @Test func aClosedPipeEndsQuietly() throws {
        for format in ["ndjson", "json", "table"] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: bottleneckExecutablePath())
            p.arguments = ["analyze", "-q", "--format", format, Self.bigInput]
            let out = Pipe(), err = Pipe()
            p.standardOutput = out
            p.standardError = err
            p.standardInput = FileHandle.nullDevice
            try p.run()
            // Read one line, then close the pipe as `head -1` does.
            let reader = out.fileHandleForReading
            var first = Data()
            while !first.contains(10) {
                let d = reader.readData(ofLength: 1)
                if d.isEmpty { break }
                first.append(d)
            }
            try reader.close()
            let errData = err.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            let stderr = String(decoding: errData, as: UTF8.self)
            #expect(!first.isEmpty, "format \(format)")
            #expect(stderr.isEmpty, "format \(format): \(stderr)")
            // The report is larger than a pipe buffer only for ndjson and json; a table that fits
            // in the pipe is written before the reader goes away and the run ends normally.
            if format == "table" {
                #expect(p.terminationReason == .exit && p.terminationStatus == 0 || p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGPIPE)
            } else {
                #expect(p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGPIPE, "format \(format): \(p.terminationReason) \(p.terminationStatus)")
            }
        }
    }
}
