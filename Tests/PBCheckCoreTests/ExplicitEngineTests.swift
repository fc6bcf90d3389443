import Foundation
import Testing
@testable import PBCheckCore

/// Runs the explicit engine on a spec file.
func check(_ path: String, jobs: Int = 1, threshold: Int = 64) throws -> CheckOutcome {
    let v = Pipeline.validate(path: path)
    let model = try #require(v.model, "\(path) does not load: \(v.diagnostics.map(\.message))")
    var o = ExplicitOptions()
    o.jobs = jobs
    o.parallelThreshold = threshold
    return Verifier.run(model: model, options: o)
}

func specFiles(_ dir: String) -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: repoPath(dir))) ?? []
    return names.filter { $0.hasSuffix(".yaml") }.sorted().map { repoPath("\(dir)/\($0)") }
}

@Suite struct ExplicitEngineTests {
    /// `specs/buggy/expected.json` comes from `Tests/oracle/oracle.py`, an
    /// independent checker in Python (the observation spec by hand).
    @Test func buggySpecsMatchTheIndependentOracle() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: repoPath("specs/buggy/expected.json")))
        let expected = try #require(try JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])
        #expect(expected.count >= 13)
        for (file, entry) in expected.sorted(by: { $0.key < $1.key }) {
            let outcome = try check(repoPath("specs/buggy/\(file)"))
            #expect(outcome.complete, "\(file)")
            #expect(outcome.stats.states == entry["states"] as? Int, "\(file): states")
            let props = try #require(entry["properties"] as? [String: [String: Any]])
            let ours = Dictionary(outcome.properties.map { ($0.property.id.description, $0) }, uniquingKeysWith: { a, _ in a })
            for (id, p) in props {
                let verdict = p["verdict"] as? String
                guard let r = ours[id] else {
                    // The oracle lists range properties of never-assigned
                    // variables; pbcheck lists only assigned ones.
                    #expect(verdict == "holds", "\(file): \(id) missing")
                    continue
                }
                #expect(r.verdict.rawValue == verdict, "\(file): \(id)")
                #expect(r.trace?.length == p["length"] as? Int, "\(file): \(id) length")
            }
            for r in outcome.properties where r.verdict == .violated && r.property.kind != .determinism {
                #expect(props[r.property.id.description] != nil, "\(file): \(r.property.id) violated but not in the oracle's list")
            }
        }
    }

    /// Hand-computed: 10^4 states for four counters 0..9; the deep forbidden
    /// edge of `deep-forbidden.yaml` takes exactly these nine steps.
    @Test func handComputedCountsAndTrace() throws {
        let yaml = """
        version: "1.0"
        machine:
          id: c
          initial: run
          sets: { idx: "0..3" }
          variables:
            c: { type: int, range: [0, 9], keys: idx, init: 0 }
          states: { run: {} }
          transitions:
            - { id: inc, from: run, to: run, event: tick, params: { i: idx }, effects: ["c(i) := (c(i) + 1) % 10"] }
        """
        let model = try #require(validate(yaml).model)
        let o = Verifier.run(model: model, options: ExplicitOptions())
        #expect(o.stats.states == 10_000)
        #expect(o.stats.depth == 36)
        #expect(o.properties.allSatisfy { $0.verdict == .holds })

        let deep = try check(repoPath("specs/buggy/deep-forbidden.yaml"))
        let trace = try #require(deep.properties.first { $0.property.id == "forbidden:loading->fired" }?.trace)
        #expect(trace.length == 9)
        #expect(trace.steps.last?.state == "fired")
    }

    @Test func parallelSearchEqualsSequential() throws {
        for path in specFiles("specs") + specFiles("specs/buggy") {
            let one = try check(path, jobs: 1)
            let two = try check(path, jobs: 2, threshold: 1)
            #expect(one.stats.states == two.stats.states, "\(path)")
            #expect(one.stats.steps == two.stats.steps, "\(path)")
            for (a, b) in zip(one.properties, two.properties) {
                #expect(a.verdict == b.verdict, "\(path): \(a.property.id)")
                #expect(a.trace == b.trace, "\(path): \(a.property.id)")
            }
            #expect(one.coverage.firedTransitions == two.coverage.firedTransitions)
        }
    }

    @Test func everyPrintedTraceReplays() throws {
        for path in specFiles("specs") + specFiles("specs/buggy") {
            let o = try check(path)
            #expect(!o.diagnostics.contains { $0.code == .internalError }, "\(path): \(o.diagnostics.map(\.message))")
            for r in o.properties where r.verdict == .violated {
                #expect(r.trace != nil, "\(path): \(r.property.id) has no trace")
            }
        }
    }

    /// The observation-only federation gateway: every step is an SMT
    /// question; `register_model` establishes `catalog_count() > 0` (its
    /// guard says so) but not `healthy_node_count() > 0`.
    @Test func observationOnlyGateway() throws {
        let o = try check(repoPath("specs/federation-gateway.yaml"))
        #expect(o.complete)
        #expect(o.stats.states == 9)
        #expect(o.stats.solverQueries > 0)
        let byID = Dictionary(o.properties.map { ($0.property.id.description, $0) }, uniquingKeysWith: { a, _ in a })
        let healthy = try #require(byID["invariant:ready:1"])
        #expect(healthy.verdict == .violated)
        #expect(healthy.trace?.length == 1)
        #expect(healthy.trace?.steps.first?.transition == "register_model")
        let obs = healthy.trace?.steps.first?.observations ?? []
        #expect(obs.contains { $0.name == "healthy_node_count" && $0.text == "0" })
        #expect(obs.contains { $0.name == "catalog_count" && $0.text != "0" })
        #expect(byID["invariant:initializing:0"]?.verdict == .holds)
        #expect(byID["deadlock"]?.verdict == .holds)
    }

    @Test func limitsGiveUnknownNeverHolds() throws {
        var o = ExplicitOptions()
        o.maxStates = 100
        let model = try #require(Pipeline.validate(path: repoPath("specs/federation-gateway-model.yaml")).model)
        let r = Verifier.run(model: model, options: o)
        #expect(!r.complete)
        // Scenarios run to their end whatever the search did.
        #expect(r.properties.filter { $0.property.kind != .scenario }.allSatisfy { $0.verdict != .holds })
    }

    @Test func unboundedCounterOverflowIsALimitNotAViolation() throws {
        let yaml = """
        version: "1.0"
        machine:
          id: c
          initial: run
          variables:
            n: { type: int, init: 9223372036854775806 }
          states: { run: {} }
          transitions:
            - { id: inc, from: run, to: run, event: tick, effects: ["n := n + 1"] }
        """
        let model = try #require(validate(yaml).model)
        let r = Verifier.run(model: model, engine: .explicit, options: ExplicitOptions())
        #expect(!r.complete)
        #expect(r.stopReason.map { "\($0)" }?.contains("64 bits") == true)
        #expect(r.properties.allSatisfy { $0.verdict == .unknown })
        // The symbolic engine (the default here: `n` is unbounded) computes
        // with mathematical integers, so there is no limit to reach.
        let s = Verifier.run(model: model, options: ExplicitOptions())
        #expect(s.engine == "symbolic")
        #expect(s.properties.allSatisfy { $0.verdict == .holds && "\($0.settledBy)".hasPrefix("k-induction") })
    }
}
