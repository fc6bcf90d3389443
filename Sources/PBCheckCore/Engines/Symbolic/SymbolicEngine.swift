import Foundation

@dynamicMemberLookup
public struct SymbolicOptions: Sendable, EmbedsCheckOptions {
    public var common = CheckOptions()
    /// Steps unrolled by bounded model checking at most.
    public var depth = 30
    /// Integers as bit-vectors where every domain is finite (`BitWidth`);
    /// off, Z3's integers everywhere (the tests compare the two).
    public var bitVectors = true
    public init() {}
}

/// What the symbolic engine measured, per depth (SPEC §4 Symbolic).
public struct SymbolicStats: Sendable, Codable {
    /// Wall seconds of each BMC depth (its property and coverage queries).
    public var bmcSeconds: [Double] = []
    /// Wall seconds of each k-induction round (k = index + 1).
    public var inductionSeconds: [Double] = []
    /// Wall seconds of each CHC (Spacer) query, by property id.
    public var chcSeconds: [CHCQuery] = []
    public struct CHCQuery: Sendable, Codable {
        public var property: PropertyID
        public var seconds: Double
        public var answer: String
    }
    public var queries = 0
    public init() {}
}

/// Bounded model checking and k-induction over the translated model.
///
/// At each depth `d`, in this order: every unsettled state check on state
/// `d` (a violation has `d` steps), every unsettled step check on step `d`
/// (`d + 1` steps), coverage of what is not reached yet; then the
/// transition relation of step `d` is asserted (incrementally: one solver,
/// push/pop around each query) and k-induction tries `k = d + 1` for what
/// is still open, on a second solver over the same path terms without the
/// initial states, with simple-path constraints. A counterexample is read
/// from the model as recorded choices and replayed through the explicit
/// engine's property checker before it is reported.
///
/// Verdicts: `violated` (BMC, replayed), `holds` (k-induction succeeded;
/// its base case is the BMC already done), `unknown` (Z3 unknown or a
/// query timeout, with the reason), else `bounded` to the depth reached.
///
/// With `counterexamples` N > 1, a violated property's checks are asked
/// again, each time with the endings found so far blocked (the final state
/// for a state check; the source state and the transition instance for a
/// step check), at the first counterexample's length and one step longer
/// only (a bound on the extra queries): fewer than N may come back even
/// where more exist deeper, and only what was found is reported.
public final class SymbolicEngine {
    let system: TransitionSystem
    let options: SymbolicOptions
    let ctx: Z3Context
    /// The translated model.
    let sym: SymbolicModel
    let path: Unrolling
    let bmc: Z3Solver
    let induction: Z3Solver
    var stats = SymbolicStats()
    let started = Date()
    /// `--timeout` and Ctrl-C, the whole run's from its start.
    var budget: Budget { Budget(timeout: options.timeout, stop: stopFlag, from: options.clockStart ?? started) }
    /// The end of the run (`--timeout`): no query runs past it.
    var deadline: Date? { budget.deadline }
    public var stopFlag: StopFlag?
    public var progress: SearchProgress?

    enum CheckState {
        case open
        case violated(length: Int, trace: Trace, message: String)
        case proven(k: Int)
        case provenCHC
        case unknown(String)
    }

    var state: [CheckState]
    /// Literals `a(check, j)` ⇒ the check is not broken at depth `j`.
    var literals: [[Z3Term]]
    var inductionDepth = 0
    var bmcDepth = -1
    var reachedStates: [Bool]
    var firedTransitions: [Bool]
    var internalErrors: [String] = []
    var stopReason: StopReason?
    /// Checks Spacer showed reachable (a violation deeper than BMC went).
    var chcReachable = Set<Int>()
    /// BMC depth after which Spacer tries what k-induction has not proven,
    /// first for at most `firstCHCBudget` ms each (k-induction may still
    /// prove it at a larger k), then once more with the whole query budget
    /// on what is still open at the end.
    ///
    /// On a finite model (integers as bit-vectors) Spacer runs once, with
    /// the short budget, after BMC and k-induction are done: there the
    /// SAT solver's k-induction settles most properties at a larger k for
    /// less than Spacer's try costs (bench/symbolic-results.md), and what
    /// is left is `bounded` by BMC anyway.
    let chcAfterDepth = 2
    let firstCHCBudget: UInt32 = 2_000
    var firstBudget: UInt32 { min(firstCHCBudget, options.queryTimeoutMilliseconds ?? UInt32.max) }
    /// Whether the model is encoded over bit-vectors (every domain finite).
    var finite: Bool { ctx.integerWidth != nil }
    var chcUndecided = Set<Int>()
    /// Checks whose k-induction query Z3 could not decide, with the k and
    /// the reason: a larger k only grows the query, so it is not retried.
    var inductionGaveUp: [Int: (k: Int, reason: String)] = [:]
    /// The instances of each transition (coverage asks for any of them).
    let instancesOf: [[Int]]
    /// Counterexamples kept per property at most (`--counterexamples`).
    let wantedCount: Int
    /// Per violated property: the length of its first counterexample, its
    /// further ones (N > 1), and the endings found so far.
    var firstLength: [Int: Int] = [:]
    var more: [Int: [Counterexample]] = [:]
    var endings: [Int: [Ending]] = [:]
    /// Properties whose further counterexamples are no longer looked for
    /// (an ending that cannot be blocked, a model that does not replay).
    var stopLooking = Set<Int>()

