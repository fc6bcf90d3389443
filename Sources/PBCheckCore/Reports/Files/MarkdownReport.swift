import Foundation

/// `NAME.md` (SPEC §5.2): a GitHub-flavoured Markdown summary for a CI job
/// page or a PR comment — the result in the title, the verdict table,
/// coverage, each counterexample as a step table, and a Mermaid diagram of
/// the control graph with the first counterexample's path highlighted. A
/// spec that did not load gets its diagnostics.
///
/// The file stays within `limit` bytes: when the whole report is larger,
/// parts are cut in this order until it fits — the counterexamples after
/// the first (last first), the diagram, the middle steps of the first
/// counterexample, the first counterexample, the diagnostics, the names in
/// the coverage lists, the rows of properties that hold, the verdict table —
/// and a note under the title says what was left out. Only when even the
/// title does not fit is the text cut short, after a note that says so.
public enum MarkdownReport {
    public static func file(_ input: ReportInput, limit: Int = 1 << 20) -> ReportFile {
        ReportFile(name: input.name + ".md", text: text(input, limit: limit))
    }

    /// GitHub's Mermaid refuses a diagram longer than this many characters
    /// (`maxTextSize`) or with more arrows than this (`maxEdges`); a larger
    /// graph is left to `NAME.dot`.
    static let mermaidTextLimit = 50_000
    static let mermaidArrowLimit = 500
    /// A counterexample longer than this is cut to its first and last
    /// `keptSteps / 2` steps before it is left out altogether.
    static let keptSteps = 100

    public static func text(_ input: ReportInput, limit: Int = 1 << 20) -> String {
        var report = Report(input: input, limit: limit)
        return report.fitted()
    }
}

/// What can be cut from the report, in the words of the note.
private enum Cut: Hashable {
    case counterexample, diagram, middleSteps, diagnostics, coverageNames, holdingRows, verdictTable
}

/// One part of the report: its forms, longest first (the last may be
/// empty), and which one is in use.
private struct Piece {
    var forms: [String]
    var chosen = 0
    var text: String { forms[chosen] }
}

private struct Report {
    let input: ReportInput
    let limit: Int
    var header = ""
    var pieces: [Piece] = []
    /// The cuts in the order they are made: a piece and what it leaves out.
    var cuts: [(piece: Int, cut: Cut)] = []
    /// The cuts made, and how many of each.
    var made: [Cut: Int] = [:]
    /// How many counterexamples the outcome has.
    var counterexamples = 0

    init(input: ReportInput, limit: Int) {
        self.input = input
        self.limit = limit
        if let outcome = input.outcome, let model = input.model {
            build(outcome, model)
        } else {
            buildInvalid()
        }
    }

    // MARK: Fitting

    mutating func fitted() -> String {
        var size = header.utf8.count + pieces.map(\.text.utf8.count).reduce(0, +)
        var next = 0
        while size + note.utf8.count > limit, next < cuts.count {
            let (p, cut) = cuts[next]
            next += 1
            size -= pieces[p].text.utf8.count
            pieces[p].chosen += 1
            size += pieces[p].text.utf8.count
            made[cut, default: 0] += 1
        }
        if size + note.utf8.count <= limit { return header + note + pieces.map(\.text).joined() }
        return Report.prefix(cutShortNote + header, bytes: limit)
    }

    /// When even the title is too long: the text is cut short.
    var cutShortNote: String {
        "> **Note:** this summary is cut short to stay under \(sizeText(limit)). `\(Markdown.plain(input.name)).json` has everything.\n\n"
    }

    /// Under the title: what was cut, if anything.
    var note: String {
        var parts: [String] = []
        if let n = made[.counterexample] { parts.append("\(n) of \(counterexamples) counterexample\(counterexamples == 1 ? "" : "s")") }
        if made[.middleSteps] != nil, made[.counterexample] != counterexamples { parts.append("the middle steps of the first counterexample") }
        if made[.diagram] != nil { parts.append("the control-graph diagram") }
        if made[.diagnostics] != nil { parts.append("the diagnostics") }
        if made[.coverageNames] != nil { parts.append("the names of unreached states and never-fired transitions") }
        if made[.verdictTable] != nil { parts.append("the verdict table") }
        else if made[.holdingRows] != nil { parts.append("the properties that hold from the verdict table") }
        guard !parts.isEmpty else { return "" }
        return "> **Note:** this summary is cut to stay under \(sizeText(limit)); it leaves out " + parts.joined(separator: ", ")
            + ". `\(Markdown.plain(input.name)).json` has everything.\n\n"
    }

