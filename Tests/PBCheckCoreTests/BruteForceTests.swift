import Foundation
import Testing
@testable import PBCheckCore

/// A deliberately naive checker: states are (control, [Value]) in a Set,
/// expressions go through the tree-walking `Evaluator`, nothing is packed
/// or compiled, and no solver is asked anything: every step is tried with
/// EVERY snapshot of the observations it reads. The engines must agree
/// with it. It implements SPEC §3/§3.1 directly:
///
/// * a step (transition, binding, snapshot) is enabled iff its guard
///   evaluates to true; a guard that fails to evaluate is not enabled and
///   an `eval-error` at the step's length;
/// * an enabled step evaluates every effect on the old state (each one, so
///   one failure never hides another): an evaluation error is `eval-error`,
///   a value outside the variable's range or enum is `range:VAR`; either
///   way the step has no successor (but it counted as fired);
/// * a step with a successor breaks every forbidden entry whose expanded
///   `from` holds its source and whose expanded `to` holds its target, and
///   every contract (an invariant that mentions an observation) of the
///   target (its own, its ancestors', the global ones) that is false for
///   the step's snapshot in the successor (`eval-error` when one fails to
///   evaluate); the successor is reached all the same;
/// * every reachable state is checked against the invariants that mention
///   no observation (its own, its ancestors', the global ones);
/// * a reachable non-final state is a deadlock when no step is enabled for
///   any snapshot (a step enabled whose effects fail has fired: SPEC's
///   forbidden-edge row says it "still counts as fired", so it is no
///   deadlock);
/// * lengths: a state property at the state's BFS depth, a step property
///   at the depth of its source plus one; the minimum is kept, per
///   property and per ending (`--counterexamples`: a state property ends in
///   its state, a step property by its transition and binding from its
///   source state; a snapshot alone makes no other ending);
/// * progress, only when some state has `final_state: true`: every
///   reachable state from which no final state can be reached (searched
///   forward from that state alone, over the successors of every step with
///   a successor, whatever its snapshot; a final state reaches itself) is
///   violating, at its BFS depth.
///
/// Observations range over: a declared one (or an inferred bool) its whole
/// domain; an undeclared string observation every string of `strings` (a
/// universe the caller argues is exact for its literals, see
/// `ObservedMachine.strings`). The snapshot of a step only enumerates the
/// observations the step reads (guard, effects, the target's contracts):
/// the others cannot change anything it does. Keyed variables and keyed
/// observations are not supported (the generators make none).
enum BruteForce {
    /// What an expression sees: the control state, the variables, and the
    /// snapshot (indexed by observation slot).
    struct Context: EvalContext {
        var controlState = 0
        var values: [Value] = []
        var snapshot: [Value] = []
        func variable(_ slot: Int) -> Value { values[slot] }
        func observation(_ slot: Int) -> Value { slot < snapshot.count ? snapshot[slot] : .bool(false) }
    }

    struct State: Hashable { var control: Int; var values: [Value] }

    /// Where a violation ends: a state (state properties) or a step —
    /// the source state, the transition id and its binding (step properties).
    enum Ending: Hashable {
        case state(State)
        case step(State, String, [Value])
    }

    struct Result {
        /// Reachable states (control, values).
        var states: Int
        /// Per violated property id, the shortest counterexample length.
        var violated: [String: Int]
        /// Per violated property id, each distinct ending with the length
        /// of its shortest counterexample.
        var endings: [String: [Ending: Int]] = [:]
        /// Reachable control states (ids) and fired transitions (ids).
        var reachable: Set<String>
        var fired: Set<String>
        /// Steps tried (transition × state × snapshot), for the record.
        var snapshotsTried: Int
        /// Enabled steps where two or more effects failed, and among them
        /// those where one failed to evaluate while another left its range
        /// (what "one failure never hides another" is about).
        var multiFailureSteps = 0
        var rangeAndEvalSteps = 0
        /// Steps entering a state whose contracts were checked, and those
        /// where a contract was broken.
        var contractSteps = 0
        var contractFailures = 0
    }

    // MARK: Naive views of the model (no engine code)

