import Foundation
import Testing
@testable import PBCheckCore

/// A step whose observations (and `any` values) have small finite domains
/// is answered by firing it with every snapshot (`SnapshotOracle.enumerate`)
/// instead of asking Z3 once per witness. These tests hold the two answers
/// to each other, step by step, on the corpus and on random observed
/// machines; and pin what the enumeration chooses to show.
@Suite struct EnumerationTests {
    /// What a list of witnesses shows once fired: the distinct successors,
    /// the properties broken, and whether some witness enables the step.
    struct Shown: Equatable {
        var successors: Set<[UInt64]> = []
        var broken: Set<Int> = []
        var enabled = false
    }

    static func fired(_ system: TransitionSystem, _ state: [UInt64], _ i: Int, _ witnesses: [Witness], _ ws: Workspace) -> Shown {
        var shown = Shown()
        for w in witnesses {
            let step = system.step(StepChoice(instance: i, snapshot: w.snapshot, any: w.any), at: state, ws: ws)
            if let s = step.successor { shown.successors.insert(s) }
            shown.broken.formUnion(step.fired.findings.map(\.property))
            shown.enabled = shown.enabled || step.fired.enabled
        }
        return shown
    }

    /// Per observation-reading step at each state reached breadth-first (at
    /// most `maxStates`): the witnesses by enumeration against Z3's — the
    /// same purposes as often, the same successors and broken properties.
    /// Steps Z3 cannot decide are not compared.
    static func disagreements(_ model: TypedModel, maxStates: Int, label: String) -> (problems: [String], compared: Int, enumerated: Int) {
        let system = TransitionSystem(model: model)
        guard system.unsupported == nil else { return ([], 0, 0) }
        let enumerating = SnapshotOracle(system: system, queryTimeoutMilliseconds: 10_000)
        let z3 = SnapshotOracle(system: system, queryTimeoutMilliseconds: 10_000)
        z3.enumerationLimit = 0
        let ws = system.makeWorkspace(), check = system.makeWorkspace()
        let words = system.layout.words
        var queue: [[UInt64]] = [], seen = Set<[UInt64]>()
        system.forEachInitialState { p in
            let s = Array(UnsafeBufferPointer(start: p, count: words))
            if seen.insert(s).inserted { queue.append(s) }
            return true
        }
        var problems: [String] = [], compared = 0, head = 0
        let frame = system.makeFrame()
        while head < queue.count && head < maxStates {
            let state = queue[head]
            head += 1
            system.layout.unpack(state, into: frame.vars)
            for i in system.byState[Int(frame.vars[0])] where system.instances[i].needsSolver {
                let name = "\(label): '\(system.transitionID(ofInstance: i))' at state \(head - 1)"
                let byZ3: [Witness]
                do throws(SnapshotOracle.Failure) { byZ3 = try z3.witnesses(i, frame) } catch { continue }
                let mine: [Witness]
                do throws(SnapshotOracle.Failure) { mine = try enumerating.witnesses(i, frame) } catch {
                    problems.append("\(name): enumeration failed (\(error)) where Z3 answered")
                    continue
                }
                compared += 1
                let purposes = { (ws: [Witness]) in ws.map { "\($0.purpose)" }.sorted() }
                if purposes(mine) != purposes(byZ3) {
                    problems.append("\(name): purposes \(purposes(mine)) by enumeration, \(purposes(byZ3)) by Z3")
                }
                let a = fired(system, state, i, mine, check), b = fired(system, state, i, byZ3, check)
                if a != b { problems.append("\(name): enumeration shows \(a), Z3 \(b)") }
            }
            var limit: EvalError?, errors: [String] = []
            _ = state.withUnsafeBufferPointer { p in
                system.forEachStep(p.baseAddress!, ws: ws, oracle: enumerating, limit: &limit, internalErrors: &errors) { _, _, f in
                    if f.successor {
                        let s = Array(UnsafeBufferPointer(start: ws.out, count: words))
                        if seen.insert(s).inserted { queue.append(s) }
                    }
                    return true
                }
            }
            problems += errors.map { "\(label): \($0)" }
        }
        return (problems, compared, enumerating.enumeratedSteps)
    }

    @Test func enumerationAgreesWithZ3OnTheCorpus() throws {
        var compared = 0, enumerated = 0
        for path in specFiles("specs") + specFiles("specs/buggy") + specFiles("specs/symbolic") {
            guard let model = Pipeline.validate(path: path).model else { continue }
            let r = EnumerationTests.disagreements(model, maxStates: 60, label: path)
            for p in r.problems { Issue.record("\(p)") }
            compared += r.compared
            enumerated += r.enumerated
        }
        // bank-account, observed-contract and execution at least.
        #expect(compared > 100 && enumerated > 100)
    }

    @Test func enumerationAgreesWithZ3OnRandomObservedMachines() throws {
        var compared = 0, enumerated = 0
        for c in DifferentialTests.machines.prefix(40) {
            let r = EnumerationTests.disagreements(c.model, maxStates: 40, label: "seed \(c.seed)")
            for p in r.problems { Issue.record("\(p)\n\(c.text)") }
            compared += r.compared
            enumerated += r.enumerated
        }
        #expect(compared > 200 && enumerated > 200)
    }

    /// The issue's benchmark: a thousand states of an unbounded balance,
    /// each deposit and withdrawal over `amount` in 1...100. No step asks
    /// Z3, and the counts are those the Z3 path gave (one thread).
    @Test func bankAccountNeedsNoSolver() throws {
        let model = try #require(Pipeline.validate(path: repoPath("specs/symbolic/bank-account.yaml")).model)
        var o = ExplicitOptions()
        o.maxStates = 1000
        let outcome = ExplicitSearch(system: TransitionSystem(model: model), options: o).run()
        #expect(outcome.stats.solverQueries == 0)
        #expect(outcome.stats.states == 1000)
        #expect(outcome.stats.steps == 174_751)
        #expect(outcome.properties.allSatisfy { $0.verdict == .unknown })
    }

    /// Each successor is shown with its first snapshot in the canonical
    /// order: here the smallest `level` that enables the step, every time.
    @Test func traceShowsTheSmallestEnablingSnapshot() throws {
        let v = validate("""
            version: "1.0"
            machine:
              id: "m"
              initial: "a"
              variables:
                n: { type: int, range: [0, 3], init: 0 }
              observations:
                level: { type: int, range: [0, 9] }
                ok: { type: bool }
              states:
                a: {}
              transitions:
                - id: "up"
                  from: "a"
                  to: "a"
                  event: "e"
                  guard: "level > 4 && ok"
                  effects: ["n := n + 1"]
            """)
        let model = try #require(v.model, "\(v.diagnostics.map(\.message))")
        let outcome = ExplicitSearch(system: TransitionSystem(model: model), options: ExplicitOptions()).run()
        #expect(outcome.stats.solverQueries == 0)
        let range = try #require(outcome.properties.first { $0.property.id == .range("n") })
        #expect(range.verdict == .violated)
        let trace = try #require(range.trace)
        #expect(trace.length == 4)
        for step in trace.steps {
            #expect(step.observations.map(\.name) == ["level", "ok"])
            #expect(step.observations.map(\.text) == ["5", "true"])
        }
    }
}
