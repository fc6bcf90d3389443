import ArgumentParser
import Foundation
import PBCheckCore

/// `pbcheck scenario SPEC TRACE` (SPEC §7): a counterexample as a
/// `scenarios:` entry — its actions with params, observations and `any`
/// choices, ending in an `assert:` of the violated condition (or `holds:`
/// for a property no expression states) — printed as YAML ready to paste.
/// The trace is replayed first: only a trace that still reproduces makes a
/// regression test.
struct ScenarioCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenario",
        abstract: "Print a counterexample as a scenarios: entry (a regression test that fails while the bug is there)."
    )

    @Argument(help: "Playbook file.")
    var spec: String

    @Argument(help: "The trace: an .itf.json file or a `verify --format json` result.")
    var trace: String

    @Option(help: ArgumentHelp("The property whose counterexample to use, when the JSON result holds several.", valueName: "id"))
    var property: String?

    @Option(help: ArgumentHelp("Write the scenario to this file (atomically) instead of stdout.", valueName: "file"))
    var output: String?

    func validate() throws {
        try TraceInput.validate(output: output, spec: spec)
    }

    func run() throws {
        let model = try TraceInput.model(spec)
        if TraceInput.isScenario(trace) { throw TraceInput.fail("\(trace) is a scenario already: paste it under `scenarios:` (`pbcheck replay` runs it)") }
        let recorded = try TraceInput.read(trace, model: model, property: property)
        let report = TraceReplay(model: model).run(recorded)
        switch report.ending {
        case .reproduces: break
        case .noLongerReproduces:
            throw TraceInput.fail("\(trace) no longer reproduces on \(spec): a scenario of it would pass, so none is printed (`pbcheck replay` shows the steps)")
        case .stepFailed(let step, let problem):
            throw TraceInput.fail("\(trace): cannot replay \(step == 0 ? "the initial state" : "step \(step)"): \(problem.message)")
        case .undecided(let why):
            Terminal.writeError("unknown: \(why)\n")
            throw ExitCode(ExitStatus.inconclusive.rawValue)
        }
        guard let result = report.result, let t = report.trace else { throw TraceInput.fail("\(trace): the trace could not be replayed") }
        if result.property.kind == .scenario {
            throw TraceInput.fail("\(trace) is the trace of a failing scenario, \(result.property.id): that scenario is the regression test already")
        }
        let text = ScenarioYAML.file(model: model, result: result, trace: t, specPath: spec)
        guard let output else {
            Terminal.write(text)
            return
        }
        try TraceInput.write(text, to: output)
    }
}
