/// Runs the playbook's scenarios and probar's scripted run (SPEC §6)
/// through the same property checker as the search. Each becomes a
/// `scenario:NAME` property: `holds` when it ran to the end, `violated`
/// with the steps it took when an action was not enabled or an assert
/// failed. Browser actions are reported as skipped, never as passed.
public struct ScenarioRunner {
    let system: TransitionSystem
    let oracle: SnapshotOracle
    /// The run's `--timeout` and Ctrl-C: a scenario that has not ended by
    /// then is `unknown` (a `repeat` may be a million steps long).
    let budget: Budget

    public init(system: TransitionSystem, queryTimeoutMilliseconds: UInt32? = 10_000, budget: Budget = .unlimited) {
        self.system = system
        self.budget = budget
        oracle = SnapshotOracle(system: system, queryTimeoutMilliseconds: queryTimeoutMilliseconds)
        oracle.budget = budget
    }

    var model: TypedModel { system.model }

    /// A run in progress: where it is, the choices made, the states visited.
    struct Run {
        var packed: [UInt64]
        var initial: [UInt64]
        var choices: [StepChoice] = []
        var visited: [Int]
    }

    enum Failure: Error {
        case failed(String)
        /// The budget ran out, or Z3 could not decide a step: `unknown`.
        case undecided(String)
    }

    public func runAll() -> (results: [PropertyResult], skipped: [Diagnostic]) {
        var results: [PropertyResult] = []
        var skipped: [Diagnostic] = []
        for (n, sc) in model.spec.scenarios.enumerated() {
            let property = Property(id: .scenario(sc.name.value), kind: .scenario, description: sc.description,
                                    location: sc.name.loc, severity: .error, isContract: false)
            results.append(run(sc, index: n, property))
        }
        if !model.spec.scriptedRuns.isEmpty || model.spec.pathAssertions != nil {
            let (r, s) = runScripted()
            results.append(r)
            skipped += s
        }
        // What probar runs and pbcheck does not model, in file order.
        skipped += model.spec.skipped.map { Diagnostic(.note, .scenarioSkipped, $0.value, at: $0.loc) }
        let origin = SourceLoc(line: 0, column: 0)
        skipped.sort { ($0.location ?? origin) < ($1.location ?? origin) }
        return (results, skipped)
    }

    /// The scenario `name` run again (`playbook`: probar's scripted run);
    /// nil when the playbook has no such scenario.
    func run(named name: String) -> PropertyResult? {
        if let n = model.spec.scenarios.firstIndex(where: { $0.name.value == name }) {
            let sc = model.spec.scenarios[n]
            let property = Property(id: .scenario(name), kind: .scenario, description: sc.description,
                                    location: sc.name.loc, severity: .error, isContract: false)
            return run(sc, index: n, property)
        }
        if name == "playbook", !model.spec.scriptedRuns.isEmpty || model.spec.pathAssertions != nil { return runScripted().0 }
        return nil
    }

    func start() -> Run? {
        guard let initial = system.firstInitialState() else { return nil }
        return Run(packed: initial, initial: initial, visited: [model.initial])
    }

    func result(_ p: Property, _ run: Run, failure: String?) -> PropertyResult {
        guard let failure else {
            return PropertyResult(property: p, verdict: .holds, bound: nil, trace: nil, detail: nil, settledBy: .scenario)
        }
        let replay = run.initial.withUnsafeBufferPointer { Replayer(system: system).replay(initial: $0.baseAddress!, choices: run.choices) }
        let trace = replay.error == nil ? replay.trace : nil
        return PropertyResult(property: p, verdict: .violated, bound: nil, trace: trace, detail: failure, settledBy: .scenario)
    }

