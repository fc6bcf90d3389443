import Foundation

/// A snapshot (and values for `:= any`) that Z3 found for one step, with
/// what it is meant to show; the search fires the step with it through the
/// property checker, and a witness that does not show what Z3 said is an
/// internal error, never a result.
struct Witness {
    enum Purpose: Equatable {
        case successor
        /// The guard fails to evaluate.
        case evalError
        /// The step is enabled and an effect fails to evaluate (or assigns
        /// one location twice).
        case effectError
        case range(variable: Int)
        case contract(property: Int)
        case determinism
    }
    var snapshot: Snapshot
    var any: [Int64]
    var purpose: Purpose
}

/// Answers which snapshots matter for a step whose guard, effects or entry
/// contracts read observations (SPEC §3): one witness per distinct
/// successor, per contract the successor can fail, per range violation,
/// and for an evaluation error. When every observation the step reads and
/// every `any` it takes has a small finite domain, the evaluator tries
/// them all (`enumerate`, exact, no solver); otherwise Z3 finds them, one
/// model per witness. Answers are cached on what the step reads (its
/// instance, and the slots and control state it depends on).
///
/// One per thread: a Z3 context is not thread-safe. The context is made
/// on the first question only enumeration cannot answer: most searches
/// never ask Z3, and a context costs tens of megabytes.
final class SnapshotOracle {
    let system: TransitionSystem
    private let queryTimeoutMilliseconds: UInt32?
    private var made: (ctx: Z3Context, solver: Z3Solver)?
    private var z3: (ctx: Z3Context, solver: Z3Solver) {
        if let made { return made }
        if let shared = Z3Context.reused {
            shared.solver.deadline = budget.deadline
            made = shared
            return shared
        }
        let ctx = Z3Context()
        let solver = ctx.solver(timeoutMilliseconds: queryTimeoutMilliseconds)
        solver.deadline = budget.deadline
        made = (ctx, solver)
        return (ctx, solver)
    }
    var ctx: Z3Context { z3.ctx }
    var solver: Z3Solver { z3.solver }
    var cache: [[Int64]: [Witness]] = [:]
    /// Witnesses held in `cache` (plus one per entry), and the most it
    /// keeps before it starts again.
    private var cachedWitnesses = 0
    var maxCachedWitnesses = 1 << 16
    var pairCache: [[Int64]: Witness?] = [:]
    var readSlots: [Int: [Int]] = [:]
    /// Z3 checks made.
    private(set) var solverQueries = 0
    /// Snapshots (with `any` values) `enumerate` fired in Z3's place.
    var snapshotsTried = 0
    /// Snapshots tried by enumeration that count as one Z3 query of work.
    static let snapshotsPerQuery = 100
    /// The work of deciding observation-dependent steps, in Z3 queries:
    /// each query, and each `snapshotsPerQuery` snapshots enumerated in
    /// their place. The explicit search's share of solver work
    /// (`ExplicitOptions.maxSolverQueries`, what `auto` gives it before the
    /// symbolic engine) is counted in it, so that a step answered by
    /// enumeration is not free: bank-account's balance is unbounded and
    /// every state has 200 successors.
    var queries: Int { solverQueries + snapshotsTried / SnapshotOracle.snapshotsPerQuery }
    /// Distinct successors enumerated for one step before giving up.
    var maxSuccessors = 10_000
    /// A sampler (the walker) keeps the first `maxSuccessors` successors of
    /// a step instead of giving up; `truncatedSteps` counts the steps cut so.
    var sampleSuccessors = false
    var truncatedSteps = 0
    /// The run's deadline and stop flag, asked while enumerating.
    var budget = Budget.unlimited { didSet { made?.solver.deadline = budget.deadline } }
    /// The most combinations of snapshot and `any` values `enumerate` tries
    /// for one step at one state; past it (or over an unbounded domain) Z3
    /// answers. 0 sends every step to Z3.
    var enumerationLimit = 4096
    /// Steps (at one state, cache misses) answered by enumeration.
    private(set) var enumeratedSteps = 0
    /// The enumeration's own scratch space (the caller's workspace holds
    /// the state it is expanding) and the state packed.
    let scratch: Workspace
    let packed: UnsafeMutablePointer<UInt64>

