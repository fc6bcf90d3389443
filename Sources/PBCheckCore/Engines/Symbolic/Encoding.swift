/// The terms of one state `(s, v)` of a symbolic path: the control state's
/// index and one constant per variable slot.
struct StateTerms {
    var control: Z3Term
    var slots: [Z3Term]
    var all: [Z3Term] { [control] + slots }
}

/// The observations of one snapshot as Z3 constants, made the first time a
/// translation reads them, each constrained to its declared domain. Both
/// engines' translation environments read observations through one.
final class SnapshotTerms {
    let prefix: String
    private(set) var keys: [Snapshot.Key] = []
    private(set) var terms: [Z3Term] = []
    /// Per term: for a read of an undeclared family at a key the
    /// translation does not know (`u(x)` over a symbolic `x`), the key's
    /// term; nil for a term at a known key.
    private(set) var readKeys: [Z3Term?] = []
    private var index: [Snapshot.Key: Int] = [:]
    /// Reads by observation and key term (Z3 shares equal terms).
    private var readIndex: [ReadKey: Int] = [:]
    /// Per term, its observation's domain.
    private(set) var domains: [Z3Term] = []
    /// The other side conditions: choices of `:= any`, and that two terms
    /// of one family at equal keys are equal (Ackermann's reduction of the
    /// family, read as a function of its key).
    private(set) var extra: [Z3Term] = []

    private struct ReadKey: Hashable {
        let observation: Int
        let key: UnsafeMutableRawPointer
    }

    init(prefix: String) { self.prefix = prefix }

    /// What the snapshot's step assumes: every domain and side condition.
    var side: [Z3Term] { domains + extra }

    func term(_ k: Snapshot.Key, _ model: TypedModel, _ ctx: Z3Context) -> Z3Term {
        if let i = index[k] { return terms[i] }
        let info = model.observations[k.observation]
        let name = prefix + info.name + (k.key.map { "[\($0)]" } ?? "")
        let t = info.domain == .bool ? ctx.boolConst(name) : ctx.intConst(name)
        index[k] = terms.count
        add(k, t, readKey: nil, info.domain, model, ctx)
        return t
    }

    /// Family `o` read at the key `keyTerm` stands for.
    func read(_ o: Int, keyTerm: Z3Term, _ model: TypedModel, _ ctx: Z3Context) -> Z3Term {
        let rk = ReadKey(observation: o, key: UnsafeMutableRawPointer(keyTerm.ast))
        if let i = readIndex[rk] { return terms[i] }
        let info = model.observations[o]
        let name = prefix + info.name + "[?\(terms.count)]"
        let t = info.domain == .bool ? ctx.boolConst(name) : ctx.intConst(name)
        readIndex[rk] = terms.count
        add(Snapshot.Key(observation: o, key: nil), t, readKey: keyTerm, info.domain, model, ctx)
        return t
    }

    private func add(_ k: Snapshot.Key, _ t: Z3Term, readKey: Z3Term?, _ domain: Domain, _ model: TypedModel, _ ctx: Z3Context) {
        // Equal keys, equal values: against every term of the same family
        // when one of the two is a read.
        for j in terms.indices where keys[j].observation == k.observation {
            let a: Z3Term, b: Z3Term
            switch (readKey, readKeys[j]) {
            case (nil, nil): continue // two known keys: distinct terms
            case let (r?, s?): (a, b) = (r, s)
            case let (r?, nil): guard let w = keys[j].key else { continue }; (a, b) = (r, ctx.literal(w, like: r))
            case let (nil, s?): guard let w = k.key else { continue }; (a, b) = (ctx.literal(w, like: s), s)
            }
            extra.append(ctx.implies(ctx.eq(a, b), ctx.eq(t, terms[j])))
        }
        keys.append(k)
        terms.append(t)
        readKeys.append(readKey)
        domains.append(model.constraint(t, in: domain, ctx))
    }

    /// Another side condition of the snapshot's step.
    func constrain(_ c: Z3Term) { extra.append(c) }

