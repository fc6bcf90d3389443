/// A position in a playbook file: 1-based line and column, columns counted in
/// Unicode scalars (as libyaml counts them).
public struct SourceLoc: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static let unknown = SourceLoc(line: 0, column: 0)

    public static func < (a: SourceLoc, b: SourceLoc) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }

    public var description: String { "\(line):\(column)" }
}

/// The text of a playbook file, kept so that diagnostics can quote the
/// offending line and expression columns can be mapped back into the YAML.
public final class SourceFile: @unchecked Sendable {
    public let path: String
    public let text: String
    /// Each line as Unicode scalars, without its line break.
    public let lines: [[Unicode.Scalar]]

    public init(path: String, text: String) {
        self.path = path
        self.text = text
        var lines: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            if scalar == "\n" {
                if !previousWasCR { lines.append(current); current = [] }
                previousWasCR = false
            } else if scalar == "\r" {
                lines.append(current); current = []
                previousWasCR = true
            } else {
                current.append(scalar)
                previousWasCR = false
            }
        }
        lines.append(current)
        self.lines = lines
    }

    /// The text of line `n` (1-based), or nil when out of range.
    public func line(_ n: Int) -> String? {
        guard n >= 1, n <= lines.count else { return nil }
        var s = String.UnicodeScalarView()
        s.append(contentsOf: lines[n - 1])
        return String(s)
    }
}
