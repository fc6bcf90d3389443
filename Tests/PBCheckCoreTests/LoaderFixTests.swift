import Foundation
import Testing
@testable import PBCheckCore

/// The loader and model-builder fixes for the robustness reproducers
/// (`/work/shared/robustness`): forbidden endpoints, empty and huge sets,
/// `machine:` with no value, deep hierarchies, probar's path assertion and
/// the probar sections pbcheck skips. Diagnostics are pinned with markers.
@Suite struct LoaderFixTests {
    func expectDiagnostic(_ code: DiagnosticCode, _ yaml: String, severity: Severity = .error,
                          sourceLocation: SourceLocation = #_sourceLocation) {
        let (text, loc) = marked(yaml)
        let r = validate(text)
        let hits = r.diagnostics.filter { $0.code == code }
        #expect(!hits.isEmpty, "no \(code) in: \(r.diagnostics.map { "\($0.code)@\($0.location.map(\.description) ?? "-")" })",
                sourceLocation: sourceLocation)
        #expect(hits.first?.location == loc, "\(code) at \(hits.first?.location.map(\.description) ?? "-"), want \(loc)",
                sourceLocation: sourceLocation)
        #expect(hits.first?.severity == severity, sourceLocation: sourceLocation)
    }

    /// Loads inline YAML that must have no errors and runs the explicit engine.
    func verify(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> (TypedModel, [String: PropertyResult]) {
        let r = validate(yaml)
        let model = try #require(r.model, "does not load: \(r.diagnostics.map(\.message))", sourceLocation: sourceLocation)
        let outcome = Verifier.run(model: model, options: ExplicitOptions())
        return (model, Dictionary(outcome.properties.map { ($0.property.id.description, $0) }, uniquingKeysWith: { a, _ in a }))
    }

    func names(_ m: TypedModel, _ states: [Int]) -> Set<String> { Set(states.map { m.states[$0].id }) }

    // MARK: Forbidden endpoints (SPEC §1.1)

    /// robustness/semantics/forbidden-from-list.yaml
    @Test func forbiddenFromAList() throws {
        let (m, props) = try verify("""
        version: "1.0"
        machine:
          id: fl
          initial: a
          states:
            a: {}
            b: {}
            c: { final_state: true }
          transitions:
            - { id: ab, from: a, to: b, event: go }
            - { id: bc, from: b, to: c, event: go }
          forbidden:
            - { from: [a, b], to: c }
        """)
        let f = try #require(m.forbidden.first)
        #expect(names(m, f.from) == ["a", "b"])
        #expect(names(m, f.to) == ["c"])
        let p = try #require(props["forbidden:[a, b]->c"])
        #expect(p.verdict == .violated)
        #expect(p.trace?.length == 2)
    }

    /// robustness/semantics/forbidden-to-star.yaml
    @Test func forbiddenToStar() throws {
        let (m, props) = try verify("""
        version: "1.0"
        machine:
          id: fs
          initial: a
          states:
            a: {}
            b: { final_state: true }
          transitions:
            - { id: ab, from: a, to: b, event: go }
          forbidden:
            - { from: b, to: "*" }
            - { from: a, to: "*" }
        """)
        #expect(m.forbidden.map(\.toText) == ["*", "*"])
        #expect(m.forbidden.allSatisfy { names(m, $0.to) == ["a", "b"] })
        #expect(props["forbidden:b->*"]?.verdict == .holds)
        #expect(props["forbidden:a->*"]?.verdict == .violated)
        #expect(props["forbidden:a->*"]?.trace?.length == 1)
    }

    /// robustness/semantics/forbidden-to-superstate.yaml: a step into any
    /// descendant of the superstate violates it.
    @Test func forbiddenToASuperstate() throws {
        let yaml = """
        version: "1.0"
        machine:
          id: fsup
          initial: a
          states:
            grp: {}
            a: { parent: grp }
            b: { parent: grp }
          transitions:
            - { id: ab, from: a, to: b, event: go }
            - { id: ba, from: b, to: a, event: back }
          forbidden:
            - { from: grp, to: grp }
        """
        let (m, props) = try verify(yaml)
        #expect(names(m, try #require(m.forbidden.first).to) == ["grp", "a", "b"])
        let p = try #require(props["forbidden:grp->grp"])
        #expect(p.verdict == .violated)
        #expect(p.trace?.length == 1)
        // Both transitions lie inside the forbidden edge: the lint says so for each.
        let lint = validate(yaml).diagnostics.filter { $0.code == .forbiddenInTable }
        #expect(lint.count == 2)
        #expect(lint.first?.message.contains("forbidden edge grp → grp is also transition 'ab'") == true)
    }

    /// A single state keeps its id text (SPEC §5.2.1), so existing ids do not change.
    @Test func forbiddenSingleStateIDsAreUnchanged() throws {
        let (m, props) = try verify(machine(extra: "  forbidden:\n    - { from: \"a\", to: \"b\" }\n    - { from: [\"b\"], to: [\"a\", \"b\"] }"))
        #expect(m.forbidden.map(\.fromText) == ["a", "b"])
        #expect(m.forbidden.map(\.toText) == ["b", "[a, b]"])
        #expect(props["forbidden:a->b"]?.verdict == .violated)
        #expect(props["forbidden:b->[a, b]"]?.verdict == .violated)
    }

    @Test func forbiddenEndpointMistakesAreLocated() {
        expectDiagnostic(.unknownState, machine(extra: "  forbidden:\n    - { from: a, to: [b, ⟨here⟩bb] }"))
        expectDiagnostic(.unknownState, machine(extra: "  forbidden:\n    - { from: [⟨here⟩x, a], to: \"*\" }"))
        expectDiagnostic(.wrongType, machine(extra: "  forbidden:\n    - { from: a, to: ⟨here⟩{ b: 1 } }"))
        expectDiagnostic(.missingField, machine(extra: "  forbidden:\n    - ⟨here⟩{ from: a }"))
    }

    // MARK: Sets and ranges

    /// robustness/semantics/empty-set.yaml: `max` over an empty set is an
    /// evaluation error (SPEC §3.1), so the playbook must load.
    @Test func emptySetLoads() throws {
        let (m, props) = try verify("""
        version: "1.0"
        machine:
          id: es
          initial: a
          sets:
            E: []
          states:
            a: {}
          transitions:
            - { id: t, from: a, to: a, event: go }
          invariants:
            - condition: "max(i in E: i) >= 0"
        """)
        #expect(m.sets.first?.elements.isEmpty == true)
        #expect(props["eval-error"]?.verdict == .violated)
        #expect(props["eval-error"]?.trace?.length == 0)
    }

    /// robustness/fuzz/trap-set-range-overflow.yaml: the span of the range
    /// does not fit in 64 bits; a located error, never a trap.
    @Test func hugeSetRangesAreLocatedErrors() {
        expectDiagnostic(.badRange, machine(extra: "  sets: {big: ⟨here⟩\"-9223372036854775808..9223372036854775807\"}"))
        expectDiagnostic(.badRange, machine(extra: "  sets: {big: ⟨here⟩\"0..9223372036854775807\"}"))
        expectDiagnostic(.badRange, machine(extra: "  sets: {big: ⟨here⟩\"-9223372036854775808..0\"}"))
        expectDiagnostic(.badRange, machine(extra: "  sets: {big: ⟨here⟩\"0..1000000\"}"))
        expectDiagnostic(.badRange, machine(extra: "  sets: {big: ⟨here⟩\"3..2\"}"))
        let r = validate(machine(extra: "  sets: {edge: \"9223372036854775806..9223372036854775807\"}"))
        #expect(r.errorCount == 0, "\(r.diagnostics)")
        #expect(r.model?.sets.first?.elements == [.int(.max - 1), .int(.max)])
    }

    /// robustness/fuzz/trap-range-count-overflow.yaml: `values(of:)` of a
    /// range whose size does not fit in 64 bits is nil (too many to list),
    /// and `pbcheck test` (which builds the transition system) runs.
    @Test func valuesOfHugeRangesDoNotTrap() throws {
        let yaml = """
        version: "1.0"
        machine:
          id: m
          initial: s
          variables:
            x: {type: int, range: [0, 9223372036854775807], init: any}
          states: {s: {}}
          transitions:
            - {id: t, from: s, to: s, event: e}
        """
        let model = try #require(validate(yaml).model)
        #expect(model.values(of: .int(0...Int64.max)) == nil)
        #expect(model.values(of: .int(Int64.min...Int64.max)) == nil)
        #expect(model.values(of: .int(Int64.min...0)) == nil)
        #expect(model.values(of: .int(0...10_000_000)) == nil)
        #expect(model.values(of: .int((Int64.max - 2)...Int64.max))?.count == 3)
        #expect(model.values(of: .int(-1...1)) == [.int(-1), .int(0), .int(1)])
        let outcome = Verifier.scenarios(model: model)
        #expect(outcome.properties.isEmpty)
    }

    // MARK: `machine:` with no value

    /// robustness/fuzz/machine-null.yaml: an error at the key, so every
    /// command exits 2 with a diagnostic, and the JSON says `"valid": false`.
    @Test func machineWithNoValueIsAnError() {
        expectDiagnostic(.missingField, """
        version: "1.0"
        ⟨here⟩machine:
        """)
        expectDiagnostic(.missingField, """
        version: "1.0"
        ⟨here⟩machine: ~
        scenarios: []
        """)
        let r = validate("version: \"1.0\"\nmachine:\n")
        #expect(r.model == nil)
        #expect(r.errorCount == 1)
        #expect(ResultJSON(validation: r).valid == false)
    }

    // MARK: Deep hierarchies and many wildcards (linear time)

    static func parentChain(_ n: Int, cycle: Bool = false) -> String {
        var yaml = "version: \"1.0\"\nmachine:\n  id: m\n  initial: s0\n  states:\n"
        for i in 0..<(n - 1) { yaml += "    s\(i): {parent: s\(i + 1)}\n" }
        yaml += cycle ? "    s\(n - 1): {parent: s0}\n" : "    s\(n - 1): {}\n"
        yaml += "  transitions:\n    - {id: t, from: s\(n - 1), to: s0, event: e}\n"
        return yaml
    }

    /// robustness/fuzz/gen_large.py's hang-parent-chain-10000: every state is
    /// an ancestor of the initial one, so nothing is unreachable, and the
    /// transition from the root leaves from all 10,000 states.
    @Test func tenThousandDeepParentChainLoads() throws {
        let r = validate(LoaderFixTests.parentChain(10_000))
        #expect(r.errorCount == 0)
        let m = try #require(r.model)
        #expect(m.states.count == 10_000)
        #expect(m.transitions.first?.from.count == 10_000)
        #expect(m.ancestry(of: 0).count == 10_000)
        #expect(m.descendants(of: 9_999).count == 10_000)
        #expect(r.diagnostics.filter { $0.code == .unreachableState }.isEmpty)
    }

    @Test func tenThousandLongParentCycleIsOneError() {
        let r = validate(LoaderFixTests.parentChain(10_000, cycle: true))
        let cycles = r.diagnostics.filter { $0.code == .parentCycle }
        #expect(cycles.count == 1)
        #expect(cycles.first?.message.hasPrefix("parent chain is cyclic: s0 → s1 → s2") == true)
        #expect(cycles.first?.message.hasSuffix("s9999 → s0") == true)
        #expect(cycles.first?.location == SourceLoc(line: 6, column: 18))
    }

    /// A state that leads into a cycle is not on it; the cycle is named from
    /// its first state in file order, at that state's `parent`.
    @Test func parentCycleIsNamedFromItsFirstState() {
        let (text, loc) = marked("""
        version: "1.0"
        machine:
          id: m
          initial: x
          states:
            x: { parent: a }
            b: { parent: ⟨here⟩a }
            a: { parent: b }
            s: { parent: s }
          transitions:
            - { id: t, from: x, to: x, event: e, guard: "true" }
        """)
        let cycles = validate(text).diagnostics.filter { $0.code == .parentCycle }
        #expect(cycles.map(\.message) == ["parent chain is cyclic: b → a → b", "parent chain is cyclic: s → s"])
        #expect(cycles.first?.location == loc)
    }

    /// robustness/fuzz/gen_large.py's hang-star-transitions: 1,000 states in
    /// a cycle and 1,000 `from: '*'` transitions, each on its own event.
    @Test func thousandWildcardTransitionsLoad() throws {
        var yaml = "version: \"1.0\"\nmachine:\n  id: m\n  initial: s0\n  states:\n"
        for i in 0..<1_000 { yaml += "    s\(i): {}\n" }
        yaml += "  transitions:\n"
        for i in 0..<1_000 { yaml += "    - {id: t\(i), from: s\(i), to: s\((i + 1) % 1_000), event: e}\n" }
        for i in 0..<1_000 { yaml += "    - {id: w\(i), from: '*', to: s\(i), event: e\(i)}\n" }
        let r = validate(yaml)
        #expect(r.errorCount == 0)
        let m = try #require(r.model)
        #expect(m.transitions.count == 2_000)
        #expect(m.transitions.last?.from.count == 1_000)
        #expect(r.diagnostics.filter { $0.code == .unguardedSelfLoop }.count == 1_000)
        #expect(r.diagnostics.filter { $0.code == .nondeterministicEvent }.isEmpty)
    }

    /// The nondeterminism lint still finds two unguarded transitions on one
    /// event (each pair once, at its second transition).
    @Test func nondeterministicEventsAreFoundInEventOrder() {
        let r = validate("""
        version: "1.0"
        machine:
          id: m
          initial: a
          states: { a: {}, b: {}, c: {} }
          transitions:
            - { id: z1, from: a, to: b, event: zz }
            - { id: y1, from: a, to: c, event: yy }
            - { id: z2, from: "*", to: c, event: zz }
            - { id: y2, from: a, to: b, event: yy }
            - { id: back, from: [b, c], to: a, event: r }
        """)
        let found = r.diagnostics.filter { $0.code == .nondeterministicEvent && $0.message.hasPrefix("in state 'a'") }
        #expect(Set(found.map(\.message)) == [
            "in state 'a', 'y1' and 'y2' both fire on event 'yy' without guards",
            "in state 'a', 'z1' and 'z2' both fire on event 'zz' without guards",
        ])
        #expect(found.count == 2)
    }

    // MARK: probar's path assertion and skipped sections (SPEC §6)

    func scripted(_ relative: String, replacing: String? = nil, with: String = "") throws -> (CheckOutcome, PropertyResult) {
        var text = try String(contentsOfFile: repoPath(relative), encoding: .utf8)
        if let replacing {
            #expect(text.contains(replacing))
            text = text.replacingOccurrences(of: replacing, with: with)
        }
        let v = Pipeline.validate(text: text, path: relative)
        let model = try #require(v.model, "\(v.diagnostics.map(\.message))")
        let outcome = Verifier.scenarios(model: model)
        return (outcome, try #require(outcome.properties.first { $0.property.id == "scenario:playbook" }))
    }

    /// The 1-based line of the first line of `relative` that contains `needle`.
    func line(of needle: String, in relative: String) throws -> Int {
        let text = try String(contentsOfFile: repoPath(relative), encoding: .utf8)
        return try #require(text.components(separatedBy: "\n").firstIndex { $0.contains(needle) }) + 1
    }

    @Test func pathExpectedFailsAtTheFirstStepThatDiffers() throws {
        let (outcome, p) = try scripted("specs/order-review.yaml")
        let expectedLine = try line(of: "expected: [", in: "specs/order-review.yaml")
        #expect(p.verdict == .violated)
        #expect(p.detail == "assertions.path.expected: step 2 ('approve') enters 'approved', expected 'shipped' (line \(expectedLine))")
        #expect(p.trace?.length == 3)
        // What probar runs there and pbcheck does not model is reported, at its place.
        let skipped = outcome.diagnostics.filter { $0.code == .scenarioSkipped }
        #expect(skipped.map(\.message) == [
            "Ship: capture tracking skipped (outside the model)",
            "assertions.output skipped (outside the model)",
            "performance: probar's performance budget skipped (outside the model)",
        ])
        let lines = try ["capture:", "output:", "performance:"].map { try line(of: $0, in: "specs/order-review.yaml") }
        #expect(skipped.map { $0.location?.line } == lines)
        #expect(skipped.allSatisfy { $0.severity == .note })
    }

    @Test func pathExpectedPassesWhenTheRunMatches() throws {
        let (_, p) = try scripted("specs/order-review.yaml", replacing: "expected: [\"draft\", \"review\", \"shipped\"]",
                                  with: "expected: [\"draft\", \"review\", \"approved\", \"shipped\"]")
        #expect(p.verdict == .holds, "\(p.detail ?? "")")
    }

    @Test func pathExpectedShorterLongerOrEmpty() throws {
        let original = "expected: [\"draft\", \"review\", \"shipped\"]"
        let n = try line(of: original, in: "specs/order-review.yaml")
        let cases = [
            ("expected: [\"draft\"]",
             "assertions.path.expected: step 1 ('submit') enters 'review', but the expected path ends in 'draft' after 0 steps (line \(n))"),
            ("expected: [\"draft\", \"review\", \"approved\", \"shipped\", \"rejected\"]",
             "assertions.path.expected: the run ends in 'shipped' after 3 steps; expected step 4 to enter 'rejected' (line \(n))"),
            ("expected: [\"review\"]", "assertions.path.expected: the run starts in 'draft', expected 'review' (line \(n))"),
            ("expected: []", "assertions.path.expected is empty; the run starts in 'draft' (line \(n))"),
        ]
        for (replacement, detail) in cases {
            let (_, p) = try scripted("specs/order-review.yaml", replacing: original, with: replacement)
            #expect(p.verdict == .violated)
            #expect(p.detail == detail)
        }
    }

    /// Path assertions without a `playbook` section check the empty run.
    @Test func pathAssertionsWithoutAScriptedRunStillRun() throws {
        let r = validate(machine() + "\nassertions:\n  path:\n    expected: [\"b\"]\n")
        let model = try #require(r.model)
        let p = try #require(Verifier.scenarios(model: model).properties.first { $0.property.id == "scenario:playbook" })
        #expect(p.verdict == .violated)
        #expect(p.detail == "assertions.path.expected: the run starts in 'a', expected 'b' (line 22)")
    }

    /// A misspelt path assertion is a warning with a suggestion, not a
    /// skip; a scripted transition that is not an id is an error.
    @Test func misspeltPathAssertionWarns() {
        expectDiagnostic(.unknownKey, machine() + "\nassertions:\n  path:\n    ⟨here⟩expectd: [a]\n", severity: .warning)
        expectDiagnostic(.wrongType, machine() + "\nplaybook:\n  steps:\n    - { name: s, transitions: [go, ⟨here⟩{ id: back }] }\n")
    }

    /// Every probar section pbcheck does not model is reported as skipped
    /// (SPEC §6), in file order, never silently.
    @Test func unmodeledProbarSectionsAreSkippedNotPassed() throws {
        let r = validate("""
        version: "1.0"
        machine:
          id: m
          initial: a
          performance: { max_transition_time_ms: 10 }
          states:
            a:
              on_entry: [{ type: navigate, url: "/" }]
            b:
              on_exit: [{ type: click, selector: "#x" }, { type: screenshot, name: "b" }]
          transitions:
            - id: go
              from: a
              to: b
              event: e
              actions: [{ type: click, selector: "#go" }]
              assertions: [{ type: url_matches, pattern: "/b" }]
            - { id: back, from: b, to: a, event: f }
        playbook:
          setup: [{ action: { wasm: init } }]
          steps:
            - name: "Go"
              transitions: [go]
              timeout: "5s"
              actions: [{ click: "#go" }]
          teardown: []
        assertions:
          path: { expected: [a, b], must_visit: [b], order: strict }
          complexity: { operation: go, measure: t, input_var: n, expected: "O(n)" }
        falsification: { mutations: [] }
        performance_assertions: []
        metadata: { owner: qa }
        """)
        #expect(r.errorCount == 0, "\(r.diagnostics)")
        let model = try #require(r.model)
        let outcome = Verifier.scenarios(model: model)
        #expect(outcome.properties.map(\.verdict) == [.holds])
        #expect(outcome.diagnostics.filter { $0.code == .scenarioSkipped }.map(\.message) == [
            "machine.performance: probar's performance budget skipped (outside the model)",
            "state 'a': on_entry browser action navigate skipped (outside the model)",
            "state 'b': on_exit browser actions click, screenshot skipped (outside the model)",
            "transition 'go': browser action click skipped (outside the model)",
            "transition 'go': assertion url_matches skipped (outside the model)",
            "playbook.setup skipped (outside the model)",
            "Go: browser action click skipped (outside the model)",
            "Go: timeout skipped (outside the model)",
            "playbook.teardown skipped (outside the model)",
            "assertions.path.order skipped (outside the model)",
            "assertions.complexity skipped (outside the model)",
            "falsification: probar's mutation protocol skipped (outside the model)",
            "performance_assertions: probar's performance assertions skipped (outside the model)",
        ])
        #expect(outcome.diagnostics.allSatisfy { $0.location != nil })
    }

    // MARK: `state` and literals

    /// robustness/semantics/state-literal-not-a-state.yaml: an undeclared
    /// observation compared with `state` and with a literal that is no state
    /// loads; `state` itself compared with such a literal does not.
    @Test func stateLiteralsAndUndeclaredObservations() {
        let r = validate("""
        version: "1.0"
        machine:
          id: sl
          initial: a
          states:
            a: {}
            b: { final_state: true }
          transitions:
            - { id: t, from: a, to: b, event: go, guard: "u == state => u != 'c'" }
        """)
        #expect(r.errorCount == 0, "\(r.diagnostics)")
        expectDiagnostic(.unknownEnumValue, machine(guardText: "state == ⟨here⟩'redy'"))
    }
}
