/// What the transport prefix of one line said (reference/oom-killer.md §3).
struct KernelLine {
    enum Kind: Equatable {
        /// A kernel record: `msg` is its text.
        case kernel
        /// A record in a kernel transport written by userspace (kmsg facility ≠ 0, `dmesg -x user`).
        case userspace
        /// Only whitespace before the text: a continuation of a multi-line record (dmesg, journalctl).
        case continuation
        /// journalctl `-- Boot … --` / `-- No entries --` markers.
        case marker
        /// Date of another locale: counted and skipped.
        case localizedDate
        /// No transport prefix: the bare message (journalctl -o cat, pasted reports).
        case bare
        /// Another program's line (syslog, mongod): not ours.
        case foreign
        /// Handled elsewhere (JSON transports).
        case json
    }

    var kind: Kind
    var transport: KernelTransport = .bare
    var msg: Range<Int> = 0..<0
    /// Kernel monotonic stamp in microseconds.
    var mono: Int64?
    /// Wall-clock UTC millis and where it came from.
    var wall: Int64?
    var wallSource: KernelWallSource?
    /// A wall clock without the year (syslog, journal short): month/day/time to complete later.
    var partial: PartialDate?
    var host: Range<Int>?
}

/// `Mmm dd hh:mm:ss[.frac]`: everything but the year.
struct PartialDate {
    var month: Int, day: Int, hour: Int, minute: Int, second: Int, micros: Int

    func millis(year: Int) -> Int64 {
        Timestamp.fromCivil(year: year, month: month, day: day, hour: hour, minute: minute, second: second).millis + Int64(micros / 1000)
    }
}

extension KernelOOMParser {
    /// Splits the transport prefix from the message. Pure except for the reltime clock.
    func strip(_ b: UnsafeRawBufferPointer) -> KernelLine {
        let n = b.count
        let c0 = b[0]
        switch c0 {
        case UInt8(ascii: "{"):
            if n >= 4, b[1] == UInt8(ascii: "\""), b[2] == UInt8(ascii: "t"), b[3] == UInt8(ascii: "\"") {
                return KernelLine(kind: .foreign)  // mongod logv2
            }
            return KernelLine(kind: .json)
        case UInt8(ascii: " "), UInt8(ascii: "\t"):
            return KernelLine(kind: .continuation, msg: KB.trimmed(b, 0..<n))
        case UInt8(ascii: "["):
            return bracket(b, at: 0, transport: .dmesg)
        case UInt8(ascii: "<"):
            // dmesg -r: <pri>[secs] msg
            var i = 1
            guard let pri = KB.uint(b, &i), i < n, b[i] == UInt8(ascii: ">") else { return bare(b) }
            i += 1
            var line: KernelLine
            if i < n, b[i] == UInt8(ascii: "[") {
                line = bracket(b, at: i, transport: .dmesgR)
                if line.kind == .bare { line.msg = i..<n }
            } else {
                line = KernelLine(kind: .kernel, transport: .dmesgR, msg: i..<n)
            }
            if line.kind == .bare { line.kind = .kernel; line.transport = .dmesgR }
            if pri >= 8, line.kind == .kernel { line.kind = .userspace }
            return line
        case UInt8(ascii: "-"):
            if KB.has(b, "-- ", at: 0) { return KernelLine(kind: .marker, transport: .syslog) }
            return bare(b)
        default:
            break
        }
        if KB.isDigit(c0) { return digitLed(b) }
        if KB.isLetter(c0) || c0 >= 0x80 { return letterLed(b) }
        return bare(b)
    }

    private func bare(_ b: UnsafeRawBufferPointer) -> KernelLine {
        KernelLine(kind: .bare, transport: .bare, msg: 0..<b.count)
    }

