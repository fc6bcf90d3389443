import Dispatch
import Foundation

@dynamicMemberLookup
public struct ExplicitOptions: Sendable, EmbedsCheckOptions {
    public var common = CheckOptions()
    public var maxStates: Int?
    /// Steps from an initial state the search goes at most (`--depth`):
    /// past it, what holds so far is `bounded` evidence.
    public var maxDepth: Int?
    /// Z3 queries the search may make deciding observation-dependent steps
    /// (a limit counted in work, not seconds, so the same on every machine).
    public var maxSolverQueries: Int?
    /// Bytes the explicit search may hold (visited states and successors
    /// waiting to join them); nil: three quarters of the machine's memory.
    public var memoryLimit: Int?
    /// Keep full states in the visited set (`--exact`) rather than 64-bit
    /// fingerprints when a state takes more than one word.
    public var exact = false
    /// States the log holds before its expanded blocks move to a
    /// temporary file (a parameter so tests can make it small).
    public var spillAfter = 1 << 22
    /// log₂ of the states in one block of the log (small in tests).
    var logBlockShift = 16
    /// Fingerprints even for one-word states (tests of that path).
    var alwaysFingerprint = false
    /// Moves the keys to the disk tier at every level, whatever the memory
    /// (tests of that path).
    var spillKeysEachLevel = false
    /// Levels smaller than this are expanded by one thread.
    public var parallelThreshold = 64
    /// With unbounded integers, `auto` gives the explicit search at most
    /// this many seconds before the symbolic engine: a safety net, since
    /// its state and query shares end it first on an unloaded machine.
    /// (Tests that pin the outcome lift it: a loaded machine is slower.)
    public var autoExplicitSeconds = 10.0
    /// How states are expanded (`--backend`); results never depend on it.
    public var backend = Backend.auto
    public init() {}

    /// `auto`: the model's native code once the search has gone far enough
    /// to pay for a compile (`NativeModel.autoAfterStates`), made on another
    /// thread meanwhile; `native`: compiled before the search starts;
    /// `interpreter`: the kernel's closures only. Without a C compiler every
    /// one is the interpreter.
    public enum Backend: String, Sendable, CaseIterable { case auto, native, interpreter }
}

/// A violation of a property found by the search: the first found is a
/// shortest one, and so on in breadth-first order.
struct Found {
    var message: String
    /// The state reached (state properties) or left (step properties).
    var state: Int
    var step: StepChoice?

    /// Whether it ends where another would: in the same state, or by the
    /// same transition instance from the same state (SPEC §7: distinct
    /// counterexamples end in a different state or by a different step).
    func sameEnding(state s: Int, step other: StepChoice?) -> Bool {
        state == s && step?.instance == other?.instance
    }
}

