/// Shrinks a failing run while the *same property* still fails.
///
/// The shrinker holds the best run so far as its normalised choice
/// sequence (what a replay actually used) and only ever accepts a candidate
/// whose normalised sequence is smaller in shortlex order, so it terminates.
/// Passes are deterministic and run cheapest first; after any pass improves
/// the run the shrinker starts again from the first, until no pass improves
/// it (a fixed point) or the replay budget is spent:
///
/// 1. loops: a state visited twice — drop the steps between the visits;
/// 2. shortcuts: a stretch of steps that one step covers — replace it
///    (the playbook knows its states, which a generic shrinker cannot use);
/// 3. chunks: delete runs of consecutive steps, halving their size (ddmin);
/// 4. pairs: delete two steps at once (two toggles that cancel);
/// 5. order: sort the steps, then swap neighbours into order, so
///    that repeats gather and become loops for pass 1;
/// 6. values: lower each choice (an earlier transition or binding, a
///    simpler observation or `any` value, an earlier snapshot);
/// 7. detours: take another step at some point and drop the steps after it
///    (the shorter way to the failure may pass through states the run never
///    visited, and may need a later transition than the one taken).
///
/// With `excluded` endings (`--counterexamples N`: the counterexamples
/// already found), a replay breaks the property only where it ends
/// elsewhere, so shrinking cannot turn a second counterexample into the
/// first.
struct Shrinker {
    let walker: Walker
    let target: Int
    let maxReplays: Int
    /// Steps all replays together may take (long runs make each replay dear).
    let maxReplaySteps = 50_000_000
    private(set) var best: Walker.Run
    private(set) var replays = 0
    private(set) var replayedSteps = 0
    private(set) var exhausted = false
    /// Endings a run may not break the target at: a replay goes on past
    /// them to the next one.
    let excluded: Set<Walker.Ending>

    /// The ending of a run that hit its target (its last finding).
    static func ending(_ run: Walker.Run) -> Walker.Ending {
        let n = run.stepStarts.count
        guard run.findings.last?.atStep == true, n > 0, n - 1 < run.states.count, let last = run.stepChoices.last else {
            return Walker.Ending(state: run.states.last ?? run.initial, instance: nil)
        }
        // Every step but the last reached a state: the last leaves state n - 1.
        return Walker.Ending(state: run.states[n - 1], instance: last.instance)
    }

    /// Where the best run breaks the target.
    var ending: Walker.Ending { Shrinker.ending(best) }

    /// Replays `choices`; nil when they do not break `target` at an ending
    /// not `excluded` (without exclusions, a walk finding that does not
    /// replay is an internal error).
    init?(walker: Walker, target: Int, choices: [UInt64], maxReplays: Int, excluded: Set<Walker.Ending> = []) {
        self.walker = walker
        self.target = target
        self.maxReplays = maxReplays
        self.excluded = excluded
        // The run that broke it replays whatever the budget says: it is one
        // run the walk already took, and without it there is no trace.
        let budget = walker.budget
        walker.budget = .unlimited
        defer { walker.budget = budget }
        guard let run = Shrinker.replay(walker, target, choices, excluded: excluded) else { return nil }
        best = run
        replays = 1
    }

    static func replay(_ walker: Walker, _ target: Int, _ choices: [UInt64], excluded: Set<Walker.Ending> = []) -> Walker.Run? {
        var source = Walker.Source.replaying(choices)
        var wanted = Array(repeating: false, count: walker.system.properties.count)
        wanted[target] = true
        let run = walker.run(&source, wanted: &wanted, depth: Int.max, stopOnHit: true, trace: true, excluded: excluded)
        return run.hit ? run : nil
    }

    /// Replays a candidate; keeps it when it still breaks the property and
    /// is smaller.
    mutating func attempt(_ candidate: [UInt64]) -> Bool {
        guard replays < maxReplays && replayedSteps < maxReplaySteps && walker.budget.exhausted == nil else {
            exhausted = true
            return false
        }
        guard shortlexLess(candidate, best.record) else { return false }
        replays += 1
        replayedSteps += best.stepStarts.count
        guard let run = Shrinker.replay(walker, target, candidate, excluded: excluded), shortlexLess(run.record, best.record) else { return false }
        best = run
        return true
    }

