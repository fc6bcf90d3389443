import Foundation

/// The per-transition proof obligations of SPEC §3.1, Event-B style: for
/// each reachable control state and each transition that can leave it,
/// *feasibility* (can it fire at all? if not, the unsat core names the
/// guard conjuncts, observation domains and invariants that contradict),
/// *establishment* (does every step establish each invariant of its
/// target, contracts with the step's snapshot?), *overlap* (can two
/// transitions on one event be enabled by one snapshot?) and *possible
/// stall* (is there a snapshot that enables nothing? information only).
///
/// Each obligation is one Z3 query over one step from a symbolic source
/// state: the control state fixed, the variables anywhere in their domains
/// where the source state's invariants hold — only invariants already
/// proven (`holds`) are assumed, so a dead transition is dead for real.
/// With no variables (plain probar playbooks) the queries are exact; with
/// variables a failing obligation is local (its source values may be
/// unreachable): the property verdicts say what is reachable.
public enum ObligationChecker {
    /// One translation of the model, in a context of its own (so the
    /// witnesses do not depend on what an engine asked Z3 before).
    public static func run(system: TransitionSystem, reachable: [Int], holds: Set<Int>,
                           queryTimeoutMilliseconds: UInt32?, budget: Budget = .unlimited) -> (ObligationReport, [Diagnostic]) {
        let started = Date()
        let model = system.model
        let assumptions = model.variables.isEmpty
            ? "exact: the playbook has no variables"
            : "local: source variables free in their domains, its proven invariants assumed, and the invariant itself for its preservation;"
                + " a failure here may be unreachable (the verdicts above decide)"
        func stopped(_ reason: StopReason) -> (ObligationReport, [Diagnostic]) {
            (ObligationReport(obligations: [], states: reachable.map { model.states[$0].id }, assumptions: assumptions,
                              seconds: Date().timeIntervalSince(started), incomplete: reason), [])
        }
        if let reason = SymbolicModel.tooLarge(system) { return stopped(.unsupported(reason)) }
        if let reason = budget.exhausted { return stopped(reason) }
        let sym = SymbolicModel(system: system, ctx: Z3Context())
        let ctx = sym.ctx
        let solver = ctx.solver(timeoutMilliseconds: queryTimeoutMilliseconds)
        solver.deadline = budget.deadline
        solver.assert(sym.preDomain)
        var labels: [CoreLabel] = []
        var literals: [Z3Term] = []
        func label(_ text: CoreLabel, _ f: Z3Term) -> Z3Term {
            let a = ctx.boolConst("ob.\(labels.count)")
            solver.assert(ctx.implies(a, f))
            labels.append(text)
            literals.append(a)
            return a
        }
        let observationDomains = zip(sym.stepObs.keys, sym.stepObs.domains).map { k, side in
            label(.domain(domainText(k, system)), side)
        }
        solver.assert(ctx.and(sym.stepObs.extra))
        let invariants = invariantsByProperty(model, system)
        var invariantLits: [Int: Z3Term] = [:]
        for (p, holdsIn) in sym.invariantHolds.sorted(by: { $0.key < $1.key }) {
            let inv = invariants[p]
            invariantLits[p] = label(.invariant(source: inv?.source ?? system.properties[p].id.description, id: system.properties[p].id.description, line: inv?.loc.line), holdsIn.pre)
        }
        // Each instance's guard conjuncts, named once for every state's cores.
        let guardLits = system.instances.indices.map { i -> [Z3Term] in
            let t = model.transitions[system.instances[i].transition]
            return sym.instances[i].guardParts.map { label(.guardConjunct(text: $0.text, transition: t.id, line: t.loc.line), $0.term) }
        }
        var obligations: [Obligation] = []
        var feasibleSomewhere = Array(repeating: false, count: model.transitions.count)
        var deadCore: [Int: [CoreLabel]] = [:]
        var hasSource = Array(repeating: false, count: model.transitions.count)

        var queries = 0
        func ask(_ s: Int, _ f: Z3Term, assuming: [Z3Term]) -> (Z3Result, Double) {
            queries += 1
            let t0 = Date()
            solver.push()
            defer { solver.pop() }
            solver.assert(ctx.eq(sym.pre.control, ctx.int(Int64(s))))
            solver.assert(f)
            let r = solver.check(assuming: assuming)
            return (r, Date().timeIntervalSince(t0))
        }

        func witness(_ m: Z3Model, _ insts: [Int], reads: Reads) -> [NamedValue] {
            var out: [NamedValue] = []
            for slot in 0..<system.slotCount {
                if let v = m.value(sym.pre.slots[slot]) { out.append(system.named(system.slotName(slot), Word.encode(v), system.slotType(slot))) }
            }
            for i in insts {
                let t = model.transitions[system.instances[i].transition]
                for (k, p) in t.params.enumerated() {
                    out.append(system.named(p.name, system.instances[i].binding[k], model.sets[p.set].elementType))
                }
            }
            let observed = sym.stepObs.entries(sym.stepObs.terms, in: m).compactMap { $0 }.filter { reads.observed.contains($0.key.observation) }
            var shown = Set<Snapshot.Key>()
            for e in observed.sorted(by: { $0.key < $1.key }) where shown.insert(e.key).inserted {
                out.append(system.observationText(e.key, e.word).1)
            }
            return out
        }

        func words(_ w: [NamedValue]) -> String { w.map(\.assignment).joined(separator: ", ") }

        var incomplete: StopReason?
        states: for s in reachable {
            if let reason = budget.exhausted { incomplete = reason; break states }
            let sid = model.states[s].id
            let assumed = observationDomains + system.stateChecks[s].compactMap { holds.contains($0.property) ? invariantLits[$0.property] : nil }
            let here = system.byState[s]
            // Feasibility per transition (a binding whose params contradict
            // the guard is not a dead transition), the guard's conjuncts
            // named as assumptions so the core says what contradicts.
            var feasible = Set<Int>()
            var order: [Int] = []
            var perTransition: [Int: (seconds: Double, unknown: String?, core: [CoreLabel]?, name: String)] = [:]
            for i in here {
                let inst = system.instances[i]
                let t = model.transitions[inst.transition]
                hasSource[inst.transition] = true
                if perTransition[inst.transition] == nil { order.append(inst.transition); perTransition[inst.transition] = (0, nil, nil, t.id) }
                let (r, secs) = ask(s, ctx.bool(true), assuming: guardLits[i] + assumed)
                perTransition[inst.transition]?.seconds += secs
                switch r {
                case .sat: feasible.insert(i); feasibleSomewhere[inst.transition] = true
                case .unknown(let why):
                    feasible.insert(i)
                    feasibleSomewhere[inst.transition] = true
                    perTransition[inst.transition]?.unknown = "Z3: \(why)"
                case .unsat:
                    let core = solver.unsatCore(of: literals).map { labels[$0] }
                    if perTransition[inst.transition]?.core == nil { perTransition[inst.transition]?.core = core }
                    if deadCore[inst.transition] == nil { deadCore[inst.transition] = core }
                }
            }
            for t in order {
                guard let info = perTransition[t] else { continue }
                let anyFeasible = system.byState[s].contains { system.instances[$0].transition == t && feasible.contains($0) }
                var ob = Obligation(kind: .feasibility, status: .discharged, state: sid, transition: info.name, other: nil, property: nil,
                                    witness: [], message: nil, location: model.transitions[t].loc, seconds: info.seconds)
                if let u = info.unknown { ob.status = .unknown; ob.message = u }
                else if !anyFeasible {
                    ob.status = .fails
                    ob.message = "'\(info.name)' (line \(model.transitions[t].loc.line)) \(cannotFire)" + coreText(info.core ?? [])
                }
                obligations.append(ob)
            }
            for i in here where feasible.contains(i) {
                if let reason = budget.exhausted { incomplete = reason; break states }
                let inst = system.instances[i]
                let t = model.transitions[inst.transition]
                let name = instanceName(system, i)
                let guardReads = t.guardExpr.map { Reads($0, model) } ?? Reads()
                // Establishment of every invariant of the target.
                var targets: [(property: Int, broken: Z3Term, reads: Reads)] = []
                for (p, bad) in sym.contractBroken[i] {
                    targets.append((p, bad, invariants[p].map { Reads($0.condition, model) } ?? Reads()))
                }
                for (p, _) in system.stateChecks[inst.to] {
                    guard let h = sym.invariantHolds[p] else { continue }
                    targets.append((p, ctx.not(h.post), invariants[p].map { Reads($0.condition, model) } ?? Reads()))
                }
                var effectReads = Reads()
                for e in t.effects {
                    if let x = e.value { effectReads.formUnion(Reads(x, model)) }
                    if let k = e.key { effectReads.formUnion(Reads(k, model)) }
                }
                // Preservation assumes the invariant itself before the
                // step, where it applies (Event-B's INV obligation).
                func own(_ p: Int) -> [Z3Term] {
                    system.stateChecks[s].contains { $0.property == p } && !holds.contains(p) ? invariantLits[p].map { [$0] } ?? [] : []
                }
                // One target asked on its own, with its witness when it fails.
                func establish(_ p: Int, _ broken: Z3Term, _ reads: Reads) -> Obligation {
                    let (r, secs) = ask(s, ctx.and([sym.instances[i].success, broken]), assuming: assumed + own(p))
                    var ob = Obligation(kind: .establishment, status: .discharged, state: sid, transition: name, other: nil,
                                        property: system.properties[p].id, witness: [], message: nil, location: t.loc, seconds: secs)
                    switch r {
                    case .unsat: break
                    case .unknown(let why): ob.status = .unknown; ob.message = "Z3: \(why)"
                    case .sat(let m):
                        var all = guardReads
                        defer { if holds.contains(p) { ob.status = .notInductive } }
                        all.formUnion(reads)
                        all.formUnion(effectReads)
                        ob.status = .fails
                        ob.witness = witness(m, [i], reads: all)
                        let inv = invariants[p]
                        // What the step changes, so the witness reads as a step.
                        var after: [String] = []
                        for slot in 0..<system.slotCount {
                            guard let a = m.value(sym.pre.slots[slot]), let b = m.value(sym.post.slots[slot]), a != b else { continue }
                            after.append("\(system.slotName(slot)) → \(system.named("", Word.encode(b), system.slotType(slot)).text)")
                        }
                        ob.message = "'\(name)' (line \(t.loc.line)) can enter \(model.states[inst.to].id) without `\(inv?.source ?? system.properties[p].id.description)`"
                            + (inv.map { " (line \($0.loc.line))" } ?? "") + (ob.witness.isEmpty ? "" : ": \(words(ob.witness))")
                            + (after.isEmpty ? "" : "; then \(after.joined(separator: ", "))")
                    }
                    return ob
                }
                // Most targets are established: one query asks whether any
                // is not (each with its own assumption inside its
                // disjunct). Those the answer breaks are asked on their own,
                // for their witnesses, and the rest again, until none can be
                // broken.
                var decided: [Obligation?] = Array(repeating: nil, count: targets.count)
                var open = Array(targets.indices)
                while open.count > 1 {
                    let cases = open.map { ctx.and([targets[$0].broken] + own(targets[$0].property)) }
                    let (r, secs) = ask(s, ctx.and([sym.instances[i].success, ctx.or(cases)]), assuming: assumed)
                    guard case .sat(let m) = r else {
                        if case .unsat = r {
                            for j in open {
                                decided[j] = Obligation(kind: .establishment, status: .discharged, state: sid, transition: name, other: nil,
                                                        property: system.properties[targets[j].property].id, witness: [], message: nil,
                                                        location: t.loc, seconds: secs / Double(open.count))
                            }
                            open = []
                        }
                        break
                    }
                    let broken = zip(open, cases).filter { if case .bool(true)? = m.value($0.1) { return true } else { return false } }.map(\.0)
                    guard !broken.isEmpty else { break }
                    for j in broken { decided[j] = establish(targets[j].property, targets[j].broken, targets[j].reads) }
                    open.removeAll { decided[$0] != nil }
                }
                for j in open { decided[j] = establish(targets[j].property, targets[j].broken, targets[j].reads) }
                obligations += decided.compactMap { $0 }
            }
            // Overlap: two transitions on one event, one snapshot.
            for a in here.indices {
                for b in here.indices where b > a {
                    let ia = here[a], ib = here[b]
                    guard system.instanceEvent[ia] == system.instanceEvent[ib],
                          system.instances[ia].transition != system.instances[ib].transition else { continue }
                    let (r, secs) = ask(s, ctx.and([sym.instances[ia].enabled, sym.instances[ib].enabled]), assuming: assumed)
                    let ta = model.transitions[system.instances[ia].transition], tb = model.transitions[system.instances[ib].transition]
                    var ob = Obligation(kind: .overlap, status: .discharged, state: sid, transition: instanceName(system, ia),
                                        other: instanceName(system, ib), property: nil, witness: [], message: nil, location: ta.loc, seconds: secs)
                    switch r {
                    case .unsat: break
                    case .unknown(let why): ob.status = .unknown; ob.message = "Z3: \(why)"
                    case .sat(let m):
                        var reads = ta.guardExpr.map { Reads($0, model) } ?? Reads()
                        if let g = tb.guardExpr { reads.formUnion(Reads(g, model)) }
                        ob.status = .fails
                        ob.witness = witness(m, [ia, ib], reads: reads)
                        ob.message = "'\(ob.transition ?? "")' (line \(ta.loc.line)) and '\(ob.other ?? "")' (line \(tb.loc.line)) are both enabled on '\(ta.event)' in \(sid)"
                            + (ob.witness.isEmpty ? "" : ": \(words(ob.witness))")
                    }
                    obligations.append(ob)
                }
            }
            // Possible stall: a snapshot under which nothing is enabled.
            // (Without observations in the guards, the deadlock property
            // already decides this exactly.)
            let guardsObserve = here.contains { system.instances[$0].guardReadsObservations }
            if !model.states[s].isFinal && guardsObserve {
                let none = ctx.and(here.map { ctx.not(sym.instances[$0].enabled) })
                let (r, secs) = ask(s, none, assuming: assumed)
                var ob = Obligation(kind: .stall, status: .discharged, state: sid, transition: nil, other: nil, property: nil,
                                    witness: [], message: nil, location: model.states[s].loc, seconds: secs)
                switch r {
                case .unsat: break
                case .unknown(let why): ob.status = .unknown; ob.message = "Z3: \(why)"
                case .sat(let m):
                    var reads = Reads()
                    for i in here { if let g = model.transitions[system.instances[i].transition].guardExpr { reads.formUnion(Reads(g, model)) } }
                    ob.status = .fails
                    ob.witness = witness(m, [], reads: reads)
                    ob.message = "no transition is enabled in \(sid)" + (ob.witness.isEmpty ? "" : " when \(words(ob.witness))")
                }
                obligations.append(ob)
            }
        }
        var diagnostics: [Diagnostic] = []
        // A transition is dead only if every state was asked about it.
        for (t, info) in model.transitions.enumerated() where incomplete == nil && hasSource[t] && !feasibleSomewhere[t] {
            let core = deadCore[t] ?? []
            diagnostics.append(.warning(.deadTransition, "transition '\(info.id)' can never fire: \(coreText(core))", at: info.loc))
        }
        let report = ObligationReport(obligations: obligations, states: reachable.map { model.states[$0].id }, assumptions: assumptions,
                                      seconds: Date().timeIntervalSince(started), incomplete: incomplete, queries: queries)
        return (report, diagnostics)
    }

