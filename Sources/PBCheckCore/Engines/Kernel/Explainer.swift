/// Why a step is not enabled, and why the coverage has gaps, told from
/// concrete states by the kernel's own evaluation (issue 14 item 6).
///
/// A guard is split at its top-level `&&`; each conjunct is compiled once
/// and evaluated in a state's frame with the step's params bound. A
/// conjunct that reads observations is asked of Z3 (`SnapshotOracle`):
/// does some snapshot satisfy it in this state? Nothing here decides a
/// property: it only says which part of a guard the states at hand fail.
///
/// One per thread: it owns a Z3 context.
public final class ReachabilityExplainer {
    let system: TransitionSystem
    let oracle: SnapshotOracle
    let frame: Frame
    let ws: Workspace
    /// Each transition's conjuncts, made when first asked.
    private var partsCache: [Int: [Part]] = [:]
    /// Z3's answers, keyed by the instance, the conjuncts asked and the
    /// words they read.
    private var answers: [[Int64]: Bool] = [:]
    /// Z3 queries the explanation of a coverage may make; past it a
    /// conjunct that reads observations is undecided.
    var maxQueries = 2_000
    private var queries = 0
    /// Ctrl-C.
    var budget = Budget.unlimited

    /// One top-level conjunct of a guard.
    struct Part {
        let expr: TExpr
        /// As written, printed canonically.
        let text: String
        let fn: CompiledExpr
        let reads: Reads
        var observes: Bool { reads.observations }
    }

    public init(system: TransitionSystem, queryTimeoutMilliseconds: UInt32? = 10_000) {
        self.system = system
        oracle = SnapshotOracle(system: system, queryTimeoutMilliseconds: queryTimeoutMilliseconds)
        frame = system.makeFrame()
        ws = system.makeWorkspace()
    }

    // MARK: One step at one state

    /// Why transition `id` is not enabled at the packed state `packed`
    /// (`TraceChoices.initial`, a replay's `finalState`): one answer per
    /// binding of its params, in instance order. Each names the first
    /// conjunct that is false there, with the values of the variables and
    /// params it reads; for a conjunct that reads observations, that no
    /// snapshot satisfies it (Z3); when the guard holds, whether the step
    /// has a successor (fired through `forEachStep`, as the search does).
    /// Nil when the model has no such transition or `packed` has the wrong
    /// number of words for this model.
    public func whyNotEnabled(_ id: String, at packed: [UInt64]) -> [StepWhy]? {
        guard let t = system.model.transitions.firstIndex(where: { $0.id == id }), packed.count == system.layout.words else { return nil }
        return packed.withUnsafeBufferPointer { p -> [StepWhy] in
            let base = p.baseAddress!
            system.layout.unpack(base, into: frame.vars)
            let control = Int(frame.vars[0])
            guard control >= 0 && control < system.model.states.count else { return [] }
            let info = system.model.transitions[t]
            let mine = system.byState[control].filter { system.instances[$0].transition == t }
            if mine.isEmpty {
                // Every binding answers the same.
                return [StepWhy(transition: id, params: [],
                                answer: .notFromHere(state: system.model.states[control].id, from: info.fromText))]
            }
            var answers = mine.map { guardAnswer($0, base) }
            // The guards that can hold: fire them through the kernel, as the
            // search does (one pass over the state's steps for them all).
            let open = Set(mine.indices.filter { answers[$0] == nil }.map { mine[$0] })
            if !open.isEmpty {
                var limit: EvalError?, errors: [String] = []
                var problems: [Int: [String]] = [:]
                var enabledBy: [Int: [NamedValue]] = [:]
                _ = system.forEachStep(base, ws: ws, oracle: oracle, limit: &limit, internalErrors: &errors) { ref, choice, fired in
                    let i = ref.instance
                    guard open.contains(i), enabledBy[i] == nil, fired.enabled else { return true }
                    if fired.successor {
                        let s = choice().snapshot
                        enabledBy[i] = s.values.keys.sorted().map { system.observationText($0, s.values[$0] ?? 0).1 }
                    } else {
                        problems[i, default: []] += fired.findings.map(\.message)
                    }
                    return true
                }
                for (n, i) in mine.enumerated() where answers[n] == nil {
                    if let e = enabledBy[i] { answers[n] = .enabled(observations: e) }
                    else if let p = problems[i], !p.isEmpty { answers[n] = .noSuccessor(p) }
                    else if let l = limit { answers[n] = .undecided(system.message(l)) }
                    else { answers[n] = .undecided("Z3 found no snapshot that enables it here, though each conjunct can hold") }
                }
            }
            return zip(mine, answers).map { i, a in
                StepWhy(transition: id, params: system.paramValues(i), answer: a ?? .undecided("no answer"))
            }
        }
    }

