import Foundation
import Testing
@testable import PBCheckCore

/// The symbolic engine (BMC, k-induction, CHC) against the explicit one:
/// the same verdicts and the same shortest counterexample lengths on every
/// finite spec and on random machines (BMC to one step past the explicit
/// search's depth, so every reachable state and step is within its bound).
@Suite struct SymbolicTests {
    static func finiteSpecs() -> [String] {
        GoldenTests.files(in: "specs") + GoldenTests.files(in: "specs/buggy") + GoldenTests.files(in: "bench/models")
    }

    /// Explicit verdicts and lengths, and the symbolic ones for the same
    /// model, compared property by property. Returns the disagreements.
    static func compare(_ model: TypedModel, label: String) -> (disagreements: [String], proven: Int, compared: Bool) {
        let explicit = Verifier.run(model: model, engine: .explicit, options: ExplicitOptions())
        guard explicit.complete else { return ([], 0, false) }
        var options = SymbolicOptions()
        options.depth = explicit.stats.depth + 1
        let symbolic = Verifier.run(model: model, engine: .symbolic, options: ExplicitOptions(), symbolic: options)
        var out: [String] = []
        let byID = Dictionary(symbolic.properties.map { ($0.property.id.description, $0) }, uniquingKeysWith: { a, _ in a })
        var proven = 0
        for e in explicit.properties where e.property.kind != .scenario {
            guard let s = byID[e.property.id.description] else { out.append("\(label): \(e.property.id) missing"); continue }
            switch (e.verdict, s.verdict) {
            case (.violated, .violated):
                if e.trace?.length != s.trace?.length {
                    out.append("\(label): \(e.property.id) shortest \(e.trace?.length ?? -1) explicit, \(s.trace?.length ?? -1) symbolic")
                }
            case (.holds, .holds): proven += 1
            case (.holds, .bounded): break
            // Progress needs the reachable graph: the symbolic engine says so.
            case (_, .unknown) where e.property.kind == .progress: break
            default: out.append("\(label): \(e.property.id) explicit \(e.verdict) symbolic \(s.verdict) (\(s.detail ?? ""))")
            }
        }
        for d in symbolic.diagnostics where d.code == .internalError { out.append("\(label): \(d.message)") }
        return (out, proven, true)
    }

    @Test(arguments: finiteSpecs())
    func symbolicAgreesWithExplicitOnSpec(_ relative: String) throws {
        let model = try #require(Pipeline.validate(path: repoPath(relative)).model)
        let (bad, _, compared) = SymbolicTests.compare(model, label: relative)
        #expect(compared, "the explicit search did not finish on \(relative)")
        #expect(bad.isEmpty, Comment(rawValue: bad.joined(separator: "\n")))
    }

    @Test func symbolicAgreesWithExplicitOnRandomMachines() throws {
        var checked = 0, proven = 0
        var bad: [String] = []
        for seed in 1...120 {
            var gen = RandomMachine(seed: UInt64(seed))
            let text = gen.yaml()
            guard let model = Pipeline.validate(text: text, path: "random-\(seed).yaml").model else { continue }
            let r = SymbolicTests.compare(model, label: "seed \(seed)")
            guard r.compared else { continue }
            checked += 1
            proven += r.proven
            if !r.disagreements.isEmpty { bad += r.disagreements + [text] }
        }
        #expect(checked >= 80)
        #expect(bad.isEmpty, Comment(rawValue: bad.joined(separator: "\n")))
        // Most properties that hold are proven, not only bounded.
        #expect(proven > 100, "proven: \(proven)")
    }

