/// The terminal report of `replay` (SPEC §7): the step table as `verify`
/// prints it, then whether the violation still reproduces.
public struct ReplayRenderer {
    public var style: TextStyle
    public init(style: TextStyle) { self.style = style }

    /// `format`, `steps` and `recorded` describe the TRACE file: its kind,
    /// its length, the property it records.
    public func render(_ report: TraceReplay.Report, spec: String, tracePath: String, format: RecordedTrace.Format, steps: Int?,
                       recorded: String?) -> String {
        let table = ResultRenderer(style: style)
        var out = style.emphasis(spec) + "\n"
        out += "replaying \(tracePath) (\(format.rawValue)\(steps.map { ", \($0) step\($0 == 1 ? "" : "s")" } ?? ""))"
        if format == .scenario, let p = report.property { out += ": \(p.id)" } else if let p = recorded { out += ": a counterexample to \(p)" }
        out += "\n"
        if let t = report.trace { out += table.stepTable(t) }
        for d in report.divergences { out += "  " + style.severity(.note, "note:") + " \(d)\n" }
        for n in report.notes { out += "  " + style.severity(.note, "note:") + " \(n)\n" }
        switch report.ending {
        case .reproduces:
            let id = report.property?.id.description ?? recorded ?? "?"
            out += "  " + style.severity(.error, "still violated:") + " \(id)"
            if let d = report.property?.description { out += " — \(d)" }
            out += "\n"
            if let m = report.findings.first?.message { out += "  \(m)\n" }
            // A scenario read from the TRACE file is located there.
            if let l = report.property?.location { out += "  at \(format == .scenario ? tracePath : spec):\(l.line):\(l.column)\n" }
        case .noLongerReproduces:
            let what = format == .scenario ? "the scenario runs to its end"
                : recorded.map { "\($0) is not violated at the end of the trace" } ?? "nothing is violated at the end of the trace"
            out += "  " + style.emphasis("no longer reproduces:") + " every step replays and \(what)\n"
        case .stepFailed(let step, let problem):
            let at = step == 0 ? "the initial state" : "step \(step)" + (steps.map { " of \($0)" } ?? "")
            out += "  " + style.severity(.error, "cannot replay") + " \(at): \(problem.message)\n"
        case .undecided(let why):
            out += "  " + style.severity(.warning, "unknown:") + " \(why)\n"
        }
        let others = report.findings.filter { $0.property != report.property?.id }
        if !others.isEmpty, report.ending == .reproduces || report.ending == .noLongerReproduces {
            out += "  the end of the trace also breaks: " + others.map { "\($0.property) (\($0.message))" }.joined(separator: "; ") + "\n"
        }
        return out
    }
}

extension TraceReplay.Ending {
    /// SPEC §7: 1 reproduces, 0 no longer reproduces, 2 cannot replay, 3 undecided.
    public var exitStatus: ExitStatus {
        switch self {
        case .reproduces: return .violated
        case .noLongerReproduces: return .ok
        case .stepFailed: return .invalid
        case .undecided: return .inconclusive
        }
    }
}
