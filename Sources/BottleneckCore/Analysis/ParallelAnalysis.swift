import Dispatch
import Synchronization

extension Analyzer {
    /// Analyzes inputs in order. With `options.jobs > 1`, worker threads read and parse
    /// independent files and line-aligned chunks of large files (`options.chunkSize`) in
    /// parallel, while this thread replays their lines and events in input order through the
    /// same pipeline as a sequential run (twin folding, filters, aggregates, rules, streaming):
    /// the report is byte-for-byte the one of `jobs == 1`.
    ///
    /// Parsers keep no state across chunks: a chunk is parsed by fresh parsers, which is exact
    /// as long as every earlier line was taken by a `ChunkSafeParser`. A chunk that needs a
    /// stateful parser (legacy ctime years, kernel OOM reports) goes on to the end of the file
    /// and the file's later chunks are dropped, so such files are parsed sequentially.
    public func analyze(paths: [String]) {
        guard options.jobs > 1, !paths.isEmpty else {
            for p in paths { analyze(path: p) }
            return
        }
        runParallel(paths)
    }

    private struct Planned {
        var accounting: InputAccounting
        var tasks: [ChunkTask] = []
        var size: Int64?
    }

    private func runParallel(_ paths: [String]) {
        let base = result.inputs.count
        // Plan on this thread, in order: open every input, split plain files at line boundaries.
        var plans: [Planned] = []
        var tasks: [ChunkTask] = []
        for (i, path) in paths.enumerated() {
            let index = base + i
            var acct = InputAccounting(path: path)
            let opened: InputOpener.Opened
            do {
                opened = try InputOpener.open(path: path)
            } catch {
                acct.error = error.description
                plans.append(Planned(accounting: acct))
                continue
            }
            acct.isGzip = opened.isGzip
            let context = parseContext(index: index, path: path, modificationTime: opened.modificationTime)
            var plan = Planned(accounting: acct, size: opened.size)
            if !opened.isGzip, let file = SharedFile.open(path: path) {
                let cuts = file.boundaries(chunkSize: max(1, options.chunkSize))
                for c in 0..<(cuts.count - 1) {
                    plan.tasks.append(ChunkTask(input: index, context: context, file: file, stream: nil,
                                                start: cuts[c], end: cuts[c + 1], channel: BatchChannel(capacity: 2)))
                }
            } else {
                plan.tasks.append(ChunkTask(input: index, context: context, file: nil, stream: StreamHandoff(opened.source),
                                            start: 0, end: 0, channel: BatchChannel(capacity: 2)))
            }
            tasks += plan.tasks
            plans.append(plan)
        }

        // Workers take tasks in order, so the consumer never waits on a task nobody holds.
        let next = Mutex(0)
        let group = DispatchGroup()
        let options = self.options
        let keepBytes = result.rules?.wantsLines ?? false
        let allTasks = tasks
        for _ in 0..<min(options.jobs, max(1, allTasks.count)) {
            DispatchQueue.global().async(group: group) {
                while true {
                    let t = next.withLock { n -> Int in
                        defer { n += 1 }
                        return n
                    }
                    if t >= allTasks.count { return }
                    ChunkProducer.run(allTasks[t], options: options, keepBytes: keepBytes)
                }
            }
        }

        for (i, plan) in plans.enumerated() {
            consume(plan, index: base + i)
        }
        group.wait()
    }

    /// Replays one input's chunks in order, exactly as `analyze(source:)` would have seen them.
    private func consume(_ plan: Planned, index: Int) {
        var acct = plan.accounting
        defer { result.inputs.append(acct) }
        if plan.tasks.isEmpty { return }
        let pipeline = EventPipeline(filter: options.filter, result: result, onEvent: onEvent)
        let rules = result.rules
        let onProgress = self.onProgress
        var lineBase = 0
        var consumed: Int64 = 0
        var names: [String] = []
        var byFormat: [Int] = []
        var skipRest = false
        var nextProgress: Int64 = 64 << 20
        for task in plan.tasks {
            if skipRest {
                task.channel.cancel()
                continue
            }
            while true {
                let batch = task.channel.pop()
                var e = 0
                for line in batch.lines {
                    switch line.kind {
                    case .blank: acct.count(.skipped(.blank))
                    case .tooLong: acct.count(.skipped(.tooLong))
                    case .parsed(let outcome):
                        if let rules {
                            batch.bytes.withUnsafeBytes { all in
                                rules.beginLine(UnsafeRawBufferPointer(rebasing: all[line.start..<(line.start + line.length)]),
                                                number: lineBase + line.number, input: index)
                            }
                        }
                        for k in e..<(e + line.events) { pipeline.sink(batch.events[k].shiftingLines(by: lineBase)) }
                        e += line.events
                        acct.count(outcome)
                        rules?.endLine()
                    }
                }
                if let onProgress, task.start + batch.consumed >= nextProgress {
                    nextProgress = task.start + batch.consumed + (64 << 20)
                    onProgress(index, task.file == nil ? batch.consumed : task.start + batch.consumed, plan.size)
                }
                guard let s = batch.summary else { continue }
                for ev in s.finishEvents { pipeline.sink(ev.shiftingLines(by: lineBase)) }
                if names.isEmpty {
                    names = s.formatNames
                    byFormat = Array(repeating: 0, count: names.count)
                }
                for f in s.linesByFormat.indices { byFormat[f] += s.linesByFormat[f] }
                consumed += s.consumed
                lineBase += s.lines
                if acct.error == nil { acct.error = s.error }
                if s.overran || s.error != nil { skipRest = true }
                break
            }
        }
        acct.bytes = consumed
        acct.format = names.isEmpty ? "unknown" : LineDispatcher.formatSummary(names: names, lines: byFormat)
        pipeline.finish(into: &acct)
    }
}
