import Foundation

/// `pbcheck replay SPEC TRACE` (SPEC §7): a recorded trace re-executed step
/// by step through the kernel — each step resolved by name at the state
/// the previous one reached, fired by `fire`, the result replayed by
/// `Replayer` — and the property it records decided again at its end.
public struct TraceReplay {
    /// How the replay ended.
    public enum Ending: Sendable, Equatable {
        /// The trace still shows the violation it records (exit 1).
        case reproduces
        /// Every step replays and the violation is gone (exit 0).
        case noLongerReproduces
        /// A step cannot be taken: not enabled, or it names what the spec
        /// does not have (exit 2). `step` counts from 1; 0 is the initial state.
        case stepFailed(step: Int, StepProblem)
        /// The property could not be decided at the end (exit 3).
        case undecided(String)
    }

    public struct Report: Sendable {
        public var ending: Ending
        /// The property the trace records, as this spec has it (nil when
        /// the spec has no such property, or the trace records none).
        public var property: Property?
        /// The trace as replayed, up to the last step taken.
        public var trace: Trace?
        /// What the end of the replay breaks: the recorded property's
        /// finding first, then every other property broken there.
        public var findings: [(property: PropertyID, message: String)]
        /// Where the replay reached other values than the file recorded.
        public var divergences: [String]
        /// Notes for people (a property the spec no longer has, …).
        public var notes: [String]

        /// How a scenario run again ended: it reproduces when it fails, but
        /// an action that can no longer be taken (`cannotTake`) is a step
        /// that failed; unfinished is undecided; run to its end, it no
        /// longer reproduces.
        mutating func settle(by result: PropertyResult, cannotTake: Bool) {
            property = result.property
            switch result.verdict {
            case .violated where cannotTake:
                ending = .stepFailed(step: (result.trace?.length ?? 0) + 1, .mismatch(result.detail ?? "an action cannot be taken"))
            case .violated:
                ending = .reproduces
                findings.append((result.property.id, result.detail ?? "the scenario fails"))
            case .unknown:
                ending = .undecided(result.detail ?? "the scenario did not finish")
            case .holds, .bounded:
                ending = .noLongerReproduces
            }
        }

        /// The result to render as `verify` renders a counterexample.
        public var result: PropertyResult? {
            guard let property, let trace else { return nil }
            let detail = findings.first { $0.property == property.id }?.message
            return PropertyResult(property: property, verdict: ending == .reproduces ? .violated : .holds, bound: nil, trace: trace,
                                  detail: detail, settledBy: .scenario)
        }
    }

    let system: TransitionSystem
    let oracle: SnapshotOracle
    let budget: Budget

    public init(model: TypedModel, budget: Budget = .unlimited, queryTimeoutMilliseconds: UInt32? = 10_000) {
        system = TransitionSystem(model: model, budget: budget)
        oracle = SnapshotOracle(system: system, queryTimeoutMilliseconds: queryTimeoutMilliseconds)
        oracle.budget = budget
        self.budget = budget
    }

    init(system: TransitionSystem, oracle: SnapshotOracle, budget: Budget) {
        self.system = system
        self.oracle = oracle
        self.budget = budget
    }

    /// The file's initial state, packed: it must be an initial state of the spec.
    func initialState(_ recorded: RecordedTrace) throws(StepProblem) -> [UInt64] {
        guard let given = recorded.initial else {
            guard let first = system.firstInitialState() else { throw .mismatch("this machine has no initial state") }
            return first
        }
        let packed = try system.packState(state: given.state, vars: given.vars)
        guard system.isInitialState(packed) else {
            let text = Replayer(system: system).stateText(packed)
            throw .mismatch("the trace starts in \(text.state) (\(text.vars.map(\.assignment).joined(separator: ", "))), which is not an initial state of this machine")
        }
        return packed
    }