    func run(_ sc: ScenarioDecl, index: Int, _ p: Property) -> PropertyResult {
        guard var r = start() else { return result(p, Run(packed: [], initial: [], visited: []), failure: "no initial state") }
        do throws(Failure) {
            for (k, step) in sc.steps.enumerated() {
                switch step {
                case .action(let name, let params, let observe, let count):
                    for _ in 0..<count {
                        if let reason = budget.exhausted { throw .undecided(reason.description) }
                        try fire(name, params: params, observe: observe, &r)
                    }
                case .assert(let source):
                    let checked = index < model.scenarioAsserts.count && k < model.scenarioAsserts[index].count
                        ? model.scenarioAsserts[index][k] : nil
                    try assert(checked, source, r)
                }
            }
        } catch {
            return result(p, r, error)
        }
        return result(p, r, failure: nil)
    }

    /// A run that ended early: `violated` when it failed, `unknown` when
    /// it could not go on.
    func result(_ p: Property, _ r: Run, _ error: Failure) -> PropertyResult {
        switch error {
        case .failed(let message): return result(p, r, failure: message)
        case .undecided(let reason):
            return PropertyResult(property: p, verdict: .unknown, bound: nil, trace: nil,
                                  detail: "stopped after \(r.choices.count) steps: \(reason)", settledBy: .scenario)
        }
    }

    /// Fires the transition with id `name`, or the single enabled one whose
    /// event is `name`, through the kernel's step resolver.
    func fire(_ name: Located<String>, params: [(String, Located<ScalarValue>)], observe: [(String, Located<ScalarValue>)],
              _ r: inout Run) throws(Failure) {
        let request = StepRequest(name: name.value, params: params.map { ($0.0, $0.1.value) }, observations: observe.map { ($0.0, $0.1.value) },
                                  byEvent: true)
        let taken: TakenStep
        do throws(StepProblem) {
            taken = try system.take(request, at: r.packed, oracle: oracle)
        } catch {
            if case .undecided(let reason) = error { throw .undecided(reason) }
            // The line of the param or observation the problem names, else the action's.
            let named = (params + observe).first { error.message.contains("'\($0.0)'") }
            throw .failed("\(error.message) (line \(named?.1.loc.line ?? name.loc.line))")
        }
        guard let successor = taken.successor else {
            let why = taken.fired.findings.first.map { $0.message } ?? "it has no successor"
            throw .failed("'\(name.value)' (line \(name.loc.line)) cannot complete: \(why)")
        }
        r.choices.append(taken.choice)
        r.packed = successor
        r.visited.append(system.instances[taken.choice.instance].to)
    }

    func assert(_ checked: ScenarioAssert?, _ source: ExprSource, _ r: Run) throws(Failure) {
        let text = source.text.text
        guard let checked else { throw .failed("assert '\(text)' (line \(source.loc.line)) could not be checked") }
        switch checked {
        case .invalid(let why):
            throw .failed("assert '\(text)' (line \(source.loc.line)): \(why)")
        case .checked(let e, let readsObservations):
            if readsObservations {
                throw .failed("assert '\(text)' (line \(source.loc.line)) reads an observation, which a scenario cannot know; assert on variables and state")
            }
            var compiler = system.compiler
            let fn = compiler.compile(e)
            let frame = Frame(slots: system.slotCount, locals: max(compiler.localCount, system.localCount))
            system.layout.unpack(r.packed, into: frame.vars)
            let holds: Bool
            do throws(EvalError) {
                holds = try fn(frame) != 0
            } catch {
                throw .failed("assert '\(text)' (line \(source.loc.line)): \(system.message(error))")
            }
            if !holds {
                throw .failed("assert '\(text)' (line \(source.loc.line)) fails in \(model.states[Int(frame.vars[0])].id)")
            }
        }
    }

