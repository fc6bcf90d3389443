/// Decorates parts of terminal text. The plain style adds nothing; the CLI
/// supplies an ANSI one when stdout is a TTY. Reports never use colour.
public protocol TextStyle {
    func severity(_ s: Severity, _ text: String) -> String
    func emphasis(_ text: String) -> String
    func dim(_ text: String) -> String
}

public struct PlainStyle: TextStyle {
    public init() {}
    public func severity(_ s: Severity, _ text: String) -> String { text }
    public func emphasis(_ text: String) -> String { text }
    public func dim(_ text: String) -> String { text }
}

/// Renders diagnostics like a compiler: `file:line:col: severity: message
/// [code]`, the source line, and a caret under the spot.
public struct DiagnosticRenderer {
    public var style: TextStyle
    public var showSource: Bool

    public init(style: TextStyle = PlainStyle(), showSource: Bool = true) {
        self.style = style
        self.showSource = showSource
    }

    public func render(_ d: Diagnostic, path: String, file: SourceFile?) -> String {
        var out = ""
        let position = d.location.map { "\(path):\($0.line):\($0.column)" } ?? path
        out += style.emphasis(position + ":") + " " + style.severity(d.severity, d.severity.rawValue + ":") + " "
        out += style.emphasis(d.message) + " " + style.dim("[\(d.code)]") + "\n"
        if showSource, let loc = d.location, let file, let line = file.line(loc.line) {
            out += snippet(line: line, loc: loc)
        }
        for r in d.related {
            out += style.emphasis("\(path):\(r.location.line):\(r.location.column):") + " "
            out += style.severity(.note, "note:") + " " + r.message + "\n"
        }
        return out
    }

    /// The source line with a caret under the column. Long lines are cut to
    /// a window around the column, marked with "…".
    func snippet(line: String, loc: SourceLoc) -> String {
        let number = String(loc.line)
        let gutter = String(repeating: " ", count: number.count)
        var scalars = Array(line.unicodeScalars)
        var column = max(1, loc.column)
        let width = 100
        if scalars.count > width {
            let start = max(0, min(column - 1 - width / 2, scalars.count - width))
            let end = min(scalars.count, start + width)
            var window = Array(scalars[start..<end])
            if start > 0 { window.insert("…", at: 0); column = column - start + 1 }
            if end < scalars.count { window.append("…") }
            scalars = window
        }
        var text = ""
        text.unicodeScalars.append(contentsOf: scalars)
        // Keep tabs so the caret lines up under them.
        let prefix = scalars.prefix(column - 1).map { $0 == "\t" ? "\t" : " " }.joined()
        return style.dim(" \(number) | ") + text + "\n" + style.dim(" \(gutter) | ") + prefix + style.severity(.error, "^") + "\n"
    }

    /// Only the diagnostics (for `verify`, which prints its own summary).
    public func renderDiagnostics(_ r: ValidationResult) -> String {
        r.diagnostics.map { render($0, path: r.path, file: r.file) }.joined()
    }

    /// Diagnostics, then the inferred observations and opaque atoms, then a
    /// one-line summary for the file. `quiet` shows only the errors; the
    /// summary still counts everything.
    public func render(_ r: ValidationResult, quiet: Bool = false) -> String {
        var out = ""
        for d in r.diagnostics where !quiet || d.severity == .error { out += render(d, path: r.path, file: r.file) }
        let inferred = quiet ? [] : r.inferred.filter { $0.origin == .inferred }
        let atoms = quiet ? [] : r.inferred.filter { $0.origin == .opaque }
        if !inferred.isEmpty {
            out += "\(r.path): observations inferred from use (\(inferred.count)):\n"
            for o in inferred {
                out += "  \(o.name)\(o.keyType == nil ? "" : "(key)"): \(typeText(o, r))  (first used at \(o.loc))\n"
            }
        }
        if !atoms.isEmpty {
            out += "\(r.path): opaque browser conditions (\(atoms.count)), checked as free booleans:\n"
            for o in atoms { out += "  \(o.name)  (\(o.uses.count) use\(o.uses.count == 1 ? "" : "s"), first at \(o.loc))\n" }
        }
        out += "\(r.path): \(count(r.errorCount, "error")), \(count(r.warningCount, "warning"))\n"
        return out
    }

    func typeText(_ o: ObservationInfo, _ r: ValidationResult) -> String {
        switch o.domain {
        case .bool: return "bool"
        case .int: return "int"
        case .enumeration(let e):
            let values = r.symbolNames[e] ?? []
            return "enum {" + (values + ["…"]).joined(separator: ", ") + "}"
        }
    }
}

func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
