/// Linux kernel OOM-killer reports from every era (2.6.32 … 6.x) and every transport: dmesg
/// (raw, -T, iso, reltime, -r, -x, --json), /dev/kmsg, syslog/kern.log/messages, OpenWrt
/// logread, journalctl (short family, cat, json). Reference: reference/oom-killer.md.
///
/// One `Event.oomKill` per kill line (a report's header fields attached), one with
/// `killed = false` for "Out of memory and no killable processes", and one per 5.0+ `oom-kill:`
/// summary whose kill line never came (`killLineSeen = false`).
///
/// Line outcomes:
/// - Lines with a kernel transport marker (`[secs]`, `[-T date]`, iso with a comma, kmsg
///   facility 0, `kernel:` syslog tag, `kern` in dmesg -x / logread, journal kernel transport)
///   are `.recognized`, whether or not they belong to an OOM report: they are unambiguously kernel
///   log, and counting them as skipped would drown the real problems.
/// - Records of userspace in a kernel transport (kmsg/`-r` priority ≥ 8, non-`kern` facility)
///   are skipped as "non-kernel record"; `-T`/syslog dates in other locales are skipped.
/// - Bare lines (no prefix: journalctl -o cat, pasted reports) are `.recognized` only when they
///   are OOM-report lines or inside an open bare report; otherwise `.notMine`.
/// - mongod lines (`{"t"`, or a date not followed by `kernel:`) and other programs' syslog lines
///   are `.notMine` after a few byte comparisons.
///
/// Time: wall-clock transports give the event time directly. Uptime stamps are converted with
/// `--boot-time`, else a boot time learned from the input (journald realtime − monotonic,
/// syslog stamp − `[secs]`, or a `dmesg -T`/iso record paired with the same record in uptime
/// form); otherwise the event keeps only `uptimeSeconds` and `timeSource` is nil. For journald
/// JSON the time is `__REALTIME − (__MONOTONIC − _SOURCE_MONOTONIC)`, not the ingestion time.
/// Events without a wall time are held until the end of the input so a boot time learned later
/// still applies.
public final class KernelOOMParser: LineParser {
    public static let factory = ParserFactory(name: "kernel") { ctx in KernelOOMParser(context: ctx) }
    public let formatName = "kernel"
    let context: ParseContext

    var report = KernelReport()
    /// Kills waiting for their reaper/restart lines or for a boot time.
    var pending: [OOMKill] = []
    var lastKill: (pid: Int64, time: LineTime)?
    var lastKillLine = 0
    static let holdLines = 200
    var kernelVersion: String?

    var lastMine = -10
    var lastKind: KernelMessage?
    var lastWasStamped = false
    var bareReportOpen = false
    var transport: KernelTransport = .bare
    var host: String?

    // Clocks
    var reltimeClock: Int64?
    var learnedYear: Int?
    var journalBoot: Int64?
    var syslogBoot: Int64?
    var lastSyslogMono: Int64?
    var pairedBoot: Int64?
    var wallByHash: [UInt64: Int64] = [:]
    var monoByHash: [UInt64: Int64] = [:]

    // dmesg --json
    var jsonMode = false
    var jsonPri: Int64?
    var jsonTime: Int64?
    var scratch: [UInt8] = []

    static let nonKernel = SkipReason("non-kernel record in kernel log")
    static let localizedDate = SkipReason("kernel date in another locale")

    public init(context: ParseContext) {
        self.context = context
        scratch.reserveCapacity(4096)
    }

    var yearForPartialDates: Int? { context.defaultYear ?? learnedYear ?? context.bootTime?.civil.year }

    func learnYear(_ y: Int) { if learnedYear == nil { learnedYear = y } }

    /// Boot wall time in millis and its source.
    var boot: (millis: Int64, source: String)? {
        if let b = context.bootTime { return (b.millis, "boot-time") }
        if let b = journalBoot ?? syslogBoot ?? pairedBoot { return (b, "learned-boot") }
        return nil
    }

    public func parse(_ line: UnsafeRawBufferPointer, lineNumber: Int, emit: (Event) -> Void) -> LineOutcome {
        let outcome = classify(line, lineNumber: lineNumber, emit: emit)
        if outcome != .notMine { lastMine = lineNumber }
        // Kills wait for their reaper and restart lines; after a while they go out (a live tail
        // does not wait for the next report).
        if !pending.isEmpty, lineNumber - lastKillLine > KernelOOMParser.holdLines, !report.open {
            flushPending(emit: emit, all: false)
        }
        return outcome
    }