    /// Every violation the symbolic engine reports carries a trace that the
    /// explicit step function replayed (else it would be `unknown` with an
    /// internal error), ending where the property breaks.
    @Test func bmcTracesReplay() throws {
        for relative in SymbolicTests.finiteSpecs() {
            let model = try #require(Pipeline.validate(path: repoPath(relative)).model)
            var options = SymbolicOptions()
            options.depth = 12
            let o = Verifier.run(model: model, engine: .symbolic, options: ExplicitOptions(), symbolic: options)
            #expect(!o.diagnostics.contains { $0.code == .internalError }, "\(relative)")
            for r in o.properties where r.verdict == .violated && r.property.kind != .scenario {
                let t = try #require(r.trace, "\(relative) \(r.property.id)")
                #expect("\(r.settledBy)".hasPrefix("bounded model checking"))
                #expect(t.length <= 13)
            }
        }
    }
}

/// The unbounded corpus (`specs/symbolic/`, expected results worked out
/// independently in `expected.json`): `verify` picks the symbolic engine,
/// proves what holds — by k-induction at no more than the k the corpus
/// gives for the property on its own (the engine also assumes what it has
/// already proven, which can only lower k), or by CHC — and finds every
/// violation at exactly its shortest length.
@Suite struct SymbolicCorpusTests {
    struct Expected: Decodable {
        struct Property: Decodable { var verdict: String; var length: Int?; var k: Int? }
        var properties: [String: Property]
    }

    static let expected: [String: Expected] = {
        guard let data = FileManager.default.contents(atPath: repoPath("specs/symbolic/expected.json")),
              let e = try? JSONDecoder().decode([String: Expected].self, from: data) else { return [:] }
        return e
    }()

    @Test func corpusIsThere() {
        #expect(SymbolicCorpusTests.expected.count >= 10)
    }

