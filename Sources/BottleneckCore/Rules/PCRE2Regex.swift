import CPCRE2

/// The result of one bounded regex match.
public enum RegexOutcome: Sendable, Equatable {
    case matched
    case noMatch
    /// The match hit a limit (match steps, heap, depth or JIT stack) and was stopped: neither a
    /// match nor a non-match. The string names the limit.
    case aborted(String)
}

/// A pattern that does not compile: PCRE2's message and the offset in the pattern.
public struct RegexCompileError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public let offset: Int
    public var description: String { "\(message) at offset \(offset)" }
}

/// Limits applied to every match, so that no pattern on no input can hang (reference/reliability.md):
/// a step budget rather than a clock, so the outcome is deterministic.
public struct RegexLimits: Sendable, Equatable {
    /// `pcre2_set_match_limit`: calls of the internal match function (also bounds JIT matching).
    public var matchSteps: UInt32 = 1_000_000
    /// `pcre2_set_depth_limit`: backtracking depth of the interpreter (JIT ignores it).
    public var depth: UInt32 = 10_000
    /// `pcre2_set_heap_limit`, KiB of backtracking memory for the interpreter.
    public var heapKiB: UInt32 = 20 * 1024
    /// Size of the JIT machine stack; overflowing it aborts the match.
    public var jitStackBytes: Int = 1 << 20
    public init() {}
}

/// A PCRE2 pattern compiled once (and JIT-compiled when the platform allows). The only type in
/// the project that talks to libpcre2.
///
/// Sendable because the compiled code is never written after `init`; PCRE2 allows one compiled
/// pattern to be matched from several threads, each with its own `RegexScratch`.
public final class PCRE2Regex: @unchecked Sendable {
    public let pattern: String
    private let code: OpaquePointer
    /// false when JIT compilation failed and the interpreter is used (still bounded).
    public let isJIT: Bool

    public init(_ pattern: String) throws(RegexCompileError) {
        self.pattern = pattern
        var errorCode: Int32 = 0
        var errorOffset: Int = 0
        let compiled: OpaquePointer? = pattern.utf8CString.withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: UInt8.self, capacity: buf.count) { p in
                pcre2_compile_8(p, buf.count - 1, bn_pcre2_compile_options(), &errorCode, &errorOffset, nil)
            }
        }
        guard let compiled else {
            throw RegexCompileError(message: PCRE2Regex.errorMessage(errorCode), offset: errorOffset)
        }
        self.code = compiled
        self.isJIT = pcre2_jit_compile_8(compiled, UInt32(PCRE2_JIT_COMPLETE)) == 0
    }

    deinit { pcre2_code_free_8(code) }

    /// Matches anywhere in `subject` (a search, like `grep -P`), within the scratch's limits.
    public func match(_ subject: UnsafeRawBufferPointer, scratch: RegexScratch) -> RegexOutcome {
        let base = subject.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let rc: Int32
        if let base {
            rc = pcre2_match_8(code, base, subject.count, 0, 0, scratch.matchData, scratch.context)
        } else {
            var empty: UInt8 = 0
            rc = pcre2_match_8(code, &empty, 0, 0, 0, scratch.matchData, scratch.context)
        }
        if rc >= 0 { return .matched }  // 0 = ovector too small, still a match
        switch rc {
        case PCRE2_ERROR_NOMATCH: return .noMatch
        case PCRE2_ERROR_MATCHLIMIT: return .aborted("match limit")
        case PCRE2_ERROR_DEPTHLIMIT: return .aborted("depth limit")
        case PCRE2_ERROR_HEAPLIMIT: return .aborted("heap limit")
        case PCRE2_ERROR_JIT_STACKLIMIT: return .aborted("JIT stack limit")
        default: return .aborted(PCRE2Regex.errorMessage(rc))
        }
    }

    public func match(_ subject: String, scratch: RegexScratch) -> RegexOutcome {
        var s = subject
        return s.withUTF8 { match(UnsafeRawBufferPointer($0), scratch: scratch) }
    }

    static func errorMessage(_ code: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = pcre2_get_error_message_8(code, &buffer, buffer.count)
        return n > 0 ? String(decoding: buffer[0..<Int(n)], as: UTF8.self) : "PCRE2 error \(code)"
    }
}

/// Per-thread match state: match data, a match context carrying the limits, and a JIT stack.
/// Not Sendable: each thread (each `RuleRun`) owns one.
public final class RegexScratch {
    fileprivate let matchData: OpaquePointer
    fileprivate let context: OpaquePointer
    private let jitStack: OpaquePointer?
    public let limits: RegexLimits

    public init(limits: RegexLimits = RegexLimits()) {
        self.limits = limits
        matchData = pcre2_match_data_create_8(16, nil)
        context = pcre2_match_context_create_8(nil)
        pcre2_set_match_limit_8(context, limits.matchSteps)
        pcre2_set_depth_limit_8(context, limits.depth)
        pcre2_set_heap_limit_8(context, limits.heapKiB)
        jitStack = pcre2_jit_stack_create_8(32 * 1024, max(32 * 1024, limits.jitStackBytes), nil)
        if let jitStack { pcre2_jit_stack_assign_8(context, nil, UnsafeMutableRawPointer(jitStack)) }
    }

    deinit {
        if let jitStack { pcre2_jit_stack_free_8(jitStack) }
        pcre2_match_context_free_8(context)
        pcre2_match_data_free_8(matchData)
    }
}
