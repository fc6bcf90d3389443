import Testing
@testable import PBCheckCore

/// A deliberately naive checker: states are (control, [Value]) in a Set,
/// expressions go through the tree-walking `Evaluator`, nothing is packed
/// or compiled. The explicit engine must agree with it.
struct BruteForce: EvalContext {
    let model: TypedModel
    var controlState = 0
    var values: [Value] = []
    func variable(_ slot: Int) -> Value { values[slot] }
    func observation(_ slot: Int) -> Value { .bool(false) }

    struct State: Hashable { var control: Int; var values: [Value] }

    /// Reachable states and, per violated property id, the shortest length.
    static func run(_ model: TypedModel) -> (states: Int, violated: [String: Int]) {
        let ev = Evaluator(model: model)
        var violated: [String: Int] = [:]
        func note(_ id: String, _ len: Int) { if violated[id] == nil { violated[id] = len } }
        let start = State(control: model.initial, values: model.variables.flatMap { v -> [Value] in
            guard case .value(let x) = v.initial else { return [] }
            return Array(repeating: x, count: v.slotCount)
        })
        var seen: Set<State> = [start]
        var frontier = [start]
        var depth = 0
        func checkInvariants(_ s: State, _ len: Int) {
            var c = BruteForce(model: model, controlState: s.control, values: s.values)
            c.controlState = s.control
            var locals: [Value] = []
            for a in model.ancestry(of: s.control) {
                for (i, inv) in model.states[a].invariants.enumerated() {
                    do {
                        if try !ev.bool(inv.condition, c, &locals) { note("invariant:\(model.states[a].id):\(i)", len) }
                    } catch { note("eval-error", len) }
                }
            }
            for (i, inv) in model.globalInvariants.enumerated() {
                do {
                    if try !ev.bool(inv.condition, c, &locals) { note("global:\(i)", len) }
                } catch { note("eval-error", len) }
            }
        }
        checkInvariants(start, 0)
        while !frontier.isEmpty {
            var next: [State] = []
            for s in frontier {
                let c = BruteForce(model: model, controlState: s.control, values: s.values)
                var enabled = 0
                for t in model.transitions where t.from.contains(s.control) {
                    var locals: [Value] = []
                    do {
                        if let g = t.guardExpr, try !ev.bool(g, c, &locals) { continue }
                    } catch { note("eval-error", depth + 1); continue }
                    enabled += 1
                    var values = s.values
                    var ok = true
                    for e in t.effects {
                        guard let x = e.value, let v = try? ev.eval(x, c, &locals) else { note("eval-error", depth + 1); ok = false; break }
                        let info = model.variables[e.variable]
                        let inDomain: Bool
                        switch (info.domain, v) {
                        case (.int(let r?), .int(let i)): inDomain = r.contains(i)
                        default: inDomain = true
                        }
                        if !inDomain { note("range:\(info.name)", depth + 1); ok = false }
                        values[info.slot] = v
                    }
                    guard ok else { continue }
                    for f in model.forbidden where f.from.contains(s.control) && f.to.contains(t.to) {
                        note("forbidden:\(f.fromText)->\(f.toText)", depth + 1)
                    }
                    let succ = State(control: t.to, values: values)
                    if seen.insert(succ).inserted {
                        next.append(succ)
                        checkInvariants(succ, depth + 1)
                    }
                }
                if enabled == 0 && !model.states[s.control].isFinal { note("deadlock", depth) }
            }
            frontier = next
            depth += 1
        }
        return (seen.count, violated)
    }
}

/// Small random machines: a few control states, two bounded ints, guards,
/// effects that may leave the range or divide by zero, invariants,
/// forbidden edges.
struct RandomMachine {
    var seed: UInt64
    mutating func next(_ n: Int) -> Int {
        seed = seed &* 6364136223846793005 &+ 1442695040888963407
        return Int((seed >> 33) % UInt64(n))
    }

