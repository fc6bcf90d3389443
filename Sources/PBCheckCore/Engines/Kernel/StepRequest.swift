/// Steps named the way people and trace files name them — a transition id
/// (or an event), params, observations and `:= any` values by name — turned
/// into the kernel's `StepChoice` at one concrete state. Scenarios, `replay`
/// and `explore` all go through here, so they agree on what a name means
/// and on what "not enabled" says.

/// A step as written in a scenario, an ITF trace, a JSON result or at the
/// `explore` prompt.
public struct StepRequest: Sendable {
    /// A transition id, or (with `byEvent`) an event.
    public var name: String
    public var params: [(name: String, value: ScalarValue)] = []
    /// By the names traces print: `queue_full`, `health(us-west)`, or an
    /// opaque browser condition's text.
    public var observations: [(name: String, value: ScalarValue)] = []
    /// The values `:= any` effects take, by variable name; an effect not
    /// named takes the first value of its domain.
    public var chosen: [(name: String, value: ScalarValue)] = []
    /// The observations are the step's whole snapshot (a recorded trace:
    /// an absent observation reads as its default, as when it was
    /// recorded); otherwise Z3 completes what is not given.
    public var completeSnapshot = false
    /// `name` may also be an event that enables exactly one transition (SPEC §6).
    public var byEvent = false

    public init(name: String, params: [(name: String, value: ScalarValue)] = [], observations: [(name: String, value: ScalarValue)] = [],
                chosen: [(name: String, value: ScalarValue)] = [], completeSnapshot: Bool = false, byEvent: Bool = false) {
        self.name = name
        self.params = params
        self.observations = observations
        self.chosen = chosen
        self.completeSnapshot = completeSnapshot
        self.byEvent = byEvent
    }
}

/// Why a requested step cannot be taken.
public enum StepProblem: Error, Sendable, Equatable {
    /// The request names what this machine does not have: an unknown
    /// transition, param, observation or variable, or a value of the wrong
    /// type (the trace is not one of this spec).
    case mismatch(String)
    /// The step is not enabled in this state.
    case notEnabled(NotEnabled)
    /// An event enables several transitions: the request must name one.
    case ambiguous(String)
    /// Z3 could not decide whether the step is enabled.
    case undecided(String)

    public var message: String {
        switch self {
        case .mismatch(let m), .ambiguous(let m), .undecided(let m): return m
        case .notEnabled(let n): return n.message
        }
    }
}

/// A step that is not enabled: where, why, and what is enabled instead.
public struct NotEnabled: Sendable, Equatable {
    public var transition: String
    public var state: String
    /// Why: the guard conjunct that fails and the values that make it
    /// fail, or that the transition does not leave this state.
    public var reason: String
    /// The steps enabled in this state (`id` or `id(p=v)`).
    public var enabled: [String]

    public var message: String {
        "'\(transition)' is not enabled in \(state): \(reason); enabled: \(enabled.isEmpty ? "nothing" : enabled.joined(separator: ", "))"
    }
}

/// A step that was taken: the choice and what firing it did.
struct TakenStep {
    var choice: StepChoice
    var fired: TransitionSystem.Fired
    /// The successor, packed (nil when the step has none).
    var successor: [UInt64]?
}

extension TransitionSystem {
    // MARK: Values by name

    /// A scalar as a word of `type` (nil when it is not a value of it).
    func word(_ v: ScalarValue, _ type: PType) -> Int64? {
        switch (v, type) {
        case (.bool(let b), .bool): return b ? 1 : 0
        case (.int(let i), .int): return i
        case (.string(let s), .int): return Int64(s)
        case (.string(let s), .bool): return s == "true" ? 1 : s == "false" ? 0 : nil
        case (.string(let s), .enumeration(let e)):
            guard let sym = model.symbols.lookup(s), model.enums[e].values.contains(sym) else { return nil }
            return Int64(sym)
        case (.string(let s), .string), (.string(let s), .unresolved):
            return model.symbols.lookup(s).map { Int64($0) }
        case (.int(let i), .string), (.int(let i), .enumeration):
            return word(.string(String(i)), type)
        case (.bool(let b), .string), (.bool(let b), .enumeration):
            return word(.string(b ? "true" : "false"), type)
        default: return nil
        }
    }

    /// A word of `domain`: its type, and within its range.
    func word(_ v: ScalarValue, in domain: Domain) -> Int64? {
        guard let w = word(v, domain.type) else { return nil }
        if case .int(let r?) = domain, !r.contains(w) { return nil }
        return w
    }