    /// What a feasibility failure's message says before its unsat core.
    static let cannotFire = "can never fire: "

    static func coreText(_ core: [CoreLabel]) -> String {
        let guards = core.filter(\.isGuard).map(\.text)
        let rest = core.filter { !$0.isGuard }.map(\.text)
        if guards.isEmpty { return "its source state contradicts itself" }
        if rest.isEmpty { return guards.count == 1 ? "\(guards[0]) is unsatisfiable" : guards.joined(separator: " contradicts ") }
        return guards.joined(separator: " and ") + " contradict" + (guards.count == 1 ? "s " : " ") + rest.joined(separator: " and ")
    }

    static func domainText(_ k: Snapshot.Key, _ system: TransitionSystem) -> String {
        let info = system.model.observations[k.observation]
        let name = system.observationText(k, 0).0
        let origin = info.origin == .declared ? "declared at line \(info.loc.line)" : "inferred from its uses"
        switch info.domain {
        case .bool: return "`\(name)` is a boolean"
        case .int(nil): return "`\(name)` is an integer"
        case .int(let r?): return "`\(name)` ∈ \(r.lowerBound)..\(r.upperBound) (\(origin))"
        case .enumeration(let e) where system.model.enums[e].isOpen:
            return "`\(name)` is a string (\(origin))"
        case .enumeration(let e):
            let values = system.model.enums[e].values.map { system.model.symbols.name($0) }
            return "`\(name)` ∈ {\(values.joined(separator: ", "))} (\(origin))"
        }
    }

