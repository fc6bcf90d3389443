/// The terminal report of `verify` (SPEC §5.1): one line per property, then
/// each counterexample as a numbered step table showing only what changed.
public struct ResultRenderer {
    public var style: TextStyle
    /// Contract establishment failures are reported but do not fail the run.
    public var contractsWarn = false
    /// Only the spec, why it stopped early, the verdict lines that are not
    /// `holds`, the counterexamples and the summary line (`--quiet`).
    public var quiet = false
    /// Coverage gaps fail the run (`--require-coverage`): say so.
    public var requireCoverage = false
    public init(style: TextStyle, contractsWarn: Bool = false, quiet: Bool = false, requireCoverage: Bool = false) {
        self.style = style
        self.contractsWarn = contractsWarn
        self.quiet = quiet
        self.requireCoverage = requireCoverage
    }

    func verdictText(_ r: PropertyResult) -> String {
        switch r.verdict {
        case .holds: return style.dim("holds   ")
        case .violated:
            return isWarning(r) ? style.severity(.warning, "warning ") : style.severity(.error, "VIOLATED")
        case .bounded: return style.severity(.note, "bounded ")
        case .unknown: return style.severity(.warning, "unknown ")
        }
    }

    func line(_ r: PropertyResult, width: Int) -> String {
        // Padded to the column, never cut: an id is how a property is named.
        let id = r.property.id.description
        var s = "  \(verdictText(r))  " + id + String(repeating: " ", count: max(0, width - id.count))
        if let d = r.property.description { s += "  \(d)" }
        if let t = r.trace {
            let n = r.counterexamples.count
            s += style.dim("  (\(t.length) step\(t.length == 1 ? "" : "s")" + (n > 1 ? "; \(n) counterexamples, shortest first" : "") + ")")
        }
        if r.verdict == .unknown || r.verdict == .bounded, let d = r.detail { s += style.dim("  — \(d)") }
        // How a proof was made, when it was not the exhaustive search.
        if r.verdict == .holds && r.property.kind != .scenario && r.settledBy != .exhaustive { s += style.dim("  — \(r.settledBy)") }
        return s + "\n"
    }

    public func render(path: String, outcome o: CheckOutcome) -> String {
        var out = "\(style.emphasis(path))\n"
        if quiet { return out + quietBody(path: path, o) }
        out += "engine: \(o.engine)"
        if let n = o.engineNote { out += " — \(n)" }
        out += "\n"
        if let sym = o.symbolic {
            out += "BMC to depth \(o.stats.depth), k-induction to k = \(sym.inductionSeconds.count)"
            if !sym.chcSeconds.isEmpty { out += ", CHC on \(sym.chcSeconds.count) propert\(sym.chcSeconds.count == 1 ? "y" : "ies")" }
            out += ", \(seconds(o.stats.seconds)) s, \(o.stats.solverQueries) Z3 queries\n"
        } else if o.stats.states > 0 || o.walk == nil {
            out += "\(o.stats.states) states, \(o.stats.steps) steps, depth \(o.stats.depth), \(seconds(o.stats.seconds)) s"
            if o.stats.solverQueries > 0 && o.walk == nil { out += ", \(o.stats.solverQueries) Z3 queries" }
            out += "\n"
            if let storage = o.stats.storageText { out += style.dim(storage) + "\n" }
        }
        if let w = o.walk {
            let rate = w.seconds > 0 ? Int(Double(w.steps) / w.seconds) : 0
            out += "walks: \(w.runs) runs, \(w.steps) steps (\(rate) steps/s), \(seconds(w.seconds)) s; shrinking \(seconds(w.shrinkSeconds)) s"
            if o.stats.solverQueries > 0 { out += ", \(o.stats.solverQueries) Z3 queries" }
            out += "; reproduce with --seed \(w.seed)\n"
        }
        if !o.complete, let r = o.stopReason { out += style.severity(.warning, "incomplete:") + " \(r)\n" }
        let width = min(40, o.properties.map(\.property.id.description.count).max() ?? 10)
        let contracts = o.properties.filter { $0.property.isContract }
        let others = o.properties.filter { !$0.property.isContract }
        out += "\n"
        for r in others { out += line(r, width: width) }
        if !contracts.isEmpty {
            out += "\n" + style.emphasis("Contracts") + " (invariants that read observations, established by every step entering their state):\n"
            for r in contracts { out += line(r, width: width) }
            if contracts.contains(where: { $0.verdict == .violated }) {
                out += style.dim("  hint: a contract fails when no guard of an entering transition implies it. Strengthen that guard,\n")
                out += style.dim("        or declare the observed value as a variable and set it with an effect.")
                out += style.dim(contractsWarn ? "\n" : " (--contracts warn reports these without failing the run)\n")
            }
        }
        if let report = o.obligations { out += obligations(report) }
        for r in o.properties where r.verdict == .violated {
            out += counterexamples(r, path: path, separator: "\n")
        }
        out += "\n" + coverage(o)
        return out + summary(o)
    }