/// Exhaustive breadth-first search over packed states (SPEC §4 Explicit).
///
/// For each state, in TLC's order: fire each enabled step and check its
/// step properties (guard and effect evaluation errors, range, forbidden
/// edge, entry contracts) on every edge; look the successor up in the
/// visited set; check the state properties (invariants) of each new state;
/// append it to the queue. A state with no enabled step is a deadlock
/// unless final. Every property keeps its first violation (breadth-first
/// order makes it a shortest one), and with `counterexamples` N > 1 its
/// first N distinct ones, so the N shortest: a property stays checked
/// until it has N. Traces are rebuilt from parent links by
/// re-expanding each parent and replayed through the property checker.
///
/// A state may instead be expanded by the model's native code
/// (`NativeModel`, `--backend`), which handles only states where every
/// enabled step is finding-free and leaves every other state to the kernel
/// as above: the same steps, successors and verdicts either way.
///
/// With `jobs > 1`, each breadth-first level is expanded by several
/// threads and merged in state order, so states are numbered exactly as in
/// the sequential search: same counts, same verdicts, same traces.
public final class ExplicitSearch {
    let system: TransitionSystem
    let options: ExplicitOptions
    let store: StateStore
    /// Each violated property's violations, in the order found (at most
    /// `wanted`).
    var found: [Int: [Found]] = [:]
    /// Distinct violations kept per property (`--counterexamples`).
    let wanted: Int
    var firedEdges: EdgeSet
    /// The control states of the states reached, marked as each is added.
    var reachedControls: [Bool]
    var incomplete: StopReason?
    /// A limit reached in the middle of expanding a state or a level.
    var aborted: StopReason?
    /// Bytes the visited set and pending successors may take.
    let memoryLimit: Int
    var stateLimitReached = false
    /// Making room on disk (`relieveMemory`) left memory over the limit.
    var memoryExhausted = false
    var internalErrors: [String] = []
    var depth = 0
    var steps = 0
    /// States `0..<expanded` of the store were expanded (the rest were
    /// reached, checked and left in the queue when the search stopped).
    var expanded = 0
    let started = Date()
    var lastProgress = Date.distantPast
    /// Successors of the state (or the native batch of states) being
    /// expanded, packed back to back.
    var pending: [UInt64] = []
    /// Every state's successors, kept only to decide `progress`.
    var graph: ProgressGraph?
    public var progress: SearchProgress?
    public var stopFlag: StopFlag?
    /// `--timeout` and Ctrl-C, the whole run's from its start (set when
    /// the search starts, after `stopFlag`).
    private var budget = Budget.unlimited
    let oracles: [SnapshotOracle]
    let workspaces: [Workspace]
    /// The model's native code once loaded, with one scratch per
    /// workspace and each one's `NativeCode`; nil: the interpreter expands
    /// every state.
    private(set) var native: NativeModel?
    private var scratches: [NativeModel.Scratch] = []
    private var codes: [NativeCode] = []
    /// The first workspace's code, for the sequential search.
    private var code: NativeCode?
    private var nativeBuild: NativeBuild?
    /// Why the search has no native code, when it looked for some.
    private(set) var nativeUnavailable: String?
    /// States expanded by native code (the rest by the interpreter).
    private(set) var nativeStates = 0

    static var defaultMemoryLimit: Int { Int(clamping: ProcessInfo.processInfo.physicalMemory / 4 * 3) }

    public init(system: TransitionSystem, options: ExplicitOptions) {
        self.system = system
        self.options = options
        store = StateStore(words: system.layout.words, stateBits: system.layout.bitsInFirstWord, exact: options.exact, indexed: system.progressProperty != nil,
                           spillAfter: options.spillAfter, blockShift: options.logBlockShift, alwaysFingerprint: options.alwaysFingerprint)
        memoryLimit = options.memoryLimit ?? ExplicitSearch.defaultMemoryLimit
        wanted = max(1, options.common.counterexamples)
        let jobs = options.common.threads
        oracles = (0..<jobs).map { _ in SnapshotOracle(system: system, queryTimeoutMilliseconds: options.queryTimeoutMilliseconds) }
        workspaces = (0..<jobs).map { _ in system.makeWorkspace() }
        firedEdges = EdgeSet(states: system.model.states.count, transitions: system.model.transitions.count)
        reachedControls = Array(repeating: false, count: system.model.states.count)
        if system.progressProperty != nil { graph = ProgressGraph() }
    }

    // MARK: Expansion (one state, one thread)

    /// What one thread produced for a run of consecutive states of a level,
    /// in order: everything the merge needs to number states as the
    /// sequential search does.
    struct Chunk {
        /// Successor states, packed back to back.
        var successors: [UInt64] = []
        /// For each successor, the offset of its parent within the chunk.
        var parentOffset: [Int32] = []
        /// Findings of steps, by parent offset, in step order.
        var stepFindings: [(offset: Int32, findings: [Finding], choice: StepChoice)] = []
        /// Deadlock and determinism findings, by parent offset.
        var stateLevel: [(offset: Int32, findings: [Finding])] = []
        var fired: Set<Int> = []  // control state × transition count + transition
        var steps = 0
        var unknown: String?
        var internalErrors: [String] = []
        /// States expanded by native code.
        var native = 0
    }

