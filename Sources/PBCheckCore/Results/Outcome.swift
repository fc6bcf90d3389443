/// One verdict per property (SPEC §3.2).
public enum Verdict: String, Sendable, Codable {
    case holds, violated, bounded, unknown
}

public enum PropertyKind: String, Sendable, Codable {
    case stateInvariant = "state-invariant"
    case globalInvariant = "global-invariant"
    case forbidden, range, deadlock
    case evalError = "eval-error"
    case determinism, progress, scenario
}

/// A property of a model, independent of any engine (SPEC §5.2.1 ids).
public struct Property: Sendable, Codable {
    public var id: PropertyID
    public var kind: PropertyKind
    public var description: String?
    public var location: SourceLoc?
    /// `warning` properties never fail a run (unless `--strict`).
    public var severity: InvariantSeverity
    /// An invariant that reads observations: established on entry (SPEC §3).
    public var isContract: Bool
}

/// A named value in a trace: a variable (`failures`, `circuit(us-west-1)`),
/// a parameter or an observation.
public struct NamedValue: Sendable, Equatable, Codable {
    public var name: String
    public var value: Value
    /// The text shown to people (enum values and state ids by name).
    public var text: String
    /// The name is an opaque browser condition (`display.text.len() > 0`),
    /// not an identifier.
    public var isCondition = false
    public init(name: String, value: Value, text: String, isCondition: Bool = false) {
        self.name = name
        self.value = value
        self.text = text
        self.isCondition = isCondition
    }

    /// `failures=2`, or for an opaque condition `(display.text.len() > 0) is false`.
    public var assignment: String { isCondition ? "(\(name)) is \(text)" : "\(name)=\(text)" }
}

public struct TraceState: Sendable, Equatable, Codable {
    public var state: String
    public var vars: [NamedValue]
}

public struct TraceStep: Sendable, Equatable, Codable {
    public var transition: String
    public var event: String
    public var params: [NamedValue]
    public var observations: [NamedValue]
    /// Values chosen by `:= any`.
    public var chosen: [NamedValue]
    public var state: String
    public var vars: [NamedValue]
    /// The YAML location of the transition taken.
    public var location: SourceLoc
}

/// A counterexample: an initial state and the steps from it. Every trace an
/// engine hands out has been replayed through the model.
public struct Trace: Sendable, Equatable, Codable {
    public var initial: TraceState
    public var steps: [TraceStep]
    /// The choices that reproduce it: replayed through the kernel, they
    /// give this trace again (`Replayer.replay(_:)`).
    public var choices: TraceChoices?
    public var length: Int { steps.count }
}

/// What reproduces a trace: the packed initial state and each step's
/// choice (transition instance, snapshot, `:= any` values), valid for the
/// model that made them.
public struct TraceChoices: Sendable, Equatable, Codable {
    public var initial: [UInt64]
    public var steps: [StepChoice]
}

/// How a verdict was reached (SPEC §3.2); rendered to words in `Reports/`.
public enum Settlement: Sendable, Equatable, Codable {
    /// The explicit search finished: every reachable state was checked.
    case exhaustive
    /// The explicit search: its violation, or why it is unknown.
    case explicitSearch
    /// No violation within this depth bound of the explicit search (`bounded`).
    case searchDepth(Int)
    /// A violation bounded model checking found at this many steps.
    case bmc(steps: Int)
    /// No violation up to this BMC depth (`bounded`).
    case bmcDepth(Int)
    /// The symbolic encoding has no step or state that could break it.
    case noBadStep
    /// Proven by k-induction at this k (and, for some checks, by CHC).
    case kInduction(k: Int, chc: Bool)
    /// Spacer (CHC): a proof, or a violation deeper than BMC went.
    case chc
    /// The symbolic engine could not settle it.
    case symbolic
    /// Random walks: a shrunk violation or sampled evidence.
    case walk(runs: Int, depth: Int)
    /// A scenario or the scripted run.
    case scenario
}

/// Which engine ran a stage of a check.
public enum EngineKind: String, Sendable, Codable, CaseIterable {
    case explicit, symbolic, walk, scenarios
}

