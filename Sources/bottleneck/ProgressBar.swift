/// A one-line progress bar on stderr, only when stderr is a terminal.
final class ProgressBar {
    private var lastFile = ""
    private var drawn = false

    func update(file: String, done: Int64, size: Int64?) {
        var line = "\r\(file): \(done >> 20) MiB"
        if let size, size > 0 {
            let frac = min(1.0, Double(done) / Double(size))
            let width = 30
            let filled = Int(frac * Double(width))
            line += " [" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] \(Int(frac * 100))%"
        }
        Terminal.writeStderr(line + "\u{1B}[K")
        drawn = true
    }

    func finish() {
        if drawn { Terminal.writeStderr("\r\u{1B}[K") }
    }
}
