/// A property found broken by one step or in one state.
public struct Finding: Sendable, Hashable {
    /// Index into `TransitionSystem.properties`.
    public var property: Int
    public var message: String
    /// For determinism: the two instances enabled together, and the
    /// snapshot Z3 found for both (empty when it was not asked).
    var pair: EnabledPair? = nil
}

/// Two instances enabled together in one state, and a snapshot that
/// enables both (empty when neither guard was asked of Z3).
struct EnabledPair: Sendable, Hashable {
    var a: Int
    var b: Int
    var snapshot: Snapshot
}

/// One transition with one binding of its params, compiled. A class, so
/// the hot loop takes one reference rather than copying every field.
final class Instance {
    struct CompiledEffect {
        var variable: Int
        /// Frame index of the first slot (slot + 1).
        var base: Int
        var keySet: Int?
        var key: CompiledExpr?
        /// nil for `:= any`.
        var value: CompiledExpr?
        var loc: SourceLoc
    }
    let transition: Int
    let binding: [Int64]
    let guardFn: CompiledExpr?
    let effects: [CompiledEffect]
    /// Effects that are `:= any`, in order: each takes one chosen value.
    let anyEffects: [Int]
    let to: Int
    /// The step reads observations (guard, effects, or the contracts it must
    /// establish): its snapshots come from Z3.
    let needsSolver: Bool
    /// The guard itself reads observations (determinism then needs Z3).
    let guardReadsObservations: Bool
    /// What the guard, effects and entry contracts read (solver cache key).
    let reads: Reads
    let mayAssignTwice: Bool

    init(transition: Int, binding: [Int64], guardFn: CompiledExpr?, effects: [CompiledEffect], anyEffects: [Int], to: Int,
         needsSolver: Bool, guardReadsObservations: Bool, reads: Reads, mayAssignTwice: Bool) {
        self.transition = transition
        self.binding = binding
        self.guardFn = guardFn
        self.effects = effects
        self.anyEffects = anyEffects
        self.to = to
        self.needsSolver = needsSolver
        self.guardReadsObservations = guardReadsObservations
        self.reads = reads
        self.mayAssignTwice = mayAssignTwice
    }
}

/// The typed model compiled once for the engines: packed states, every
/// transition instance pre-built, every expression a closure, every
/// property numbered. Shared read-only by all search threads.
///
/// `fire` is the one checker of step properties and `checkState` the one
/// checker of state properties: the search, replay, scenarios and random
/// walks all call them.
public final class TransitionSystem: @unchecked Sendable {
    public let model: TypedModel
    public let layout: StateLayout
    public let properties: [Property]
    let instances: [Instance]
    /// Instances that can fire from each control state, in declaration order.
    let byState: [[Int]]
    /// Non-contract invariants checked in each control state (own,
    /// ancestors', global), with their property.
    let stateChecks: [[(property: Int, fn: CompiledExpr)]]
    /// Contracts a step entering each control state must establish.
    let entryContracts: [[(property: Int, fn: CompiledExpr, expr: TExpr)]]
    let forbiddenByEdge: [Int: [Int]]
    let rangeProperty: [Int?]
    public let deadlockProperty: Int?
    /// `progress` (SPEC §3.1), when the machine has a final state and it
    /// is asked for.
    public let progressProperty: Int?
    public let evalErrorProperty: Int
    /// `determinism:STATE:EVENT` properties, keyed by `state * events + event`.
    let determinismProperty: [Int: Int]
    let eventIndex: [String: Int]
    let instanceEvent: [Int]
    public let localCount: Int
    let compiler: ExprCompiler
    /// Initial variable values: each slot's possible words (`init: any` gives several).
    let initialChoices: [[Int64]]
    /// Why this machine cannot be searched explicitly, if it cannot.
    public let unsupported: String?

    public var slotCount: Int { model.variableSlots }

    /// Why building stopped before every instance was made (the run's
    /// `--timeout` or Ctrl-C: a family keyed over a million keys is a
    /// million instances). Such a system must not be searched: every
    /// property is `unknown` for this reason.
    public let stoppedWhileBuilding: StopReason?