    private func quietBody(path: String, _ o: CheckOutcome) -> String {
        var out = ""
        if !o.complete, let r = o.stopReason { out += style.severity(.warning, "incomplete:") + " \(r)\n" }
        let shown = o.properties.filter { $0.verdict != .holds }
        let width = min(40, shown.map(\.property.id.description.count).max() ?? 10)
        for r in shown { out += line(r, width: width) }
        for r in shown where r.verdict == .violated {
            out += counterexamples(r, path: path, separator: "\n")
        }
        return out + (shown.isEmpty ? "" : "\n") + summary(o)
    }

    /// The `result:` line, after what `--require-coverage` makes of the gaps.
    private func summary(_ o: CheckOutcome) -> String {
        var out = ""
        if requireCoverage && o.coverage.hasGaps {
            out += o.coverageIsExact
                ? style.severity(.error, "coverage gaps fail the run") + " (--require-coverage)\n"
                : style.severity(.warning, "coverage gaps") + " (--require-coverage): inconclusive, the engine did not explore every state\n"
        }
        let counts = Dictionary(grouping: o.properties, by: \.verdict).mapValues(\.count)
        var summary: [String] = []
        let failing = o.properties.filter { $0.verdict == .violated && !isWarning($0) }.count
        let warnings = o.properties.filter { $0.verdict == .violated && isWarning($0) }.count
        if failing > 0 { summary.append(style.severity(.error, "\(failing) violated")) }
        if warnings > 0 { summary.append(style.severity(.warning, "\(warnings) warning\(warnings == 1 ? "" : "s")")) }
        summary.append("\(counts[.holds] ?? 0) hold")
        if let b = counts[.bounded] { summary.append("\(b) bounded") }
        if let u = counts[.unknown] { summary.append(style.severity(.warning, "\(u) unknown")) }
        out += "result: " + summary.joined(separator: ", ") + "\n"
        return out
    }

    func isWarning(_ r: PropertyResult) -> Bool {
        r.isWarning(contractsWarn: contractsWarn)
    }

    func seconds(_ x: Double) -> String { x < 10 ? format2(x) : String(Int(x)) }

    func format2(_ x: Double) -> String {
        let hundredths = Int((x * 100).rounded())
        let frac = hundredths % 100
        return "\(hundredths / 100).\(frac < 10 ? "0" : "")\(frac)"
    }

    func values(_ vs: [NamedValue]) -> String { vs.map(\.assignment).joined(separator: ", ") }

    /// Every counterexample of `r` as a step table, each after
    /// `separator`: one as `counterexample: ID`, or when `--counterexamples`
    /// asked for more, `counterexample K of N: ID` (N the number found).
    public func counterexamples(_ r: PropertyResult, path: String, separator: String = "") -> String {
        let all = r.counterexamples
        var out = ""
        for (k, cx) in all.enumerated() {
            out += separator + counterexample(r.showing(k), cx.trace, path: path, ordinal: r.moreCounterexamples == nil ? nil : (k + 1, all.count))
        }
        return out
    }