    /// `name` or `name(key)` → the observation and key it names.
    func observationKey(_ name: String) -> Snapshot.Key? {
        if let o = model.observations.firstIndex(where: { $0.name == name && $0.keySet == nil && $0.keyType == nil }) {
            return Snapshot.Key(observation: o, key: nil)
        }
        guard name.hasSuffix(")"), let open = name.firstIndex(of: "(") else { return nil }
        let base = String(name[..<open])
        let keyText = String(name[name.index(after: open) ..< name.index(before: name.endIndex)])
        guard let o = model.observations.firstIndex(where: { $0.name == base && ($0.keySet != nil || $0.keyType != nil) }) else { return nil }
        let info = model.observations[o]
        let keyType = info.keySet.map { model.sets[$0].elementType } ?? info.keyType ?? .int
        guard let k = word(.string(keyText), keyType) else { return nil }
        if let ks = info.keySet, model.sets[ks].position(of: Word.decode(k, as: keyType)) == nil { return nil }
        return Snapshot.Key(observation: o, key: k)
    }

    /// The snapshot that observations by name make.
    func snapshot(_ observations: [(name: String, value: ScalarValue)]) throws(StepProblem) -> Snapshot {
        var s = Snapshot()
        for (name, v) in observations {
            guard let k = observationKey(name) else { throw .mismatch("'\(name)' is not an observation of this machine") }
            guard let w = word(v, in: model.observations[k.observation].domain) else {
                throw .mismatch("\(v) is not a value of observation '\(name)'")
            }
            s.values[k] = w
        }
        return s
    }

    /// A state given by its control state and variable values by slot
    /// name (`x`, `circuit(us-west-1)`), packed. Every slot must be given.
    func packState(state: String, vars: [String: ScalarValue]) throws(StepProblem) -> [UInt64] {
        guard let control = model.states.firstIndex(where: { $0.id == state }) else {
            throw .mismatch("'\(state)' is not a state of this machine")
        }
        guard model.states[control].children.isEmpty else {
            throw .mismatch("'\(state)' is a superstate; a trace's states are leaf states")
        }
        let frame = makeFrame()
        frame.vars[0] = Int64(control)
        var known = Set<String>()
        for slot in 0..<slotCount {
            let name = slotName(slot)
            known.insert(name)
            guard let v = vars[name] else { throw .mismatch("the trace gives no value for variable '\(name)'") }
            let domain = model.variables.first { slot >= $0.slot && slot < $0.slot + $0.slotCount }?.domain ?? .int(nil)
            guard let w = word(v, in: domain) else { throw .mismatch("\(v) is not a value of variable '\(name)'") }
            frame.vars[slot + 1] = w
        }
        if let extra = vars.keys.sorted().first(where: { !known.contains($0) }) {
            throw .mismatch("'\(extra)' is not a variable of this machine")
        }
        var packed = [UInt64](repeating: 0, count: layout.words)
        guard packed.withUnsafeMutableBufferPointer({ layout.pack(frame.vars, into: $0.baseAddress!) }) else {
            throw .mismatch("the state's values do not fit this machine's variables")
        }
        return packed
    }

    /// Whether `packed` is one of the machine's initial states.
    func isInitialState(_ packed: [UInt64]) -> Bool {
        var found = false
        forEachInitialState { s in
            found = (0..<layout.words).allSatisfy { s[$0] == packed[$0] }
            return !found
        }
        return found
    }

    /// Instance `i`'s params with their values.
    func paramValues(_ i: Int) -> [NamedValue] {
        let inst = instances[i]
        let t = model.transitions[inst.transition]
        return t.params.enumerated().map { k, p in named(p.name, inst.binding[k], model.sets[p.set].elementType) }
    }

    /// The values a step's `:= any` effects take, by variable.
    func chosenValues(_ c: StepChoice) -> [NamedValue] {
        let inst = instances[c.instance]
        return zip(inst.anyEffects, c.any).map { e, w in
            let v = model.variables[inst.effects[e].variable]
            return named(v.name, w, v.domain.type)
        }
    }

    /// `id` or `id(p=v, …)`: a step as people name it.
    func stepName(_ i: Int) -> String {
        let params = paramValues(i)
        let id = model.transitions[instances[i].transition].id
        return params.isEmpty ? id : "\(id)(\(params.map(\.assignment).joined(separator: ", ")))"
    }