    /// A recorded step as a request: Quint's picks told apart by the spec's
    /// names (a param of the transition, an observation, else a variable
    /// an `any` chose).
    func request(_ step: RecordedTrace.Step, transition: String) -> StepRequest {
        var r = StepRequest(name: transition, params: step.params, observations: step.observations, chosen: step.chosen, completeSnapshot: true)
        let params = Set(system.model.transitions.filter { $0.id == transition }.flatMap { $0.params.map(\.name) })
        for pick in step.picks {
            if params.contains(pick.name) { r.params.append(pick) }
            else if system.observationKey(pick.name) != nil { r.observations.append(pick) }
            else { r.chosen.append(pick) }
        }
        return r
    }

    /// A recorded step taken at `packed`: the one it names, or, when it
    /// names none, the one that leads to the state it records next.
    func take(_ step: RecordedTrace.Step, at packed: [UInt64]) throws(StepProblem) -> TakenStep {
        guard let t = step.transition else { return try inferredStep(step, at: packed) }
        return try system.take(request(step, transition: t), at: packed, oracle: oracle)
    }

    /// The step that leads from `packed` to the state the file records
    /// next, for an ITF file that names no transition.
    func inferredStep(_ step: RecordedTrace.Step, at packed: [UInt64]) throws(StepProblem) -> TakenStep {
        guard let reached = step.reached else { throw .mismatch("the step names no transition and no state it reaches") }
        let target = try system.packState(state: reached.state, vars: reached.vars)
        let ws = system.makeWorkspace()
        var limit: EvalError?, errors: [String] = []
        var found: TakenStep?
        _ = packed.withUnsafeBufferPointer { p in
            system.forEachStep(p.baseAddress!, ws: ws, oracle: oracle, limit: &limit, internalErrors: &errors) { _, choice, fired in
                guard fired.successor, (0..<system.layout.words).allSatisfy({ ws.out[$0] == target[$0] }) else { return true }
                found = TakenStep(choice: choice(), fired: fired, successor: target)
                return false
            }
        }
        guard let found else {
            let here = Replayer(system: system).stateText(packed).state
            throw .notEnabled(NotEnabled(transition: "(a step to \(reached.state))", state: here, reason: "no step leads to the state the trace records next",
                                         enabled: system.enabledStepNames(packed, oracle: oracle)))
        }
        return found
    }