    /// One counterexample as a step table; `ordinal` (K, N) heads it as
    /// the K-th of N.
    public func counterexample(_ r: PropertyResult, _ t: Trace, path: String, ordinal: (Int, Int)? = nil) -> String {
        let heading = ordinal.map { "counterexample \($0.0) of \($0.1): " } ?? "counterexample: "
        var out = style.emphasis(heading + "\(r.property.id)") + " (\(t.length) step\(t.length == 1 ? "" : "s")"
        if let s = r.shrink {
            out += ", shrunk from \(s.originalLength) in \(s.replays) replays\(s.budgetExhausted ? " (budget spent)" : "")"
            out += "; found by run \(s.run + 1), seed \(s.seed)"
        }
        out += ")\n"
        out += stepTable(t)
        // Under the last step: the two steps a determinism warning found
        // enabled together, and the snapshot that enables both.
        if let both = r.enabledTogether {
            out += String(repeating: " ", count: max(1, String(t.length).count) + 4) + both.text + "\n"
        }
        out += "  " + style.severity(.error, "violated:") + " \(r.property.id)"
        if let d = r.property.description { out += " — \(d)" }
        out += "\n"
        if let d = r.detail { out += "  \(d)\n" }
        if let l = r.property.location { out += "  at \(path):\(l.line):\(l.column)\n" }
        return out
    }

    /// A trace as a numbered step table (transition, event, params,
    /// observations), each step followed by what it changed.
    public func stepTable(_ t: Trace) -> String {
        var out = ""
        let rows: [[String]] = [["#", "transition", "event", "params", "observations"]] + t.steps.enumerated().map { i, s in
            ["\(i + 1)", s.transition, s.event, values(s.params + s.chosen), values(s.observations)]
        }
        let widths = (0..<5).map { c in rows.map { $0[c].count }.max() ?? 0 }
        func row(_ cells: [String]) -> String {
            var line = "  "
            for c in 0..<5 { line += cells[c].padding(toLength: widths[c], withPad: " ", startingAt: 0) + (c < 4 ? "  " : "") }
            while line.hasSuffix(" ") { line.removeLast() }
            return line + "\n"
        }
        out += style.dim(row(rows[0]))
        out += "  " + "0".padding(toLength: widths[0], withPad: " ", startingAt: 0) + "  initial: \(t.initial.state)"
        if !t.initial.vars.isEmpty { out += "  " + style.dim(values(t.initial.vars)) }
        out += "\n"
        var previous = t.initial
        for (i, s) in t.steps.enumerated() {
            out += row(rows[i + 1])
            let indent = String(repeating: " ", count: widths[0] + 4)
            if s.state != previous.state { out += indent + "state: \(previous.state) → \(s.state)\n" }
            for (old, new) in zip(previous.vars, s.vars) where old.value != new.value {
                out += indent + "\(new.name): \(old.text) → \(new.text)\n"
            }
            previous = TraceState(state: s.state, vars: s.vars)
        }
        return out
    }

    /// At most this many obligations are listed (all are in the JSON).
    static let obligationLines = 40