    /// The observations an expression reads.
    static func observationsRead(_ e: TExpr, into out: inout Set<Int>) {
        switch e {
        case .lit, .variable, .local, .state, .inState: break
        case .observation(let o): out.insert(o)
        case .keyedObservation(let o, let k, _): out.insert(o); observationsRead(k, into: &out)
        case .keyedVariable(_, let k, _): observationsRead(k, into: &out)
        case .not(let a), .negate(let a, _), .abs(let a, _), .member(let a, _), .aggregate(_, _, _, let a, _):
            observationsRead(a, into: &out)
        case .arith(_, let a, let b, _), .compare(_, let a, let b), .and(let a, let b), .or(let a, let b),
             .implies(let a, let b), .contains(let a, let b), .min2(let a, let b), .max2(let a, let b):
            observationsRead(a, into: &out); observationsRead(b, into: &out)
        case .conditional(let c, let a, let b):
            observationsRead(c, into: &out); observationsRead(a, into: &out); observationsRead(b, into: &out)
        }
    }

    static func reads(_ e: TExpr) -> Set<Int> {
        var s = Set<Int>()
        observationsRead(e, into: &s)
        return s
    }

    /// A `from`/`to` as written (`*`, `name`, `[a, b]`), expanded: each
    /// named state with all its descendants (found from the `parent` links).
    static func expand(_ text: String, _ model: TypedModel) -> Set<Int> {
        if text == "*" { return Set(model.states.indices) }
        var names = [text]
        if text.hasPrefix("[") && text.hasSuffix("]") {
            names = text.dropFirst().dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        var out = Set<Int>()
        for n in names {
            guard let s = model.states.firstIndex(where: { $0.id == n }) else { continue }
            for d in model.states.indices {
                var cur: Int? = d
                var hops = 0
                while let c = cur, hops <= model.states.count {
                    if c == s { out.insert(d); break }
                    cur = model.states[c].parent
                    hops += 1
                }
            }
        }
        return out
    }

    static func inDomain(_ v: Value, _ d: Domain, _ model: TypedModel) -> Bool {
        switch (d, v) {
        case (.bool, .bool): return true
        case (.int(let r), .int(let i)): return r?.contains(i) ?? true
        case (.enumeration(let e), .sym(let s)): return model.enums[e].values.contains(s)
        default: return false
        }
    }

    /// Every combination of one value from each list (none if one is empty).
    static func product(_ lists: [[Value]]) -> [[Value]] {
        lists.reduce([[]]) { acc, list in acc.flatMap { prefix in list.map { prefix + [$0] } } }
    }

    // MARK: The search

    static func run(_ model0: TypedModel, strings: [String] = []) -> Result {
        precondition(model0.variables.allSatisfy { $0.keySet == nil }, "keyed variables are not supported")
        precondition(model0.observations.allSatisfy { $0.keySet == nil && $0.keyType == nil }, "keyed observations are not supported")
        // The strings of the universe, interned in a copy of the model (new
        // symbols only: the model's own keep their numbers).
        var model = model0
        let universe: [Value] = strings.map { .sym(model.symbols.intern($0)) }
        let ev = Evaluator(model: model)
        let slots = (model.observationSlots.max() ?? -1) + 1

        // Each observation's values.
        let domains: [[Value]] = model.observations.map { o in
            switch o.domain {
            case .bool: return [.bool(false), .bool(true)]
            case .int(let r?): return r.map { .int($0) }
            case .int(nil): return []  // not enumerable: a step that reads it is refused below
            case .enumeration(let e):
                if o.origin == .declared || !model.enums[e].isOpen { return model.enums[e].values.map { .sym($0) } }
                precondition(!universe.isEmpty, "observation \(o.name) is an open string: pass a string universe")
                return universe
            }
        }
        let defaultSnapshot: [Value] = {
            var s = [Value](repeating: .bool(false), count: slots)
            for (o, d) in domains.enumerated() where !d.isEmpty { s[model.observationSlots[o]] = d[0] }
            return s
        }()

        // Invariants: contracts (mention an observation) and the others.
        typealias Check = (id: String, expr: TExpr)
        var stateChecks: [[Check]] = [], contracts: [[Check]] = []
        var globalChecks: [Check] = [], globalContracts: [Check] = []
        for (i, inv) in model.globalInvariants.enumerated() {
            if reads(inv.condition).isEmpty { globalChecks.append(("global:\(i)", inv.condition)) }
            else { globalContracts.append(("global:\(i)", inv.condition)) }
        }
        for s in model.states.indices {
            var checks: [Check] = [], cons: [Check] = []
            var cur: Int? = s
            var hops = 0
            while let a = cur, hops <= model.states.count {
                for (i, inv) in model.states[a].invariants.enumerated() {
                    let c: Check = ("invariant:\(model.states[a].id):\(i)", inv.condition)
                    if reads(inv.condition).isEmpty { checks.append(c) } else { cons.append(c) }
                }
                cur = model.states[a].parent
                hops += 1
            }
            stateChecks.append(checks + globalChecks)
            contracts.append(cons + globalContracts)
        }

        // Transitions: sources, bindings, and what each reads.
        let sources = model.transitions.map { expand($0.fromText, model) }
        let bindings: [[[Value]]] = model.transitions.map { t in product(t.params.map { model.sets[$0.set].elements }) }
        let stepReads: [[Int]] = model.transitions.map { t in
            var r = Set<Int>()
            if let g = t.guardExpr { observationsRead(g, into: &r) }
            for e in t.effects { if let x = e.value { observationsRead(x, into: &r) } }
            for c in contracts[t.to] { observationsRead(c.expr, into: &r) }
            return r.sorted()
        }
        for (ti, obs) in stepReads.enumerated() {
            for o in obs where domains[o].isEmpty {
                preconditionFailure("transition \(model.transitions[ti].id) reads \(model.observations[o].name), which has no finite domain")
            }
        }
        let snapshots: [[[Value]]] = stepReads.map { obs in
            product(obs.map { domains[$0] }).map { vals in
                var s = defaultSnapshot
                for (k, o) in obs.enumerated() { s[model.observationSlots[o]] = vals[k] }
                return s
            }
        }
        var forbiddenIDs: [String] = []
        for f in model.forbidden {
            var id = "forbidden:\(f.fromText)->\(f.toText)"
            if forbiddenIDs.contains(id) { id += "@\(f.loc.line)" }
            forbiddenIDs.append(id)
        }
        let forbidden = model.forbidden.indices.map { (id: forbiddenIDs[$0], from: expand(model.forbidden[$0].fromText, model),
                                                       to: expand(model.forbidden[$0].toText, model)) }

        var violated: [String: Int] = [:]
        var endings: [String: [Ending: Int]] = [:]
        func note(_ id: String, _ len: Int, _ ending: Ending) {
            violated[id] = min(violated[id] ?? len, len)
            endings[id, default: [:]][ending] = min(endings[id]?[ending] ?? len, len)
        }
        var fired = Set<String>()
        var tried = 0, multiFailures = 0, rangeAndEval = 0, contractSteps = 0, contractFailures = 0

        func checkState(_ s: State, _ len: Int) {
            let c = Context(controlState: s.control, values: s.values, snapshot: defaultSnapshot)
            var locals: [Value] = []
            for (id, e) in stateChecks[s.control] {
                do {
                    if try !ev.bool(e, c, &locals) { note(id, len, .state(s)) }
                } catch { note("eval-error", len, .state(s)) }
            }
        }

        // Initial states: every combination of the initial values.
        let initialLists: [[Value]] = model.variables.map { v in
            switch v.initial {
            case .value(let x): return [x]
            case .any: return model.values(of: v.domain) ?? []
            }
        }
        var seen = Set<State>()
        var frontier: [State] = []
        // For progress: each state's BFS depth and successors.
        var depthOf: [State: Int] = [:]
        var successors: [State: Set<State>] = [:]
        for vals in product(initialLists) {
            let s = State(control: model.initial, values: vals)
            if seen.insert(s).inserted { frontier.append(s); checkState(s, 0); depthOf[s] = 0 }
        }
        var depth = 0
        while !frontier.isEmpty {
            var next: [State] = []
            for s in frontier {
                var anyEnabled = false
                for (ti, t) in model.transitions.enumerated() where sources[ti].contains(s.control) {
                    for binding in bindings[ti] {
                        for snap in snapshots[ti] {
                            tried += 1
                            let here = Ending.step(s, t.id, binding)
                            let c = Context(controlState: s.control, values: s.values, snapshot: snap)
                            var locals = binding
                            do {
                                if let g = t.guardExpr, try !ev.bool(g, c, &locals) { continue }
                            } catch { note("eval-error", depth + 1, here); continue }
                            anyEnabled = true
                            fired.insert(t.id)
                            // Every right-hand side on the old state; `any`
                            // takes every value of its domain.
                            var choices: [[Value]] = []
                            var outOfRange = 0, undefined = 0
                            for e in t.effects {
                                let info = model.variables[e.variable]
                                if let x = e.value {
                                    do {
                                        let v = try ev.eval(x, c, &locals)
                                        if inDomain(v, info.domain, model) { choices.append([v]) } else {
                                            note("range:\(info.name)", depth + 1, here)
                                            outOfRange += 1
                                            choices.append([])
                                        }
                                    } catch {
                                        note("eval-error", depth + 1, here)
                                        undefined += 1
                                        choices.append([])
                                    }
                                } else {
                                    choices.append(model.values(of: info.domain) ?? [])
                                }
                            }
                            if outOfRange + undefined >= 2 { multiFailures += 1 }
                            if outOfRange > 0 && undefined > 0 { rangeAndEval += 1 }
                            guard outOfRange + undefined == 0 else { continue }
                            precondition(Set(t.effects.map(\.variable)).count == t.effects.count, "one variable assigned twice")
                            for chosen in product(choices) {
                                var values = s.values
                                for (k, e) in t.effects.enumerated() { values[model.variables[e.variable].slot] = chosen[k] }
                                for f in forbidden where f.from.contains(s.control) && f.to.contains(t.to) {
                                    note(f.id, depth + 1, here)
                                }
                                let post = Context(controlState: t.to, values: values, snapshot: snap)
                                if !contracts[t.to].isEmpty { contractSteps += 1 }
                                for (id, e) in contracts[t.to] {
                                    do {
                                        if try !ev.bool(e, post, &locals) { note(id, depth + 1, here); contractFailures += 1 }
                                    } catch { note("eval-error", depth + 1, here); contractFailures += 1 }
                                }
                                let succ = State(control: t.to, values: values)
                                successors[s, default: []].insert(succ)
                                if seen.insert(succ).inserted {
                                    next.append(succ)
                                    checkState(succ, depth + 1)
                                    depthOf[succ] = depth + 1
                                }
                            }
                        }
                    }
                }
                if !anyEnabled && !model.states[s.control].isFinal { note("deadlock", depth, .state(s)) }
            }
            frontier = next
            depth += 1
        }
        // Progress: from each reachable state on its own, a plain forward
        // search for a final state.
        if model.states.contains(where: \.isFinal) {
            for start in seen {
                var found = false
                var visited: Set<State> = [start]
                var stack = [start]
                while let cur = stack.popLast() {
                    if model.states[cur.control].isFinal { found = true; break }
                    for n in successors[cur] ?? [] where visited.insert(n).inserted { stack.append(n) }
                }
                if !found { note("progress", depthOf[start]!, .state(start)) }
            }
        }
        // A superstate is reached when one of its descendants is.
        var reachable = Set<String>()
        for s in Set(seen.map(\.control)) {
            var cur: Int? = s
            var hops = 0
            while let a = cur, hops <= model.states.count { reachable.insert(model.states[a].id); cur = model.states[a].parent; hops += 1 }
        }
        return Result(states: seen.count, violated: violated, endings: endings, reachable: reachable, fired: fired, snapshotsTried: tried,
                      multiFailureSteps: multiFailures, rangeAndEvalSteps: rangeAndEval,
                      contractSteps: contractSteps, contractFailures: contractFailures)
    }
}

/// Small random machines: a few control states, two bounded ints, guards,
/// effects that may leave the range or divide by zero, invariants,
/// forbidden edges.
struct RandomMachine {
    var seed: UInt64
    mutating func next(_ n: Int) -> Int {
        seed = seed &* 6364136223846793005 &+ 1442695040888963407
        return Int((seed >> 33) % UInt64(n))
    }

