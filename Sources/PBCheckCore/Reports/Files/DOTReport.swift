/// `NAME.dot` (SPEC §5.2): the control graph in Graphviz's DOT language,
/// marked with what the run reached and fired, the first counterexample's
/// path highlighted (see `ControlGraph.dot()` for the drawing and the ids).
/// A spec that did not load gets an empty graph that says so.
public enum DOTReport {
    public static func file(_ input: ReportInput) -> ReportFile {
        ReportFile(name: input.name + ".dot", text: text(input))
    }

    public static func text(_ input: ReportInput) -> String {
        guard let model = input.model else {
            let label = "\(input.path) did not load: \(count(input.validation.errorCount, "error"))"
            return "digraph pbcheck {\n  graph [label=\(DOTText.label(label))];\n}\n"
        }
        let first = input.outcome?.properties.first { $0.verdict == .violated && $0.trace != nil }
        return ControlGraph(model: model, outcome: input.outcome, highlight: first?.trace).dot()
    }
}
