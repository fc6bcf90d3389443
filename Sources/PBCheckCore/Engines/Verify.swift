import Foundation

/// An engine the planner can schedule. Adding an engine is one type that
/// conforms and one rule in `Planner.plan`.
protocol CheckEngine {
    static var kind: EngineKind { get }
    /// Checks every property of `system` for one stage of a run.
    static func check(_ system: TransitionSystem, _ stage: Stage, _ run: StageRun) -> CheckOutcome
}

/// What every stage of one run shares: the request, the run's clock, its
/// budget (`timeout`, Ctrl-C) and where progress goes.
struct StageRun {
    let request: CheckRequest
    let started: Date
    let budget: Budget
    let progress: SearchProgress?
    let stop: StopFlag?

    /// An engine's own options with the shared ones laid over them; an
    /// engine's own timeout, when one was set, stays.
    func options<O: EmbedsCheckOptions>(_ own: O) -> O {
        var o = own
        o.common = request.common
        o.common.timeout = own.common.timeout ?? request.common.timeout
        o.common.clockStart = started
        return o
    }
}

extension ExplicitSearch: CheckEngine {
    static var kind: EngineKind { .explicit }
    static func check(_ system: TransitionSystem, _ stage: Stage, _ run: StageRun) -> CheckOutcome {
        if let reason = system.unsupported { return Verifier.undecided(system, engine: .explicit, reason: .unsupported(reason)) }
        var o = run.options(run.request.explicit)
        if stage.probe {
            o.maxStates = min(o.maxStates ?? Int.max, Verifier.autoExplicitStates)
            o.timeout = min(o.timeout.map { $0 / 4 } ?? o.autoExplicitSeconds, o.autoExplicitSeconds)
            o.maxSolverQueries = Verifier.autoExplicitQueries
            // One thread: the query share is then checked after every state.
            o.jobs = 1
        }
        let search = ExplicitSearch(system: system, options: o)
        search.progress = run.progress
        search.stopFlag = run.stop
        return search.run()
    }
}

extension SymbolicEngine: CheckEngine {
    static var kind: EngineKind { .symbolic }
    static func check(_ system: TransitionSystem, _ stage: Stage, _ run: StageRun) -> CheckOutcome {
        if let reason = SymbolicModel.tooLarge(system) { return Verifier.undecided(system, engine: .symbolic, reason: .unsupported(reason)) }
        var o = run.options(run.request.symbolic)
        if stage.when == .ifUnfinished && o.timeout == nil {
            // Spacer and k-induction need not terminate on unbounded machines.
            o.timeout = Verifier.autoSymbolicSeconds
            o.clockStart = Date()
        }
        let engine = SymbolicEngine(system: system, options: o)
        engine.stopFlag = run.stop
        engine.progress = run.progress
        return engine.run()
    }
}

extension WalkEngine: CheckEngine {
    static var kind: EngineKind { .walk }
    static func check(_ system: TransitionSystem, _ stage: Stage, _ run: StageRun) -> CheckOutcome {
        WalkEngine.run(system: system, options: run.options(run.request.walk), stop: run.stop)
    }
}

/// Runs the stages the planner chose for `verify` and gathers one outcome.
public enum Verifier {
    public enum Engine: String, Sendable, CaseIterable { case auto, explicit, symbolic, walk }

    static let engines: [EngineKind: CheckEngine.Type] = [
        ExplicitSearch.kind: ExplicitSearch.self, SymbolicEngine.kind: SymbolicEngine.self, WalkEngine.kind: WalkEngine.self,
    ]

    /// States, solver queries and seconds `auto` gives the explicit search
    /// before the symbolic engine on a machine with unbounded integers.
    public static let autoExplicitStates = 100_000
    public static let autoExplicitQueries = 2_000
    /// Seconds `auto` gives the symbolic engine when no `--timeout` is set.
    public static let autoSymbolicSeconds = 30.0

    /// The engines `Planner.plan` chooses, each stage run when its
    /// condition holds, merged by `merge`; then the obligations (in a Z3
    /// context of their own, so their witnesses depend only on the model)
    /// and the scenarios.
    public static func run(model: TypedModel, request: CheckRequest, progress: SearchProgress? = nil, stop: StopFlag? = nil) -> CheckOutcome {
        var request = request
        let started = request.common.clockStart ?? Date()
        request.common.clockStart = started
        let budget = Budget(timeout: request.common.timeout, stop: stop, from: started)
        let system = TransitionSystem(model: model, deadlock: request.common.deadlock, progress: request.common.progress, budget: budget)
        return run(system: system, request: request, progress: progress, stop: stop)
    }