    /// Where a counterexample breaks its property, as values of the path's
    /// terms: the state (state checks), or the source state and the
    /// transition instance (step checks).
    struct Ending {
        var kind: CheckKind
        var values: [Z3Term]
        var instance: Int64?
    }

    public init(system: TransitionSystem, options: SymbolicOptions) {
        self.system = system
        self.options = options
        ctx = Z3Context(integerWidth: options.bitVectors ? BitWidth.of(system) : nil)
        sym = SymbolicModel(system: system, ctx: ctx)
        path = Unrolling(sym)
        var checks = sym.checks
        if !options.deadlock { checks.removeAll { system.properties[$0.property].kind == .deadlock } }
        sym.checks = checks
        // Bit-vectors without quantifiers: Z3's incremental SAT solver.
        let logic = ctx.integerWidth != nil && !checks.contains(where: sym.quantified) ? "QF_BV" : nil
        bmc = ctx.solver(timeoutMilliseconds: options.queryTimeoutMilliseconds, logic: logic)
        induction = ctx.solver(timeoutMilliseconds: options.queryTimeoutMilliseconds, logic: logic)
        state = Array(repeating: .open, count: checks.count)
        literals = Array(repeating: [], count: checks.count)
        reachedStates = Array(repeating: false, count: system.model.states.count)
        firedTransitions = Array(repeating: false, count: system.model.transitions.count)
        var byTransition = Array(repeating: [Int](), count: system.model.transitions.count)
        for (i, inst) in system.instances.enumerated() { byTransition[inst.transition].append(i) }
        instancesOf = byTransition
        wantedCount = max(1, options.common.counterexamples)
    }

    var checks: [PropertyCheck] { sym.checks }

    func isProven(_ c: Int) -> Bool {
        switch state[c] {
        case .proven, .provenCHC: return true
        default: return false
        }
    }

    func isOpen(_ c: Int) -> Bool {
        if case .open = state[c] { return true }
        return false
    }

    /// Whether check `c` still needs an answer: not settled, and its
    /// property not already violated by another of its checks.
    func unsettled(_ c: Int) -> Bool { isOpen(c) && !propertyViolated(c) }

    /// Whether the property of check `c` is already violated (its other
    /// checks need not run).
    func propertyViolated(_ c: Int) -> Bool {
        let p = checks[c].property
        return checks.indices.contains { i in
            guard checks[i].property == p, case .violated = state[i] else { return false }
            return true
        }
    }

    func query(_ s: Z3Solver, _ f: Z3Term, assuming: [Z3Term] = []) -> Z3Result {
        stats.queries += 1
        s.push()
        defer { s.pop() }
        s.assert(f)
        return s.check(assuming: assuming)
    }

    func timeLeft() -> Bool {
        guard let reason = budget.exhausted else { return true }
        stopReason = reason
        return false
    }

