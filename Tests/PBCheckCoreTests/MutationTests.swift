import Foundation
import Testing
@testable import PBCheckCore

/// `pbcheck mutate` (SPEC §9): survivors predicted by hand, equivalence on
/// mutants equivalent by construction and on near misses, stillborn
/// mutants apart, counts that add up, and seeded samples.
@Suite struct MutationTests {
    static func run(_ v: ValidationResult, _ configure: (inout MutationOptions) -> Void = { _ in }) throws -> MutationOutcome {
        let model = try #require(v.model, "does not load: \(v.diagnostics.map(\.message))")
        var options = MutationOptions()
        options.jobs = 2
        configure(&options)
        return MutationRunner.run(spec: model.spec, model: model, options: options)
    }

    static func described(_ o: MutationOutcome, _ status: MutantResult.Status) -> [String] {
        o.results.filter { $0.status == status }.map(\.description)
    }

    static func addsUp(_ o: MutationOutcome) {
        let sum = MutantResult.Status.allCases.map { o.count($0) }.reduce(0, +)
        #expect(sum == o.results.count)
        #expect(o.results.map(\.index) == o.results.map(\.index).sorted())
    }

    /// specs/mutation/weak-breaker.yaml: its 30 mutants worked out by hand
    /// (the file's comments and this list say why each survivor survives).
    @Test func weakBreakerSurvivorsAreTheOnesPredictedByHand() throws {
        let o = try Self.run(Pipeline.validate(path: repoPath("specs/mutation/weak-breaker.yaml")))
        #expect(o.generated == 30)
        #expect(Self.described(o, .survived) == [
            // Nothing fires by event, and the swapped events stay deterministic.
            "events of 'fail' (line 29) and 'reset' (line 41) swapped: failure ↔ timeout",
            "events of 'trip' (line 35) and 'reset' (line 41) swapped: failure ↔ timeout",
            // `fail` that does not count: the breaker never opens, and no
            // property says it must be able to.
            "effect of 'fail' (line 31): failures := failures + 1 removed",
            "effect of 'fail' (line 31): failures := failures + 1 → failures := failures + 0",
            // Counting by two skips failures = 1; nothing looks at the count.
            "effect of 'fail' (line 31): failures := failures + 1 → failures := failures + 2",
            // Open at 4 instead of 3: still >= 1, and `reset` still fires.
            "effect of 'trip' (line 37): failures := failures + 1 → failures := failures + 2",
            // Closed again at 1: still within the loose invariant of `closed`.
            "effect of 'reset' (line 43): failures := 0 → failures := 1",
        ])
        // The breaker only opens at failures = 3, so `>= 2` lets through
        // exactly what `>= 3` does.
        #expect(Self.described(o, .equivalent) == ["guard of 'reset' (line 42): failures >= 3 → failures >= 2"])
        #expect(o.count(.stillborn) == 0 && o.count(.unknown) == 0)
        #expect(o.count(.killed) == 22)
        #expect(o.score == 22.0 / 29.0)
        Self.addsUp(o)
        // What killed them: removing `open` deadlocks at failures = 2; a
        // negated `trip` is enabled beside `fail`.
        let byDescription = Dictionary(uniqueKeysWithValues: o.results.map { ($0.description, $0) })
        #expect(byDescription["state 'open' (line 21) removed, with transitions 'trip' and 'reset'"]?.killedBy == [.deadlock])
        #expect(byDescription["guard of 'trip' (line 36): failures >= 2 → !(failures >= 2)"]?.killedBy == [.determinism(state: "closed", event: "failure")])
        #expect(byDescription["effect of 'reset' (line 43): failures := 0 → failures := -1"]?.killedBy == [.range("failures")])

        // The playbook's own mutations, beside what was found.
        let f = o.falsification
        #expect(f.map(\.id) == ["no-reset", "swap-trip-reset", "flaky-network"])
        #expect(f[0].mutationClass == .m2 && f[0].mutants.count == 1)
        #expect(o.results.first { $0.index == f[0].mutants[0] }?.status == .killed)
        #expect(f[1].mutationClass == .m3 && f[1].mutants.count == 1)
        #expect(o.results.first { $0.index == f[1].mutants[0] }?.status == .survived)
        #expect(f[2].mutationClass == nil && f[2].notInterpreted != nil && f[2].mutants.isEmpty)
    }

    static let guarded = """
        version: "1.0"
        machine:
          id: "m"
          initial: "a"
          variables:
            x: { type: int, range: [0, 3], init: 0 }
          states:
            a: {}
            b: {}
          transitions:
            - id: "up"
              from: "a"
              to: "a"
              event: "tick"
              guard: "x < 3"
              effects: ["x := x + 1"]
            - id: "go"
              from: "a"
              to: "b"
              event: "go"
              guard: "x >= 2 && x >= 1"
            - id: "back"
              from: "b"
              to: "a"
              event: "back"
              effects: ["x := 0"]
        """

    /// `x >= 1` is implied by `x >= 2`: dropping it, or weakening or
    /// tightening it short of `x >= 2`, changes nothing; a change that lets
    /// `go` fire at x = 1, or only at x = 3, is a near miss.
    @Test func equivalenceByConstructionAndNearMisses() throws {
        let o = try Self.run(validate(Self.guarded)) { $0.classes = [.m6, .m8] }
        let status = Dictionary(uniqueKeysWithValues: o.results.map { ($0.description, $0.status) })
        let g = "guard of 'go' (line 21): x >= 2 && x >= 1"
        #expect(status["\(g) → x >= 2"] == .equivalent)
        #expect(status["\(g) → x >= 2 && x >= 0"] == .equivalent)
        #expect(status["\(g) → x >= 2 && x >= 2"] == .equivalent)
        #expect(status["\(g) → x >= 2 && x > 1"] == .equivalent)
        #expect(status["\(g) → x >= 1"] == .survived)
        #expect(status["\(g) → x >= 1 && x >= 1"] == .survived)
        #expect(status["\(g) → x >= 3 && x >= 1"] == .survived)
        #expect(status["\(g) → x > 2 && x >= 1"] == .survived)
        // `x < 3` → `x < 4` lets `up` leave the range: killed.
        #expect(status["guard of 'up' (line 15): x < 3 → x < 4"] == .killed)
        Self.addsUp(o)
    }

    /// A mutant that no longer type-checks is stillborn: listed apart,
    /// never killed, not in the score.
    @Test func stillbornMutantsAreApart() throws {
        let yaml = Self.guarded.replacingOccurrences(of: "  states:\n", with: """
              invariants:
                - description: "b is only entered with x at 2 or more"
                  condition: "in_state('b') => x >= 2"
              states:

            """)
        let o = try Self.run(validate(yaml)) { $0.classes = [.m1] }
        #expect(o.results.count == 1)
        let r = try #require(o.results.first)
        #expect(r.status == .stillborn)
        #expect(r.detail?.contains("'b'") == true)
        #expect(o.score == nil)
    }

    /// `--max-mutants`: the same seed draws the same sample, in list order.
    @Test func theSameSeedDrawsTheSameSample() throws {
        let v = Pipeline.validate(path: repoPath("specs/mutation/weak-breaker.yaml"))
        let model = try #require(v.model)
        let all = MutantGenerator.mutants(of: model.spec)
        let a = MutationRunner.sample(all, max: 10, seed: 7).map(\.index)
        let b = MutationRunner.sample(all, max: 10, seed: 7).map(\.index)
        let c = MutationRunner.sample(all, max: 10, seed: 8).map(\.index)
        #expect(a.count == 10 && a == b && a == a.sorted())
        #expect(a != c)
        #expect(MutationRunner.sample(all, max: 100, seed: 7).count == all.count)
        let o = try Self.run(v) { $0.maxMutants = 10; $0.seed = 7 }
        #expect(o.results.map(\.index) == a)
        #expect(o.generated == all.count)
        Self.addsUp(o)
    }

    /// The two deciders agree: no mutant the check kills has the original's
    /// labelled graph (an equivalent mutant has the original's verdicts).
    /// Every mutant of every playbook in the corpora, a seeded sample of
    /// the larger ones; the checks also run when the graph says equivalent.
    @Test(arguments: GoldenTests.files(in: "specs") + GoldenTests.files(in: "specs/buggy") + GoldenTests.files(in: "specs/mutation"))
    func noKilledMutantHasTheOriginalsGraph(_ relative: String) throws {
        let model = try #require(Pipeline.validate(path: repoPath(relative)).model)
        var options = MutationOptions()
        options.request.explicit.autoExplicitSeconds = 1_000_000
        let check = MutationRunner.prepare(spec: model.spec, model: model, options: options)
        let all = MutantGenerator.mutants(of: model.spec)
        // A sample, and every negated guard (where an observation's guard
        // flips, the states and steps may stay and the snapshots not).
        let sampled = Set(MutationRunner.sample(all, max: 40, seed: 11).map(\.index))
        let mutants = all.filter { sampled.contains($0.index) || $0.mutationClass == .m5 }
        for m in mutants {
            guard case .success(let system) = check.build(m) else { continue }
            let same = check.equivalence(m, system) == .same
            let status = check.run(m).status
            #expect(!(same && status == .killed), "\(relative): \(m.description) is killed but has the original's graph")
            #expect(same == (status == .equivalent), "\(relative): \(m.description)")
        }
    }
}