    // MARK: Resolving a request

    /// The values `:= any` effects of instance `i` take: as chosen by name,
    /// else the first value of the variable's domain.
    func anyValues(_ i: Int, chosen: [(name: String, value: ScalarValue)]) throws(StepProblem) -> [Int64] {
        let inst = instances[i]
        var out: [Int64] = []
        for e in inst.anyEffects {
            let v = model.variables[inst.effects[e].variable]
            if let given = chosen.first(where: { $0.name == v.name }) {
                guard let w = word(given.value, in: v.domain) else { throw .mismatch("\(given.value) is not a value of variable '\(v.name)'") }
                out.append(w)
            } else {
                out.append((model.values(of: v.domain)?.first).map(Word.encode) ?? 0)
            }
        }
        for c in chosen where !inst.anyEffects.contains(where: { model.variables[inst.effects[$0].variable].name == c.name }) {
            throw .mismatch("'\(model.transitions[inst.transition].id)' assigns no `\(c.name) := any`")
        }
        return out
    }

    /// Takes the requested step from `packed`: the instance whose
    /// transition and params match, with the given snapshot (completed by
    /// Z3 unless `completeSnapshot`) and `any` values. A step whose guard
    /// fails to evaluate is taken too (it has findings and no successor): it
    /// can end a trace.
    func take(_ request: StepRequest, at packed: [UInt64], oracle: SnapshotOracle) throws(StepProblem) -> TakenStep {
        let frame = makeFrame()
        layout.unpack(packed, into: frame.vars)
        let control = Int(frame.vars[0])
        let here = model.states[control].id
        var wanted = Set(model.transitions.indices.filter { model.transitions[$0].id == request.name })
        let byID = !wanted.isEmpty
        if !byID && request.byEvent { wanted = Set(model.transitions.indices.filter { model.transitions[$0].event == request.name }) }
        guard !wanted.isEmpty else {
            throw .mismatch("'\(request.name)' names no transition\(request.byEvent ? " or event" : "") of this machine")
        }
        // Params by name, checked against every transition the name may mean.
        var binding: [String: ScalarValue] = [:]
        for (name, v) in request.params {
            guard wanted.contains(where: { model.transitions[$0].params.contains { $0.name == name } }) else {
                throw .mismatch("'\(request.name)' has no parameter '\(name)'")
            }
            binding[name] = v
        }
        let given = try snapshot(request.observations)
        let candidates = byState[control].filter { i in
            let inst = instances[i]
            guard wanted.contains(inst.transition) else { return false }
            let t = model.transitions[inst.transition]
            return t.params.enumerated().allSatisfy { k, p in
                guard let v = binding[p.name] else { return true }
                return word(v, model.sets[p.set].elementType) == inst.binding[k]
            }
        }
        var taken: [TakenStep] = []
        let ws = makeWorkspace()
        for i in candidates {
            var snapshot = given
            if !request.completeSnapshot {
                do throws(SnapshotOracle.Failure) {
                    guard let s = try enablingSnapshot(i, frame, fixed: given, oracle: oracle) else { continue }
                    snapshot = s
                } catch {
                    if case .unknown(let reason) = error { throw .undecided("Z3 could not decide whether '\(stepName(i))' is enabled: \(reason)") }
                    continue
                }
            }
            let step = self.step(StepChoice(instance: i, snapshot: snapshot, any: try anyValues(i, chosen: request.chosen)), at: packed, ws: ws)
            guard step.fired.enabled || !step.fired.findings.isEmpty else { continue }
            taken.append(step)
            if byID { break }
        }
        let distinct = Set(taken.map { instances[$0.choice.instance].transition })
        if !byID && distinct.count > 1 {
            let names = distinct.sorted().map { model.transitions[$0].id }
            throw .ambiguous("event '\(request.name)' enables several transitions in \(here): \(names.joined(separator: ", ")); name one")
        }
        if let first = taken.first { return first }
        let leaves = wanted.contains { t in byState[control].contains { instances[$0].transition == t } }
        let reason: String
        if !leaves {
            let t = model.transitions[wanted.sorted()[0]]
            reason = "it does not leave \(here) (it leaves \(t.fromText))"
        } else if candidates.isEmpty {
            reason = "no binding of its params matches \(request.params.map { "\($0.name)=\($0.value)" }.joined(separator: ", "))"
        } else {
            reason = whyNotTaken(candidates, at: packed, snapshot: given)
        }
        throw .notEnabled(NotEnabled(transition: request.name, state: here, reason: reason, enabled: enabledStepNames(packed, oracle: oracle)))
    }