    public func run() -> CheckOutcome {
        bmc.deadline = deadline
        induction.deadline = deadline
        bmc.assert(path.at(sym.initial, 0))
        bmc.assert(path.at(sym.preDomain, 0))
        induction.assert(path.at(sym.preDomain, 0))
        coverStates(0)
        var d = 0
        while d <= options.depth && timeLeft() {
            let t0 = Date()
            bmcDepth = d
            check(.state, d)
            lookFurther(.state, d)
            check(.step, d)
            lookFurther(.step, d)
            coverTransitions(d)
            if checks.indices.contains(where: { c in
                guard case .violated = state[c] else { return false }
                return options.common.stops(at: system.properties[checks[c].property])
            }) {
                stopReason = .stopOnFirst
                break
            }
            // Step d belongs to the path from here on.
            bmc.assert(path.at(sym.transition, d))
            coverStates(d + 1)
            stats.bmcSeconds.append(Date().timeIntervalSince(t0))
            progress?.update(bmcDepth: d, open: checks.indices.filter { isOpen($0) }.count, seconds: Date().timeIntervalSince(started))
            let anyOpen = checks.indices.contains(where: unsettled)
            if anyOpen && timeLeft() {
                let t1 = Date()
                induct(k: d + 1)
                stats.inductionSeconds.append(Date().timeIntervalSince(t1))
            }
            if !finite && d == min(chcAfterDepth, options.depth) && timeLeft() { horn(budget: firstBudget) }
            let stillOpen = checks.indices.contains(where: unsettled)
            let covered = !firedTransitions.contains(false) && !system.model.covered(visited: reachedStates).contains(false)
            let looking = system.properties.indices.contains { looksFurther($0, steps: d + 1) }
            if !stillOpen && covered && !looking { break }
            d += 1
        }
        if finite {
            // Spacer once, short, on what BMC and k-induction left open.
            if timeLeft() { horn(budget: firstBudget) }
        } else if timeLeft() && firstCHCBudget < (options.queryTimeoutMilliseconds ?? UInt32.max) {
            // Spacer again, with the whole query budget, on what its first,
            // short try left undecided and BMC and k-induction did not settle.
            horn(budget: options.queryTimeoutMilliseconds, only: chcUndecided)
        }
        return outcome()
    }

    // MARK: BMC

    /// Every open check of `kind` at depth `d`: a state check on state `d`
    /// (a violation has `d` steps), a step check on step `d` (`d + 1`).
    private func check(_ kind: CheckKind, _ d: Int) {
        let steps = kind == .state ? d : d + 1
        for c in checks.indices where checks[c].kind == kind && unsettled(c) {
            guard timeLeft() else { return }
            switch query(bmc, path.at(checks[c].bad, d)) {
            case .unsat: continue
            case .unknown(let r):
                state[c] = .unknown("Z3 could not decide whether \(steps) step\(steps == 1 ? "" : "s") can break it (\(r))"
                                    + (steps > 0 ? "; fewer cannot" : ""))
            case .sat(let m): found(c, m, steps: steps)
            }
        }
    }

    /// A violation of check `c` in a model with `steps` steps: replayed
    /// through the property checker before it is believed.
    private func found(_ c: Int, _ m: Z3Model, steps: Int) {
        switch confirm(c, m, steps: steps) {
        case .failure(let reason): state[c] = .unknown(reason.message)
        case .success(let (trace, message)):
            state[c] = .violated(length: steps, trace: trace, message: message)
            let p = checks[c].property
            firstLength[p] = firstLength[p] ?? steps
            if wantedCount > 1 {
                let kind = checks[c].kind
                if let e = ending(kind, m, kind == .state ? steps : steps - 1) { endings[p, default: []].append(e) } else { stopLooking.insert(p) }
            }
        }
    }

    /// Why a model is not believed as a counterexample.
    struct NotBelieved: Error { var message: String }

