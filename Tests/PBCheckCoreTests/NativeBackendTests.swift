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
    }

    /// The search's outcome as sorted JSON with its time zeroed, and how
    /// many states native code expanded.
    static func search(_ system: TransitionSystem, _ backend: ExplicitOptions.Backend, jobs: Int = 1,
                       counterexamples: Int = 1, maxStates: Int = 20_000) throws -> Run {
        var o = ExplicitOptions()
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
        return Run(outcome: json, nativeStates: search.nativeStates, unavailable: search.nativeUnavailable)
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
            if let why = compiled.unavailable { declined.append("\(file): \(why)") }
        }
        print("native vs interpreter on \(compared) playbooks: \(native) expanded natively in part; declined: \(declined)")
        #expect(compared >= 70)
        // Most playbooks read no observation: their states go native.
        #expect(native >= 35)
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
}
