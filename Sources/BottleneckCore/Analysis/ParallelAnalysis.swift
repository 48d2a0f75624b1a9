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
            // Partial summaries are merged after the logs, as in the parallel path.
            var summaries: [(InputOpener.Opened, String)] = []
            let first = result.inputs.count
            for p in paths { analyze(path: p, deferSummary: { summaries.append(($0, p)) }) }
            result.relabelHosts(inputs: first..<result.inputs.count)
            for (opened, p) in summaries { mergeSummary(opened, path: p) }
            return
        }
        runParallel(paths)
    }

    private struct Planned {
        var accounting: InputAccounting
        var tasks: [ChunkTask] = []
        var size: Int64?
        /// A partial summary among the inputs: merged in its place.
        var summary: InputOpener.Opened?
    }

    private func runParallel(_ paths: [String]) {
        let base = result.inputs.count
        // Plan on this thread, in order: open every input, split plain files at line boundaries.
        var plans: [Planned] = []
        var summaries: [Planned] = []
        var tasks: [ChunkTask] = []
        for path in paths {
            let index = base + plans.count
            var acct = accounting(for: path)
            let opened: InputOpener.Opened
            do {
                opened = try InputOpener.open(path: path)
            } catch {
                acct.error = error.description
                plans.append(Planned(accounting: acct))
                continue
            }
            if opened.isSummary {
                // Merged after the logs, so each log keeps the input index its events carry.
                summaries.append(Planned(accounting: acct, summary: opened))
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
        result.relabelHosts(inputs: base..<result.inputs.count)
        for plan in summaries { consume(plan, index: result.inputs.count) }
    }

    /// Replays one input's chunks in order through the input's ingest loop, exactly as a
    /// sequential run would have seen them.
    private func consume(_ plan: Planned, index: Int) {
        if let opened = plan.summary { return mergeSummary(opened, path: plan.accounting.path) }
        if plan.tasks.isEmpty {
            result.inputs.append(plan.accounting)
            forgetFileNameHost(result.inputs.count - 1)
            return
        }
        let loop = makeLoop(index: index, accounting: plan.accounting, context: plan.tasks[0].context)
        let onProgress = self.onProgress
        var lineBase = 0
        var consumed: Int64 = 0
        var names: [String] = []
        var byFormat: [Int] = []
        var skipRest = false
        var error: String?
        var nextProgress: Int64 = 64 << 20
        for task in plan.tasks {
            if skipRest {
                task.channel.cancel()
                continue
            }
            while true {
                let batch = task.channel.pop()
                var e = 0
                batch.bytes.withUnsafeBytes { all in
                    for line in batch.lines {
                        switch line.kind {
                        case .blank: loop.skip(.blank)
                        case .tooLong: loop.skip(.tooLong)
                        case .parsed(let outcome):
                            let bytes = UnsafeRawBufferPointer(rebasing: all[line.start..<(line.start + line.length)])
                            loop.replay(bytes, number: lineBase + line.number, outcome: outcome,
                                        events: batch.events[e..<(e + line.events)], lineShift: lineBase)
                            e += line.events
                        }
                    }
                }
                if let onProgress, task.start + batch.consumed >= nextProgress {
                    nextProgress = task.start + batch.consumed + (64 << 20)
                    onProgress(index, task.file == nil ? batch.consumed : task.start + batch.consumed, plan.size)
                }
                guard let s = batch.summary else { continue }
                for ev in s.finishEvents { loop.emitReplayed(ev, lineShift: lineBase) }
                if names.isEmpty {
                    names = s.formatNames
                    byFormat = Array(repeating: 0, count: names.count)
                }
                for f in s.linesByFormat.indices { byFormat[f] += s.linesByFormat[f] }
                consumed += s.consumed
                lineBase += s.lines
                if error == nil { error = s.error }
                if s.overran || s.error != nil { skipRest = true }
                break
            }
        }
        loop.finish(bytes: consumed, format: names.isEmpty ? "unknown" : LineDispatcher.formatSummary(names: names, lines: byFormat))
        loopFinished(loop)
        if let error { result.inputs[index].error = error }
        forgetFileNameHost(index)
    }
}