    mutating func yaml() -> String {
        let states = ["s0", "s1", "s2", "s3"].prefix(2 + next(3))
        let exprs = ["x", "y", "x + y", "x - 1", "y + 1", "(x + 1) % 4", "x / y", "3 - x", "x * 2"]
        let conds = ["x < y", "x == 0", "y != 2", "x + y <= 3", "true", "y % 2 == 0", "x > 1 || y == 3", "!(x == y)"]
        var t = ""
        for i in 0..<(3 + next(4)) {
            let from = states[next(states.count)], to = states[next(states.count)]
            var effects: [String] = []
            if next(3) > 0 { effects.append("\"x := \(exprs[next(exprs.count)])\"") }
            if next(2) > 0 { effects.append("\"y := \(exprs[next(exprs.count)])\"") }
            t += "    - { id: t\(i), from: \(from), to: \(to), event: e\(next(3)), guard: \"\(conds[next(conds.count)])\", effects: [\(effects.joined(separator: ", "))] }\n"
        }
        var s = ""
        for st in states {
            s += "    \(st):\n"
            if next(3) == 0 { s += "      final_state: true\n" }
            if next(2) == 0 { s += "      invariants: [{ condition: \"\(conds[next(conds.count)])\" }]\n" }
        }
        let f = "  forbidden: [{ from: \(states[next(states.count)]), to: \(states[next(states.count)]) }]\n"
        return """
        version: "1.0"
        machine:
          id: r
          initial: s0
          variables:
            x: { type: int, range: [0, 3], init: 0 }
            y: { type: int, range: [0, 3], init: \(next(4)) }
          invariants: [{ condition: "\(conds[next(conds.count)])" }]
          states:
        \(s)  transitions:
        \(t)\(f)
        """
    }
}

@Suite struct BruteForceTests {
    @Test func explicitEngineAgreesWithBruteForceOnRandomMachines() throws {
        var checked = 0
        for seed in 1...300 {
            var gen = RandomMachine(seed: UInt64(seed))
            let text = gen.yaml()
            guard let model = Pipeline.validate(text: text, path: "random-\(seed).yaml").model else { continue }
            checked += 1
            let expected = BruteForce.run(model)
            for jobs in [1, 2] {
                var o = ExplicitOptions()
                o.jobs = jobs
                o.parallelThreshold = 1
                let outcome = Verifier.run(model: model, options: o)
                #expect(outcome.stats.states == expected.states, "seed \(seed)\n\(text)")
                var ours: [String: Int] = [:]
                for r in outcome.properties where r.verdict == .violated && r.property.kind != .determinism {
                    ours[r.property.id] = r.trace?.length ?? -1
                }
                #expect(ours == expected.violated, "seed \(seed)\n\(text)")
            }
        }
        #expect(checked >= 200)
    }

    /// The walks on the same random machines: every violation they report
    /// is one the brute-force checker finds, never shorter than its
    /// shortest (BFS) trace and almost always exactly as short; they never
    /// claim `holds`. (Shrinking is a local search: on 2 of 300 machines
    /// here it stops 2 or 3 steps above the minimum, because the shorter
    /// way needs two steps the run never took.)
    @Test func walksAgreeWithBruteForceOnRandomMachines() throws {
        var checked = 0, found = 0, exact = 0, missed = 0
        for seed in 1...300 {
            var gen = RandomMachine(seed: UInt64(seed))
            let text = gen.yaml()
            guard let model = Pipeline.validate(text: text, path: "random-\(seed).yaml").model else { continue }
            checked += 1
            let expected = BruteForce.run(model)
            let outcome = walk(model, seed: UInt64(seed), runs: 200, depth: 30)
            for r in outcome.properties where r.property.kind != .determinism {
                #expect(r.verdict == .violated || r.verdict == .bounded, "seed \(seed): \(r.property.id)")
                if r.verdict == .violated {
                    found += 1
                    let shortest = try #require(expected.violated[r.property.id], "seed \(seed): \(r.property.id) is not violated\n\(text)")
                    let length = try #require(r.trace?.length)
                    #expect(length >= shortest, "seed \(seed): \(r.property.id)\n\(text)")
                    if length == shortest { exact += 1 }
                } else if expected.violated[r.property.id] != nil {
                    missed += 1
                }
            }
        }
        print("walks vs brute force on \(checked) machines: \(found) violations found, \(exact) at the shortest length, \(missed) missed")
        #expect(checked >= 200)
        #expect(found > 200)
        #expect(exact * 100 >= found * 99, "shrunk to the shortest length: \(exact) of \(found)")
        // Random sampling may miss a deep violation, but not many.
        #expect(missed * 20 < found, "walks missed \(missed) of \(found + missed) violations")
    }
}