    /// The snapshot with which instance `i` is taken at `frame`'s state: the
    /// observations in `fixed`, completed by Z3 when the step reads
    /// observations (nil when no snapshot enables it); `fixed` as it is
    /// when the step reads none.
    func enablingSnapshot(_ i: Int, _ frame: Frame, fixed: Snapshot, oracle: SnapshotOracle) throws(SnapshotOracle.Failure) -> Snapshot? {
        guard instances[i].needsSolver else { return fixed }
        return try oracle.witness(i, frame, fixed: fixed.values)?.snapshot
    }

    /// One step fired from `packed` as `choice` says: what firing did and
    /// the successor.
    func step(_ choice: StepChoice, at packed: [UInt64], ws: Workspace) -> TakenStep {
        layout.unpack(packed, into: ws.src.vars)
        ws.src.snapshot = choice.snapshot
        var limit: EvalError?
        let fired = packed.withUnsafeBufferPointer { fire(choice.instance, ws, packed: $0.baseAddress!, any: choice.any, out: ws.out, limit: &limit) }
        ws.src.snapshot = Snapshot()
        return TakenStep(choice: choice, fired: fired, successor: fired.successor ? Array(UnsafeBufferPointer(start: ws.out, count: layout.words)) : nil)
    }

    /// The steps enabled at `packed`, one per instance: the snapshot Z3
    /// finds with the observations in `fixed` (none when the step reads no
    /// observation) and the first value of each `:= any`; and the steps Z3
    /// could not decide, with why.
    func enabledSteps(_ packed: [UInt64], fixed: Snapshot = Snapshot(), oracle: SnapshotOracle) -> (steps: [TakenStep], undecided: [String]) {
        let frame = makeFrame()
        layout.unpack(packed, into: frame.vars)
        let ws = makeWorkspace()
        var steps: [TakenStep] = [], undecided: [String] = []
        for i in byState[Int(frame.vars[0])] {
            let snapshot: Snapshot
            do throws(SnapshotOracle.Failure) {
                guard let s = try enablingSnapshot(i, frame, fixed: fixed, oracle: oracle) else { continue }
                snapshot = s
            } catch {
                if case .unknown(let r) = error { undecided.append("\(stepName(i)) (\(r))") }
                continue
            }
            let step = self.step(StepChoice(instance: i, snapshot: snapshot, any: (try? anyValues(i, chosen: [])) ?? []), at: packed, ws: ws)
            if step.fired.enabled { steps.append(step) }
        }
        return (steps, undecided)
    }

    /// The names of the steps enabled at `packed`, each once.
    func enabledStepNames(_ packed: [UInt64], oracle: SnapshotOracle) -> [String] {
        var names: [String] = []
        for step in enabledSteps(packed, oracle: oracle).steps where !names.contains(stepName(step.choice.instance)) {
            names.append(stepName(step.choice.instance))
        }
        return names
    }

    /// Why none of `candidates` (instances of one transition) is taken at
    /// `packed`: per binding, the guard conjunct that fails with the values
    /// it reads, or why the step has no successor (`ReachabilityExplainer`).
    /// With a snapshot given, an answer that some other snapshot enables the
    /// step says which observations were given.
    func whyNotTaken(_ candidates: [Int], at packed: [UInt64], snapshot: Snapshot) -> String {
        let t = instances[candidates[0]].transition
        let id = model.transitions[t].id
        let mine = byState[Int(layout.get(0, in: packed))].filter { instances[$0].transition == t }
        guard let answers = ReachabilityExplainer(system: self).whyNotEnabled(id, at: packed), answers.count == mine.count else {
            return model.transitions[t].guardSource.map { "its guard `\($0)` is false" } ?? "it is not enabled"
        }
        let given = snapshot.values.isEmpty ? "" : " (given \(describe(snapshot)))"
        let lines = zip(mine, answers).filter { candidates.contains($0.0) }.map { _, why -> String in
            let text: String
            if case .enabled = why.answer { text = "its guard is false for the observations given\(given); \(why.answer)" } else { text = "\(why.answer)" }
            return why.params.isEmpty ? text : "\(WhyWords.values(why.params)): \(text)"
        }
        return lines.joined(separator: "; ")
    }
}