    /// The longest prefix of `text` that fits in `bytes`, cut between characters.
    static func prefix(_ text: String, bytes: Int) -> String {
        var used = 0
        var end = text.startIndex
        for i in text.indices {
            let width = text[i].utf8.count
            if used + width > bytes { break }
            used += width
            end = text.index(after: i)
        }
        return String(text[..<end])
    }

    /// Appends a piece with its forms, longest first, and returns its
    /// cuts: `cuts[k]` names what going from form k to form k + 1 leaves out.
    mutating func add(_ forms: [String], cuts: [Cut]) -> [(piece: Int, cut: Cut)] {
        // A form that says what the one before says is no cut.
        var distinct = [forms[0]]
        var steps: [(piece: Int, cut: Cut)] = []
        for k in 1..<forms.count where forms[k] != distinct.last {
            distinct.append(forms[k])
            steps.append((pieces.count, cuts[k - 1]))
        }
        pieces.append(Piece(forms: distinct))
        return steps
    }

    // MARK: A spec that did not load

    mutating func buildInvalid() {
        let v = input.validation
        header = "# ⛔ \(Markdown.plain(input.name)): invalid spec\n\n"
        header += "\(Markdown.code(input.path)) did not load: \(count(v.errorCount, "error")), \(count(v.warningCount, "warning")).\n\n"
        let text = "## Diagnostics\n\n" + Markdown.fenced(DiagnosticRenderer(style: PlainStyle()).render(v), info: "text") + "\n"
        cuts = add([text, ""], cuts: [.diagnostics])
    }

    // MARK: A checked spec

    mutating func build(_ o: CheckOutcome, _ model: TypedModel) {
        header = title(o) + subtitle(o, model)
        let violations = o.properties.filter { $0.verdict == .violated && $0.trace != nil }
        let first = violations.first
        counterexamples = violations.map(\.counterexamples.count).reduce(0, +)

        let notHolding = o.properties.filter { $0.verdict != .holds }
        let tableCuts = add([verdicts(o.properties), verdicts(notHolding), ""], cuts: [.holdingRows, .verdictTable])
        let coverageCuts = o.engines == [.scenarios] ? [] : add([coverage(o, names: true), coverage(o, names: false)], cuts: [.coverageNames])

        // Counterexamples past what the limit could hold are never written:
        // they would be the first cut anyway.
        var firstCuts: [(piece: Int, cut: Cut)] = [], extraCuts: [(piece: Int, cut: Cut)] = []
        var written = 0
        // Every counterexample of every violation (`--counterexamples`),
        // each as the property showing it.
        let tables = violations.flatMap { r in
            let all = r.counterexamples
            return all.indices.map { k in (r: r.showing(k), t: all[k].trace, ordinal: r.moreCounterexamples == nil ? nil : (k + 1, all.count)) }
        }
        for (k, (r, t, ordinal)) in tables.enumerated() {
            if written > limit {
                made[.counterexample, default: 0] += 1
                continue
            }
            let heading = k == 0 ? "## Counterexamples\n\n" : ""
            let full = heading + counterexample(r, t, keep: nil, ordinal: ordinal)
            written += full.utf8.count
            if k == 0 {
                firstCuts = add([full, heading + counterexample(r, t, keep: MarkdownReport.keptSteps, ordinal: ordinal), ""], cuts: [.middleSteps, .counterexample])
            } else {
                extraCuts.insert(contentsOf: add([full, ""], cuts: [.counterexample]), at: 0)
            }
        }

        let graph = ControlGraph(model: model, outcome: o, highlight: first?.trace)
        let diagramCuts = add([diagram(graph, first), ""], cuts: [.diagram])

        var diagnosticCuts: [(piece: Int, cut: Cut)] = []
        let shown = (input.command == .test ? [] : input.validation.diagnostics.filter { $0.severity != .note }) + o.diagnostics
        if !shown.isEmpty {
            let renderer = DiagnosticRenderer(style: PlainStyle())
            let text = shown.map { renderer.render($0, path: input.path, file: input.validation.file) }.joined()
            diagnosticCuts = add(["## Diagnostics\n\n" + Markdown.fenced(text, info: "text") + "\n", ""], cuts: [.diagnostics])
        }
        cuts = extraCuts + diagramCuts + firstCuts + diagnosticCuts + coverageCuts + tableCuts
    }

