import Dispatch
import Foundation

public struct ExplicitOptions: Sendable {
    public var maxStates: Int?
    /// Seconds for the whole search.
    public var timeout: Double?
    public var stopOnFirst = false
    public var deadlock = true
    public var jobs = 1
    /// Budget of one Z3 query.
    public var queryTimeoutMilliseconds: UInt32? = 10_000
    public init() {}
}

/// Told how the search is going, a few times a second at most. The
/// terminal display lives in the CLI.
public protocol SearchProgress: AnyObject, Sendable {
    func update(states: Int, depth: Int, queue: Int, seconds: Double)
}

/// Set from another thread (Ctrl-C) to stop a run cleanly.
public final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false
    public init() {}
    public func stop() { lock.lock(); stopped = true; lock.unlock() }
    public var isStopped: Bool { lock.lock(); defer { lock.unlock() }; return stopped }
}

/// A step as recorded: which instance, with which snapshot and `any` values.
public struct StepChoice: Sendable, Equatable {
    var instance: Int
    var snapshot: Snapshot
    var any: [Int64]
}

/// The first (so shortest) violation of a property found by the search.
struct Found {
    var message: String
    /// The state reached (state properties) or left (step properties).
    var state: Int
    var step: StepChoice?
}

/// Exhaustive breadth-first search over packed states (SPEC §4 Explicit).
///
/// For each state, in TLC's order: fire each enabled step and check its
/// step properties (guard and effect evaluation errors, range, forbidden
/// edge, entry contracts) on every edge; look the successor up in the
/// visited set; check the state properties (invariants) of each new state;
/// append it to the queue. A state with no enabled step is a deadlock
/// unless final. Every property keeps its first violation: breadth-first
/// order makes it a shortest one. Traces are rebuilt from parent links by
/// re-expanding each parent and replayed through the property checker.
///
/// With `jobs > 1`, each breadth-first level is expanded by several
/// threads and merged in state order, so states are numbered exactly as in
/// the sequential search: same counts, same verdicts, same traces.
public final class ExplicitSearch {
    let system: TransitionSystem
    let options: ExplicitOptions
    let store: StateStore
    var found: [Int: Found] = [:]
    var firedTransitions: Set<Int> = []
    var reachedControl: Set<Int> = []
    var incomplete: String?
    var internalErrors: [String] = []
    var depth = 0
    var steps = 0
    let started = Date()
    var lastProgress = Date.distantPast
    public var progress: SearchProgress?
    public var stopFlag: StopFlag?
    let oracles: [SnapshotOracle]
    let workspaces: [Workspace]
    let finalStates: [Bool]

    public init(system: TransitionSystem, options: ExplicitOptions) {
        self.system = system
        self.options = options
        store = StateStore(words: system.layout.words)
        let jobs = max(1, options.jobs)
        oracles = (0..<jobs).map { _ in SnapshotOracle(system: system, queryTimeoutMilliseconds: options.queryTimeoutMilliseconds) }
        workspaces = (0..<jobs).map { _ in system.makeWorkspace() }
        finalStates = system.model.states.map(\.isFinal)
    }

    // MARK: Expansion (one state, one thread)

    /// What expanding one state produced, in order.
    struct Expansion {
        /// Successor states, packed back to back.
        var successors: [UInt64] = []
        /// Per successor: the step's findings and, when the successor was
        /// not in the store during expansion, its state findings.
        var stepFindings: [(successor: Int, findings: [Finding], choice: StepChoice)] = []
        var stateFindings: [Int: [Finding]] = [:]
        var choices: [StepChoice] = []
        var findingsWithoutSuccessor: [(findings: [Finding], choice: StepChoice)] = []
        var stateLevel: [Finding] = []
        var fired: Set<Int> = []
        var unknown: String?
        var limit: EvalError?
        var internalErrors: [String] = []
    }