    private func classify(_ b: UnsafeRawBufferPointer, lineNumber: Int, emit: (Event) -> Void) -> LineOutcome {
        var L = strip(b)
        let follows = lastMine == lineNumber - 1
        switch L.kind {
        case .foreign:
            return .notMine
        case .json:
            return jsonLine(b, lineNumber: lineNumber, emit: emit)
        case .marker:
            return .recognized
        case .localizedDate:
            return .skipped(KernelOOMParser.localizedDate)
        case .continuation:
            if !L.msg.isEmpty, jsonMode || b[L.msg.lowerBound] == UInt8(ascii: "\"") || L.msg.count <= 2,
               let r = dmesgJSONLine(b, lineNumber: lineNumber, emit: emit) { return r }
            // Continuation of a multi-line record (dmesg, journalctl), or an indented line of a bare
            // report; after a bare line outside a report it may still be a report part.
            guard follows else { return .notMine }
            if !lastWasStamped, !bareReportOpen, !L.msg.isEmpty {
                _ = handle(UnsafeRawBufferPointer(rebasing: b[L.msg]), time: LineTime(), lineNumber: lineNumber, emit: emit)
            }
            return .recognized
        case .userspace:
            L.msg = KB.trimmed(b, L.msg)
            let m = UnsafeRawBufferPointer(rebasing: b[L.msg])
            if KB.find(m, "respawning") != nil || KB.find(m, "restart") != nil {
                restart(m, time: time(of: L))
            }
            return .skipped(KernelOOMParser.nonKernel)
        case .kernel:
            transport = L.transport
            host = L.host.map { KB.string(b, $0) }
            let t = time(of: L)
            let m = UnsafeRawBufferPointer(rebasing: b[L.msg])
            let kind = handle(m, time: t, lineNumber: lineNumber, emit: emit)
            if kind != nil { pair(m, time: t) }
            lastKind = kind
            lastWasStamped = true
            return .recognized
        case .bare:
            if let r = dmesgJSONLine(b, lineNumber: lineNumber, emit: emit) { return r }
            // A mongod operation whose stamp is damaged is not the tail of a wrapped kernel line
            // nor part of a pasted report: leave it to the legacy parser.
            if follows, report.open || bareReportOpen || lastKind == .taskIn, KernelOOMParser.isMongodOperation(b) {
                return .notMine
            }
            // A hard-wrapped paste: the tail of the previous stamped line.
            if follows, lastWasStamped, report.open || lastKind == .taskIn {
                if lastKind == .taskIn, KB.tokenEnd(b, 0) == b.count, let om = report.oomMemcg {
                    report.oomMemcg = om + KB.string(b, 0..<b.count)
                }
                lastKind = nil
                return .recognized
            }
            let kind = handle(b, time: LineTime(), lineNumber: lineNumber, emit: emit)
            if let kind {
                transport = .bare
                host = nil
                lastWasStamped = false
                lastKind = kind
                switch kind {
                case .start: bareReportOpen = true
                case .kill, .noKill: bareReportOpen = report.open
                default: break
                }
                return .recognized
            }
            if bareReportOpen, !lastWasStamped { return .recognized }
            return .notMine
        }
    }

    /// A legacy mongod operation line (`… [conn1] command db.c … 5ms`) whatever its prefix.
    static func isMongodOperation(_ b: UnsafeRawBufferPointer) -> Bool {
        guard let ctx = LegacyTextParser.contextWithoutStamp(b) else { return false }
        return LegacyTextParser.opHead(b, min(ctx.upperBound + 2, b.count)) != nil
    }

    // MARK: - time

    func time(of L: KernelLine) -> LineTime {
        var t = LineTime(mono: L.mono, wall: L.wall, wallSource: L.wallSource)
        if let p = L.partial {
            if let y = yearForPartialDates {
                t.wall = p.millis(year: y)
            } else {
                t.wallSource = nil
            }
        }
        if let w = t.wall, let mono = L.mono, L.partial != nil || L.transport == .logread {
            // Uptime going back by more than a second: a reboot, so a new boot time.
            if let last = lastSyslogMono, mono < last - 1_000_000 { syslogBoot = nil }
            lastSyslogMono = mono
            let candidate = KernelOOMParser.bootMillis(wall: w, mono: mono)
            if syslogBoot == nil || candidate < syslogBoot! { syslogBoot = candidate }
        }
        return t
    }