    /// The replayed trace of check `c`'s violation in model `m` (with
    /// `steps` steps) and its message; or why it is not believed.
    private func confirm(_ c: Int, _ m: Z3Model, steps: Int) -> Result<(Trace, String), NotBelieved> {
        let p = checks[c].property
        // The model must satisfy the query (deadlock and determinism are not
        // re-decided by the replay, so this is what vouches for them).
        if case .bool(false)? = m.value(path.at(checks[c].bad, checks[c].kind == .state ? steps : steps - 1)) {
            internalErrors.append("\(system.properties[p].id): Z3's model does not satisfy the BMC query")
            return .failure(NotBelieved(message: "internal error: Z3's model does not satisfy the query"))
        }
        guard let (initial, choices) = path.choices(m, steps: steps) else {
            return .failure(NotBelieved(message: "the counterexample of \(steps) steps has a value beyond 64 bits, which the replayer cannot represent"))
        }
        let result = initial.withUnsafeBufferPointer { Replayer(system: system).replay(initial: $0.baseAddress!, choices: choices) }
        let atStep = checks[c].kind == .step
        if let l = result.overflow, result.error != nil || !result.shows(p, kind: system.properties[p].kind, atStep: atStep) {
            // Z3's integers are mathematical; the replayer's are 64-bit.
            return .failure(NotBelieved(message: "the counterexample of \(steps) step\(steps == 1 ? "" : "s") computes a value beyond 64 bits at \(l.loc), which the replayer cannot confirm"))
        }
        if let e = result.error {
            internalErrors.append("\(system.properties[p].id): BMC trace does not replay: \(e)")
            return .failure(NotBelieved(message: "internal error: the BMC counterexample does not replay (\(e))"))
        }
        guard result.shows(p, kind: system.properties[p].kind, atStep: atStep) else {
            internalErrors.append("\(system.properties[p].id): the replayed BMC trace does not break it")
            return .failure(NotBelieved(message: "internal error: the replayed BMC counterexample does not break the property"))
        }
        let findings = atStep ? result.lastStepFindings : result.finalStateFindings
        var message = findings.first { $0.property == p }?.message ?? message(for: p, result.trace)
        if system.properties[p].kind == .determinism {
            let snapshot = path.determinismSnapshot(m, steps)
            if !snapshot.values.isEmpty { message += " when \(system.describe(snapshot))" }
        }
        return .success((result.trace, message))
    }

    // MARK: Further counterexamples

    /// Whether property `p` wants another counterexample of `steps` steps:
    /// N > 1, it is violated and has fewer than N, and `steps` is at most
    /// one more than its first's length.
    func looksFurther(_ p: Int, steps: Int) -> Bool {
        guard wantedCount > 1, let first = firstLength[p], steps <= first + 1, !stopLooking.contains(p) else { return false }
        return 1 + (more[p]?.count ?? 0) < wantedCount
    }

    /// Asks each check of `kind` at depth `d` whose property looks further
    /// for another violation that ends elsewhere than every one found,
    /// until it has N or there is none at this depth.
    private func lookFurther(_ kind: CheckKind, _ d: Int) {
        guard wantedCount > 1 else { return }
        let steps = kind == .state ? d : d + 1
        for c in checks.indices where checks[c].kind == kind {
            let p = checks[c].property
            while looksFurther(p, steps: steps) && timeLeft() {
                let blocked = (endings[p] ?? []).filter { $0.kind == kind }.map { ctx.not(matches($0, d)) }
                guard case .sat(let m) = query(bmc, ctx.and([path.at(checks[c].bad, d)] + blocked)) else { break }
                guard let e = ending(kind, m, d), case .success(let (trace, message)) = confirm(c, m, steps: steps) else {
                    stopLooking.insert(p)
                    break
                }
                more[p, default: []].append(Counterexample(trace: trace, detail: message))
                endings[p, default: []].append(e)
            }
        }
    }

    /// The ending of a check of `kind` at depth `d` in model `m`; nil when
    /// a value is beyond 64 bits.
    private func ending(_ kind: CheckKind, _ m: Z3Model, _ d: Int) -> Ending? {
        var values: [Z3Term] = []
        for t in path.state(d).all {
            switch m.value(t) {
            case .bool(let b)?: values.append(ctx.bool(b))
            case .int(let i)?: values.append(ctx.int(i))
            default: return nil
            }
        }
        var instance: Int64?
        if kind == .step {
            guard case .int(let i)? = m.value(path.sel(d)) else { return nil }
            instance = i
        }
        return Ending(kind: kind, values: values, instance: instance)
    }

    /// The path at depth `d` ends as `e` does.
    private func matches(_ e: Ending, _ d: Int) -> Z3Term {
        var equal = zip(path.state(d).all, e.values).map { ctx.eq($0, $1) }
        if let i = e.instance { equal.append(ctx.eq(path.sel(d), ctx.int(i))) }
        return ctx.and(equal)
    }

    /// Deadlock and determinism are decided over all snapshots, which the
    /// replay does not re-decide: their message names the state.
    private func message(for p: Int, _ trace: Trace) -> String {
        let last = trace.steps.last?.state ?? trace.initial.state
        switch system.properties[p].kind {
        case .deadlock: return "no step can fire in \(last), for any snapshot"
        case .determinism: return "two transitions on one event are enabled together in \(last)"
        default: return "violated"
        }
    }

