import Foundation
import Testing
@testable import PBCheckCore

/// The verdicts SPEC gives the robustness reproducers (`specs/robustness`,
/// copies of `../shared/robustness`), worked out by hand, file by file, and
/// checked in every engine: the explicit search, the symbolic engine (BMC,
/// k-induction) and the random walks. `Tests/robustness.sh` runs the same
/// files through the binary for exit codes, signals and time.
@Suite struct RobustnessTests {
    /// What one reproducer must give. `verdicts` maps every property id to
    /// `holds` or `violated@LENGTH` (the shortest counterexample, SPEC §3.1;
    /// `progress` where a state is final: `violated@0` where every step
    /// toward the final state fails, so the initial state is trapped);
    /// `unreachable` and `never` are the coverage gaps.
    struct Expected: Sendable, CustomTestStringConvertible {
        var file: String
        var verdicts: [String: String]
        var unreachable: [String] = []
        var never: [String] = []
        var testDescription: String { file }
    }

    static let expected: [Expected] = [
        // `u % (3 + u) <= 2`: u = 5 breaks it (5 % 8 = 5), u = -3 divides by zero: both, one step.
        Expected(file: "semantics/contract-eval-error-masked.yaml",
                 verdicts: ["progress": "holds", "invariant:b:0": "violated@1", "deadlock": "holds", "eval-error": "violated@1"]),
        // `f(i) := any` with i = 0 outside 1..3: the step fails, b is never entered, a is not deadlocked (t fires).
        Expected(file: "semantics/crash-replay-any-small.yaml",
                 verdicts: ["progress": "violated@0", "deadlock": "holds", "eval-error": "violated@1"], unreachable: ["b"]),
        // x0 := any, then x1((x0 + 1) % 3) with x0 = -1 is key 0; ready has no way out.
        Expected(file: "semantics/crash-replay-any.yaml",
                 verdicts: ["range:x0": "holds", "deadlock": "violated@2", "eval-error": "violated@2"]),
        // max over an empty set fails to evaluate in the initial state; t fires (no false dead transition).
        Expected(file: "semantics/empty-set.yaml",
                 verdicts: ["global:0": "holds", "deadlock": "holds", "eval-error": "violated@0"]),
        Expected(file: "semantics/forbidden-from-list.yaml",
                 verdicts: ["progress": "holds", "forbidden:[a, b]->c": "violated@2", "deadlock": "holds", "eval-error": "holds"]),
        Expected(file: "semantics/forbidden-to-star.yaml",
                 verdicts: ["progress": "holds", "forbidden:a->*": "violated@1", "forbidden:b->*": "holds", "deadlock": "holds", "eval-error": "holds"]),
        Expected(file: "semantics/forbidden-to-superstate.yaml",
                 verdicts: ["forbidden:grp->grp": "violated@1", "deadlock": "holds", "eval-error": "holds"]),
        // x := 3 leaves [0, 2] whatever o is: the only step fails, b2 is never entered.
        Expected(file: "semantics/internal-error-snapshot-small.yaml",
                 verdicts: ["progress": "violated@0", "range:x": "violated@1", "deadlock": "holds", "eval-error": "holds"], unreachable: ["b2"]),
        // x2 := x1 (3) leaves [0, 2]; x0 := u1 may be any string: both broken by the one step.
        Expected(file: "semantics/internal-error-snapshot.yaml",
                 verdicts: ["range:x0": "violated@1", "range:x2": "violated@1", "deadlock": "holds", "eval-error": "holds"],
                 unreachable: ["idle"]),
        // x counts to 3, where nothing is enabled.
        Expected(file: "semantics/minmax-3-args.yaml",
                 verdicts: ["global:0": "holds", "range:x": "holds", "deadlock": "violated@3", "eval-error": "holds"]),
        Expected(file: "semantics/state-literal-not-a-state.yaml", verdicts: ["progress": "holds", "deadlock": "holds", "eval-error": "holds"]),
        // u0(3) may be true: t3 fires into active, which has no way out.
        Expected(file: "semantics/symbolic-bmc-replay-2.yaml", verdicts: ["deadlock": "violated@1", "eval-error": "holds"]),
        // 'ready' contains 'd'; nothing leaves ready.
        Expected(file: "semantics/symbolic-bmc-replay.yaml",
                 verdicts: ["global:0": "holds", "deadlock": "violated@0", "eval-error": "holds"],
                 unreachable: ["retry", "done"], never: ["t0"]),
        // x > 5 never holds: only the (final) initial state is reachable.
        Expected(file: "semantics/symbolic-coverage-initial.yaml",
                 verdicts: ["progress": "holds", "deadlock": "holds", "eval-error": "holds"], unreachable: ["b"], never: ["t"]),
        // 'over' fires (into a range error): it is covered.
        Expected(file: "semantics/symbolic-coverage-range-step.yaml",
                 verdicts: ["progress": "holds", "range:x": "violated@1", "deadlock": "holds", "eval-error": "holds"]),
        Expected(file: "semantics/symbolic-crash-enum-from-observation.yaml",
                 verdicts: ["range:mode": "violated@1", "deadlock": "holds", "eval-error": "holds"]),
        // 'run' does not contain 's': t0 never fires, t8 leads to drain, a dead end.
        Expected(file: "semantics/symbolic-determinism-false.yaml",
                 verdicts: ["deadlock": "violated@2", "eval-error": "holds", "determinism:run:e1": "holds"],
                 unreachable: ["open"], never: ["t0"]),
        Expected(file: "semantics/symbolic-state-contains.yaml", verdicts: ["progress": "holds", "deadlock": "holds", "eval-error": "holds"]),
        Expected(file: "semantics/type-error-undeclared-compare-cond.yaml", verdicts: ["progress": "holds", "deadlock": "holds", "eval-error": "holds"]),
        Expected(file: "semantics/type-error-undeclared-compare-self.yaml", verdicts: ["progress": "holds", "deadlock": "holds", "eval-error": "holds"]),
        // u = 'b' on entering b breaks `state != u`.
        Expected(file: "semantics/undeclared-enum-vs-state-contract.yaml",
                 verdicts: ["invariant:b:0": "violated@1", "deadlock": "holds", "eval-error": "holds"]),
        Expected(file: "semantics/undeclared-string-contains.yaml", verdicts: ["progress": "holds", "deadlock": "holds", "eval-error": "holds"]),
        Expected(file: "semantics/undeclared-string-eq-state-guard.yaml", verdicts: ["progress": "holds", "deadlock": "holds", "eval-error": "holds"]),
        Expected(file: "semantics/undeclared-string-in-set.yaml",
                 verdicts: ["progress": "holds", "invariant:b:0": "violated@1", "deadlock": "holds", "eval-error": "holds"]),
        Expected(file: "semantics/undeclared-string-into-enum.yaml",
                 verdicts: ["progress": "holds", "range:mode": "violated@1", "deadlock": "holds", "eval-error": "holds"]),
        Expected(file: "semantics/undeclared-unified-with-enum-literal.yaml", verdicts: ["progress": "holds", "deadlock": "holds", "eval-error": "holds"]),
        // `go` may be true: x := 2 leaves [0, 1].
        Expected(file: "fuzz/internal-error-range-observation.yaml",
                 verdicts: ["range:x": "violated@1", "deadlock": "holds", "eval-error": "holds"]),
        Expected(file: "fuzz/internal-error-contains.yaml", verdicts: ["deadlock": "holds", "eval-error": "holds"]),
        // Found by Tests/fuzz.py: bal(k) with k = 'a' and bal('a') in one
        // step, 5 outside [0, 4]: both the double assignment and the range.
        Expected(file: "found/keyed-double-assign-observation.yaml",
                 verdicts: ["range:bal": "violated@1", "deadlock": "holds", "eval-error": "violated@1"]),
        // bal(i) and bal(j) with i = j = 'a': every enabled step fails, and still fires.
        Expected(file: "found/double-assign-guard-observation.yaml",
                 verdicts: ["range:bal": "holds", "deadlock": "holds", "eval-error": "violated@1"]),
        // Found by DifferentialTests: `x % load == 1` holds for load = 2, and
        // the effect (max over an empty set) fails: t fires, a is no deadlock.
        Expected(file: "found/enabled-step-failing-effects.yaml",
                 verdicts: ["progress": "violated@0", "range:x": "holds", "deadlock": "holds", "eval-error": "violated@1"], unreachable: ["b"]),
    ]