    init(system: TransitionSystem, queryTimeoutMilliseconds: UInt32?) {
        self.system = system
        self.queryTimeoutMilliseconds = queryTimeoutMilliseconds
        scratch = system.makeWorkspace()
        packed = .allocate(capacity: max(system.layout.words, 1))
        packed.initialize(repeating: 0, count: max(system.layout.words, 1))
    }

    deinit { packed.deallocate() }

    enum Failure: Error { case unknown(String) }

    private func key(_ inst: Int, _ frame: Frame, extra: Int = -1) -> [Int64] {
        let i = system.instances[inst]
        let slots = readSlots[inst] ?? {
            let s = i.reads.slots.sorted()
            readSlots[inst] = s
            return s
        }()
        var k: [Int64] = [Int64(inst), Int64(extra)]
        if i.reads.control { k.append(frame.vars[0]) }
        for s in slots { k.append(frame.vars[s + 1]) }
        return k
    }

    /// The witnesses for instance `inst` fired from the state in `frame`.
    func witnesses(_ inst: Int, _ frame: Frame) throws(Failure) -> [Witness] {
        let k = key(inst, frame)
        if let hit = cache[k] { return hit }
        let result = try solve(inst, frame)
        // A variable that grows without bound makes every state a miss:
        // the cache is emptied rather than left to grow with the search.
        if cachedWitnesses > maxCachedWitnesses {
            cache.removeAll()
            cachedWitnesses = 0
        }
        cache[k] = result
        cachedWitnesses += result.count + 1
        return result
    }

    /// A snapshot that enables both instances at once, if there is one.
    func jointlyEnabled(_ a: Int, _ b: Int, _ frame: Frame) throws(Failure) -> Witness? {
        var k = key(a, frame, extra: b)
        k += key(b, frame).dropFirst(2)
        if let hit = pairCache[k] { return hit }
        let env = ExplicitEnvironment(system: system, ctx: ctx, frame: frame)
        var terms: [Z3Term] = []
        for i in [a, b] {
            var tr = translator(for: i)
            terms += enabling(i, env, &tr)
        }
        let found = try check(ctx.and(terms + env.side), env).map { Witness(snapshot: $0.snapshot, any: [], purpose: .determinism) }
        pairCache[k] = found
        return found
    }

    /// A snapshot under which instance `inst` fires from the state in
    /// `frame` with the observations in `fixed` at the given values (a
    /// scenario's `observe:`), if there is one.
    func witness(_ inst: Int, _ frame: Frame, fixed: [Snapshot.Key: Int64]) throws(Failure) -> Witness? {
        let env = ExplicitEnvironment(system: system, ctx: ctx, frame: frame)
        var tr = translator(for: inst)
        var terms = enabling(inst, env, &tr)
        for (k, w) in fixed {
            let v = env.observation(k.observation, key: k.key)
            terms.append(ctx.eq(tr.term(v), tr.term(.word(w, bool: v.isBool))))
        }
        guard let found = try check(ctx.and(terms + env.side), env) else { return nil }
        var snapshot = found.snapshot
        for (k, w) in fixed { snapshot.values[k] = w }
        return Witness(snapshot: snapshot, any: [], purpose: .successor)
    }

    /// A snapshot under which the expressions `parts` (conjuncts of
    /// instance `inst`'s guard, its params bound) all hold and evaluate
    /// without error in the state in `frame`, if there is one.
    func satisfying(_ inst: Int, _ frame: Frame, _ parts: [TExpr]) throws(Failure) -> Snapshot? {
        let env = ExplicitEnvironment(system: system, ctx: ctx, frame: frame)
        var tr = translator(for: inst)
        var terms: [Z3Term] = []
        for p in parts {
            let x = tr.translate(p, env)
            terms.append(tr.term(x.value))
            if let d = x.defined { terms.append(d) }
        }
        return try check(ctx.and(terms + env.side), env)?.snapshot
    }

