/// One property decided at one point of a run — a concrete state and the
/// step that led to it — through the kernel's checkers (`fire`'s findings,
/// `checkState`, `stepFindings`, and a forward search for progress). What
/// `replay`, `explore`'s `check` and a scenario's `holds:` ask.

/// What a property is at one point of a run.
public enum PointVerdict: Sendable, Equatable {
    case holds
    case violated(String)
    /// Not decided (Z3 could not, or the search for a final state hit its limit), and why.
    case unknown(String)
}

/// A point of a run: a state, and the findings of the step that reached it
/// (none for an initial state).
struct RunPoint {
    var packed: [UInt64]
    var stepFindings: [Finding]
}

extension TransitionSystem {
    /// Whether some final state can be reached from `packed` (SPEC §3.1
    /// progress): breadth-first over every step with a successor. Nil when
    /// the search met `maxStates` states, the budget, or a step Z3 could
    /// not decide, before it settled.
    func reachesFinal(from packed: [UInt64], oracle: SnapshotOracle, maxStates: Int, budget: Budget) -> (Bool?, String?) {
        var seen: Set<[UInt64]> = [packed]
        var queue = [packed]
        var head = 0
        let ws = makeWorkspace()
        var undecided: String?
        while head < queue.count {
            let s = queue[head]
            head += 1
            if model.states[Int(layout.get(0, in: s))].isFinal { return (true, nil) }
            if let reason = budget.exhausted { return (nil, reason.description) }
            var limit: EvalError?, errors: [String] = []
            var next: [[UInt64]] = []
            let survey = s.withUnsafeBufferPointer { p in
                forEachStep(p.baseAddress!, ws: ws, oracle: oracle, limit: &limit, internalErrors: &errors) { _, _, fired in
                    if fired.successor { next.append(Array(UnsafeBufferPointer(start: ws.out, count: layout.words))) }
                    return true
                }
            }
            if let u = survey?.undecided { undecided = undecided ?? u }
            for n in next where seen.insert(n).inserted {
                guard seen.count <= maxStates else { return (nil, "the search for a final state met \(maxStates) states") }
                queue.append(n)
            }
        }
        if let undecided { return (nil, "Z3 could not decide a step: \(undecided)") }
        return (false, nil)
    }

    /// Property `p` at `point`: a state property in its state, a step
    /// property in the step that reached it, deadlock and determinism in
    /// the state's set of steps, progress by a search from it.
    func check(_ p: Int, at point: RunPoint, oracle: SnapshotOracle, maxStates: Int = 1_000_000, budget: Budget = .unlimited) -> PointVerdict {
        let ws = makeWorkspace()
        layout.unpack(point.packed, into: ws.src.vars)
        if let f = point.stepFindings.first(where: { $0.property == p }) { return .violated(f.message) }
        var limit: EvalError?
        switch properties[p].kind {
        case .stateInvariant, .globalInvariant, .evalError:
            if let f = checkState(ws.src, limit: &limit).first(where: { $0.property == p }) { return .violated(f.message) }
            if let l = limit { return .unknown("a value beyond 64 bits: \(message(l))") }
            return .holds
        case .forbidden, .range, .scenario:
            return .holds
        case .deadlock, .determinism:
            var errors: [String] = []
            guard let survey = point.packed.withUnsafeBufferPointer({ forEachStep($0.baseAddress!, ws: ws, oracle: oracle, limit: &limit, internalErrors: &errors) { _, _, _ in true } }) else {
                return .unknown("the steps of this state could not be enumerated")
            }
            var unknown: String?
            let findings = stepFindings(survey, ws.src, oracle, unknown: &unknown) { $0 != p }
            if let f = findings.first(where: { $0.property == p }) { return .violated(f.message) }
            if let unknown { return .unknown("Z3 could not decide a step: \(unknown)") }
            return .holds
        case .progress:
            let (reaches, why) = reachesFinal(from: point.packed, oracle: oracle, maxStates: maxStates, budget: budget)
            switch reaches {
            case true?: return .holds
            case false?: return .violated("no final state can be reached from \(model.states[Int(ws.src.vars[0])].id)")
            case nil: return .unknown(why ?? "not settled")
            }
        }
    }

    /// Every property broken at `point` (progress left out: it needs a
    /// search, asked for by name).
    func brokenProperties(at point: RunPoint, oracle: SnapshotOracle) -> [(property: Int, message: String)] {
        properties.indices.compactMap { p in
            guard properties[p].kind != .progress, properties[p].kind != .scenario else { return nil }
            if case .violated(let m) = check(p, at: point, oracle: oracle) { return (p, m) }
            return nil
        }
    }
}