    /// Expands the state `packed` with one thread's workspace and oracle,
    /// calling `emit` for each step (successor packed in `ws.out` when
    /// `fired.successor`). Returns the state-level findings (deadlock,
    /// determinism). `recordChoices` keeps snapshots for steps without
    /// findings too (trace rebuilding).
    func expand(_ packed: UnsafePointer<UInt64>, ws: Workspace, oracle: SnapshotOracle,
                limit: inout EvalError?, unknown: inout String?, internalErrors: inout [String],
                emit: (_ choice: () -> StepChoice, _ fired: TransitionSystem.Fired) -> Void) -> [Finding] {
        let src = ws.src
        system.layout.unpack(packed, into: src.vars)
        let control = Int(src.vars[0])
        src.snapshot = Snapshot()
        var enabled: [Int] = []
        for i in system.byState[control] {
            let inst = system.instances[i]
            if !inst.needsSolver {
                if inst.anyEffects.isEmpty {
                    let f = system.fire(i, ws, packed: packed, any: [], out: ws.out, limit: &limit)
                    if f.enabled { enabled.append(i) }
                    emit({ StepChoice(instance: i, snapshot: Snapshot(), any: []) }, f)
                } else {
                    for any in system.anyChoices(i) {
                        let f = system.fire(i, ws, packed: packed, any: any, out: ws.out, limit: &limit)
                        if f.enabled && enabled.last != i { enabled.append(i) }
                        emit({ StepChoice(instance: i, snapshot: Snapshot(), any: any) }, f)
                    }
                }
                continue
            }
            let witnesses: [Witness]
            do throws(SnapshotOracle.Failure) {
                witnesses = try oracle.witnesses(i, src)
            } catch {
                if case .unknown(let reason) = error { unknown = unknown ?? reason }
                continue
            }
            for w in witnesses {
                src.snapshot = w.snapshot
                let f = system.fire(i, ws, packed: packed, any: w.any, out: ws.out, limit: &limit)
                src.snapshot = Snapshot()
                if !confirms(w.purpose, f) {
                    internalErrors.append("Z3 found a snapshot for '\(system.transitionID(ofInstance: i))' (\(w.purpose)) that the evaluator does not confirm")
                }
                if f.enabled && enabled.last != i { enabled.append(i) }
                emit({ StepChoice(instance: i, snapshot: w.snapshot, any: w.any) }, f)
            }
        }
        var findings: [Finding] = []
        if enabled.isEmpty, !finalStates[control], let p = system.deadlockProperty {
            findings.append(Finding(property: p, message: "no step can fire in \(system.model.states[control].id)"))
        }
        if !system.determinismProperty.isEmpty && enabled.count > 1 {
            findings += determinism(control, enabled, src, oracle, &unknown)
        }
        return findings
    }

    private func confirms(_ purpose: Witness.Purpose, _ f: TransitionSystem.Fired) -> Bool {
        switch purpose {
        case .successor: return f.successor
        case .evalError: return f.findings.contains { $0.property == system.evalErrorProperty }
        case .range(let v): return f.findings.contains { $0.property == (system.rangeProperty[v] ?? system.evalErrorProperty) }
        case .contract(let p): return f.findings.contains { $0.property == p || $0.property == system.evalErrorProperty }
        case .determinism: return true
        }
    }

    private func determinism(_ control: Int, _ enabled: [Int], _ src: Frame, _ oracle: SnapshotOracle,
                             _ unknown: inout String?) -> [Finding] {
        var findings: [Finding] = []
        let events = max(system.eventIndex.count, 1)
        var byEvent: [Int: [Int]] = [:]
        for i in enabled { byEvent[system.instanceEvent[i], default: []].append(i) }
        for (ev, list) in byEvent.sorted(by: { $0.key < $1.key }) {
            guard let p = system.determinismProperty[control * events + ev], found[p] == nil else { continue }
            search: for a in list.indices {
                for b in list.indices where b > a {
                    let ia = list[a], ib = list[b]
                    guard system.instances[ia].transition != system.instances[ib].transition else { continue }
                    let ta = system.transitionID(ofInstance: ia), tb = system.transitionID(ofInstance: ib)
                    let guardsObserve = [ia, ib].filter { system.instances[$0].needsSolver && guardReadsObservations($0) }
                    if guardsObserve.count < 2 {
                        findings.append(Finding(property: p, message: "'\(ta)' and '\(tb)' are both enabled"))
                        break search
                    }
                    do throws(SnapshotOracle.Failure) {
                        if let w = try oracle.jointlyEnabled(ia, ib, src) {
                            findings.append(Finding(property: p, message: "'\(ta)' and '\(tb)' are both enabled when \(describe(w.snapshot))"))
                            break search
                        }
                    } catch {
                        if case .unknown(let r) = error { unknown = unknown ?? r }
                    }
                }
            }
        }
        return findings
    }

