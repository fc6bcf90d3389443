/// The `progress` property (SPEC §3.1) over an explored state graph: from
/// every reachable state some final state can still be reached. Decided by
/// one backward pass from the final states over the reversed edges; the
/// states it does not reach are trapped (a dead end, or a cycle no run
/// leaves: a livelock).
///
/// States are numbered in breadth-first order, so the lowest-numbered
/// trapped state has a shortest path from an initial state: the
/// counterexample is the trace into it.
struct ProgressGraph {
    /// `targets[start[s] ..< start[s + 1]]` are the successors of state `s`.
    var start: [Int] = [0]
    var targets: [UInt32] = []

    var stateCount: Int { start.count - 1 }

    /// Ends the successor list of the next state (states in number order).
    mutating func endState() { start.append(targets.count) }

    mutating func edge(to t: Int) { targets.append(UInt32(truncatingIfNeeded: t)) }

    var bytes: Int { start.count * MemoryLayout<Int>.stride + targets.count * MemoryLayout<UInt32>.stride }

    /// Which states reach a final state (`isFinal(s)`), by a backward
    /// breadth-first pass.
    func reachesFinal(isFinal: (Int) -> Bool) -> [Bool] {
        let n = stateCount
        // The reversed edges, bucketed by target.
        var reverseStart = [Int](repeating: 0, count: n + 1)
        for t in targets { reverseStart[Int(t) + 1] += 1 }
        for s in 0..<n { reverseStart[s + 1] += reverseStart[s] }
        var fill = reverseStart
        var sources = [UInt32](repeating: 0, count: targets.count)
        for s in 0..<n {
            for e in start[s]..<start[s + 1] {
                let t = Int(targets[e])
                sources[fill[t]] = UInt32(s)
                fill[t] += 1
            }
        }
        var reaches = [Bool](repeating: false, count: n)
        var queue: [Int] = []
        for s in 0..<n where isFinal(s) {
            reaches[s] = true
            queue.append(s)
        }
        var head = 0
        while head < queue.count {
            let t = queue[head]
            head += 1
            for e in reverseStart[t]..<reverseStart[t + 1] {
                let s = Int(sources[e])
                if !reaches[s] {
                    reaches[s] = true
                    queue.append(s)
                }
            }
        }
        return reaches
    }

    /// The states reachable from `s` (itself included), in breadth-first order.
    func reachable(from s: Int) -> [Int] {
        var seen: Set<Int> = [s]
        var order = [s]
        var head = 0
        while head < order.count {
            let u = order[head]
            head += 1
            for e in start[u]..<start[u + 1] where seen.insert(Int(targets[e])).inserted {
                order.append(Int(targets[e]))
            }
        }
        return order
    }
}

extension TransitionSystem {
    /// The progress findings of an explored graph: the first `limit`
    /// trapped states in state order (so shortest first) and why each is
    /// trapped; none when every state can still reach a final one.
    /// `control(s)` is the control state of state `s`.
    func progressFindings(_ graph: ProgressGraph, limit: Int = 1, control: (Int) -> Int) -> [(state: Int, finding: Finding)] {
        guard let p = progressProperty else { return [] }
        let reaches = graph.reachesFinal { model.states[control($0)].isFinal }
        var out: [(state: Int, finding: Finding)] = []
        for trapped in reaches.indices where !reaches[trapped] {
            guard out.count < limit else { break }
            out.append((trapped, Finding(property: p, message: trapMessage(graph, trapped, control: control))))
        }
        return out
    }

    /// Why state `trapped` reaches no final state: a dead end, or the
    /// states it can reach, none final.
    private func trapMessage(_ graph: ProgressGraph, _ trapped: Int, control: (Int) -> Int) -> String {
        let here = model.states[control(trapped)].id
        let message: String
        if graph.start[trapped] == graph.start[trapped + 1] {
            message = "no final state can be reached from \(here): no step leads out of it"
        } else {
            let onward = graph.reachable(from: trapped)
            var names: [String] = []
            for s in onward {
                let id = model.states[control(s)].id
                if !names.contains(id) { names.append(id) }
            }
            let shown = names.prefix(6).joined(separator: ", ") + (names.count > 6 ? ", …" : "")
            message = "no final state can be reached from \(here): none of the \(onward.count) states reachable from it (in \(shown)) is final"
        }
        return message
    }
}