    /// An instance's guard, translated: true and defined.
    private func guardOf(_ inst: Int, _ env: ExplicitEnvironment, _ tr: inout SMTTranslator) -> Translated {
        system.model.transitions[system.instances[inst].transition].guardExpr.map { tr.translate($0, env) }
            ?? Translated(value: .word(1, bool: true), defined: nil)
    }

    /// What enables an instance: its guard holds and evaluates without error.
    private func enabling(_ inst: Int, _ env: ExplicitEnvironment, _ tr: inout SMTTranslator) -> [Z3Term] {
        let g = guardOf(inst, env, &tr)
        return [tr.term(g.value)] + (g.defined.map { [$0] } ?? [])
    }

    private func translator(for inst: Int) -> SMTTranslator {
        var tr = SMTTranslator(ctx: ctx, model: system.model)
        let t = system.model.transitions[system.instances[inst].transition]
        for (i, w) in system.instances[inst].binding.enumerated() {
            tr.locals[i] = .word(w, bool: system.model.sets[t.params[i].set].elementType == .bool)
        }
        return tr
    }

    private func check(_ query: Z3Term, _ env: ExplicitEnvironment, anyTerms: [Z3Term] = [],
                       read: [Z3Term] = []) throws(Failure) -> (snapshot: Snapshot, any: [Int64], read: [Int64])? {
        solverQueries += 1
        solver.push()
        defer { solver.pop() }
        solver.assert(query)
        switch solver.check() {
        case .unsat: return nil
        case .unknown(let reason): throw .unknown("Z3: \(reason)")
        case .sat(let m):
            var snap = Snapshot()
            for e in env.observations.entries(env.observations.terms, in: m) {
                guard let e else { throw .unknown("an observation value beyond 64 bits") }
                snap.values[e.key] = e.word
            }
            func values(_ terms: [Z3Term]) throws(Failure) -> [Int64] {
                var out: [Int64] = []
                for t in terms {
                    guard let v = m.value(t) else { throw .unknown("a value beyond 64 bits") }
                    out.append(Word.encode(v))
                }
                return out
            }
            return (snap, try values(anyTerms), try values(read))
        }
    }