    /// The states some path of exactly `d` successful steps reaches (the
    /// path's first `d` steps are asserted when this is asked).
    ///
    /// One query for all the states not reached yet; each model marks the
    /// state it reaches, until none is left reachable at `d`.
    private func coverStates(_ d: Int) {
        let control = path.state(d).control
        while timeLeft() {
            let open = system.model.states.indices.filter { !reachedStates[$0] }
            guard !open.isEmpty else { return }
            guard case .sat(let m) = query(bmc, ctx.or(open.map { ctx.eq(control, ctx.int(Int64($0))) })),
                  case .int(let s)? = m.value(control), open.contains(Int(s)) else { return }
            reachedStates[Int(s)] = true
        }
    }

    /// The transitions enabled at step `d`, asked before step `d` joins the
    /// path: a step whose effects fail has no successor but still fired
    /// (SPEC §3.1), as in the explicit search.
    ///
    /// One query for all the transitions not fired yet; each model marks
    /// every one it enables, until none is left enabled at `d`.
    private func coverTransitions(_ d: Int) {
        while timeLeft() {
            let open = system.model.transitions.indices.filter { !firedTransitions[$0] }
            guard !open.isEmpty else { return }
            let enabled = open.map { path.at(transitionEnabled[$0], d) }
            guard case .sat(let m) = query(bmc, ctx.or(enabled)) else { return }
            var marked = false
            for (t, e) in zip(open, enabled) where m.value(e) == .bool(true) {
                firedTransitions[t] = true
                marked = true
            }
            // A model that enables none of them would loop: ask one by one.
            guard marked else { return coverEach(open, d) }
        }
    }

    /// The transitions of `open` enabled at step `d`, one query each.
    private func coverEach(_ open: [Int], _ d: Int) {
        for t in open where timeLeft() {
            if case .sat = query(bmc, path.at(transitionEnabled[t], d)) { firedTransitions[t] = true }
        }
    }

    /// Per transition: some instance of it is enabled, with the step's
    /// snapshot in its domains (a template).
    lazy var transitionEnabled: [Z3Term] = system.model.transitions.indices.map { t in
        ctx.and(sym.stepObs.side + [ctx.or(instancesOf[t].map { sym.instances[$0].enabled })])
    }

    // MARK: k-induction

    /// Tries `k` for the open checks together: a path of `k` steps from
    /// any state, all states distinct, none of them broken at depths
    /// `0..<k`, one broken at `k`. Unsatisfiable means all proven: BMC has
    /// shown depths `0..<k` clean. (Together, each is a strengthening of
    /// the others: on gateway N=5 every property is proven at k ≤ 3, where
    /// one by one they needed k = 9 or Spacer.)
    private func induct(k: Int) {
        while inductionDepth < k {
            let j = inductionDepth
            induction.assert(path.at(sym.transition, j))
            induction.assert(path.at(sym.preDomain, j + 1))
            for i in 0...j { induction.assert(path.distinct(i, j + 1)) }
            for c in checks.indices {
                if isProven(c) {
                    induction.assert(ctx.not(path.at(checks[c].bad, j)))
                    continue
                }
                let a = ctx.boolConst("k.\(c).\(j)")
                induction.assert(ctx.implies(a, ctx.not(path.at(checks[c].bad, j))))
                literals[c].append(a)
            }
            inductionDepth += 1
        }
        // The open checks together: their conjunction is k-inductive when
        // no path keeps all of them for k steps and breaks one at step k.
        // A model that breaks some drops those, and the rest are asked
        // again; a check k-inductive on its own is never dropped (the
        // model keeps it for k steps, so cannot break it at k).
        var group = checks.indices.filter { unsettled($0) && inductionGaveUp[$0] == nil && literals[$0].count >= k }
        while !group.isEmpty && timeLeft() {
            let bad = group.map { path.at(checks[$0].bad, k) }
            switch query(induction, ctx.or(bad), assuming: group.flatMap { literals[$0].prefix(k) }) {
            case .unsat:
                for c in group { proven(c, k: k) }
                return
            case .sat(let m):
                let broken = group.indices.filter { m.value(bad[$0]) != .bool(false) }
                // A model that breaks none of them would loop: ask one by one.
                guard !broken.isEmpty else { return inductEach(group, k: k) }
                let out = Set(broken.map { group[$0] })
                group.removeAll { out.contains($0) }
            case .unknown(let reason):
                // Alone, each query is smaller: ask one by one (one alone
                // was just asked).
                guard group.count > 1 else {
                    if timeLeft() { inductionGaveUp[group[0]] = (k, reason) }
                    return
                }
                return inductEach(group, k: k)
            }
        }
    }

