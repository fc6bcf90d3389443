/// The reachable states and steps of a machine, in names: a state is its
/// control state's name and its variables' values (enum values by name), a
/// step is its transition, its event and the properties it breaks. Two
/// machines with the same graph have the same behaviour and the same
/// verdicts (every property is a function of it), which is what makes a
/// mutant equivalent (SPEC §9). Built by a breadth-first pass through the
/// kernel's `forEachStep`, so it sees exactly the steps the engines see.
struct LabelledGraph: Sendable {
    /// Each reachable state, in the original's terms, numbered in BFS order.
    private(set) var states: [[Int64]: Int32] = [:]
    private(set) var initial: Set<Int32> = []
    private(set) var labels: [String: Int32] = [:]
    private(set) var edges: Set<Edge> = []

    struct Edge: Hashable, Sendable {
        var from: Int32
        var label: Int32
        /// -1 for a step with no successor (it broke a range or an evaluation).
        var to: Int32
    }

    enum Result {
        case complete(LabelledGraph)
        /// The mutant's graph differs from the original's (found on the way).
        case differs
        /// The pass could not finish: the reason (a limit, an undecided step).
        case undecided(String)
    }

    /// Explores `system`'s reachable graph. With `reference` (the
    /// original's graph), states are numbered as the reference numbers them
    /// and the pass stops at the first state, label or step the reference
    /// does not have.
    static func explore(_ system: TransitionSystem, reference: LabelledGraph? = nil, in names: NameMap? = nil,
                        maxStates: Int, budget: Budget, queryTimeoutMilliseconds: UInt32?) -> Result {
        var g = LabelledGraph()
        let map = names ?? NameMap(system: system, to: system.model)
        let ws = system.makeWorkspace()
        let oracle = SnapshotOracle(system: system, queryTimeoutMilliseconds: queryTimeoutMilliseconds)
        oracle.budget = budget
        let words = system.layout.words
        var queue: [[UInt64]] = []
        var numbers: [Int32] = []
        var seen: [[UInt64]: Int32] = [:]
        var differs = false

        /// The state's number, new states queued; nil when the reference lacks it.
        func number(_ packed: UnsafePointer<UInt64>) -> Int32? {
            let key = Array(UnsafeBufferPointer(start: packed, count: words))
            if let n = seen[key] { return n }
            let canonical = map.canonical(packed, system.layout)
            let n: Int32
            if let r = reference {
                guard let m = r.states[canonical] else { return nil }
                n = m
            } else {
                n = Int32(g.states.count)
            }
            g.states[canonical] = n
            seen[key] = n
            queue.append(key)
            numbers.append(n)
            return n
        }
        func label(_ text: String) -> Int32? {
            if let l = g.labels[text] { return l }
            if let r = reference {
                guard let l = r.labels[text] else { return nil }
                g.labels[text] = l
                return l
            }
            let l = Int32(g.labels.count)
            g.labels[text] = l
            return l
        }

        var stopped: String?
        system.forEachInitialState { packed in
            guard let n = number(packed) else { differs = true; return false }
            g.initial.insert(n)
            if g.states.count > maxStates { stopped = "more than \(maxStates) states"; return false }
            return true
        }
        if differs { return .differs }
        if let s = stopped { return .undecided(s) }
        var head = 0
        var limit: EvalError?
        var internalErrors: [String] = []
        let successor = UnsafeMutablePointer<UInt64>.allocate(capacity: words)
        defer { successor.deallocate() }
        while head < queue.count {
            if let reason = budget.exhausted { return .undecided(reason.description) }
            let from = numbers[head]
            let state = queue[head]
            head += 1
            let survey = state.withUnsafeBufferPointer { p in
                system.forEachStep(p.baseAddress!, ws: ws, oracle: oracle, limit: &limit, internalErrors: &internalErrors) { ref, _, fired in
                    guard fired.enabled || !fired.findings.isEmpty else { return true }
                    let inst = system.instances[ref.instance]
                    let t = system.model.transitions[inst.transition]
                    let broken = Set(fired.findings.map { system.properties[$0.property].id.description }).sorted()
                    guard let l = label(([t.id, t.event] + broken).joined(separator: "\u{1}")) else { differs = true; return false }
                    var to: Int32 = -1
                    if fired.successor {
                        successor.update(from: ws.out, count: words)
                        guard let n = number(successor) else { differs = true; return false }
                        to = n
                    }
                    let edge = Edge(from: from, label: l, to: to)
                    if let r = reference, !r.edges.contains(edge) { differs = true; return false }
                    g.edges.insert(edge)
                    return g.states.count <= maxStates
                }
            }
            if differs { return .differs }
            if g.states.count > maxStates { return .undecided("more than \(maxStates) states") }
            if let l = limit { return .undecided("a value beyond 64 bits at \(l.loc)") }
            guard let survey else { return .undecided("a step could not be taken") }
            if let reason = survey.undecided { return .undecided(reason) }
            if let e = internalErrors.first { return .undecided(e) }
        }
        return .complete(g)
    }

    /// Whether `other`, explored against this graph as its reference, is
    /// the same graph: every state, initial state and step of one is one of
    /// the other's (the pass already checked one direction).
    func sameAs(_ other: LabelledGraph) -> Bool {
        states.count == other.states.count && initial == other.initial && edges.count == other.edges.count
    }
}

/// Reads a system's packed states in another model's terms: the control
/// state by name, enum values by their names (a mutant can number both
/// differently from the original).
struct NameMap {
    /// Control state index → the other model's index (-1: it has none).
    let control: [Int64]
    /// Symbol id → the other model's id (-1: it has none).
    let symbol: [Int64]

    init(system: TransitionSystem, to other: TypedModel) {
        let m = system.model
        let stateIndex = Dictionary(other.states.enumerated().map { ($1.id, Int64($0)) }, uniquingKeysWith: { a, _ in a })
        control = m.states.map { stateIndex[$0.id] ?? -1 }
        let symbolIndex = Dictionary(other.symbols.names.enumerated().map { ($1, Int64($0)) }, uniquingKeysWith: { a, _ in a })
        symbol = m.symbols.names.map { symbolIndex[$0] ?? -1 }
    }

    func canonical(_ packed: UnsafePointer<UInt64>, _ layout: StateLayout) -> [Int64] {
        layout.fields.indices.map { i in
            let v = layout.value(i, layout.get(i, in: packed))
            if i == 0 { return control[Int(v)] }
            if layout.fields[i].symbols != nil { return v >= 0 && Int(v) < symbol.count ? symbol[Int(v)] : -1 }
            return v
        }
    }
}
