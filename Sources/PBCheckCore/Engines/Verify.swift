import Foundation

/// Picks and runs the engines for `verify` and gathers one outcome.
public enum Verifier {
    public enum Engine: String, Sendable, CaseIterable { case auto, explicit, symbolic, walk }

    /// Whether every declared domain is finite (the explicit search is
    /// then exhaustive by construction).
    public static func domainsFinite(_ model: TypedModel) -> Bool {
        model.variables.allSatisfy { v in
            if case .int(nil) = v.domain { return false }
            return true
        }
    }

    /// `--engine walk` runs only the random walks; `auto` also runs them
    /// when the explicit search cannot finish (over `--max-states`, or a
    /// machine it cannot enumerate), for the properties it left unsettled.
    public static func run(model: TypedModel, engine: Engine = .auto, options: ExplicitOptions, walk: WalkOptions = WalkOptions(),
                           symbolic: SymbolicOptions = SymbolicOptions(), progress: SearchProgress? = nil, stop: StopFlag? = nil) -> CheckOutcome {
        let budget = Budget(timeout: options.timeout, stop: stop)
        let system = TransitionSystem(model: model, deadlock: options.deadlock)
        var symbolic = symbolic
        symbolic.deadlock = options.deadlock
        symbolic.stopOnFirst = options.stopOnFirst
        symbolic.queryTimeoutMilliseconds = options.queryTimeoutMilliseconds
        if symbolic.timeout == nil { symbolic.timeout = options.timeout }
        if engine == .symbolic || (engine == .auto && (!domainsFinite(model) || system.unsupported != nil)) {
            let started = Date()
            let engineRun = SymbolicEngine(system: system, options: symbolic)
            engineRun.stopFlag = stop
            engineRun.progress = progress
            var outcome = engineRun.run()
            outcome.engineNote = (engine == .auto ? (system.unsupported != nil ? "an unbounded `any` cannot be enumerated, so " : "some integers are unbounded, so ") : "")
                + "bounded model checking up to depth \(symbolic.depth) (--depth), k-induction and CHC (Z3); coverage is what BMC reached"
            let unsettled = outcome.properties.contains { $0.verdict == .bounded || $0.verdict == .unknown }
            if engine == .auto && unsettled && system.unsupported == nil && outcome.stopReason == nil && stop?.isStopped != true {
                // An unbounded integer may still take finitely many values:
                // then the search settles what the proofs could not.
                var budget = options
                budget.maxStates = min(options.maxStates ?? Int.max, explicitBudget)
                if let t = options.timeout { budget.timeout = max(1, t - Date().timeIntervalSince(started)) }
                let search = ExplicitSearch(system: system, options: budget)
                search.stopFlag = stop
                outcome = withExplicit(outcome, search.run())
            }
            // The obligations get a context of their own: their witnesses
            // then depend only on the model, not on what the engine asked
            // Z3 before (reruns and machines give the same words).
            addObligations(&outcome, system, options, budget)
            addScenarios(&outcome, system, options, budget)
            outcome.stats.seconds = Date().timeIntervalSince(started)
            return outcome
        }
        var walk = walk
        walk.deadlock = options.deadlock
        walk.jobs = options.jobs
        walk.queryTimeoutMilliseconds = options.queryTimeoutMilliseconds
        if engine == .walk {
            var outcome = WalkEngine.run(system: system, options: walk, stop: stop)
            addScenarios(&outcome, system, options, budget)
            return outcome
        }
        let note: String
        if domainsFinite(model) {
            note = engine == .auto ? "exhaustive breadth-first search (every declared domain is finite)" : "exhaustive breadth-first search"
        } else {
            note = "breadth-first search; some integers are unbounded, so it is exhaustive only if their reachable values stay finite (else it stops at --max-states)"
        }
        var outcome: CheckOutcome
        if let reason = system.unsupported {
            let props = system.properties.map {
                PropertyResult(property: $0, verdict: .unknown, bound: nil, trace: nil, detail: reason, settledBy: "explicit search")
            }
            outcome = CheckOutcome(engine: "explicit", engineNote: note, complete: false, stopReason: reason, stats: SearchStats(),
                                   properties: props,
                                   coverage: Coverage(model: model, visited: model.states.map { _ in false }, fired: model.transitions.map { _ in false }),
                                   diagnostics: [])
        } else {
            let search = ExplicitSearch(system: system, options: options)
            search.progress = progress
            search.stopFlag = stop
            outcome = search.run()
            outcome.engineNote = note
        }
        if engine == .auto && (system.unsupported != nil || outcome.stateLimitReached) && stop?.isStopped != true {
            var walkOptions = walk
            // The walks get what is left of --timeout.
            if let t = options.timeout { walkOptions.timeout = max(1, t - outcome.stats.seconds) }
            outcome = withWalks(outcome, WalkEngine.run(system: system, options: walkOptions, stop: stop))
        }
        addObligations(&outcome, system, options, budget)
        addScenarios(&outcome, system, options, budget)
        return outcome
    }

    /// States the explicit search may visit after the symbolic engine left
    /// properties open on an unbounded machine.
    public static let explicitBudget = 1_000_000