    @Test(arguments: expected.keys.sorted())
    func unboundedSpecIsProvenOrRefuted(_ file: String) throws {
        let spec = try #require(SymbolicCorpusTests.expected[file])
        let model = try #require(Pipeline.validate(path: repoPath("specs/symbolic/\(file)")).model)
        #expect(!Planner.domainsFinite(model) || TransitionSystem(model: model).unsupported != nil)
        let o = Verifier.run(model: model, options: ExplicitOptions())
        #expect(o.engine == "symbolic")
        #expect(!o.diagnostics.contains { $0.code == .internalError })
        let byID = Dictionary(o.properties.map { ($0.property.id.description, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(Set(byID.keys.filter { !$0.hasPrefix("scenario:") && $0 != "progress" }) == Set(spec.properties.keys), "\(file): property ids")
        if let progress = byID["progress"] {
            // A symbolic run cannot decide progress; it says why, as a warning.
            #expect(progress.verdict == .unknown && progress.property.severity == .warning, "\(file): progress is \(progress.verdict)")
        }
        for (id, want) in spec.properties {
            let got = try #require(byID[id], "\(file): \(id)")
            switch want.verdict {
            case "violated":
                #expect(got.verdict == .violated, "\(file): \(id) is \(got.verdict)")
                #expect(got.trace?.length == want.length, "\(file): \(id) length \(got.trace?.length ?? -1), expected \(want.length ?? -1)")
            default:
                #expect(got.verdict == .holds, "\(file): \(id) is \(got.verdict): \(got.detail ?? "")")
                switch got.settledBy {
                case .kInduction(let k, _):
                    if let most = want.k { #expect(k <= most, "\(file): \(id) \(got.settledBy), expected k ≤ \(most)") }
                case .chc, .noBadStep: break
                default: Issue.record("\(file): \(id) settled by \(got.settledBy)")
                }
            }
        }
    }
}

/// The per-transition obligations on small playbooks whose answers are
/// known by hand.
@Suite struct ObligationTests {
    static let yaml = """
    version: "1.0"
    machine:
      id: "o"
      initial: "idle"
      observations:
        load: { type: int, range: [0, 100] }
      states:
        idle: {}
        busy:
          invariants:
            - description: "busy only under load"
              condition: "load > 10"
        hot: {}
      transitions:
        - { id: "start", from: "idle", to: "busy", event: "go", guard: "load > 5" }
        - { id: "overheat", from: "idle", to: "hot", event: "go", guard: "load < 20" }
        - { id: "impossible", from: "idle", to: "hot", event: "spike", guard: "load > 50 && load < 40" }
        - { id: "beyond", from: "busy", to: "hot", event: "spike", guard: "load > 100" }
        - { id: "rest", from: "busy", to: "idle", event: "rest" }
        - { id: "cool", from: "hot", to: "idle", event: "cool" }
    """

    func obligations(_ engine: Verifier.Engine) throws -> CheckOutcome {
        let model = try #require(validate(ObligationTests.yaml).model)
        return Verifier.run(model: model, engine: engine, options: ExplicitOptions())
    }

    @Test(arguments: [Verifier.Engine.explicit, .symbolic])
    func deadTransitionsAreNamedWithWhatContradicts(_ engine: Verifier.Engine) throws {
        let o = try obligations(engine)
        let dead = o.diagnostics.filter { $0.code == .deadTransition }
        #expect(dead.count == 2)
        let impossible = try #require(dead.first { $0.message.contains("'impossible'") })
        // The two conjuncts contradict each other: the range is not needed.
        #expect(impossible.message.contains("`load > 50`") && impossible.message.contains("`load < 40`"))
        #expect(!impossible.message.contains("0..100"))
        let beyond = try #require(dead.first { $0.message.contains("'beyond'") })
        #expect(beyond.message.contains("`load > 100`") && beyond.message.contains("`load` ∈ 0..100"))
        #expect(o.coverage.neverFired.contains("impossible") && o.coverage.neverFired.contains("beyond"))
    }

    @Test(arguments: [Verifier.Engine.explicit, .symbolic])
    func establishmentAndOverlapHaveWitnesses(_ engine: Verifier.Engine) throws {
        let o = try obligations(engine)
        let report = try #require(o.obligations)
        let failing = report.obligations.filter { $0.kind == .establishment && $0.status == .fails }
        #expect(failing.count == 1)
        let start = try #require(failing.first)
        #expect(start.transition == "start" && start.property == "invariant:busy:0")
        // A snapshot with 5 < load <= 10 enables `start` and breaks the contract.
        let load = try #require(start.witness.first { $0.name == "load" })
        guard case .int(let v) = load.value else { Issue.record("load is not an int"); return }
        #expect(v > 5 && v <= 10)
        let overlap = report.obligations.filter { $0.kind == .overlap && $0.status == .fails }
        #expect(overlap.count == 1 && overlap.first?.transition == "start" && overlap.first?.other == "overheat")
        // The same findings as properties, with their witnesses.
        let det = try #require(o.properties.first { $0.property.id == "determinism:idle:go" })
        #expect(det.verdict == .violated && det.detail?.contains("load=") == true)
        let contract = try #require(o.properties.first { $0.property.id == "invariant:busy:0" })
        #expect(contract.verdict == .violated && contract.trace?.length == 1)
        // `rest` and `cool` need no snapshot: idle and hot never stall; in
        // idle, load > 20 && load <= 5 is impossible too, so nothing stalls.
        #expect(!report.obligations.contains { $0.kind == .stall && $0.status == .fails })
    }
}

@Suite struct AutoEngineTests {
    /// Deadlock here is not k-inductive (an endless unreachable chain
    /// -6 → -5 → 10 ends in a deadlock at 10) and, being quantified over
    /// the snapshot, not for Spacer; but `x` only ever takes 0..3, so
    /// `verify` tries the explicit search first, which settles it
    /// exhaustively.
    @Test func explicitSearchSettlesWhatProofsLeaveOpen() throws {
        let model = try #require(validate("""
        version: "1.0"
        machine:
          id: "a"
          initial: "run"
          variables:
            x: { type: int, init: 0 }
          observations:
            go: { type: bool }
          states:
            run: {}
          transitions:
            - { id: "inc", from: "run", to: "run", event: "inc", guard: "x < 3 && go", effects: ["x := x + 1"] }
            - { id: "back", from: "run", to: "run", event: "back", guard: "x == 3 && go", effects: ["x := 0"] }
            - { id: "jump", from: "run", to: "run", event: "jump", guard: "x == -5", effects: ["x := 10"] }
        """).model)
        var options = SymbolicOptions()
        options.depth = 6
        let symbolic = Verifier.run(model: model, engine: .symbolic, options: ExplicitOptions(), symbolic: options)
        #expect(symbolic.properties.first { $0.property.id == "deadlock" }?.verdict == .bounded)
        let auto = Verifier.run(model: model, options: ExplicitOptions(), symbolic: options)
        #expect(auto.engine == "explicit" && auto.complete)
        let deadlock = try #require(auto.properties.first { $0.property.id == "deadlock" })
        #expect(deadlock.verdict == .holds && deadlock.settledBy == .exhaustive)
        #expect(auto.stats.states == 4)
        #expect(auto.coverage.neverFired == ["jump"])
    }

    /// `x` grows without bound, so the explicit search stops at its share
    /// of states; the symbolic engine proves `x >= 0` by induction, and the
    /// violation of `y < 8` the search found (8 steps) is kept although BMC
    /// only looked 6 deep.
    @Test func incompleteExplicitSearchKeepsItsViolations() throws {
        let model = try #require(validate("""
        version: "1.0"
        machine:
          id: grow
          initial: run
          variables:
            x: { type: int, init: 0 }
            y: { type: int, range: [0, 9], init: 0 }
          states:
            run: {}
          invariants:
            - "x >= 0"
            - "y < 8"
          transitions:
            - { id: "inc", from: "run", to: "run", event: "inc", guard: "y >= 8", effects: ["x := x + 1"] }
            - { id: "step", from: "run", to: "run", event: "step", guard: "y < 9", effects: ["y := y + 1"] }
        """).model)
        var options = SymbolicOptions()
        options.depth = 6
        var explicit = ExplicitOptions()
        explicit.maxStates = 2_000
        let auto = Verifier.run(model: model, options: explicit, symbolic: options)
        #expect(auto.engine == "symbolic+explicit")
        let grows = try #require(auto.properties.first { $0.property.id == "global:0" })
        #expect(grows.verdict == .holds)
        let bounded = try #require(auto.properties.first { $0.property.id == "global:1" })
        #expect(bounded.verdict == .violated && bounded.trace?.length == 8)
        #expect(auto.coverage.neverFired.isEmpty)
    }
}

@Suite struct SymbolicEdgeTests {
    /// An undeclared observation keyed by an enum variable: BMC picks the
    /// key symbolically, so it needs one value per key the enum allows (one
    /// fresh value for every key would not replay).
    @Test func observationKeyedByAVariableReplays() throws {
        let model = try #require(validate("""
        version: "1.0"
        machine:
          id: "k"
          initial: "a"
          variables:
            cur: { type: enum, values: [n1, n2], init: n1 }
            hits: { type: int, init: 0 }
          states:
            a:
              invariants:
                - { description: "healthy current", condition: "healthy(cur)" }
            b: {}
          transitions:
            - { id: "go", from: "a", to: "b", event: "go", guard: "healthy(cur) && hits < 5", effects: ["hits := hits + 1"] }
            - { id: "back", from: "b", to: "a", event: "back", guard: "load(cur) > 3", effects: ["cur := cur == 'n1' ? 'n2' : 'n1'"] }
        """).model)
        let (bad, _, compared) = SymbolicTests.compare(model, label: "keyed observation")
        #expect(compared)
        #expect(bad.isEmpty, Comment(rawValue: bad.joined(separator: "\n")))
        let o = Verifier.run(model: model, engine: .symbolic, options: ExplicitOptions())
        let contract = try #require(o.properties.first { $0.property.id == "invariant:a:0" })
        #expect(contract.verdict == .violated && contract.trace?.length == 2)
        #expect(contract.trace?.steps.last?.observations.contains { $0.name == "healthy(n2)" && $0.value == .bool(false) } == true)
    }
}

/// The bit-vector encoding of finite models (`BitWidth`): the width
/// covers every value the encoding computes, unbounded models keep Z3's
/// integers, and both encodings give the same verdicts and lengths.
@Suite struct BitVectorEncodingTests {
    func system(_ yaml: String) throws -> TransitionSystem {
        TransitionSystem(model: try #require(Pipeline.validate(text: yaml, path: "bv.yaml").model))
    }

    func machine(variables: String, effect: String, guardExpr: String = "true") -> String {
        """
        version: "1.0"
        machine:
          id: "bv"
          initial: "a"
          variables:
        \(variables)
          states:
            a: {}
          transitions:
            - { id: "t", from: "a", to: "a", event: "t", guard: "\(guardExpr)", effects: ["\(effect)"] }
        """
    }

    @Test func widthCoversEveryComputedValue() throws {
        // x in 0..3: x + 1 reaches 4, and symbol ids and selectors are small.
        let small = try system(machine(variables: "    x: { type: int, range: [0, 3], init: 0 }", effect: "x := (x + 1) % 4"))
        let w = try #require(BitWidth.of(small))
        #expect(w >= 4 && w <= 8)
        // x * 1000 over 0..1000 needs 1,000,000: 20 bits and a sign.
        let product = try system(machine(variables: "    x: { type: int, range: [0, 1000], init: 0 }", effect: "x := x * 1000 % 1001"))
        #expect(try #require(BitWidth.of(product)) >= 22)
        // A literal counts too.
        let literal = try system(machine(variables: "    x: { type: int, range: [0, 3], init: 0 }", effect: "x := 0",
                                         guardExpr: "x < 100000"))
        #expect(try #require(BitWidth.of(literal)) >= 19)
    }

    @Test func unboundedOrWideModelsKeepIntegers() throws {
        #expect(BitWidth.of(try system(machine(variables: "    x: { type: int, init: 0 }", effect: "x := x + 1"))) == nil)
        // x * x * x over 0..2^20 needs 60 bits: past the widest bit-vector used.
        let cube = try system(machine(variables: "    x: { type: int, range: [0, 1048576], init: 0 }", effect: "x := x * x * x % 7"))
        #expect(BitWidth.of(cube) == nil)
    }

    /// Every finite spec, symbolic over bit-vectors and over integers: the
    /// same verdict for every property and the same counterexample lengths.
    @Test(arguments: SymbolicTests.finiteSpecs() + ["specs/symbolic/ticket-lock.yaml"])
    func encodingsAgree(_ relative: String) throws {
        let model = try #require(Pipeline.validate(path: repoPath(relative)).model)
        var options = SymbolicOptions()
        options.depth = 6
        let bv = Verifier.run(model: model, engine: .symbolic, options: ExplicitOptions(), symbolic: options)
        options.bitVectors = false
        let ints = Verifier.run(model: model, engine: .symbolic, options: ExplicitOptions(), symbolic: options)
        let byID = Dictionary(ints.properties.map { ($0.property.id.description, $0) }, uniquingKeysWith: { a, _ in a })
        for r in bv.properties {
            let i = try #require(byID[r.property.id.description])
            // An undecided query may differ (time limits); decided answers agree.
            if r.verdict == .unknown || i.verdict == .unknown { continue }
            let settled: Set<Verdict> = [.holds, .bounded]
            #expect(r.verdict == i.verdict || (settled.contains(r.verdict) && settled.contains(i.verdict)),
                    "\(relative) \(r.property.id): bit-vectors \(r.verdict), integers \(i.verdict)")
            #expect(r.trace?.length == i.trace?.length, "\(relative) \(r.property.id)")
        }
        #expect(!bv.diagnostics.contains { $0.code == .internalError }, "\(relative)")
    }
}