    /// Expands the state `packed` with one thread's workspace and oracle
    /// through the kernel (`forEachStep`), calling `emit` for each step
    /// (successor packed in `ws.out` when `fired.successor`); `emit`
    /// returns false to stop the expansion there (a limit was reached), and
    /// then no state-level finding is claimed. Returns the state-level
    /// findings (deadlock, determinism) by the kernel's one rule.
    func expand(_ packed: UnsafePointer<UInt64>, ws: Workspace, oracle: SnapshotOracle,
                limit: inout EvalError?, unknown: inout String?, internalErrors: inout [String],
                emit: (_ step: StepRef, _ choice: () -> StepChoice, _ fired: TransitionSystem.Fired) -> Bool) -> [Finding] {
        guard let survey = system.forEachStep(packed, ws: ws, oracle: oracle, limit: &limit, internalErrors: &internalErrors, emit)
        else { return [] }
        return system.stepFindings(survey, ws.src, oracle, unknown: &unknown) { settled($0) }
    }

    /// Property `p` has all the violations it needs: none is looked for.
    @inline(__always) func settled(_ p: Int) -> Bool {
        guard let list = found[p] else { return false }
        return list.count >= wanted
    }

    // MARK: The search

    /// Keeps each finding as its property's next violation, unless the
    /// property has enough or one that ends the same way.
    func record(_ findings: [Finding], state: Int, step: StepChoice?) {
        for f in findings {
            if let earlier = found[f.property] {
                guard earlier.count < wanted, !earlier.contains(where: { $0.sameEnding(state: state, step: step) }) else { continue }
            }
            found[f.property, default: []].append(Found(message: f.message, state: state, step: step))
        }
    }

    var shouldStopOnFirst: Bool {
        found.keys.contains { options.common.stops(at: system.properties[$0]) }
    }

    /// Runs the search to the end or to a limit.
    public func run() -> CheckOutcome {
        let ws = workspaces[0]
        var limit: EvalError?
        budget = Budget(timeout: options.timeout, stop: stopFlag, from: options.clockStart ?? started)
        for o in oracles {
            o.budget = budget
            if let m = options.maxStates { o.maxSuccessors = max(1, min(o.maxSuccessors, m)) }
        }
        if options.backend == .native {
            do throws(NativeModel.Unavailable) { adopt(.success(try NativeModel.make(system))) } catch { adopt(.failure(error)) }
        }
        var counter = 0
        system.forEachInitialState { initial in
            if let m = options.maxStates, store.count >= m {
                incomplete = .amongInitialStates(.stateLimit(m))
                stateLimitReached = true
                return false
            }
            counter += 1
            if counter & 1023 == 0, let reason = stopReason() { incomplete = .amongInitialStates(reason); return false }
            let (index, inserted) = store.insert(initial, parent: nil)
            guard inserted else { return true }
            record(checkNew(index, ws, limit: &limit), state: index, step: nil)
            return true
        }
        if incomplete != nil { return outcome() }
        var head = 0
        var levelEnd = store.count
        var checkCounter = 0
        outer: while true {
            if head == levelEnd {
                // States waiting for the disk tier were all found by the
                // level just expanded: they join the next level first (and
                // when none is new, the search is over).
                if store.hasCandidates && !settleCandidates(limit: &limit) { incomplete = .diskTier; break }
                if head == store.count { break }
                depth += 1
                levelEnd = store.count
                store.release(below: head)
                if !relieveMemory(head: head, limit: &limit) { incomplete = .diskTier; break }
            }
            if let k = options.maxDepth, depth >= k { incomplete = .depthLimit(k); break }
            if let l = limit { incomplete = .overflow(l.loc); break }
            if shouldStopOnFirst { incomplete = .stopOnFirst; break }
            if let m = options.maxStates, store.count >= m { incomplete = .stateLimit(m); stateLimitReached = true; break }
            if let m = options.maxSolverQueries, oracles.reduce(0, { $0 + $1.queries }) >= m { incomplete = .solverQueryLimit(m); break }
            if workspaces.count > 1 && levelEnd - head >= options.parallelThreshold {
                head = runLevelInParallel(from: head, to: levelEnd, limit: &limit)
            } else {
                let done = expandNativeBatch(from: head, to: min(levelEnd, head + ExplicitSearch.batchStates), limit: &limit)
                if done > 0 {
                    head += done
                    checkCounter += done - 1
                } else if aborted == nil {
                    // (A state the kernel stopped in counts as expanded.)
                    expandSequential(head, limit: &limit)
                    head += 1
                }
            }
            expanded = head
            if let reason = aborted { incomplete = reason; break }
            checkCounter += 1
            if checkCounter >= 256 || workspaces.count > 1 {
                checkCounter = 0
                store.release(below: head)
                if !relieveMemory(head: head, limit: &limit) { incomplete = .diskTier; break outer }
                if let reason = stopReason() { incomplete = reason; break outer }
                reportProgress(queue: store.count - head)
                pollNative()
            }
        }
        if incomplete == nil, let l = limit { incomplete = .overflow(l.loc) }
        if incomplete == nil, let g = graph {
            for (state, finding) in system.progressFindings(g, limit: wanted, control: { Int(system.layout.get(0, in: store.state($0))) }) {
                record([finding], state: state, step: nil)
            }
        }
        return outcome()
    }