    /// `# ❌ NAME: 2 violated, 9 hold` — the words of the terminal's
    /// `result:` line; ❌ when the run fails, ⚠️ when it is inconclusive or
    /// has warnings, else ✅ (`ReportInput.status`).
    func title(_ o: CheckOutcome) -> String {
        let failing = o.properties.filter { $0.verdict == .violated && !input.isWarning($0) }.count
        let warnings = o.properties.filter { $0.verdict == .violated && input.isWarning($0) }.count
        let counts = Dictionary(grouping: o.properties, by: \.verdict).mapValues(\.count)
        var words: [String] = []
        if failing > 0 { words.append("\(failing) violated") }
        if warnings > 0 { words.append(count(warnings, "warning")) }
        words.append("\(counts[.holds] ?? 0) hold")
        if let b = counts[.bounded] { words.append("\(b) bounded") }
        if let u = counts[.unknown] { words.append("\(u) unknown") }
        // The exit code's judgement; a warning that does not fail the run
        // still earns ⚠️.
        let icon: String
        switch input.status {
        case .violated, .invalid: icon = "❌"
        case .inconclusive: icon = "⚠️"
        case .ok: icon = warnings > 0 ? "⚠️" : "✅"
        }
        return "# \(icon) \(Markdown.plain(input.name)): " + words.joined(separator: ", ") + "\n\n"
    }

    /// The playbook, the file, the command and what the engines did; why
    /// the run stopped early; what `--require-coverage` makes of the gaps.
    func subtitle(_ o: CheckOutcome, _ model: TypedModel) -> String {
        var line = "**\(Markdown.plain(model.name))** — \(Markdown.code(input.path)), `pbcheck \(input.command.rawValue)`"
        var done: [String] = []
        let stats = input.document.check?.stats
        if let s = stats?.states { done.append(count(s, "state")) }
        if let s = stats?.steps { done.append(count(s, "step")) }
        if let d = stats?.depth { done.append("depth \(d)") }
        if let w = o.walk { done.append("\(count(w.runs, "run")), seed \(w.seed)") }
        done.append(ResultRenderer(style: PlainStyle()).seconds(o.stats.seconds) + " s")
        line += " (\(o.engine): " + done.joined(separator: ", ") + ")\n\n"
        if let n = o.engineNote { line += Markdown.plain(n) + "\n\n" }
        if !o.complete, let r = o.stopReason { line += "⚠️ **Incomplete:** \(Markdown.plain(r.description))\n\n" }
        switch input.coverageGaps {
        case .fail?: line += "❌ **Coverage gaps fail the run** (`--require-coverage`).\n\n"
        case .inconclusive?: line += "⚠️ **Coverage gaps** (`--require-coverage`): inconclusive, the engine did not explore every state.\n\n"
        case nil: break
        }
        return line
    }

    func icon(_ r: PropertyResult) -> String {
        switch r.verdict {
        case .holds: return "✅"
        case .violated: return input.isWarning(r) ? "⚠️" : "❌"
        case .bounded: return "🔹"
        case .unknown: return "❔"
        }
    }

    func verdictCell(_ r: PropertyResult) -> String {
        let word = r.verdict == .violated && input.isWarning(r) ? "warning" : r.verdict.rawValue
        return "\(icon(r)) \(word)" + (r.trace.map { " (\(count($0.length, "step")))" } ?? "")
    }

