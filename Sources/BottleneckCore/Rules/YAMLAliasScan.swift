/// Finds YAML anchors (`&name`) and aliases (`*name`) in a rule file before it is composed.
///
/// Rule files do not need them, and nested aliases are a memory bomb: 704 bytes of nested
/// aliases ("billion laughs") expand to hundreds of millions of nodes, and Yams hashes aliased
/// mapping keys while composing. The scan is a small lexer over the bytes that knows where a YAML
/// node can start (line start, after `- `, `? `, `: `, `[`, `{`, `,`, a tag) and skips quoted
/// scalars, block scalars (`|`, `>`) and comments, so `*` and `&` inside patterns and text are fine.
/// It errs on the side of refusing: an `&` or `*` starting a plain scalar is not valid YAML anyway.
enum YAMLAliasScan {
    struct Hit: Equatable {
        /// 1-based line and column.
        let line: Int
        let column: Int
        let isAnchor: Bool
    }

    static func first(in source: String) -> Hit? {
        var bytes = Array(source.utf8)
        bytes.append(10)
        let space: UInt8 = 32, tab: UInt8 = 9, nl: UInt8 = 10, cr: UInt8 = 13
        func isBlank(_ c: UInt8) -> Bool { c == space || c == tab || c == nl || c == cr }

        var i = 0
        var line = 1
        var lineStart = 0
        var blockIndent: Int? = nil   // inside a block scalar started on a line of this indentation
        var inSingle = false, inDouble = false
        var flowDepth = 0
        var atNodeStart = true
        var lineBegun = false

        while i < bytes.count {
            // At the start of each line: indentation, block scalar body, document markers.
            if !lineBegun {
                lineBegun = true
                var j = i
                while j < bytes.count && bytes[j] == space { j += 1 }
                let indent = j - i
                let empty = j >= bytes.count || bytes[j] == nl || bytes[j] == cr
                if let b = blockIndent, !inSingle, !inDouble {
                    if empty || indent > b {
                        // Still inside the block scalar: skip the line.
                        while i < bytes.count && bytes[i] != nl { i += 1 }
                        i += 1; line += 1; lineStart = i; lineBegun = false
                        continue
                    }
                    blockIndent = nil
                }
                if !inSingle && !inDouble {
                    atNodeStart = true
                    // `---` and `...` document markers.
                    if indent == 0, j + 2 < bytes.count,
                       (bytes[j] == 45 && bytes[j + 1] == 45 && bytes[j + 2] == 45) || (bytes[j] == 46 && bytes[j + 1] == 46 && bytes[j + 2] == 46),
                       j + 3 >= bytes.count || isBlank(bytes[j + 3]) {
                        j += 3
                    }
                }
                i = j
                continue
            }
            let c = bytes[i]
            if c == nl {
                i += 1; line += 1; lineStart = i; lineBegun = false
                continue
            }
            if inDouble {
                if c == 92 /* \ */ && i + 1 < bytes.count && bytes[i + 1] != nl { i += 2; continue }
                if c == 34 { inDouble = false; atNodeStart = false }
                i += 1
                continue
            }
            if inSingle {
                if c == 39 {
                    if i + 1 < bytes.count && bytes[i + 1] == 39 { i += 2; continue }
                    inSingle = false; atNodeStart = false
                }
                i += 1
                continue
            }
            // A comment starts at `#` after a blank or at the start of a line.
            if c == 35 && (i == lineStart || isBlank(bytes[i - 1])) {
                while i < bytes.count && bytes[i] != nl { i += 1 }
                continue
            }
            let next: UInt8 = i + 1 < bytes.count ? bytes[i + 1] : nl
            if atNodeStart {
                switch c {
                case space, tab, cr:
                    break
                case 38 /* & */, 42 /* * */:
                    return Hit(line: line, column: i - lineStart + 1, isAnchor: c == 38)
                case 39:
                    inSingle = true
                case 34:
                    inDouble = true
                case 124 /* | */, 62 /* > */:
                    // A block scalar: its body is the following lines indented deeper than this one.
                    var indent = 0
                    var m = lineStart
                    while m < bytes.count && bytes[m] == space { m += 1; indent += 1 }
                    blockIndent = indent
                    while i < bytes.count && bytes[i] != nl { i += 1 }
                    continue
                case 45 /* - */ where isBlank(next), 63 /* ? */ where isBlank(next):
                    break
                case 58 /* : */ where isBlank(next) || flowDepth > 0:
                    break
                case 91 /* [ */, 123 /* { */:
                    flowDepth += 1
                case 44 /* , */ where flowDepth > 0:
                    break
                case 93 where flowDepth > 0, 125 where flowDepth > 0:
                    flowDepth -= 1
                    atNodeStart = false
                case 33 /* ! */:
                    // A tag: skip it; the node follows.
                    while i < bytes.count && !isBlank(bytes[i]) { i += 1 }
                    continue
                default:
                    atNodeStart = false
                }
                i += 1
                continue
            }
            // Inside a plain scalar or after a closed node.
            if c == 58 && (isBlank(next) || flowDepth > 0) {
                atNodeStart = true
            } else if flowDepth > 0 && (c == 44 || c == 91 || c == 123) {
                if c != 44 { flowDepth += 1 }
                atNodeStart = true
            } else if flowDepth > 0 && (c == 93 || c == 125) {
                flowDepth -= 1
            }
            i += 1
        }
        return nil
    }
}
