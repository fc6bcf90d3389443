/// Picks and runs the engines for `verify` and gathers one outcome.
public enum Verifier {
    public enum Engine: String, Sendable, CaseIterable { case auto, explicit }

    /// Whether every declared domain is finite (the explicit search is
    /// then exhaustive by construction).
    public static func domainsFinite(_ model: TypedModel) -> Bool {
        model.variables.allSatisfy { v in
            if case .int(nil) = v.domain { return false }
            return true
        }
    }

    public static func run(model: TypedModel, engine: Engine = .auto, options: ExplicitOptions,
                           progress: SearchProgress? = nil, stop: StopFlag? = nil) -> CheckOutcome {
        let system = TransitionSystem(model: model, deadlock: options.deadlock)
        let note: String
        if domainsFinite(model) {
            note = engine == .auto ? "exhaustive breadth-first search (every declared domain is finite)" : "exhaustive breadth-first search"
        } else {
            note = "breadth-first search; some integers are unbounded, so it is exhaustive only if their reachable values stay finite (else it stops at --max-states)"
        }
        if let reason = system.unsupported {
            let props = system.properties.map {
                PropertyResult(property: $0, verdict: .unknown, bound: nil, trace: nil, detail: reason, settledBy: "explicit search")
            }
            return CheckOutcome(engine: "explicit", engineNote: note, complete: false, stopReason: reason, stats: SearchStats(),
                                properties: props, coverage: Coverage(), diagnostics: [])
        }
        let search = ExplicitSearch(system: system, options: options)
        search.progress = progress
        search.stopFlag = stop
        var outcome = search.run()
        outcome.engineNote = note
        let scenarios = ScenarioRunner(system: system, queryTimeoutMilliseconds: options.queryTimeoutMilliseconds).runAll()
        outcome.properties += scenarios.results
        outcome.diagnostics += scenarios.skipped
        return outcome
    }

    /// Only the scenarios and the scripted run (`pbcheck test`).
    public static func scenarios(model: TypedModel) -> CheckOutcome {
        let system = TransitionSystem(model: model)
        let (results, skipped) = ScenarioRunner(system: system).runAll()
        return CheckOutcome(engine: "scenarios", engineNote: nil, complete: true, stopReason: nil, stats: SearchStats(),
                            properties: results, coverage: Coverage(), diagnostics: skipped)
    }
}
