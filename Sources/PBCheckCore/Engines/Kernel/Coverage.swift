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
/// or a set of pairs when a table of every pair would be large.
struct EdgeSet: Sendable {
    let transitionCount: Int
    private var flags: [Bool]
    private var sparse: Set<Int>?
    static let denseLimit = 1 << 22

    init(states: Int, transitions: Int) {
        transitionCount = max(1, transitions)
        let (pairs, overflow) = states.multipliedReportingOverflow(by: transitionCount)
        if overflow || pairs > EdgeSet.denseLimit {
            flags = []
            sparse = []
        } else {
            flags = Array(repeating: false, count: pairs)
        }
    }

    @inline(__always)
    mutating func insert(from control: Int, transition t: Int) {
        let i = control &* transitionCount &+ t
        if sparse == nil { flags[i] = true } else { sparse!.insert(i) }
    }

    mutating func formUnion(_ other: EdgeSet) {
        for i in other.indices { if sparse == nil { flags[i] = true } else { sparse!.insert(i) } }
    }

    private var indices: [Int] { sparse.map { $0.sorted() } ?? flags.indices.filter { flags[$0] } }

    /// Per transition: fired from some state.
    var transitions: [Bool] {
        var fired = Array(repeating: false, count: transitionCount)
        for i in indices { fired[i % transitionCount] = true }
        return fired
    }

    /// The pairs, by state then transition.
    var edges: [(from: Int, transition: Int)] { indices.map { ($0 / transitionCount, $0 % transitionCount) } }
}