    /// The symbolic outcome with what a finished explicit search settled
    /// among the properties it left open (bounded or unknown): exhaustive
    /// `holds` or a (shortest) violation. A search that did not finish
    /// settles nothing.
    static func withExplicit(_ symbolic: CheckOutcome, _ explicit: CheckOutcome) -> CheckOutcome {
        guard explicit.complete else { return symbolic }
        var o = symbolic
        let byID = Dictionary(explicit.properties.map { ($0.property.id, $0) }, uniquingKeysWith: { a, _ in a })
        var settled = 0
        for (i, r) in o.properties.enumerated() where r.verdict == .bounded || r.verdict == .unknown {
            guard let e = byID[r.property.id], e.verdict == .holds || e.verdict == .violated else { continue }
            o.properties[i] = e
            settled += 1
        }
        guard settled > 0 else { return o }
        o.complete = o.stopReason == nil && o.properties.allSatisfy { $0.verdict == .holds || $0.verdict == .violated }
        o.engine = "symbolic+explicit"
        o.engineNote = (o.engineNote ?? "") + "; then the explicit search found \(explicit.stats.states) reachable states (the unbounded values stay finite) and settled \(settled) propert\(settled == 1 ? "y" : "ies") left open"
        o.coverage = explicit.coverage
        o.stats.states = explicit.stats.states
        o.stats.steps = explicit.stats.steps
        o.stats.solverQueries += explicit.stats.solverQueries
        o.diagnostics += explicit.diagnostics
        return o
    }

    /// The per-transition obligations over the control states the engine
    /// reached, assuming the invariants it proved.
    static func addObligations(_ outcome: inout CheckOutcome, _ system: TransitionSystem, _ options: ExplicitOptions, _ budget: Budget) {
        let names = Dictionary(uniqueKeysWithValues: system.model.states.enumerated().map { ($1.id, $0) })
        let reachable = outcome.coverage.reachableStates.compactMap { names[$0] }.sorted()
        let holds = Set(outcome.properties.filter { $0.verdict == .holds }.compactMap { r in system.properties.firstIndex { $0.id == r.property.id } })
        let (report, diagnostics) = ObligationChecker.run(system: system, reachable: reachable, holds: holds,
                                                          queryTimeoutMilliseconds: options.queryTimeoutMilliseconds, budget: budget)
        outcome.obligations = report
        outcome.stalls = report.obligations.filter { $0.kind == .stall && $0.status == .fails }.map { $0.message ?? $0.state }
        outcome.diagnostics += diagnostics
        outcome.stats.solverQueries += report.obligations.count
    }

    private static func addScenarios(_ outcome: inout CheckOutcome, _ system: TransitionSystem, _ options: ExplicitOptions, _ budget: Budget) {
        let scenarios = ScenarioRunner(system: system, queryTimeoutMilliseconds: options.queryTimeoutMilliseconds, budget: budget).runAll()
        outcome.properties += scenarios.results
        outcome.diagnostics += scenarios.skipped
    }

    /// The explicit outcome with what the walks found for the properties it
    /// did not settle: a walk's violation, or `bounded` sampled evidence
    /// (never `holds`).
    static func withWalks(_ explicit: CheckOutcome, _ walks: CheckOutcome) -> CheckOutcome {
        var o = explicit
        o.engine = "explicit+walk"
        o.engineNote = (explicit.engineNote.map { $0 + "; " } ?? "") + "it stopped (\(explicit.stopReason ?? "incomplete")), so random walks ran: "
            + (walks.engineNote ?? "")
        let byID = Dictionary(walks.properties.map { ($0.property.id, $0) }, uniquingKeysWith: { a, _ in a })
        for (i, r) in o.properties.enumerated() where r.verdict == .unknown {
            if let w = byID[r.property.id] { o.properties[i] = w }
        }
        let states = Set(explicit.coverage.reachableStates + walks.coverage.reachableStates)
        let fired = Set(explicit.coverage.firedTransitions + walks.coverage.firedTransitions)
        o.coverage.reachableStates = (explicit.coverage.reachableStates + explicit.coverage.unreachableStates).filter { states.contains($0) }
        o.coverage.unreachableStates = (explicit.coverage.reachableStates + explicit.coverage.unreachableStates).filter { !states.contains($0) }
        o.coverage.firedTransitions = (explicit.coverage.firedTransitions + explicit.coverage.neverFired).filter { fired.contains($0) }
        o.coverage.neverFired = (explicit.coverage.firedTransitions + explicit.coverage.neverFired).filter { !fired.contains($0) }
        o.diagnostics += walks.diagnostics
        o.walk = walks.walk
        o.stats.solverQueries += walks.stats.solverQueries
        return o
    }

    /// Only the scenarios and the scripted run (`pbcheck test`).
    public static func scenarios(model: TypedModel, budget: Budget = .unlimited) -> CheckOutcome {
        let system = TransitionSystem(model: model)
        let (results, skipped) = ScenarioRunner(system: system, budget: budget).runAll()
        return CheckOutcome(engine: "scenarios", engineNote: nil, complete: true, stopReason: nil, stats: SearchStats(),
                            properties: results, coverage: Coverage(), diagnostics: skipped)
    }
}
