import Foundation
import Testing
@testable import PBCheckCore

/// Why a state is never reached and a transition never fires (issue 14
/// item 6), why a step is not enabled at one state (`explore`'s `why`),
/// and the two steps behind a determinism warning (item 7).
@Suite struct WhyTests {
    /// x counts 0..3 in `a`; `jump` needs x > 5 (so `b`, then `c`, are
    /// never reached); `d` has no entering transition; `one` needs x == 1
    /// (reached in one step); `both` has conjuncts each true somewhere,
    /// never together.
    static let counter = """
        version: "1.0"
        machine:
          id: "m"
          initial: "a"
          variables:
            x: { type: int, range: [0, 3], init: 0 }
          states:
            a: {}
            b: {}
            c: {}
            d: {}
          transitions:
            - id: "inc"
              from: "a"
              to: "a"
              event: "inc"
              guard: "x < 3"
              effects: ["x := x + 1"]
            - id: "jump"
              from: "a"
              to: "b"
              event: "jump"
              guard: "x >= 1 && x > 5"
            - id: "onward"
              from: "b"
              to: "c"
              event: "onward"
            - id: "one"
              from: "a"
              to: "a"
              event: "one"
              guard: "x == 1 && x == 2"
            - id: "late"
              from: "a"
              to: "a"
              event: "late"
              guard: "x == 3"
        """

    func model(_ yaml: String) throws -> TypedModel {
        let v = validate(yaml)
        return try #require(v.model, "does not load: \(v.diagnostics.map(\.message))")
    }

    func explicit(_ m: TypedModel, depth: Int? = nil) -> CheckOutcome {
        var o = ExplicitOptions()
        o.maxDepth = depth
        return ExplicitSearch(system: TransitionSystem(model: m), options: o).run()
    }

    @Test func aGuardConjunctNoReachedStateSatisfiesIsNamed() throws {
        let o = explicit(try model(WhyTests.counter))
        let why = try #require(o.coverage.why)
        #expect(why.exact)
        #expect(why.transition("jump")?.reason == .conjunctFalse("x > 5"))
        #expect(why.transition("one")?.reason == .conjunctsConflict(["x == 1", "x == 2"]))
        #expect(why.transition("onward")?.reason == .sourceUnreached(from: "b"))
        #expect(why.transition("inc") == nil && why.transition("late") == nil)
    }

