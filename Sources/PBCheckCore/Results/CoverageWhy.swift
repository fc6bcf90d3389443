/// Why the coverage has gaps (issue 14 item 6): for each unreached state
/// its entering transitions, and for each never-fired transition the
/// guard conjunct no reached state satisfied, or what else kept it from
/// firing. Typed values; the words are in `Reports/WhyWords.swift`.
public struct CoverageWhy: Sendable, Codable, Equatable {
    /// Over every reachable state (an exhaustive explicit search); when
    /// false, only over the states the engines reached, which may be fewer.
    public var exact: Bool
    /// One per unreached state, in the coverage's order.
    public var states: [StateWhy]
    /// One per never-fired transition, in the coverage's order.
    public var transitions: [TransitionWhy]

    public init(exact: Bool, states: [StateWhy], transitions: [TransitionWhy]) {
        self.exact = exact
        self.states = states
        self.transitions = transitions
    }

    /// The explanation of a never-fired transition, if there is one.
    public func transition(_ id: String) -> TransitionWhy? { transitions.first { $0.transition == id } }
}

/// Why one state was never reached: the transitions that enter it (to it
/// or to one of its descendants). Each that never fired has its own
/// `TransitionWhy`; one that fired had no successor (`noSuccessor`).
public struct StateWhy: Sendable, Codable, Equatable {
    public struct Entering: Sendable, Codable, Equatable {
        public var transition: String
        /// It fired, but never with a successor: the kernel's finding
        /// (an effect out of range, an evaluation error), when known.
        public var fired: Bool
        public var noSuccessor: String?
    }
    public var state: String
    /// Empty: no transition enters it.
    public var entering: [Entering]
}

/// Why one transition never fired.
public struct TransitionWhy: Sendable, Codable, Equatable {
    public var transition: String
    public var reason: NeverFired
    /// The transition's line in the YAML.
    public var line: Int
}

/// What kept a transition from firing, as far as the run can tell.
public enum NeverFired: Sendable, Codable, Equatable {
    /// None of its source states was reached (`from` as written).
    case sourceUnreached(from: String)
    /// This top-level guard conjunct was false (or failed to evaluate) in
    /// every reached source state, for every binding of the params.
    case conjunctFalse(String)
    /// This conjunct reads observations: Z3 found no snapshot satisfying
    /// it in any reached source state.
    case noSnapshot(String)
    /// Each conjunct held somewhere, never all together; the two or three
    /// that were never true together, when found (else empty).
    case conjunctsConflict([String])
    /// Z3 proved the guard unsatisfiable in every reached control state
    /// (the feasibility obligations): the unsat core, in words.
    case deadGuard(String)
    /// The guard holds in a reached source state that the search did not
    /// expand (it stopped first).
    case notExpanded(state: String)
    /// The guard holds in a reached source state that was expanded, yet
    /// the step never fired there (Z3 could not decide it).
    case guardHolds(state: String)
    /// Its source was reached, but by an engine that keeps no states to
    /// explain it with (the symbolic engine, random walks).
    case noStates(EngineKind)
    /// Why it could not be told (Z3 could not decide, the run stopped).
    case undecided(String)
}

/// Why one step (a transition with one binding of its params) is not
/// enabled at one concrete state — `explore`'s `why TRANSITION`.
public struct StepWhy: Sendable, Equatable {
    public enum Answer: Sendable, Equatable {
        /// The transition does not leave this control state.
        case notFromHere(state: String, from: String)
        /// This conjunct is false here; the values it reads.
        case conjunctFalse(String, values: [NamedValue])
        /// This conjunct fails to evaluate here (the kernel's message).
        case conjunctFails(String, message: String, values: [NamedValue])
        /// This conjunct reads observations and no snapshot satisfies it
        /// here (Z3); the variables it reads.
        case noSnapshot(String, values: [NamedValue])
        /// Each conjunct can hold, these not together (Z3).
        case conflict([String])
        /// The guard holds but the step has no successor: the kernel's
        /// findings (an effect out of range, an evaluation error).
        case noSuccessor([String])
        /// It is enabled here, by this snapshot (empty when it reads none).
        case enabled(observations: [NamedValue])
        /// Z3 could not decide.
        case undecided(String)
    }
    public var transition: String
    public var params: [NamedValue]
    public var answer: Answer
}

/// Two steps on one event enabled together in a trace's last state — what
/// breaks a determinism property — and a snapshot that enables both.
public struct EnabledTogether: Sendable, Codable, Equatable {
    public struct Step: Sendable, Codable, Equatable {
        public var transition: String
        public var params: [NamedValue]
    }
    public var event: String
    public var steps: [Step]
    /// Empty when neither guard reads an observation.
    public var observations: [NamedValue]
}