    /// Whether what the search holds passes `memoryLimit` (the next growth
    /// of the visited set must fit too, or it would abort the process
    /// instead of stopping the search).
    private func overMemory(pendingBytes: Int = 0) -> Bool {
        store.growthPeakBytes + pendingBytes + (graph?.bytes ?? 0) > memoryLimit
    }

    /// When memory is full, makes room the way TLC does: the state log's
    /// full blocks (expanded or queued) move to disk, then the states
    /// waiting for the disk tier are decided (and their blocks moved), then,
    /// if keys in memory are a good part of memory, they move to the disk
    /// tier. `memoryExhausted` says whether that was not enough. False when
    /// the disk tier failed.
    private func relieveMemory(head: Int, limit: inout EvalError?) -> Bool {
        if options.spillKeysEachLevel {
            store.release(below: head, force: true)
            guard settleCandidates(limit: &limit) else { return false }
            _ = store.spillKeys()
            return true
        }
        guard overMemory() else { memoryExhausted = false; return true }
        store.release(below: head, force: true)
        if overMemory() && store.hasCandidates {
            guard settleCandidates(limit: &limit) else { return false }
            store.release(below: head, force: true)
        }
        if overMemory() && store.canSpillKeys && store.keyBytes > memoryLimit / 4 && !store.hasCandidates {
            _ = store.spillKeys()
        }
        memoryExhausted = overMemory()
        return true
    }

    /// Adds the states waiting for the disk tier that are new, checking
    /// each one's state properties as it joins. False when the disk tier
    /// cannot be read.
    private func settleCandidates(limit: inout EvalError?) -> Bool {
        let ws = workspaces[0]
        return store.settle { next in
            let found = checkNew(next, ws, limit: &limit)
            if !found.isEmpty { record(found, state: next, step: nil) }
        }
    }

    /// Why the search must stop now, if it must: Ctrl-C, `--timeout`, the
    /// 32-bit state numbering, or memory (the visited set and the
    /// successors waiting to join it, against `memoryLimit`) when moving
    /// keys to disk cannot help.
    private func stopReason(pendingBytes: Int = 0) -> StopReason? {
        if let reason = budget.exhausted { return reason }
        if store.count >= StateStore.maxStates { return .stateNumbering(StateStore.maxStates) }
        if overMemory(pendingBytes: pendingBytes) && (!store.canSpillKeys || memoryExhausted) {
            return .memoryLimit(states: store.count, bytesPerState: store.words * 8, held: store.bytes + pendingBytes + (graph?.bytes ?? 0), limit: memoryLimit)
        }
        return nil
    }

    private func reportProgress(queue: Int) {
        guard let progress else { return }
        let now = Date()
        guard now.timeIntervalSince(lastProgress) > 0.25 else { return }
        lastProgress = now
        progress.update(states: store.count, depth: depth, queue: queue, seconds: now.timeIntervalSince(started))
    }

    // MARK: Native code

    /// Takes the native model, or notes why there is none.
    private func adopt(_ made: Result<NativeModel, NativeModel.Unavailable>) {
        switch made {
        case .success(let model):
            native = model
            scratches = workspaces.map { _ in NativeModel.Scratch(model) }
            codes = scratches.map(model.code)
            code = codes.first
        case .failure(let why):
            nativeUnavailable = why.reason
        }
    }