    @Test func aChainSaysItsSourceIsNeverReached() throws {
        let o = Verifier.run(model: try model(WhyTests.counter), options: ExplicitOptions())
        let why = try #require(o.coverage.why)
        #expect(why.states.map(\.state) == ["b", "c", "d"])
        #expect(why.states[0].entering == [StateWhy.Entering(transition: "jump", fired: false, noSuccessor: nil)])
        #expect(why.lines == [
            "'b' is never reached: only 'jump' enters it, and it never fired: `x > 5` is false in every reached state it leaves from",
            "'c' is never reached: only 'onward' enters it, and it never fired: its source 'b' is never reached",
            "'d' is never reached: no transition enters it",
            "'one' never fired: `x == 1` and `x == 2` are never true together in a reached state it leaves from",
        ])
        let text = ResultRenderer(style: PlainStyle()).render(path: "inline.yaml", outcome: o)
        #expect(text.contains("  why: 'c' is never reached: only 'onward' enters it, and it never fired: its source 'b' is never reached\n"))
        // Exhaustive: no word about the states that were not reached.
        #expect(!text.contains("may not be every reachable one"))
    }

    @Test func aStoppedSearchSaysItIsOverTheStatesReached() throws {
        // Depth 1: x = 0 expanded, x = 1 reached and left in the queue.
        let o = explicit(try model(WhyTests.counter), depth: 1)
        let why = try #require(o.coverage.why)
        #expect(!why.exact)
        #expect(why.transition("late")?.reason == .conjunctFalse("x == 3"))
        let text = ResultRenderer(style: PlainStyle()).render(path: "inline.yaml", outcome: o)
        #expect(text.contains("(over the states the run reached, which may not be every reachable one)"))
    }

    @Test func aGuardThatHoldsInAnUnexpandedStateSaysSo() throws {
        let yaml = WhyTests.counter.replacingOccurrences(of: "x == 1 && x == 2", with: "x == 1")
        let o = explicit(try model(yaml), depth: 1)
        #expect(o.coverage.why?.transition("one")?.reason == .notExpanded(state: "a"))
    }

    @Test func anUnsatisfiableObservationGuardIsAskedOfZ3() throws {
        let yaml = """
            version: "1.0"
            machine:
              id: "m"
              initial: "a"
              observations:
                temp: { type: int, range: [0, 10] }
              states:
                a: {}
                b: {}
              transitions:
                - id: "hot"
                  from: "a"
                  to: "b"
                  event: "hot"
                  guard: "temp >= 0 && temp > 20"
                - id: "stay"
                  from: "a"
                  to: "a"
                  event: "stay"
                  guard: "temp < 5"
            """
        let m = try model(yaml)
        #expect(explicit(m).coverage.why?.transition("hot")?.reason == .noSnapshot("temp > 20"))
        // The symbolic engine keeps no states: the obligations' unsat core says it.
        let o = Verifier.run(model: m, engine: .symbolic, options: ExplicitOptions())
        let reason = try #require(o.coverage.why?.transition("hot")?.reason)
        guard case .deadGuard(let core) = reason else { Issue.record("not from the core: \(reason)"); return }
        #expect(core.contains("`temp > 20`") && core.contains("`temp` ∈ 0..10"))
        #expect(o.coverage.why?.exact == false)
    }

    @Test func aParameterisedTransitionIsJudgedOverEveryBinding() throws {
        let yaml = """
            version: "1.0"
            machine:
              id: "m"
              initial: "a"
              sets:
                K: [1, 2, 3]
              variables:
                x: { type: int, range: [0, 3], init: 0 }
              states:
                a: {}
                b: {}
              transitions:
                - id: "set"
                  from: "a"
                  to: "a"
                  event: "set"
                  params: { k: K }
                  guard: "x == 0"
                  effects: ["x := k"]
                - id: "pick"
                  from: "a"
                  to: "b"
                  event: "pick"
                  params: { k: K }
                  guard: "k == x && k > 1 && x < 2"
                - id: "over"
                  from: "a"
                  to: "b"
                  event: "over"
                  params: { k: K }
                  guard: "x >= 0 && k > 3"
            """
        let m = try model(yaml)
        let why = try #require(explicit(m).coverage.why)
        // Each pair holds for some state and binding; the three never together.
        #expect(why.transition("pick")?.reason == .conjunctsConflict(["k == x", "k > 1", "x < 2"]))
        #expect(why.transition("over")?.reason == .conjunctFalse("k > 3"))
        // The final outcome keeps the states' answer (a core is one binding's).
        let o = Verifier.run(model: m, options: ExplicitOptions())
        #expect(o.coverage.why?.transition("pick")?.reason == .conjunctsConflict(["k == x", "k > 1", "x < 2"]))
    }

    @Test func aDefinitionThatIsAConjunctionStaysOneConjunct() throws {
        // `small()` inlines to `x >= 0 && x < 2`: the guard still has two
        // conjuncts, named as written.
        let yaml = WhyTests.counter
            .replacingOccurrences(of: "  states:\n", with: "  definitions:\n    small: \"x >= 0 && x < 2\"\n  states:\n")
            .replacingOccurrences(of: "x == 1 && x == 2", with: "small() && x == 3")
        let why = try #require(explicit(try model(yaml)).coverage.why)
        #expect(why.transition("one")?.reason == .conjunctsConflict(["small()", "x == 3"]))
    }

    @Test func anEnteringTransitionWithoutSuccessorIsNamed() throws {
        let yaml = """
            version: "1.0"
            machine:
              id: "m"
              initial: "a"
              variables:
                x: { type: int, range: [0, 2], init: 2 }
              states:
                a: {}
                b: {}
              transitions:
                - id: "over"
                  from: "a"
                  to: "b"
                  event: "over"
                  effects: ["x := x + 1"]
            """
        let o = Verifier.run(model: try model(yaml), options: ExplicitOptions())
        let why = try #require(o.coverage.why)
        #expect(why.states.first?.entering == [StateWhy.Entering(transition: "over", fired: true,
                                                                  noSuccessor: "'over' assigns x := 3, outside its domain")])
        #expect(why.lines.first == "'b' is never reached: only 'over' enters it, and it fired but never with a successor ('over' assigns x := 3, outside its domain)")
    }

    // MARK: One step at one state

    func initial(_ system: TransitionSystem) throws -> [UInt64] { try #require(system.firstInitialState()) }

    @Test func whyNotEnabledNamesTheFailingConjunctWithItsValues() throws {
        let system = TransitionSystem(model: try model(WhyTests.counter))
        let explainer = ReachabilityExplainer(system: system)
        let s0 = try initial(system)
        let x0 = NamedValue(name: "x", value: .int(0), text: "0")
        #expect(explainer.whyNotEnabled("jump", at: s0)?.map(\.answer) == [.conjunctFalse("x >= 1", values: [x0])])
        #expect(explainer.whyNotEnabled("onward", at: s0)?.map(\.answer) == [.notFromHere(state: "a", from: "b")])
        #expect(explainer.whyNotEnabled("inc", at: s0)?.map(\.answer) == [.enabled(observations: [])])
        #expect(explainer.whyNotEnabled("nope", at: s0) == nil)
        #expect(explainer.whyNotEnabled("jump", at: s0)?.first?.text == "'jump': `x >= 1` is false (x=0)")
        // Along a trace: after three `inc`, `jump`'s first conjunct holds.
        let inc = try #require(system.instances.firstIndex { system.model.transitions[$0.transition].id == "inc" })
        let step = StepChoice(instance: inc, snapshot: Snapshot(), any: [])
        let end = Replayer(system: system).replay(TraceChoices(initial: s0, steps: [step, step, step])).finalState
        let x3 = NamedValue(name: "x", value: .int(3), text: "3")
        #expect(explainer.whyNotEnabled("jump", at: end)?.map(\.answer) == [.conjunctFalse("x > 5", values: [x3])])
    }

    @Test func whyNotEnabledAnswersPerBindingAndForObservations() throws {
        let yaml = """
            version: "1.0"
            machine:
              id: "m"
              initial: "a"
              sets:
                K: [1, 2]
              observations:
                temp: { type: int, range: [0, 10] }
              variables:
                x: { type: int, range: [0, 3], init: 1 }
              states:
                a: {}
                b: {}
              transitions:
                - id: "pick"
                  from: "a"
                  to: "b"
                  event: "pick"
                  params: { k: K }
                  guard: "k == x && temp > 20"
                - id: "bump"
                  from: "a"
                  to: "a"
                  event: "bump"
                  guard: "temp > 5"
                  effects: ["x := x + 3"]
            """
        let system = TransitionSystem(model: try model(yaml))
        let explainer = ReachabilityExplainer(system: system)
        let answers = try #require(explainer.whyNotEnabled("pick", at: try initial(system)))
        let x1 = NamedValue(name: "x", value: .int(1), text: "1")
        #expect(answers.map(\.params.first?.text) == ["1", "2"])
        #expect(answers[0].answer == .noSnapshot("temp > 20", values: []))
        #expect(answers[1].answer == .conjunctFalse("k == x", values: [x1, NamedValue(name: "k", value: .int(2), text: "2")]))
        // The guard holds for some snapshot, but x := 4 leaves x's range.
        let bump = try #require(explainer.whyNotEnabled("bump", at: try initial(system))?.first?.answer)
        guard case .noSuccessor(let messages) = bump else { Issue.record("\(bump)"); return }
        #expect(messages == ["'bump' assigns x := 4, outside its domain"])
    }

    // MARK: JSON

    @Test func theJSONExplainsEachGap() throws {
        let v = validate(WhyTests.counter)
        let o = Verifier.run(model: try #require(v.model), options: ExplicitOptions())
        let json = ResultJSON(validation: v, shown: [], outcome: o)
        let why = try #require(json.check?.coverage?.why)
        #expect(why.exact)
        #expect(why.states.map(\.state) == ["b", "c", "d"])
        #expect(why.states[2].entering.isEmpty && why.states[2].reason == "'d' is never reached: no transition enters it")
        let jump = try #require(why.transitions.first { $0.transition == "jump" })
        #expect(jump.kind == "conjunct-false" && jump.conjuncts == ["x > 5"] && jump.line == 19)
        #expect(why.transitions.first { $0.transition == "onward" }?.kind == "source-unreached")
        let text = json.encoded()
        #expect(text.contains(#""no_successor""#) == false)  // nil is left out
        #expect(text.contains(#""kind" : "conjuncts-conflict""#))
        // No gaps, no field.
        let full = validate(machine())
        let none = ResultJSON(validation: full, shown: [], outcome: Verifier.run(model: try #require(full.model), options: ExplicitOptions()))
        #expect(none.check?.coverage != nil && none.check?.coverage?.why == nil)
        #expect(!none.encoded().contains(#""why""#))
    }

    @Test func aCachedExplanationFollowsItsLines() throws {
        // The bank account: `overdraft` explained by an unsat core that names lines.
        let yaml = try String(contentsOfFile: repoPath("specs/symbolic/bank-account.yaml"), encoding: .utf8)
        let moved = yaml.replacingOccurrences(of: "  transitions:\n", with: "  transitions:\n\n\n")
        let a = validate(yaml), b = validate(moved)
        var options = ExplicitOptions()
        options.autoExplicitSeconds = 1_000_000  // work limits only, as the goldens
        let o = Verifier.run(model: try #require(a.model), options: options)
        let relocated = SourceRelocation(from: SpecSections(try #require(a.model).spec).sections,
                                         to: SpecSections(try #require(b.model).spec).sections).apply(o)
        let before = try #require(o.coverage.why?.transition("overdraft"))
        let after = try #require(relocated.coverage.why?.transition("overdraft"))
        #expect(after.line == before.line + 2)
        guard case .deadGuard(let core) = after.reason else { Issue.record("\(after.reason)"); return }
        #expect(core.contains("'overdraft' (line \(before.line + 2))"))
    }

    // MARK: Determinism and contracts in the counterexample table (item 7)

    static let overlap = """
        version: "1.0"
        machine:
          id: "m"
          initial: "a"
          observations:
            second: { type: int, range: [0, 9] }
            op: { type: enum, values: ["+", "/"] }
          states:
            a: {}
            b: {}
            ok: {}
            err: {}
          transitions:
            - id: "go"
              from: "a"
              to: "b"
              event: "go"
            - id: "compute"
              from: "b"
              to: "ok"
              event: "equals"
              guard: "second != 0 || op != '/'"
            - id: "divzero"
              from: "b"
              to: "err"
              event: "equals"
              guard: "second == 0"
            - id: "r1"
              from: "ok"
              to: "a"
              event: "r"
            - id: "r2"
              from: "err"
              to: "a"
              event: "r"
        """

    func checkOverlap(_ r: PropertyResult?) throws {
        let r = try #require(r)
        #expect(r.verdict == .violated)
        let both = try #require(r.enabledTogether, "\(r.settledBy)")
        #expect(both.event == "equals" && both.steps.map(\.transition) == ["compute", "divzero"])
        // A snapshot that enables both: second = 0 and op ≠ '/'.
        #expect(both.observations.first { $0.name == "second" }?.text == "0")
        #expect(both.observations.first { $0.name == "op" }?.text == "+")
    }

    @Test func aDeterminismWarningShowsBothStepsAndTheirSnapshot() throws {
        let v = validate(WhyTests.overlap)
        let m = try #require(v.model)
        let id = PropertyID.determinism(state: "b", event: "equals")
        let explicitRun = Verifier.run(model: m, options: ExplicitOptions())
        try checkOverlap(explicitRun.properties.first { $0.property.id == id })
        try checkOverlap(Verifier.run(model: m, engine: .symbolic, options: ExplicitOptions()).properties.first { $0.property.id == id })
        var w = WalkOptions()
        w.seed = 1
        try checkOverlap(WalkEngine.run(system: TransitionSystem(model: m), options: w).properties.first { $0.property.id == id })

        let text = ResultRenderer(style: PlainStyle()).render(path: "inline.yaml", outcome: explicitRun)
        #expect(text.contains("\n     both enabled on 'equals' when second=0, op=+: compute, divzero\n  violated: determinism:b:equals"))
        let json = ResultJSON(validation: v, shown: [], outcome: explicitRun)
        let p = try #require(json.check?.properties.first { $0.id == id.description })
        #expect(p.enabledTogether?.steps.map(\.transition) == ["compute", "divzero"])
        #expect(p.enabledTogether?.observations["second"] == .int(0))
        #expect(json.check?.properties.filter { $0.enabledTogether != nil }.count == 1)
    }

    @Test func aGuardWithoutObservationsStillGetsTheOtherStepsSnapshot() throws {
        let yaml = WhyTests.overlap.replacingOccurrences(of: "second != 0 || op != '/'", with: "true")
        let r = Verifier.run(model: try model(yaml), options: ExplicitOptions()).properties.first { $0.property.kind == .determinism }
        let both = try #require(r?.enabledTogether)
        #expect(both.steps.map(\.transition) == ["compute", "divzero"])
        #expect(both.observations.map(\.assignment) == ["second=0"])
    }

    @Test func aBrokenContractShowsItsSnapshotInTheLastStep() throws {
        let o = try check(repoPath("specs/buggy/observed-contract.yaml"))
        let r = try #require(o.properties.first { $0.property.id == .invariant(state: "cooling", index: 0) })
        let last = try #require(r.trace?.steps.last)
        #expect(last.transition == "cool_on" && last.observations.map(\.name) == ["temp"])
        let text = ResultRenderer(style: PlainStyle()).counterexample(r, try #require(r.trace), path: "x.yaml")
        #expect(text.contains("cool_on     too_hot              \(last.observations[0].assignment)\n"))
    }
}
