import ArgumentParser
import Foundation
import PBCheckCore

/// `pbcheck graph SPEC` (SPEC §7): the reachable control graph after a
/// search — reached and unreached states, fired and never-fired
/// transitions, forbidden edges — as DOT, Mermaid or SVG, drawn by the
/// report files' one graph builder.
struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Print the reachable control graph: DOT (default), Mermaid, or SVG through Graphviz."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case dot, mermaid, svg }

    @Argument(help: "Playbook file.")
    var spec: String

    @Option(help: "dot, mermaid or svg (laid out by Graphviz's dot).")
    var format: Format = .dot

    @Option(help: ArgumentHelp("Write the graph to this file (atomically) instead of stdout.", valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp("Highlight this trace's path (an .itf.json file or a `verify --format json` result), replayed through the spec.", valueName: "file"))
    var trace: String?

    @Option(help: ArgumentHelp("With --trace: the property whose counterexample to draw, when the JSON result holds several.", valueName: "id"))
    var property: String?

    @Option(parsing: .unconditional, help: "Stop the search after this many states (what it did not reach is drawn as unreached, marked partial).")
    var maxStates: Int = 1_000_000

    @Option(parsing: .unconditional, help: "Stop the search after this many seconds.")
    var timeout: Double?

    func validate() throws {
        if property != nil && trace == nil { throw ValidationError("--property picks a counterexample of --trace; give --trace") }
        guard maxStates >= 1 else { throw ValidationError("--max-states must be at least 1") }
        try CheckingOptions.validate(timeout: timeout)
        try TraceInput.validate(output: output, spec: spec)
    }

    func run() throws {
        Interrupt.install()
        let model = try TraceInput.model(spec)
        let highlight = try trace.map { try TraceInput.replayed($0, model: model, property: property) }
        var request = CheckRequest()
        request.common.clockStart = Date()
        request.common.timeout = timeout
        request.explicit.maxStates = maxStates
        let outcome = Verifier.run(model: model, request: request, progress: nil, stop: Interrupt.flag)
        let first = outcome.properties.first { $0.verdict == .violated && $0.trace != nil }
        let graph = ControlGraph(model: model, outcome: outcome, highlight: highlight ?? first?.trace)
        let text: String
        switch format {
        case .dot: text = graph.dot()
        case .mermaid: text = graph.mermaid()
        case .svg:
            guard let svg = Graphviz.svg(fromDOT: graph.dot()) else {
                throw ValidationError("Graphviz's dot could not lay out the graph (is it installed? `apt-get install graphviz`)")
            }
            text = svg
        }
        if !outcome.complete, let reason = outcome.stopReason {
            FileHandle.standardError.write(Data("warning: the search stopped (\(reason)): states it did not reach are drawn as unreached\n".utf8))
        }
        guard let output else {
            Terminal.write(text)
            return
        }
        try TraceInput.write(text, to: output)
    }
}