    mutating func yaml() -> String {
        let states = ["s0", "s1", "s2", "s3"].prefix(2 + next(3))
        let exprs = ["x", "y", "x + y", "x - 1", "y + 1", "(x + 1) % 4", "x / y", "3 - x", "x * 2"]
        let conds = ["x < y", "x == 0", "y != 2", "x + y <= 3", "true", "y % 2 == 0", "x > 1 || y == 3", "!(x == y)"]
        var t = ""
        for i in 0..<(3 + next(4)) {
            let from = states[next(states.count)], to = states[next(states.count)]
            var effects: [String] = []
            if next(3) > 0 { effects.append("\"x := \(exprs[next(exprs.count)])\"") }
            if next(2) > 0 { effects.append("\"y := \(exprs[next(exprs.count)])\"") }
            t += "    - { id: t\(i), from: \(from), to: \(to), event: e\(next(3)), guard: \"\(conds[next(conds.count)])\", effects: [\(effects.joined(separator: ", "))] }\n"
        }
        var s = ""
        for st in states {
            s += "    \(st):\n"
            if next(3) == 0 { s += "      final_state: true\n" }
            if next(2) == 0 { s += "      invariants: [{ condition: \"\(conds[next(conds.count)])\" }]\n" }
        }
        let f = "  forbidden: [{ from: \(states[next(states.count)]), to: \(states[next(states.count)]) }]\n"
        return """
        version: "1.0"
        machine:
          id: r
          initial: s0
          variables:
            x: { type: int, range: [0, 3], init: 0 }
            y: { type: int, range: [0, 3], init: \(next(4)) }
          invariants: [{ condition: "\(conds[next(conds.count)])" }]
          states:
        \(s)  transitions:
        \(t)\(f)
        """
    }
}

extension BruteForce {
    /// A trace's state as the brute force writes it.
    static func state(_ t: TraceState, _ model: TypedModel) -> State? {
        guard let control = model.states.firstIndex(where: { $0.id == t.state }) else { return nil }
        return State(control: control, values: t.vars.map(\.value))
    }