    /// Replays `recorded` and decides the property it records at its end.
    public func run(_ recorded: RecordedTrace) -> Report {
        var report = Report(ending: .noLongerReproduces, property: nil, trace: nil, findings: [], divergences: [], notes: [])
        let replayer = Replayer(system: system)
        let initial: [UInt64]
        do throws(StepProblem) { initial = try initialState(recorded) } catch {
            report.ending = .stepFailed(step: 0, error)
            return report
        }
        var packed = initial
        var choices: [StepChoice] = []
        var lastFindings: [Finding] = []
        func traceSoFar() -> Trace? {
            let r = replayer.replay(TraceChoices(initial: initial, steps: choices))
            return r.error == nil ? r.trace : nil
        }
        for (k, step) in recorded.steps.enumerated() {
            if let reason = budget.exhausted {
                report.trace = traceSoFar()
                report.ending = .undecided(reason.description)
                return report
            }
            let taken: TakenStep
            do throws(StepProblem) { taken = try take(step, at: packed) } catch {
                report.trace = traceSoFar()
                report.ending = .stepFailed(step: k + 1, error)
                return report
            }
            choices.append(taken.choice)
            lastFindings = taken.fired.findings
            guard let next = taken.successor else {
                // A step with no successor (out of range, an evaluation
                // error) can only end a trace.
                if k == recorded.steps.count - 1 { break }
                report.trace = traceSoFar()
                let why = taken.fired.findings.first?.message ?? "it has no successor"
                report.ending = .stepFailed(step: k + 1, .mismatch("'\(system.stepName(taken.choice.instance))' cannot complete: \(why); the trace goes on after it"))
                return report
            }
            if let reached = step.reached, let recordedState = try? system.packState(state: reached.state, vars: reached.vars), recordedState != next {
                let now = replayer.stateText(next), then = replayer.stateText(recordedState)
                var diffs: [String] = []
                if now.state != then.state { diffs.append("state \(now.state), recorded \(then.state)") }
                for (a, b) in zip(now.vars, then.vars) where a.value != b.value { diffs.append("\(a.name)=\(a.text), recorded \(b.text)") }
                report.divergences.append("step \(k + 1) (\(system.stepName(taken.choice.instance))) reaches \(diffs.joined(separator: "; "))")
            }
            packed = next
        }
        report.trace = traceSoFar()
        let point = RunPoint(packed: packed, stepFindings: lastFindings)
        // The recorded property, decided again at the end.
        var target: Int?
        if let name = recorded.property, let id = PropertyID(parsing: name), id.kind == .scenario, let scenario = id.parts.first {
            // A scenario's failure is its next action or assert: the
            // scenario itself is run again.
            guard let again = ScenarioRunner(system: system, budget: budget).run(named: scenario) else {
                report.notes.append("this spec has no scenario '\(scenario)' any more")
                return report
            }
            report.settle(by: again, cannotTake: false)
            return report
        }
        if let name = recorded.property {
            target = system.properties.firstIndex { $0.id.description == name }
            if target == nil { report.notes.append("this spec has no property \(name) any more") }
        }
        if let p = target {
            report.property = system.properties[p]
            switch system.check(p, at: point, oracle: oracle, budget: budget) {
            case .violated(let m): report.findings.append((system.properties[p].id, m)); report.ending = .reproduces
            case .unknown(let why): report.ending = .undecided(why)
            case .holds: report.ending = .noLongerReproduces
            }
        }
        let broken = system.brokenProperties(at: point, oracle: oracle)
        // A trace that records no property reproduces when its end breaks any.
        if recorded.property == nil, let first = broken.first {
            report.property = system.properties[first.property]
            report.ending = .reproduces
        }
        for (p, m) in broken where p != target {
            report.findings.append((system.properties[p].id, m))
        }
        return report
    }
}

extension TraceReplay {
    /// A scenario as the TRACE (SPEC §7): run as if it were the playbook's
    /// own, every action, assert and `holds:` through the kernel. It
    /// reproduces when it fails at an assert, a `holds:` or a step that
    /// breaks a property; an action that can no longer be taken is
    /// `stepFailed` (the scenario no longer applies); a scenario that runs
    /// to its end no longer reproduces. `name` picks one of several
    /// (`scenario:NAME` or `NAME`).
    public static func scenario(model: TypedModel, scenarios: [ScenarioDecl], name: String?, budget: Budget = .unlimited) -> Result<Report, StepProblem> {
        var spec = model.spec
        spec.scenarios = scenarios
        spec.scriptedRuns = []
        spec.pathAssertions = nil
        let built = ModelBuilder.build(spec)
        guard let rebuilt = built.model else {
            let first = built.diagnostics.all.first { $0.severity == .error }
            return .failure(.mismatch(first.map { d in d.location.map { "line \($0.line): \(d.message)" } ?? d.message } ?? "the scenarios do not fit this spec"))
        }
        let wanted = name.map { $0.hasPrefix("scenario:") ? String($0.dropFirst("scenario:".count)) : $0 }
        if wanted == nil && scenarios.count > 1 {
            return .failure(.ambiguous("the file holds \(scenarios.count) scenarios; pick one with --property NAME: \(scenarios.map(\.name.value).joined(separator: ", "))"))
        }
        let runner = ScenarioRunner(system: TransitionSystem(model: rebuilt, budget: budget), budget: budget)
        guard let (result, cannotTake, steps) = runner.replay(named: wanted) else {
            return .failure(.mismatch("the file has no scenario '\(wanted ?? "")'; it has: \(scenarios.map(\.name.value).joined(separator: ", "))"))
        }
        var report = Report(ending: .noLongerReproduces, property: nil, trace: steps, findings: [], divergences: [], notes: [])
        report.settle(by: result, cannotTake: cannotTake)
        return .success(report)
    }
}