    /// What a model gives each of `values` (these terms, or their copies
    /// at one depth): the key (its own, or for a read the key the model
    /// gives its key term, mapped by `at` like the values) and the word;
    /// nil where a value lies beyond 64 bits.
    func entries(_ values: [Z3Term], in m: Z3Model, at: (Z3Term) -> Z3Term = { $0 }) -> [(key: Snapshot.Key, word: Int64)?] {
        values.indices.map { j in
            guard let v = m.value(values[j]) else { return nil }
            guard let kt = readKeys[j] else { return (keys[j], Word.encode(v)) }
            guard let w = m.value(at(kt)) else { return nil }
            return (Snapshot.Key(observation: keys[j].observation, key: Word.encode(w)), Word.encode(v))
        }
    }

    /// The same snapshot over fresh constants (a second snapshot of one
    /// step: the bound variables of deadlock's ∀, determinism's pair).
    func copy(prefix: String, _ ctx: Z3Context) -> SnapshotTerms {
        let c = SnapshotTerms(prefix: prefix)
        let fresh = terms.enumerated().map { j, t in ctx.const(prefix + "\(j)", like: t) }
        func moved(_ f: Z3Term) -> Z3Term { terms.isEmpty ? f : ctx.substitute(f, terms, fresh) }
        c.keys = keys
        c.terms = fresh
        c.index = index
        c.readKeys = readKeys.map { $0.map(moved) }
        c.domains = domains.map(moved)
        c.extra = extra.map(moved)
        return c
    }
}

extension Z3Context {
    /// A key word as a term of `t`'s sort.
    func literal(_ w: Int64, like t: Z3Term) -> Z3Term { isBool(t) ? bool(w != 0) : int(w) }
}

/// Where a symbolic translation reads: variables and the control state
/// from `state`, observations from `snapshot`.
struct SymbolicEnvironment: SMTEnvironment {
    let model: TypedModel
    let ctx: Z3Context
    let state: StateTerms
    let slotIsBool: [Bool]
    let snapshot: SnapshotTerms

    func variable(_ slot: Int) -> SMTValue { .term(state.slots[slot], bool: slotIsBool[slot]) }
    func control() -> SMTValue { .term(state.control, bool: false) }
    func observation(_ o: Int, key: Int64?) -> SMTValue {
        .term(snapshot.term(Snapshot.Key(observation: o, key: key), model, ctx), bool: model.observations[o].domain == .bool)
    }
    func observation(_ o: Int, keyTerm: Z3Term) -> SMTValue {
        .term(snapshot.read(o, keyTerm: keyTerm, model, ctx), bool: model.observations[o].domain == .bool)
    }
}

/// What a check of a property looks at: one state (invariants, deadlock,
/// determinism) or one step from a state (forbidden edges, range,
/// contracts). `eval-error` has one check of each kind.
enum CheckKind: Equatable { case state, step }

/// One check of one property, as a template formula that is true exactly
/// where the property is broken.
struct PropertyCheck {
    var property: Int
    var kind: CheckKind
    var bad: Z3Term
}

/// One transition instance translated once over the template terms.
struct InstanceTerms {
    /// The source state matches and the guard holds (and evaluates).
    var enabled: Z3Term
    /// The guard's top-level conjuncts, each true and defined, with its text.
    var guardParts: [(text: String, term: Z3Term)]
    /// The step fires and has a successor, which `post` holds.
    var success: Z3Term
    /// The source matches.
    var atSource: Z3Term
}

/// The typed model translated once into Z3 over template terms: a state
/// `pre`, the step's snapshot and choices, the state `post`. Every formula
/// of an unrolling is an instance of these templates (`Z3_substitute`), so
/// each expression of the playbook is translated exactly once.
///
/// Encoding choices: enum values and state ids are integers (their symbol
/// ids, as in the explicit engine's words), constrained to their values;
/// unbounded integers stay unbounded; keyed families are one constant per
/// key; params are expanded per binding (one instance each, as in
/// `TransitionSystem`); the step chooses its instance with one integer
/// `sel`.
final class SymbolicModel {
    let system: TransitionSystem
    let ctx: Z3Context
    let model: TypedModel
    let slotIsBool: [Bool]
    let pre: StateTerms
    let post: StateTerms
    let sel: Z3Term
    /// The values of `:= any` effects, per instance.
    let any: [[Z3Term]]
    let stepObs: SnapshotTerms
    /// The snapshot a determinism check chooses (existential).
    let detObs: SnapshotTerms
    let initial: Z3Term
    let preDomain: Z3Term
    /// Some instance fires: the transition relation.
    let transition: Z3Term
    let instances: [InstanceTerms]
    var checks: [PropertyCheck] = []
    /// Per non-contract invariant property: its condition holds in `pre`
    /// (for obligations' assumptions) and, over `post`, for establishment.
    var invariantHolds: [Int: (pre: Z3Term, post: Z3Term)] = [:]
    /// Per instance, each contract it must establish: broken in `post`.
    var contractBroken: [[(property: Int, bad: Z3Term)]] = []