    public init(model: TypedModel, deadlock: Bool = true, progress: Bool = true, budget: Budget = .unlimited) {
        self.model = model
        layout = StateLayout(model: model)
        var compiler = ExprCompiler(model: model)
        var props: [Property] = []

        // Invariants and contracts.
        var own: [[Int]] = []
        var compiledInv: [[CompiledExpr]] = []
        for s in model.states {
            var ids: [Int] = []
            var fns: [CompiledExpr] = []
            for (i, inv) in s.invariants.enumerated() {
                ids.append(props.count)
                props.append(Property(id: .invariant(state: s.id, index: i), kind: .stateInvariant, description: inv.description ?? inv.source,
                                      location: inv.loc, severity: inv.severity, isContract: inv.isContract))
                fns.append(compiler.compile(inv.condition))
            }
            own.append(ids)
            compiledInv.append(fns)
        }
        var globals: [(Int, CompiledExpr, Invariant)] = []
        for (i, inv) in model.globalInvariants.enumerated() {
            globals.append((props.count, compiler.compile(inv.condition), inv))
            props.append(Property(id: .global(i), kind: .globalInvariant, description: inv.description ?? inv.source,
                                  location: inv.loc, severity: inv.severity, isContract: inv.isContract))
        }
        // A state checks its ancestors' invariants, outermost first, then
        // its own: each state's list extends its parent's, computed once
        // (linear in the model, however deep the parent chain).
        typealias Check = (property: Int, fn: CompiledExpr)
        typealias Contract = (property: Int, fn: CompiledExpr, expr: TExpr)
        var inherited: [(checks: [Check], contracts: [Contract])?] = Array(repeating: nil, count: model.states.count)
        for s in model.states.indices where inherited[s] == nil {
            var chain: [Int] = []
            var current: Int? = s
            while let a = current, inherited[a] == nil, chain.count <= model.states.count {
                chain.append(a)
                current = model.states[a].parent
            }
            for a in chain.reversed() {
                var entry = model.states[a].parent.flatMap { inherited[$0] } ?? ([], [])
                for (i, inv) in model.states[a].invariants.enumerated() {
                    if inv.isContract { entry.contracts.append((own[a][i], compiledInv[a][i], inv.condition)) }
                    else { entry.checks.append((own[a][i], compiledInv[a][i])) }
                }
                inherited[a] = entry
            }
        }
        var globalChecks: [Check] = [], globalContracts: [Contract] = []
        for (p, fn, inv) in globals {
            if inv.isContract { globalContracts.append((p, fn, inv.condition)) } else { globalChecks.append((p, fn)) }
        }
        stateChecks = inherited.map { ($0?.checks ?? []) + globalChecks }
        entryContracts = inherited.map { ($0?.contracts ?? []) + globalContracts }

        // Forbidden edges.
        var forbidden: [Int: [Int]] = [:]
        var seenIDs = Set(props.map(\.id))
        for f in model.forbidden {
            var id = PropertyID.forbidden(from: f.fromText, to: f.toText)
            if seenIDs.contains(id) { id = .forbidden(from: f.fromText, to: f.toText, line: f.loc.line) }
            seenIDs.insert(id)
            let p = props.count
            props.append(Property(id: id, kind: .forbidden, description: f.reason, location: f.loc, severity: .error, isContract: false))
            // Only edges some transition takes (`*` to `*` would be states² keys).
            let sources = Set(f.from), targets = Set(f.to)
            var edges = Set<Int>()
            for t in model.transitions where targets.contains(t.to) {
                for s in t.from where sources.contains(s) { edges.insert(s * model.states.count + t.to) }
            }
            for e in edges { forbidden[e, default: []].append(p) }
        }
        forbiddenByEdge = forbidden

        // Range: every bounded variable that some effect assigns.
        var assigned = Set<Int>()
        for t in model.transitions { for e in t.effects { assigned.insert(e.variable) } }
        var range: [Int?] = Array(repeating: nil, count: model.variables.count)
        for (i, v) in model.variables.enumerated() where assigned.contains(i) {
            switch v.domain {
            case .int(nil), .bool: continue
            default: break
            }
            range[i] = props.count
            props.append(Property(id: .range(v.name), kind: .range, description: "\(v.name) stays within its declared domain",
                                  location: v.loc, severity: .error, isContract: false))
        }
        rangeProperty = range

        if deadlock {
            deadlockProperty = props.count
            props.append(Property(id: .deadlock, kind: .deadlock, description: "every reachable non-final state has an enabled step",
                                  location: nil, severity: .error, isContract: false))
        } else {
            deadlockProperty = nil
        }
        evalErrorProperty = props.count
        props.append(Property(id: .evalError, kind: .evalError,
                              description: "no division by zero, key outside its set, or min/max of an empty set",
                              location: nil, severity: .error, isContract: false))

        // Instances: one per binding of each transition's params.
        var instances: [Instance] = []
        var byState: [[Int]] = Array(repeating: [], count: model.states.count)
        var events: [String: Int] = [:]
        var instanceEvent: [Int] = []
        var stopped: StopReason?
        for (ti, t) in model.transitions.enumerated() {
            let ev = events[t.event] ?? events.count
            events[t.event] = ev
            let guardFn = t.guardExpr.map { compiler.compile($0) }
            var reads = t.guardExpr.map { Reads($0, model) } ?? Reads()
            let guardReadsObservations = reads.observations
            var effects: [Instance.CompiledEffect] = []
            var anyEffects: [Int] = []
            for e in t.effects {
                let v = model.variables[e.variable]
                if e.value == nil { anyEffects.append(effects.count) }
                if let k = e.key { reads.formUnion(Reads(k, model)) }
                if let x = e.value { reads.formUnion(Reads(x, model)) }
                effects.append(.init(variable: e.variable, base: v.slot + 1, keySet: v.keySet,
                                     key: e.key.map { compiler.compile($0) }, value: e.value.map { compiler.compile($0) }, loc: e.loc))
            }
            for (_, _, expr) in entryContracts[t.to] {
                // Contracts read the state entered: the assigned variables'
                // old values matter through the effects, the rest directly.
                reads.formUnion(Reads(expr, model))
            }
            let needsSolver = reads.observations || !entryContracts[t.to].isEmpty
            let keyed = t.effects.filter { $0.key != nil }.map(\.variable)
            let mayAssignTwice = Set(keyed).count < keyed.count
            // Each state's list gets the instances in index order whatever
            // order the sources are visited in.
            let sources = Set(t.from)
            forEachCombination(t.params.map { p in model.sets[p.set].elements.map(Word.encode) }) { b in
                let index = instances.count
                if index & 1023 == 1023, let reason = budget.exhausted {
                    stopped = .whileBuilding(reason, instances: index)
                    return false
                }
                instances.append(Instance(transition: ti, binding: b, guardFn: guardFn, effects: effects, anyEffects: anyEffects,
                                          to: t.to, needsSolver: needsSolver, guardReadsObservations: guardReadsObservations,
                                          reads: reads, mayAssignTwice: mayAssignTwice))
                instanceEvent.append(ev)
                for s in sources { byState[s].append(index) }
                return true
            }
            if stopped != nil { break }
        }
        stoppedWhileBuilding = stopped
        self.instances = instances
        self.byState = byState
        self.instanceEvent = instanceEvent
        eventIndex = events

        var determinism: [Int: Int] = [:]
        for (s, state) in model.states.enumerated() {
            var byEvent: [Int: Set<Int>] = [:]
            for i in byState[s] { byEvent[instanceEvent[i], default: []].insert(instances[i].transition) }
            for (ev, _) in byEvent.filter({ $0.value.count > 1 }).sorted(by: { $0.key < $1.key }) {
                let name = events.first { $0.value == ev }?.key ?? ""
                determinism[s * max(events.count, 1) + ev] = props.count
                props.append(Property(id: .determinism(state: state.id, event: name), kind: .determinism,
                                      description: "at most one transition on '\(name)' is enabled in \(state.id)",
                                      location: state.loc, severity: .warning, isContract: false))
            }
        }
        determinismProperty = determinism

        if progress && model.states.contains(where: \.isFinal) {
            progressProperty = props.count
            props.append(Property(id: .progress, kind: .progress, description: "a final state can be reached from every reachable state",
                                  location: nil, severity: .warning, isContract: false))
        } else {
            progressProperty = nil
        }

        var initial: [[Int64]] = []
        for v in model.variables {
            let choices: [Int64]
            switch v.initial {
            case .value(let x): choices = [Word.encode(x)]
            case .any:
                choices = model.values(of: v.domain)?.map(Word.encode) ?? [0]
            }
            initial += Array(repeating: choices, count: v.slotCount)
        }
        initialChoices = initial
        properties = props
        self.compiler = compiler
        localCount = compiler.localCount + 1
        unsupported = model.unboundedAny
    }

