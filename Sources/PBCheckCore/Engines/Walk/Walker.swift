/// A property broken during a random run, with the choices that lead to it.
struct WalkFinding {
    var property: Int
    var message: String
    /// The run's choice sequence up to and including the breaking step.
    var choices: [UInt64]
    /// Broken by a step (step properties) rather than by a state.
    var atStep: Bool
    /// Steps in the run up to the breaking one.
    var steps: Int
}

/// Runs the machine from its initial state, drawing every decision from
/// one choice sequence (SPEC §4 Random walk; STYLE "Engines").
///
/// A run is written as choices, in this order:
///
///     initial   one rank per variable slot with `init: any`
///     per step  more (0 = stop here, 1 = take a step)
///               position of the instance among those of the control state
///               for a step that reads observations: the snapshot's index
///                 among Z3's witnesses, then one rank per observation
///               one rank per `:= any` effect
///
/// Values are ranks (`ValueRanks`): 0 is the simplest value. Generating
/// draws the choices at random and records them; replaying reads them back,
/// and any sequence decodes to a valid run: a position that names no
/// enabled step moves on to the next one that is enabled, a snapshot the
/// step rejects falls back to Z3's witness, a sequence that runs out stops
/// the run. What a replay actually used is recorded again, so the shrinker
/// always holds the normalised form of a run.
///
/// Every step goes through the property checker of the explicit engine
/// (`TransitionSystem.fire` and `checkState`): the same properties, the
/// same messages.
///
/// One walker per thread: it owns a workspace and a Z3 context.
final class Walker {
    enum InitialSlot {
        case fixed(Int64)
        case finite([Int64])
        case unbounded
    }

    let system: TransitionSystem
    let ws: Workspace
    let oracle: SnapshotOracle
    let ranks: ValueRanks
    let initialSlots: [InitialSlot]
    let slotDomains: [Domain]
    /// Per instance: the domains of its `:= any` effects.
    let anyDomains: [[Domain]]
    /// Per control state: its instances' kinds, scratch for one step.
    private var status: [UInt8]
    private var candidates: [Int] = []

    // What the walks covered, and what stopped them.
    var visitedControl: [Bool]
    var firedEdges: EdgeSet
    /// How often each control state was visited and each transition fired
    /// (kept only with coverage bias).
    private var visitCounts: [Int]
    private var fireCounts: [Int]
    var steps = 0
    var unknown: String?
    var limit: String?
    var internalErrors: [String] = []
    var coverageBias = false
    /// The run's deadline and stop flag, asked before every step and while
    /// Z3 enumerates a step's snapshots.
    var budget = Budget.unlimited { didSet { oracle.budget = budget } }
    /// Why a run was cut short by the budget, once one was.
    var stopped: StopReason?
    /// Observation-dependent successors a walk samples per step (a walk
    /// takes one of them; the explicit search needs them all).
    static let sampledSuccessors = 16

    init(system: TransitionSystem, queryTimeoutMilliseconds: UInt32?) {
        self.system = system
        ws = system.makeWorkspace()
        oracle = SnapshotOracle(system: system, queryTimeoutMilliseconds: queryTimeoutMilliseconds)
        oracle.maxSuccessors = Walker.sampledSuccessors
        oracle.sampleSuccessors = true
        let model = system.model
        ranks = ValueRanks(model: model)
        var slots: [InitialSlot] = []
        var domains: [Domain] = []
        for v in model.variables {
            let slot: InitialSlot
            switch v.initial {
            case .value(let x): slot = .fixed(Word.encode(x))
            case .any: slot = model.values(of: v.domain).map { .finite($0.map(Word.encode)) } ?? .unbounded
            }
            slots += Array(repeating: slot, count: v.slotCount)
            domains += Array(repeating: v.domain, count: v.slotCount)
        }
        initialSlots = slots
        slotDomains = domains
        anyDomains = system.instances.map { inst in inst.anyEffects.map { model.variables[inst.effects[$0].variable].domain } }
        status = Array(repeating: 0, count: system.byState.map(\.count).max() ?? 0)
        visitedControl = Array(repeating: false, count: model.states.count)
        firedEdges = EdgeSet(states: model.states.count, transitions: model.transitions.count)
        visitCounts = Array(repeating: 0, count: model.states.count)
        fireCounts = Array(repeating: 0, count: model.transitions.count)
    }

    /// Where a run's choices come from: a random generator (recorded), or a
    /// sequence being replayed.
    struct Source {
        var random: WalkRandom?
        var replay: [UInt64] = []
        var position = 0
        var record: [UInt64] = []

