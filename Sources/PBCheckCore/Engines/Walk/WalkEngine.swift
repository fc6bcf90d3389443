import Dispatch
import Foundation

/// Options of the random walks; `common.timeout` bounds the walks
/// (shrinking is not counted).
@dynamicMemberLookup
public struct WalkOptions: Sendable, EmbedsCheckOptions {
    public var common = CheckOptions()
    public var runs = 1000
    public var depth = 100
    public var seed: UInt64 = 0
    public var coverageBias = false
    /// Replays one shrink may spend.
    public var maxShrinkReplays = 200_000
    public init() {}

    /// A seed for when none was given (it is always printed).
    public static func randomSeed() -> UInt64 { UInt64.random(in: 1...999_999_999) }
}

/// What the walks did (JSON `walk`).
public struct WalkStats: Sendable, Codable {
    public var runs = 0
    public var depth = 0
    public var seed: UInt64 = 0
    public var steps = 0
    public var seconds = 0.0
    public var firstFailureSeconds: Double?
    public var shrinkSeconds = 0.0
}

/// How a walk counterexample was shrunk (JSON `shrink`).
public struct ShrinkInfo: Sendable, Codable {
    public var originalLength: Int
    public var replays: Int
    /// The run (0-based) that first broke the property.
    public var run: Int
    public var seed: UInt64
    /// The replay budget ran out before a fixed point.
    public var budgetExhausted: Bool
}

/// The random-walk engine (SPEC §4): `runs` random runs of at most `depth`
/// steps from the initial state, every property checked at every step; each
/// property's first failure (lowest run number, so the same for any
/// `--jobs`) is shrunk and replayed. A property that no run breaks is
/// `bounded`: it held on the runs sampled, which proves nothing.
public enum WalkEngine {
    public static func run(system: TransitionSystem, options: WalkOptions, stop: StopFlag? = nil) -> CheckOutcome {
        if let reason = system.stoppedWhileBuilding { return Verifier.undecided(system, engine: .walk, reason: reason) }
        let started = Date()
        let jobs = max(1, min(options.common.threads, options.runs))
        let walkers = (0..<jobs).map { _ in Walker(system: system, queryTimeoutMilliseconds: options.queryTimeoutMilliseconds) }
        // --timeout and Ctrl-C bound the walks and the shrinking alike.
        let budget = Budget(timeout: options.timeout, stop: stop, from: options.clockStart ?? started)
        for w in walkers {
            w.coverageBias = options.coverageBias
            w.budget = budget
        }
        let propertyCount = system.properties.count
        let severe = system.properties.map { $0.severity != .warning }

        // The walks: thread t takes a contiguous block of runs.
        final class Shared: @unchecked Sendable {
            let lock = NSLock()
            var stopped: StopReason?
            var firstFailure: Double?
            var completed = 0
        }
        let shared = Shared()
        var perThread: [[(run: Int, finding: WalkFinding)]] = Array(repeating: [], count: jobs)
        let chunk = (options.runs + jobs - 1) / jobs
        perThread.withUnsafeMutableBufferPointer { results in
            let results = UnsafeSendable(results)
            DispatchQueue.concurrentPerform(iterations: jobs) { t in
                let walker = walkers[t]
                var wanted = (0..<propertyCount).map { $0 != system.deadlockProperty || options.deadlock }
                var local: [(run: Int, finding: WalkFinding)] = []
                var done = 0
                for r in (t * chunk)..<min(options.runs, (t + 1) * chunk) {
                    if let reason = budget.exhausted {
                        shared.lock.withLock { shared.stopped = shared.stopped ?? reason }
                        break
                    }
                    if shared.lock.withLock({ shared.stopped != nil }) { break }
                    var source = Walker.Source.generate(WalkRandom(seed: options.seed, run: UInt64(r)))
                    let run = walker.run(&source, wanted: &wanted, depth: options.depth, stopOnHit: false, trace: false)
                    if let reason = walker.stopped {
                        // A run cut short still counts what it found.
                        shared.lock.withLock { shared.stopped = shared.stopped ?? reason }
                    } else {
                        done += 1
                    }
                    if !run.findings.isEmpty {
                        let now = Date().timeIntervalSince(started)
                        shared.lock.withLock {
                            shared.firstFailure = min(shared.firstFailure ?? now, now)
                            if options.stopOnFirst && run.findings.contains(where: { severe[$0.property] }) {
                                shared.stopped = shared.stopped ?? .stopOnFirst
                            }
                        }
                        local += run.findings.map { (r, $0) }
                    }
                }
                results.value[t] = local
                shared.lock.withLock { shared.completed += done }
            }
        }
        let walkSeconds = Date().timeIntervalSince(started)

        // The first failure of each property, by run number.
        var first: [Int: (run: Int, finding: WalkFinding)] = [:]
        for (r, f) in perThread.joined() where first[f.property].map({ r < $0.run }) ?? true { first[f.property] = (r, f) }

        // Shrink, one property per walker at a time; the walkers' coverage
        // and step counts are those of the walks.
        let coverage = (walkers.map(\.visitedControl), walkers.map(\.firedEdges), walkers.map(\.steps))
        let shrinkStarted = Date()
        let targets = first.keys.sorted()
        var shrunk: [Int: Result<(Shrinker, WalkFinding), WalkFailure>] = [:]
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: jobs) { t in
            for k in stride(from: t, to: targets.count, by: jobs) {
                let p = targets[k]
                let f = first[p]!.finding
                let outcome: Result<(Shrinker, WalkFinding), WalkFailure>
                if var s = Shrinker(walker: walkers[t], target: p, choices: f.choices, maxReplays: options.maxShrinkReplays) {
                    s.shrink()
                    outcome = .success((s, s.best.findings.last ?? f))
                } else {
                    outcome = .failure(WalkFailure(message: "the run that broke it does not break it on replay"))
                }
                lock.withLock { shrunk[p] = outcome }
            }
        }
        let shrinkSeconds = Date().timeIntervalSince(shrinkStarted)