    // MARK: The run as steps

    var stepCount: Int { best.stepStarts.count }

    /// The choices before the first step (initial values).
    var prefix: [UInt64] { Array(best.record[..<(best.stepStarts.first ?? best.record.count)]) }

    /// Each step's choices.
    var steps: [[UInt64]] {
        best.stepStarts.indices.map { k in
            let end = k + 1 < best.stepStarts.count ? best.stepStarts[k + 1] : best.record.count
            return Array(best.record[best.stepStarts[k]..<end])
        }
    }

    func joined(_ steps: [[UInt64]]) -> [UInt64] { prefix + steps.flatMap { $0 } }

    // MARK: Passes

    mutating func shrink() {
        let passes: [(inout Shrinker) -> Bool] = [
            { $0.removeLoops() }, { $0.shortcuts() }, { $0.deleteChunks() }, { $0.deletePairs() },
            { $0.reorder() }, { $0.lowerValues() }, { $0.detours() },
        ]
        outer: while !exhausted {
            for pass in passes where pass(&self) { continue outer }
            break
        }
    }

    /// Pass 1: drop the steps between two visits of one state, longest first.
    mutating func removeLoops() -> Bool {
        var first: [[UInt64]: Int] = [:]
        var loops: [(Int, Int)] = []
        for (k, s) in best.states.enumerated() {
            if let i = first[s] { loops.append((i, k)) } else { first[s] = k }
        }
        let steps = self.steps
        for (i, j) in loops.sorted(by: { ($0.1 - $0.0, $1.0) > ($1.1 - $1.0, $0.0) }) where j <= steps.count {
            if attempt(joined(Array(steps[..<i]) + Array(steps[j...]))) { return true }
        }
        return false
    }

    /// Pass 2: replace steps `i..<j` by one step from state `i` to state
    /// `j` (the last visit of that state), earliest `i` first.
    mutating func shortcuts() -> Bool {
        let n = stepCount
        guard n >= 2, best.states.count >= 3 else { return false }
        let steps = self.steps
        var lastVisit: [[UInt64]: Int] = [:]
        for (k, state) in best.states.enumerated() { lastVisit[state] = k }
        for i in 0..<(best.states.count - 2) {
            for (block, next) in walker.singleSteps(from: best.states[i]) {
                guard let next, let j = lastVisit[next], j >= i + 2, j <= n else { continue }
                if attempt(joined(Array(steps[..<i]) + [block] + Array(steps[j...]))) { return true }
                if exhausted { return false }
            }
        }
        return false
    }

    /// Pass 3: delete `k` consecutive steps, for `k` halving from `n/2` and
    /// every `k` up to 8 (a loop of three steps needs `k` = 3).
    mutating func deleteChunks() -> Bool {
        var improved = false
        var sizes = Set(1...max(1, min(8, stepCount - 1)))
        var half = stepCount / 2
        while half >= 1 { sizes.insert(half); half /= 2 }
        for k in sizes.sorted(by: >) {
            var start = stepCount - k
            while start >= 0 {
                let steps = self.steps
                if start + k <= steps.count, attempt(joined(Array(steps[..<start]) + Array(steps[(start + k)...]))) {
                    improved = true
                    start = min(start, stepCount - k)
                } else {
                    start -= 1
                }
                if exhausted { return improved }
            }
        }
        return improved
    }

    /// Pass 4: delete two steps that are not neighbours.
    mutating func deletePairs() -> Bool {
        let steps = self.steps
        let n = steps.count
        guard n >= 3, n <= 400 else { return false }
        for i in 0..<n {
            for j in stride(from: n - 1, to: i + 1, by: -1) {
                var rest = steps
                rest.remove(at: j)
                rest.remove(at: i)
                if attempt(joined(rest)) { return true }
                if exhausted { return false }
            }
        }
        return false
    }