    /// The verdict table; empty when there are no rows.
    func verdicts(_ results: [PropertyResult]) -> String {
        guard !results.isEmpty else { return "" }
        var out = "## Properties\n\n| property | kind | verdict | description | detail |\n|---|---|---|---|---|\n"
        for r in results {
            var detail: [String] = []
            if r.verdict == .bounded || (r.verdict == .holds && r.settledBy != .exhaustive && r.property.kind != .scenario) {
                detail.append(r.settledBy.description)
            }
            if let d = r.detail { detail.append(d) }
            let kind = r.property.kind.rawValue + (r.property.isContract ? " (contract)" : "")
            out += "| " + [Markdown.code(r.property.id.description), kind, verdictCell(r), Markdown.plain(r.property.description ?? ""),
                           Markdown.plain(detail.joined(separator: " — "))].joined(separator: " | ") + " |\n"
        }
        return out + "\n"
    }

    func coverage(_ o: CheckOutcome, names: Bool) -> String {
        let c = o.coverage
        func list(_ ids: [String]) -> String { ids.map(Markdown.code).joined(separator: ", ") }
        var out = "## Coverage\n\n"
        out += "- **States:** \(c.reachableStates.count) of \(c.reachableStates.count + c.unreachableStates.count) reached"
        if !c.unreachableStates.isEmpty { out += names ? "; never reached: " + list(c.unreachableStates) : "; \(c.unreachableStates.count) never reached" }
        out += "\n- **Transitions:** \(c.firedTransitions.count) of \(c.firedTransitions.count + c.neverFired.count) fired"
        if !c.neverFired.isEmpty { out += names ? "; never fired: " + list(c.neverFired) : "; \(c.neverFired.count) never fired" }
        out += "\n"
        if c.hasGaps && !o.coverageIsExact {
            out += "\nThe engine did not explore every state: what it never reached may still be reachable.\n"
        }
        // Why each gap is there, with the names (cut together with them).
        if names, let why = c.why, !why.lines.isEmpty {
            out += "\n**Why:**\n\n"
            for line in why.lines.prefix(ResultRenderer.whyLines) { out += "- \(line)\n" }
            if why.lines.count > ResultRenderer.whyLines { out += "- … \(why.lines.count - ResultRenderer.whyLines) more in `NAME.json` (`coverage.why`)\n" }
        }
        return out + "\n"
    }

    /// One counterexample as a step table, all its steps or, with `keep`,
    /// the first and last `keep / 2`; `ordinal` (K, N): the K-th of N.
    func counterexample(_ r: PropertyResult, _ t: Trace, keep: Int?, ordinal: (Int, Int)? = nil) -> String {
        var out = "### \(icon(r)) \(Markdown.code(r.property.id.description))" + (ordinal.map { " (\($0.0) of \($0.1))" } ?? "")
            + " — \(count(t.length, "step"))\n\n"
        if let s = r.shrink {
            out += "Shrunk from \(count(s.originalLength, "step")) in \(count(s.replays, "replay"))\(s.budgetExhausted ? " (budget spent)" : "")"
            out += "; found by run \(s.run + 1), seed \(s.seed).\n\n"
        }
        out += "| # | transition | event | params | observations | what changed |\n|---:|---|---|---|---|---|\n"
        let initial = "state " + t.initial.state + (t.initial.vars.isEmpty ? "" : "\n" + values(t.initial.vars))
        out += "| 0 | *initial* | | | | \(Markdown.plain(initial)) |\n"
        var previous = t.initial
        let half = (keep ?? t.length) / 2
        let skipped = keep.map { t.length > $0 ? half..<(t.length - half) : 0..<0 } ?? 0..<0
        for (i, s) in t.steps.enumerated() {
            defer { previous = TraceState(state: s.state, vars: s.vars) }
            if skipped.contains(i) {
                if i == skipped.lowerBound { out += "| … | *\(count(skipped.count, "step")) left out* | | | | |\n" }
                continue
            }
            var changed: [String] = []
            if s.state != previous.state { changed.append("state: \(previous.state) → \(s.state)") }
            for (old, new) in zip(previous.vars, s.vars) where old.value != new.value { changed.append("\(new.name): \(old.text) → \(new.text)") }
            out += "| \(i + 1) | " + [Markdown.code(s.transition), Markdown.plain(s.event), Markdown.plain(values(s.params + s.chosen)),
                                      Markdown.plain(values(s.observations)), Markdown.plain(changed.joined(separator: "\n"))]
                .joined(separator: " | ") + " |\n"
        }
        if let both = r.enabledTogether {
            let names = both.steps.map { $0.transition + ($0.params.isEmpty ? "" : "(\(values($0.params)))") }.joined(separator: ", ")
            out += "| | *both enabled* | \(Markdown.plain(both.event)) | | \(Markdown.plain(values(both.observations))) | \(Markdown.plain(names)) |\n"
        }
        out += "\n**\(input.isWarning(r) ? "Warning" : "Violated"):** \(Markdown.code(r.property.id.description))"
        if let d = r.property.description { out += " — " + Markdown.plain(d) }
        out += "\n"
        if let d = r.detail { out += "\n" + Markdown.plain(d) + "\n" }
        if let l = r.property.location { out += "\nAt \(Markdown.code("\(input.path):\(l.line):\(l.column)")).\n" }
        return out + "\n"
    }