    public func makeFrame() -> Frame { Frame(slots: slotCount, locals: localCount) }

    func makeWorkspace() -> Workspace { Workspace(self) }

    /// Calls `body` with each initial state, packed, in a fixed order (the
    /// last variable varies fastest) until it returns false. Iterative: a
    /// family of a million keys is a million slots, not a million frames.
    func forEachInitialState(_ body: (UnsafePointer<UInt64>) -> Bool) {
        let frame = makeFrame()
        frame.vars[0] = Int64(model.initial)
        var packed = [UInt64](repeating: 0, count: layout.words)
        forEachCombination(initialChoices) { values in
            for (s, v) in values.enumerated() { frame.vars[s + 1] = v }
            guard packed.withUnsafeMutableBufferPointer({ layout.pack(frame.vars, into: $0.baseAddress!) }) else { return true }
            return packed.withUnsafeBufferPointer { body($0.baseAddress!) }
        }
    }

    /// The first initial state, packed.
    func firstInitialState() -> [UInt64]? {
        var first: [UInt64]?
        forEachInitialState { first = Array(UnsafeBufferPointer(start: $0, count: layout.words)); return false }
        return first
    }

    // MARK: The property checker

    public struct Fired {
        public var enabled = false
        public var successor = false
        public var findings: [Finding] = []
    }

