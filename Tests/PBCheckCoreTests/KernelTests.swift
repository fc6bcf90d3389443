import Foundation
import Testing
@testable import PBCheckCore

/// The kernel's one rule for the properties of a state's set of steps, the
/// planner as a pure function, and outcomes that keep how to reproduce
/// their traces.
@Suite struct KernelTests {
    static func model(_ yaml: String) throws -> TypedModel {
        let v = Pipeline.validate(text: yaml, path: "kernel.yaml")
        return try #require(v.model, "does not load: \(v.diagnostics.map(\.message))")
    }

    /// A non-final state whose only step Z3 cannot decide: `a³ + b³ = c³`
    /// over positive integers has no solution (Fermat, n = 3), and no SMT
    /// solver proves it, so every query ends `unknown` at its budget.
    static let undecidable = """
        version: "1.0"
        name: "undecidable step"
        machine:
          id: "m"
          initial: "waiting"
          observations:
            a: { type: int }
            b: { type: int }
            c: { type: int }
          states:
            waiting: {}
            done: { final_state: true }
          transitions:
            - id: "cube"
              from: "waiting"
              to: "done"
              event: "cube"
              guard: "a >= 1 && b >= 1 && c >= 1 && a * a * a + b * b * b == c * c * c"
        """

    /// The rule itself: no enabled step and an undecided one is no deadlock;
    /// no enabled step and everything decided is one; a final state never is.
    @Test func deadlockIsNeverClaimedPastAnUndecidedStep() throws {
        let system = TransitionSystem(model: try Self.model(Self.undecidable))
        let deadlock = try #require(system.deadlockProperty)
        let oracle = SnapshotOracle(system: system, queryTimeoutMilliseconds: 100)
        let frame = system.makeFrame()
        frame.vars[0] = Int64(system.model.initial)
        var unknown: String?
        var undecided = StepSurvey()
        undecided.couldNotDecide("timeout")
        #expect(system.stepFindings(undecided, frame, oracle, unknown: &unknown, skip: { _ in false }).isEmpty)
        #expect(unknown == "timeout")
        let decided = StepSurvey()
        #expect(system.stepFindings(decided, frame, oracle, unknown: &unknown, skip: { _ in false }).map(\.property) == [deadlock])
        frame.vars[0] = Int64(try #require(system.model.states.firstIndex { $0.isFinal }))
        #expect(system.stepFindings(decided, frame, oracle, unknown: &unknown, skip: { _ in false }).isEmpty)
    }

    /// Every engine, on a step Z3 cannot decide: none claims the deadlock;
    /// the explicit search says why it is unknown.
    @Test func enginesAgreeOnAnUndecidedStep() throws {
        let model = try Self.model(Self.undecidable)
        var explicit = ExplicitOptions()
        explicit.queryTimeoutMilliseconds = 200
        let e = Verifier.run(model: model, engine: .explicit, options: explicit)
        let ed = try #require(e.properties.first { $0.property.id == .deadlock })
        #expect(ed.verdict == .unknown, "explicit: \(ed.verdict) \(ed.detail ?? "")")
        guard case .undecidedStep = e.stopReason else { Issue.record("explicit stopped for \(String(describing: e.stopReason))"); return }
        var w = WalkOptions()
        w.seed = 3
        w.runs = 20
        let walks = Verifier.run(model: model, engine: .walk, options: explicit, walk: w)
        #expect(walks.properties.first { $0.property.id == .deadlock }?.verdict != .violated)
        var s = SymbolicOptions()
        s.depth = 2
        let symbolic = Verifier.run(model: model, engine: .symbolic, options: explicit, symbolic: s)
        #expect(symbolic.properties.first { $0.property.id == .deadlock }?.verdict != .violated)
    }

    /// A depth bound: violations within it are found at their shortest
    /// length; what holds within it is `bounded` by it (one step less for
    /// the properties of a state's steps, whose last states are not expanded).
    @Test func depthBoundGivesBoundedEvidence() throws {
        let model = try #require(Pipeline.validate(path: repoPath("specs/buggy/diamond-invariant.yaml")).model)
        for (k, violated) in [(4, false), (5, true)] {
            var o = ExplicitOptions()
            o.maxDepth = k
            let outcome = Verifier.run(model: model, engine: .explicit, options: o)
            #expect(!outcome.complete && outcome.stopReason == .depthLimit(k))
            let join = try #require(outcome.properties.first { $0.property.id == .invariant(state: "join", index: 0) })
            #expect(violated ? join.verdict == .violated && join.trace?.length == 5 : join.verdict == .bounded && join.bound == k)
            #expect(outcome.properties.first { $0.property.id == .deadlock }.map { $0.verdict == .bounded && $0.bound == k - 1 } == true)
        }
        var o = ExplicitOptions()
        o.maxDepth = 100
        #expect(Verifier.run(model: model, engine: .explicit, options: o).complete)
    }

    // MARK: The planner

    static let finite = """
        version: "1.0"
        name: "finite"
        machine:
          id: "m"
          initial: "a"
          variables:
            n: { type: int, range: [0, 3], init: 0 }
          states:
            a: {}
          transitions:
            - { id: "t", from: "a", to: "a", event: "t", guard: "n < 3", effects: ["n := n + 1"] }
        """
    static let unbounded = finite.replacingOccurrences(of: "range: [0, 3], ", with: "")
    static let unboundedAny = unbounded.replacingOccurrences(of: "init: 0", with: "init: any")

    @Test func plannerChoosesByDomainsAndRequest() throws {
        let finite = try Self.model(Self.finite), unbounded = try Self.model(Self.unbounded), any = try Self.model(Self.unboundedAny)
        var request = CheckRequest()
        let tail = [Stage(.obligations), Stage(.scenarios)]
        #expect(Planner.plan(finite, request) == [Stage(.engine(.explicit), reason: .finiteDomains),
                                                  Stage(.engine(.walk), when: .afterStateLimit, reason: .finiteDomains)] + tail)
        #expect(Planner.plan(unbounded, request) == [Stage(.engine(.explicit), probe: true, reason: .unboundedIntegers),
                                                     Stage(.engine(.symbolic), when: .ifUnfinished, reason: .unboundedIntegers)] + tail)
        #expect(Planner.plan(any, request) == [Stage(.engine(.symbolic), reason: .unboundedAny)] + tail)
        for (engine, kind) in [(Verifier.Engine.explicit, EngineKind.explicit), (.symbolic, .symbolic)] {
            request.engine = engine
            for m in [finite, unbounded, any] { #expect(Planner.plan(m, request) == [Stage(.engine(kind))] + tail) }
        }
        request.engine = .walk
        for m in [finite, unbounded, any] { #expect(Planner.plan(m, request) == [Stage(.engine(.walk)), Stage(.scenarios)]) }
    }

    /// One merge rule: a later stage settles what the earlier left open; a
    /// settled verdict stays; of two violations the shorter, and on equal
    /// length the later stage's unless it only samples.
    @Test func mergePrefersSettledThenShorter() {
        func result(_ v: Verdict, _ length: Int? = nil) -> PropertyResult {
            let p = Property(id: .deadlock, kind: .deadlock, description: nil, location: nil, severity: .error, isContract: false)
            let trace = length.map { n in
                Trace(initial: TraceState(state: "a", vars: []),
                      steps: Array(repeating: TraceStep(transition: "t", event: "t", params: [], observations: [], chosen: [], state: "a",
                                                        vars: [], location: SourceLoc(line: 1, column: 1)), count: n))
            }
            return PropertyResult(property: p, verdict: v, bound: nil, trace: trace, detail: nil, settledBy: .explicitSearch)
        }
        #expect(Verifier.prefersLater(result(.unknown), result(.bounded), laterSamples: true))
        #expect(Verifier.prefersLater(result(.unknown), result(.violated, 3), laterSamples: false))
        #expect(Verifier.prefersLater(result(.bounded), result(.holds), laterSamples: false))
        #expect(!Verifier.prefersLater(result(.bounded), result(.unknown), laterSamples: false))
        #expect(!Verifier.prefersLater(result(.holds), result(.unknown), laterSamples: false))
        #expect(!Verifier.prefersLater(result(.violated, 2), result(.bounded), laterSamples: false))
        #expect(Verifier.prefersLater(result(.violated, 4), result(.violated, 3), laterSamples: true))
        #expect(Verifier.prefersLater(result(.violated, 3), result(.violated, 3), laterSamples: false))
        #expect(!Verifier.prefersLater(result(.violated, 3), result(.violated, 3), laterSamples: true))
    }

    // MARK: Property ids

    @Test func propertyIDsPrintAndParseBack() throws {
        let ids: [PropertyID] = [.invariant(state: "ready", index: 2), .global(0), .forbidden(from: "a", to: "b"),
                                 .forbidden(from: "[a, b]", to: "*", line: 40), .range("failures"), .deadlock, .evalError,
                                 .determinism(state: "s", event: "go:now"), .progress, .scenario("divide by zero, then clear")]
        for id in ids {
            #expect(PropertyID(parsing: id.description) == id, "\(id)")
            let data = try JSONEncoder().encode(id)
            #expect(try JSONDecoder().decode(PropertyID.self, from: data) == id)
        }
        #expect(PropertyID.invariant(state: "ready", index: 2).description == "invariant:ready:2")
        #expect(PropertyID.forbidden(from: "a", to: "b", line: 9).description == "forbidden:a->b@9")
        for bad in ["", "nonsense", "deadlock:x", "invariant:ready", "global:x", "forbidden:ab"] { #expect(PropertyID(parsing: bad) == nil, "\(bad)") }
    }

    // MARK: Outcomes round-trip and replay

    static func encoded(_ o: CheckOutcome) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: try encoder.encode(o), as: UTF8.self)
    }

    /// Every spec's outcome decodes from its JSON to the same outcome, and
    /// every trace's recorded choices replay to the same trace.
    @Test func everyOutcomeRoundTripsThroughItsJSONAndReplays() throws {
        var checked = 0, replayed = 0
        for path in specFiles("specs") + specFiles("specs/buggy") {
            let model = try #require(Pipeline.validate(path: path).model)
            var outcomes = [Verifier.run(model: model, options: ExplicitOptions())]
            var w = WalkOptions()
            w.seed = 1
            w.runs = 100
            outcomes.append(Verifier.run(model: model, engine: .walk, options: ExplicitOptions(), walk: w))
            for o in outcomes {
                let text = try Self.encoded(o)
                let back = try JSONDecoder().decode(CheckOutcome.self, from: Data(text.utf8))
                #expect(try Self.encoded(back) == text, "\(path) \(o.engine)")
                checked += 1
                let system = TransitionSystem(model: model)
                for r in back.properties where r.property.kind != .scenario {
                    guard let trace = r.trace else { continue }
                    let choices = try #require(trace.choices, "\(path): \(r.property.id) keeps no choices")
                    let again = Replayer(system: system).replay(choices)
                    #expect(again.error == nil, "\(path): \(r.property.id): \(again.error ?? "")")
                    #expect(again.trace.steps == trace.steps && again.trace.initial == trace.initial, "\(path): \(r.property.id)")
                    replayed += 1
                }
            }
        }
        #expect(checked >= 40 && replayed >= 20, "\(checked) outcomes, \(replayed) traces")
    }

    /// A symbolic outcome (k-induction, BMC traces) round-trips too.
    @Test func symbolicOutcomeRoundTrips() throws {
        let model = try #require(Pipeline.validate(path: repoPath("specs/symbolic/draining-balance.yaml")).model)
        let o = Verifier.run(model: model, engine: .symbolic, options: ExplicitOptions())
        #expect(o.properties.contains { $0.verdict == .violated && $0.trace?.choices != nil })
        let text = try Self.encoded(o)
        #expect(try Self.encoded(try JSONDecoder().decode(CheckOutcome.self, from: Data(text.utf8))) == text)
    }

    /// The fired-edge set reads back the same pairs, in the same order,
    /// whether it keeps a flag per pair or a set of pairs, and a union
    /// counts a pair once.
    @Test func edgeSetDenseAndSparseAgree() {
        var dense = EdgeSet(states: 5, transitions: 7)
        var sparse = EdgeSet(states: EdgeSet.denseLimit, transitions: 7)
        var other = EdgeSet(states: 5, transitions: 7)
        for (s, t) in [(4, 6), (0, 2), (4, 6), (2, 0), (0, 1)] {
            dense.insert(from: s, transition: t)
            sparse.insert(from: s, transition: t)
        }
        other.insert(from: 2, transition: 0)
        other.insert(from: 3, transition: 3)
        dense.formUnion(other)
        sparse.formUnion(other)
        let expected = [(0, 1), (0, 2), (2, 0), (3, 3), (4, 6)]
        #expect(dense.edges.map { [$0.from, $0.transition] } == expected.map { [$0.0, $0.1] })
        #expect(sparse.edges.map { [$0.from, $0.transition] } == expected.map { [$0.0, $0.1] })
        #expect(dense.transitions == [true, true, true, true, false, false, true])
        #expect(sparse.transitions == dense.transitions)
    }
}
