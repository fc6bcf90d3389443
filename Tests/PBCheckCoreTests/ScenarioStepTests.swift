import Foundation
import Testing
@testable import PBCheckCore

/// Scenario steps beyond SPEC §6 that make every counterexample a scenario:
/// `holds: ID` for each kind of property (decided by the kernel), `choose:`,
/// `init:`, `observe:` by keyed member and browser condition, asserts that
/// read what the last action observed, and their load errors; then
/// `ScenarioYAML` (a counterexample as an entry that fails under `test`)
/// and the `NAME.PROPERTY.scenario.yaml` report files.
@Suite struct ScenarioStepTests {
    /// The scenario results of a playbook given inline.
    static func results(_ yaml: String, deadlock: Bool = true, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: PropertyResult] {
        let v = validate(yaml)
        let model = try #require(v.model, "does not load: \(v.diagnostics.map(\.message))", sourceLocation: sourceLocation)
        let system = TransitionSystem(model: model, deadlock: deadlock)
        let (results, _) = ScenarioRunner(system: system).runAll()
        return Dictionary(results.map { ($0.property.id.parts.first ?? "", $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// A machine with every kind of property: a trap (`stuck`, no way out),
    /// a final state, a forbidden edge, a range (and `k`, which nothing
    /// assigns: no range property), an invariant, a global invariant, a
    /// contract on `temp`, an invariant that can divide by zero, and two
    /// transitions on one event.
    static let machine = """
    version: "1.0"
    machine:
      id: m
      initial: a
      variables:
        x: { type: int, range: [0, 3], init: 0 }
        d: { type: int, range: [0, 1], init: 1 }
        k: { type: int, range: [0, 1], init: 0 }
      observations:
        temp: { type: int, range: [0, 40] }
      invariants:
        - condition: "x <= 2"
      states:
        a: {}
        b:
          invariants:
            - condition: "x != 1"
            - condition: "temp > 10"
        c:
          invariants:
            - condition: "10 / d >= 0"
        stuck: {}
        done: { final_state: true }
      transitions:
        - { id: inc, from: a, to: a, event: inc, effects: ["x := x + 1"] }
        - { id: go, from: a, to: b, event: go }
        - { id: go2, from: a, to: c, event: go }
        - { id: enter, from: b, to: c, event: enter, guard: "temp >= 0" }
        - { id: zero, from: c, to: c, event: zero, effects: ["d := 0"] }
        - { id: trap, from: c, to: stuck, event: trap }
        - { id: finish, from: c, to: done, event: finish }
      forbidden:
        - { from: b, to: c }
    scenarios:

    """

    static func scenario(_ name: String, _ steps: String) -> String {
        "  - name: \(name)\n    steps:\n" + steps.split(separator: "\n").map { "      \($0)" }.joined(separator: "\n") + "\n"
    }

    @Test func holdsOfEveryKind() throws {
        let r = try Self.results(Self.machine + [
            Self.scenario("deadlock-holds", "- holds: deadlock"),
            Self.scenario("deadlock-fails", "- action: go2\n- action: trap\n- holds: deadlock"),
            Self.scenario("progress-holds", "- holds: progress"),
            Self.scenario("progress-fails", "- action: go2\n- action: trap\n- holds: progress"),
            Self.scenario("determinism-fails", "- holds: determinism:a:go"),
            Self.scenario("forbidden-fails", "- action: go\n  observe: { temp: 20 }\n- action: enter\n  observe: { temp: 20 }\n- holds: forbidden:b->c"),
            Self.scenario("forbidden-holds", "- action: go2\n- holds: forbidden:b->c"),
            Self.scenario("invariant-fails", "- action: inc\n- action: go\n  observe: { temp: 20 }\n- holds: invariant:b:0"),
            Self.scenario("invariant-holds", "- action: go\n  observe: { temp: 20 }\n- holds: invariant:b:0"),
            Self.scenario("global-fails", "- action: inc\n- action: inc\n- action: inc\n- holds: global:0"),
            Self.scenario("contract-fails", "- action: go\n  observe: { temp: 5 }\n- holds: invariant:b:1"),
            Self.scenario("contract-holds", "- action: go\n  observe: { temp: 11 }\n- holds: invariant:b:1"),
            Self.scenario("eval-error-fails", "- action: go2\n- action: zero\n- holds: eval-error"),
            Self.scenario("eval-error-holds", "- action: go2\n- holds: eval-error"),
            Self.scenario("range-holds", "- action: inc\n- holds: range:x"),
            Self.scenario("range-fails", "- action: inc\n  repeat: 4\n- holds: range:x"),
            Self.scenario("range-unnumbered", "- holds: range:k"),
        ].joined())
        func expectViolated(_ name: String, _ words: [String], sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(r[name]?.verdict == .violated, "\(name): \(r[name]?.verdict.rawValue ?? "missing")", sourceLocation: sourceLocation)
            for w in words {
                #expect(r[name]?.detail?.contains(w) == true, "\(name): '\(r[name]?.detail ?? "")' lacks '\(w)'", sourceLocation: sourceLocation)
            }
        }
        for name in ["deadlock-holds", "progress-holds", "forbidden-holds", "invariant-holds", "contract-holds", "eval-error-holds",
                     "range-holds", "range-unnumbered"] {
            #expect(r[name]?.verdict == .holds, "\(name): \(r[name]?.detail ?? "")")
        }
        expectViolated("deadlock-fails", ["holds: deadlock", "no step can fire in stuck"])
        expectViolated("progress-fails", ["holds: progress", "no final state can be reached from stuck"])
        expectViolated("determinism-fails", ["holds: determinism:a:go", "'go' and 'go2' are both enabled"])
        expectViolated("forbidden-fails", ["holds: forbidden:b->c", "'enter' goes from b to c"])
        expectViolated("invariant-fails", ["holds: invariant:b:0", "invariant does not hold"])
        expectViolated("global-fails", ["holds: global:0"])
        expectViolated("contract-fails", ["holds: invariant:b:1", "'go' enters b without establishing it"])
        expectViolated("eval-error-fails", ["holds: eval-error", "division by zero"])
        // The action that breaks a range has no successor: it fails, naming the property.
        expectViolated("range-fails", ["'inc'", "cannot complete", "range:x:", "x := 4"])
        // The trace of a failed scenario replays up to the failing step.
        #expect(r["deadlock-fails"]?.trace?.steps.map(\.transition) == ["go2", "trap"])
    }

    /// A run that does not check deadlock claims nothing about it.
    @Test func holdsOfAnUncheckedPropertyIsUnknown() throws {
        let r = try Self.results(Self.machine + Self.scenario("s", "- holds: deadlock"), deadlock: false)
        #expect(r["s"]?.verdict == .unknown)
        #expect(r["s"]?.detail?.contains("deadlock is not checked in this run") == true)
    }

    @Test func chooseGivesTheValuesOfAny() throws {
        let yaml = """
        version: "1.0"
        machine:
          id: m
          initial: a
          sets: { nodes: [n1, n2] }
          variables:
            x: { type: int, range: [0, 3], init: 0 }
            up: { type: bool, keys: nodes, init: false }
          states: { a: {} }
          transitions:
            - { id: pick, from: a, to: a, event: pick, effects: ["x := any"] }
            - { id: flip, from: a, to: a, event: flip, params: { n: nodes }, effects: ["up(n) := any"] }
        scenarios:
          - name: chosen
            steps:
              - { action: pick, choose: { x: 3 } }
              - assert: "x == 3"
              - { action: flip, params: { n: n2 }, choose: { up: true } }
              - assert: "up('n2') && !up('n1')"
          - name: default
            steps:
              - action: pick
              - assert: "x == 0"
          - name: not-a-value
            steps:
              - { action: pick, choose: { x: 4 } }
          - name: not-any
            steps:
              - { action: pick, choose: { up: true } }
        """
        let r = try Self.results(yaml)
        #expect(r["chosen"]?.verdict == .holds, "\(r["chosen"]?.detail ?? "")")
        #expect(r["default"]?.verdict == .holds, "\(r["default"]?.detail ?? "")")
        #expect(r["not-a-value"]?.verdict == .violated)
        #expect(r["not-a-value"]?.detail?.contains("4 is not a value of variable 'x'") == true, "\(r["not-a-value"]?.detail ?? "")")
        #expect(r["not-any"]?.verdict == .violated)
        #expect(r["not-any"]?.detail?.contains("assigns no `up := any`") == true, "\(r["not-any"]?.detail ?? "")")
    }

    @Test func initPicksTheInitialState() throws {
        let yaml = """
        version: "1.0"
        machine:
          id: m
          initial: a
          sets: { slots: "0..2" }
          variables:
            p: { type: int, range: [0, 2], init: any }
            full: { type: bool, keys: slots, init: any }
            fixed: { type: int, range: [0, 2], init: 0 }
          states: { a: {} }
          transitions:
            - { id: go, from: a, to: a, event: go, guard: "p == 2 && full(1)" }
        scenarios:
          - name: started
            init: { p: 2, full(1): true }
            steps:
              - action: go
              - assert: "p == 2 && full(1) && !full(0)"
          - name: first
            steps:
              - action: go
          - name: not-initial
            init: { fixed: 1 }
            steps: []
          - name: unknown
            init: { q: 1 }
            steps: []
        """
        let r = try Self.results(yaml)
        #expect(r["started"]?.verdict == .holds, "\(r["started"]?.detail ?? "")")
        #expect(r["started"]?.trace == nil)
        #expect(r["first"]?.verdict == .violated)
        #expect(r["not-initial"]?.detail?.contains("init: fixed cannot start at 1") == true, "\(r["not-initial"]?.detail ?? "")")
        #expect(r["not-initial"]?.detail?.contains("its init is 0") == true)
        #expect(r["unknown"]?.detail?.contains("'q'") == true)
    }

    @Test func observeByKeyedMemberAndBrowserCondition() throws {
        let yaml = """
        version: "1.0"
        machine:
          id: m
          initial: a
          sets: { nodes: [us-west, eu-west] }
          observations:
            health: { type: bool, keys: nodes }
          states: { a: {}, b: {} }
          transitions:
            - { id: route, from: a, to: b, event: route, params: { n: nodes }, guard: "health(n)" }
            - { id: show, from: b, to: a, event: show, guard: "display.text.len() > 0" }
        scenarios:
          - name: keyed
            steps:
              - { action: route, params: { n: eu-west }, observe: { health(eu-west): true } }
              - assert: "health('eu-west')"
              - action: show
                observe: { "display.text.len() > 0": true }
          - name: keyed-false
            steps:
              - { action: route, params: { n: eu-west }, observe: { health(eu-west): false } }
          - name: opaque-false
            steps:
              - { action: route, params: { n: us-west } }
              - action: show
                observe: { "display.text.len() > 0": false }
        """
        let r = try Self.results(yaml)
        #expect(r["keyed"]?.verdict == .holds, "\(r["keyed"]?.detail ?? "")")
        #expect(r["keyed-false"]?.verdict == .violated)
        #expect(r["keyed-false"]?.detail?.contains("'route' is not enabled in a") == true, "\(r["keyed-false"]?.detail ?? "")")
        #expect(r["opaque-false"]?.verdict == .violated)
        #expect(r["opaque-false"]?.detail?.contains("'show' is not enabled in b") == true, "\(r["opaque-false"]?.detail ?? "")")
    }

    /// An assert may read what the last action fixed with `observe:` (the
    /// snapshot its contracts saw), and nothing else.
    @Test func assertReadsWhatTheLastActionObserved() throws {
        let yaml = Self.machine + [
            Self.scenario("reads-fixed", "- action: go\n  observe: { temp: 5 }\n- assert: \"temp == 5 && x == 0\"\n- assert: \"temp < 10\""),
            Self.scenario("contract-as-assert", "- action: go\n  observe: { temp: 5 }\n- assert: \"temp > 10\""),
            Self.scenario("not-fixed", "- action: go\n- assert: \"temp > 10\""),
            Self.scenario("before-any-action", "- assert: \"temp > 10\""),
            Self.scenario("later-action", "- action: go2\n  observe: { temp: 5 }\n- action: zero\n- assert: \"temp == 5\""),
        ].joined()
        let r = try Self.results(yaml)
        #expect(r["reads-fixed"]?.verdict == .holds, "\(r["reads-fixed"]?.detail ?? "")")
        #expect(r["contract-as-assert"]?.verdict == .violated)
        #expect(r["contract-as-assert"]?.detail?.contains("assert 'temp > 10'") == true)
        #expect(r["contract-as-assert"]?.detail?.contains("fails in b") == true, "\(r["contract-as-assert"]?.detail ?? "")")
        for name in ["not-fixed", "before-any-action", "later-action"] {
            #expect(r[name]?.verdict == .violated)
            #expect(r[name]?.detail?.contains("reads 'temp', which the action before it did not fix with observe:") == true,
                    "\(name): \(r[name]?.detail ?? "")")
        }
    }

    // MARK: Load errors

    func expectError(_ yaml: String, _ words: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let (text, loc) = marked(yaml)
        let r = validate(text)
        let hits = r.diagnostics.filter { $0.code == .badScenario }
        #expect(r.model == nil, sourceLocation: sourceLocation)
        #expect(hits.first?.location == loc, "at \(hits.first?.location.map(\.description) ?? "-"), want \(loc)", sourceLocation: sourceLocation)
        #expect(hits.first?.message.contains(words) == true, "\(hits.first?.message ?? "no bad-scenario")", sourceLocation: sourceLocation)
    }

    @Test func holdsLoadErrors() {
        let cases: [(String, String)] = [
            ("holds: ⟨here⟩\"nonsense\"", "'nonsense' is not a property id"),
            ("holds: ⟨here⟩\"deadlock:x\"", "is not a property id"),
            ("holds: ⟨here⟩\"invariant:nowhere:0\"", "names no state 'nowhere'"),
            ("holds: ⟨here⟩\"invariant:b:5\"", "state 'b' has 2 invariants"),
            ("holds: ⟨here⟩\"global:3\"", "1 global invariant"),
            ("holds: ⟨here⟩\"forbidden:a->b\"", "names no forbidden entry"),
            ("holds: ⟨here⟩\"range:y\"", "names no variable 'y'"),
            ("holds: ⟨here⟩\"determinism:a:nope\"", "names no event 'nope'"),
            ("holds: ⟨here⟩\"scenario:other\"", "cannot be a step of another scenario"),
            ("{ action: go, ⟨here⟩holds: deadlock }", "a step takes one of 'action', 'assert' and 'holds'"),
        ]
        for (step, words) in cases {
            expectError(Self.machine + "  - name: s\n    steps:\n      - \(step)\n", words)
        }
        let noFinal = Self.machine.replacingOccurrences(of: "done: { final_state: true }", with: "done: {}")
        expectError(noFinal + "  - name: s\n    steps:\n      - holds: ⟨here⟩progress\n", "only in a machine with a final state")
    }

    // MARK: ScenarioYAML

    static func verified(_ yaml: String) throws -> (TypedModel, CheckOutcome) {
        let v = validate(yaml)
        let model = try #require(v.model)
        var request = CheckRequest()
        request.engine = .explicit
        return (model, Verifier.run(model: model, request: request))
    }

    /// Each counterexample of the machine, as an entry appended to the
    /// playbook, fails under `test` naming its property; the entry holds
    /// every value as written.
    @Test func everyCounterexampleFailsAsAScenario() throws {
        let base = Self.machine.replacingOccurrences(of: "scenarios:\n", with: "")
        let (model, outcome) = try Self.verified(base)
        let violated = outcome.properties.filter { $0.verdict == .violated && $0.trace != nil }
        #expect(Set(violated.map(\.property.id.description)).isSuperset(of: ["deadlock", "progress", "determinism:a:go", "forbidden:b->c",
                                                                            "invariant:b:0", "invariant:b:1", "global:0", "eval-error"]))
        for r in violated {
            let name = ScenarioYAML.name(for: r.property.id)
            let entry = try ScenarioYAML.entry(model: model, result: r, trace: #require(r.trace), name: name)
            let results = try Self.results(base + "scenarios:\n" + entry)
            let got = try #require(results[name], "\(r.property.id): no scenario in\n\(entry)")
            #expect(got.verdict == .violated, "\(r.property.id): \(got.verdict) \(got.detail ?? "")\n\(entry)")
            let check = ScenarioYAML.check(model, r, try #require(r.trace))
            switch check {
            case .holds(let id): #expect(got.detail?.contains(id.description) == true, "\(got.detail ?? "")")
            case .assert(let text): #expect(got.detail?.contains("assert '\(text)'") == true, "\(got.detail ?? "")")
            }
        }
        let contract = try #require(violated.first { $0.property.id == "invariant:b:1" })
        #expect(ScenarioYAML.check(model, contract, try #require(contract.trace)) == .assert("temp > 10"))
        let state = try #require(violated.first { $0.property.id == "invariant:b:0" })
        #expect(ScenarioYAML.check(model, state, try #require(state.trace)) == .assert("x != 1"))
    }

    /// The exact entry for one counterexample.
    @Test func entryText() throws {
        let (model, outcome) = try Self.verified(Self.machine.replacingOccurrences(of: "scenarios:\n", with: ""))
        let r = try #require(outcome.properties.first { $0.property.id == "invariant:b:1" })
        let text = ScenarioYAML.entry(model: model, result: r, trace: try #require(r.trace), name: ScenarioYAML.name(for: r.property.id))
        #expect(text == """
          - name: "counterexample-invariant_b_1"
            description: "Counterexample to invariant:b:1 (temp > 10): 'go' enters b without establishing it"
            steps:
              - action: "go"
                observe: { temp: 0 }
              - assert: "temp > 10"

        """)
    }

    /// Any string survives the quoting: quotes, backslashes, line breaks,
    /// controls, separators, a byte-order mark, astral characters.
    @Test func quotedStringsRoundTrip() throws {
        let strings = ["plain", "it's \"quoted\"", "back\\slash", "two\nlines\r\n", "tab\there", "bell\u{7}nul\u{0}", "\u{85}\u{2028}\u{2029}",
                       "b\u{FEFF}om", "é 漢字 🎉", "# not a comment", "- not a list", "{not: flow}", "true", "123", ": colon", ""]
        for s in strings {
            let yaml = Self.machine + "  - name: \(ScenarioYAML.quoted(s))\n    description: \(ScenarioYAML.quoted(s))\n    steps: []\n"
            let v = validate(yaml)
            #expect(v.model?.spec.scenarios.first?.name.value == s, "\(s.debugDescription): \(v.diagnostics.map(\.message))")
            #expect(v.model?.spec.scenarios.first?.description == s || s.isEmpty, "\(s.debugDescription)")
        }
        #expect(ScenarioYAML.key("cart_total") == "cart_total")
        #expect(ScenarioYAML.key("health(us-west)") == "\"health(us-west)\"")
        #expect(ScenarioYAML.key("yes") == "\"yes\"")
    }

    /// `NAME.PROPERTY.scenario.yaml` for every violated property with a
    /// trace, named as its ITF file, none for a failing scenario; stale
    /// ones are removed as stale ITF files are.
    @Test func reportFiles() throws {
        let yaml = Self.machine + Self.scenario("fails", "- action: nope")
        let v = validate(yaml)
        let model = try #require(v.model)
        var request = CheckRequest()
        request.engine = .explicit
        let outcome = Verifier.run(model: model, request: request)
        let input = ReportInput(path: "dir/m.yaml", command: .verify, validation: v, outcome: outcome)
        let files = ReportWriter.scenarioFiles(input)
        let itf = ReportWriter.itfFiles(input)
        let violated = outcome.properties.filter { $0.verdict == .violated && $0.trace != nil && $0.property.kind != .scenario }
        #expect(files.count == violated.count)
        #expect(files.map { $0.name.replacingOccurrences(of: ".scenario.yaml", with: "") }
            == itf.map { $0.name.replacingOccurrences(of: ".itf.json", with: "") }.filter { !$0.hasPrefix("m.scenario_") })
        #expect(files.contains { $0.name == "m.forbidden_b-to-c.scenario.yaml" })
        let text = try #require(files.first).contents
        #expect(String(decoding: text, as: UTF8.self).hasPrefix("# A regression scenario for "))
        #expect(String(decoding: text, as: UTF8.self).contains("#   pbcheck test dir/m.yaml\n"))

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pbcheck-scen-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = try ReportWriter(directory: dir)
        for f in ["m.old.scenario.yaml", "m.old.itf.json", "m.x.scenario.yaml.txt", "mm.old.scenario.yaml"] {
            #expect(FileManager.default.createFile(atPath: "\(dir)/\(f)", contents: Data()))
        }
        try writer.write(files, spec: "m")
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: dir))
        #expect(left == Set(files.map(\.name) + ["m.x.scenario.yaml.txt", "mm.old.scenario.yaml"]))
    }
}