    func bind(_ inst: Instance, _ frame: Frame) {
        for (i, w) in inst.binding.enumerated() { frame.locals[i] = w }
    }

    func message(_ e: EvalError) -> String {
        switch e {
        case .divisionByZero(let l): return "division by zero at \(l)"
        case .keyOutsideSet(let l, let v): return "key \(model.describe(v)) outside its set at \(l)"
        case .emptyAggregate(let l): return "min/max of an empty set at \(l)"
        case .overflow(let l): return "a value beyond 64 bits at \(l)"
        }
    }

    /// Fires instance `i` from the state in `src` (unpacked; `packed` is the
    /// same state packed) with `src.snapshot` as the world after the event
    /// and `any` as the values of its `:= any` effects. Writes the successor
    /// to `out` and reports every step property it breaks, in TLC's order:
    /// guard, effects, range, forbidden edge, the entered state's contracts
    /// (evaluated in `post`, which receives the successor unpacked).
    ///
    /// A value beyond 64 bits is returned as `.overflow` in `limit`: not a
    /// finding, the end of what this engine can settle.
    func fire(_ i: Int, _ ws: Workspace, packed: UnsafePointer<UInt64>, any: [Int64], out: UnsafeMutablePointer<UInt64>,
              limit: inout EvalError?) -> Fired {
        let inst = instances[i]
        let src = ws.src, post = ws.post
        var fired = Fired()
        bind(inst, src)
        if let g = inst.guardFn {
            do throws(EvalError) {
                guard try g(src) != 0 else { return fired }
            } catch {
                if case .overflow = error { limit = error; return fired }
                fired.findings.append(Finding(property: evalErrorProperty, message: "guard of '\(model.transitions[inst.transition].id)': \(message(error))"))
                return fired
            }
        }
        fired.enabled = true
        // Simultaneous assignment: every right-hand side reads the old state.
        let fields = ws.fields, values = ws.values
        var count = 0
        var anyIndex = 0
        var failed = false
        for e in inst.effects {
            // An `any` effect's value is taken before its key is evaluated,
            // so a failing key never shifts the values of the later ones.
            var anyValue: Int64 = 0
            if e.value == nil {
                anyValue = anyIndex < any.count ? any[anyIndex] : 0
                anyIndex += 1
            }
            do throws(EvalError) {
                var field = e.base
                if let k = e.key, let ks = e.keySet {
                    let w = try k(src)
                    guard let p = compiler.keyPosition(ks, w) else {
                        throw EvalError.keyOutsideSet(e.loc, Word.decode(w, as: model.sets[ks].elementType))
                    }
                    field += p
                }
                let value: Int64
                if let v = e.value { value = try v(src) } else { value = anyValue }
                fields[count] = field
                values[count] = value
                count += 1
            } catch {
                // The other right-hand sides are still evaluated and
                // range-checked: one step can break both properties. A value
                // beyond 64 bits is this engine's limit, not a finding, and
                // the step's successor cannot be represented.
                if case .overflow = error { limit = error } else {
                    fired.findings.append(Finding(property: evalErrorProperty, message: "effect of '\(model.transitions[inst.transition].id)': \(message(error))"))
                }
                failed = true
                fields[count] = -1
                count += 1
            }
        }
        if inst.mayAssignTwice {
            // Reported once per step; the values are still range-checked
            // (one failure never hides another, SPEC §3.1).
            twice: for t in 0..<count where fields[t] >= 0 {
                for u in 0..<t where fields[u] == fields[t] {
                    fired.findings.append(Finding(property: evalErrorProperty,
                                                  message: "'\(model.transitions[inst.transition].id)' assigns \(slotName(fields[t] - 1)) twice in one step"))
                    failed = true
                    break twice
                }
            }
        }
        for w in 0..<layout.words { out[w] = packed[w] }
        var inRange = true
        for t in 0..<count where fields[t] >= 0 {
            if let c = layout.code(fields[t], values[t]) {
                layout.set(fields[t], code: c, in: out)
            } else {
                inRange = false
                let variable = inst.effects[t].variable
                let p = rangeProperty[variable] ?? evalErrorProperty
                let type = model.variables[variable].domain.type
                fired.findings.append(Finding(property: p, message: "'\(model.transitions[inst.transition].id)' assigns \(slotName(fields[t] - 1)) := \(model.describe(Word.decode(values[t], as: type))), outside its domain"))
            }
        }
        guard inRange && !failed else { return fired }
        let from = Int(src.vars[0])
        layout.set(0, code: UInt64(inst.to), in: out)
        if let ps = forbiddenByEdge[from * model.states.count + inst.to] {
            for p in ps {
                fired.findings.append(Finding(property: p, message: "'\(model.transitions[inst.transition].id)' goes from \(model.states[from].id) to \(model.states[inst.to].id)"))
            }
        }
        let contracts = entryContracts[inst.to]
        if !contracts.isEmpty {
            layout.unpack(out, into: post.vars)
            post.snapshot = src.snapshot
            for (p, fn, _) in contracts {
                do throws(EvalError) {
                    if try fn(post) == 0 {
                        fired.findings.append(Finding(property: p, message: "'\(model.transitions[inst.transition].id)' enters \(model.states[inst.to].id) without establishing it"))
                    }
                } catch {
                    if case .overflow = error { limit = error; continue }
                    fired.findings.append(Finding(property: evalErrorProperty, message: "contract \(properties[p].id): \(message(error))"))
                }
            }
        }
        fired.successor = true
        return fired
    }