    /// `run` on a model already compiled (with the request's `deadlock`
    /// and `progress`, and its clock already started).
    static func run(system: TransitionSystem, request: CheckRequest, progress: SearchProgress? = nil, stop: StopFlag? = nil) -> CheckOutcome {
        let model = system.model
        let started = request.common.clockStart ?? Date()
        let budget = Budget(timeout: request.common.timeout, stop: stop, from: started)
        let stages = Planner.plan(model, request)
        if let reason = system.stoppedWhileBuilding {
            let first = stages.lazy.compactMap { if case .engine(let k) = $0.kind { return k } else { return nil } }.first ?? .explicit
            var outcome = undecided(system, engine: first, reason: reason)
            outcome.stats.seconds = Date().timeIntervalSince(started)
            return outcome
        }
        let run = StageRun(request: request, started: started, budget: budget, progress: progress, stop: stop)
        var outcome: CheckOutcome?
        var ran: [Ran] = []
        for stage in stages {
            switch stage.kind {
            case .engine(let kind):
                if let so_far = outcome, !shouldRun(stage.when, after: so_far, request, stop) { continue }
                guard let engine = engines[kind] else { continue }
                let next = engine.check(system, stage, run)
                var settledHere = 0
                if let earlier = outcome {
                    (outcome, settledHere) = merge(earlier, next, laterIsMain: stage.when == .ifUnfinished)
                } else {
                    outcome = next
                }
                ran.append(Ran(stage: stage, outcome: next, elapsed: Date().timeIntervalSince(started), settledByEarlier: settledHere))
            case .obligations:
                if outcome != nil { addObligations(&outcome!, system, request.common, budget) }
            case .scenarios:
                if outcome != nil { addScenarios(&outcome!, system, request.common, budget) }
            }
        }
        guard var result = outcome else { return undecided(system, engine: .explicit, reason: .unsupported("no engine ran")) }
        if request.explainCoverage { result.coverage.why = ReachabilityExplainer.settle(result, model: model) }
        result.engineNote = note(ran, model, request)
        result.stats.seconds = Date().timeIntervalSince(started)
        return result
    }

    /// `run` with the options given per engine (the shared ones are taken
    /// from `options.common`).
    public static func run(model: TypedModel, engine: Engine = .auto, options: ExplicitOptions, walk: WalkOptions = WalkOptions(),
                           symbolic: SymbolicOptions = SymbolicOptions(), progress: SearchProgress? = nil, stop: StopFlag? = nil) -> CheckOutcome {
        var request = CheckRequest()
        request.engine = engine
        request.common = options.common
        request.explicit = options
        request.explicit.timeout = nil
        request.symbolic = symbolic
        request.walk = walk
        return run(model: model, request: request, progress: progress, stop: stop)
    }

    /// Whether a stage with condition `when` runs after `outcome`.
    static func shouldRun(_ when: Stage.When, after outcome: CheckOutcome, _ request: CheckRequest, _ stop: StopFlag?) -> Bool {
        if stop?.isStopped == true { return false }
        switch when {
        case .always: return true
        case .afterStateLimit: return outcome.stateLimitReached
        case .ifUnfinished:
            let stoppedAtViolation = outcome.properties.contains { $0.verdict == .violated && request.common.stops(at: $0.property) }
            return !outcome.complete && !stoppedAtViolation
        }
    }

