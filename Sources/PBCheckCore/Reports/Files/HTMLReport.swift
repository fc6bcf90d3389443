import Foundation

/// `NAME.html` (SPEC §5.2): one self-contained page per spec — the result,
/// verdict counts, a verdict table, coverage, the control graph, and every
/// counterexample as a step-through; for a spec that did not load, its
/// diagnostics.
///
/// The page loads nothing: the stylesheet and script are inline
/// (`HTMLAssets`), fonts are the system's, the graph is inline SVG, and a
/// Content-Security-Policy of `default-src 'none'` makes the browser refuse
/// any request all the same. Every text from the spec is escaped. The
/// counterexamples travel as JSON in a `<script type="application/json">`
/// element (every `<` escaped, so no value can end it), values as the
/// terminal prints them. The script marks the step shown in the graph by the
/// ids the control graph's DOT gives its elements, which Graphviz keeps in
/// the SVG: `state:STATE` for a state and `edge:FROM:TRANSITION` for a
/// transition leaving FROM. Without script the page still shows every
/// counterexample as a step table.
///
/// A pure function of its input: no time or host in the page, so a cached
/// result rewrites the same bytes.
public enum HTMLReport {
    /// `NAME.html` for `input`, with `graphSVG` — the control graph as
    /// Graphviz's SVG (`Graphviz.svg(fromDOT:)`), XML prolog and all —
    /// inlined; nil (or text with no `<svg`) says the graph is unavailable.
    public static func file(_ input: ReportInput, graphSVG: String?) -> ReportFile {
        ReportFile(name: "\(input.name).html", text: page(input, graphSVG: graphSVG))
    }