    /// `[ 302.856909]`, `[  +0.000013]`, `[<    0.000000>]`, `[Nov26 14:50]`,
    /// `[Thu Nov 26 14:50:11 2026]`, then an optional caller id `[ T123]` and for
    /// journalctl short-monotonic `host kernel:`.
    private func bracket(_ b: UnsafeRawBufferPointer, at start: Int, transport: KernelTransport) -> KernelLine {
        let n = b.count
        var i = start + 1
        KB.skipSpaces(b, &i)
        guard i < n else { return bare(b) }
        var line = KernelLine(kind: .kernel, transport: transport)
        let c = b[i]
        if KB.isDigit(c) {
            guard let mono = KB.micros(b, &i), i < n, b[i] == UInt8(ascii: "]"),
                  KB.find(b, ".", from: start, to: i) != nil else { return bare(b) }
            line.mono = mono
            i += 1
        } else if c == UInt8(ascii: "+") {
            i += 1
            guard let delta = KB.micros(b, &i), i < n, b[i] == UInt8(ascii: "]") else { return bare(b) }
            i += 1
            line.transport = .reltime
            if let base = reltimeClock {
                // Deltas add up: past the range of a stamp the clock is lost, not wrapped.
                let (sum, overflow) = base.addingReportingOverflow(delta)
                if !overflow, let t = Timestamp(checkedMillis: sum / 1000) {
                    reltimeClock = sum
                    line.wall = t.millis
                    line.wallSource = .reltime
                } else {
                    reltimeClock = nil
                }
            }
        } else if c == UInt8(ascii: "<") {
            i += 1
            KB.skipSpaces(b, &i)
            guard KB.micros(b, &i) != nil, i + 1 < n, b[i] == UInt8(ascii: ">"), b[i + 1] == UInt8(ascii: "]") else { return bare(b) }
            i += 2
            line.transport = .delta
        } else if KB.isLetter(c) || c >= 0x80 {
            // [Nov26 14:50] or [Www Mmm dd hh:mm:ss yyyy]
            let w1 = i
            let w1e = KB.tokenEnd(b, i)
            guard w1e < n else { return bare(b) }
            if w1e - w1 >= 5, KB.isDigit(b[w1e - 1]) {
                // reltime header: Mmm + day glued
                var d = w1e
                while d > w1, KB.isDigit(b[d - 1]) { d -= 1 }
                var j = w1e
                KB.skipSpaces(b, &j)
                guard let hh = KB.digits(b, &j, 2), j < n, b[j] == UInt8(ascii: ":"), let mi = { j += 1; return KB.digits(b, &j, 2) }(),
                      j < n, b[j] == UInt8(ascii: "]") else { return bare(b) }
                var dd = d
                guard let day = KB.uint(b, &dd) else { return bare(b) }
                line.transport = .reltime
                guard let month = KB.month(b, w1..<d) else {
                    line.kind = .localizedDate
                    return line
                }
                if let year = yearForPartialDates {
                    let ms = Timestamp.fromCivil(year: year, month: month, day: Int(day), hour: hh, minute: mi, second: 0).millis
                    reltimeClock = ms * 1000
                    line.wall = ms
                    line.wallSource = .reltime
                }
                i = j + 1
            } else {
                // -T: weekday (any locale), month, day, time, year
                var j = w1e
                KB.skipSpaces(b, &j)
                let m = j
                let me = KB.tokenEnd(b, j)
                j = me
                KB.skipSpaces(b, &j)
                guard let day = KB.uint(b, &j), day >= 1, day <= 31, j < n, b[j] == KB.space else { return bare(b) }
                j += 1
                guard let hh = KB.digits(b, &j, 2), KB.has(b, ":", at: j), let mi = { j += 1; return KB.digits(b, &j, 2) }(),
                      KB.has(b, ":", at: j), let ss = { j += 1; return KB.digits(b, &j, 2) }(), KB.has(b, " ", at: j) else { return bare(b) }
                j += 1
                guard let year = KB.digits(b, &j, 4), KB.has(b, "]", at: j) else { return bare(b) }
                line.transport = .dmesgT
                guard let month = KB.month(b, m..<me) else {
                    line.kind = .localizedDate
                    return line
                }
                line.wall = Timestamp.fromCivil(year: year, month: month, day: Int(day), hour: hh, minute: mi, second: ss).millis
                line.wallSource = .kernelWall
                learnYear(year)
                i = j + 1
            }
        } else {
            return bare(b)
        }
        // Optional caller id: [ T123] / [ C1]
        var j = i
        KB.skipSpaces(b, &j)
        if j + 2 < n, b[j] == UInt8(ascii: "["), let close = KB.find(b, "]", from: j, to: min(n, j + 12)) {
            var k = j + 1
            KB.skipSpaces(b, &k)
            if k < close, b[k] == UInt8(ascii: "T") || b[k] == UInt8(ascii: "C") {
                var d = k + 1
                if KB.uint(b, &d) != nil, d == close { i = close + 1 }
            }
        }
        if i < n, b[i] == KB.space { i += 1 }
        // journalctl -o short-monotonic: "[  302.775078] vm kernel: msg"
        if line.mono != nil, transport == .dmesg, let k = syslogTag(b, from: i) {
            switch k {
            case .kernel(let host, let msgStart):
                line.transport = .journalMono
                line.host = host
                i = msgStart
            case .other:
                break
            }
        }
        line.msg = i..<n
        return line
    }

