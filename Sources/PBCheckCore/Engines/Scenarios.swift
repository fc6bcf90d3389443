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

    /// A run in progress: where it is, the choices made, the states
    /// visited, and what the last action did.
    struct Run {
        var packed: [UInt64]
        var initial: [UInt64]
        var choices: [StepChoice] = []
        var visited: [Int]
        /// The step properties the last action broke (`Fired.findings`):
        /// what `holds:` reads for a forbidden edge, a range, a contract.
        var lastFindings: [Finding] = []
        /// The world after the last action's event, and the observations
        /// its `observe:` fixed: an assert may read those (a contract is
        /// checked against the entering step's snapshot).
        var lastSnapshot = Snapshot()
        var observed: Set<Snapshot.Key> = []
    }

    enum Failure: Error {
        case failed(String)
        /// An action could not be taken: not enabled, or it names what the
        /// machine does not have (a scenario that no longer applies).
        case cannotTake(String)
        /// The budget ran out, or Z3 could not decide a step: `unknown`.
        case undecided(String)
    }

    /// The `scenario:NAME` property a scenario is checked as.
    func property(_ sc: ScenarioDecl) -> Property {
        Property(id: .scenario(sc.name.value), kind: .scenario, description: sc.description, location: sc.name.loc, severity: .error, isContract: false)
    }

    public func runAll() -> (results: [PropertyResult], skipped: [Diagnostic]) {
        var results: [PropertyResult] = []
        var skipped: [Diagnostic] = []
        for (n, sc) in model.spec.scenarios.enumerated() { results.append(run(sc, index: n, property(sc))) }
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
            return run(model.spec.scenarios[n], index: n, property(model.spec.scenarios[n]))
        }
        if name == "playbook", !model.spec.scriptedRuns.isEmpty || model.spec.pathAssertions != nil { return runScripted().0 }
        return nil
    }

    func start() -> Run? {
        guard let initial = system.firstInitialState() else { return nil }
        return Run(packed: initial, initial: initial, visited: [model.initial])
    }

    /// `init:` — the run starts from the initial state in which these
    /// variables (`init: any`, or no init) take these values, the others
    /// as in the first initial state.
    func setInitial(_ values: [(String, Located<ScalarValue>)], _ r: inout Run) throws(Failure) {
        guard !values.isEmpty else { return }
        let frame = system.makeFrame()
        system.layout.unpack(r.packed, into: frame.vars)
        for (name, v) in values {
            guard let slot = slot(named: name), let variable = model.variables.last(where: { $0.slot <= slot }) else {
                throw .failed("init: '\(name)' (line \(v.loc.line)) is not a variable of this machine")
            }
            let choices = system.initialChoices[slot]
            guard let w = system.word(v.value, in: variable.domain), choices.contains(w) else {
                let type = variable.domain.type
                let allowed = choices.count == 1 ? "its init is \(model.describe(Word.decode(choices[0], as: type)))"
                    : "it starts at one of \(choices.prefix(8).map { model.describe(Word.decode($0, as: type)) }.joined(separator: ", "))\(choices.count > 8 ? ", …" : "")"
                throw .failed("init: \(name) cannot start at \(v.value) (line \(v.loc.line)): \(allowed)")
            }
            frame.vars[slot + 1] = w
        }
        var packed = r.packed
        guard packed.withUnsafeMutableBufferPointer({ system.layout.pack(frame.vars, into: $0.baseAddress!) }) else {
            throw .failed("init: these values make no state of this machine")
        }
        r.packed = packed
        r.initial = packed
    }

    /// The variable slot named `name` or `name(key)` (a keyed family's
    /// member, the key as traces print it, quotes allowed).
    func slot(named name: String) -> Int? {
        if let v = model.variables.first(where: { $0.name == name && $0.keySet == nil }) { return v.slot }
        guard name.hasSuffix(")"), let open = name.firstIndex(of: "(") else { return nil }
        let base = name[..<open].trimmingCharacters(in: .whitespaces)
        var key = name[name.index(after: open)..<name.index(before: name.endIndex)].trimmingCharacters(in: .whitespaces)
        if key.count >= 2, let q = key.first, q == "'" || q == "\"", key.last == q { key = String(key.dropFirst().dropLast()) }
        guard let v = model.variables.first(where: { $0.name == base }), let ks = v.keySet,
              let p = model.sets[ks].elements.firstIndex(where: { model.describe($0) == key }) else { return nil }
        return v.slot + p
    }

    func result(_ p: Property, _ run: Run, failure: String?) -> PropertyResult {
        guard let failure else {
            return PropertyResult(property: p, verdict: .holds, bound: nil, trace: nil, detail: nil, settledBy: .scenario)
        }
        let replay = run.initial.withUnsafeBufferPointer { Replayer(system: system).replay(initial: $0.baseAddress!, choices: run.choices) }
        let trace = replay.error == nil ? replay.trace : nil
        return PropertyResult(property: p, verdict: .violated, bound: nil, trace: trace, detail: failure, settledBy: .scenario)
    }

    func run(_ sc: ScenarioDecl, index: Int, _ p: Property) -> PropertyResult { execute(sc, index: index, p, keepSteps: false).result }

    /// The steps a run took, replayed (a passing scenario's result keeps
    /// none; `explore` and `graph --trace` still walk them).
    func steps(_ r: Run) -> Trace? {
        guard !r.initial.isEmpty else { return nil }
        let replay = r.initial.withUnsafeBufferPointer { Replayer(system: system).replay(initial: $0.baseAddress!, choices: r.choices) }
        return replay.error == nil ? replay.trace : nil
    }

    /// A scenario run, and whether it ended at an action that could not be
    /// taken (rather than at an assert, a `holds:` or a step that broke a
    /// property): `replay` tells "no longer applies" from "still fails".
    func execute(_ sc: ScenarioDecl, index: Int, _ p: Property, keepSteps: Bool) -> (result: PropertyResult, cannotTake: Bool, steps: Trace?) {
        guard var r = start() else { return (result(p, Run(packed: [], initial: [], visited: []), failure: "no initial state"), false, nil) }
        do throws(Failure) {
            try setInitial(sc.initial, &r)
            for (k, step) in sc.steps.enumerated() {
                switch step {
                case .action(let name, let params, let observe, let choose, let count):
                    for _ in 0..<count {
                        if let reason = budget.exhausted { throw .undecided(reason.description) }
                        try fire(name, params: params, observe: observe, choose: choose, &r)
                    }
                case .assert(let source):
                    let checked = index < model.scenarioAsserts.count && k < model.scenarioAsserts[index].count
                        ? model.scenarioAsserts[index][k] : nil
                    try assert(checked, source, r)
                case .holds(let id):
                    try holds(id, r)
                }
            }
        } catch {
            if case .cannotTake = error { return (result(p, r, error), true, keepSteps ? steps(r) : nil) }
            return (result(p, r, error), false, keepSteps ? steps(r) : nil)
        }
        return (result(p, r, failure: nil), false, keepSteps ? steps(r) : nil)
    }

    /// Runs scenarios read from their own file (a TRACE of `replay`) as if
    /// they were the playbook's: the first one, or the one named `name`.
    /// Nil when there is no such scenario.
    public func replay(named name: String?) -> (result: PropertyResult, cannotTake: Bool, steps: Trace?)? {
        guard let n = name.map({ n in model.spec.scenarios.firstIndex { $0.name.value == n } }) ?? (model.spec.scenarios.isEmpty ? nil : 0) else { return nil }
        return execute(model.spec.scenarios[n], index: n, property(model.spec.scenarios[n]), keepSteps: true)
    }

    /// A run that ended early: `violated` when it failed, `unknown` when
    /// it could not go on.
    func result(_ p: Property, _ r: Run, _ error: Failure) -> PropertyResult {
        switch error {
        case .failed(let message), .cannotTake(let message): return result(p, r, failure: message)
        case .undecided(let reason):
            return PropertyResult(property: p, verdict: .unknown, bound: nil, trace: nil,
                                  detail: "stopped after \(r.choices.count) steps: \(reason)", settledBy: .scenario)
        }
    }

    /// Fires the transition with id `name`, or the single enabled one whose
    /// event is `name`, through the kernel's step resolver: `observe:` by
    /// the names traces print (a keyed member, a browser condition's text),
    /// `choose:` the values of its `:= any` effects.
    func fire(_ name: Located<String>, params: [(String, Located<ScalarValue>)], observe: [(String, Located<ScalarValue>)],
              choose: [(String, Located<ScalarValue>)] = [], _ r: inout Run) throws(Failure) {
        let request = StepRequest(name: name.value, params: params.map { ($0.0, $0.1.value) }, observations: observe.map { ($0.0, $0.1.value) },
                                  chosen: choose.map { ($0.0, $0.1.value) }, byEvent: true)
        let taken: TakenStep
        do throws(StepProblem) {
            taken = try system.take(request, at: r.packed, oracle: oracle)
        } catch {
            if case .undecided(let reason) = error { throw .undecided(reason) }
            // The line of the param or observation the problem names, else the action's.
            let named = (params + observe + choose).first { error.message.contains("'\($0.0)'") }
            throw .cannotTake("\(error.message) (line \(named?.1.loc.line ?? name.loc.line))")
        }
        guard let successor = taken.successor else {
            // Each finding by its property: a regression scenario's failure
            // names the property it guards.
            let why = taken.fired.findings.isEmpty ? "it has no successor" : taken.fired.findings.map(found).joined(separator: "; ")
            let verb = taken.fired.enabled ? "cannot complete" : "is not enabled"
            throw .failed("'\(name.value)' (line \(name.loc.line)) \(verb): \(why)")
        }
        r.choices.append(taken.choice)
        r.lastFindings = taken.fired.findings
        r.lastSnapshot = taken.choice.snapshot
        r.observed = Set(observe.compactMap { system.observationKey($0.0) })
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
            if readsObservations, let key = model.unfixedObservation(e, fixed: r.observed) {
                throw .failed("assert '\(text)' (line \(source.loc.line)) reads '\(system.observationText(key, 0).0)', which the action before it "
                              + "did not fix with observe:; an assert may read only the observations the last action fixed")
            }
            var compiler = system.compiler
            let fn = compiler.compile(e)
            let frame = Frame(slots: system.slotCount, locals: max(compiler.localCount, system.localCount))
            system.layout.unpack(r.packed, into: frame.vars)
            // The world after the last action's event, as its contracts saw it.
            frame.snapshot = r.lastSnapshot
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

    /// A finding as the scenario reports it: the property's id, then what
    /// broke it.
    func found(_ f: Finding) -> String { "\(system.properties[f.property].id): \(f.message)" }

    /// `holds: ID` — the property at this point of the run, decided by the
    /// kernel (`check(_:at:)`): a state property in the current state, a
    /// step property in the last action's findings, deadlock and
    /// determinism in the current state's steps, progress by a search from
    /// it for a final state (bounded by the run's budget; not settled →
    /// `unknown`). A property this run does not number cannot be broken
    /// (a variable no effect assigns has no range property), except
    /// deadlock and progress when the run does not check them: then nothing
    /// is claimed.
    func holds(_ id: Located<PropertyID>, _ r: Run) throws(Failure) {
        let at = "holds: \(id.value) (line \(id.loc.line))"
        guard let p = system.properties.firstIndex(where: { $0.id == id.value }) else {
            switch id.value.kind {
            case .deadlock, .progress: throw .undecided("\(at): \(id.value) is not checked in this run")
            default: return
            }
        }
        let point = RunPoint(packed: r.packed, stepFindings: r.lastFindings)
        switch system.check(p, at: point, oracle: oracle, budget: budget) {
        case .holds: return
        case .violated(let message): throw .failed("\(at) fails: \(message)")
        case .unknown(let reason): throw .undecided("\(at): \(reason)")
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
                        case .cannotTake(let m): throw .cannotTake("\(run.name): \(m)")
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

extension TypedModel {
    /// The first observation (a keyed one's member) that `e` may read and
    /// that is not among `fixed`; nil when it reads only fixed ones. A keyed
    /// read whose key is not a literal needs every key of the family (a
    /// family keyed by no declared set cannot have them all: its key is then
    /// `Int64.min`, printed `name(?)`).
    func unfixedObservation(_ e: TExpr, fixed: Set<Snapshot.Key>) -> Snapshot.Key? {
        switch e {
        case .lit, .variable, .local, .state, .inState: return nil
        case .observation(let o):
            let k = Snapshot.Key(observation: o, key: nil)
            return fixed.contains(k) ? nil : k
        case .keyedObservation(let o, let key, _):
            if case .lit(let v) = key {
                let k = Snapshot.Key(observation: o, key: Word.encode(v))
                return fixed.contains(k) ? nil : k
            }
            guard let ks = observations[o].keySet else { return Snapshot.Key(observation: o, key: Int64.min) }
            let missing = sets[ks].elements.lazy.map { Snapshot.Key(observation: o, key: Word.encode($0)) }.first { !fixed.contains($0) }
            return missing ?? unfixedObservation(key, fixed: fixed)
        case .keyedVariable(_, let a, _), .not(let a), .negate(let a, _), .abs(let a, _), .member(let a, _), .aggregate(_, _, _, let a, _):
            return unfixedObservation(a, fixed: fixed)
        case .arith(_, let a, let b, _), .compare(_, let a, let b), .and(let a, let b), .or(let a, let b),
             .implies(let a, let b), .contains(let a, let b), .min2(let a, let b), .max2(let a, let b):
            return unfixedObservation(a, fixed: fixed) ?? unfixedObservation(b, fixed: fixed)
        case .conditional(let c, let a, let b):
            return unfixedObservation(c, fixed: fixed) ?? unfixedObservation(a, fixed: fixed) ?? unfixedObservation(b, fixed: fixed)
        }
    }
}