    /// Where a counterexample ends, in the brute force's terms: by its last
    /// step (`atStep`: that step, from the state before it) or in its last
    /// state.
    static func ending(_ t: Trace, atStep: Bool, _ model: TypedModel) -> Ending? {
        guard atStep, let last = t.steps.last else { return state(t.steps.last.map { TraceState(state: $0.state, vars: $0.vars) } ?? t.initial, model).map { .state($0) } }
        let before = t.steps.count >= 2 ? TraceState(state: t.steps[t.steps.count - 2].state, vars: t.steps[t.steps.count - 2].vars) : t.initial
        return state(before, model).map { .step($0, last.transition, last.params.map(\.value)) }
    }

    /// Each counterexample of `r` replayed from its choices: it must give
    /// the same trace and show the violation; returns the endings (nil
    /// for one that does not replay), in order.
    static func replayedEndings(_ r: PropertyResult, _ system: TransitionSystem) -> [Ending?] {
        guard let p = system.properties.firstIndex(where: { $0.id == r.property.id }) else { return [] }
        return r.counterexamples.map { cx in
            guard let choices = cx.trace.choices else { return nil }
            let replayed = Replayer(system: system).replay(choices)
            guard replayed.error == nil, replayed.trace == cx.trace else { return nil }
            let atStep = replayed.lastStepFindings.contains { $0.property == p }
            let inState = replayed.finalStateFindings.contains { $0.property == p }
            // Deadlock and progress are properties of the last state's
            // steps and of the graph: the replay does not re-decide them.
            guard atStep || inState || r.property.kind == .deadlock || r.property.kind == .progress else { return nil }
            return ending(cx.trace, atStep: atStep, system.model)
        }
    }
}

@Suite struct BruteForceTests {
    /// `--counterexamples 3` through the explicit engine's API on the random
    /// machines: per violated property, min(3, endings) counterexamples,
    /// each replaying to the violation, ending apart, each at its ending's
    /// shortest length, and their lengths the 3 smallest of the brute
    /// force's per-ending shortest lengths (so shortest first); the first is
    /// the trace of `--counterexamples 1`, with both thread counts.
    @Test func severalCounterexamplesAreTheShortestDistinctOnes() throws {
        var checked = 0, properties = 0, withThree = 0, withTwo = 0
        for seed in 1...300 {
            var gen = RandomMachine(seed: UInt64(seed))
            let text = gen.yaml()
            guard let model = Pipeline.validate(text: text, path: "random-\(seed).yaml").model else { continue }
            checked += 1
            let expected = BruteForce.run(model)
            let system = TransitionSystem(model: model)
            var one = ExplicitOptions()
            one.jobs = 1
            let single = Dictionary(Verifier.run(model: model, options: one).properties.map { ($0.property.id, $0) }, uniquingKeysWith: { a, _ in a })
            for jobs in [1, 2] {
                var o = ExplicitOptions()
                o.jobs = jobs
                o.parallelThreshold = 1
                o.counterexamples = 3
                let outcome = Verifier.run(model: model, options: o)
                for r in outcome.properties where r.verdict == .violated && r.property.kind != .determinism {
                    let id = r.property.id.description
                    let endings = expected.endings[id] ?? [:]
                    let want = Array(endings.values.sorted().prefix(3))
                    let got = r.counterexamples
                    #expect(got.map(\.trace.length) == want, "seed \(seed) jobs \(jobs): \(id)\n\(text)")
                    let ends = BruteForce.replayedEndings(r, system)
                    #expect(ends.allSatisfy { $0 != nil }, "seed \(seed): \(id) has a counterexample that does not replay to it")
                    #expect(Set(ends.compactMap { $0 }).count == ends.count, "seed \(seed): \(id) counterexamples end alike\n\(text)")
                    for (e, cx) in zip(ends, got) {
                        #expect(e.flatMap { endings[$0] } == cx.trace.length, "seed \(seed): \(id) ends where the brute force has no such shortest violation")
                    }
                    #expect(r.trace == single[r.property.id]?.trace, "seed \(seed): \(id)'s first counterexample differs from --counterexamples 1's")
                    #expect(single[r.property.id]?.moreCounterexamples == nil)
                    if jobs == 1 {
                        properties += 1
                        if got.count == 3 { withThree += 1 } else if got.count == 2 { withTwo += 1 }
                    }
                }
            }
        }
        print("--counterexamples 3 vs brute force on \(checked) machines: \(properties) violated properties, \(withThree) with three, \(withTwo) with two")
        #expect(checked >= 200)
        // Both the full and the short lists must really be compared.
        #expect(withThree >= 100 && properties - withThree >= 20)
    }

