import Foundation
import Testing
@testable import PBCheckCore

/// The C compiler the native backend would use, if there is one.
let nativeCompiler: String? = {
    do throws(NativeModel.Unavailable) { return try NativeModel.Compiler.find().path } catch { return nil }
}()

/// The native backend (`CEmitter`, `NativeModel`) against the interpreter:
/// the explicit search gives the same outcome either way — states, steps,
/// verdicts, traces, coverage — on the whole corpus and on the random
/// machines of the brute-force tests, sequential and parallel. Needs a C
/// compiler; without one these tests are skipped (and every search uses
/// the interpreter).
@Suite(.enabled(if: nativeCompiler != nil, "no C compiler (cc, gcc, clang or $CC) on PATH"))
struct NativeBackendTests {

    struct Run {
        var outcome: String
        var nativeStates: Int
        var unavailable: String?
        /// Each property's verdict, by id.
        var verdicts: [String: String]
    }

    /// The search's outcome as sorted JSON with its time zeroed, and how
    /// many states native code expanded.
    static func search(_ system: TransitionSystem, _ backend: ExplicitOptions.Backend, jobs: Int = 1,
                       counterexamples: Int = 1, maxStates: Int = 20_000, stopOnFirst: Bool = false) throws -> Run {
        var o = ExplicitOptions()
        o.common.stopOnFirst = stopOnFirst
        o.backend = backend
        o.jobs = jobs
        o.parallelThreshold = 1
        o.counterexamples = counterexamples
        o.maxStates = maxStates
        // Steps that read observations ask Z3 (the interpreter's either way).
        o.maxSolverQueries = 30
        let search = ExplicitSearch(system: system, options: o)
        var outcome = search.run()
        outcome.stats.seconds = 0
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(outcome), as: UTF8.self)
        let verdicts = Dictionary(outcome.properties.map { ($0.property.id.description, "\($0.verdict)") }, uniquingKeysWith: { a, _ in a })
        return Run(outcome: json, nativeStates: search.nativeStates, unavailable: search.nativeUnavailable, verdicts: verdicts)
    }

    /// Where two outcomes' texts part: 150 characters of each from there.
    static func difference(_ a: String, _ b: String) -> String {
        let common = zip(a, b).prefix { $0 == $1 }.count
        let from = max(0, common - 50)
        return "native …\(a.dropFirst(from).prefix(150))… interpreter …\(b.dropFirst(from).prefix(150))…"
    }

    /// Every playbook of `specs/` that loads: the same outcome with the
    /// interpreter and with native code, on one thread and on two.
    @Test func corpusGivesTheSameOutcomeEitherWay() throws {
        var compared = 0, native = 0, declined: [String] = []
        let files = FileManager.default.enumerator(atPath: repoPath("specs"))?.compactMap { $0 as? String }.filter { $0.hasSuffix(".yaml") }.sorted() ?? []
        // The reproducers of resource limits are checked with their limits
        // elsewhere (RobustnessTests, Tests/robustness.sh).
        for file in files where !["abort-", "hang-", "huge-set-"].contains(where: { (file as NSString).lastPathComponent.hasPrefix($0) }) {
            guard let model = Pipeline.validate(path: repoPath("specs/\(file)")).model else { continue }
            let system = TransitionSystem(model: model)
            let started = Date()
            defer { if ProcessInfo.processInfo.environment["NATIVE_TRACE"] != nil { print("native test: \(file) \(Date().timeIntervalSince(started)) s") } }
            let interpreted = try Self.search(system, .interpreter, counterexamples: 2)
            let compiled = try Self.search(system, .native, counterexamples: 2)
            #expect(compiled.outcome == interpreted.outcome, "\(file): \(Self.difference(compiled.outcome, interpreted.outcome))")
            let parallel = (try Self.search(system, .interpreter, jobs: 2, counterexamples: 2), try Self.search(system, .native, jobs: 2, counterexamples: 2))
            #expect(parallel.1.outcome == parallel.0.outcome, "\(file) on two threads: \(Self.difference(parallel.1.outcome, parallel.0.outcome))")
            compared += 1
            if compiled.nativeStates > 0 { native += 1 }
            if let why = compiled.unavailable {
                // Only what the explicit search cannot enumerate either.
                #expect(why.contains("over an unbounded domain"), "\(file): \(why)")
                declined.append(file)
            }
        }
        print("native vs interpreter on \(compared) playbooks: \(native) expanded natively in part; declined: \(declined)")
        #expect(compared >= 70)
        // Most playbooks read no observation: their states go native.
        #expect(native >= 35)
    }

    /// Every construct the C translates, in one machine with ~10^5
    /// states: keyed families read and written at keys known only at run
    /// time, every aggregate, enums, `any` effects, set membership,
    /// `in_state`, `state`, `?:`, `abs`, `/`, `%`, min/max, an unbounded
    /// integer; and states the C must leave to the kernel (a range
    /// violation, a forbidden edge, two transitions on one event, a
    /// violated invariant, a final state). Its first 60,000 states give the
    /// same outcome with every backend, `auto` included (which switches
    /// to native code mid-search, or not, as the compiler's timing goes).
    @Test func everyConstructGivesTheSameOutcome() throws {
        let text = """
            version: "1.0"
            machine:
              id: rich
              initial: idle
              sets:
                idx: "0..3"
                names: ["a", "b"]
                odd: [1, 3, 7]
              constants:
                K: 3
              variables:
                c: { type: int, range: [-2, 4], keys: idx, init: 0 }
                m: { type: enum, values: [lo, mid, hi], keys: names, init: lo }
                flag: { type: bool, init: false }
                r: { type: int, range: [0, 2], init: any }
                big: { type: int, init: 0 }
              definitions:
                total: "sum(i in idx: c(i))"
                "top(n)": "m(n) == 'hi'"
              invariants:
                - condition: "total() <= 12"
                - condition: "count(n in names: m(n) != 'lo') <= 1"
              states:
                idle: {}
                busy:
                  invariants: [{ condition: "min(i in idx: c(i)) >= -2 && max(i in idx: c(i)) <= 4" }]
                work: { parent: busy }
                done: { final_state: true }
              transitions:
                - { id: inc, from: "*", to: idle, event: inc, params: { i: idx }, guard: "c(i) < K + 2 && !flag", effects: ["c(i) := c(i) + 1"] }
                - { id: dec, from: idle, to: work, event: dec, params: { i: idx }, guard: "c(i) > -2 && (i % 2 == 0 ? true : c((i + 1) % 4) != 0)", effects: ["c(i) := c(i) - 1", "big := abs(big - c(i)) / 2 + max(c(0), c(1), c(2))"] }
                - { id: bump, from: busy, to: idle, event: bump, params: { n: names }, guard: "in_state('busy') && m(n) != 'hi'", effects: ["m(n) := m(n) == 'lo' ? 'mid' : 'hi'"] }
                - { id: shortcut, from: work, to: idle, event: bump, guard: "flag && big % 3 == 1" }
                - { id: pick, from: work, to: idle, event: pick, effects: ["r := any", "flag := any"] }
                - { id: reset, from: idle, to: idle, event: reset, guard: "all(i in idx: c(i) >= 0) && r in odd", effects: ["c(r) := 0", "flag := false"] }
                - { id: fin, from: idle, to: done, event: fin, guard: "any(n in names: top(n)) && state == 'idle'" }
                - { id: quit, from: busy, to: done, event: quit, guard: "big > 6" }
                - { id: again, from: done, to: idle, event: again, effects: ["flag := false", "big := 0"] }
              forbidden: [{ from: work, to: done }]
            """
        let model = try #require(Pipeline.validate(text: text, path: "rich.yaml").model)
        let system = TransitionSystem(model: model)
        let interpreted = try Self.search(system, .interpreter, counterexamples: 3, maxStates: 60_000)
        let compiled = try Self.search(system, .native, counterexamples: 3, maxStates: 60_000)
        #expect(compiled.unavailable == nil)
        #expect(compiled.nativeStates > 20_000)
        #expect(compiled.outcome == interpreted.outcome, "\(Self.difference(compiled.outcome, interpreted.outcome))")
        let parallel = try Self.search(system, .native, jobs: 2, counterexamples: 3, maxStates: 60_000)
        let parallelInterpreted = try Self.search(system, .interpreter, jobs: 2, counterexamples: 3, maxStates: 60_000)
        #expect(parallel.outcome == parallelInterpreted.outcome, "\(Self.difference(parallel.outcome, parallelInterpreted.outcome))")
        let auto = try Self.search(system, .auto, counterexamples: 3, maxStates: 60_000)
        #expect(auto.outcome == interpreted.outcome, "\(Self.difference(auto.outcome, interpreted.outcome))")
        // The machine breaks what it was written to break.
        for id in ["range:c", "forbidden:work->done", "determinism:work:bump", "global:1"] {
            #expect(interpreted.verdicts[id] == "violated", "\(id)")
        }
    }

    /// The brute-force tests' random machines (errors, range, forbidden
    /// edges, deadlocks, determinism, progress): the same outcome, with
    /// three counterexamples per property, either way.
    @Test func randomMachinesGiveTheSameOutcomeEitherWay() throws {
        var compared = 0, native = 0
        for seed in 1...300 {
            var gen = RandomMachine(seed: UInt64(seed))
            let text = gen.yaml()
            guard let model = Pipeline.validate(text: text, path: "random-\(seed).yaml").model else { continue }
            let system = TransitionSystem(model: model)
            let interpreted = try Self.search(system, .interpreter, counterexamples: 3)
            let compiled = try Self.search(system, .native, counterexamples: 3)
            #expect(compiled.unavailable == nil, "seed \(seed): \(compiled.unavailable ?? "")")
            #expect(compiled.outcome == interpreted.outcome, "seed \(seed): \(Self.difference(compiled.outcome, interpreted.outcome))\n\(text)")
            // Native code expands states in batches and adds their
            // successors after: it must stop where one state at a time
            // stops, at a state limit or at the first violation.
            for limit in [3, 17, 60] {
                let cut = (try Self.search(system, .interpreter, maxStates: limit), try Self.search(system, .native, maxStates: limit))
                #expect(cut.1.outcome == cut.0.outcome, "seed \(seed), --max-states \(limit): \(Self.difference(cut.1.outcome, cut.0.outcome))")
            }
            let first = (try Self.search(system, .interpreter, stopOnFirst: true), try Self.search(system, .native, stopOnFirst: true))
            #expect(first.1.outcome == first.0.outcome, "seed \(seed), --stop-on-first: \(Self.difference(first.1.outcome, first.0.outcome))")
            if seed % 10 == 0 {
                let parallel = (try Self.search(system, .interpreter, jobs: 2, counterexamples: 3), try Self.search(system, .native, jobs: 2, counterexamples: 3))
                #expect(parallel.1.outcome == parallel.0.outcome, "seed \(seed) on two threads: \(Self.difference(parallel.1.outcome, parallel.0.outcome))")
            }
            compared += 1
            if compiled.nativeStates > 0 { native += 1 }
        }
        print("native vs interpreter on \(compared) random machines: \(native) expanded natively in part")
        #expect(compared >= 200 && native >= 150)
    }

    /// The compile cache keeps the most recently used libraries (and
    /// their sources) and removes the rest.
    @Test func theCacheKeepsTheMostRecentlyUsed() throws {
        let files = FileManager.default
        let dir = files.temporaryDirectory.appendingPathComponent("pbcheck-cache-test-\(UUID().uuidString)")
        try files.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? files.removeItem(at: dir) }
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        for i in 0..<40 {
            for ext in ["so", "c"] {
                let path = dir.appendingPathComponent("model\(i).\(ext)").path
                #expect(files.createFile(atPath: path, contents: Data("x".utf8)))
                // Used in a shuffled order: model i last used at (i * 7) % 40.
                try files.setAttributes([.modificationDate: start.addingTimeInterval(Double((i * 7) % 40))], ofItemAtPath: path)
            }
        }
        #expect(files.createFile(atPath: dir.appendingPathComponent(".tmp-compiling").path, contents: Data()))
        NativeModel.pruneCache(in: dir, keeping: 25)
        let left = Set(try files.contentsOfDirectory(atPath: dir.path))
        let kept = (0..<40).filter { (($0 * 7) % 40) >= 15 }
        #expect(kept.count == 25)
        #expect(left == Set(kept.flatMap { ["model\($0).so", "model\($0).c"] } + [".tmp-compiling"]))
    }
}