    func values(_ vs: [NamedValue]) -> String { vs.map(\.assignment).joined(separator: ", ") }

    /// The control graph in Mermaid with what the marks mean, or why it is
    /// not drawn.
    func diagram(_ g: ControlGraph, _ first: PropertyResult?) -> String {
        var out = "## Control graph\n\n"
        let text = g.mermaid()
        if text.utf8.count > MarkdownReport.mermaidTextLimit || g.mermaidArrowCount > MarkdownReport.mermaidArrowLimit {
            return out + "The control graph has \(count(g.nodes.count, "state")) and \(count(g.mermaidArrowCount, "arrow")), "
                + "more than GitHub's Mermaid draws; \(Markdown.code(input.name + ".dot")) has it for Graphviz.\n\n"
        }
        var legend: [String] = []
        if g.nodes.contains(where: { $0.reached == false }) { legend.append("states marked *(unreached)* were never reached") }
        if g.edges.contains(where: { $0.fired == false }) { legend.append("transitions marked *(never fired)* never fired") }
        if let first { legend.append("the states of the first counterexample, \(Markdown.code(first.property.id.description)), are highlighted and its transitions numbered by step") }
        if !legend.isEmpty { out += legend.joined(separator: "; ").prefix(1).uppercased() + legend.joined(separator: "; ").dropFirst() + ".\n\n" }
        return out + Markdown.fenced(text, info: "mermaid") + "\n"
    }
}

/// GitHub-flavoured Markdown text, escaped.
enum Markdown {
    /// Text that reads as itself anywhere, table cells included: every
    /// character Markdown (or GitHub's math) gives a meaning is
    /// backslash-escaped, line breaks become `<br>`.
    static func plain(_ text: String) -> String {
        var out = ""
        for c in text.unicodeScalars {
            switch c {
            case "\\", "`", "*", "_", "[", "]", "<", ">", "|", "~", "&", "$", "#", "!":
                out += "\\"
                out.unicodeScalars.append(c)
            case "\n": out += "<br>"
            case "\r": break
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// A code span, with a fence longer than any run of backticks inside.
    /// A pipe or a line break cannot be written in a code span inside a
    /// table cell, so such text is escaped plain text instead.
    static func code(_ text: String) -> String {
        guard !text.isEmpty, !text.contains("|"), !text.contains(where: \.isNewline) else { return plain(text) }
        let fence = String(repeating: "`", count: longestRun(of: "`", in: text) + 1)
        let pad = text.hasPrefix("`") || text.hasSuffix("`") ? " " : ""
        return fence + pad + text + pad + fence
    }

    /// A fenced block, with a fence longer than any run of backticks inside.
    static func fenced(_ text: String, info: String) -> String {
        let fence = String(repeating: "`", count: max(3, longestRun(of: "`", in: text) + 1))
        return fence + info + "\n" + text + (text.hasSuffix("\n") ? "" : "\n") + fence + "\n"
    }

    static func longestRun(of c: Character, in text: String) -> Int {
        var longest = 0, run = 0
        for x in text {
            run = x == c ? run + 1 : 0
            longest = max(longest, run)
        }
        return longest
    }
}