    static func model(_ e: Expected) throws -> TypedModel {
        let v = Pipeline.validate(path: repoPath("specs/robustness/" + e.file))
        return try #require(v.model, "\(e.file) does not load: \(v.diagnostics.map(\.message))")
    }

    static func verdicts(_ outcome: CheckOutcome) -> [String: String] {
        Dictionary(outcome.properties.map { r in
            (r.property.id.description, r.verdict == .violated ? "violated@\(r.trace?.length ?? -1)" : r.verdict.rawValue)
        }, uniquingKeysWith: { a, _ in a })
    }

    @Test(arguments: expected)
    func explicitEngineGivesTheSpecVerdicts(_ e: Expected) throws {
        let outcome = Verifier.run(model: try Self.model(e), engine: .explicit, options: ExplicitOptions())
        #expect(outcome.complete)
        #expect(Self.verdicts(outcome) == e.verdicts)
        #expect(outcome.coverage.unreachableStates.sorted() == e.unreachable.sorted())
        #expect(outcome.coverage.neverFired.sorted() == e.never.sorted())
        #expect(!outcome.diagnostics.contains { $0.code == .internalError })
        // No transition the search fired is called dead by the obligations.
        let dead = outcome.diagnostics.filter { $0.code == .deadTransition }.map(\.message)
        for t in outcome.coverage.firedTransitions {
            #expect(!dead.contains { $0.contains("'\(t)'") }, "\(t) fired but: \(dead)")
        }
    }