    /// Each instance's step equates every slot of the state entered and
    /// makes a handful of terms of its own (selector, guard, success,
    /// definedness), so the encoding grows as instances × (slots + 8); past
    /// this many terms it is not built (a million-instance family would
    /// take minutes to build, past any --timeout, and all memory).
    static let maxTerms = 1_000_000

    /// Why the model is too large to encode, if it is.
    static func tooLarge(_ system: TransitionSystem) -> String? {
        let (terms, overflow) = system.instances.count.multipliedReportingOverflow(by: system.slotCount + 8)
        guard overflow || terms > maxTerms else { return nil }
        return "too large to encode for Z3: \(system.instances.count) transition instances over \(system.slotCount) variable slots (more than \(maxTerms) terms)"
    }

    init(system: TransitionSystem, ctx: Z3Context) {
        self.system = system
        self.ctx = ctx
        let model = system.model
        self.model = model
        let slotIsBool = (0..<system.slotCount).map { system.slotType($0) == .bool }
        self.slotIsBool = slotIsBool
        func stateTerms(_ prefix: String) -> StateTerms {
            StateTerms(control: ctx.intConst(prefix + "state"),
                       slots: (0..<system.slotCount).map { s in
                           slotIsBool[s] ? ctx.boolConst(prefix + system.slotName(s)) : ctx.intConst(prefix + system.slotName(s))
                       })
        }
        let pre = stateTerms("t."), post = stateTerms("t'.")
        self.pre = pre
        self.post = post
        let sel = ctx.intConst("t.sel")
        self.sel = sel
        stepObs = SnapshotTerms(prefix: "t.o.")
        var tr = SMTTranslator(ctx: ctx, model: model)
        let preEnv = SymbolicEnvironment(model: model, ctx: ctx, state: pre, slotIsBool: slotIsBool, snapshot: stepObs)
        let postEnv = SymbolicEnvironment(model: model, ctx: ctx, state: post, slotIsBool: slotIsBool, snapshot: stepObs)

        func holds(_ x: Translated) -> Z3Term { ctx.and([tr.term(x.value)] + (x.defined.map { [$0] } ?? [])) }
        func defined(_ x: Translated) -> Z3Term { x.defined ?? ctx.bool(true) }
        func isControl(_ states: [Int], _ s: StateTerms) -> Z3Term {
            if states.count == model.states.count { return ctx.bool(true) }
            return ctx.or(states.map { ctx.eq(s.control, ctx.int(Int64($0))) })
        }

        // Domains and the initial states.
        func domain(_ s: StateTerms) -> Z3Term {
            var parts = [ctx.ge(s.control, ctx.int(0)), ctx.lt(s.control, ctx.int(Int64(model.states.count)))]
            for v in model.variables {
                for k in 0..<v.slotCount { parts.append(model.constraint(s.slots[v.slot + k], in: v.domain, ctx)) }
            }
            return ctx.and(parts)
        }
        preDomain = domain(pre)
        var initParts = [ctx.eq(pre.control, ctx.int(Int64(model.initial)))]
        for v in model.variables {
            guard case .value(let x) = v.initial else { continue }
            for k in 0..<v.slotCount { initParts.append(ctx.eq(pre.slots[v.slot + k], tr.term(.word(Word.encode(x), bool: x.isBool)))) }
        }
        initial = ctx.and(initParts)

        // State properties: non-contract invariants (and their evaluation errors).
        var checks: [PropertyCheck] = []
        var evalStateBad: [Z3Term] = []
        var statesChecking: [Int: [Int]] = [:]
        for c in model.states.indices {
            for (p, _) in system.stateChecks[c] { statesChecking[p, default: []].append(c) }
        }
        for (p, inv) in invariantsByProperty(model, system).sorted(by: { $0.key < $1.key }) where !inv.isContract {
            let x = tr.translate(inv.condition, preEnv)
            let inP = isControl(statesChecking[p] ?? [], pre)
            let bad = ctx.and([inP, defined(x), ctx.not(tr.term(x.value))])
            checks.append(PropertyCheck(property: p, kind: .state, bad: bad))
            if x.defined != nil { evalStateBad.append(ctx.and([inP, ctx.not(defined(x))])) }
            // What the verdict `holds` says: never false where it applies (a
            // state where it fails to evaluate breaks eval-error, not it), so
            // obligations may assume it even where it cannot be evaluated.
            // It reads no observation, so over `post` it is the same term renamed.
            let holdsPre = ctx.not(bad)
            invariantHolds[p] = (holdsPre, ctx.substitute(holdsPre, pre.all, post.all))
        }

        // Instances.
        var instances: [InstanceTerms] = []
        var anyTerms: [[Z3Term]] = []
        var fires: [Z3Term] = []
        var stepBad: [Int: [Z3Term]] = [:]
        var contractBroken: [[(property: Int, bad: Z3Term)]] = []
        var contractTerms: [Int: Translated] = [:]
        func addStepBad(_ p: Int, _ i: Int, _ f: Z3Term) { stepBad[p, default: []].append(ctx.and([ctx.eq(sel, ctx.int(Int64(i))), f])) }
        for (i, inst) in system.instances.enumerated() {
            let t = model.transitions[inst.transition]
            tr.locals = [:]
            for (k, w) in inst.binding.enumerated() {
                tr.locals[k] = .word(w, bool: model.sets[t.params[k].set].elementType == .bool)
            }
            let atSource = isControl(t.from, pre)
            // The guard, conjunct by conjunct: `a && b` holds and is defined
            // exactly when each conjunct holds and is defined.
            let typed = conjuncts(t.guardExpr)
            let texts = conjunctTexts(t.guardSource, count: typed.count)
            let parts = typed.indices.map { (j: Int) -> (text: String, term: Z3Term, t: Translated) in
                let x = tr.translate(typed[j], preEnv)
                return (texts[j], holds(x), x)
            }
            let guardHolds = ctx.and(parts.map(\.term))
            // Defined: each conjunct defined where the ones before it hold.
            var guardDefined = ctx.bool(true)
            for part in parts.reversed() {
                guardDefined = ctx.and([defined(part.t), ctx.implies(tr.term(part.t.value), guardDefined)])
            }
            let enabled = ctx.and([atSource, guardHolds])
            // Effects: every right-hand side reads `pre` (simultaneous).
            var effDefined: [Z3Term] = []
            var inDomain: [Z3Term] = []
            var anyDomain: [Z3Term] = []
            var rangeBad: [Int: [Z3Term]] = [:]
            var anys: [Z3Term] = []
            var assigned: [(variable: Int, slot: Int?, key: Z3Term?, hits: [Z3Term], value: Z3Term, defined: Z3Term)] = []
            for e in t.effects {
                let v = model.variables[e.variable]
                var slot: Int? = v.slot
                var keyTerm: Z3Term?
                var hits: [Z3Term] = []
                var d: [Z3Term] = []
                if let k = e.key, let ks = v.keySet {
                    let key = tr.translate(k, preEnv)
                    let elements = model.sets[ks].elements.map(Word.encode)
                    if let w = key.value.word {
                        if let p = elements.firstIndex(of: w) { slot = v.slot + p } else { slot = nil; d.append(ctx.bool(false)) }
                    } else {
                        slot = nil
                        let kt = tr.term(key.value)
                        keyTerm = kt
                        let isBoolKey = model.sets[ks].elementType == .bool
                        hits = elements.map { ctx.eq(kt, tr.term(.word($0, bool: isBoolKey))) }
                        d.append(ctx.or(hits))
                    }
                    if let kd = key.defined { d.append(kd) }
                }
                let value: Z3Term
                if let x = e.value {
                    let y = tr.translate(x, preEnv)
                    value = tr.term(y.value)
                    if let vd = y.defined { d.append(vd) }
                    let dom = model.constraint(value, in: v.domain, ctx)
                    inDomain.append(dom)
                    if let p = system.rangeProperty[e.variable] {
                        rangeBad[p, default: []].append(ctx.and(d + [ctx.not(dom)]))
                    }
                } else {
                    let name = "t.any.\(i).\(anys.count)"
                    value = v.domain == .bool ? ctx.boolConst(name) : ctx.intConst(name)
                    anys.append(value)
                    anyDomain.append(model.constraint(value, in: v.domain, ctx))
                }
                let def = ctx.and(d)
                effDefined.append(def)
                assigned.append((e.variable, keyTerm == nil ? slot : nil, keyTerm, hits, value, def))
            }
            // Twice-assigned locations (only keyed effects can collide, as in `fire`).
            var twice: [Z3Term] = []
            if inst.mayAssignTwice {
                for a in assigned.indices {
                    for b in assigned.indices where b > a && assigned[a].variable == assigned[b].variable {
                        let x = assigned[a], y = assigned[b]
                        let same: Z3Term
                        if let sx = x.slot, let sy = y.slot { same = ctx.bool(sx == sy) }
                        else if let kx = x.key, let ky = y.key { same = ctx.eq(kx, ky) }
                        else {
                            // One key known, one not: the unknown one hits the known slot.
                            let known = x.slot ?? y.slot ?? 0
                            let hits = x.key == nil ? y.hits : x.hits
                            let p = known - model.variables[x.variable].slot
                            same = p >= 0 && p < hits.count ? hits[p] : ctx.bool(false)
                        }
                        twice.append(ctx.and([x.defined, y.defined, same]))
                    }
                }
            }
            let double = ctx.or(twice)
            let allDefined = ctx.and(effDefined)
            let evalBad = ctx.and([atSource, ctx.or([ctx.not(guardDefined), ctx.and([guardHolds, ctx.or([ctx.not(allDefined), double])])])])
            addStepBad(system.evalErrorProperty, i, ctx.and(anyDomain + [evalBad]))
            for (p, bads) in rangeBad {
                addStepBad(p, i, ctx.and(anyDomain + [enabled, ctx.or(bads)]))
            }
            // The successor: each slot keeps its value unless an effect sets it.
            var next: [Z3Term] = pre.slots
            for a in assigned {
                let v = model.variables[a.variable]
                if let s = a.slot { next[s] = a.value }
                else if a.key != nil {
                    for (p, hit) in a.hits.enumerated() { next[v.slot + p] = ctx.ite(hit, a.value, next[v.slot + p]) }
                }
            }
            var succ = [enabled, allDefined, ctx.not(double)] + inDomain + anyDomain
            succ.append(ctx.eq(post.control, ctx.int(Int64(inst.to))))
            for s in next.indices { succ.append(ctx.eq(post.slots[s], next[s])) }
            let success = ctx.and(succ)
            fires.append(ctx.and([ctx.eq(sel, ctx.int(Int64(i))), success]))
            // Forbidden edges taken by a successful step.
            var edges: [Int: [Int]] = [:]
            for f in t.from {
                for p in system.forbiddenByEdge[f * model.states.count + inst.to] ?? [] { edges[p, default: []].append(f) }
            }
            for (p, from) in edges { addStepBad(p, i, ctx.and([success, isControl(from, pre)])) }
            // Contracts of the state entered, with the step's snapshot.
            var broken: [(property: Int, bad: Z3Term)] = []
            for (p, _, expr) in system.entryContracts[inst.to] {
                // A contract reads no params: one translation serves every instance entering its state.
                let c = contractTerms[p] ?? tr.translate(expr, postEnv)
                contractTerms[p] = c
                addStepBad(p, i, ctx.and([success, defined(c), ctx.not(tr.term(c.value))]))
                if c.defined != nil { addStepBad(system.evalErrorProperty, i, ctx.and([success, ctx.not(defined(c))])) }
                broken.append((p, ctx.not(holds(c))))
            }
            contractBroken.append(broken)
            anyTerms.append(anys)
            instances.append(InstanceTerms(enabled: enabled, guardParts: parts.map { ($0.text, $0.term) }, success: success, atSource: atSource))
        }
        self.instances = instances
        self.contractBroken = contractBroken
        any = anyTerms
        transition = ctx.and(stepObs.side + [ctx.or(fires)])
        for p in stepBad.keys.sorted() {
            checks.append(PropertyCheck(property: p, kind: .step, bad: ctx.and(stepObs.side + [ctx.or(stepBad[p] ?? [])])))
        }
        if !evalStateBad.isEmpty {
            checks.append(PropertyCheck(property: system.evalErrorProperty, kind: .state, bad: ctx.or(evalStateBad)))
        }

        // Deadlock: a non-final state where no snapshot enables any step.
        // The step's observations become bound variables of a ∀.
        if let p = system.deadlockProperty {
            let nonFinal = isControl(model.states.indices.filter { !model.states[$0].isFinal }, pre)
            let quantified = stepObs.copy(prefix: "t.q.", ctx)
            let someEnabled = ctx.substitute(ctx.or(instances.map(\.enabled)), stepObs.terms, quantified.terms)
            let none = ctx.forall(quantified.terms, ctx.implies(ctx.and(quantified.side), ctx.not(someEnabled)))
            checks.append(PropertyCheck(property: p, kind: .state, bad: ctx.and([nonFinal, none])))
        }
        // Determinism: two transitions on one event enabled by one snapshot.
        detObs = stepObs.copy(prefix: "t.d.", ctx)
        let events = max(system.eventIndex.count, 1)
        for (key, p) in system.determinismProperty.sorted(by: { $0.value < $1.value }) {
            let s = key / events, ev = key % events
            let list = system.byState[s].filter { system.instanceEvent[$0] == ev }
            var pairs: [Z3Term] = []
            for a in list.indices {
                for b in list.indices where b > a && system.instances[list[a]].transition != system.instances[list[b]].transition {
                    pairs.append(ctx.and([instances[list[a]].enabled, instances[list[b]].enabled]))
                }
            }
            let both = ctx.substitute(ctx.or(pairs), stepObs.terms, detObs.terms)
            checks.append(PropertyCheck(property: p, kind: .state,
                                        bad: ctx.and(detObs.side + [ctx.eq(pre.control, ctx.int(Int64(s))), both])))
        }
        self.checks = checks
        opaqueTerms = tr.freshCount > 0
    }

