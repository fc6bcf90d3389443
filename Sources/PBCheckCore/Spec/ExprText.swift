/// An expression string taken from a YAML scalar, with a map from each
/// Unicode-scalar offset in the string back to its line and column in the
/// file (quotes, escapes, folded lines and block indentation accounted for).
public struct ExprText: Sendable {
    public let text: String
    public let scalars: [Unicode.Scalar]
    /// `positions[i]` is the file position of `scalars[i]`, plus one entry
    /// for the end of the string. Text not read from a file maps to line 0,
    /// column `i + 1`.
    private let positions: [SourceLoc]

    public init(text: String, node: YNode?, file: SourceFile?) {
        self.text = text
        self.scalars = Array(text.unicodeScalars)
        if let node, let file {
            self.positions = ExprText.align(scalars, in: file, from: node.loc)
        } else {
            self.positions = (0...scalars.count).map { SourceLoc(line: 0, column: $0 + 1) }
        }
    }

    /// The file position of the scalar at `offset` (clamped to the string).
    public func loc(_ offset: Int) -> SourceLoc {
        positions[max(0, min(offset, positions.count - 1))]
    }

    /// Walks the source from the scalar's start and matches each value
    /// scalar to the next equal source scalar, skipping whitespace freely
    /// (folding, indentation) and at most a few other scalars (quotes,
    /// escape backslashes, block indicators). An escape that changes the
    /// character (`\n`) maps to the current position.
    private static func align(_ value: [Unicode.Scalar], in file: SourceFile, from start: SourceLoc) -> [SourceLoc] {
        var result: [SourceLoc] = []
        result.reserveCapacity(value.count + 1)
        var line = start.line, column = start.column
        func at(_ l: Int, _ c: Int) -> Unicode.Scalar? {
            guard l >= 1, l <= file.lines.count else { return nil }
            let text = file.lines[l - 1]
            if c >= 1 && c <= text.count { return text[c - 1] }
            return c == text.count + 1 ? "\n" : nil
        }
        for v in value {
            var l = line, c = column, skippedOther = 0, steps = 0
            var found: SourceLoc?
            while steps < 4096, let s = at(l, c) {
                if s == v { found = SourceLoc(line: l, column: c); break }
                if s != " " && s != "\t" && s != "\n" {
                    skippedOther += 1
                    if skippedOther > 3 { break }
                }
                if s == "\n" { l += 1; c = 1 } else { c += 1 }
                steps += 1
            }
            if let f = found {
                result.append(f)
                if v == "\n" { line = f.line + 1; column = 1 } else { line = f.line; column = f.column + 1 }
            } else {
                result.append(SourceLoc(line: line, column: column))
            }
        }
        result.append(SourceLoc(line: line, column: column))
        return result
    }
}
