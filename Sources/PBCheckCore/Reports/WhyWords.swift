/// The words for why a gap in the coverage is there (`CoverageWhy`), why
/// a step is not enabled at a state (`StepWhy`), and which two steps break
/// determinism (`EnabledTogether`). The engines hand out the values; the
/// terminal, the JSON and `explore` say them with these words.

extension NeverFired: CustomStringConvertible {
    /// What kept the transition from firing, to follow "'t' never fired: ".
    public var description: String {
        switch self {
        case .sourceUnreached(let from):
            return from.hasPrefix("[") ? "its sources \(from) are never reached" : "its source '\(from)' is never reached"
        case .conjunctFalse(let c): return "`\(c)` is false in every reached state it leaves from"
        case .noSnapshot(let c): return "no snapshot satisfies `\(c)` in any reached state it leaves from (Z3)"
        case .conjunctsConflict(let cs):
            guard !cs.isEmpty else { return "its guard's conjuncts are never all true together in a reached state it leaves from" }
            return WhyWords.list(cs.map { "`\($0)`" }) + " are never true together in a reached state it leaves from"
        case .deadGuard(let core): return "\(core) (Z3)"
        case .notExpanded(let s): return "its guard holds in a reached state of '\(s)' that the search stopped before expanding"
        case .guardHolds(let s): return "its guard holds in a reached state of '\(s)', where Z3 could not decide the step"
        case .noStates(let engine):
            return engine == .walk ? "its source was reached by random walks, which keep no states to tell why"
                : "its source was reached by the \(engine.rawValue) engine, which keeps no states to tell why"
        case .undecided(let why): return "not explained: \(why)"
        }
    }
}

/// Helpers for the sentences.
enum WhyWords {
    /// `a`, `a and b`, `a, b and c`.
    static func list(_ items: [String]) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " and " + (items.last ?? "")
    }

    static func values(_ vs: [NamedValue]) -> String { vs.map(\.assignment).joined(separator: ", ") }
}

extension TransitionWhy {
    /// `'t' never fired: <why>`.
    public var text: String { "'\(transition)' never fired: \(reason)" }
}

extension StateWhy {
    /// `state 's' is never reached: only 't' enters it, and it never fired: <why>`,
    /// with each entering transition's reason from `why`.
    public func text(_ why: CoverageWhy) -> String {
        let head = "'\(state)' is never reached: "
        guard !entering.isEmpty else { return head + "no transition enters it" }
        func what(_ e: Entering) -> String {
            if e.fired { return "fired but never with a successor" + (e.noSuccessor.map { " (\($0))" } ?? "") }
            return "never fired" + (why.transition(e.transition).map { ": \($0.reason)" } ?? "")
        }
        if entering.count == 1 { return head + "only '\(entering[0].transition)' enters it, and it " + what(entering[0]) }
        return head + "'\(entering.map(\.transition).joined(separator: "', '"))' enter it; "
            + entering.map { "'\($0.transition)' \(what($0))" }.joined(separator: "; ")
    }
}

extension CoverageWhy {
    /// One line per unreached state, then one per never-fired transition
    /// that no state line already explains (it enters an unreached state).
    public var lines: [String] {
        let explained = Set(states.flatMap { $0.entering.filter { !$0.fired }.map(\.transition) })
        return states.map { $0.text(self) } + transitions.filter { !explained.contains($0.transition) }.map(\.text)
    }

    /// How far the explanation goes, for a reader: every reachable state,
    /// or only those the run reached.
    public var scope: String {
        exact ? "over every reachable state" : "over the states the run reached, which may not be every reachable one"
    }
}

extension StepWhy.Answer: CustomStringConvertible {
    public var description: String {
        func with(_ vs: [NamedValue]) -> String { vs.isEmpty ? "" : " (\(WhyWords.values(vs)))" }
        switch self {
        case .notFromHere(let s, let from): return "it does not leave \(s) (from: \(from))"
        case .conjunctFalse(let c, let vs): return "`\(c)` is false" + with(vs)
        case .conjunctFails(let c, let m, let vs): return "`\(c)` fails to evaluate: \(m)" + with(vs)
        case .noSnapshot(let c, let vs): return "no snapshot satisfies `\(c)`" + with(vs) + " (Z3)"
        case .conflict(let cs): return WhyWords.list(cs.map { "`\($0)`" }) + " can each hold, but not together (Z3)"
        case .noSuccessor(let ms): return "its guard holds, but the step has no successor: " + ms.joined(separator: "; ")
        case .enabled(let obs): return obs.isEmpty ? "it is enabled" : "it is enabled when \(WhyWords.values(obs))"
        case .undecided(let why): return "undecided: \(why)"
        }
    }
}

extension StepWhy {
    /// `'t'(k=2): <answer>`.
    public var text: String {
        "'\(transition)'" + (params.isEmpty ? "" : "(\(WhyWords.values(params)))") + ": \(answer)"
    }
}

extension EnabledTogether {
    /// `both enabled when obs=1: a, b(k=2)`.
    public var text: String {
        let names = steps.map { $0.transition + ($0.params.isEmpty ? "" : "(\(WhyWords.values($0.params)))") }
        return "both enabled on '\(event)'" + (observations.isEmpty ? "" : " when \(WhyWords.values(observations))") + ": "
            + names.joined(separator: ", ")
    }
}