    static func instanceName(_ system: TransitionSystem, _ i: Int) -> String {
        let id = system.transitionID(ofInstance: i)
        let args = system.paramValues(i).map(\.text)
        return args.isEmpty ? id : "\(id)(\(args.joined(separator: ", ")))"
    }
}

/// What an assumption of a feasibility query is, named in its unsat core.
enum CoreLabel: Equatable {
    /// A top-level conjunct of a transition's guard.
    case guardConjunct(text: String, transition: String, line: Int)
    /// An observation's domain (its words from `domainText`).
    case domain(String)
    /// An invariant proved by the engine, assumed in the source state.
    case invariant(source: String, id: String, line: Int?)

    var isGuard: Bool { if case .guardConjunct = self { return true } else { return false } }

    var text: String {
        switch self {
        case .guardConjunct(let text, let transition, let line): return "the guard `\(text)` of '\(transition)' (line \(line))"
        case .domain(let words): return words
        case .invariant(let source, let id, let line): return "the invariant `\(source)` (\(id)\(line.map { ", line \($0)" } ?? ""))"
        }
    }
}

/// Each invariant (state or global) by its property index.
func invariantsByProperty(_ model: TypedModel, _ system: TransitionSystem) -> [Int: Invariant] {
    var out: [Int: Invariant] = [:]
    for s in model.states {
        for (i, inv) in s.invariants.enumerated() {
            if let p = propertyIndex(system, .invariant(state: s.id, index: i)) { out[p] = inv }
        }
    }
    for (i, inv) in model.globalInvariants.enumerated() {
        if let p = propertyIndex(system, .global(i)) { out[p] = inv }
    }
    return out
}
