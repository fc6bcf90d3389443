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
///
/// With `counterexamples` N > 1, each run records a property's first N
/// hits (ending apart), and the walks keep looking until
/// `candidatesPerCounterexample` × N hits are recorded; these are shrunk in
/// run order, each one away from the endings already found (its replay
/// goes past them: `Shrinker.excluded`), until N distinct ones are found,
/// which are then sorted by length.
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
        let stops = system.properties.map { options.common.stops(at: $0) }
        let wantedCount = max(1, options.common.counterexamples)
        // Hits kept per property (per thread, then in all).
        let candidates = wantedCount == 1 ? 1 : wantedCount * candidatesPerCounterexample

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
                var kept = Array(repeating: 0, count: propertyCount)
                var local: [(run: Int, finding: WalkFinding)] = []
                var done = 0
                for r in (t * chunk)..<min(options.runs, (t + 1) * chunk) {
                    if let reason = budget.exhausted {
                        shared.lock.withLock { shared.stopped = shared.stopped ?? reason }
                        break
                    }
                    if shared.lock.withLock({ shared.stopped != nil }) { break }
                    var source = Walker.Source.generate(WalkRandom(seed: options.seed, run: UInt64(r)))
                    let run = walker.run(&source, wanted: &wanted, depth: options.depth, stopOnHit: false, trace: false, hitsPerRun: wantedCount)
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
                            if run.findings.contains(where: { stops[$0.property] }) {
                                shared.stopped = shared.stopped ?? .stopOnFirst
                            }
                        }
                        local += run.findings.map { (r, $0) }
                        // A run records a property's first N hits (each
                        // ending apart); the next runs look for it again
                        // while more are wanted.
                        for f in run.findings {
                            kept[f.property] += 1
                            if kept[f.property] < candidates { wanted[f.property] = true }
                        }
                    }
                }
                results.value[t] = local
                shared.lock.withLock { shared.completed += done }
            }
        }
        let walkSeconds = Date().timeIntervalSince(started)

        // The first failures of each property, by run number.
        var failing: [Int: [(run: Int, finding: WalkFinding)]] = [:]
        for (r, f) in perThread.joined() { failing[f.property, default: []].append((r, f)) }
        // By run, and within a run in the order hit.
        failing = failing.mapValues { hits in
            Array(hits.enumerated().sorted { ($0.element.run, $0.offset) < ($1.element.run, $1.offset) }.map(\.element).prefix(candidates))
        }

        // Shrink, one property per walker at a time; the walkers' coverage
        // and step counts are those of the walks.
        let coverage = (walkers.map(\.visitedControl), walkers.map(\.firedEdges), walkers.map(\.steps))
        let shrinkStarted = Date()
        let targets = failing.keys.sorted()
        var shrunk: [Int: [Result<Shrunk, WalkFailure>]] = [:]
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: jobs) { t in
            for k in stride(from: t, to: targets.count, by: jobs) {
                let p = targets[k]
                var outcomes: [Result<Shrunk, WalkFailure>] = []
                var endings = Set<Walker.Ending>()
                for (run, f) in failing[p] ?? [] {
                    if endings.count >= wantedCount || (!endings.isEmpty && budget.exhausted != nil) { break }
                    guard var s = Shrinker(walker: walkers[t], target: p, choices: f.choices, maxReplays: options.maxShrinkReplays,
                                           excluded: endings) else {
                        // A later hit may end only where one was found.
                        if endings.isEmpty { outcomes.append(.failure(WalkFailure(message: "the run that broke it does not break it on replay"))) }
                        continue
                    }
                    s.shrink()
                    endings.insert(s.ending)
                    outcomes.append(.success(Shrunk(shrinker: s, finding: s.best.findings.last ?? f, original: f, run: run)))
                }
                lock.withLock { shrunk[p] = outcomes }
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
            guard let outcomes = shrunk[p], !outcomes.isEmpty else {
                results.append(PropertyResult(property: property, verdict: .bounded, bound: stats.runs, trace: nil,
                                              detail: "holds on \(stats.runs) sampled run\(stats.runs == 1 ? "" : "s") of up to \(options.depth) steps",
                                              settledBy: settled))
                continue
            }
            // Each shrunk run replayed; one that does not is an internal error.
            var replayedOnes: [Counterexample] = []
            var firstError: String?
            for outcome in outcomes {
                let error: String
                switch outcome {
                case .failure(let e): error = e.message
                case .success(let x):
                    let s = x.shrinker
                    let replayed = replayer.replay(initial: s.best.initial, choices: s.best.stepChoices)
                    if let e = replayed.error ?? (replayed.shows(p, kind: property.kind, atStep: x.finding.atStep)
                                                  ? nil : "the shrunk trace does not break \(property.id) on replay") {
                        error = e
                    } else {
                        replayedOnes.append(Counterexample(trace: replayed.trace, detail: x.finding.message,
                                                           shrink: ShrinkInfo(originalLength: x.original.steps, replays: s.replays, run: x.run,
                                                                              seed: options.seed, budgetExhausted: s.exhausted)))
                        continue
                    }
                }
                diagnostics.append(.error(.internalError, "internal error: \(property.id): \(error)", at: property.location))
                firstError = firstError ?? error
            }
            // Shortest first; of equal length, in the order found.
            let sorted = replayedOnes.enumerated().sorted { ($0.element.trace.length, $0.offset) < ($1.element.trace.length, $1.offset) }.map(\.element)
            guard let best = sorted.first else {
                results.append(PropertyResult(property: property, verdict: .unknown, bound: nil, trace: nil,
                                              detail: "internal error: \(firstError ?? "no counterexample")", settledBy: settled))
                continue
            }
            var r = PropertyResult(property: property, verdict: .violated, bound: nil, trace: best.trace, detail: best.detail, settledBy: settled)
            r.shrink = best.shrink
            if wantedCount > 1 { r.moreCounterexamples = Array(sorted.dropFirst()) }
            if property.kind == .determinism, let choices = best.trace.choices {
                r.enabledTogether = system.enabledTogether(p, at: replayer.replay(choices).finalState, oracle: walkers[0].oracle)
            }
            results.append(r)
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
        outcome.stats.solverQueries = walkers.map(\.oracle.solverQueries).reduce(0, +)
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

    /// A failing run shrunk: the shrinker holding the result, the finding
    /// it ends with, the run's own finding and its number.
    struct Shrunk {
        var shrinker: Shrinker
        var finding: WalkFinding
        var original: WalkFinding
        var run: Int
    }

    /// Hits kept per counterexample wanted (`--counterexamples` N > 1): one
    /// that ends only where one was found is passed over.
    static let candidatesPerCounterexample = 4
}

/// Lets a buffer be filled from `concurrentPerform`, each thread its own index.
struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