    /// Translation made free constants of its own (`contains` on observed
    /// strings), which a Horn clause would leave unbound.
    let opaqueTerms: Bool

    /// Whether check `c`'s formula has a quantifier (deadlock over
    /// observations), which Horn clauses cannot hold.
    func quantified(_ c: PropertyCheck) -> Bool {
        system.properties[c.property].kind == .deadlock && !stepObs.terms.isEmpty
    }

    /// The template terms an unrolling replaces at each depth, in a fixed order.
    var templateTerms: [Z3Term] { pre.all + post.all + [sel] + any.flatMap { $0 } + stepObs.terms + detObs.terms }
}

func propertyIndex(_ system: TransitionSystem, _ id: PropertyID) -> Int? {
    system.properties.firstIndex { $0.id == id }
}

/// The top-level conjuncts of a guard (none when there is no guard).
func conjuncts(_ e: TExpr?) -> [TExpr] {
    guard let e else { return [] }
    if case .and(let a, let b) = e { return conjuncts(a) + conjuncts(b) }
    return [e]
}

/// The text of each top-level conjunct of a guard as written, when the
/// source splits into as many as the typed guard (a definition that expands
/// to a conjunction does not split in the source: then the whole text).
func conjunctTexts(_ source: String?, count: Int) -> [String] {
    guard let source else { return Array(repeating: "", count: count) }
    func split(_ e: Expr) -> [Expr] {
        if case .binary(.and, let a, let b) = e.kind { return split(a) + split(b) }
        return [e]
    }
    if case .success(let e) = ExprParser.parse(source) {
        let parts = split(e)
        if parts.count == count { return parts.map { ExprPrinter.print($0) } }
    }
    return Array(repeating: source, count: count)
}

extension Value {
    var isBool: Bool {
        if case .bool = self { return true }
        return false
    }
}