    /// The state properties of the (unpacked) state in `frame`: its
    /// non-contract invariants, its ancestors' and the global ones.
    func checkState(_ frame: Frame, limit: inout EvalError?) -> [Finding] {
        var findings: [Finding] = []
        for (p, fn) in stateChecks[Int(frame.vars[0])] {
            do throws(EvalError) {
                if try fn(frame) == 0 { findings.append(Finding(property: p, message: "invariant does not hold")) }
            } catch {
                if case .overflow = error { limit = error; continue }
                findings.append(Finding(property: evalErrorProperty, message: "invariant \(properties[p].id): \(message(error))"))
            }
        }
        return findings
    }

    /// Every combination of values for an instance's `:= any` effects.
    func forEachAnyChoice(_ i: Int, _ body: ([Int64]) -> Bool) {
        let lists = instances[i].anyEffects.map { e in
            (model.values(of: model.variables[instances[i].effects[e].variable].domain) ?? []).map(Word.encode)
        }
        forEachCombination(lists, body)
    }

    // MARK: Names for traces

    /// `failures` or `circuit(us-west-1)` for a variable slot.
    public func slotName(_ slot: Int) -> String {
        guard let v = model.variables.last(where: { $0.slot <= slot }) else { return "?" }
        guard let ks = v.keySet else { return v.name }
        let key = model.sets[ks].elements[slot - v.slot]
        return "\(v.name)(\(model.describe(key)))"
    }

    public func slotType(_ slot: Int) -> PType {
        model.variables.last(where: { $0.slot <= slot })?.domain.type ?? .int
    }