    private func solve(_ inst: Int, _ frame: Frame) throws(Failure) -> [Witness] {
        let model = system.model
        let instance = system.instances[inst]
        let transition = model.transitions[instance.transition]
        let env = ExplicitEnvironment(system: system, ctx: ctx, frame: frame)
        var tr = translator(for: inst)
        let g = guardOf(inst, env, &tr)
        let gT = tr.term(g.value)
        var effectsDefined: Z3Term?
        var post: [Int: SMTValue] = [:]
        // Values that depend on the snapshot (or on `any`), to enumerate.
        var open: [(term: Z3Term, variable: Int, inDomain: Z3Term)] = []
        var anyTerms: [Z3Term] = []
        // Each effect's own range check, under its own definedness only: one
        // effect that fails to evaluate never hides another out of range.
        var rangeChecks: [(variable: Int, outside: Z3Term)] = []
        // A known value outside its domain: the step never has a successor.
        var alwaysFails = false
        // Locations assigned so far: keys are known words here, so a second
        // assignment to one is certain, and every enabled step then fails
        // to evaluate (twice assigned, or one of the two effects failed).
        var assigned = Set<Int>()
        for e in transition.effects {
            let v = model.variables[e.variable]
            var slot = v.slot
            var defined: Z3Term?
            if let k = e.key, let ks = v.keySet {
                let key = tr.translate(k, env)
                guard let w = key.value.word else {
                    throw .unknown("the key of an effect of '\(transition.id)' depends on an observation")
                }
                guard let p = model.sets[ks].elements.map(Word.encode).firstIndex(of: w) else {
                    effectsDefined = tr.conj(effectsDefined, ctx.bool(false))
                    // `f(k) := any` still takes its value: the step's choices
                    // keep one per `any` effect, whatever fails.
                    if e.value == nil {
                        let c = v.domain == .bool ? ctx.boolConst("any#\(anyTerms.count)") : ctx.intConst("any#\(anyTerms.count)")
                        anyTerms.append(c)
                        env.constrain(env.domainConstraint(c, v.domain))
                    }
                    continue
                }
                defined = key.defined
                slot += p
            }
            let value: SMTValue
            if let x = e.value {
                let t = tr.translate(x, env)
                defined = tr.conj(defined, t.defined)
                value = t.value
            } else {
                let c = v.domain == .bool ? ctx.boolConst("any#\(anyTerms.count)") : ctx.intConst("any#\(anyTerms.count)")
                anyTerms.append(c)
                env.constrain(env.domainConstraint(c, v.domain))
                value = .term(c, bool: v.domain == .bool)
            }
            effectsDefined = tr.conj(effectsDefined, defined)
            if !assigned.insert(slot).inserted {
                effectsDefined = tr.conj(effectsDefined, ctx.bool(false))
                alwaysFails = true
            }
            post[slot] = value
            let bounded = v.domain != .bool && v.domain != .int(nil)
            if let t = value.symbolic {
                let inDomain = env.domainConstraint(t, v.domain)
                open.append((t, e.variable, inDomain))
                if bounded { rangeChecks.append((e.variable, ctx.and([ctx.not(inDomain)] + (defined.map { [$0] } ?? [])))) }
            } else if let w = value.word, bounded, !system.inDomain(w, v.domain) {
                alwaysFails = true
                rangeChecks.append((e.variable, defined ?? ctx.bool(true)))
            }
        }
        let postEnv = ExplicitEnvironment(system: system, ctx: ctx, frame: frame, overrides: post, control: instance.to, sharing: env)
        var contracts: [(property: Int, failures: [Z3Term])] = []
        for (p, _, expr) in system.entryContracts[instance.to] {
            let c = tr.translate(expr, postEnv)
            let value = tr.term(c.value)
            if let d = c.defined {
                contracts.append((p, [ctx.and([d, ctx.not(value)]), ctx.not(d)]))
            } else {
                contracts.append((p, [ctx.not(value)]))
            }
        }
        if let found = try enumerate(inst, frame, env.observations) {
            enumeratedSteps += 1
            return found
        }
        let side = env.side
        var found: [Witness] = []

        // Evaluation errors: the guard, and apart from it an effect of an
        // enabled step (one witness for both could be the guard's, and the
        // step would then look disabled: no fired transition, a false deadlock).
        if let gd = g.defined, let w = try check(ctx.and(side + [ctx.not(gd)]), env, anyTerms: anyTerms) {
            found.append(Witness(snapshot: w.snapshot, any: w.any, purpose: .evalError))
        }
        if let ed = effectsDefined {
            let enabledHere = [gT] + (g.defined.map { [$0] } ?? [])
            if let w = try check(ctx.and(side + enabledHere + [ctx.not(ed)]), env, anyTerms: anyTerms) {
                found.append(Witness(snapshot: w.snapshot, any: w.any, purpose: .effectError))
            }
        }
        var base = [gT] + side
        if let d = g.defined { base.append(d) }
        if let d = effectsDefined { base.append(d) }
        var enabled = [gT] + side
        if let d = g.defined { enabled.append(d) }
        for r in rangeChecks {
            if let w = try check(ctx.and(enabled + [r.outside]), env, anyTerms: anyTerms) {
                found.append(Witness(snapshot: w.snapshot, any: w.any, purpose: .range(variable: r.variable)))
            }
        }
        if alwaysFails { return found }
        base += open.map(\.inDomain)
        // Each distinct successor, then each contract it may fail.
        func fix(_ values: [Int64]) -> [Z3Term] {
            open.indices.map { ctx.eq(open[$0].term, literal(values[$0], open[$0].variable)) }
        }
        var blocks: [Z3Term] = []
        var tuples: [[Int64]] = []
        while true {
            guard let w = try check(ctx.and(base + blocks), env, anyTerms: anyTerms, read: open.map(\.term)) else { break }
            let values = w.read
            found.append(Witness(snapshot: w.snapshot, any: w.any, purpose: .successor))
            tuples.append(values)
            if open.isEmpty { break }
            if tuples.count >= maxSuccessors {
                if sampleSuccessors { truncatedSteps += 1; break }
                throw .unknown("'\(transition.id)' has more than \(maxSuccessors) successors that depend on observations")
            }
            if let reason = budget.exhausted { throw .unknown(reason.description) }
            blocks.append(ctx.not(ctx.and(fix(values))))
        }
        for values in tuples {
            let fixed = fix(values)
            for c in contracts {
                // False for one snapshot and undefined for another breaks
                // both the contract and eval-error: one witness each.
                for failure in c.failures {
                    if let w = try check(ctx.and(base + fixed + [failure]), env, anyTerms: anyTerms) {
                        found.append(Witness(snapshot: w.snapshot, any: w.any, purpose: .contract(property: c.property)))
                    }
                }
            }
        }
        return found
    }

