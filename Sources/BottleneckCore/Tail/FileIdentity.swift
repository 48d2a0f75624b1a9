#if canImport(Glibc)
import Glibc
#endif

/// A hash of a byte range of a file: `length` bytes hashed (fewer than asked when the file was
/// shorter), FNV-1a 64.
public struct ByteRangeHash: Equatable, Sendable {
    public var length: Int
    public var hash: UInt64
    public init(length: Int, hash: UInt64) {
        self.length = length
        self.hash = hash
    }
}

/// How a followed file is recognised (reliability.md §1): a fingerprint of its first bytes, and a
/// marker hash of the bytes just before a saved offset (Fluent Bit's offset marker), so a saved
/// offset is only trusted in the file it was taken in.
public enum FileIdentity {
    public static let fingerprintBytes = 256
    public static let markerBytes = 32

    /// Hashes up to `length` bytes at `offset`; nil on read error.
    public static func hash(fd: Int32, offset: Int64, length: Int) -> ByteRangeHash? {
        if length <= 0 { return ByteRangeHash(length: 0, hash: FNV1a64().value) }
        var buf = [UInt8](repeating: 0, count: length)
        var got = 0
        while got < length {
            let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + got, length - got, off_t(offset) + off_t(got)) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { break }
            got += n
        }
        var h = FNV1a64()
        buf.withUnsafeBytes { h.add(UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
        return ByteRangeHash(length: got, hash: h.value)
    }

    /// The fingerprint of a file as it is now (its first `fingerprintBytes`, or fewer).
    public static func fingerprint(fd: Int32) -> ByteRangeHash? {
        hash(fd: fd, offset: 0, length: fingerprintBytes)
    }

    /// True when the file still starts with the bytes `fp` was taken from.
    public static func matches(fd: Int32, fingerprint fp: ByteRangeHash) -> Bool {
        guard let now = hash(fd: fd, offset: 0, length: fp.length) else { return false }
        return now == fp
    }

    /// The marker for an offset: the hash of the (up to) `markerBytes` bytes before it.
    public static func marker(fd: Int32, offset: Int64) -> ByteRangeHash? {
        let len = Int(min(Int64(markerBytes), offset))
        guard let h = hash(fd: fd, offset: offset - Int64(len), length: len), h.length == len else { return nil }
        return h
    }

    /// (device, inode, size, mtime ns) of a path or descriptor.
    public struct Stat: Equatable, Sendable {
        public var dev: UInt64
        public var ino: UInt64
        public var size: Int64
        public var mtimeNanos: Int64
        public var isRegular: Bool

        init(_ st: stat) {
            dev = UInt64(st.st_dev)
            ino = UInt64(st.st_ino)
            size = Int64(st.st_size)
            mtimeNanos = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
            isRegular = (st.st_mode & S_IFMT) == S_IFREG
        }
    }

    public static func stat(path: String) -> Stat? {
        var st = Glibc.stat()
        guard statPath(path, &st) == 0 else { return nil }
        return Stat(st)
    }

    public static func stat(fd: Int32) -> Stat? {
        var st = Glibc.stat()
        guard fstat(fd, &st) == 0 else { return nil }
        return Stat(st)
    }

    /// Rotated siblings of `path`: files in its directory whose name extends its name with a
    /// rotation suffix (`mongod.log.1`, `mongod.log-20240101`, `mongod.log.2024-01-01T00-00-00`),
    /// compressed ones excluded (`mongod.log.audit` is not one).
    public static func siblings(of path: String) -> [String] {
        let (dir, base) = split(path)
        guard let d = opendir(dir) else { return [] }
        defer { closedir(d) }
        var out: [String] = []
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            // A rotation suffix: `.`, `-` or `_` then a digit (`.1`, `-20240101`, `.2024-01-01T…`).
            let rest = Array(name.utf8.dropFirst(base.utf8.count))
            guard name.hasPrefix(base), rest.count >= 2, [UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_")].contains(rest[0]),
                  rest[1] >= UInt8(ascii: "0") && rest[1] <= UInt8(ascii: "9") else { continue }
            if [".gz", ".bz2", ".xz", ".zst", ".lz4", ".zip"].contains(where: { name.hasSuffix($0) }) { continue }
            out.append(dir == "." && !path.hasPrefix("./") ? name : dir + "/" + name)
        }
        return out.sorted()
    }

    /// (directory, file name).
    public static func split(_ path: String) -> (String, String) {
        if let slash = path.lastIndex(of: "/") {
            let dir = String(path[..<slash])
            return (dir.isEmpty ? "/" : dir, String(path[path.index(after: slash)...]))
        }
        return (".", path)
    }
}

private func statPath(_ path: String, _ st: inout stat) -> Int32 { stat(path, &st) }