    /// The symbolic engine with `--counterexamples 3` on some of the random
    /// machines: it looks at the first counterexample's length and one step
    /// longer, so its lengths are the brute force's smallest per-ending
    /// lengths within that bound, each ending apart and replaying.
    @Test func symbolicCounterexamplesAreTheShortestWithinOneStepOfTheFirst() throws {
        var compared = 0, several = 0
        for seed in 1...40 {
            var gen = RandomMachine(seed: UInt64(seed))
            let text = gen.yaml()
            guard let model = Pipeline.validate(text: text, path: "random-\(seed).yaml").model else { continue }
            let expected = BruteForce.run(model)
            let system = TransitionSystem(model: model)
            var o = ExplicitOptions()
            o.counterexamples = 3
            var sym = SymbolicOptions()
            sym.depth = 12
            let outcome = Verifier.run(model: model, engine: .symbolic, options: o, symbolic: sym)
            for r in outcome.properties where r.verdict == .violated && r.property.kind != .determinism {
                let id = r.property.id.description
                let endings = expected.endings[id] ?? [:]
                let lengths = endings.values.sorted()
                guard let first = lengths.first else { Issue.record("seed \(seed): \(id) violated, not by the brute force"); continue }
                let want = Array(lengths.filter { $0 <= first + 1 }.prefix(3))
                #expect(r.counterexamples.map(\.trace.length) == want, "seed \(seed): \(id)\n\(text)")
                let ends = BruteForce.replayedEndings(r, system)
                #expect(ends.allSatisfy { $0 != nil } && Set(ends.compactMap { $0 }).count == ends.count, "seed \(seed): \(id)")
                compared += 1
                if r.counterexamples.count > 1 { several += 1 }
            }
            #expect(!outcome.diagnostics.contains { $0.code == .internalError }, "seed \(seed): \(outcome.diagnostics.map(\.message))")
        }
        print("symbolic --counterexamples 3 vs brute force: \(compared) violated properties, \(several) with more than one")
        #expect(compared >= 20 && several >= 10)
    }

