import ArgumentParser
import Foundation
import PBCheckCore

/// `pbcheck explore SPEC [--trace T]` (SPEC §7): a read–eval–print loop
/// over one current state. On a terminal: a prompt, line editing, history
/// (`~/.pbcheck_history`) and Tab completion of commands and transition
/// ids. Piped: one command per line, plain text, no prompt — a session is a
/// script.
struct ExploreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explore",
        abstract: "Step through the machine by hand: enabled steps, fire, back, why, check, save."
    )

    @Argument(help: "Playbook file.")
    var spec: String

    @Option(help: ArgumentHelp("Load this trace (an .itf.json file or a `verify --format json` result) and start at its first state.", valueName: "file"))
    var trace: String?

    @Option(help: ArgumentHelp("With --trace: the property whose counterexample to load, when the JSON result holds several.", valueName: "id"))
    var property: String?

    func validate() throws {
        if property != nil && trace == nil { throw ValidationError("--property picks a counterexample of --trace; give --trace") }
    }

    func run() throws {
        let model = try TraceInput.model(spec)
        let sha = FileManager.default.contents(atPath: spec).map(SpecLoader.sha256)
        let history = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".pbcheck_history")
        var explorer: Explorer?
        let reader = LineReader(prompt: "explore> ", historyFile: history) { before, _ in
            let words = before.split(separator: " ")
            guard let first = words.first else { return Explorer.commands }
            return words.count == 1 && (first == "why" || first == "w") ? explorer?.transitionIDs ?? [] : []
        }
        let style: TextStyle = reader.isTerminal && Terminal.colour ? ANSIStyle() : PlainStyle()
        guard let session = Explorer(model: model, specPath: spec, sha256: sha, style: style) else {
            throw TraceInput.fail("\(spec): the machine has no initial state")
        }
        explorer = session
        if let trace {
            let recorded = try TraceInput.read(trace, model: model, property: property)
            if let problem = session.load(recorded) { throw TraceInput.fail("\(trace): \(problem)") }
            let what = recorded.format == .scenario ? recorded.property.map { ", the steps of \($0)" } : recorded.property.map { ", a counterexample to \($0)" }
            Terminal.write("loaded \(trace) (\(recorded.steps.count) step\(recorded.steps.count == 1 ? "" : "s")\(what ?? ""))\n")
        }
        if reader.isTerminal { Terminal.write("pbcheck explore \(spec): type help for the commands\n") }
        Terminal.write(session.show())
        while let line = reader.readLine() {
            let (output, goOn) = session.run(line.trimmingCharacters(in: .whitespaces))
            Terminal.write(output)
            if !goOn { return }
        }
        if reader.isTerminal { Terminal.write("\n") }
    }
}
