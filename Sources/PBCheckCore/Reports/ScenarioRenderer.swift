/// The terminal report of `test`: the steps that were skipped, one line per
/// scenario (passed, FAILED or UNKNOWN, with the reason when it did not
/// pass), and the counts.
public struct ScenarioRenderer {
    public var style: TextStyle

    public init(style: TextStyle) {
        self.style = style
    }

    public func render(path: String, outcome: CheckOutcome) -> String {
        var out = "\(style.emphasis(path))\n"
        for d in outcome.diagnostics { out += "  " + style.dim("skipped: \(d.message)") + "\n" }
        for r in outcome.properties {
            let mark = switch r.verdict {
            case .holds: style.dim("passed")
            case .violated: style.severity(.error, "FAILED")
            case .bounded, .unknown: style.severity(.warning, "UNKNOWN")
            }
            out += "  " + mark + "  \(r.property.id)\n"
            if r.verdict != .holds, let d = r.detail { out += "          \(d)\n" }
        }
        if outcome.properties.isEmpty { out += "  no scenarios\n" }
        let failed = outcome.properties.filter { $0.verdict == .violated }.count
        let unsettled = outcome.properties.filter { $0.verdict == .unknown || $0.verdict == .bounded }.count
        out += "\(outcome.properties.count - failed - unsettled) passed, \(failed) failed"
            + (unsettled > 0 ? ", \(unsettled) unknown" : "") + "\n"
        return out
    }
}