    /// Check `c` is proven by k-induction: assumed from here on.
    private func proven(_ c: Int, k: Int) {
        state[c] = .proven(k: k)
        // What is proven holds in every reachable state: assume it.
        for j in 0...k { induction.assert(ctx.not(path.at(checks[c].bad, j))) }
    }

    /// k-induction for each of `group` on its own.
    private func inductEach(_ group: [Int], k: Int) {
        for c in group where unsettled(c) {
            guard timeLeft() else { return }
            switch query(induction, path.at(checks[c].bad, k), assuming: Array(literals[c].prefix(k))) {
            case .unsat: proven(c, k: k)
            case .unknown(let reason): if timeLeft() { inductionGaveUp[c] = (k, reason) }
            case .sat: break
            }
        }
    }

    // MARK: CHC

    /// The model over Z3's integers, in a context of its own, for Spacer
    /// when the engine's encoding is over bit-vectors.
    lazy var integerModel = SymbolicModel(system: system, ctx: Z3Context())

    /// Spacer on every open check: `Inv(init)`, `Inv(S) ∧ T ⇒ Inv(S')`,
    /// `Inv(S) ∧ bad ⇒ Err`; `Err` underivable means proven.
    private func horn(budget: UInt32?, only: Set<Int>? = nil) {
        guard !sym.opaqueTerms else { return }
        // Spacer reasons over integers far better than over bit-vectors: a
        // bit-vector model is translated again over Z3's integers for it.
        let source = ctx.integerWidth == nil ? sym : integerModel
        for c in checks.indices where unsettled(c) && !sym.quantified(checks[c]) && only.map({ $0.contains(c) }) != false {
            guard let bad = source.checks.first(where: { $0.property == checks[c].property && $0.kind == checks[c].kind })?.bad else { continue }
            guard timeLeft() else { return }
            let t0 = Date()
            chcUndecided.remove(c)
            let h = Z3Horn(timeoutMilliseconds: budget)
            h.deadline = deadline
            let hc = h.context
            let pre = source.pre.all.map(hc.translated), post = source.post.all.map(hc.translated)
            let vars = source.templateTerms.map(hc.translated)
            let inv = h.relation("Inv", like: pre)
            let err = h.relation("Err", like: [])
            h.rule(vars, hc.and([hc.translated(source.initial), hc.translated(source.preDomain)]), inv(pre), name: "init")
            h.rule(vars, hc.and([inv(pre), hc.translated(source.transition)]), inv(post), name: "step")
            h.rule(vars, hc.and([inv(pre), hc.translated(bad)]), err([]), name: "bad")
            var answer = h.query(err([]))
            if hc.termFailures > 0 { answer = .unknown("Z3 could not copy the model into the CHC engine") }
            stats.queries += 1
            let text: String
            switch answer {
            case .unreachable: state[c] = .provenCHC; text = "proven"
            case .reachable: chcReachable.insert(c); text = "reachable"
            case .unknown(let r): text = "unknown (\(r))"; chcUndecided.insert(c)
            }
            stats.chcSeconds.append(.init(property: system.properties[checks[c].property].id, seconds: Date().timeIntervalSince(t0), answer: text))
            if case .provenCHC = state[c] {
                for j in 0..<inductionDepth { induction.assert(ctx.not(path.at(checks[c].bad, j))) }
            }
        }
    }

    // MARK: Results