    /// Pass 5: the steps sorted, then neighbours swapped into order.
    mutating func reorder() -> Bool {
        let steps = self.steps
        let sorted = steps.sorted { $0.lexicographicallyPrecedes($1) }
        if sorted != steps, attempt(joined(sorted)) { return true }
        for k in 0..<max(steps.count - 1, 0) where steps[k + 1].lexicographicallyPrecedes(steps[k]) {
            var swapped = steps
            swapped.swapAt(k, k + 1)
            if attempt(joined(swapped)) { return true }
        }
        return false
    }

    /// Pass 6: lower each choice (not the "more" choices: deleting steps is
    /// how runs get shorter): to 0, else by binary search.
    mutating func lowerValues() -> Bool {
        var improved = false
        var index = 0
        while index < best.record.count && !exhausted {
            let v = best.record[index]
            if v == 0 || best.stepStarts.contains(index) { index += 1; continue }
            var candidate = best.record
            candidate[index] = 0
            if attempt(candidate) { improved = true; index += 1; continue }
            // Binary search for the smallest value that still fails, while
            // the sequence keeps its shape.
            var lo: UInt64 = 0, hi = v
            while lo + 1 < hi && !exhausted {
                let mid = lo + (hi - lo) / 2
                var c = best.record
                guard index < c.count, c[index] == hi else { break }
                c[index] = mid
                if attempt(c) { hi = mid; improved = true } else { lo = mid }
            }
            index += 1
        }
        return improved
    }
}

extension Shrinker {
    /// Pass 7: at step `k`, each other step the state allows, followed by
    /// the run's steps from `k + 1 + d` on, for `d` from most to fewest
    /// dropped (only candidates shorter than the run).
    mutating func detours() -> Bool {
        let steps = self.steps
        let n = steps.count
        guard n >= 2, n <= 64 else { return false }
        for k in 0..<min(n - 1, best.states.count) {
            for (block, _) in walker.singleSteps(from: best.states[k]) where block != steps[k] {
                for d in stride(from: n - k - 1, through: 1, by: -1) {
                    if attempt(joined(Array(steps[..<k]) + [block] + Array(steps[(k + 1 + d)...]))) { return true }
                    if exhausted { return false }
                }
            }
        }
        return false
    }
}

extension Walker {
    /// Every single step from the packed state `from`, as its choices and
    /// the state it reaches (nil when it breaks range or evaluation):
    /// deterministic instances, `any` bindings (up to 256), Z3's witnesses
    /// (several may reach one state: one breaking a contract, one not).
    func singleSteps(from: [UInt64]) -> [(choices: [UInt64], successor: [UInt64]?)] {
        let model = system.model
        var overflow: EvalError?
        var unconfirmed: [String] = []
        let words = system.layout.words
        var blocks: [(choices: [UInt64], successor: [UInt64]?)] = []
        from.withUnsafeBufferPointer { p in
            // The kernel's steps, each as the choice block that takes it.
            _ = system.forEachStep(p.baseAddress!, ws: ws, oracle: oracle, anyLimit: 256, limit: &overflow, internalErrors: &unconfirmed) { ref, choice, f in
                guard f.enabled || !f.findings.isEmpty else { return true }
                let c = choice()
                var block: [UInt64] = [1, UInt64(ref.position)]
                if ref.witness >= 0 {
                    block.append(UInt64(ref.witness))
                    block += c.snapshot.values.keys.sorted().map { ranks.rank(c.snapshot.values[$0] ?? 0, model.observations[$0.observation].domain) }
                }
                block += c.any.enumerated().map { ranks.rank($0.element, anyDomains[ref.instance][$0.offset]) }
                blocks.append((block, f.successor ? Array(UnsafeBufferPointer(start: ws.out, count: words)) : nil))
                return true
            }
        }
        return blocks
    }
}