    /// `auto`: starts making the native model once `autoAfterStates`
    /// states are expanded, and adopts it when it is ready.
    private func pollNative() {
        guard options.backend == .auto, native == nil, nativeUnavailable == nil else { return }
        if let build = nativeBuild {
            if let made = build.result { adopt(made) }
        } else if expanded >= NativeModel.autoAfterStates {
            nativeBuild = NativeBuild(system)
        }
    }

    /// States the sequential search expands by native code before it
    /// looks their successors up, and how far ahead of a lookup it starts
    /// loading the table slot of a later one.
    /// (Measured on counters-7: the time is flat from 32 to 128 states and
    /// from 4 to 32 successors ahead; the lookups are bound by the cache
    /// misses the CPU can have in flight.)
    static let batchStates = 64
    static let prefetchDistance = 12

    /// The batch's successors (in `pending`): each one's probe and
    /// transition, and where each state's successors end.
    private var batchProbes: [UInt64] = []
    private var batchTransitions: [Int32] = []
    private var batchEnds: [Int] = []

    /// Expands states `head..<end` of one level by native code, up to the
    /// first that needs the kernel, then adds their successors to the store
    /// in order, as `expandSequential` would one state at a time, the table
    /// slots loaded `prefetchDistance` successors ahead so that the cache
    /// misses of many lookups overlap. Stops before a state where the
    /// sequential search would have stopped (a finding with
    /// `--stop-on-first`, an evaluation limit, `--max-states`). Returns the
    /// states expanded: 0 when `head` needs the kernel.
    private func expandNativeBatch(from head: Int, to end: Int, limit: inout EvalError?) -> Int {
        guard let code else { return 0 }
        let words = store.words
        pending.removeAll(keepingCapacity: true)
        batchTransitions.removeAll(keepingCapacity: true)
        batchEnds.removeAll(keepingCapacity: true)
        var i = head
        while i < end {
            let n = code.expand(store.state(i))
            guard n >= 0 else { break }
            pending.append(contentsOf: UnsafeBufferPointer(start: code.successors, count: n * words))
            for k in 0..<n { batchTransitions.append(Int32(truncatingIfNeeded: code.transition(k))) }
            batchEnds.append(batchTransitions.count)
            i += 1
        }
        guard i > head else { return 0 }
        if let reason = stopReason(pendingBytes: pending.count * 8) { aborted = reason; return 0 }
        let total = batchTransitions.count
        let ws = workspaces[0]
        var done = 0
        pending.withUnsafeBufferPointer { buf in
            let base = buf.baseAddress!
            batchProbes.removeAll(keepingCapacity: true)
            for k in 0..<total { batchProbes.append(store.probe(base + k * words)) }
            for k in 0..<min(total, ExplicitSearch.prefetchDistance) { store.prefetch(probe: batchProbes[k]) }
            var k = 0
            for (s, stateEnd) in batchEnds.enumerated() {
                if s > 0 {
                    if limit != nil || shouldStopOnFirst { break }
                    if let m = options.maxStates, store.count >= m { break }
                }
                let index = head + s
                let control = Int(system.layout.get(0, in: store.state(index)))
                var last: Int32 = -1
                while k < stateEnd {
                    if k + ExplicitSearch.prefetchDistance < total { store.prefetch(probe: batchProbes[k + ExplicitSearch.prefetchDistance]) }
                    let t = batchTransitions[k]
                    if t != last { firedEdges.insert(from: control, transition: Int(t)); last = t }
                    let (next, inserted) = store.insert(base + k * words, probe: batchProbes[k], parent: index)
                    reached(next, new: inserted, ws, limit: &limit)
                    k += 1
                }
                graph?.endState()
                steps += stateEnd - (s == 0 ? 0 : batchEnds[s - 1])
                done += 1
            }
        }
        nativeStates += done
        pending.removeAll(keepingCapacity: true)
        return done
    }

    /// After a successor's lookup: its edge for `progress`, and a new
    /// state's own properties.
    @inline(__always) private func reached(_ next: Int, new: Bool, _ ws: Workspace, limit: inout EvalError?) {
        graph?.edge(to: next)
        guard new else { return }
        let found = checkNew(next, ws, limit: &limit)
        if !found.isEmpty { record(found, state: next, step: nil) }
    }

