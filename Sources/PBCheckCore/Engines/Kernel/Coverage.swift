extension Coverage {
    /// Coverage from the control states visited and transitions fired; a
    /// superstate is covered when one of its descendants is.
    init(model: TypedModel, visited: [Bool], fired: [Bool]) {
        self.init()
        let covered = model.covered(visited: visited)
        reachableStates = model.states.indices.filter { covered[$0] }.map { model.states[$0].id }
        unreachableStates = model.states.indices.filter { !covered[$0] }.map { model.states[$0].id }
        firedTransitions = model.transitions.indices.filter { fired[$0] }.map { model.transitions[$0].id }
        neverFired = model.transitions.indices.filter { !fired[$0] }.map { model.transitions[$0].id }
    }

    /// Coverage from the control states visited and the edges fired, as
    /// `EdgeSet` keeps them.
    init(model: TypedModel, visited: [Bool], edges: EdgeSet) {
        self.init(model: model, visited: visited, fired: edges.transitions)
        firedEdges = edges.edges.map { FiredEdge(from: model.states[$0.from].id, transition: model.transitions[$0.transition].id) }
    }
}

/// Which transition fired from which control state: one flag per pair,
/// or a set of pairs when a table of every pair would be large. The pairs
/// set so far are also kept in a list, so reading the set back costs what
/// fired, not states × transitions.
struct EdgeSet: Sendable {
    let transitionCount: Int
    /// One flag per pair; empty when `sparse` holds the pairs instead.
    private var flags: [Bool]
    private var sparse: Set<Int> = []
    /// The dense table's set pairs, in the order they were set.
    private var setPairs: [Int] = []
    private let isDense: Bool
    static let denseLimit = 1 << 22

    init(states: Int, transitions: Int) {
        transitionCount = max(1, transitions)
        let (pairs, overflow) = states.multipliedReportingOverflow(by: transitionCount)
        isDense = !overflow && pairs <= EdgeSet.denseLimit
        flags = isDense ? Array(repeating: false, count: pairs) : []
    }

    @inline(__always)
    mutating func insert(from control: Int, transition t: Int) { insert(control &* transitionCount &+ t) }

    @inline(__always)
    private mutating func insert(_ pair: Int) {
        if isDense {
            if !flags[pair] { flags[pair] = true; setPairs.append(pair) }
        } else {
            sparse.insert(pair)
        }
    }

    mutating func formUnion(_ other: EdgeSet) {
        other.forEachPair { insert($0) }
    }

    /// Calls `body` with every pair, in no particular order.
    private func forEachPair(_ body: (Int) -> Void) {
        if isDense { setPairs.forEach(body) } else { sparse.forEach(body) }
    }

    /// The pairs' indices, ascending.
    private var pairs: [Int] {
        guard isDense else { return sparse.sorted() }
        // Many pairs: reading the flags in order beats sorting them.
        guard setPairs.count > flags.count / 64 else { return setPairs.sorted() }
        var out: [Int] = []
        out.reserveCapacity(setPairs.count)
        flags.withUnsafeBufferPointer { f in
            var i = 0
            while i < f.count {
                if f[i] { out.append(i) }
                i += 1
            }
        }
        return out
    }

    /// Per transition: fired from some state.
    var transitions: [Bool] {
        var fired = Array(repeating: false, count: transitionCount)
        // Any order will do: no sort of what may be millions of pairs.
        forEachPair { fired[$0 % transitionCount] = true }
        return fired
    }

    /// The pairs, by state then transition.
    var edges: [(from: Int, transition: Int)] { pairs.map { ($0 / transitionCount, $0 % transitionCount) } }
}