    /// One rule for combining the outcomes of two stages, whichever they
    /// are. Per property, a later stage settles what the earlier left open
    /// (`bounded` beats `unknown`; `holds` and `violated` beat both); of two
    /// violations the shorter trace is kept, and on equal length the later
    /// stage's unless it only samples (walks). The plan's main engine (the
    /// one it is named after) gives the stop reason, completeness and the
    /// order of coverage and diagnostics; an exhaustive search's coverage
    /// is exact and replaces the other; counts add up, and a count the
    /// main engine does not make (the symbolic engine counts no states)
    /// comes from the stage that made it, when that stage settled something.
    /// Returns the merged outcome and how many properties the stage that
    /// is not the main one settled.
    static func merge(_ earlier: CheckOutcome, _ later: CheckOutcome, laterIsMain: Bool) -> (CheckOutcome, Int) {
        let (main, other) = laterIsMain ? (later, earlier) : (earlier, later)
        let laterSamples = later.engines.allSatisfy { $0 == .walk }
        var o = main
        let earlierByID = Dictionary(earlier.properties.map { ($0.property.id, $0) }, uniquingKeysWith: { a, _ in a })
        let laterByID = Dictionary(later.properties.map { ($0.property.id, $0) }, uniquingKeysWith: { a, _ in a })
        var fromOther = 0
        for (i, r) in o.properties.enumerated() {
            guard let e = earlierByID[r.property.id], let l = laterByID[r.property.id] else { continue }
            let takeLater = prefersLater(e, l, laterSamples: laterSamples)
            o.properties[i] = takeLater ? l : e
            if takeLater != laterIsMain { fromOther += 1 }
        }
        let exhaustive = [main, other].first { $0.complete && $0.engines == [.explicit] }
        o.coverage = exhaustive?.coverage ?? main.coverage.union(other.coverage)
        o.diagnostics = main.diagnostics + other.diagnostics
        o.stats.solverQueries = main.stats.solverQueries + other.stats.solverQueries
        o.walk = main.walk ?? other.walk
        o.symbolic = main.symbolic ?? other.symbolic
        if fromOther > 0 || other.engines.contains(.walk) {
            o.engines = main.engines + other.engines.filter { !main.engines.contains($0) }
            if main.symbolic != nil && main.stats.states == 0 {
                o.stats.states = other.stats.states
                o.stats.steps = other.stats.steps
            }
            o.complete = o.stopReason == nil && o.properties.allSatisfy { $0.verdict == .holds || $0.verdict == .violated }
        }
        return (o, fromOther)
    }

    /// Whether the later of two results for one property replaces the earlier.
    static func prefersLater(_ e: PropertyResult, _ l: PropertyResult, laterSamples: Bool) -> Bool {
        func rank(_ v: Verdict) -> Int {
            switch v {
            case .unknown: return 0
            case .bounded: return 1
            case .holds, .violated: return 2
            }
        }
        if e.verdict == .violated && l.verdict == .violated {
            let el = e.trace?.length ?? Int.max, ll = l.trace?.length ?? Int.max
            return ll < el || (ll == el && !laterSamples)
        }
        if rank(e.verdict) == 2 { return false }
        return rank(l.verdict) >= rank(e.verdict)
    }

    /// The sentence that says which engines ran and why.
    /// A stage that ran: its own outcome, the run's seconds when it ended,
    /// and (for a later stage) how many properties the other stage settled.
    struct Ran {
        var stage: Stage
        var outcome: CheckOutcome
        var elapsed: Double
        var settledByEarlier: Int
    }

    static func note(_ ran: [Ran], _ model: TypedModel, _ request: CheckRequest) -> String? {
        guard let first = ran.first?.stage, let firstOutcome = ran.first?.outcome else { return nil }
        let depth = request.symbolic.depth
        let symbolicNote = "bounded model checking up to depth \(depth) (\(RunOption.depth.flag)), k-induction and CHC (Z3); coverage is what BMC reached"
        var note: String?
        switch (first.kind, first.reason) {
        case (.engine(.walk), _): note = firstOutcome.engineNote
        case (.engine(.symbolic), .unboundedAny): note = "an unbounded `any` cannot be enumerated, so " + symbolicNote
        case (.engine(.symbolic), _): note = symbolicNote
        case (.engine(.explicit), _) where { if case .depthLimit = firstOutcome.stopReason { return true } else { return false } }():
            note = "breadth-first search up to the depth bound (\(RunOption.depth.flag)); within it, what holds is bounded evidence"
        case (.engine(.explicit), .finiteDomains): note = "exhaustive breadth-first search (every declared domain is finite)"
        case (.engine(.explicit), .unboundedIntegers):
            note = firstOutcome.complete ? "some integers are unbounded, but their reachable values stay finite: exhaustive breadth-first search"
                : "breadth-first search; some integers are unbounded"
        case (.engine(.explicit), _):
            note = Planner.domainsFinite(model) ? "exhaustive breadth-first search"
                : "breadth-first search; some integers are unbounded, so it is exhaustive only if their reachable values stay finite (else it stops at \(RunOption.maxStates.flag))"
        default: break
        }
        guard ran.count > 1 else { return note }
        let second = ran[1].stage, secondOutcome = ran[1].outcome
        switch second.kind {
        case .engine(.walk):
            return (note.map { $0 + "; " } ?? "") + "it stopped (\(firstOutcome.stopReason.map { "\($0)" } ?? "incomplete")), so random walks ran: "
                + (secondOutcome.engineNote ?? "")
        case .engine(.symbolic):
            let explicit = firstOutcome
            let timeShare = min(request.common.timeout.map { $0 / 4 } ?? request.explicit.autoExplicitSeconds, request.explicit.autoExplicitSeconds)
            let explicitSeconds = ran[0].elapsed
            let timeShareUsed = explicitSeconds >= timeShare && timeShare < (request.common.timeout ?? .infinity)
            let stateShare = explicit.stateLimitReached && autoExplicitStates < (request.explicit.maxStates ?? Int.max)
            let share = timeShareUsed ? "its share of \(secondsText(timeShare)) s"
                : stateShare ? "its share of \(autoExplicitStates) states" : explicit.stopReason.map { "\($0)" } ?? "incomplete"
            let symbolicTimeout = request.symbolic.timeout ?? request.common.timeout
            var text = "some integers are unbounded and the explicit search stopped after \(explicit.stats.states) states (\(share)), so "
                + symbolicNote + (symbolicTimeout == nil ? "; without \(RunOption.timeout.flag) the symbolic engine has \(secondsText(autoSymbolicSeconds)) s" : "")
            let settled = ran[1].settledByEarlier
            if settled > 0 { text += "; the explicit search found \(settled) violation\(settled == 1 ? "" : "s") the symbolic engine left open" }
            return text
        default: return note
        }
    }

