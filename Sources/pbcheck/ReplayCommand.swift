import ArgumentParser
import Foundation
import PBCheckCore

/// `pbcheck replay SPEC TRACE` (SPEC §7): re-executes a saved trace step
/// by step through the kernel and says whether it still shows the
/// violation it records. Exit 1: it does; 0: it replays and no longer
/// reproduces; 2: a step cannot be taken, or the file is not a trace of
/// this spec; 3: the property could not be decided (a limit).
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Re-execute a saved trace (ITF, JSON result or scenario) and confirm it still reproduces."
    )

    @Argument(help: "Playbook file.")
    var spec: String

    @Argument(help: "The trace: an .itf.json file, a `verify --format json` result, or a scenario (.yaml).")
    var trace: String

    @Option(help: ArgumentHelp("The property whose counterexample to replay, when the JSON result holds several.", valueName: "id"))
    var property: String?

    @Option(parsing: .unconditional, help: "Stop after this many seconds (the verdict is then unknown, exit 3).")
    var timeout: Double?

    func validate() throws {
        try CheckingOptions.validate(timeout: timeout)
    }

    func run() throws {
        Interrupt.install()
        let model = try TraceInput.model(spec)
        let budget = Budget(timeout: timeout, stop: Interrupt.flag, from: Date())
        let renderer = ReplayRenderer(style: Terminal.style)
        let report: TraceReplay.Report
        if TraceInput.isScenario(trace) {
            let scenarios = try TraceInput.scenarios(trace)
            switch TraceReplay.scenario(model: model, scenarios: scenarios, name: property, budget: budget) {
            case .success(let r): report = r
            case .failure(let problem): throw TraceInput.fail("\(trace): \(problem.message)")
            }
            Terminal.write(renderer.render(report, spec: spec, tracePath: trace, format: .scenario, steps: nil, recorded: nil))
        } else {
            let recorded = try TraceInput.read(trace, model: model, property: property)
            report = TraceReplay(model: model, budget: budget).run(recorded)
            Terminal.write(renderer.render(report, spec: spec, tracePath: trace, format: recorded.format, steps: recorded.steps.count,
                                           recorded: recorded.property))
        }
        throw ExitCode(report.ending.exitStatus.rawValue)
    }
}

/// Loading the spec and the TRACE argument, shared by the commands that
/// read a trace (`replay`, `scenario`, `graph --trace`, `explore --trace`).
enum TraceInput {
    /// The spec, type-checked; its errors are printed and exit 2.
    static func model(_ path: String) throws -> TypedModel {
        let validation = Pipeline.validate(path: path)
        guard let model = validation.model else {
            Terminal.writeError(DiagnosticRenderer(style: PlainStyle()).render(validation))
            throw ExitCode(ExitStatus.invalid.rawValue)
        }
        return model
    }

    /// The trace in `path`: an error says why it is not one (exit 2). A
    /// scenario file gives the steps its scenario takes when run.
    static func read(_ path: String, model: TypedModel, property: String?) throws -> RecordedTrace {
        if isScenario(path) {
            switch TraceReplay.scenario(model: model, scenarios: try scenarios(path), name: property) {
            case .success(let report):
                guard let trace = report.trace else { throw fail("\(path): the scenario takes no step that can be replayed") }
                return RecordedTrace(replayed: trace, format: .scenario, property: report.property?.id.description)
            case .failure(let problem):
                throw fail("\(path): \(problem.message)")
            }
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size <= RecordedTrace.maxFileBytes else { throw fail("\(path): \(size) bytes; a trace file is at most \(RecordedTrace.maxFileBytes) bytes") }
        guard let data = FileManager.default.contents(atPath: path) else { throw fail("\(path): cannot read the trace file") }
        do {
            return try RecordedTrace.read(json: data, property: property, specName: model.name)
        } catch {
            throw fail("\(path): \(error.description)")
        }
    }

    /// A scenario file (`.yaml`, `.yml`) rather than a JSON trace.
    static func isScenario(_ path: String) -> Bool { path.hasSuffix(".yaml") || path.hasSuffix(".yml") }

    /// The scenarios of a scenario file; its errors are printed and exit 2.
    static func scenarios(_ path: String) throws -> [ScenarioDecl] {
        guard let data = FileManager.default.contents(atPath: path) else { throw fail("\(path): cannot read the scenario file") }
        let (scenarios, bag) = SpecLoader.loadScenarios(data: data, path: path)
        if bag.hasErrors {
            for d in bag.all where d.severity == .error {
                Terminal.writeError("\(path):\(d.location.map { "\($0.line):\($0.column): " } ?? " ")error: \(d.message)\n")
            }
            throw ExitCode(ExitStatus.invalid.rawValue)
        }
        return scenarios
    }

    /// The trace in `path` replayed through the spec, as far as it goes;
    /// a trace that cannot be replayed is an error (exit 2).
    static func replayed(_ path: String, model: TypedModel, property: String?) throws -> Trace {
        let recorded = try read(path, model: model, property: property)
        let report = TraceReplay(model: model).run(recorded)
        if case .stepFailed(let step, let problem) = report.ending {
            throw fail("\(path): cannot replay \(step == 0 ? "the initial state" : "step \(step)"): \(problem.message)")
        }
        guard let trace = report.trace else { throw fail("\(path): the trace could not be replayed") }
        return trace
    }

    /// `--output FILE`: written atomically (temporary file, fsync, rename).
    static func write(_ text: String, to path: String) throws {
        do {
            try ReportWriter.atomicWrite(Data(text.utf8), to: path)
        } catch {
            throw fail("--output: \(error)")
        }
    }

    /// `--output` may not name the playbook: pbcheck never overwrites it.
    static func validate(output: String?, spec: String) throws {
        if let output, ReportWriter.sameFile(output, spec) {
            throw ValidationError("--output \(output) is the playbook itself; pbcheck never overwrites it")
        }
    }

    /// An error about the input files: one line on stderr, exit 2.
    static func fail(_ message: String) -> ExitCode {
        Terminal.writeError("error: \(message)\n")
        return ExitCode(ExitStatus.invalid.rawValue)
    }
}