    static func page(_ input: ReportInput, graphSVG: String?) -> String {
        let doc = input.document
        let result = RunResult(input)
        let counterexamples = Counterexample.all(input)
        var body = header(input, result: result)
        if let check = doc.check, result != .invalid {
            body += counts(check, input: input)
            body += verdicts(check, input: input, counterexamples: counterexamples)
            body += coverage(check, input: input)
            body += explorer(counterexamples, svg: graphSVG.flatMap(inlineSVG), path: input.path)
            body += diagnosticsTable(doc.diagnostics)
        } else {
            body += invalid(input)
        }
        body += footer(doc)
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
        <meta name="generator" content="\(esc(doc.tool.name)) \(esc(doc.tool.version))">
        <title>\(esc(doc.spec.title ?? input.name)) — pbcheck: \(result.rawValue)</title>
        <style>
        \(HTMLAssets.style)
        </style>
        </head>
        <body>
        <main>
        \(body)</main>
        <script type="application/json" id="pb-data">\(pageData(counterexamples))</script>
        <script>
        \(HTMLAssets.script)
        </script>
        </body>
        </html>

        """
    }

    // MARK: - The result

    /// The run's result in one word: the exit code's (`ReportInput.status`).
    enum RunResult: String {
        case passed, failed, inconclusive, invalid

        init(_ input: ReportInput) {
            switch input.status {
            case .ok: self = .passed
            case .violated: self = .failed
            case .inconclusive: self = .inconclusive
            case .invalid: self = .invalid
            }
        }
    }

    /// The word and colour of one property's verdict: a violated warning
    /// (`ReportInput.isWarning`) is a `warning`.
    static func verdictClass(_ p: ResultJSON.PropertyJSON, index: Int, input: ReportInput) -> String {
        guard p.verdict == "violated", let o = input.outcome, index < o.properties.count else { return p.verdict }
        return input.isWarning(o.properties[index]) ? "warning" : "violated"
    }

    // MARK: - Sections

    static func header(_ input: ReportInput, result: RunResult) -> String {
        let doc = input.document
        var out = "<header>\n<div class=\"title\"><h1>\(esc(doc.spec.title ?? input.name))</h1>"
        out += "<span class=\"badge \(result.rawValue)\" id=\"result\">\(result.rawValue)</span></div>\n"
        out += "<p class=\"meta\"><code>\(esc(input.path))</code> · pbcheck \(input.command.rawValue)"
        if let check = doc.check, let engine = check.engine {
            out += " · engine <b>\(esc(engine))</b>"
            if let note = check.engineNote { out += " — \(esc(note))" }
        }
        out += "</p>\n"
        if let check = doc.check, result != .invalid {
            var stats: [String] = []
            if let n = check.stats.states { stats.append("\(n) states") }
            if let n = check.stats.steps { stats.append("\(n) steps") }
            if let n = check.stats.depth { stats.append("depth \(n)") }
            if let w = check.walk { stats.append("\(w.runs) runs to depth \(w.depth), seed \(w.seed)") }
            if let s = check.stats.seconds { stats.append("\(s) s") }
            if let n = check.stats.solverQueries, n > 0 { stats.append("\(n) Z3 queries") }
            if !stats.isEmpty { out += "<p class=\"meta\">\(esc(stats.joined(separator: " · ")))</p>\n" }
            if let reason = check.stopReason { out += "<p class=\"banner warn\"><b>Incomplete:</b> \(esc(reason))</p>\n" }
        }
        return out + "</header>\n"
    }

    static func counts(_ check: ResultJSON.CheckJSON, input: ReportInput) -> String {
        let classes = check.properties.enumerated().map { verdictClass($1, index: $0, input: input) }
        let kinds: [(cls: String, word: String)] = [("violated", "violated"), ("warning", "warnings"), ("holds", "hold"),
                                                    ("bounded", "bounded"), ("unknown", "unknown")]
        var out = "<section class=\"counts\" id=\"counts\">\n"
        for (cls, word) in kinds {
            let n = classes.filter { $0 == cls }.count
            out += "<div class=\"count \(cls)\(n == 0 ? " zero" : "")\"><b>\(n)</b>\(word)</div>\n"
        }
        return out + "</section>\n"
    }

    static func verdicts(_ check: ResultJSON.CheckJSON, input: ReportInput, counterexamples: [Counterexample]) -> String {
        var out = "<section id=\"verdicts\">\n<h2>Verdicts</h2>\n"
        guard !check.properties.isEmpty else { return out + "<p class=\"muted\">No property was checked.</p>\n</section>\n" }
        out += "<table class=\"verdicts\">\n<thead><tr><th>verdict</th><th>property</th><th>description</th><th>evidence</th></tr></thead>\n<tbody>\n"
        for (i, p) in check.properties.enumerated() {
            let cls = verdictClass(p, index: i, input: input)
            var evidence: [String] = []
            let mine = counterexamples.indices.filter { counterexamples[$0].index == i }
            if mine.count > 1 {
                // `--counterexamples`: a link to each, shortest first.
                evidence.append("\(mine.count) counterexamples: " + mine.map { "<a href=\"#cx=\($0)\">\(steps(counterexamples[$0].trace.length))</a>" }.joined(separator: ", "))
            } else if let cx = mine.first, let t = p.trace {
                evidence.append("<a href=\"#cx=\(cx)\">counterexample, \(steps(t.length))</a>")
            }
            if p.verdict != "violated" || p.trace == nil, let d = p.detail { evidence.append(esc(d)) }
            evidence.append("<span class=\"muted\">\(esc(p.settledBy))</span>")
            out += "<tr><td><span class=\"pill \(cls)\">\(cls)</span></td><td><code>\(esc(p.id))</code>"
            if let l = p.location { out += "<span class=\"where\">line \(l.line)</span>" }
            out += "</td><td>\(esc(p.description ?? ""))</td><td>\(evidence.joined(separator: " · "))</td></tr>\n"
        }
        return out + "</tbody>\n</table>\n</section>\n"
    }

    static func coverage(_ check: ResultJSON.CheckJSON, input: ReportInput) -> String {
        var out = "<section id=\"coverage\">\n<h2>Coverage</h2>\n"
        guard let c = check.coverage else { return out + "<p class=\"muted\">Not measured: no engine that explores the machine ran.</p>\n</section>\n" }
        func meter(_ label: String, _ done: Int, _ total: Int, _ verb: String) -> String {
            let percent = total == 0 ? 100 : done * 100 / total
            return "<span>\(label)</span><span class=\"bar\(done < total ? " gap" : "")\"><span style=\"width:\(percent)%\"></span></span>"
                + "<span><b>\(done)</b> / \(total) \(verb)</span>\n"
        }
        out += "<div class=\"meters\">\n"
        out += meter("States", c.states.reachable.count, c.states.reachable.count + c.states.unreachable.count, "reached")
        out += meter("Transitions", c.transitions.fired.count, c.transitions.fired.count + c.transitions.never.count, "fired")
        out += "</div>\n"
        func gaps(_ label: String, _ names: [String]) -> String {
            names.isEmpty ? "" : "<p class=\"gaps\">\(label): " + names.map { "<code>\(esc($0))</code>" }.joined(separator: " ") + "</p>\n"
        }
        out += gaps("Never reached", c.states.unreachable)
        out += gaps("Never fired", c.transitions.never)
        if let why = input.outcome?.coverage.why, !why.lines.isEmpty {
            out += "<ul class=\"why\">\n" + why.lines.map { "<li>\(esc($0))</li>\n" }.joined() + "</ul>\n"
        }
        if c.states.unreachable.isEmpty && c.transitions.never.isEmpty {
            out += "<p class=\"gaps muted\">Every state was reached and every transition fired.</p>\n"
        } else if input.outcome?.coverageIsExact == false {
            out += "<p class=\"gaps muted\">The engines explored only part of the state space: a gap may still be reachable.</p>\n"
        }
        switch input.coverageGaps {
        case .fail?: out += "<p class=\"gaps\"><b>These gaps fail the run</b> (<code>--require-coverage</code>).</p>\n"
        case .inconclusive?: out += "<p class=\"gaps\"><b>These gaps leave the run inconclusive</b> (<code>--require-coverage</code>): the search did not finish.</p>\n"
        case nil: break
        }
        return out + "</section>\n"
    }

    /// The counterexamples, one shown at a time, beside the control graph.
    static func explorer(_ counterexamples: [Counterexample], svg: String?, path: String) -> String {
        var out = "<section id=\"explore\" class=\"explore\(counterexamples.isEmpty ? " graph-only" : "")\">\n"
        if !counterexamples.isEmpty {
            out += "<div class=\"traces\">\n<h2>Counterexamples</h2>\n<div class=\"tabs\" role=\"tablist\">\n"
            for (i, cx) in counterexamples.enumerated() {
                out += "<button type=\"button\" role=\"tab\" class=\"cx-tab\" data-cx=\"\(i)\" title=\"\(cx.ordinal.map { "counterexample \($0.0) of \($0.1), " } ?? "")\(steps(cx.trace.length))\">\(esc(cx.property.id))"
                if let (k, n) = cx.ordinal, n > 1 { out += "<span class=\"n\">#\(k)</span>" }
                out += "<span class=\"n\">\(cx.trace.length)</span></button>\n"
            }
            out += "</div>\n"
            for (i, cx) in counterexamples.enumerated() { out += article(cx, number: i, path: path) }
            out += "</div>\n"
        }
        out += "<aside class=\"graph-panel\">\n<h2>Control graph</h2>\n"
        if let svg {
            if !counterexamples.isEmpty { out += "<p class=\"caption\" id=\"graph-caption\"></p>\n" }
            out += "<div class=\"graph\">\n\(svg)\n</div>\n"
            if !counterexamples.isEmpty { out += "<p class=\"legend\"><i></i>the step shown<i class=\"trail\"></i>the steps before it</p>\n" }
        } else {
            out += "<p class=\"unavailable\">The control graph is unavailable: Graphviz (<code>dot</code>) was not found or did not finish.</p>\n"
        }
        return out + "</aside>\n</section>\n"
    }

    /// One counterexample: what it breaks, the stepper the script fills in,
    /// and every step as a table (what a reader without script sees).
    static func article(_ cx: Counterexample, number i: Int, path: String) -> String {
        let p = cx.property, t = cx.trace
        var out = "<article class=\"cx\" id=\"cx-\(i)\" data-cx=\"\(i)\">\n"
        out += "<h3><span class=\"pill \(cx.verdictClass)\">\(cx.verdictClass)</span> <code>\(esc(p.id))</code>"
        if let (k, n) = cx.ordinal { out += " <span class=\"muted\">counterexample \(k) of \(n)</span>" }
        if let d = p.description { out += " <span class=\"muted\">\(esc(d))</span>" }
        out += "</h3>\n"
        var facts = [steps(t.length)]
        if let d = cx.detail { facts.append(esc(d)) }
        if let l = p.location { facts.append("<code>\(esc(path)):\(l.line):\(l.column)</code>") }
        if let s = cx.shrink { facts.append("shrunk from \(steps(s.originalLength)); run \(s.run + 1), seed \(s.seed)") }
        out += "<p class=\"cx-detail\">\(facts.joined(separator: " · "))</p>\n"
        out += "<div class=\"stepper\"><button type=\"button\" class=\"prev\">← previous</button>"
        out += "<span class=\"indicator\" id=\"cx-\(i)-indicator\">step 0 of \(t.length)</span>"
        out += "<button type=\"button\" class=\"next\">next →</button><span class=\"keys\"><kbd>←</kbd> <kbd>→</kbd></span></div>\n"
        out += "<div class=\"step-view\" aria-live=\"polite\"></div>\n"

        let inputs = t.steps.contains { !$0.params.isEmpty || !$0.observations.isEmpty || !($0.chosen ?? [:]).isEmpty }
        out += "<table class=\"steps\">\n<thead><tr><th>#</th><th>transition</th><th>event</th>"
        out += inputs ? "<th>params · observations</th>" : ""
        out += "<th>state</th><th>changes</th></tr></thead>\n<tbody>\n"
        out += "<tr data-step=\"0\"><td class=\"num\">0</td><td colspan=\"\(inputs ? 3 : 2)\" class=\"muted\">initial state</td>"
        out += "<td>\(esc(t.initial.state))</td><td class=\"changes\">\(esc(assignments(t.initial.vars)))</td></tr>\n"
        var previous = t.initial.vars
        for (k, s) in t.steps.enumerated() {
            out += "<tr data-step=\"\(k + 1)\"><td class=\"num\">\(k + 1)</td><td>\(esc(s.transition))</td><td>\(esc(s.event))</td>"
            if inputs {
                let given = [s.params, s.chosen ?? [:], s.observations].map(assignments).filter { !$0.isEmpty }
                out += "<td>\(esc(given.joined(separator: "; ")))</td>"
            }
            let changed = s.vars.keys.sorted().filter { previous[$0] != s.vars[$0] }.map { name in
                "\(name): \(previous[name].map(text) ?? "—") → \(s.vars[name].map(text) ?? "—")"
            }
            out += "<td>\(esc(s.state))</td><td class=\"changes\">\(esc(changed.joined(separator: ", ")))</td></tr>\n"
            previous = s.vars
        }
        return out + "</tbody>\n</table>\n</article>\n"
    }

    static func diagnosticsTable(_ diagnostics: [DiagnosticJSON]) -> String {
        guard !diagnostics.isEmpty else { return "" }
        var out = "<section id=\"diagnostics\">\n<h2>Diagnostics</h2>\n<table>\n<tbody>\n"
        for d in diagnostics {
            let at = d.line.map { line in "line \(line)" + (d.column.map { ":\($0)" } ?? "") } ?? ""
            out += "<tr><td style=\"width:1%\"><span class=\"pill \(esc(d.severity))\">\(esc(d.severity))</span></td>"
            out += "<td class=\"num\">\(at)</td><td>\(esc(d.message)) <span class=\"muted\">[\(esc(d.code))]</span>"
            for r in d.related ?? [] { out += "<br><span class=\"muted\">line \(r.line): \(esc(r.message))</span>" }
            out += "</td></tr>\n"
        }
        return out + "</tbody>\n</table>\n</section>\n"
    }

    /// A spec that did not load: its diagnostics as the compiler-style text
    /// of `validate`, each with its source line and caret.
    static func invalid(_ input: ReportInput) -> String {
        let errors = input.validation.errorCount
        var out = "<section id=\"diagnostics\">\n<h2>Diagnostics</h2>\n"
        out += "<p>The spec did not load (\(count(errors, "error"))): nothing was checked.</p>\n"
        out += "<pre class=\"diagnostics\">\(esc(DiagnosticRenderer().renderDiagnostics(input.validation)))</pre>\n"
        return out + "</section>\n"
    }

    static func footer(_ doc: ResultJSON) -> String {
        var out = "<footer>\(esc(doc.tool.name)) \(esc(doc.tool.version))"
        if let sha = doc.spec.sha256 { out += " · spec sha256 <span class=\"mono\">\(esc(sha))</span>" }
        return out + " · every counterexample replays through the model</footer>\n"
    }

    // MARK: - Counterexamples

    /// A counterexample of a violated property, and where the property
    /// sits in the verdicts; with `--counterexamples`, which of its
    /// counterexamples it is (K of N).
    struct Counterexample {
        var index: Int
        var property: ResultJSON.PropertyJSON
        var trace: ResultJSON.TraceJSON
        var verdictClass: String
        var ordinal: (Int, Int)?
        /// What it shows and how it was shrunk: the property's, or with an
        /// ordinal the trace's own (an entry of `traces`).
        var detail: String?
        var shrink: ResultJSON.ShrinkJSON?

        init(index: Int, property: ResultJSON.PropertyJSON, trace: ResultJSON.TraceJSON, verdictClass: String, ordinal: (Int, Int)? = nil) {
            self.index = index
            self.property = property
            self.trace = trace
            self.verdictClass = verdictClass
            self.ordinal = ordinal
            detail = ordinal == nil ? property.detail : trace.detail
            shrink = ordinal == nil ? property.shrink : trace.shrink
        }

        static func all(_ input: ReportInput) -> [Counterexample] {
            (input.document.check?.properties ?? []).enumerated().flatMap { i, p -> [Counterexample] in
                guard p.verdict == "violated", let t = p.trace else { return [] }
                let cls = HTMLReport.verdictClass(p, index: i, input: input)
                guard let traces = p.traces, !traces.isEmpty else { return [Counterexample(index: i, property: p, trace: t, verdictClass: cls)] }
                return traces.enumerated().map { k, x in Counterexample(index: i, property: p, trace: x, verdictClass: cls, ordinal: (k + 1, traces.count)) }
            }
        }
    }

    /// What the script reads: each counterexample with its values as text.
    struct PageData: Encodable {
        struct State: Encodable {
            var state: String
            var vars: [String: String]
        }
        struct Step: Encodable {
            var transition: String
            var event: String
            var params: [String: String]
            var observations: [String: String]
            var chosen: [String: String]
            var state: String
            var vars: [String: String]
        }
        struct Trace: Encodable {
            var property: String
            var detail: String?
            var initial: State
            var steps: [Step]
        }
        var counterexamples: [Trace]
    }

    /// The JSON of the counterexamples, safe inside a `<script>` element.
    static func pageData(_ counterexamples: [Counterexample]) -> String {
        func texts(_ values: [String: JSONScalar]) -> [String: String] { values.mapValues(text) }
        let data = PageData(counterexamples: counterexamples.map { cx in
            PageData.Trace(property: cx.property.id, detail: cx.detail,
                           initial: .init(state: cx.trace.initial.state, vars: texts(cx.trace.initial.vars)),
                           steps: cx.trace.steps.map { s in
                               PageData.Step(transition: s.transition, event: s.event, params: texts(s.params), observations: texts(s.observations),
                                             chosen: texts(s.chosen ?? [:]), state: s.state, vars: texts(s.vars))
                           })
        })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = (try? encoder.encode(data)).map { String(decoding: $0, as: UTF8.self) } ?? #"{"counterexamples":[]}"#
        // `<` occurs only inside strings, where `\u003c` means the same.
        return json.replacingOccurrences(of: "<", with: "\\u003c")
    }

    // MARK: - Text

    /// Graphviz's SVG without what comes before `<svg` (XML prolog,
    /// DOCTYPE, comments), which has no place inside HTML; nil when there
    /// is no `<svg` element.
    static func inlineSVG(_ svg: String) -> String? {
        guard let start = svg.range(of: "<svg") else { return nil }
        return String(svg[start.lowerBound...]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A value as the terminal prints it.
    static func text(_ v: JSONScalar) -> String {
        switch v {
        case .bool(let b): return String(b)
        case .int(let i): return String(i)
        case .string(let s): return s
        }
    }

    static func assignments(_ values: [String: JSONScalar]) -> String {
        values.sorted { $0.key < $1.key }.map { "\($0.key)=\(text($0.value))" }.joined(separator: ", ")
    }

    static func steps(_ n: Int) -> String { count(n, "step") }

    /// `s` as HTML text, also safe inside a quoted attribute.
    static func esc(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
