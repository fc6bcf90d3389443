/// Exit codes of SPEC §5.4, decided here and nowhere else: the CLI exits
/// with it and every report states it.
public enum ExitStatus: Int32, Sendable, Codable {
    case ok = 0
    case violated = 1
    case invalid = 2
    case inconclusive = 3

    /// What a checking command asks of an outcome.
    public enum Mode: String, Sendable, Codable {
        /// Proof: anything not settled is inconclusive.
        case verify
        /// Sampled evidence: bounded verdicts are success, a run cut short is not.
        case walk
        /// Scenarios: a failed one fails, an unfinished one is inconclusive.
        case test
    }

    /// SPEC §5.4 for one outcome: violated (1) beats inconclusive (3) beats
    /// success (0). A warning (determinism, progress, a warning-severity
    /// invariant) counts only with `strict`, whether violated or unsettled;
    /// a violated contract does not fail with `contractsWarn`; every failed
    /// scenario fails.
    /// With `requireCoverage` (SPEC §3.1), an unreached state or a
    /// never-fired transition fails the run when the coverage is exact, and
    /// leaves it inconclusive when the engine did not explore every state.
    public init(outcome o: CheckOutcome, mode: Mode, contractsWarn: Bool = false, strict: Bool = false, requireCoverage: Bool = false) {
        let violated = o.properties.filter { $0.verdict == .violated }
        let counted = o.properties.filter { strict || $0.property.severity != .warning }
        let unknown = counted.contains { $0.verdict == .unknown }
        let bounded = counted.contains { $0.verdict == .bounded }
        // An internal error settles nothing.
        let error = o.diagnostics.contains { $0.severity == .error }
        let failing: Bool, unsettled: Bool
        switch mode {
        case .verify, .walk:
            failing = violated.contains { ExitStatus.violationFails($0, contractsWarn: contractsWarn, strict: strict) }
            // Walks never ask for proof, but runs cut short (`--timeout`,
            // Ctrl-C) are not the evidence asked for; verify is not answered
            // by a stopped search or a bounded verdict.
            unsettled = unknown || o.stopReason != nil || error || (mode == .verify && bounded)
        case .test:
            failing = !violated.isEmpty
            unsettled = unknown || bounded
        }
        let gaps = requireCoverage ? o.coverageGaps(mode: mode) : nil
        self = failing || gaps == .fail ? .violated : unsettled || gaps != nil ? .inconclusive : .ok
    }

    /// Whether a violation of `r` fails the run of `verify` or `walk`: a
    /// warning-severity property only under `strict`, a contract never with
    /// `contractsWarn`.
    public static func violationFails(_ r: PropertyResult, contractsWarn: Bool, strict: Bool) -> Bool {
        !(r.property.severity == .warning && !strict) && !(r.property.isContract && contractsWarn)
    }

    /// Over several specs the worst wins: invalid, then violated, then
    /// inconclusive, then ok.
    public func combined(with other: ExitStatus) -> ExitStatus { other.rank > rank ? other : self }

    private var rank: Int {
        switch self {
        case .ok: return 0
        case .inconclusive: return 1
        case .violated: return 2
        case .invalid: return 3
        }
    }
}