    func outcome() -> CheckOutcome {
        var results: [PropertyResult] = []
        let depth = bmcDepth
        for (p, prop) in system.properties.enumerated() {
            let mine = checks.indices.filter { checks[$0].property == p }
            var best: (length: Int, trace: Trace, message: String)?
            var unknown: String?
            var maxK = 0
            var allProven = true
            var byCHC = false
            var gaveUp: (k: Int, reason: String)?
            for c in mine {
                if let g = inductionGaveUp[c], g.k < gaveUp?.k ?? Int.max { gaveUp = g }
                switch state[c] {
                case .violated(let l, let t, let m):
                    if l < best?.length ?? Int.max { best = (l, t, m) }
                case .proven(let k): maxK = max(maxK, k)
                case .provenCHC: byCHC = true
                case .unknown(let r): unknown = unknown ?? r; allProven = false
                case .open: allProven = false
                }
            }
            if prop.kind == .progress {
                // Whether a final state stays reachable is a property of
                // the whole reachable graph, which BMC and induction do not
                // build; the explicit search decides it.
                results.append(PropertyResult(property: prop, verdict: .unknown, bound: nil, trace: nil,
                                              detail: "the symbolic engine proves safety properties; progress needs the reachable state graph, which only the explicit search builds",
                                              settledBy: .symbolic))
            } else if let (l, t, m) = best {
                var r = PropertyResult(property: prop, verdict: .violated, bound: nil, trace: t, detail: m, settledBy: .bmc(steps: l))
                if wantedCount > 1 {
                    let found = more[p] ?? []
                    r.moreCounterexamples = found.indices.sorted { (found[$0].trace.length, $0) < (found[$1].trace.length, $1) }.map { found[$0] }
                }
                if prop.kind == .determinism, let choices = t.choices {
                    // The kernel names the two steps at the trace's end.
                    let last = Replayer(system: system).replay(choices).finalState
                    let oracle = SnapshotOracle(system: system, queryTimeoutMilliseconds: options.queryTimeoutMilliseconds)
                    r.enabledTogether = system.enabledTogether(p, at: last, oracle: oracle)
                }
                results.append(r)
            } else if mine.isEmpty {
                results.append(PropertyResult(property: prop, verdict: .holds, bound: nil, trace: nil, detail: nil, settledBy: .noBadStep))
            } else if allProven {
                results.append(PropertyResult(property: prop, verdict: .holds, bound: nil, trace: nil, detail: nil,
                                              settledBy: byCHC && maxK == 0 ? .chc : .kInduction(k: maxK, chc: byCHC)))
            } else if mine.contains(where: { chcReachable.contains($0) && isOpen($0) }) {
                results.append(PropertyResult(property: prop, verdict: .unknown, bound: max(depth, 0), trace: nil,
                                              detail: "Spacer (CHC) shows a violation is reachable, deeper than the \(max(depth, 0)) steps BMC unrolled: rerun with a larger \(RunOption.depth.flag)",
                                              settledBy: .chc))
            } else if let u = unknown {
                results.append(PropertyResult(property: prop, verdict: .unknown, bound: nil, trace: nil, detail: u, settledBy: .symbolic))
            } else {
                let b = max(depth, 0)
                results.append(PropertyResult(property: prop, verdict: .bounded, bound: b, trace: nil,
                                              detail: "no violation up to depth \(b); "
                                                + (gaveUp.map { "k-induction could not decide k = \($0.k) (\($0.reason))" }
                                                    ?? "k-induction did not succeed up to k = \(inductionDepth)")
                                                + (stopReason.map { " (\($0))" } ?? ""),
                                              settledBy: .bmcDepth(b)))
            }
        }
        let coverage = Coverage(model: system.model, visited: reachedStates, fired: firedTransitions)
        var st = SearchStats()
        st.depth = max(depth, 0)
        st.seconds = Date().timeIntervalSince(started)
        st.solverQueries = stats.queries
        if ctx.termFailures > 0 {
            // A formula held `false` where Z3 failed to build a term: no
            // answer built on it is trusted.
            for i in results.indices where results[i].verdict != .violated {
                results[i].verdict = .unknown
                results[i].detail = "internal error: Z3 failed to build \(ctx.termFailures) term(s)"
            }
            internalErrors.append("Z3 failed to build \(ctx.termFailures) term(s); nothing proven on them is reported")
        }
        let diagnostics = internalErrors.map { Diagnostic.error(.internalError, "internal error: \($0)", at: nil) }
        // Complete: nothing stopped the run and every property is settled.
        let settled = results.allSatisfy { $0.verdict == .holds || $0.verdict == .violated }
        var o = CheckOutcome(engines: [.symbolic], engineNote: nil, complete: stopReason == nil && settled, stopReason: stopReason, stats: st,
                             properties: results, coverage: coverage, diagnostics: diagnostics)
        o.symbolic = stats
        return o
    }
}