    /// BMC past the explicit depth: the same violations at the same
    /// lengths, `holds` proven (or bounded, never violated), the same coverage.
    @Test(arguments: expected)
    func symbolicEngineGivesTheSpecVerdicts(_ e: Expected) throws {
        var options = SymbolicOptions()
        options.depth = 5
        let outcome = Verifier.run(model: try Self.model(e), engine: .symbolic, options: ExplicitOptions(), symbolic: options)
        let got = Self.verdicts(outcome)
        #expect(Set(got.keys) == Set(e.verdicts.keys))
        for (id, want) in e.verdicts {
            // Progress needs the reachable graph, which the symbolic engine does not build.
            if id == "progress" { #expect(got[id] == "unknown", "\(id): \(got[id] ?? "missing")") }
            else if want == "holds" { #expect(got[id] == "holds" || got[id] == "bounded", "\(id): \(got[id] ?? "missing")") }
            else { #expect(got[id] == want, "\(id)") }
        }
        #expect(outcome.coverage.unreachableStates.sorted() == e.unreachable.sorted())
        #expect(outcome.coverage.neverFired.sorted() == e.never.sorted())
        #expect(!outcome.diagnostics.contains { $0.code == .internalError })
    }

    /// The walks find every violation at its shortest length (these
    /// machines are tiny) and never claim `holds`.
    @Test(arguments: expected)
    func walksGiveTheSpecVerdicts(_ e: Expected) throws {
        let outcome = walk(try Self.model(e), seed: 1, runs: 200, depth: 20)
        let got = Self.verdicts(outcome)
        for (id, want) in e.verdicts {
            // Samples cannot show a final state stays reachable.
            if id == "progress" { #expect(got[id] == "unknown", "\(id): \(got[id] ?? "missing")") }
            else if want == "holds" { #expect(got[id] == "bounded", "\(id): \(got[id] ?? "missing")") }
            else { #expect(got[id] == want, "\(id)") }
        }
        #expect(outcome.coverage.unreachableStates.sorted() == e.unreachable.sorted())
        #expect(outcome.coverage.neverFired.sorted() == e.never.sorted())
    }

    /// Every reproducer is in the table or checked elsewhere (load errors
    /// and limits: LoaderFixTests and Tests/robustness.sh), so a new one
    /// cannot be added without its verdict.
    @Test func everyReproducerHasItsExpectation() throws {
        let dir = repoPath("specs/robustness")
        let elsewhere: Set<String> = [
            "fuzz/abort-keyed-1e6-alloc.yaml", "fuzz/hang-keyed-init-any.yaml", "fuzz/hang-nested-aggregates.yaml",
            "fuzz/hang-observation-range.yaml", "fuzz/hang-scenario-repeat.yaml", "fuzz/hang-walk-observation.yaml",
            "fuzz/internal-error-bmc-overflow.yaml", "fuzz/machine-null.yaml", "fuzz/trap-range-count-overflow.yaml",
            "fuzz/trap-set-range-overflow.yaml", "fuzz/hang-parent-chain-10000.yaml", "fuzz/hang-star-transitions.yaml",
        ]
        let listed = Set(Self.expected.map(\.file)).union([
            "found/range-with-overflow.yaml", "found/huge-set-params.yaml", "found/huge-set-keyed.yaml", "found/huge-set-unused.yaml",
        ])
        for sub in ["fuzz", "semantics", "found"] {
            for f in try FileManager.default.contentsOfDirectory(atPath: dir + "/" + sub) where f.hasSuffix(".yaml") {
                let rel = sub + "/" + f
                #expect(listed.contains(rel) || elsewhere.contains(rel), "\(rel) has no expected verdict")
            }
        }
    }

    /// `x := 5` out of range, `e := u` out of the enum and `g := g + 1`
    /// past 64 bits in one step: both range violations, in every engine;
    /// the explicit search then stops at its 64-bit limit (`unknown` for
    /// the rest), the symbolic engine proves the rest.
    @Test func aValueBeyond64BitsHidesNoOtherFailure() throws {
        let model = try Self.model(Expected(file: "found/range-with-overflow.yaml", verdicts: [:]))
        var symbolicOptions = SymbolicOptions()
        symbolicOptions.depth = 3
        let outcomes = [
            Verifier.run(model: model, engine: .explicit, options: ExplicitOptions()),
            Verifier.run(model: model, engine: .symbolic, options: ExplicitOptions(), symbolic: symbolicOptions),
            walk(model, seed: 1, runs: 20, depth: 5),
        ]
        for outcome in outcomes {
            let got = Self.verdicts(outcome)
            #expect(got["range:x"] == "violated@1", "\(outcome.engine)")
            #expect(got["range:e"] == "violated@1", "\(outcome.engine)")
            #expect(!outcome.diagnostics.contains { $0.code == .internalError }, "\(outcome.engine)")
        }
        #expect(Self.verdicts(outcomes[0])["deadlock"] == "unknown")
        #expect(Self.verdicts(outcomes[1])["deadlock"] == "holds")
    }

    /// `x := x * x` past 64 bits: the contract is broken in one step
    /// (n = 9), but the counterexample cannot be replayed in 64 bits, so
    /// the verdict is `unknown` with the reason, never an internal error.
    @Test func overflowingCounterexampleIsUnknownWithItsReason() throws {
        let e = Expected(file: "fuzz/internal-error-bmc-overflow.yaml", verdicts: [:])
        let outcome = Verifier.run(model: try Self.model(e), options: ExplicitOptions())
        let inv = try #require(outcome.properties.first { $0.property.id == "invariant:b:0" })
        #expect(inv.verdict == .unknown)
        #expect(inv.detail?.contains("beyond 64 bits") == true)
        #expect(!outcome.diagnostics.contains { $0.code == .internalError })
    }
}