        var stats = WalkStats()
        stats.runs = shared.completed
        stats.depth = options.depth
        stats.seed = options.seed
        stats.steps = coverage.2.reduce(0, +)
        stats.seconds = walkSeconds
        stats.firstFailureSeconds = shared.firstFailure
        stats.shrinkSeconds = shrinkSeconds

        var diagnostics: [Diagnostic] = walkers.flatMap(\.internalErrors).map { .error(.internalError, "internal error: \($0)", at: nil) }
        var results: [PropertyResult] = []
        let replayer = Replayer(system: system)
        let settled = Settlement.walk(runs: stats.runs, depth: options.depth)
        for (p, property) in system.properties.enumerated() {
            if property.kind == .deadlock && !options.deadlock { continue }
            if property.kind == .progress {
                results.append(PropertyResult(property: property, verdict: .unknown, bound: nil, trace: nil,
                                              detail: "random walks sample runs; whether a final state stays reachable from every reachable state needs all of them (the explicit search)",
                                              settledBy: settled))
                continue
            }
            guard let found = first[p], let outcome = shrunk[p] else {
                results.append(PropertyResult(property: property, verdict: .bounded, bound: stats.runs, trace: nil,
                                              detail: "holds on \(stats.runs) sampled run\(stats.runs == 1 ? "" : "s") of up to \(options.depth) steps",
                                              settledBy: settled))
                continue
            }
            switch outcome {
            case .failure(let e):
                diagnostics.append(.error(.internalError, "internal error: \(property.id): \(e.message)", at: property.location))
                results.append(PropertyResult(property: property, verdict: .unknown, bound: nil, trace: nil,
                                              detail: "internal error: \(e.message)", settledBy: settled))
            case .success(let (s, finding)):
                let replayed = replayer.replay(initial: s.best.initial, choices: s.best.stepChoices)
                if let error = replayed.error ?? (replayed.shows(p, kind: property.kind, atStep: finding.atStep)
                                                  ? nil : "the shrunk trace does not break \(property.id) on replay") {
                    diagnostics.append(.error(.internalError, "internal error: \(property.id): \(error)", at: property.location))
                    results.append(PropertyResult(property: property, verdict: .unknown, bound: nil, trace: nil,
                                                  detail: "internal error: \(error)", settledBy: settled))
                    continue
                }
                var r = PropertyResult(property: property, verdict: .violated, bound: nil, trace: replayed.trace, detail: finding.message,
                                       settledBy: settled)
                r.shrink = ShrinkInfo(originalLength: found.finding.steps,
                                      replays: s.replays, run: found.run, seed: options.seed, budgetExhausted: s.exhausted)
                if property.kind == .determinism {
                    r.enabledTogether = system.enabledTogether(p, at: replayed.finalState, oracle: walkers[0].oracle)
                }
                results.append(r)
            }
        }

        var outcome = CheckOutcome(engines: [.walk], engineNote: nil, complete: false, stopReason: shared.stopped, stats: SearchStats(),
                                   properties: results, coverage: Coverage(), diagnostics: diagnostics)
        outcome.engineNote = "\(options.runs) random runs of up to \(options.depth) steps from the initial state"
            + (options.coverageBias ? ", biased toward what is not yet covered" : "") + ", seed \(options.seed); shrunk and replayed"
        var visited = Array(repeating: false, count: system.model.states.count)
        var fired = EdgeSet(states: system.model.states.count, transitions: system.model.transitions.count)
        for v in coverage.0 { for (i, b) in v.enumerated() where b { visited[i] = true } }
        for e in coverage.1 { fired.formUnion(e) }
        outcome.coverage = Coverage(model: system.model, visited: visited, edges: fired)
        outcome.coverage.why = ReachabilityExplainer.settle(outcome, model: system.model)
        outcome.stats.steps = stats.steps
        outcome.stats.seconds = Date().timeIntervalSince(started)
        outcome.stats.solverQueries = walkers.map(\.oracle.queries).reduce(0, +)
        var notes: [String] = []
        if let u = walkers.compactMap(\.unknown).first { notes.append("Z3 could not decide some steps (\(u)); runs did not take them") }
        if let l = walkers.compactMap(\.limit).first { notes.append("some runs stopped at \(l) (values are 64-bit)") }
        let truncated = walkers.map(\.oracle.truncatedSteps).reduce(0, +)
        if truncated > 0 {
            notes.append("\(truncated) step\(truncated == 1 ? " has" : "s have") more than \(Walker.sampledSuccessors) successors that depend on observations; runs chose among the first \(Walker.sampledSuccessors)")
        }
        if !notes.isEmpty { outcome.engineNote! += "; " + notes.joined(separator: "; ") }
        outcome.walk = stats
        return outcome
    }

    struct WalkFailure: Error { var message: String }
}

/// Lets a buffer be filled from `concurrentPerform`, each thread its own index.
struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