    /// Pairs a record seen with a wall stamp (dmesg -T/iso) and with an uptime stamp to learn
    /// the boot time. Only OOM-report records take part, and only a few thousand.
    private func pair(_ m: UnsafeRawBufferPointer, time: LineTime) {
        guard pairedBoot == nil else { return }
        if time.wallSource == .kernelWall, let w = time.wall, time.mono == nil {
            let h = KB.hash(m, 0..<m.count)
            if let mono = monoByHash[h] { pairedBoot = KernelOOMParser.bootMillis(wall: w, mono: mono); return }
            if wallByHash.count < 4096 { wallByHash[h] = w }
        } else if time.wall == nil, let mono = time.mono {
            let h = KB.hash(m, 0..<m.count)
            if let w = wallByHash[h] { pairedBoot = KernelOOMParser.bootMillis(wall: w, mono: mono); return }
            if monoByHash.count < 4096 { monoByHash[h] = mono }
        }
    }

    /// Boot wall time (ms, floored) from a record's wall millis and uptime µs.
    /// Wall stamps are in `Timestamp`'s range and uptimes below 10^18 µs, so this cannot overflow.
    static func bootMillis(wall: Int64, mono: Int64) -> Int64 {
        let us = wall * 1000 - mono
        return us >= 0 ? us / 1000 : (us - 999) / 1000
    }

    func newEvent(lineNumber: Int, time: LineTime) -> OOMKill {
        var e = OOMKill(format: formatName, source: SourceLocation(input: context.input, line: lineNumber))
        e.transport = transport.rawValue
        e.host = host
        e.kernelVersion = kernelVersion
        if let mono = time.mono { e.uptimeSeconds = Double(mono) / 1_000_000 }
        if let w = time.wall, let s = time.wallSource {
            e.timestamp = Timestamp(millis: w)
            e.timeSource = s.rawValue
        }
        return e
    }

    private func resolve(_ e: inout OOMKill) {
        guard e.timestamp == nil, let up = e.uptimeSeconds, let boot else { return }
        // Uptime below 10^12 s and a boot time in range: the sum fits; past year 9999 it is no time.
        guard let t = Timestamp(checkedMillis: boot.millis + Int64((up * 1000).rounded(.down))) else { return }
        e.timestamp = t
        e.timeSource = boot.source
    }

    // MARK: - report lifecycle

    /// Ends the current report: a 5.0+ summary whose kill line never came becomes a kill event.
    func closeReport(emit: (Event) -> Void) {
        if let pid = report.summaryPid, !report.summaryConsumed {
            var e = newEvent(lineNumber: report.summaryLine, time: report.summaryTime)
            report.apply(to: &e)
            e.pid = pid
            e.processName = report.summaryTask
            e.uid = report.summaryUid
            e.killLineSeen = false
            report.summaryConsumed = true
            pending.append(e)
        }
        report.open = false
        bareReportOpen = false
    }

    /// Emits pending kills; with `all == false` those still waiting for a boot time stay.
    func flushPending(emit: (Event) -> Void, all: Bool) {
        guard !pending.isEmpty else { return }
        var keep: [OOMKill] = []
        for var e in pending {
            resolve(&e)
            if all || e.timestamp != nil || e.uptimeSeconds == nil || pending.count > 10_000 {
                emit(.oomKill(e))
            } else {
                keep.append(e)
            }
        }
        pending = keep
    }

    public func finish(emit: (Event) -> Void) {
        closeReport(emit: emit)
        flushPending(emit: emit, all: true)
    }

    // MARK: - JSON transports