    /// The state properties of the new state `index` (initial or reached):
    /// by native code when it is sure they hold, else by the kernel's
    /// `checkState`. Marks its control state reached.
    private func checkNew(_ index: Int, _ ws: Workspace, limit: inout EvalError?) -> [Finding] {
        let state = store.state(index)
        reachedControls[Int(system.layout.get(0, in: state))] = true
        if let code, code.check(state) { return [] }
        system.layout.unpack(state, into: ws.post.vars)
        return system.checkState(ws.post, limit: &limit)
    }

    private func expandSequential(_ index: Int, limit: inout EvalError?) {
        let ws = workspaces[0]
        let words = store.words
        ws.cur.update(from: store.state(index), count: words)
        var unknown: String?
        var errors: [String] = []
        var stateLimit: EvalError?
        defer { if limit == nil { limit = stateLimit } }
        var emitted = 0
        let stateFindings = expand(ws.cur, ws: ws, oracle: oracles[0], limit: &limit, unknown: &unknown, internalErrors: &errors) { ref, choice, f in
                let i = ref.instance
                if f.enabled {
                    steps += 1
                    firedEdges.insert(from: Int(ws.src.vars[0]), transition: system.instances[i].transition)
                }
                if !f.findings.isEmpty { record(f.findings, state: index, step: choice()) }
                emitted += 1
                if emitted & 15 == 0, let reason = stopReason(pendingBytes: pending.count * 8) {
                    aborted = reason
                    return false
                }
                guard f.successor else { return true }
                // Looked up together after the expansion, so the cache
                // misses of the lookups overlap.
                store.prefetch(ws.out)
                pending.append(contentsOf: UnsafeBufferPointer(start: ws.out, count: words))
                return true
            }
        if aborted != nil {
            // A state expanded only in part: its successors are not kept.
            pending.removeAll()
            internalErrors += errors
            return
        }
        pending.withUnsafeBufferPointer { buf in
            for n in 0..<(buf.count / words) {
                let (next, inserted) = store.insert(buf.baseAddress! + n * words, parent: index)
                reached(next, new: inserted, ws, limit: &stateLimit)
            }
        }
        pending.removeAll(keepingCapacity: true)
        graph?.endState()
        record(stateFindings, state: index, step: nil)
        if let u = unknown, incomplete == nil { incomplete = .undecidedStep(u) }
        internalErrors += errors
    }