    private func literal(_ w: Int64, _ variable: Int) -> Z3Term {
        system.model.variables[variable].domain == .bool ? ctx.bool(w != 0) : ctx.int(w)
    }
}

/// The explicit engine's view of a state for translation: every variable a
/// known word (or, for the state entered, the step's effect), observations
/// fresh constants constrained to their domains.
final class ExplicitEnvironment: SMTEnvironment {
    let system: TransitionSystem
    let ctx: Z3Context
    let words: [Int64]
    let overrides: [Int: SMTValue]
    let controlIndex: Int
    /// The step's observations, shared by the environment of the state
    /// left and of the state entered (one snapshot per step).
    private let shared: SnapshotTerms

    var observations: SnapshotTerms { shared }
    var side: [Z3Term] { shared.side }

    /// A constraint on a constant the step chose (`:= any`), kept with the
    /// observations' domains.
    func constrain(_ c: Z3Term) { shared.constrain(c) }

    init(system: TransitionSystem, ctx: Z3Context, frame: Frame, overrides: [Int: SMTValue] = [:], control: Int? = nil,
         sharing other: ExplicitEnvironment? = nil) {
        self.system = system
        self.ctx = ctx
        words = Array(UnsafeBufferPointer(start: frame.vars, count: frame.varCount))
        self.overrides = overrides
        controlIndex = control ?? Int(frame.vars[0])
        shared = other?.shared ?? SnapshotTerms(prefix: "")
    }

    func variable(_ slot: Int) -> SMTValue {
        if let o = overrides[slot] { return o }
        return .word(words[slot + 1], bool: system.slotType(slot) == .bool)
    }

    func control() -> SMTValue { .word(Int64(controlIndex), bool: false) }

    func observation(_ o: Int, key: Int64?) -> SMTValue {
        .term(shared.term(Snapshot.Key(observation: o, key: key), system.model, ctx), bool: system.model.observations[o].domain == .bool)
    }
    func observation(_ o: Int, keyTerm: Z3Term) -> SMTValue {
        .term(shared.read(o, keyTerm: keyTerm, system.model, ctx), bool: system.model.observations[o].domain == .bool)
    }

    func domainConstraint(_ t: Z3Term, _ domain: Domain) -> Z3Term { system.model.constraint(t, in: domain, ctx) }
}

extension TransitionSystem {
    /// Whether a word is a value of a domain (what `fire` range-checks).
    func inDomain(_ w: Int64, _ domain: Domain) -> Bool {
        switch domain {
        case .bool: return w == 0 || w == 1
        case .int(let r): return r?.contains(w) ?? true
        case .enumeration(let e):
            guard let s = Int32(exactly: w) else { return false }
            return model.enums[e].values.contains(s)
        }
    }
}