    /// The walks with `--counterexamples 3`: at most three per property,
    /// ending apart, each replaying to a violation the brute force has and
    /// never shorter than that ending's shortest, sorted by length; nearly
    /// always as many as the brute force has (up to three).
    @Test func walkCounterexamplesEndApartAndAreSorted() throws {
        var compared = 0, several = 0, asMany = 0
        for seed in 1...100 {
            var gen = RandomMachine(seed: UInt64(seed))
            let text = gen.yaml()
            guard let model = Pipeline.validate(text: text, path: "random-\(seed).yaml").model else { continue }
            let expected = BruteForce.run(model)
            let system = TransitionSystem(model: model)
            var o = WalkOptions()
            o.seed = UInt64(seed)
            o.runs = 200
            o.depth = 30
            o.counterexamples = 3
            let outcome = WalkEngine.run(system: system, options: o)
            for r in outcome.properties where r.verdict == .violated && r.property.kind != .determinism {
                let id = r.property.id.description
                let endings = expected.endings[id] ?? [:]
                let got = r.counterexamples
                #expect((1...3).contains(got.count) && r.moreCounterexamples != nil, "seed \(seed): \(id)")
                let lengths = got.map(\.trace.length)
                #expect(lengths == lengths.sorted(), "seed \(seed): \(id) \(lengths)")
                let ends = BruteForce.replayedEndings(r, system)
                #expect(Set(ends.compactMap { $0 }).count == ends.count, "seed \(seed): \(id) counterexamples end alike")
                for (e, cx) in zip(ends, got) {
                    let shortest = try #require(e.flatMap { endings[$0] }, "seed \(seed): \(id) ends where the brute force has no violation\n\(text)")
                    #expect(cx.trace.length >= shortest)
                    #expect(cx.shrink != nil)
                }
                compared += 1
                if got.count > 1 { several += 1 }
                if got.count == min(3, endings.count) { asMany += 1 }
            }
        }
        print("walks --counterexamples 3 vs brute force: \(compared) violated properties, \(several) with more than one, \(asMany) with as many as exist up to 3")
        #expect(compared >= 100 && several >= 40)
        // Sampled, so not always all of them, but nearly.
        #expect(asMany * 100 >= compared * 95)
    }