    /// Expands states `lo..<hi` (one level) on all workspaces, then merges
    /// the results in state order. Returns the next state to expand.
    private func runLevelInParallel(from lo: Int, to levelEnd: Int, limit: inout EvalError?) -> Int {
        let jobs = workspaces.count
        // A window of the level at a time, copied out of the log (whose
        // blocks may be on disk, read back by one thread).
        let hi = min(levelEnd, lo + (1 << 18))
        let words = store.words
        let window: [UInt64] = (lo..<hi).flatMap { store.copy($0) }
        let chunk = max(16, (hi - lo + jobs * 8 - 1) / (jobs * 8))
        let ranges = stride(from: lo, to: hi, by: chunk).map { $0..<min($0 + chunk, hi) }
        final class Box: @unchecked Sendable {
            var results: [Chunk]
            var limits: [EvalError?]
            var next = 0
            let lock = NSLock()
            init(_ n: Int, _ jobs: Int) { results = Array(repeating: Chunk(), count: n); limits = Array(repeating: nil, count: jobs) }
            private var reason: StopReason?
            func take() -> Int { lock.lock(); defer { lock.unlock() }; next += 1; return next - 1 }
            /// Set when a worker reached a limit mid-level: every worker stops.
            var stopped: StopReason? { lock.lock(); defer { lock.unlock() }; return reason }
            func stop(_ r: StopReason) { lock.lock(); defer { lock.unlock() }; reason = reason ?? r }
        }
        let box = Box(ranges.count, jobs)
        let codes = self.codes
        DispatchQueue.concurrentPerform(iterations: jobs) { worker in
            let ws = workspaces[worker], oracle = oracles[worker]
            let code = codes.isEmpty ? nil : codes[worker]
            var workerLimit: EvalError?
            while true {
                let c = box.take()
                guard c < ranges.count else { break }
                var out = Chunk()
                out.successors.reserveCapacity(ranges[c].count * 8 * words)
                for index in ranges[c] {
                    let offset = Int32(index - ranges[c].lowerBound)
                    if offset & 63 == 63 && box.stopped != nil { break }
                    window.withUnsafeBufferPointer { ws.cur.update(from: $0.baseAddress! + (index - lo) * words, count: words) }
                    if let code {
                        let n = expandNatively(ws.cur, code, offset: offset, into: &out)
                        if n >= 256, let reason = box.stopped ?? stopReason(pendingBytes: out.successors.count * 8 * jobs) {
                            box.stop(reason)
                            break
                        }
                        if n >= 0 { continue }
                    }
                    var unknown: String?
                    var emitted = 0
                    let level = expand(ws.cur, ws: ws, oracle: oracle, limit: &workerLimit, unknown: &unknown,
                                       internalErrors: &out.internalErrors) { ref, choice, f in
                        let i = ref.instance
                        if f.enabled {
                            out.steps += 1
                            out.fired.insert(Int(ws.src.vars[0]) * system.model.transitions.count + system.instances[i].transition)
                        }
                        if !f.findings.isEmpty { out.stepFindings.append((offset, f.findings, choice())) }
                        emitted += 1
                        if emitted & 255 == 0 {
                            // Every worker's chunk may be this large.
                            if let reason = box.stopped ?? stopReason(pendingBytes: out.successors.count * 8 * jobs) {
                                box.stop(reason)
                                return false
                            }
                        }
                        guard f.successor else { return true }
                        out.successors.append(contentsOf: UnsafeBufferPointer(start: ws.out, count: words))
                        out.parentOffset.append(offset)
                        return true
                    }
                    if box.stopped != nil { break }
                    if !level.isEmpty { out.stateLevel.append((offset, level)) }
                    if out.unknown == nil { out.unknown = unknown }
                }
                box.results[c] = out
            }
            box.limits[worker] = workerLimit
        }
        if limit == nil { limit = box.limits.compactMap { $0 }.first }
        if let reason = box.stopped ?? budget.exhausted {
            // The level was expanded only in part, or the clock ran out
            // before its successors were decided (a million of them take
            // seconds to decide and merge, so the merge reads the clock
            // every 4,096 too): its successors are not kept.
            aborted = reason
            return lo
        }
        // With keys in memory, the threads first decide which successors
        // are new, each for the shards it owns, in the order found: what
        // one thread would decide. (This is where the time goes: a lookup
        // is a cache miss.)
        let claimed = claimConcurrently(box.results)
        defer { claimed?.deallocate() }
        // Merge in state order: the numbering of the sequential search, and
        // per state the same order of findings (steps, new states, then
        // deadlock and determinism).
        let ws = workspaces[0]
        var stateLimit: EvalError?
        var claimedIndex = 0
        for (c, r) in box.results.enumerated() {
            let base = ranges[c].lowerBound
            steps += r.steps
            nativeStates += r.native
            for e in r.fired { firedEdges.insert(from: e / system.model.transitions.count, transition: e % system.model.transitions.count) }
            var sf = 0, sl = 0
            r.successors.withUnsafeBufferPointer { buf in
                let count = r.parentOffset.count
                var n = 0
                for offset in 0..<Int32(ranges[c].count) {
                    while sf < r.stepFindings.count && r.stepFindings[sf].offset == offset {
                        record(r.stepFindings[sf].findings, state: base + Int(offset), step: r.stepFindings[sf].choice)
                        sf += 1
                    }
                    while n < count && r.parentOffset[n] == offset {
                        if n & 4095 == 4095, aborted == nil, let reason = budget.exhausted { aborted = reason }
                        if aborted != nil { break }
                        let next: Int, inserted: Bool
                        if let claimed {
                            inserted = claimed[claimedIndex]
                            next = inserted ? store.add(buf.baseAddress! + n * words, parent: base + Int(offset)) : -1
                            claimedIndex += 1
                        } else {
                            if n + 4 < count { store.prefetch(buf.baseAddress! + (n + 4) * words) }
                            (next, inserted) = store.insert(buf.baseAddress! + n * words, parent: base + Int(offset))
                        }
                        reached(next, new: inserted, ws, limit: &stateLimit)
                        n += 1
                    }
                    graph?.endState()
                    if sl < r.stateLevel.count && r.stateLevel[sl].offset == offset {
                        record(r.stateLevel[sl].findings, state: base + Int(offset), step: nil)
                        sl += 1
                    }
                }
            }
            if let u = r.unknown, incomplete == nil { incomplete = .undecidedStep(u) }
            internalErrors += r.internalErrors
            if aborted != nil { return lo }
        }
        if limit == nil { limit = stateLimit }
        return hi
    }

