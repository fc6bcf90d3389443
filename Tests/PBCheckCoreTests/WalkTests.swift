import Foundation
import Testing
@testable import PBCheckCore

/// Runs the random walks on a model.
func walk(_ model: TypedModel, seed: UInt64, runs: Int = 1000, depth: Int = 100, jobs: Int = 1,
          deadlock: Bool = true) -> CheckOutcome {
    var o = WalkOptions()
    o.seed = seed
    o.runs = runs
    o.depth = depth
    o.jobs = jobs
    o.deadlock = deadlock
    return WalkEngine.run(system: TransitionSystem(model: model, deadlock: deadlock), options: o)
}

func load(_ text: String, _ name: String = "inline.yaml") throws -> TypedModel {
    let v = Pipeline.validate(text: text, path: name)
    return try #require(v.model, "\(name) does not load: \(v.diagnostics.map(\.message))")
}

/// The issue's shrink benchmark: a queue of capacity 8, a flag, a counter
/// mod 4; the invariant fails only when the queue is full, the flag set and
/// the counter at 2. The shortest counterexample has 11 steps.
let queueBug = """
version: "1.0"
machine:
  id: queue
  initial: run
  variables:
    len: { type: int, range: [0, 8], init: 0 }
    flag: { type: bool, init: false }
    c: { type: int, range: [0, 3], init: 0 }
  states:
    run:
      invariants: [{ condition: "!(len == 8 && flag && c == 2)" }]
  transitions:
    - { id: push, from: run, to: run, event: push, guard: "len < 8", effects: ["len := len + 1"] }
    - { id: pop, from: run, to: run, event: pop, guard: "len > 0", effects: ["len := len - 1"] }
    - { id: toggle, from: run, to: run, event: toggle, effects: ["flag := !flag"] }
    - { id: spin, from: run, to: run, event: spin, effects: ["c := (c + 1) % 4"] }
"""

@Suite struct WalkTests {
    /// Every seed shrinks to the one shortlex-least shortest trace, not
    /// only to its length: 8 pushes, a toggle and two spins.
    @Test func queueBugShrinksToTheShortestTraceOnEverySeed() throws {
        let model = try load(queueBug)
        let expected = Array(repeating: "push", count: 8) + ["toggle", "spin", "spin"]
        for seed in UInt64(1)...20 {
            let o = walk(model, seed: seed)
            let r = try #require(o.properties.first { $0.property.id == "invariant:run:0" })
            #expect(r.verdict == .violated, "seed \(seed)")
            #expect(r.trace?.steps.map(\.transition) == expected, "seed \(seed)")
            let shrink = try #require(r.shrink)
            #expect(shrink.originalLength > 11, "seed \(seed): the run found was already minimal, so nothing was shrunk")
            #expect(shrink.seed == seed)
        }
    }

    /// On every spec of the corpus the walks find each violation the
    /// exhaustive search finds, shrunk to the search's shortest length; they
    /// find nothing the search does not, and never claim `holds`.
    @Test func walksAgreeWithTheExplicitEngineOnTheCorpus() throws {
        for path in specFiles("specs/buggy") + specFiles("specs") {
            let model = try #require(Pipeline.validate(path: path).model)
            let explicit = try check(path)
            let shortest = Dictionary(explicit.properties.compactMap { r in r.trace.map { (r.property.id, $0.length) } },
                                      uniquingKeysWith: { a, _ in a })
            for seed: UInt64 in [1, 2] {
                let o = walk(model, seed: seed)
                #expect(o.diagnostics.filter { $0.severity == .error }.isEmpty, "\(path): \(o.diagnostics.map(\.message))")
                for r in o.properties {
                    #expect(r.verdict != .holds, "\(path): \(r.property.id) claims holds from samples")
                    switch r.verdict {
                    case .violated:
                        #expect(r.trace?.length == shortest[r.property.id], "\(path) seed \(seed): \(r.property.id)")
                    case .bounded:
                        #expect(shortest[r.property.id] == nil, "\(path) seed \(seed): \(r.property.id) missed")
                        #expect(r.bound == 1000)
                    case .unknown where r.property.kind == .progress:
                        // Sampled runs cannot show a final state stays reachable.
                        #expect(r.detail?.contains("explicit search") == true)
                    default:
                        Issue.record("\(path): \(r.property.id) is \(r.verdict)")
                    }
                }
            }
        }
    }