    /// The per-transition obligations: counts, then each one that does not
    /// discharge, in words, with its witness.
    func obligations(_ r: ObligationReport) -> String {
        let obs = r.obligations
        guard !obs.isEmpty || r.incomplete != nil else { return "" }
        func count(_ k: Obligation.Kind, _ s: Obligation.Status) -> Int { obs.filter { $0.kind == k && $0.status == s }.count }
        var parts = ["\(obs.filter { $0.status == .discharged }.count) discharged"]
        let failing = count(.establishment, .fails)
        if failing > 0 { parts.append("\(failing) establishment failure\(failing == 1 ? "" : "s")") }
        let dead = count(.feasibility, .fails)
        if dead > 0 { parts.append("\(dead) infeasible") }
        let overlaps = count(.overlap, .fails)
        if overlaps > 0 { parts.append("\(overlaps) overlap\(overlaps == 1 ? "" : "s")") }
        let stalls = count(.stall, .fails)
        if stalls > 0 { parts.append("\(stalls) possible stall\(stalls == 1 ? "" : "s")") }
        let notInductive = obs.filter { $0.status == .notInductive }.count
        if notInductive > 0 { parts.append("\(notInductive) not inductive (unreachable witnesses: the property holds)") }
        let unknown = obs.filter { $0.status == .unknown }.count
        if unknown > 0 { parts.append("\(unknown) unknown") }
        if let reason = r.incomplete { parts.append("the rest not checked (\(reason))") }
        var out = "\n" + style.emphasis("Obligations") + " (per reachable state and transition, by Z3): " + parts.joined(separator: ", ") + "\n"
        if obs.contains(where: { $0.status != .discharged && $0.status != .notInductive }) { out += style.dim("  \(r.assumptions)\n") }
        // One line per distinct finding, with the source states it holds in.
        var groups: [(ob: Obligation, states: [String])] = []
        let order: [Obligation.Kind] = [.establishment, .feasibility, .overlap, .stall]
        for kind in order {
            for ob in obs where ob.kind == kind && ob.status != .discharged && ob.status != .notInductive {
                if let g = groups.firstIndex(where: { $0.ob.kind == ob.kind && $0.ob.status == ob.status && $0.ob.message == ob.message
                    && $0.ob.transition == ob.transition && $0.ob.other == ob.other && $0.ob.property == ob.property }) {
                    groups[g].states.append(ob.state)
                } else {
                    groups.append((ob, [ob.state]))
                }
            }
        }
        for (ob, states) in groups.prefix(ResultRenderer.obligationLines) {
            let tag: String
            switch (ob.kind, ob.status) {
            case (_, .notInductive): tag = style.dim("local   ")
            case (_, .unknown): tag = style.severity(.warning, "unknown ")
            case (.establishment, _): tag = style.severity(.error, "fails   ")
            case (.feasibility, _): tag = style.severity(.warning, "dead    ")
            case (.overlap, _): tag = style.severity(.warning, "overlap ")
            case (.stall, _): tag = style.severity(.note, "stall   ")
            }
            out += "  \(tag)  \(ob.message ?? "\(ob.kind.rawValue) in \(ob.state)")"
            if ob.kind != .stall { out += style.dim(states.count == 1 ? "  [from \(states[0])]" : "  [from \(states.count) states: \(ResultRenderer.some(states, first: 8))]") }
            out += "\n"
        }
        if groups.count > ResultRenderer.obligationLines {
            out += style.dim("  … \(groups.count - ResultRenderer.obligationLines) more (--format json lists every obligation)\n")
        }
        return out
    }

    func coverage(_ o: CheckOutcome) -> String {
        let c = o.coverage
        let states = c.reachableStates.count + c.unreachableStates.count
        let transitions = c.firedTransitions.count + c.neverFired.count
        var out = "coverage: \(c.reachableStates.count)/\(states) states reached"
        if !c.unreachableStates.isEmpty { out += " (never: \(ResultRenderer.some(c.unreachableStates)))" }
        out += "; \(c.firedTransitions.count)/\(transitions) transitions fired"
        if !c.neverFired.isEmpty { out += " (never: \(ResultRenderer.some(c.neverFired)))" }
        out += "\n"
        if let why = c.why { out += self.why(why) }
        return out
    }

    /// At most this many lines say why the coverage has gaps (all are in the JSON).
    static let whyLines = 40

    /// Why each gap is there: one line per unreached state, then per
    /// never-fired transition not already named; and how far that goes.
    func why(_ w: CoverageWhy) -> String {
        let lines = w.lines
        guard !lines.isEmpty else { return "" }
        var out = ""
        for line in lines.prefix(ResultRenderer.whyLines) { out += "  \(style.dim("why:")) \(line)\n" }
        if lines.count > ResultRenderer.whyLines {
            out += style.dim("  … \(lines.count - ResultRenderer.whyLines) more (--format json explains every gap)\n")
        }
        if !w.exact { out += style.dim("  (\(w.scope))\n") }
        return out
    }

    /// Names a terminal line can hold: the first few, then how many more.
    static func some(_ names: [String], first: Int = 20) -> String {
        guard names.count > first + 3 else { return names.joined(separator: ", ") }
        return names.prefix(first).joined(separator: ", ") + " and \(names.count - first) more (--format json lists them all)"
    }
}
