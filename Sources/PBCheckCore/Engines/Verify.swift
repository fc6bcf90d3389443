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

    /// `--engine walk` runs only the random walks. `auto` runs the
    /// explicit search when every domain is finite (and the random walks
    /// for what it left unsettled when it stops at `--max-states`); with
    /// unbounded integers it first tries the explicit search on a small
    /// budget (their reachable values often stay finite, and then it is
    /// exhaustive), and otherwise the symbolic engine, keeping the
    /// violations the search found.
    public static func run(model: TypedModel, engine: Engine = .auto, options: ExplicitOptions, walk: WalkOptions = WalkOptions(),
                           symbolic: SymbolicOptions = SymbolicOptions(), progress: SearchProgress? = nil, stop: StopFlag? = nil) -> CheckOutcome {
        let started = options.clockStart ?? Date()
        var options = options
        options.clockStart = started
        let budget = Budget(timeout: options.timeout, stop: stop, from: started)
        let system = TransitionSystem(model: model, deadlock: options.deadlock, budget: budget)
        if let reason = system.stoppedWhileBuilding {
            var outcome = undecided(system, engine: engine == .auto ? Verifier.Engine.explicit.rawValue : engine.rawValue, reason: reason)
            outcome.stats.seconds = Date().timeIntervalSince(started)
            return outcome
        }
        var symbolic = symbolic
        symbolic.deadlock = options.deadlock
        symbolic.stopOnFirst = options.stopOnFirst
        symbolic.queryTimeoutMilliseconds = options.queryTimeoutMilliseconds
        if symbolic.timeout == nil { symbolic.timeout = options.timeout }
        symbolic.clockStart = started
        var walk = walk
        walk.deadlock = options.deadlock
        walk.jobs = options.jobs
        walk.queryTimeoutMilliseconds = options.queryTimeoutMilliseconds
        if walk.timeout == nil { walk.timeout = options.timeout }
        walk.clockStart = started
        let symbolicNote = "bounded model checking up to depth \(symbolic.depth) (--depth), k-induction and CHC (Z3); coverage is what BMC reached"

        func runSymbolic(_ options: SymbolicOptions) -> CheckOutcome {
            if let reason = SymbolicModel.tooLarge(system) { return undecided(system, engine: "symbolic", reason: reason) }
            let engineRun = SymbolicEngine(system: system, options: options)
            engineRun.stopFlag = stop
            engineRun.progress = progress
            return engineRun.run()
        }
        func runExplicit(_ options: ExplicitOptions) -> CheckOutcome {
            if let reason = system.unsupported { return undecided(system, engine: "explicit", reason: reason) }
            let search = ExplicitSearch(system: system, options: options)
            search.progress = progress
            search.stopFlag = stop
            return search.run()
        }

        var outcome: CheckOutcome
        switch engine {
        case .walk:
            outcome = WalkEngine.run(system: system, options: walk, stop: stop)
            addScenarios(&outcome, system, options, budget)
            return outcome
        case .symbolic:
            outcome = runSymbolic(symbolic)
            outcome.engineNote = symbolicNote
        case .explicit:
            outcome = runExplicit(options)
            outcome.engineNote = domainsFinite(model) ? "exhaustive breadth-first search"
                : "breadth-first search; some integers are unbounded, so it is exhaustive only if their reachable values stay finite (else it stops at --max-states)"
        case .auto where system.unsupported != nil:
            outcome = runSymbolic(symbolic)
            outcome.engineNote = "an unbounded `any` cannot be enumerated, so " + symbolicNote
        case .auto where domainsFinite(model):
            outcome = runExplicit(options)
            outcome.engineNote = "exhaustive breadth-first search (every declared domain is finite)"
            if outcome.stateLimitReached && stop?.isStopped != true {
                // The walks get what is left of --timeout.
                outcome = withWalks(outcome, WalkEngine.run(system: system, options: walk, stop: stop))
            }
        case .auto:
            var first = options
            first.maxStates = min(options.maxStates ?? Int.max, autoExplicitStates)
            let timeShare = min(options.timeout.map { $0 / 4 } ?? options.autoExplicitSeconds, options.autoExplicitSeconds)
            first.timeout = timeShare
            first.maxSolverQueries = autoExplicitQueries
            // One thread: the query share is then checked after every state.
            first.jobs = 1
            let explicit = runExplicit(first)
            let explicitSeconds = Date().timeIntervalSince(started)
            let stoppedAtViolation = options.stopOnFirst && explicit.properties.contains { $0.verdict == .violated && $0.property.severity != .warning }
            if explicit.complete || stoppedAtViolation || stop?.isStopped == true {
                outcome = explicit
                outcome.engineNote = explicit.complete
                    ? "some integers are unbounded, but their reachable values stay finite: exhaustive breadth-first search"
                    : "breadth-first search; some integers are unbounded"
                break
            }
            var rest = symbolic
            if rest.timeout == nil {
                rest.timeout = autoSymbolicSeconds
                rest.clockStart = Date()
            }
            outcome = withExplicit(runSymbolic(rest), explicit)
            let timeShareUsed = explicitSeconds >= timeShare && timeShare < (options.timeout ?? .infinity)
            let stateShare = explicit.stateLimitReached && first.maxStates != options.maxStates
            let share = timeShareUsed ? "its share of \(Budget.seconds(timeShare)) s"
                : stateShare ? "its share of \(autoExplicitStates) states" : explicit.stopReason ?? "incomplete"
            outcome.engineNote = "some integers are unbounded and the explicit search stopped after \(explicit.stats.states) states (\(share)), so "
                + symbolicNote + (symbolic.timeout == nil ? "; without --timeout the symbolic engine has \(Budget.seconds(autoSymbolicSeconds)) s" : "")
                + (outcome.engineNote.map { "; " + $0 } ?? "")
        }
        // The obligations get a context of their own: their witnesses
        // then depend only on the model, not on what the engine asked
        // Z3 before (reruns and machines give the same words).
        addObligations(&outcome, system, options, budget)
        addScenarios(&outcome, system, options, budget)
        outcome.stats.seconds = Date().timeIntervalSince(started)
        return outcome
    }

    /// States and seconds `auto` gives the explicit search before the
    /// symbolic engine on a machine with unbounded integers.
    public static let autoExplicitStates = 100_000
    public static let autoExplicitQueries = 2_000
    /// Seconds `auto` gives the symbolic engine when no `--timeout` is set
    /// (Spacer and k-induction need not terminate on unbounded machines).
    public static let autoSymbolicSeconds = 30.0

    /// Every property `unknown` for `reason`: the engine cannot run.
    static func undecided(_ system: TransitionSystem, engine: String, reason: String) -> CheckOutcome {
        let model = system.model
        let props = system.properties.map {
            PropertyResult(property: $0, verdict: .unknown, bound: nil, trace: nil, detail: reason, settledBy: engine == "explicit" ? "explicit search" : engine)
        }
        return CheckOutcome(engine: engine, engineNote: nil, complete: false, stopReason: reason, stats: SearchStats(),
                            properties: props,
                            coverage: Coverage(model: model, visited: model.states.map { _ in false }, fired: model.transitions.map { _ in false }),
                            diagnostics: [])
    }

    /// The symbolic outcome with what the explicit search settled among
    /// the properties it left open (bounded or unknown). A finished search
    /// settles them (exhaustive `holds` or a shortest violation) and its
    /// coverage is exact; one that stopped early contributes its
    /// violations (each replays) and what it reached.
    static func withExplicit(_ symbolic: CheckOutcome, _ explicit: CheckOutcome) -> CheckOutcome {
        var o = symbolic
        let byID = Dictionary(explicit.properties.map { ($0.property.id, $0) }, uniquingKeysWith: { a, _ in a })
        var settled = 0
        for (i, r) in o.properties.enumerated() where r.verdict == .bounded || r.verdict == .unknown {
            guard let e = byID[r.property.id], e.verdict == .violated || (explicit.complete && e.verdict == .holds) else { continue }
            o.properties[i] = e
            settled += 1
        }
        o.coverage = explicit.complete ? explicit.coverage : symbolic.coverage.union(explicit.coverage)
        o.diagnostics += explicit.diagnostics
        o.stats.solverQueries += explicit.stats.solverQueries
        guard settled > 0 else { return o }
        o.complete = o.stopReason == nil && o.properties.allSatisfy { $0.verdict == .holds || $0.verdict == .violated }
        o.engine = "symbolic+explicit"
        o.engineNote = explicit.complete
            ? "the explicit search found \(explicit.stats.states) reachable states (the unbounded values stay finite) and settled \(settled) propert\(settled == 1 ? "y" : "ies") left open"
            : "the explicit search found \(settled) violation\(settled == 1 ? "" : "s") the symbolic engine left open"
        o.stats.states = explicit.stats.states
        o.stats.steps = explicit.stats.steps
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
        o.coverage = explicit.coverage.union(walks.coverage)
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