        static func generate(_ r: WalkRandom) -> Source { Source(random: r) }
        static func replaying(_ choices: [UInt64]) -> Source { Source(random: nil, replay: choices) }

        /// The next recorded choice, or nil when the sequence is used up.
        mutating func take() -> UInt64? {
            guard position < replay.count else { return nil }
            position += 1
            return replay[position - 1]
        }
    }

    /// A run, as the shrinker needs it: the choices used, where each step's
    /// choices start, the states passed through and the steps as the
    /// replayer takes them.
    struct Run {
        var findings: [WalkFinding] = []
        var record: [UInt64] = []
        var initial: [UInt64] = []
        var stepStarts: [Int] = []
        var states: [[UInt64]] = []
        var stepChoices: [StepChoice] = []
        /// A wanted property was found and the run stopped there.
        var hit = false
    }

    enum Kind: UInt8 { case none = 0, enabled, solver, guardError }

    /// Where a run breaks a property: the packed state it ends in (a state
    /// property), or the packed state a step leaves and the step's
    /// transition instance (a step property). Distinct counterexamples
    /// (`--counterexamples`) end apart.
    struct Ending: Hashable {
        var state: [UInt64]
        var instance: Int?
    }

    /// Runs once. `wanted[p]` says which properties to look for (found ones
    /// are recorded with their choices and, when `stopOnHit`, end the run).
    /// `depth` bounds generated runs; `trace` records states and steps.
    ///
    /// Without `stopOnHit`, a run records a property's first `hitsPerRun`
    /// hits, each at a different ending. A hit at an `excluded` ending is
    /// not one: the run goes on.
    func run(_ source: inout Source, wanted: inout [Bool], depth: Int, stopOnHit: Bool, trace: Bool,
             hitsPerRun: Int = 1, excluded: Set<Ending> = []) -> Run {
        let model = system.model
        let src = ws.src
        var result = Run()
        var overflow: EvalError?

        // The initial state.
        src.snapshot = Snapshot()
        src.vars[0] = Int64(model.initial)
        for (slot, kind) in initialSlots.enumerated() {
            switch kind {
            case .fixed(let w): src.vars[slot + 1] = w
            case .finite(let words):
                let r: UInt64
                if source.random != nil { r = ranks.rank(words[source.random!.below(words.count)], slotDomains[slot]) }
                else { r = source.take() ?? 0 }
                let w = ranks.value(r, slotDomains[slot])
                source.record.append(ranks.rank(w, slotDomains[slot]))
                src.vars[slot + 1] = w
            case .unbounded:
                let r = source.random != nil ? source.random!.unboundedRank() : (source.take() ?? 0)
                source.record.append(r)
                src.vars[slot + 1] = ranks.value(r, slotDomains[slot])
            }
        }
        let cur = ws.cur
        guard system.layout.pack(src.vars, into: cur) else {
            internalErrors.append("an initial state does not fit its layout")
            return result
        }
        if trace {
            result.initial = Array(UnsafeBufferPointer(start: cur, count: system.layout.words))
            result.states.append(result.initial)
        }
        var taken = 0
        // Endings are told apart only when several hits or exclusions ask it.
        let tracksEndings = hitsPerRun > 1 || !excluded.isEmpty
        var seen: [Int: Set<Ending>] = [:]
        // The step being judged: the state it leaves and its instance.
        var stepFrom: [UInt64] = [], stepInstance = -1
        func found(_ f: Finding, atStep: Bool, choices: [UInt64]? = nil) -> Bool {
            guard wanted[f.property] else { return false }
            if tracksEndings {
                let e = atStep ? Ending(state: stepFrom, instance: stepInstance)
                    : Ending(state: Array(UnsafeBufferPointer(start: cur, count: system.layout.words)), instance: nil)
                guard !excluded.contains(e), seen[f.property, default: []].insert(e).inserted else { return false }
                if !stopOnHit && seen[f.property, default: []].count >= hitsPerRun { wanted[f.property] = false }
            } else if !stopOnHit {
                wanted[f.property] = false
            }
            result.findings.append(WalkFinding(property: f.property, message: f.message, choices: choices ?? source.record, atStep: atStep,
                                               steps: taken + (choices == nil ? 0 : 1)))
            return stopOnHit
        }
        func finish() -> Run {
            result.record = source.record
            return result
        }
        for f in system.checkState(src, limit: &overflow) where found(f, atStep: false) {
            result.hit = true
            return finish()
        }

        while true {
            if let reason = budget.exhausted {
                stopped = stopped ?? reason
                return finish()
            }
            let control = Int(src.vars[0])
            visitedControl[control] = true
            if coverageBias { visitCounts[control] += 1 }
            let instances = system.byState[control]

            // What can fire here.
            var survey = StepSurvey()
            var hasGuardError = false
            for (pos, i) in instances.enumerated() {
                let inst = system.instances[i]
                var kind = Kind.none
                if !inst.needsSolver {
                    system.bind(inst, src)
                    if let g = inst.guardFn {
                        do throws(EvalError) {
                            if try g(src) != 0 { kind = .enabled }
                        } catch {
                            if case .overflow = error { limit = limit ?? system.message(error); return finish() }
                            kind = .guardError
                            hasGuardError = true
                        }
                    } else {
                        kind = .enabled
                    }
                } else {
                    do throws(SnapshotOracle.Failure) {
                        let witnesses = try oracle.witnesses(i, src)
                        if !witnesses.isEmpty { kind = .solver }
                    } catch {
                        if case .unknown(let reason) = error { survey.couldNotDecide(reason) }
                    }
                }
                status[pos] = kind.rawValue
                survey.saw(i, enabled: kind == .enabled || kind == .solver)
            }

            // A guard that fails to evaluate is found here, whichever step the
            // run then takes: its trace is this run plus that step.
            if hasGuardError && wanted[system.evalErrorProperty],
               let pos = instances.indices.first(where: { status[$0] == Kind.guardError.rawValue }) {
                let i = instances[pos]
                let inst = system.instances[i]
                system.bind(inst, src)
                var message = "guard of '\(model.transitions[inst.transition].id)'"
                do throws(EvalError) { _ = try inst.guardFn?(src) } catch { message += ": " + system.message(error) }
                let block: [UInt64] = [1, UInt64(pos)] + Array(repeating: 0, count: anyDomains[i].count)
                if tracksEndings {
                    stepFrom = Array(UnsafeBufferPointer(start: cur, count: system.layout.words))
                    stepInstance = i
                }
                if found(Finding(property: system.evalErrorProperty, message: message), atStep: true, choices: source.record + block) {
                    // The replay that hits it takes that step: record it so.
                    if trace {
                        result.stepStarts.append(source.record.count)
                        result.stepChoices.append(StepChoice(instance: i, snapshot: Snapshot(), any: anyDomains[i].map { ranks.value(0, $0) }))
                    }
                    source.record += block
                    result.hit = true
                    return finish()
                }
            }

            // Deadlock and determinism, by the kernel's one rule.
            for f in system.stepFindings(survey, src, oracle, unknown: &unknown, skip: { !wanted[$0] }) where found(f, atStep: false) {
                result.hit = true
                return finish()
            }
            let enabledCount = survey.enabledSteps
            if enabledCount == 0 { return finish() }

            // When to stop.
            let more: UInt64
            if var r = source.random {
                more = taken >= depth || r.below(depth > Int.max / 4 ? Int.max : 2 * max(depth, 1)) == 0 ? 0 : 1
                source.random = r
            } else {
                more = source.take() ?? 0
            }
            guard more != 0 else { return finish() }
            let blockStart = source.record.count
            source.record.append(1)

            // Which step.
            var pos: Int
            if source.random != nil {
                pos = choose(instances, enabledCount, &source.random!)
            } else {
                let wantedPos = source.take() ?? 0
                pos = Int(wantedPos % UInt64(instances.count))
                // A replayed position that names nothing enabled moves on.
                var tries = 0
                while status[pos] == Kind.none.rawValue && tries < instances.count {
                    pos = (pos + 1) % instances.count
                    tries += 1
                }
            }
            source.record.append(UInt64(pos))
            let i = instances[pos]
            let inst = system.instances[i]

            // With which snapshot and which `any` values.
            var snapshot = Snapshot()
            var any: [Int64] = []
            var fired: TransitionSystem.Fired
            if status[pos] == Kind.solver.rawValue {
                let witnesses = (try? oracle.witnesses(i, src)) ?? []
                guard !witnesses.isEmpty else { return finish() }
                let w: Int
                if source.random != nil { w = source.random!.below(witnesses.count) }
                else { w = Int((source.take() ?? 0) % UInt64(witnesses.count)) }
                source.record.append(UInt64(w))
                let witness = witnesses[w]
                let keys = witness.snapshot.values.keys.sorted()
                var chosen: [UInt64] = []
                for k in keys {
                    let domain = model.observations[k.observation].domain
                    let exact = witness.snapshot.values[k] ?? 0
                    let r = source.random != nil ? ranks.rank(exact, domain) : (source.take() ?? ranks.rank(exact, domain))
                    let v = ranks.value(r, domain)
                    snapshot.values[k] = v
                    chosen.append(ranks.rank(v, domain))
                }
                for (k, d) in anyDomains[i].enumerated() {
                    let exact = k < witness.any.count ? witness.any[k] : 0
                    let r = source.random != nil ? ranks.rank(exact, d) : (source.take() ?? ranks.rank(exact, d))
                    let v = ranks.value(r, d)
                    any.append(v)
                    chosen.append(ranks.rank(v, d))
                }
                src.snapshot = snapshot
                fired = system.fire(i, ws, packed: cur, any: any, out: ws.out, limit: &overflow)
                if !fired.enabled && fired.findings.isEmpty {
                    // The simplified snapshot does not enable the step: take
                    // Z3's witness as it was.
                    snapshot = witness.snapshot
                    any = witness.any
                    chosen = keys.map { ranks.rank(witness.snapshot.values[$0] ?? 0, model.observations[$0.observation].domain) }
                        + anyDomains[i].enumerated().map { ranks.rank(any[$0.offset], $0.element) }
                    src.snapshot = snapshot
                    fired = system.fire(i, ws, packed: cur, any: any, out: ws.out, limit: &overflow)
                }
                source.record += chosen
            } else {
                for d in anyDomains[i] {
                    let r: UInt64
                    if source.random != nil {
                        if let values = model.values(of: d) { r = ranks.rank(Word.encode(values[source.random!.below(values.count)]), d) }
                        else { r = source.random!.unboundedRank() }
                    } else {
                        r = source.take() ?? 0
                    }
                    let v = ranks.value(r, d)
                    any.append(v)
                    source.record.append(ranks.rank(v, d))
                }
                fired = system.fire(i, ws, packed: cur, any: any, out: ws.out, limit: &overflow)
            }
            src.snapshot = Snapshot()
            taken += 1
            steps += 1
            if trace {
                result.stepStarts.append(blockStart)
                result.stepChoices.append(StepChoice(instance: i, snapshot: snapshot, any: any))
            }
            if fired.enabled {
                firedEdges.insert(from: control, transition: inst.transition)
                if coverageBias { fireCounts[inst.transition] += 1 }
            }
            if tracksEndings {
                stepFrom = Array(UnsafeBufferPointer(start: cur, count: system.layout.words))
                stepInstance = i
            }
            if fired.successor {
                for w in 0..<system.layout.words { cur[w] = ws.out[w] }
                system.layout.unpack(cur, into: src.vars)
                if trace { result.states.append(Array(UnsafeBufferPointer(start: cur, count: system.layout.words))) }
            }
            for f in fired.findings where found(f, atStep: true) {
                result.hit = true
                return finish()
            }
            // Past 64 bits the run ends here, after what the step did find
            // (a value beyond 64 bits never hides another effect's failure).
            if let e = overflow { limit = limit ?? system.message(e); return finish() }
            // A step that breaks range or evaluation has no successor.
            guard fired.successor else { return finish() }
            for f in system.checkState(src, limit: &overflow) where found(f, atStep: false) {
                result.hit = true
                return finish()
            }
            if let e = overflow { limit = limit ?? system.message(e); return finish() }
        }
    }

    /// A random enabled position: uniform, or with coverage bias (three
    /// times in four) uniform among the least covered steps: those whose
    /// transition has fired least often or whose target state was visited
    /// least often, whichever count is smaller.
    private func choose(_ instances: [Int], _ enabledCount: Int, _ random: inout WalkRandom) -> Int {
        func isEnabled(_ pos: Int) -> Bool { status[pos] == Kind.enabled.rawValue || status[pos] == Kind.solver.rawValue }
        if coverageBias && random.below(4) != 0 {
            candidates.removeAll(keepingCapacity: true)
            var least = Int.max
            for pos in instances.indices where isEnabled(pos) {
                let inst = system.instances[instances[pos]]
                let score = min(fireCounts[inst.transition], visitCounts[inst.to])
                if score < least { least = score; candidates.removeAll(keepingCapacity: true) }
                if score == least { candidates.append(pos) }
            }
            if !candidates.isEmpty { return candidates[random.below(candidates.count)] }
        }
        var k = random.below(enabledCount)
        for pos in instances.indices where isEnabled(pos) {
            if k == 0 { return pos }
            k -= 1
        }
        return 0
    }
}