    /// What the guard of instance `i` says at the state `packed`: the
    /// first conjunct that fails there, or observation conjuncts that
    /// cannot hold together; nil when the guard can hold.
    private func guardAnswer(_ i: Int, _ packed: UnsafePointer<UInt64>) -> StepWhy.Answer? {
        let parts = self.parts(system.instances[i].transition)
        unpack(packed, i)
        var observing: [Int] = []
        for (j, part) in parts.enumerated() {
            if part.observes {
                switch satisfiable([j], i, parts) {
                case false?: return .noSnapshot(part.text, values: values(part, i))
                case nil: return .undecided("Z3 could not decide `\(part.text)` here")
                case true?: observing.append(j)
                }
                continue
            }
            do throws(EvalError) {
                if try part.fn(frame) == 0 { return .conjunctFalse(part.text, values: values(part, i)) }
            } catch {
                return .conjunctFails(part.text, message: system.message(error), values: values(part, i))
            }
        }
        if observing.count > 1, satisfiable(observing, i, parts) == false {
            return .conflict(observing.map { parts[$0].text })
        }
        return nil
    }

    /// The variables (slots) and params a conjunct reads, with their values
    /// in the frame.
    private func values(_ part: Part, _ i: Int) -> [NamedValue] {
        let vars = part.reads.slots.sorted().map { system.named(system.slotName($0), frame.vars[$0 + 1], system.slotType($0)) }
        return vars + system.paramValues(i).filter { p in mentionsLocal(part.expr, named: p.name, transition: system.instances[i].transition) }
    }

    /// Whether a conjunct reads the param `name` of transition `t`.
    private func mentionsLocal(_ e: TExpr, named name: String, transition t: Int) -> Bool {
        guard let slot = system.model.transitions[t].params.firstIndex(where: { $0.name == name }) else { return false }
        var found = false
        e.visitLocals { if $0 == slot { found = true } }
        return found
    }

    // MARK: The coverage

    /// What one never-fired transition showed over the states scanned.
    private struct Track {
        var parts: [Part]
        var sourceSeen = false
        /// Per conjunct: true in some reached source state (some binding).
        var trueSomewhere: [Bool]
        /// Per conjunct: Z3 could not say in some state.
        var uncertain: [Bool]
        /// The subsets (pairs, triples) of conjuncts looked at in the
        /// second pass, and whether each was true together somewhere.
        var subsets: [[Int]] = []
        var subsetTrue: [Bool] = []
        var allTrueAt: (state: String, expanded: Bool)?
        var needsSecondPass = false
        var done: Bool { trueSomewhere.allSatisfy { $0 } }
    }