    public func transitionID(ofInstance i: Int) -> String { model.transitions[instances[i].transition].id }
}

/// Scratch space of one thread: frames for the state being expanded and the
/// state entered, and buffers for a step's assignments. Never shared.
final class Workspace {
    let src: Frame
    let post: Frame
    let fields: UnsafeMutablePointer<Int>
    let values: UnsafeMutablePointer<Int64>
    let out: UnsafeMutablePointer<UInt64>
    /// The state being expanded, copied out of the store (which may move).
    let cur: UnsafeMutablePointer<UInt64>
    let maxEffects: Int

    init(_ system: TransitionSystem) {
        src = system.makeFrame()
        post = system.makeFrame()
        maxEffects = max(system.model.transitions.map(\.effects.count).max() ?? 0, 1)
        fields = .allocate(capacity: maxEffects)
        values = .allocate(capacity: maxEffects)
        out = .allocate(capacity: system.layout.words)
        out.initialize(repeating: 0, count: system.layout.words)
        cur = .allocate(capacity: system.layout.words)
        cur.initialize(repeating: 0, count: system.layout.words)
    }

    deinit {
        fields.deallocate()
        values.deallocate()
        out.deallocate()
        cur.deallocate()
    }
}

extension TransitionSystem {
    /// A word of the given type as a value and its text (`<other>` for the
    /// unnamed value of an open enum).
    public func named(_ name: String, _ w: Int64, _ type: PType) -> NamedValue {
        let v = Word.decode(w, as: type)
        if case .sym(let s) = v, s < 0 || Int(s) >= model.symbols.names.count {
            return NamedValue(name: name, value: v, text: "<other>")
        }
        return NamedValue(name: name, value: v, text: model.describe(v))
    }

    /// An observation (keyed ones as `name(key)`) and its value in a snapshot.
    public func observationText(_ k: Snapshot.Key, _ w: Int64) -> (String, NamedValue) {
        let info = model.observations[k.observation]
        var name = info.name
        if let key = k.key {
            if key == Int64.min {
                name += "(?)"
            } else {
                let keyType = info.keySet.map { model.sets[$0].elementType } ?? info.keyType ?? .int
                name += "(\(named("", key, keyType).text))"
            }
        }
        var value = named(name, w, info.domain.type)
        value.isCondition = info.origin == .opaque
        return (name, value)
    }
}

extension TransitionSystem {
    func describe(_ s: Snapshot) -> String {
        s.values.keys.sorted().map { k in
            observationText(k, s.values[k] ?? 0).1.assignment
        }.joined(separator: ", ")
    }
}

extension TypedModel {
    /// Why the explicit engine cannot enumerate this machine, if it cannot:
    /// an `any` (initial value or effect) over an unbounded domain.
    public var unboundedAny: String? {
        func unbounded(_ v: Int) -> Bool { values(of: variables[v].domain) == nil }
        if let v = variables.indices.last(where: { if case .any = variables[$0].initial { return unbounded($0) }; return false }) {
            return "variable '\(variables[v].name)' has `init: any` over an unbounded domain; use the symbolic engine"
        }
        for t in transitions.reversed() {
            if let e = t.effects.last(where: { $0.value == nil && unbounded($0.variable) }) {
                return "transition '\(t.id)' assigns `\(variables[e.variable].name) := any` over an unbounded domain; use the symbolic engine"
            }
        }
        return nil
    }
}

/// Calls `body` with every way to take one value from each list, in
/// odometer order (the last list turns fastest), until `body` returns
/// false; never materialises the product, which may be astronomically
/// large. No list: one empty combination. An empty list: none.
func forEachCombination(_ lists: [[Int64]], _ body: ([Int64]) -> Bool) {
    guard lists.allSatisfy({ !$0.isEmpty }) else { return }
    var index = [Int](repeating: 0, count: lists.count)
    var values = lists.map { $0[0] }
    while true {
        if !body(values) { return }
        var k = lists.count - 1
        while k >= 0 {
            index[k] += 1
            if index[k] < lists[k].count {
                values[k] = lists[k][index[k]]
                break
            }
            index[k] = 0
            values[k] = lists[k][0]
            k -= 1
        }
        if k < 0 { return }
    }
}
