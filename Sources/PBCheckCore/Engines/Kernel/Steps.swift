/// The steps of one state, and the one rule that decides the properties of
/// a state's set of steps (SPEC §3.1 deadlock and determinism). Every
/// engine enumerates or samples steps its own way, but what it concludes
/// about a state from them is decided here.

/// Where a step sits among a state's steps: the instance, its position in
/// the control state's list (`byState`), and which of Z3's witnesses gave
/// its snapshot (-1 for a step that reads no observation).
struct StepRef {
    var instance: Int
    var position: Int
    var witness: Int
}

/// What a state's steps showed.
struct StepSurvey {
    /// The enabled instances, each once, in `byState` order (kept only when
    /// `tracksEnabled`: determinism needs them, the hot loop does not).
    var enabled: [Int] = []
    var tracksEnabled = true
    /// Enabled steps, counting each snapshot and `any` choice.
    var enabledSteps = 0
    /// Why Z3 could not decide whether some step is enabled, if it could not.
    var undecided: String?

    mutating func saw(_ instance: Int, enabled isEnabled: Bool) {
        guard isEnabled else { return }
        enabledSteps += 1
        if tracksEnabled && enabled.last != instance { enabled.append(instance) }
    }

    mutating func couldNotDecide(_ reason: String) {
        undecided = undecided ?? reason
    }
}

extension TransitionSystem {
    /// Fires every step of the state `packed` (unpacked into `ws.src` here)
    /// through `fire`, calling `body` with each: steps that read no
    /// observation once per `:= any` choice (at most `anyLimit` choices per
    /// instance), the others once per witness Z3 gives. `body` returns
    /// false to stop, and then no survey is returned (nothing may be
    /// concluded about the state). A witness the evaluator does not
    /// confirm is an internal error in `internalErrors`.
    func forEachStep(_ packed: UnsafePointer<UInt64>, ws: Workspace, oracle: SnapshotOracle, anyLimit: Int = .max,
                     limit: inout EvalError?, internalErrors: inout [String],
                     _ body: (StepRef, () -> StepChoice, Fired) -> Bool) -> StepSurvey? {
        let src = ws.src
        layout.unpack(packed, into: src.vars)
        src.snapshot = Snapshot()
        var survey = StepSurvey()
        survey.tracksEnabled = !determinismProperty.isEmpty
        for (position, i) in byState[Int(src.vars[0])].enumerated() {
            let inst = instances[i]
            let ref = StepRef(instance: i, position: position, witness: -1)
            if !inst.needsSolver {
                if inst.anyEffects.isEmpty {
                    let f = fire(i, ws, packed: packed, any: [], out: ws.out, limit: &limit)
                    survey.saw(i, enabled: f.enabled)
                    if !body(ref, { StepChoice(instance: i, snapshot: Snapshot(), any: []) }, f) { return nil }
                } else {
                    var goOn = true, tried = 0
                    forEachAnyChoice(i) { any in
                        let f = fire(i, ws, packed: packed, any: any, out: ws.out, limit: &limit)
                        survey.saw(i, enabled: f.enabled)
                        goOn = body(ref, { StepChoice(instance: i, snapshot: Snapshot(), any: any) }, f)
                        tried += 1
                        return goOn && tried < anyLimit
                    }
                    if !goOn { return nil }
                }
                continue
            }
            let witnesses: [Witness]
            do throws(SnapshotOracle.Failure) {
                witnesses = try oracle.witnesses(i, src)
            } catch {
                // Undecided, not disabled.
                if case .unknown(let reason) = error { survey.couldNotDecide(reason) }
                continue
            }
            for (n, w) in witnesses.enumerated() {
                src.snapshot = w.snapshot
                var overflow: EvalError?
                let f = fire(i, ws, packed: packed, any: w.any, out: ws.out, limit: &overflow)
                src.snapshot = Snapshot()
                // Past 64 bits the evaluator stops where Z3 goes on.
                if let o = overflow { limit = limit ?? o } else if !confirms(w.purpose, f) {
                    internalErrors.append("Z3 found a snapshot for '\(transitionID(ofInstance: i))' (\(w.purpose)) that the evaluator does not confirm")
                }
                survey.saw(i, enabled: f.enabled)
                var r = ref
                r.witness = n
                if !body(r, { StepChoice(instance: i, snapshot: w.snapshot, any: w.any) }, f) { return nil }
            }
        }
        return survey
    }

    private func confirms(_ purpose: Witness.Purpose, _ f: Fired) -> Bool {
        switch purpose {
        case .successor: return f.successor
        case .evalError: return f.findings.contains { $0.property == evalErrorProperty }
        case .effectError: return f.enabled && f.findings.contains { $0.property == evalErrorProperty }
        case .range(let v): return f.findings.contains { $0.property == (rangeProperty[v] ?? evalErrorProperty) }
        case .contract(let p): return f.findings.contains { $0.property == p || $0.property == evalErrorProperty }
        case .determinism: return true
        }
    }

