import Foundation

extension ExplicitSearch {
    /// The recorded choices from the initial state to `f`, rebuilt from
    /// parent links by re-expanding each parent, then replayed.
    func trace(_ property: Int, _ f: Found) -> (Trace?, String?) {
        var chain = [f.state]
        while let p = store.parent(chain[chain.count - 1]) { chain.append(p) }
        chain.reverse()
        var choices: [StepChoice] = []
        let ws = workspaces[0]
        for k in 0..<(chain.count - 1) {
            let parent = store.copy(chain[k])
            let target = store.copy(chain[k + 1])
            var chosen: StepChoice?
            var limit: EvalError?, unknown: String?, errors: [String] = []
            _ = parent.withUnsafeBufferPointer { p in
                expand(p.baseAddress!, ws: ws, oracle: oracles[0], limit: &limit, unknown: &unknown, internalErrors: &errors) { _, choice, fired in
                    guard fired.successor else { return true }
                    if (0..<store.words).allSatisfy({ ws.out[$0] == target[$0] }) { chosen = choice() }
                    return chosen == nil
                }
            }
            guard let c = chosen else { return (nil, "could not rebuild step \(k + 1) of the trace") }
            choices.append(c)
        }
        if let s = f.step { choices.append(s) }
        let result = store.copy(chain[0]).withUnsafeBufferPointer {
            Replayer(system: system).replay(initial: $0.baseAddress!, choices: choices)
        }
        if let e = result.error { return (nil, e) }
        let shows = result.shows(property, kind: system.properties[property].kind, atStep: f.step != nil)
        return shows ? (result.trace, nil) : (nil, "the replayed trace does not break \(system.properties[property].id)")
    }

    /// Why the coverage has gaps, over every state the search reached
    /// (expanded or left in the queue); exact when the search finished.
    func explainGaps(_ coverage: Coverage) -> CoverageWhy {
        let explainer = ReachabilityExplainer(system: system, queryTimeoutMilliseconds: options.queryTimeoutMilliseconds)
        explainer.budget = Budget(stop: stopFlag)
        return explainer.explain(coverage, exact: incomplete == nil) { body in
            for i in 0..<store.count where !body(store.state(i), i < expanded || incomplete == nil) { return }
        }
    }

    func outcome() -> CheckOutcome {
        var results: [PropertyResult] = []
        var diagnostics: [Diagnostic] = internalErrors.map { Diagnostic.error(.internalError, "internal error: \($0)", at: nil) }
        for (i, p) in system.properties.enumerated() {
            if let all = found[i], let f = all.first {
                let (trace, error) = self.trace(i, f)
                if let error {
                    diagnostics.append(.error(.internalError, "internal error: \(p.id): \(error)", at: p.location))
                    results.append(PropertyResult(property: p, verdict: .unknown, bound: nil, trace: nil,
                                                  detail: "internal error: \(error)", settledBy: .explicitSearch))
                } else {
                    var r = PropertyResult(property: p, verdict: .violated, bound: nil, trace: trace, detail: f.message,
                                           settledBy: .explicitSearch)
                    if wanted > 1 {
                        // A further one that does not replay is left out,
                        // and said: the first still stands.
                        var more: [Counterexample] = []
                        for g in all.dropFirst() {
                            let (t, e) = self.trace(i, g)
                            if let t { more.append(Counterexample(trace: t, detail: g.message)) }
                            else { diagnostics.append(.error(.internalError, "internal error: \(p.id): \(e ?? "no trace")", at: p.location)) }
                        }
                        r.moreCounterexamples = more
                    }
                    if p.kind == .determinism {
                        r.enabledTogether = system.enabledTogether(i, at: store.copy(f.state),
                                                                   oracle: oracles[0])
                    }
                    results.append(r)
                }
            } else if case .depthLimit(let k) = incomplete {
                // States at depth k were checked but not expanded: the
                // properties of their steps are known one step less deep.
                let within = p.kind == .deadlock || p.kind == .determinism ? k - 1 : k
                results.append(PropertyResult(property: p, verdict: p.kind == .progress ? .unknown : .bounded,
                                              bound: p.kind == .progress ? nil : within,
                                              detail: p.kind == .progress ? "the search stopped at its depth bound of \(k) steps, so the reachable graph is not all there"
                                                  : "no violation in the states within \(within) step\(within == 1 ? "" : "s") of an initial state",
                                              settledBy: .searchDepth(within)))
            } else if let reason = incomplete {
                results.append(PropertyResult(property: p, verdict: .unknown, bound: nil, trace: nil, detail: reason.description, settledBy: .explicitSearch))
            } else {
                results.append(PropertyResult(property: p, verdict: .holds, bound: nil, trace: nil, detail: nil, settledBy: .exhaustive))
            }
        }
        var coverage = Coverage(model: system.model, visited: reachedControls, edges: firedEdges)
        if coverage.hasGaps { coverage.why = explainGaps(coverage) }
        var stats = SearchStats()
        stats.states = store.count
        stats.steps = steps
        stats.depth = depth
        stats.seconds = Date().timeIntervalSince(started)
        stats.bytes = store.bytes
        stats.spilledBytes = store.spilledBytes
        stats.visitedOnDisk = store.diskKeyBytes
        stats.fingerprintCollision = store.collisionProbability
        stats.solverQueries = oracles.map(\.solverQueries).reduce(0, +)
        var outcome = CheckOutcome(engines: [.explicit], engineNote: nil, complete: incomplete == nil, stopReason: incomplete, stats: stats,
                                   properties: results, coverage: coverage, diagnostics: diagnostics)
        outcome.stateLimitReached = stateLimitReached
        return outcome
    }
}
