/// The structural lint of SPEC §1.1: findings on the control graph alone,
/// guards read only as "present or absent". Warnings, never silent.
enum Lint {
    static func run(_ m: TypedModel, into bag: inout DiagnosticBag) {
        // Which transitions leave each state.
        var outgoing = [[Int]](repeating: [], count: m.states.count)
        for (ti, t) in m.transitions.enumerated() {
            for s in t.from { outgoing[s].append(ti) }
        }

        // Reachable in the control graph; a superstate counts as reached
        // when any of its descendants is.
        var reached = [Bool](repeating: false, count: m.states.count)
        var queue = [m.initial]
        reached[m.initial] = true
        while let s = queue.popLast() {
            for ti in outgoing[s] {
                let to = m.transitions[ti].to
                if !reached[to] { reached[to] = true; queue.append(to) }
            }
        }
        for s in m.states.indices where !reached[s] {
            let isSuperstate = !m.states[s].children.isEmpty
            if isSuperstate && m.descendants(of: s).contains(where: { reached[$0] }) { continue }
            bag.warning(.unreachableState, "state '\(m.states[s].id)' is unreachable from '\(m.states[m.initial].id)' in the transition graph",
                        at: m.states[s].loc)
        }

        for s in m.states.indices {
            let state = m.states[s]
            let isSuperstate = !state.children.isEmpty
            if !state.isFinal && !isSuperstate && outgoing[s].isEmpty {
                bag.warning(.noOutgoing, "state '\(state.id)' is not final and has no outgoing transition", at: state.loc)
            }
            // Unguarded transitions on one event.
            var byEvent: [String: [Int]] = [:]
            for ti in outgoing[s] where m.transitions[ti].guardExpr == nil {
                byEvent[m.transitions[ti].event, default: []].append(ti)
            }
            for (event, ts) in byEvent.sorted(by: { $0.key < $1.key }) where ts.count > 1 && reached[s] {
                let names = ts.map { "'\(m.transitions[$0].id)'" }.joined(separator: " and ")
                bag.warning(.nondeterministicEvent,
                            "in state '\(state.id)', \(names) both fire on event '\(event)' without guards",
                            at: m.transitions[ts[1]].loc,
                            related: ts.map { .init(message: "transition '\(m.transitions[$0].id)'", location: m.transitions[$0].loc) })
            }
        }

        for t in m.transitions where t.guardExpr == nil && t.from.contains(t.to) && t.effects.isEmpty {
            bag.warning(.unguardedSelfLoop, "transition '\(t.id)' is an unguarded self-loop on '\(m.states[t.to].id)' with no effects",
                        at: t.loc)
        }

        for f in m.forbidden {
            for t in m.transitions where t.to == f.to && t.from.contains(where: f.from.contains) {
                bag.warning(.forbiddenInTable,
                            "forbidden edge \(f.fromText) → \(m.states[f.to].id) is also transition '\(t.id)' (\(t.fromText) → \(m.states[t.to].id))",
                            at: f.loc, related: [.init(message: "transition '\(t.id)'", location: t.loc)])
            }
        }
    }
}