    enum Tag {
        case kernel(host: Range<Int>?, msgStart: Int)
        case other(tag: Range<Int>)
    }

    /// After a syslog/journal stamp: `[host] kernel: ` (or another program's tag).
    func syslogTag(_ b: UnsafeRawBufferPointer, from: Int) -> Tag? {
        let n = b.count
        var i = from
        KB.skipSpaces(b, &i)
        let t1 = i
        let t1e = KB.tokenEnd(b, i)
        guard t1e > t1 else { return nil }
        func isKernelTag(_ s: Int, _ e: Int) -> Bool {
            e - s >= 7 && KB.has(b, "kernel:", at: s)
        }
        if isKernelTag(t1, t1e) {
            var m = t1 + 7
            if m < n, b[m] == KB.space { m += 1 }
            return .kernel(host: nil, msgStart: m)
        }
        var j = t1e
        KB.skipSpaces(b, &j)
        let t2e = KB.tokenEnd(b, j)
        if isKernelTag(j, t2e) {
            var m = j + 7
            if m < n, b[m] == KB.space { m += 1 }
            return .kernel(host: t1..<t1e, msgStart: m)
        }
        // "host prog[pid]: msg" or "prog[pid]: msg"
        if t1e > t1, b[t1e - 1] == UInt8(ascii: ":") { return .other(tag: t1..<t1e) }
        if t2e > j, b[t2e - 1] == UInt8(ascii: ":") { return .other(tag: j..<t2e) }
        return nil
    }

    /// A service manager's restart line in a syslog file (`systemd[1]: x.service: Scheduled
    /// restart job`, upstart `init: x main process ended, respawning`): a userspace record the
    /// crash-loop report uses; other programs' lines are foreign.
    private func supervisor(_ b: UnsafeRawBufferPointer, tag: Range<Int>) -> KernelLine? {
        guard KB.has(b, "systemd[", at: tag.lowerBound) || KB.has(b, "init:", at: tag.lowerBound) else { return nil }
        var m = tag.upperBound
        if m < b.count, b[m] == KB.space { m += 1 }
        let msg = UnsafeRawBufferPointer(rebasing: b[m...])
        guard KB.find(msg, "Scheduled restart job") != nil || KB.find(msg, "scheduling restart") != nil
            || KB.find(msg, "respawning") != nil else { return nil }
        // Keep the tag in the message so the restart parser finds "init: " / "]: ".
        return KernelLine(kind: .userspace, transport: .syslog, msg: tag.lowerBound..<b.count)
    }

    /// After `kernel:`: an optional `[secs]` from rsyslog imklog.
    private func kernelTagged(_ b: UnsafeRawBufferPointer, msgStart: Int, transport: KernelTransport, host: Range<Int>?) -> KernelLine {
        var line = KernelLine(kind: .kernel, transport: transport)
        line.host = host
        var i = msgStart
        if i < b.count, b[i] == UInt8(ascii: "[") {
            var j = i + 1
            KB.skipSpaces(b, &j)
            if let mono = KB.micros(b, &j), j < b.count, b[j] == UInt8(ascii: "]"), KB.find(b, ".", from: i, to: j) != nil {
                line.mono = mono
                i = j + 1
                if i < b.count, b[i] == KB.space { i += 1 }
            }
        }
        // rsyslog escapes the newlines of a multi-line record as #012: keep the first line.
        line.msg = i..<(KB.find(b, "#012", from: i) ?? b.count)
        return line
    }