    /// The properties of a state's set of steps, decided from its survey —
    /// the one rule every engine follows:
    /// - **deadlock** when no step is enabled, the state is not final, and
    ///   Z3 decided every step (a step it could not decide may be enabled:
    ///   no deadlock is ever claimed past an undecided step);
    /// - **determinism** when two distinct transitions on one event are
    ///   enabled by one snapshot (Z3 decides it jointly when both guards
    ///   read observations; an undecided pair is reported in `unknown`,
    ///   never as a violation).
    /// `src` holds the state; properties for which `skip` is true are not
    /// checked (already found).
    func stepFindings(_ survey: StepSurvey, _ src: Frame, _ oracle: SnapshotOracle, unknown: inout String?,
                      skip: (Int) -> Bool) -> [Finding] {
        let control = Int(src.vars[0])
        if let reason = survey.undecided { unknown = unknown ?? reason }
        var findings: [Finding] = []
        if survey.enabledSteps == 0, survey.undecided == nil, !model.states[control].isFinal, let p = deadlockProperty, !skip(p) {
            findings.append(Finding(property: p, message: "no step can fire in \(model.states[control].id)"))
        }
        if survey.enabled.count > 1 && !determinismProperty.isEmpty {
            findings += determinism(control, survey.enabled, src, oracle, &unknown, skip: skip)
        }
        return findings
    }

    /// The determinism findings of a state (SPEC §3): two transitions on
    /// one event enabled together, decided jointly by Z3 when both guards
    /// read observations. `enabled` lists the enabled instances.
    private func determinism(_ control: Int, _ enabled: [Int], _ src: Frame, _ oracle: SnapshotOracle,
                             _ unknown: inout String?, skip: (Int) -> Bool) -> [Finding] {
        var findings: [Finding] = []
        let events = max(eventIndex.count, 1)
        var byEvent: [Int: [Int]] = [:]
        for i in enabled { byEvent[instanceEvent[i], default: []].append(i) }
        for (ev, list) in byEvent.sorted(by: { $0.key < $1.key }) {
            guard let p = determinismProperty[control * events + ev], !skip(p) else { continue }
            search: for a in list.indices {
                for b in list.indices where b > a {
                    let ia = list[a], ib = list[b]
                    guard instances[ia].transition != instances[ib].transition else { continue }
                    let ta = transitionID(ofInstance: ia), tb = transitionID(ofInstance: ib)
                    // A guard that reads no observation holds for every snapshot.
                    if !instances[ia].guardReadsObservations || !instances[ib].guardReadsObservations {
                        findings.append(Finding(property: p, message: "'\(ta)' and '\(tb)' are both enabled",
                                                pair: EnabledPair(a: ia, b: ib, snapshot: Snapshot())))
                        break search
                    }
                    do throws(SnapshotOracle.Failure) {
                        if let w = try oracle.jointlyEnabled(ia, ib, src) {
                            findings.append(Finding(property: p, message: "'\(ta)' and '\(tb)' are both enabled when \(describe(w.snapshot))",
                                                    pair: EnabledPair(a: ia, b: ib, snapshot: w.snapshot)))
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
}

extension TransitionSystem {
    /// The two steps that break determinism property `p` in the packed
    /// state `packed` — the last state of a counterexample — and a snapshot
    /// enabling both, decided again by the one rule (`forEachStep`, then
    /// `stepFindings`). When only one guard reads observations the rule
    /// needs no snapshot; one is asked of Z3 here, so the table can show
    /// what enables that step. Nil when the state does not break `p`.
    func enabledTogether(_ p: Int, at packed: [UInt64], oracle: SnapshotOracle) -> EnabledTogether? {
        guard packed.count == layout.words, properties.indices.contains(p) else { return nil }
        let ws = makeWorkspace()
        var limit: EvalError?, errors: [String] = [], unknown: String?
        let survey = packed.withUnsafeBufferPointer {
            forEachStep($0.baseAddress!, ws: ws, oracle: oracle, limit: &limit, internalErrors: &errors) { _, _, _ in true }
        }
        guard let survey, let pair = stepFindings(survey, ws.src, oracle, unknown: &unknown, skip: { $0 != p })
            .first(where: { $0.property == p })?.pair else { return nil }
        var snapshot = pair.snapshot
        if snapshot.values.isEmpty && (instances[pair.a].guardReadsObservations || instances[pair.b].guardReadsObservations),
           let w = try? oracle.jointlyEnabled(pair.a, pair.b, ws.src) {
            snapshot = w.snapshot
        }
        let steps = [pair.a, pair.b].map { EnabledTogether.Step(transition: transitionID(ofInstance: $0), params: paramValues($0)) }
        return EnabledTogether(event: model.transitions[instances[pair.a].transition].event, steps: steps,
                               observations: snapshot.values.keys.sorted().map { observationText($0, snapshot.values[$0] ?? 0).1 })
    }
}