    private func jsonLine(_ b: UnsafeRawBufferPointer, lineNumber: Int, emit: (Event) -> Void) -> LineOutcome {
        guard let msg = KernelJSON.value(b, key: "MESSAGE") else {
            return dmesgJSONLine(b, lineNumber: lineNumber, emit: emit) ?? .notMine
        }
        let tr = KernelJSON.value(b, key: "_TRANSPORT")
        let ident = KernelJSON.value(b, key: "SYSLOG_IDENTIFIER")
        let isKernel = (tr.map { KB.has(b, "kernel\"", at: $0.range.lowerBound) } ?? false)
            || (ident.map { KB.has(b, "kernel\"", at: $0.range.lowerBound) } ?? false)
        var t = LineTime()
        let src = KernelJSON.value(b, key: "_SOURCE_MONOTONIC_TIMESTAMP").flatMap { KernelJSON.int(b, $0.range) }
        let rt = KernelJSON.value(b, key: "__REALTIME_TIMESTAMP").flatMap { KernelJSON.int(b, $0.range) }
        let mt = KernelJSON.value(b, key: "__MONOTONIC_TIMESTAMP").flatMap { KernelJSON.int(b, $0.range) }
        t.mono = src
        if let rt, let mt, let src {
            // Each is at most 18 digits (KB.uint), so these cannot overflow; a stamp past year
            // 9999 is unreadable.
            let bootMicros = rt - mt
            if let w = Timestamp(checkedMillis: (bootMicros + src) / 1000) {
                if journalBoot == nil { journalBoot = bootMicros / 1000 }
                t.wall = w.millis
                t.wallSource = .journalSource
            }
        } else if let rt, let w = Timestamp(checkedMillis: rt / 1000) {
            t.wall = w.millis
            t.wallSource = .journal
        }
        var buf = scratch
        KernelJSON.decode(b, msg.range, isString: msg.isString, into: &buf)
        defer { scratch = buf }
        return buf.withUnsafeBytes { m -> LineOutcome in
            guard isKernel else {
                if KB.find(m, "Scheduled restart job") != nil || KB.find(m, "scheduling restart") != nil {
                    restart(m, time: t)
                    return .recognized
                }
                return .notMine
            }
            transport = .journalJSON
            host = KernelJSON.value(b, key: "_HOSTNAME").map { KB.string(b, $0.range) }
            lastKind = handle(m, time: t, lineNumber: lineNumber, emit: emit)
            lastWasStamped = true
            return .recognized
        }
    }

    /// `dmesg --json`: pretty-printed records over several lines, or one record per line.
    private func dmesgJSONLine(_ b: UnsafeRawBufferPointer, lineNumber: Int, emit: (Event) -> Void) -> LineOutcome? {
        let r = KB.trimmed(b, 0..<b.count)
        guard !r.isEmpty else { return nil }
        let t = UnsafeRawBufferPointer(rebasing: b[r])
        let c = t[0]
        if c == UInt8(ascii: "{") || c == UInt8(ascii: "}") || c == UInt8(ascii: "]") {
            if t.count <= 2, jsonMode || lineNumber == 1 || c == UInt8(ascii: "{") && lineNumber <= 2 { return .recognized }
            if c == UInt8(ascii: "{"), KB.find(t, "\"pri\"") != nil || KB.find(t, "\"time\"") != nil, KB.find(t, "\"msg\"") != nil {
                // One record per line.
                jsonPri = KernelJSON.value(t, key: "pri").flatMap { KernelJSON.int(t, $0.range) }
                jsonTime = KernelJSON.value(t, key: "time").map { r -> Int64? in var i = r.range.lowerBound; return KB.micros(t, &i) } ?? nil
                return dmesgJSONMessage(t, lineNumber: lineNumber, emit: emit)
            }
            return nil
        }
        guard c == UInt8(ascii: "\"") else { return nil }
        if KB.has(t, "\"dmesg\":", at: 0) { jsonMode = true; return .recognized }
        guard jsonMode else { return nil }
        if KB.has(t, "\"pri\":", at: 0) {
            var i = 6
            KB.skipSpaces(t, &i)
            jsonPri = KB.uint(t, &i)
            return .recognized
        }
        if KB.has(t, "\"time\":", at: 0) {
            var i = 7
            KB.skipSpaces(t, &i)
            jsonTime = KB.micros(t, &i)
            return .recognized
        }
        if KB.has(t, "\"msg\":", at: 0) { return dmesgJSONMessage(t, lineNumber: lineNumber, emit: emit) }
        return .recognized
    }

    private func dmesgJSONMessage(_ t: UnsafeRawBufferPointer, lineNumber: Int, emit: (Event) -> Void) -> LineOutcome {
        defer { jsonPri = nil; jsonTime = nil }
        guard let v = KernelJSON.value(t, key: "msg") else { return .recognized }
        var buf = scratch
        KernelJSON.decode(t, v.range, isString: v.isString, into: &buf)
        defer { scratch = buf }
        if let p = jsonPri, p >= 8 { return .skipped(KernelOOMParser.nonKernel) }
        transport = .dmesgJSON
        host = nil
        let time = LineTime(mono: jsonTime)
        return buf.withUnsafeBytes { m -> LineOutcome in
            lastKind = handle(m, time: time, lineNumber: lineNumber, emit: emit)
            lastWasStamped = true
            return .recognized
        }
    }
}