    /// Lines starting with a digit: /dev/kmsg records, dmesg --time-format iso, journalctl
    /// short-iso/short-unix, rsyslog RFC 3339; mongod text logs are refused here.
    private func digitLed(_ b: UnsafeRawBufferPointer) -> KernelLine {
        let n = b.count
        var i = 0
        let first = KB.uint(b, &i)
        guard let first else { return bare(b) }
        // kmsg: pri,seq,usec,flags[,more];msg
        if i < n, b[i] == UInt8(ascii: ","), i <= 3 {
            var j = i + 1
            if KB.uint(b, &j) != nil, j < n, b[j] == UInt8(ascii: ","), { j += 1; return true }(),
               let usec = KB.uint(b, &j), j < n, b[j] == UInt8(ascii: ","),
               let semi = KB.find(b, ";", from: j, to: min(n, j + 64)) {
                var line = KernelLine(kind: first >= 8 ? .userspace : .kernel, transport: .kmsg)
                line.mono = usec
                var end = n
                if let nl = KB.find(b, "\\x0a", from: semi + 1) { end = nl }
                line.msg = (semi + 1)..<end
                return line
            }
            return bare(b)
        }
        // ISO date: yyyy-mm-ddThh:mm:ss
        if i == 4, i < n, b[i] == UInt8(ascii: "-") {
            var j = 5
            guard let mo = KB.digits(b, &j, 2), KB.has(b, "-", at: j), let d = { j += 1; return KB.digits(b, &j, 2) }(),
                  j < n, b[j] == UInt8(ascii: "T") || b[j] == KB.space,
                  let hh = { j += 1; return KB.digits(b, &j, 2) }(), KB.has(b, ":", at: j),
                  let mi = { j += 1; return KB.digits(b, &j, 2) }(), KB.has(b, ":", at: j),
                  let ss = { j += 1; return KB.digits(b, &j, 2) }(), (1...12).contains(mo) else { return bare(b) }
            let year = Int(first)
            let comma = j < n && b[j] == UInt8(ascii: ",")
            let micros = KB.fractionMicros(b, &j, comma: true)
            var offset = 0
            if j < n, b[j] == UInt8(ascii: "Z") {
                j += 1
            } else if j < n, b[j] == UInt8(ascii: "+") || b[j] == UInt8(ascii: "-") {
                let sign = b[j] == UInt8(ascii: "-") ? -1 : 1
                j += 1
                guard let oh = KB.digits(b, &j, 2) else { return bare(b) }
                if KB.has(b, ":", at: j) { j += 1 }
                guard let om = KB.digits(b, &j, 2) else { return bare(b) }
                offset = sign * (oh * 60 + om)
            }
            guard j < n, b[j] == KB.space else { return KernelLine(kind: .foreign) }
            let wall = Timestamp.fromCivil(year: year, month: mo, day: d, hour: hh, minute: mi, second: ss, offsetMinutes: offset).millis + Int64(micros / 1000)
            if comma {
                // dmesg --time-format iso
                learnYear(year)
                var line = KernelLine(kind: .kernel, transport: .dmesgISO, msg: (j + 1)..<n)
                line.wall = wall
                line.wallSource = .kernelWall
                return line
            }
            let tag = syslogTag(b, from: j + 1)
            switch tag {
            case .kernel(let host, let m)?:
                learnYear(year)
                var line = kernelTagged(b, msgStart: m, transport: .syslogISO, host: host)
                line.wall = wall
                line.wallSource = .syslog
                return line
            case .other(let t)?:
                guard var line = supervisor(b, tag: t) else { return KernelLine(kind: .foreign) }
                line.wall = wall
                line.wallSource = .syslog
                return line
            default:
                return KernelLine(kind: .foreign)  // mongod text log
            }
        }
        // journalctl short-unix: 1795705010.198695 host kernel: msg
        if i >= 9, i < n, b[i] == UInt8(ascii: ".") {
            var j = 0
            guard let us = KB.micros(b, &j), j < n, b[j] == KB.space else { return bare(b) }
            if case .kernel(let host, let m)? = syslogTag(b, from: j + 1) {
                var line = kernelTagged(b, msgStart: m, transport: .journalUnix, host: host)
                line.wall = us / 1000
                line.wallSource = .syslog
                return line
            }
            return KernelLine(kind: .foreign)
        }
        return bare(b)
    }