    /// The same seed gives the same runs and the same shrunk traces, with
    /// one thread or two.
    @Test func sameSeedSameResultsForAnyJobs() throws {
        let model = try #require(Pipeline.validate(path: repoPath("specs/federation-gateway.yaml")).model)
        let a = walk(model, seed: 7, runs: 300, jobs: 1)
        let b = walk(model, seed: 7, runs: 300, jobs: 1)
        let c = walk(model, seed: 7, runs: 300, jobs: 2)
        for other in [b, c] {
            #expect(other.walk?.steps == a.walk?.steps)
            #expect(other.walk?.runs == 300)
            #expect(other.properties.map(\.verdict) == a.properties.map(\.verdict))
            #expect(other.properties.map(\.trace) == a.properties.map(\.trace))
            #expect(other.properties.map { $0.shrink?.run } == a.properties.map { $0.shrink?.run })
        }
        #expect(a.properties.contains { $0.verdict == .violated })
        let d = walk(model, seed: 8, runs: 300)
        #expect(d.walk?.steps != a.walk?.steps, "another seed, other runs")
    }

    /// Each shrunk trace, replayed from its choices alone through the
    /// property checker, still breaks the same property.
    @Test func shrunkTracesReplayAndBreakTheSameProperty() throws {
        for path in specFiles("specs/buggy") + [repoPath("specs/federation-gateway.yaml")] {
            let model = try #require(Pipeline.validate(path: path).model)
            let system = TransitionSystem(model: model)
            let walker = Walker(system: system, queryTimeoutMilliseconds: nil)
            var source = Walker.Source.generate(WalkRandom(seed: 3))
            var wanted = system.properties.map { _ in true }
            var findings: [WalkFinding] = []
            for r in 0..<200 {
                source = .generate(WalkRandom(seed: 3, run: UInt64(r)))
                findings += walker.run(&source, wanted: &wanted, depth: 100, stopOnHit: false, trace: false).findings
            }
            for f in findings {
                var s = try #require(Shrinker(walker: walker, target: f.property, choices: f.choices, maxReplays: 10_000), "\(path)")
                s.shrink()
                #expect(s.best.stepStarts.count <= f.steps)
                let again = try #require(Shrinker.replay(walker, f.property, s.best.record), "\(path): shrunk choices do not replay")
                #expect(again.record == s.best.record, "\(path): replay is not stable")
                let replayed = Replayer(system: system).replay(initial: again.initial, choices: again.stepChoices)
                #expect(replayed.error == nil, "\(path)")
                let kind = system.properties[f.property].kind
                #expect(replayed.shows(f.property, kind: kind, atStep: again.findings.last?.atStep ?? false),
                        "\(path): \(system.properties[f.property].id)")
            }
        }
    }

    /// Deleting one step at a time cannot shrink these: two toggles that
    /// cancel, and six spins where two do. Pairs, loops and reordering can.
    @Test func redundantRepeatsAreRemoved() throws {
        let model = try load(queueBug)
        let system = TransitionSystem(model: model)
        let walker = Walker(system: system, queryTimeoutMilliseconds: nil)
        let p = try #require(system.properties.firstIndex { $0.id == "invariant:run:0" })
        // push=0 pop=1 toggle=2 spin=3; each step is [more=1, position].
        let steps = [2, 0, 0, 2, 0, 3, 0, 3, 0, 2, 0, 3, 0, 3, 0, 3, 3] // 3 toggles, 6 spins, 8 pushes
        let choices = steps.flatMap { [UInt64(1), UInt64($0)] }
        var s = try #require(Shrinker(walker: walker, target: p, choices: choices, maxReplays: 10_000))
        #expect(s.best.stepStarts.count == 17)
        s.shrink()
        #expect(s.best.stepStarts.count == 11)
        #expect(s.best.record == [0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 3].flatMap { [UInt64(1), UInt64($0)] })
    }

    /// Walks draw `init: any` and `:= any` over unbounded integers, which
    /// the explicit engine cannot enumerate; `verify` falls back to them.
    @Test func unboundedAnyIsSampledByWalksAndCheckedSymbolically() throws {
        let model = try load("""
        version: "1.0"
        machine:
          id: u
          initial: run
          variables:
            x: { type: int, init: any }
          states:
            run:
              invariants: [{ condition: "x != 3" }]
          transitions:
            - { id: pick, from: run, to: run, event: pick, effects: ["x := any"] }
        """)
        let o = walk(model, seed: 1)
        let inv = try #require(o.properties.first { $0.property.id == "invariant:run:0" })
        #expect(inv.verdict == .violated)
        #expect((inv.trace?.length ?? 99) <= 1)
        #expect(inv.trace.map { $0.steps.last?.vars ?? $0.initial.vars }?.first?.value == .int(3))

        // `verify` cannot enumerate `init: any` on an unbounded integer: it
        // takes the symbolic engine, whose BMC finds the initial x = 3.
        let v = Verifier.run(model: model, options: ExplicitOptions(), walk: { var w = WalkOptions(); w.seed = 1; return w }())
        #expect(v.engine == "symbolic")
        let sv = try #require(v.properties.first { $0.property.id == "invariant:run:0" })
        #expect(sv.verdict == .violated)
        #expect(sv.trace?.length == 0)
        #expect(sv.trace?.initial.vars.first?.value == .int(3))
    }

    /// Over `--max-states`, `verify` runs walks for what the search left
    /// unsettled: a violation beyond the limit is found, the rest bounded.
    @Test func verifyFallsBackToWalksOverTheStateLimit() throws {
        let model = try load(queueBug)
        var options = ExplicitOptions()
        options.maxStates = 20
        var w = WalkOptions()
        w.seed = 5
        let o = Verifier.run(model: model, options: options, walk: w)
        #expect(o.engine == "explicit+walk")
        #expect(!o.complete)
        let inv = try #require(o.properties.first { $0.property.id == "invariant:run:0" })
        #expect(inv.verdict == .violated)
        #expect(inv.trace?.length == 11)
        #expect(inv.settledBy == .walk(runs: 1000, depth: 100))
        #expect(o.properties.filter { $0.verdict == .bounded }.count == o.properties.count - 1)
        #expect(o.walk?.runs == 1000)
    }

    @Test func ranksRoundTripAndPutTheSimplestValueFirst() throws {
        let model = try load(queueBug)
        let ranks = ValueRanks(model: model)
        for v: Int64 in [-5, -1, 0, 1, 2, 100, Int64.max, Int64.min] {
            #expect(ranks.value(ranks.rank(v, .int(nil)), .int(nil)) == v)
        }
        #expect(ranks.value(0, .int(3...9)) == 3)
        #expect(ranks.value(0, .int(-4...(-2))) == -2)
        #expect(ranks.value(0, .int(-4...4)) == 0)
        for v: Int64 in -4...4 { #expect(ranks.value(ranks.rank(v, .int(-4...4)), .int(-4...4)) == v) }
        #expect(ranks.value(UInt64.max, .int(-4...4)) == -4 || ranks.value(UInt64.max, .int(-4...4)) == 4)
        #expect(ranks.value(0, .bool) == 0)
        #expect(shortlexLess([9], [0, 0]))
        #expect(shortlexLess([0, 1], [1, 0]))
        #expect(!shortlexLess([1, 0], [1, 0]))
    }

    /// A property no run breaks is `bounded`, with the runs counted.
    @Test func walksNeverClaimHolds() throws {
        let model = try #require(Pipeline.validate(path: repoPath("specs/buggy/correct-peterson.yaml")).model)
        let o = walk(model, seed: 11, runs: 50)
        #expect(!o.complete)
        #expect(o.properties.allSatisfy { $0.verdict == .bounded && $0.bound == 50 })
        #expect(o.properties.allSatisfy { $0.detail?.contains("50 sampled runs") == true })
    }

    /// A chain of six states where each state also has twenty self-loops:
    /// uniform runs rarely get far, runs biased toward what is not yet
    /// covered walk the chain to its end.
    @Test func coverageBiasReachesWhatUniformRunsMiss() throws {
        var states = "", transitions = ""
        for i in 0..<6 {
            states += "    s\(i): {}\n"
            transitions += "    - { id: noise\(i), from: s\(i), to: s\(i), event: noise, params: { k: ks } }\n"
            if i < 5 { transitions += "    - { id: advance\(i), from: s\(i), to: s\(i + 1), event: advance }\n" }
        }
        let model = try load("""
        version: "1.0"
        machine:
          id: chain
          initial: s0
          sets: { ks: "0..19" }
          states:
        \(states)  transitions:
        \(transitions)
        """)
        var options = WalkOptions()
        options.seed = 1
        options.runs = 20
        options.depth = 20
        let system = TransitionSystem(model: model)
        let uniform = WalkEngine.run(system: system, options: options)
        options.coverageBias = true
        let biased = WalkEngine.run(system: system, options: options)
        #expect(uniform.coverage.unreachableStates.contains("s5"))
        #expect(biased.coverage.unreachableStates.isEmpty)
        #expect(biased.coverage.neverFired.isEmpty)
    }
}