    /// Decides on every thread which of the chunks' successors are new to
    /// the visited set (true at their place, in chunk order), when the
    /// visited set allows it (keys in memory, no progress graph); nil when
    /// the merge must look them up itself.
    private func claimConcurrently(_ results: [Chunk]) -> UnsafeMutableBufferPointer<Bool>? {
        let jobs = workspaces.count
        guard jobs > 1, store.claimsConcurrently, graph == nil else { return nil }
        let words = store.words
        let total = results.reduce(0) { $0 + $1.parentOffset.count }
        let probes = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: total)
        defer { probes.deallocate() }
        // One array per thread, so that no cache line is written by two;
        // a successor is new when its owner's array says so.
        let claimed = UnsafeMutableBufferPointer<Bool>.allocate(capacity: total * jobs)
        claimed.initialize(repeating: false)
        var starts: [Int] = []
        var at = 0
        for r in results { starts.append(at); at += r.parentOffset.count }
        // The probes, by chunk on every thread.
        let store = self.store
        DispatchQueue.concurrentPerform(iterations: results.count) { c in
            results[c].successors.withUnsafeBufferPointer { buf in
                for n in 0..<results[c].parentOffset.count { probes[starts[c] + n] = store.probe(buf.baseAddress! + n * words) }
            }
        }
        var tallies = Array(repeating: (KeySet<UInt32>.Tally(), KeySet<UInt64>.Tally()), count: jobs)
        tallies.withUnsafeMutableBufferPointer { tallies in
            DispatchQueue.concurrentPerform(iterations: jobs) { t in
                // Thread t's successors, in order, looked up `prefetchDistance` behind their prefetch.
                let distance = ExplicitSearch.prefetchDistance
                var ring = [Int](repeating: 0, count: distance)
                var queued = 0
                let mine = UnsafeMutableBufferPointer(rebasing: claimed[(t * total)..<((t + 1) * total)])
                for i in 0..<total where store.owner(ofProbe: probes[i], threads: jobs) == t {
                    store.prefetch(probe: probes[i])
                    if queued >= distance {
                        let j = ring[queued % distance]
                        mine[j] = store.claim(probe: probes[j], tally: &tallies[t])
                    }
                    ring[queued % distance] = i
                    queued += 1
                }
                for q in max(0, queued - distance)..<queued {
                    let j = ring[q % distance]
                    mine[j] = store.claim(probe: probes[j], tally: &tallies[t])
                }
            }
        }
        for t in tallies { store.apply(t) }
        for t in 1..<jobs {
            for j in 0..<total where claimed[t * total + j] { claimed[j] = true }
        }
        return claimed
    }

    /// `expandNatively` for a worker of a parallel level: the successors
    /// and what the merge needs into `out`. Their count, or -1 (nothing
    /// done) when the state needs the kernel.
    private func expandNatively(_ state: UnsafePointer<UInt64>, _ code: NativeCode, offset: Int32, into out: inout Chunk) -> Int {
        let n = code.expand(state)
        guard n >= 0 else { return -1 }
        out.native += 1
        out.steps += n
        let transitions = system.model.transitions.count
        let control = Int(system.layout.get(0, in: state))
        var last = -1
        for k in 0..<n {
            let edge = control * transitions + code.transition(k)
            if edge != last { out.fired.insert(edge); last = edge }
            out.parentOffset.append(offset)
        }
        out.successors.append(contentsOf: UnsafeBufferPointer(start: code.successors, count: n * store.words))
        return n
    }
}