    /// Why each never-fired transition of `coverage` did not fire and what
    /// enters each unreached state, over the reached states `forEachState`
    /// calls its body with (each packed, and whether the search expanded
    /// it; the body returns false to stop). Only never-fired transitions
    /// are evaluated, only in states of their sources, and each conjunct
    /// only until it is true once; a second pass looks for the conjuncts
    /// that are never true together only when each was true alone.
    /// `exact`: the states given are every reachable one.
    func explain(_ coverage: Coverage, exact: Bool,
                 forEachState: ((UnsafePointer<UInt64>, Bool) -> Bool) -> Void) -> CoverageWhy {
        let model = system.model
        let index = Dictionary(model.transitions.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        let never = coverage.neverFired.compactMap { index[$0] }
        let stateIndex = Dictionary(model.states.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        let unreached = coverage.unreachableStates.compactMap { stateIndex[$0] }
        var unreachedSet = Set<Int>()
        for s in unreached { unreachedSet.formUnion(model.descendants(of: s)) }
        let neverSet = Set(never)
        // Fired transitions into an unreached state: why no successor.
        let noSuccessor = model.transitions.indices.filter { !neverSet.contains($0) && unreachedSet.contains(model.transitions[$0].to) }
        var found: [Int: String] = [:]

        var tracks: [Int: Track] = [:]
        var watch: [[Int]] = Array(repeating: [], count: model.states.count)
        for t in never {
            let parts = self.parts(t)
            tracks[t] = Track(parts: parts, trueSomewhere: parts.map { _ in false }, uncertain: parts.map { _ in false })
            for s in model.transitions[t].from { watch[s].append(t) }
        }
        var watchNoSuccessor: [[Int]] = Array(repeating: [], count: model.states.count)
        for t in noSuccessor { for s in model.transitions[t].from { watchNoSuccessor[s].append(t) } }
        var cut = false
        var counter = 0

        // First pass: each conjunct alone, until it is true once.
        forEachState { packed, expanded in
            counter += 1
            if counter & 1023 == 0, budget.exhausted != nil { cut = true; return false }
            let control = Int(system.layout.get(0, in: packed))
            guard control < model.states.count else { return true }
            var loaded = false
            for t in watch[control] {
                tracks[t]?.sourceSeen = true
                guard var track = tracks[t], !track.done else { continue }
                if !loaded { load(packed); loaded = true }
                for i in system.byState[control] where system.instances[i].transition == t {
                    system.bind(system.instances[i], frame)
                    for j in track.parts.indices where !track.trueSomewhere[j] {
                        switch holds([j], i, track.parts) {
                        case true?: track.trueSomewhere[j] = true
                        case nil: track.uncertain[j] = true
                        case false?: break
                        }
                    }
                    if track.done { break }
                }
                tracks[t] = track
            }
            for t in watchNoSuccessor[control] where found[t] == nil {
                var limit: EvalError?, errors: [String] = []
                _ = system.forEachStep(packed, ws: ws, oracle: oracle, limit: &limit, internalErrors: &errors) { ref, _, fired in
                    guard system.instances[ref.instance].transition == t, fired.enabled, !fired.successor,
                          let message = fired.findings.first?.message else { return true }
                    found[t] = message
                    return false
                }
            }
            return true
        }

        // Second pass, for the guards whose conjuncts each held somewhere:
        // all of them together, then pairs and triples (up to six conjuncts).
        for t in never {
            guard var track = tracks[t], track.sourceSeen, track.done else { continue }
            let k = track.parts.count
            if k >= 2 && k <= 6 {
                for a in 0..<k { for b in (a + 1)..<k { track.subsets.append([a, b]) } }
                for a in 0..<k { for b in (a + 1)..<k { for c in (b + 1)..<k { track.subsets.append([a, b, c]) } } }
            }
            track.subsetTrue = track.subsets.map { _ in false }
            track.needsSecondPass = true
            tracks[t] = track
        }
        if !cut && tracks.values.contains(where: \.needsSecondPass) {
            forEachState { packed, expanded in
                counter += 1
                if counter & 1023 == 0, budget.exhausted != nil { cut = true; return false }
                let control = Int(system.layout.get(0, in: packed))
                guard control < model.states.count else { return true }
                var loaded = false
                for t in watch[control] {
                    // A state the search left unexpanded ends the look.
                    guard var track = tracks[t], track.needsSecondPass, track.allTrueAt?.expanded != false else { continue }
                    if !loaded { load(packed); loaded = true }
                    let all = Array(track.parts.indices)
                    for i in system.byState[control] where system.instances[i].transition == t {
                        system.bind(system.instances[i], frame)
                        if holds(all, i, track.parts) == true {
                            if track.allTrueAt == nil || !expanded { track.allTrueAt = (model.states[control].id, expanded) }
                            if !expanded { break }
                            continue
                        }
                        for (n, subset) in track.subsets.enumerated() where !track.subsetTrue[n] {
                            if holds(subset, i, track.parts) != false { track.subsetTrue[n] = true }
                        }
                    }
                    tracks[t] = track
                }
                return true
            }
        }

        var transitions: [TransitionWhy] = []
        for t in never {
            let info = model.transitions[t]
            guard let track = tracks[t] else { continue }
            let reason: NeverFired
            if cut {
                reason = .undecided("the run was stopped before it was explained")
            } else if !track.sourceSeen {
                reason = .sourceUnreached(from: info.fromText)
            } else if let j = track.trueSomewhere.indices.first(where: { !track.trueSomewhere[$0] && !track.uncertain[$0] }) {
                reason = track.parts[j].observes ? .noSnapshot(track.parts[j].text) : .conjunctFalse(track.parts[j].text)
            } else if let j = track.trueSomewhere.indices.first(where: { !track.trueSomewhere[$0] }) {
                reason = .undecided("Z3 could not decide `\(track.parts[j].text)` in some reached state")
            } else if let at = track.allTrueAt {
                reason = at.expanded ? .guardHolds(state: at.state) : .notExpanded(state: at.state)
            } else if let n = track.subsetTrue.indices.first(where: { !track.subsetTrue[$0] }) {
                reason = .conjunctsConflict(track.subsets[n].map { track.parts[$0].text })
            } else {
                reason = .conjunctsConflict([])
            }
            transitions.append(TransitionWhy(transition: info.id, reason: reason, line: info.loc.line))
        }
        return CoverageWhy(exact: exact, states: unreached.map { stateWhy($0, neverFired: neverSet, noSuccessor: found) },
                           transitions: transitions)
    }

    /// What enters state `s`: the transitions into it or one of its
    /// descendants from some state outside them.
    func stateWhy(_ s: Int, neverFired: Set<Int>, noSuccessor: [Int: String]) -> StateWhy {
        ReachabilityExplainer.stateWhy(system.model, s, neverFired: neverFired, noSuccessor: noSuccessor)
    }

    static func stateWhy(_ model: TypedModel, _ s: Int, neverFired: Set<Int>, noSuccessor: [Int: String]) -> StateWhy {
        let inside = Set(model.descendants(of: s))
        let entering = model.transitions.indices.filter { inside.contains(model.transitions[$0].to) && !model.transitions[$0].from.allSatisfy(inside.contains) }
        return StateWhy(state: model.states[s].id, entering: entering.map {
            StateWhy.Entering(transition: model.transitions[$0].id, fired: !neverFired.contains($0), noSuccessor: noSuccessor[$0])
        })
    }

    // MARK: Evaluation

    /// Unpacks a state into the frame and binds instance `i`'s params.
    private func unpack(_ packed: UnsafePointer<UInt64>, _ i: Int) {
        load(packed)
        system.bind(system.instances[i], frame)
    }

    /// Unpacks a state into the frame (params are bound per instance).
    private func load(_ packed: UnsafePointer<UInt64>) {
        system.layout.unpack(packed, into: frame.vars)
        frame.snapshot = Snapshot()
    }

    /// Whether the conjuncts `subset` hold together in the frame (state and
    /// params set): evaluated, or asked of Z3 when one reads observations;
    /// nil when Z3 could not say. A conjunct that fails to evaluate does
    /// not hold.
    private func holds(_ subset: [Int], _ i: Int, _ parts: [Part]) -> Bool? {
        var observing: [Int] = []
        for j in subset {
            if parts[j].observes { observing.append(j); continue }
            do throws(EvalError) {
                if try parts[j].fn(frame) == 0 { return false }
            } catch {
                return false
            }
        }
        return observing.isEmpty ? true : satisfiable(observing, i, parts)
    }

    /// Whether some snapshot satisfies the conjuncts `subset` of instance
    /// `i` in the frame's state (Z3, cached on what they read).
    private func satisfiable(_ subset: [Int], _ i: Int, _ parts: [Part]) -> Bool? {
        var reads = Reads()
        for j in subset { reads.formUnion(parts[j].reads) }
        var key: [Int64] = [Int64(i), Int64(subset.count)] + subset.map(Int64.init)
        if reads.control { key.append(frame.vars[0]) }
        for s in reads.slots.sorted() { key.append(frame.vars[s + 1]) }
        if let hit = answers[key] { return hit }
        guard queries < maxQueries else { return nil }
        queries += 1
        do throws(SnapshotOracle.Failure) {
            let found = try oracle.satisfying(i, frame, subset.map { parts[$0].expr }) != nil
            answers[key] = found
            return found
        } catch {
            return nil
        }
    }

    /// Transition `t`'s guard split at its top-level `&&`, each conjunct
    /// with its text as written (printed canonically). The source and the
    /// typed guard are split together, so a definition that expands to a
    /// conjunction stays one conjunct, as the user wrote it; a guard whose
    /// typed form does not follow its source is one conjunct.
    private func parts(_ t: Int) -> [Part] {
        if let hit = partsCache[t] { return hit }
        let info = system.model.transitions[t]
        var compiler = system.compiler
        var result: [Part] = []
        if let g = info.guardExpr {
            let source = info.guardSource.flatMap { text -> Expr? in
                if case .success(let e) = ExprParser.parse(text) { return e } else { return nil }
            }
            let pairs = source.flatMap { splitConjuncts($0, g) }
                ?? [(info.guardSource.map { s in source.map(ExprPrinter.print) ?? s } ?? "", g)]
            for (text, e) in pairs {
                result.append(Part(expr: e, text: text, fn: compiler.compile(e), reads: Reads(e, system.model)))
            }
        }
        partsCache[t] = result
        return result
    }
}

/// A guard's source and its typed form split together at the top-level
/// `&&` of the source: each conjunct's canonical text with its typed
/// expression; nil when the typed form does not follow the source.
func splitConjuncts(_ e: Expr, _ t: TExpr) -> [(String, TExpr)]? {
    guard case .binary(.and, let a, let b) = e.kind else { return [(ExprPrinter.print(e), t)] }
    guard case .and(let ta, let tb) = t, let l = splitConjuncts(a, ta), let r = splitConjuncts(b, tb) else { return nil }
    return l + r
}

extension TExpr {
    /// Calls `body` with each local slot (param or aggregate variable) read.
    func visitLocals(_ body: (Int) -> Void) {
        switch self {
        case .local(let s): body(s)
        case .lit, .variable, .observation, .state, .inState: break
        case .keyedVariable(_, let k, _), .keyedObservation(_, let k, _): k.visitLocals(body)
        case .not(let a), .negate(let a, _), .abs(let a, _), .member(let a, _), .aggregate(_, _, _, let a, _): a.visitLocals(body)
        case .arith(_, let a, let b, _), .compare(_, let a, let b), .and(let a, let b), .or(let a, let b),
             .implies(let a, let b), .contains(let a, let b), .min2(let a, let b), .max2(let a, let b):
            a.visitLocals(body); b.visitLocals(body)
        case .conditional(let c, let a, let b): c.visitLocals(body); a.visitLocals(body); b.visitLocals(body)
        }
    }
}

extension ReachabilityExplainer {
    /// The explanation of an outcome's coverage gaps once every stage has
    /// run: what an engine explained (`coverage.why`), kept for the gaps
    /// that are left, first when it is exact; else, for a transition the
    /// feasibility obligations prove dead in every reached control state,
    /// their unsat core (a proof, where the states only show what was
    /// reached; not for a transition with params, whose core is one
    /// binding's); a transition whose source was reached by an engine that
    /// keeps no states, said so. Nil without gaps, and when nothing was
    /// reached (no engine ran).
    static func settle(_ outcome: CheckOutcome, model: TypedModel) -> CoverageWhy? {
        let c = outcome.coverage
        guard c.hasGaps, !c.reachableStates.isEmpty else { return nil }
        let prior = c.why
        let reached = Set(c.reachableStates)
        let dead = deadGuards(outcome.obligations)
        let index = Dictionary(model.transitions.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        let stateIndex = Dictionary(model.states.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        let keepsNoStates = outcome.engines.first { $0 == .symbolic || $0 == .walk } ?? .symbolic
        var transitions: [TransitionWhy] = []
        for id in c.neverFired {
            guard let t = index[id] else { continue }
            let info = model.transitions[t]
            let sourceReached = info.from.contains { reached.contains(model.states[$0].id) }
            var reason: NeverFired
            if let p = prior?.transition(id)?.reason, outcome.coverageIsExact {
                reason = p
            } else if let core = dead[id], info.params.isEmpty {
                // A core is of one binding: with params it may mislead.
                reason = .deadGuard(core)
            } else if let p = prior?.transition(id)?.reason {
                reason = p
                if case .sourceUnreached = p, sourceReached { reason = .noStates(keepsNoStates) }
            } else if !sourceReached {
                reason = .sourceUnreached(from: info.fromText)
            } else {
                reason = .noStates(keepsNoStates)
            }
            transitions.append(TransitionWhy(transition: id, reason: reason, line: info.loc.line))
        }
        let never = Set(c.neverFired.compactMap { index[$0] })
        var noSuccessor: [Int: String] = [:]
        for s in prior?.states ?? [] {
            for e in s.entering { if let m = e.noSuccessor, let t = index[e.transition] { noSuccessor[t] = m } }
        }
        let states = c.unreachableStates.compactMap { stateIndex[$0] }.map {
            stateWhy(model, $0, neverFired: never, noSuccessor: noSuccessor)
        }
        return CoverageWhy(exact: outcome.coverageIsExact, states: states, transitions: transitions)
    }

    /// Per transition the feasibility obligations found dead in every
    /// reached control state it leaves, the unsat core in words (the
    /// first state's). Empty when the obligations did not all run.
    static func deadGuards(_ report: ObligationReport?) -> [String: String] {
        guard let r = report, r.incomplete == nil else { return [:] }
        var byTransition: [String: [Obligation]] = [:]
        for ob in r.obligations where ob.kind == .feasibility {
            if let t = ob.transition { byTransition[t, default: []].append(ob) }
        }
        var dead: [String: String] = [:]
        for (t, obs) in byTransition where obs.allSatisfy({ $0.status == .fails }) {
            guard let message = obs.first?.message, let r = message.range(of: ObligationChecker.cannotFire) else { continue }
            dead[t] = String(message[r.upperBound...])
        }
        return dead
    }
}