    /// Every property `unknown` for `reason`: the engine cannot run.
    static func undecided(_ system: TransitionSystem, engine: EngineKind, reason: StopReason) -> CheckOutcome {
        let model = system.model
        let settledBy: Settlement = switch engine {
        case .explicit, .scenarios: .explicitSearch
        case .symbolic: .symbolic
        case .walk: .walk(runs: 0, depth: 0)
        }
        let props = system.properties.map {
            PropertyResult(property: $0, verdict: .unknown, bound: nil, trace: nil, detail: reason.description, settledBy: settledBy)
        }
        return CheckOutcome(engines: [engine], engineNote: nil, complete: false, stopReason: reason, stats: SearchStats(),
                            properties: props,
                            coverage: Coverage(model: model, visited: model.states.map { _ in false }, fired: model.transitions.map { _ in false }),
                            diagnostics: [])
    }

    /// The per-transition obligations over the control states the engine
    /// reached, assuming the invariants it proved.
    static func addObligations(_ outcome: inout CheckOutcome, _ system: TransitionSystem, _ options: CheckOptions, _ budget: Budget) {
        let names = Dictionary(uniqueKeysWithValues: system.model.states.enumerated().map { ($1.id, $0) })
        let reachable = outcome.coverage.reachableStates.compactMap { names[$0] }.sorted()
        let index = Dictionary(system.properties.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        let holds = Set(outcome.properties.filter { $0.verdict == .holds }.compactMap { index[$0.property.id] })
        let (report, diagnostics) = ObligationChecker.run(system: system, reachable: reachable, holds: holds,
                                                          queryTimeoutMilliseconds: options.queryTimeoutMilliseconds, budget: budget)
        outcome.obligations = report
        outcome.stalls = report.obligations.filter { $0.kind == .stall && $0.status == .fails }.map { $0.message ?? $0.state }
        outcome.diagnostics += diagnostics
        outcome.stats.solverQueries += report.queries ?? report.obligations.count
    }

    private static func addScenarios(_ outcome: inout CheckOutcome, _ system: TransitionSystem, _ options: CheckOptions, _ budget: Budget) {
        let scenarios = ScenarioRunner(system: system, queryTimeoutMilliseconds: options.queryTimeoutMilliseconds, budget: budget).runAll()
        outcome.properties += scenarios.results
        outcome.diagnostics += scenarios.skipped
    }

    /// Only the scenarios and the scripted run (`pbcheck test`).
    public static func scenarios(model: TypedModel, budget: Budget = .unlimited) -> CheckOutcome {
        let started = Date()
        let system = TransitionSystem(model: model)
        let (results, skipped) = ScenarioRunner(system: system, budget: budget).runAll()
        var stats = SearchStats()
        stats.seconds = Date().timeIntervalSince(started)
        return CheckOutcome(engines: [.scenarios], engineNote: nil, complete: true, stopReason: nil, stats: stats,
                            properties: results, coverage: Coverage(), diagnostics: skipped)
    }
}
