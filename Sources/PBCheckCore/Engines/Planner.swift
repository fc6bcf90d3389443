/// What `verify` is asked to do: which engine (`auto` lets the planner
/// choose), the options every engine shares, and each engine's own.
public struct CheckRequest: Sendable {
    public var engine: Verifier.Engine = .auto
    public var common = CheckOptions()
    public var explicit = ExplicitOptions()
    public var symbolic = SymbolicOptions()
    public var walk = WalkOptions()
    /// Whether the plan ends with the proof obligations (they settle no
    /// violation, so a mutant's check leaves them out).
    public var obligations = true
    /// Whether the coverage's gaps are explained (`ReachabilityExplainer`).
    public var explainCoverage = true
    public init() {}
}

/// One stage of a plan: an engine, or the obligations or scenarios that
/// follow the engines, with when it runs and what budget it gets.
public struct Stage: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case engine(EngineKind)
        /// The per-transition proof obligations over the reached control states.
        case obligations
        /// The scenarios and the scripted run.
        case scenarios
    }

    public enum When: Equatable, Sendable {
        case always
        /// Only when the engines so far stopped at the state limit (and
        /// were not interrupted): the walks sample what the search left.
        case afterStateLimit
        /// Only when the engines so far neither finished nor stopped at a
        /// violation with `--stop-on-first` (and were not interrupted).
        case ifUnfinished
    }

    /// Why the planner chose the engines it did (the outcome says so).
    public enum Reason: Equatable, Sendable {
        /// `--engine` named it.
        case asked
        /// Every declared domain is finite: the search is exhaustive.
        case finiteDomains
        /// Some integer is unbounded: a short explicit look first (its
        /// reachable values often stay finite), the symbolic engine next.
        case unboundedIntegers
        /// An `any` over an unbounded domain cannot be enumerated.
        case unboundedAny
    }

    public var kind: Kind
    public var when: When = .always
    /// `auto`'s first look at a machine with unbounded integers: a share of
    /// the states, seconds and solver queries, one thread.
    public var probe = false
    public var reason: Reason = .asked

    public init(_ kind: Kind, when: When = .always, probe: Bool = false, reason: Reason = .asked) {
        self.kind = kind
        self.when = when
        self.probe = probe
        self.reason = reason
    }
}

/// Chooses the stages that check a model (SPEC §4 `--engine`). A pure
/// function of the model and the request: it runs nothing.
public enum Planner {
    /// - `--engine walk`: the walks, then the scenarios (sampled runs reach
    ///   no set of control states the obligations could rely on).
    /// - `--engine explicit` / `symbolic`: that engine.
    /// - `auto`, an unbounded `any`: the symbolic engine.
    /// - `auto`, every domain finite: the explicit search, and the walks for
    ///   what it left when it stopped at `--max-states`.
    /// - `auto`, unbounded integers: a budgeted explicit search, then the
    ///   symbolic engine if the search did not finish.
    /// Every engine but the walks is followed by the obligations (unless the
    /// request leaves them out); every plan
    /// ends with the scenarios.
    public static func plan(_ model: TypedModel, _ request: CheckRequest) -> [Stage] {
        let engines: [Stage]
        switch request.engine {
        case .walk: return [Stage(.engine(.walk)), Stage(.scenarios)]
        case .explicit: engines = [Stage(.engine(.explicit))]
        case .symbolic: engines = [Stage(.engine(.symbolic))]
        case .auto where model.unboundedAny != nil:
            engines = [Stage(.engine(.symbolic), reason: .unboundedAny)]
        case .auto where domainsFinite(model):
            engines = [Stage(.engine(.explicit), reason: .finiteDomains),
                       Stage(.engine(.walk), when: .afterStateLimit, reason: .finiteDomains)]
        case .auto:
            engines = [Stage(.engine(.explicit), probe: true, reason: .unboundedIntegers),
                       Stage(.engine(.symbolic), when: .ifUnfinished, reason: .unboundedIntegers)]
        }
        return engines + (request.obligations ? [Stage(.obligations)] : []) + [Stage(.scenarios)]
    }

    /// Whether every declared domain is finite (the explicit search is
    /// then exhaustive by construction).
    public static func domainsFinite(_ model: TypedModel) -> Bool {
        model.variables.allSatisfy { v in
            if case .int(nil) = v.domain { return false }
            return true
        }
    }
}