    private func guardReadsObservations(_ i: Int) -> Bool {
        system.model.transitions[system.instances[i].transition].guardExpr.map { Reads($0, system.model).observations } ?? false
    }

    func describe(_ s: Snapshot) -> String {
        s.values.keys.sorted().map { k in
            let (name, text) = system.observationText(k, s.values[k] ?? 0)
            return "\(name)=\(text.text)"
        }.joined(separator: ", ")
    }

    // MARK: The search

    func record(_ findings: [Finding], state: Int, step: StepChoice?) {
        for f in findings where found[f.property] == nil {
            found[f.property] = Found(message: f.message, state: state, step: step)
        }
    }

    var shouldStopOnFirst: Bool {
        options.stopOnFirst && found.keys.contains { system.properties[$0].severity != .warning }
    }

    /// Runs the search to the end or to a limit.
    public func run() -> CheckOutcome {
        let ws = workspaces[0]
        var limit: EvalError?
        for initial in system.initialStates() {
            let (index, inserted) = initial.withUnsafeBufferPointer { store.insert($0.baseAddress!, parent: nil) }
            guard inserted else { continue }
            system.layout.unpack(store.state(index), into: ws.post.vars)
            record(system.checkState(ws.post, limit: &limit), state: index, step: nil)
        }
        var head = 0
        var levelEnd = store.count
        var checkCounter = 0
        outer: while head < store.count {
            if head == levelEnd {
                depth += 1
                levelEnd = store.count
            }
            if let l = limit { incomplete = "a value beyond 64 bits at \(l.loc) (the explicit engine computes in 64 bits)"; break }
            if shouldStopOnFirst { incomplete = "stopped at the first violation (--stop-on-first)"; break }
            if let m = options.maxStates, store.count >= m { incomplete = "state limit of \(m) reached (--max-states)"; break }
            if workspaces.count > 1 && levelEnd - head >= 64 {
                head = runLevelInParallel(from: head, to: levelEnd, limit: &limit)
            } else {
                expandSequential(head, limit: &limit)
                head += 1
            }
            checkCounter += 1
            if checkCounter & 255 == 0 || workspaces.count > 1 {
                if let reason = stopReason() { incomplete = reason; break outer }
                reportProgress(queue: store.count - head)
            }
        }
        if incomplete == nil, let l = limit { incomplete = "a value beyond 64 bits at \(l.loc) (the explicit engine computes in 64 bits)" }
        return outcome()
    }

    private func stopReason() -> String? {
        if stopFlag?.isStopped == true { return "interrupted" }
        if let t = options.timeout, Date().timeIntervalSince(started) > t { return "timeout after \(t) s (--timeout)" }
        if store.count >= StateStore.maxStates { return "more than \(StateStore.maxStates) states" }
        return nil
    }

    private func reportProgress(queue: Int) {
        guard let progress else { return }
        let now = Date()
        guard now.timeIntervalSince(lastProgress) > 0.25 else { return }
        lastProgress = now
        progress.update(states: store.count, depth: depth, queue: queue, seconds: now.timeIntervalSince(started))
    }

    private func expandSequential(_ index: Int, limit: inout EvalError?) {
        let ws = workspaces[0]
        let cur = [UInt64](UnsafeBufferPointer(start: store.state(index), count: store.words))
        var unknown: String?
        var errors: [String] = []
        var stateLimit: EvalError?
        defer { if limit == nil { limit = stateLimit } }
        let stateFindings = cur.withUnsafeBufferPointer { packed in
            expand(packed.baseAddress!, ws: ws, oracle: oracles[0], limit: &limit, unknown: &unknown, internalErrors: &errors) { choice, f in
                steps += 1
                if f.enabled { firedTransitions.insert(system.instances[choice().instance].transition) }
                if !f.findings.isEmpty { record(f.findings, state: index, step: choice()) }
                guard f.successor else { return }
                let (next, inserted) = store.insert(ws.out, parent: index)
                if inserted {
                    system.layout.unpack(store.state(next), into: ws.post.vars)
                    let sf = system.checkState(ws.post, limit: &stateLimit)
                    if !sf.isEmpty { record(sf, state: next, step: nil) }
                }
            }
        }
        record(stateFindings, state: index, step: nil)
        if let u = unknown, incomplete == nil { incomplete = "Z3 could not decide a step: \(u)" }
        internalErrors += errors
    }