    /// Lines starting with a letter: syslog/journal short (`Mmm dd hh:mm:ss`), OpenWrt logread
    /// (`Www Mmm dd hh:mm:ss yyyy fac.lvl kernel:`), dmesg -x (`kern  :warn  : `), or a bare message.
    private func letterLed(_ b: UnsafeRawBufferPointer) -> KernelLine {
        let n = b.count
        let w1e = KB.tokenEnd(b, 0)
        guard w1e < n else { return bare(b) }
        // A syslog tag without the stamp (issue pastes): "kernel: msg"
        if w1e == 7, KB.has(b, "kernel:", at: 0) { return kernelTagged(b, msgStart: 8, transport: .syslog, host: nil) }
        // dmesg -x: "kern  :warn  : "
        if w1e <= 8 {
            var j = w1e
            KB.skipSpaces(b, &j)
            if j < n, b[j] == UInt8(ascii: ":") {
                let facilityIsKern = w1e == 4 && KB.has(b, "kern", at: 0)
                j += 1
                let lvlE = KB.tokenEnd(b, j)
                var k = lvlE
                KB.skipSpaces(b, &k)
                if lvlE > j, k < n, b[k] == UInt8(ascii: ":") {
                    k += 1
                    if k < n, b[k] == KB.space { k += 1 }
                    guard k < n else { return KernelLine(kind: .continuation) }
                    let sub = UnsafeRawBufferPointer(rebasing: b[k...])
                    var inner = strip(sub)
                    if inner.kind == .foreign || inner.kind == .json { return inner }
                    inner.msg = (inner.msg.lowerBound + k)..<(inner.msg.upperBound + k)
                    if let h = inner.host { inner.host = (h.lowerBound + k)..<(h.upperBound + k) }
                    if inner.transport == .dmesg || inner.transport == .bare { inner.transport = .dmesgX }
                    if inner.kind == .bare { inner.kind = .kernel }
                    if !facilityIsKern, inner.kind == .kernel { inner.kind = .userspace }
                    return inner
                }
            }
        }
        // Mmm dd hh:mm:ss  or  Www Mmm dd hh:mm:ss yyyy
        var j = w1e
        KB.skipSpaces(b, &j)
        var monthWord = 0..<w1e
        var weekdayForm = false
        if j < n, !KB.isDigit(b[j]) {
            let w2e = KB.tokenEnd(b, j)
            guard w2e - j <= 12 else { return bare(b) }
            monthWord = j..<w2e
            weekdayForm = true
            j = w2e
            KB.skipSpaces(b, &j)
        }
        guard w1e <= 12, let day = KB.uint(b, &j), day >= 1, day <= 31, j < n, b[j] == KB.space else { return bare(b) }
        j += 1
        guard let hh = KB.digits(b, &j, 2), KB.has(b, ":", at: j), let mi = { j += 1; return KB.digits(b, &j, 2) }(),
              KB.has(b, ":", at: j), let ss = { j += 1; return KB.digits(b, &j, 2) }() else { return bare(b) }
        let micros = KB.fractionMicros(b, &j)
        guard j < n, b[j] == KB.space else { return KernelLine(kind: .foreign) }
        j += 1
        let month = KB.month(b, monthWord)
        if weekdayForm {
            // OpenWrt logread: "... 2020 kern.warn kernel: msg"; anything else (mongod ctime) is foreign.
            guard let year = KB.digits(b, &j, 4), KB.has(b, " ", at: j) else { return KernelLine(kind: .foreign) }
            j += 1
            let fe = KB.tokenEnd(b, j)
            guard fe > j, KB.find(b, ".", from: j, to: fe) != nil else { return KernelLine(kind: .foreign) }
            let isKern = KB.has(b, "kern.", at: j)
            guard case .kernel(let host, let m)? = syslogTag(b, from: fe) else { return KernelLine(kind: .foreign) }
            var line = kernelTagged(b, msgStart: m, transport: .logread, host: host)
            if !isKern { line.kind = .userspace }
            guard let month else { line.kind = .localizedDate; return line }
            learnYear(year)
            line.wall = Timestamp.fromCivil(year: year, month: month, day: Int(day), hour: hh, minute: mi, second: ss).millis + Int64(micros / 1000)
            line.wallSource = .logread
            return line
        }
        var line: KernelLine
        switch syslogTag(b, from: j) {
        case .kernel(let host, let m)?:
            line = kernelTagged(b, msgStart: m, transport: .syslog, host: host)
        case .other(let t)?:
            guard let l = supervisor(b, tag: t) else { return KernelLine(kind: .foreign) }
            line = l
        default:
            return KernelLine(kind: .foreign)
        }
        guard let month else { line.kind = line.kind == .kernel ? .localizedDate : .foreign; return line }
        line.partial = PartialDate(month: month, day: Int(day), hour: hh, minute: mi, second: ss, micros: micros)
        line.wallSource = .syslog
        return line
    }
}

enum KernelTransport: String {
    case bare, dmesg, kmsg, syslog, logread
    case dmesgR = "dmesg-r", dmesgX = "dmesg-x", dmesgT = "dmesg-T", dmesgISO = "dmesg-iso"
    case reltime = "dmesg-reltime", delta = "dmesg-delta", dmesgJSON = "dmesg-json"
    case syslogISO = "syslog-iso", journalMono = "journal-monotonic", journalUnix = "journal-unix", journalJSON = "journal-json"
}

enum KernelWallSource: String {
    case kernelWall = "kernel-wall", syslog, logread, journal, reltime
    case journalSource = "journal-source-monotonic"
}