/// Why a run stopped before it settled everything; rendered to words (and
/// to the flag that sets the limit) in `Reports/`.
public indirect enum StopReason: Sendable, Equatable, Codable, Error {
    case interrupted
    case timeout(seconds: Double)
    case stateLimit(Int)
    /// The search's depth bound: every state within it was checked.
    case depthLimit(Int)
    case solverQueryLimit(Int)
    /// The visited set would outgrow the memory it may use.
    case memoryLimit(states: Int, bytesPerState: Int, held: Int, limit: Int)
    /// More states than the store can number.
    case stateNumbering(Int)
    /// The visited set's disk tier could not be read back.
    case diskTier
    /// A value past 64 bits, which the explicit evaluator cannot hold.
    case overflow(SourceLoc)
    case stopOnFirst
    /// Z3 could not decide whether a step is enabled.
    case undecidedStep(String)
    /// The engine cannot run on this machine (an unbounded `any`, an
    /// encoding too large), and why.
    case unsupported(String)
    /// `reason`, met while making the initial states.
    case amongInitialStates(StopReason)
    /// `reason`, met while building the transition system.
    case whileBuilding(StopReason, instances: Int)
}

public struct PropertyResult: Sendable, Codable {
    public var property: Property
    public var verdict: Verdict
    /// Depth or number of runs for `bounded`.
    public var bound: Int?
    public var trace: Trace?
    /// What went wrong (violation) or why nothing was settled (unknown).
    public var detail: String?
    /// Which engine settled it and how.
    public var settledBy: Settlement
    /// For a random walk's counterexample: how it was shrunk.
    public var shrink: ShrinkInfo? = nil
    /// For a determinism warning: the two steps enabled together in the
    /// trace's last state, and a snapshot that enables both.
    public var enabledTogether: EnabledTogether? = nil
    /// The further distinct counterexamples `--counterexamples N` asked
    /// for, after `trace` (which stays the first and shortest), shortest
    /// first: empty when N > 1 was asked and no other was found; nil when
    /// only one was asked (so an outcome of N = 1 encodes as before).
    public var moreCounterexamples: [Counterexample]? = nil
}

/// One counterexample of a property beyond its first: the replayed trace
/// and what it shows (its own message: another state, another step).
public struct Counterexample: Sendable, Codable {
    public var trace: Trace
    public var detail: String?
    /// For a random walk's counterexample: how it was shrunk.
    public var shrink: ShrinkInfo?
    public init(trace: Trace, detail: String?, shrink: ShrinkInfo? = nil) {
        self.trace = trace
        self.detail = detail
        self.shrink = shrink
    }
}

extension PropertyResult {
    /// Every counterexample, shortest first: `trace` (with `detail` and
    /// `shrink`), then `moreCounterexamples`. Empty without a trace.
    public var counterexamples: [Counterexample] {
        guard let t = trace else { return [] }
        return [Counterexample(trace: t, detail: detail, shrink: shrink)] + (moreCounterexamples ?? [])
    }

    /// This result as it would read with its `k`-th counterexample (0 is
    /// its own) as the only one: what renderers of one trace are given.
    public func showing(_ k: Int) -> PropertyResult {
        guard k > 0, let more = moreCounterexamples, k <= more.count else { return self }
        var r = self
        r.trace = more[k - 1].trace
        r.detail = more[k - 1].detail
        r.shrink = more[k - 1].shrink
        r.moreCounterexamples = nil
        // The steps found enabled together belong to the first trace's end.
        if k > 0 { r.enabledTogether = nil }
        return r
    }

    /// A violation of it is reported as a warning: a warning-severity
    /// property, or a contract with `contractsWarn`.
    public func isWarning(contractsWarn: Bool) -> Bool {
        property.severity == .warning || (contractsWarn && property.isContract)
    }
}

public struct SearchStats: Sendable, Codable {
    public var states = 0
    public var steps = 0
    public var depth = 0
    public var seconds = 0.0
    /// Bytes held by the visited set, parents and queue at the end.
    public var bytes = 0
    /// Bytes of the state log the explicit search moved to disk.
    public var spilledBytes = 0
    /// Bytes of the visited set the explicit search moved to disk.
    public var visitedOnDisk = 0
    /// With fingerprints in the visited set: the chance that two reached
    /// states share one (nil when the set is exact).
    public var fingerprintCollision: Double?
    public var solverQueries = 0
    public init() {}
}

public struct Coverage: Sendable, Codable {
    public var reachableStates: [String] = []
    public var unreachableStates: [String] = []
    public var firedTransitions: [String] = []
    public var neverFired: [String] = []
    /// The control-graph edges that fired: which transition left which
    /// control state (leaf states). Nil when the engine does not tell them
    /// apart (the symbolic engine knows only which transitions fired).
    public var firedEdges: [FiredEdge]? = nil
    /// Why each gap is there (unreached states, never-fired transitions);
    /// nil when there is none or no engine could say.
    public var why: CoverageWhy? = nil
    public init() {}

    /// A transition fired from one control state.
    public struct FiredEdge: Sendable, Codable, Hashable {
        public var from: String
        public var transition: String
        public init(from: String, transition: String) { self.from = from; self.transition = transition }
    }

