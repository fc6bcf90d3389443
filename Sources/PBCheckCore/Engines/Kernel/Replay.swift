import Foundation

/// Re-executes recorded choices through the property checker and turns
/// them into a `Trace`. Every trace an engine prints goes through here: a
/// replay that disagrees with what the engine recorded is an internal error,
/// never a counterexample.
public struct Replayer {
    let system: TransitionSystem

    public init(system: TransitionSystem) { self.system = system }

    public struct Result {
        public var trace: Trace
        /// What the last step broke (step properties).
        public var lastStepFindings: [Finding]
        /// What the last state breaks (state properties).
        public var finalStateFindings: [Finding]
        public var error: String?
        /// The first value beyond 64 bits the replay met (the explicit
        /// evaluator computes in 64 bits; Z3 does not).
        public var overflow: EvalError?
        /// The last state, packed (empty when the replay failed).
        public var finalState: [UInt64] = []

        /// Whether the replay shows the property broken: by its last step
        /// (`atStep`) or in its last state. Deadlock and determinism are
        /// properties of the last state's set of steps, which the explicit
        /// engine decided there: for them the path is what replays.
        func shows(_ property: Int, kind: PropertyKind, atStep: Bool) -> Bool {
            switch kind {
            case .deadlock, .determinism, .progress, .scenario: return true
            default: return (atStep ? lastStepFindings : finalStateFindings).contains { $0.property == property }
            }
        }
    }

    func stateText(_ vars: UnsafePointer<Int64>) -> TraceState {
        TraceState(state: system.model.states[Int(vars[0])].id,
                   vars: (0..<system.slotCount).map { system.named(system.slotName($0), vars[$0 + 1], system.slotType($0)) })
    }

    /// Replays recorded choices (a result's `trace.choices`) through the
    /// kernel: the trace they make, and what its last step and state break.
    public func replay(_ choices: TraceChoices) -> Result {
        let empty = Trace(initial: TraceState(state: "", vars: []), steps: [])
        guard choices.initial.count == system.layout.words else {
            return Result(trace: empty, lastStepFindings: [], finalStateFindings: [],
                          error: "the initial state has \(choices.initial.count) words, this model's states \(system.layout.words)", overflow: nil)
        }
        if let n = choices.steps.firstIndex(where: { $0.instance < 0 || $0.instance >= system.instances.count }) {
            return Result(trace: empty, lastStepFindings: [], finalStateFindings: [], error: "step \(n + 1) names no transition instance of this model", overflow: nil)
        }
        return choices.initial.withUnsafeBufferPointer { replay(initial: $0.baseAddress!, choices: choices.steps) }
    }

    func replay(initial: UnsafePointer<UInt64>, choices: [StepChoice]) -> Result {
        let ws = system.makeWorkspace()
        let words = system.layout.words
        var current = Array(UnsafeBufferPointer(start: initial, count: words))
        system.layout.unpack(initial, into: ws.src.vars)
        var trace = Trace(initial: stateText(ws.src.vars), steps: [], choices: TraceChoices(initial: current, steps: choices))
        var limit: EvalError?
        var last: [Finding] = []
        for (n, c) in choices.enumerated() {
            system.layout.unpack(current, into: ws.src.vars)
            ws.src.snapshot = c.snapshot
            let fired = current.withUnsafeBufferPointer { system.fire(c.instance, ws, packed: $0.baseAddress!, any: c.any, out: ws.out, limit: &limit) }
            ws.src.snapshot = Snapshot()
            let inst = system.instances[c.instance]
            let t = system.model.transitions[inst.transition]
            let isLast = n == choices.count - 1
            // A guard that fails to evaluate is an evaluation error and the
            // step is not enabled: it can only end a trace.
            guard fired.enabled || (isLast && !fired.findings.isEmpty) else {
                return Result(trace: trace, lastStepFindings: [], finalStateFindings: [], error: "step \(n + 1) ('\(t.id)') is not enabled on replay", overflow: limit)
            }
            let params = system.paramValues(c.instance)
            let observations = c.snapshot.values.keys.sorted().map { system.observationText($0, c.snapshot.values[$0] ?? 0).1 }
            let chosen = system.chosenValues(c)
            var reached: TraceState
            if fired.successor {
                current = Array(UnsafeBufferPointer(start: ws.out, count: words))
                system.layout.unpack(ws.out, into: ws.post.vars)
                reached = stateText(ws.post.vars)
            } else if isLast {
                // A step that breaks range or fails to evaluate has no
                // successor: it ends the trace, nothing assigned.
                reached = stateText(ws.src.vars)
                reached.state = system.model.states[inst.to].id
            } else {
                return Result(trace: trace, lastStepFindings: [], finalStateFindings: [], error: "step \(n + 1) ('\(t.id)') has no successor on replay", overflow: limit)
            }
            trace.steps.append(TraceStep(transition: t.id, event: t.event, params: params, observations: observations, chosen: chosen,
                                         state: reached.state, vars: reached.vars, location: t.loc))
            last = fired.findings
        }
        system.layout.unpack(current, into: ws.post.vars)
        let stateFindings = system.checkState(ws.post, limit: &limit)
        return Result(trace: trace, lastStepFindings: last, finalStateFindings: stateFindings, error: nil, overflow: limit, finalState: current)
    }
}

extension Replayer {
    /// A packed state in names.
    func stateText(_ packed: [UInt64]) -> TraceState {
        let frame = system.makeFrame()
        packed.withUnsafeBufferPointer { system.layout.unpack($0.baseAddress!, into: frame.vars) }
        return stateText(frame.vars)
    }
}