    /// probar's `playbook.steps[].transitions` fired in order from the
    /// initial state, then `assertions.path`.
    func runScripted() -> (PropertyResult, [Diagnostic]) {
        let p = Property(id: .scenario("playbook"), kind: .scenario, description: "probar's scripted run (playbook.steps) and assertions.path",
                         location: model.spec.scriptedRuns.first?.loc ?? model.spec.pathAssertions?.loc, severity: .error, isContract: false)
        var skipped: [Diagnostic] = []
        for run in model.spec.scriptedRuns where !run.browserActions.isEmpty {
            let names = run.browserActions.map(\.value)
            skipped.append(Diagnostic(.note, .scenarioSkipped,
                                      "\(run.name): browser action\(names.count == 1 ? "" : "s") \(names.joined(separator: ", ")) skipped (outside the model)",
                                      at: run.loc))
        }
        guard var r = start() else { return (result(p, Run(packed: [], initial: [], visited: []), failure: "no initial state"), skipped) }
        do throws(Failure) {
            for run in model.spec.scriptedRuns {
                for t in run.transitions {
                    guard model.transitions.contains(where: { $0.id == t.value }) else {
                        throw .failed("\(run.name): '\(t.value)' (line \(t.loc.line)) is not a transition id")
                    }
                    if let reason = budget.exhausted { throw .undecided(reason.description) }
                    do throws(Failure) { try fire(t, params: [], observe: [], &r) } catch {
                        switch error {
                        case .failed(let m): throw .failed("\(run.name): \(m)")
                        case .undecided(let m): throw .undecided("\(run.name): \(m)")
                        }
                    }
                }
            }
            if let path = model.spec.pathAssertions {
                if let expected = path.expected { try checkExpected(expected, at: path.loc, r) }
                let visited = Set(r.visited.map { model.states[$0].id })
                for s in path.mustVisit where !visited.contains(s.value) {
                    throw .failed("assertions.path.must_visit: the run never visits '\(s.value)' (line \(s.loc.line))")
                }
                for s in path.mustNotVisit where visited.contains(s.value) {
                    let at = r.visited.firstIndex { model.states[$0].id == s.value } ?? 0
                    throw .failed("assertions.path.must_not_visit: the run visits '\(s.value)' at step \(at) (line \(s.loc.line))")
                }
                if let end = path.endsAt, let last = r.visited.last, model.states[last].id != end.value {
                    throw .failed("assertions.path.ends_at: the run ends in '\(model.states[last].id)', not '\(end.value)' (line \(end.loc.line))")
                }
            }
        } catch {
            return (result(p, r, error), skipped)
        }
        return (result(p, r, failure: nil), skipped)
    }

    /// probar's `assertions.path.expected`: the run visits exactly these
    /// states, the initial one first. Fails at the first step that differs.
    func checkExpected(_ expected: [Located<String>], at loc: SourceLoc?, _ r: Run) throws(Failure) {
        let actual = r.visited.map { model.states[$0].id }
        let what = "assertions.path.expected"
        // Step i >= 1 is the i-th transition fired; step 0 is the initial state.
        func step(_ i: Int) -> String {
            guard i >= 1, i - 1 < r.choices.count, r.choices[i - 1].instance < system.instances.count else { return "step \(i)" }
            return "step \(i) ('\(model.transitions[system.instances[r.choices[i - 1].instance].transition].id)')"
        }
        guard let last = expected.last, let start = actual.first else {
            throw .failed("\(what) is empty; the run starts in '\(actual.first ?? "?")'" + (loc.map { " (line \($0.line))" } ?? ""))
        }
        let common = min(expected.count, actual.count)
        let i = (0..<common).first { expected[$0].value != actual[$0] } ?? common
        if i < common {
            let at = i == 0 ? "the run starts in '\(start)'" : "\(step(i)) enters '\(actual[i])'"
            throw .failed("\(what): \(at), expected '\(expected[i].value)' (line \(expected[i].loc.line))")
        }
        if i < expected.count {
            throw .failed("\(what): the run ends in '\(actual[i - 1])' after \(i - 1) step\(i - 1 == 1 ? "" : "s"); expected step \(i) to enter '\(expected[i].value)' (line \(expected[i].loc.line))")
        }
        if i < actual.count {
            throw .failed("\(what): \(step(i)) enters '\(actual[i])', but the expected path ends in '\(last.value)' after \(i - 1) step\(i - 1 == 1 ? "" : "s") (line \(last.loc.line))")
        }
    }
}
