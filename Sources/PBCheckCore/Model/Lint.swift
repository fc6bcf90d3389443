/// The structural lint of SPEC §1.1: findings on the control graph alone,
/// guards read only as "present or absent". Warnings, never silent.
///
/// - Complexity: linear in the size of the model (states, the expanded
///   `from` lists of transitions and forbidden edges), so deep hierarchies
///   and many `*` transitions stay cheap.
enum Lint {
    static func run(_ m: TypedModel, into bag: inout DiagnosticBag) {
        // Which transitions leave each state.
        var outgoing = [[Int]](repeating: [], count: m.states.count)
        for (ti, t) in m.transitions.enumerated() {
            for s in t.from { outgoing[s].append(ti) }
        }
        // Read once: the loops below visit every (state, transition) pair.
        let target = m.transitions.map(\.to)
        let unguarded = m.transitions.map { $0.guardExpr == nil }

        // Reachable in the control graph; a superstate counts as reached
        // when any of its descendants is.
        var reached = [Bool](repeating: false, count: m.states.count)
        var queue = [m.initial]
        reached[m.initial] = true
        while let s = queue.popLast() {
            for ti in outgoing[s] {
                let to = target[ti]
                if !reached[to] { reached[to] = true; queue.append(to) }
            }
        }
        // A state whose subtree holds a reached state: mark each reached
        // state's ancestors, stopping where an earlier walk already did.
        var subtreeReached = reached
        for s in m.states.indices where reached[s] {
            var current = m.states[s].parent
            while let p = current, !subtreeReached[p] {
                subtreeReached[p] = true
                current = m.states[p].parent
            }
        }
        for s in m.states.indices where !reached[s] {
            if subtreeReached[s] { continue }
            bag.warning(.unreachableState, "state '\(m.states[s].id)' is unreachable from '\(m.states[m.initial].id)' in the transition graph",
                        at: m.states[s].loc)
        }

        // Events numbered in name order, so that sorting numbers sorts names.
        let events = Set(m.transitions.map(\.event)).sorted()
        let eventNumber = Dictionary(uniqueKeysWithValues: events.enumerated().map { ($1, $0) })
        let eventOf = m.transitions.map { eventNumber[$0.event] ?? 0 }
        var byEvent = [[Int]](repeating: [], count: events.count)
        var touched: [Int] = []
        for s in m.states.indices {
            let state = m.states[s]
            let isSuperstate = !state.children.isEmpty
            if !state.isFinal && !isSuperstate && outgoing[s].isEmpty {
                bag.warning(.noOutgoing, "state '\(state.id)' is not final and has no outgoing transition", at: state.loc)
            }
            // Unguarded transitions on one event.
            guard reached[s] else { continue }
            for ti in outgoing[s] where unguarded[ti] {
                if byEvent[eventOf[ti]].isEmpty { touched.append(eventOf[ti]) }
                byEvent[eventOf[ti]].append(ti)
            }
            for e in touched.filter({ byEvent[$0].count > 1 }).sorted() {
                let ts = byEvent[e]
                let names = ts.map { "'\(m.transitions[$0].id)'" }.joined(separator: " and ")
                bag.warning(.nondeterministicEvent,
                            "in state '\(state.id)', \(names) both fire on event '\(events[e])' without guards",
                            at: m.transitions[ts[1]].loc,
                            related: ts.map { .init(message: "transition '\(m.transitions[$0].id)'", location: m.transitions[$0].loc) })
            }
            for e in touched { byEvent[e].removeAll(keepingCapacity: true) }
            touched.removeAll(keepingCapacity: true)
        }

        for t in m.transitions where t.guardExpr == nil && t.from.contains(t.to) && t.effects.isEmpty {
            bag.warning(.unguardedSelfLoop, "transition '\(t.id)' is an unguarded self-loop on '\(m.states[t.to].id)' with no effects",
                        at: t.loc)
        }

        for f in m.forbidden {
            var leaves = [Bool](repeating: false, count: m.states.count), enters = leaves
            for s in f.from { leaves[s] = true }
            for s in f.to { enters[s] = true }
            for t in m.transitions where enters[t.to] && t.from.contains(where: { leaves[$0] }) {
                bag.warning(.forbiddenInTable,
                            "forbidden edge \(f.fromText) → \(f.toText) is also transition '\(t.id)' (\(t.fromText) → \(m.states[t.to].id))",
                            at: f.loc, related: [.init(message: "transition '\(t.id)'", location: t.loc)])
            }
        }
    }
}