    @Test func explicitEngineAgreesWithBruteForceOnRandomMachines() throws {
        var checked = 0, withFinal = 0, progressViolated = 0, spilled = 0, onDisk = 0
        for seed in 1...300 {
            var gen = RandomMachine(seed: UInt64(seed))
            let text = gen.yaml()
            guard let model = Pipeline.validate(text: text, path: "random-\(seed).yaml").model else { continue }
            checked += 1
            let expected = BruteForce.run(model)
            if model.states.contains(where: \.isFinal) { withFinal += 1 }
            if expected.violated["progress"] != nil { progressViolated += 1 }
            // Each visited set: exact keys, fingerprints with the log moved
            // to disk four states at a time (read back for every trace),
            // full states (`--exact`), and keys moved to the disk tier at
            // every level with the log's queue too (not with progress, which needs state numbers
            // and stays in memory).
            let final = model.states.contains(where: \.isFinal)
            var depthSeen: Int?
            for jobs in [1, 2] {
              for store in ["keys", "fingerprints+spill", "exact", "disk"] where store != "disk" || !final {
                var o = ExplicitOptions()
                o.jobs = jobs
                o.parallelThreshold = 1
                o.exact = store == "exact"
                if store == "fingerprints+spill" {
                    o.alwaysFingerprint = true
                    o.logBlockShift = 2
                    o.spillAfter = 0
                }
                if store == "disk" {
                    o.spillKeysEachLevel = true
                    o.logBlockShift = 2
                    o.alwaysFingerprint = seed % 2 == 0
                }
                let outcome = Verifier.run(model: model, options: o)
                #expect(outcome.stats.states == expected.states, "seed \(seed) \(store)\n\(text)")
                // Levels are counted alike whatever holds the states.
                if let d = depthSeen { #expect(outcome.stats.depth == d, "seed \(seed) \(store) jobs \(jobs)") } else { depthSeen = outcome.stats.depth }
                if store == "disk" && outcome.stats.depth > 1 {
                    #expect(outcome.stats.visitedOnDisk > 0, "seed \(seed)")
                    if jobs == 1 { onDisk += 1 }
                }
                if store == "fingerprints+spill" && !final {
                    #expect(outcome.stats.fingerprintCollision != nil, "seed \(seed)")
                    if outcome.stats.spilledBytes > 0 && jobs == 1 { spilled += 1 }
                }
                var ours: [String: Int] = [:]
                for r in outcome.properties where r.verdict == .violated && r.property.kind != .determinism {
                    ours[r.property.id.description] = r.trace?.length ?? -1
                }
                #expect(ours == expected.violated, "seed \(seed) \(store)\n\(text)")
              }
            }
        }
        print("explicit vs brute force on \(checked) machines: \(withFinal) with a final state (progress compared), progress violated on \(progressViolated); \(spilled) spilled the log, \(onDisk) the visited set")
        #expect(checked >= 200 && spilled >= 20 && onDisk >= 30)
        // Progress must really be compared, both ways.
        #expect(withFinal >= 50 && progressViolated >= 10 && withFinal - progressViolated >= 10)
    }

    /// The walks on the same random machines: every violation they report
    /// is one the brute-force checker finds, never shorter than its
    /// shortest (BFS) trace and almost always exactly as short; they never
    /// claim `holds`. (Shrinking is a local search: on 2 of 300 machines
    /// here it stops 2 or 3 steps above the minimum, because the shorter
    /// way needs two steps the run never took.)
    @Test func walksAgreeWithBruteForceOnRandomMachines() throws {
        var checked = 0, found = 0, exact = 0, missed = 0
        for seed in 1...300 {
            var gen = RandomMachine(seed: UInt64(seed))
            let text = gen.yaml()
            guard let model = Pipeline.validate(text: text, path: "random-\(seed).yaml").model else { continue }
            checked += 1
            let expected = BruteForce.run(model)
            let outcome = walk(model, seed: UInt64(seed), runs: 200, depth: 30)
            for r in outcome.properties where r.property.kind != .determinism {
                // Sampled runs cannot show that a final state stays
                // reachable: walks leave progress to the explicit search.
                if r.property.kind == .progress {
                    #expect(r.verdict == .unknown, "seed \(seed): progress is \(r.verdict)")
                    continue
                }
                #expect(r.verdict == .violated || r.verdict == .bounded, "seed \(seed): \(r.property.id)")
                if r.verdict == .violated {
                    found += 1
                    let shortest = try #require(expected.violated[r.property.id.description], "seed \(seed): \(r.property.id) is not violated\n\(text)")
                    let length = try #require(r.trace?.length)
                    #expect(length >= shortest, "seed \(seed): \(r.property.id)\n\(text)")
                    if length == shortest { exact += 1 }
                } else if expected.violated[r.property.id.description] != nil {
                    missed += 1
                }
            }
        }
        print("walks vs brute force on \(checked) machines: \(found) violations found, \(exact) at the shortest length, \(missed) missed")
        #expect(checked >= 200)
        #expect(found > 200)
        #expect(exact * 100 >= found * 99, "shrunk to the shortest length: \(exact) of \(found)")
        // Random sampling may miss a deep violation, but not many.
        #expect(missed * 20 < found, "walks missed \(missed) of \(found + missed) violations")
    }
}