    /// Expands states `lo..<hi` (one level) on all workspaces, then merges
    /// the results in state order. Returns the next state to expand.
    private func runLevelInParallel(from lo: Int, to hi: Int, limit: inout EvalError?) -> Int {
        let jobs = workspaces.count
        let chunk = max(1, (hi - lo + jobs * 4 - 1) / (jobs * 4))
        let chunks = stride(from: lo, to: hi, by: chunk).map { ($0, min($0 + chunk, hi)) }
        final class Box: @unchecked Sendable {
            var results: [[Expansion]]
            var limits: [EvalError?]
            init(_ n: Int, _ jobs: Int) { results = Array(repeating: [], count: n); limits = Array(repeating: nil, count: jobs) }
        }
        let box = Box(chunks.count, jobs)
        let next = NSLock()
        var nextChunk = 0
        let words = store.words
        DispatchQueue.concurrentPerform(iterations: jobs) { worker in
            let ws = workspaces[worker], oracle = oracles[worker]
            var workerLimit: EvalError?
            var stateLimit: EvalError?
            while true {
                next.lock()
                let c = nextChunk
                nextChunk += 1
                next.unlock()
                guard c < chunks.count else { break }
                var out: [Expansion] = []
                for index in chunks[c].0..<chunks[c].1 {
                    var e = Expansion()
                    let cur = [UInt64](UnsafeBufferPointer(start: store.state(index), count: words))
                    var unknown: String?
                    var errors: [String] = []
                    e.stateLevel = cur.withUnsafeBufferPointer { packed in
                        expand(packed.baseAddress!, ws: ws, oracle: oracle, limit: &workerLimit, unknown: &unknown, internalErrors: &errors) { choice, f in
                            if f.enabled { e.fired.insert(system.instances[choice().instance].transition) }
                            if f.successor {
                                let n = e.successors.count / words
                                e.successors.append(contentsOf: UnsafeBufferPointer(start: ws.out, count: words))
                                if !f.findings.isEmpty { e.stepFindings.append((n, f.findings, choice())) }
                                if store.find(ws.out) == nil {
                                    system.layout.unpack(ws.out, into: ws.post.vars)
                                    let sf = system.checkState(ws.post, limit: &stateLimit)
                                    if !sf.isEmpty { e.stateFindings[n] = sf }
                                }
                            } else if !f.findings.isEmpty {
                                e.findingsWithoutSuccessor.append((f.findings, choice()))
                            }
                            e.choices.append(StepChoice(instance: -1, snapshot: Snapshot(), any: []))
                        }
                    }
                    e.unknown = unknown
                    e.internalErrors = errors
                    out.append(e)
                }
                box.results[c] = out
            }
            box.limits[worker] = workerLimit ?? stateLimit
        }
        if limit == nil { limit = box.limits.compactMap { $0 }.first }
        // Merge in state order: the numbering of the sequential search.
        var index = lo
        for results in box.results {
            for e in results {
                steps += e.choices.count
                firedTransitions.formUnion(e.fired)
                var stepIdx = 0
                // Findings of steps without successor come in step order
                // among the others; each property keeps its first, and all
                // of one state's findings share its depth, so the relative
                // order within the state only picks among equal lengths.
                for (findings, choice) in e.findingsWithoutSuccessor { record(findings, state: index, step: choice) }
                let count = e.successors.count / words
                e.successors.withUnsafeBufferPointer { buf in
                    for n in 0..<count {
                        if stepIdx < e.stepFindings.count, e.stepFindings[stepIdx].successor == n {
                            record(e.stepFindings[stepIdx].findings, state: index, step: e.stepFindings[stepIdx].choice)
                            stepIdx += 1
                        }
                        let (next, inserted) = store.insert(buf.baseAddress! + n * words, parent: index)
                        if inserted, let sf = e.stateFindings[n] { record(sf, state: next, step: nil) }
                    }
                }
                record(e.stateLevel, state: index, step: nil)
                if let u = e.unknown, incomplete == nil { incomplete = "Z3 could not decide a step: \(u)" }
                internalErrors += e.internalErrors
                index += 1
            }
        }
        return hi
    }
}