    /// Some state is unreached or some transition never fired.
    public var hasGaps: Bool { !unreachableStates.isEmpty || !neverFired.isEmpty }

    /// What either coverage reached or fired, in this one's order.
    public func union(_ other: Coverage) -> Coverage {
        let states = Set(reachableStates + other.reachableStates)
        let fired = Set(firedTransitions + other.firedTransitions)
        let allStates = reachableStates + unreachableStates, allTransitions = firedTransitions + neverFired
        var c = Coverage()
        c.reachableStates = allStates.filter { states.contains($0) }
        c.unreachableStates = allStates.filter { !states.contains($0) }
        c.firedTransitions = allTransitions.filter { fired.contains($0) }
        c.neverFired = allTransitions.filter { !fired.contains($0) }
        if let mine = firedEdges, let theirs = other.firedEdges {
            var seen = Set(mine)
            c.firedEdges = mine + theirs.filter { seen.insert($0).inserted }
        }
        // Settled against the gaps that are left by `ReachabilityExplainer.settle`.
        c.why = why ?? other.why
        return c
    }
}

/// What `--require-coverage` (SPEC §3.1) makes of coverage gaps.
public enum CoverageGaps: String, Sendable, Codable {
    /// The search was exhaustive: a gap is real and fails the run.
    case fail
    /// The engine explored only part: a gap may not be one.
    case inconclusive
}

/// What every engine returns: a verdict per property, statistics, coverage.
/// Reports never ask which engine ran.
public struct CheckOutcome: Sendable, Codable {
    /// The engines whose results it holds, the main one first.
    public var engines: [EngineKind]
    public var engineNote: String?
    public var complete: Bool
    /// Why the run stopped early (limit, timeout, interrupt, `--stop-on-first`).
    public var stopReason: StopReason?
    public var stats: SearchStats
    public var properties: [PropertyResult]
    public var coverage: Coverage
    public var diagnostics: [Diagnostic]
    /// States where some snapshot enables no transition (SPEC §3.1 information).
    public var stalls: [String] = []
    /// What the random walks did, when they ran.
    public var walk: WalkStats? = nil
    /// The explicit search stopped at `--max-states`.
    public var stateLimitReached = false
    /// What the symbolic engine measured, when it ran.
    public var symbolic: SymbolicStats? = nil
    /// The per-transition proof obligations (SPEC §3.1), when they ran.
    public var obligations: ObligationReport? = nil

    /// The coverage is exact: an exhaustive search reached every reachable
    /// state (BMC, a stopped search and the walks reach only some).
    public var coverageIsExact: Bool { complete && engines == [.explicit] }

    /// What `--require-coverage` makes of this outcome's gaps under a
    /// command: nil when there are none, or for scenarios (`test`), which
    /// cover nothing.
    public func coverageGaps(mode: ExitStatus.Mode) -> CoverageGaps? {
        guard mode != .test, coverage.hasGaps else { return nil }
        return coverageIsExact ? .fail : .inconclusive
    }
}

/// One per-transition proof obligation (SPEC §3.1, Event-B style) of one
/// reachable control state, decided by Z3.
public struct Obligation: Sendable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// The transition can fire from the state (else it is dead there).
        case feasibility
        /// Every step of the transition establishes an invariant of its target.
        case establishment
        /// Two transitions on one event are never enabled by one snapshot.
        case overlap
        /// Some snapshot enables a step (information only).
        case stall
    }
    public enum Status: String, Sendable, Codable {
        /// Z3 proved it (unsat).
        case discharged
        /// Z3 found a witness.
        case fails
        /// Z3 found a witness, but the property holds in every reachable
        /// state: the witness's source is unreachable, the invariant is not
        /// inductive on its own (Event-B would need it strengthened).
        case notInductive = "not-inductive"
        case unknown
    }
    public var kind: Kind
    public var status: Status
    public var state: String
    public var transition: String?
    /// The second transition of an overlap.
    public var other: String?
    /// The property an establishment obligation is about (`invariant:ready:1`).
    public var property: PropertyID?
    /// The witness: variables of the source state, params, the snapshot.
    public var witness: [NamedValue]
    /// One sentence for people (what fails, or why it is dead).
    public var message: String?
    public var location: SourceLoc?
    public var seconds: Double
}

public struct ObligationReport: Sendable, Codable {
    public var obligations: [Obligation]
    /// The control states they were generated for, and how these were found.
    public var states: [String]
    public var assumptions: String
    public var seconds: Double
    /// Why not every obligation was generated (a limit), if so.
    public var incomplete: StopReason? = nil
    /// Z3 checks made (one may decide many obligations).
    public var queries: Int? = nil
}
