/// The control graph of a model as a search left it (SPEC §5.2 `NAME.dot`
/// and the diagram of `NAME.md`, §7 `graph`): every state, reached or not,
/// with its superstates around it; one edge per control state a transition
/// leaves from, fired or not; the declared forbidden edges; and, when asked,
/// the path of one trace. The printers (`dot()`, `mermaid()`) only draw it.
///
/// A *control state* is a state the machine can be in: a state without
/// children, the initial state, or the target of some transition. A
/// superstate that is none of these is only a box around its descendants:
/// a transition written on it leaves from each of them, never from it.
///
/// - Complexity: building is linear in the size of the model (states, the
///   expanded `from` lists of transitions, the written ends of forbidden
///   edges), the coverage and the trace.
public struct ControlGraph: Sendable {
    /// One state of the model; `nodes[i]` is `model.states[i]`.
    public struct Node: Sendable {
        public var id: String
        public var description: String?
        /// The enclosing superstate, and the states this one encloses.
        public var parent: Int?
        public var children: [Int]
        /// The machine can be in this state (see the type's comment).
        public var isControl: Bool
        public var isInitial: Bool
        public var isFinal: Bool
        /// Reached by the search (a superstate: some descendant was); nil
        /// when nothing was checked.
        public var reached: Bool?
        /// The highlighted trace starts in it or enters it.
        public var onPath = false

        public var isSuperstate: Bool { !children.isEmpty }
    }

    /// A transition leaving one control state.
    public struct Edge: Sendable {
        public var from: Int
        public var to: Int
        /// The transition's index in the model, its id and its event.
        public var transition: Int
        public var transitionID: String
        public var event: String
        /// The guard as written, and cut short for a label.
        public var guardText: String?
        public var guardLabel: String?
        /// This transition fired from this state; nil when nothing was checked.
        public var fired: Bool?
        /// The steps of the highlighted trace that take it, numbered from 1.
        public var steps: [Int] = []

        /// `id`, or `id (event)` when the event has another name.
        public var name: String { event == transitionID ? transitionID : "\(transitionID) (\(event))" }
    }

    /// One end of a drawn forbidden edge.
    public enum End: Sendable, Hashable {
        case state(Int)
        /// `*`: every state.
        case any
    }

    /// A forbidden edge between two ends as written: a state or superstate
    /// (the outermost ones of a list), or `*`. Entries that name the same
    /// two ends share one.
    public struct Forbidden: Sendable {
        public var from: End
        public var to: End
        /// The entries' indices in `model.forbidden`.
        public var entries: [Int]
        /// Their reasons, where written.
        public var reasons: [String]
        /// Some entry's property was violated; nil when nothing was checked.
        public var violated: Bool?
    }

    /// The machine's name (the playbook's `name:`, else its id).
    public var title: String
    public var nodes: [Node]
    /// The states no superstate encloses, in declaration order.
    public var roots: [Int]
    public var initial: Int
    /// By transition, then by source state ascending.
    public var edges: [Edge]
    public var forbidden: [Forbidden]
    /// The highlighted trace: the edge each step takes, in order.
    public var path: [Int] = []
    /// Where the highlighted trace starts; nil when none is highlighted.
    public var pathStart: Int?

    /// The graph of `model`, marked with what `outcome` reached and fired
    /// (unknown when it is nil, or when only scenarios ran, which cover
    /// nothing) and with the path of `highlight`.
    ///
    /// When the outcome does not say which state each transition fired from
    /// (the symbolic engine), a fired transition counts as fired from each
    /// of its reached sources. A step of `highlight` that is no edge of the
    /// graph (a trace of another version of the spec) ends the path there.
    public init(model: TypedModel, outcome: CheckOutcome? = nil, highlight: Trace? = nil) {
        title = model.name
        initial = model.initial
        let coverage = outcome.flatMap { $0.engines == [.scenarios] ? nil : $0.coverage }

        var isControl = model.states.map(\.children.isEmpty)
        isControl[model.initial] = true
        for t in model.transitions { isControl[t.to] = true }
        let reached = coverage.map { Set($0.reachableStates) }
        nodes = model.states.indices.map { i in
            let s = model.states[i]
            return Node(id: s.id, description: s.description, parent: s.parent, children: s.children, isControl: isControl[i],
                        isInitial: i == model.initial, isFinal: s.isFinal, reached: reached.map { $0.contains(s.id) })
        }
        roots = model.states.indices.filter { model.states[$0].parent == nil }

        let firedTransitions = coverage.map { Set($0.firedTransitions) }
        let firedEdges = coverage?.firedEdges.map(Set.init)
        edges = []
        for (ti, t) in model.transitions.enumerated() {
            let guardLabel = t.guardSource.map { ControlGraph.shortened($0) }
            for s in t.from where isControl[s] {
                var fired: Bool?
                if let firedEdges {
                    fired = firedEdges.contains(Coverage.FiredEdge(from: model.states[s].id, transition: t.id))
                } else if let firedTransitions, let reached {
                    fired = firedTransitions.contains(t.id) && reached.contains(model.states[s].id)
                }
                edges.append(Edge(from: s, to: t.to, transition: ti, transitionID: t.id, event: t.event,
                                  guardText: t.guardSource, guardLabel: guardLabel, fired: fired))
            }
        }
        forbidden = ControlGraph.forbidden(model, outcome: coverage == nil ? nil : outcome)
        if let highlight { self.highlight(highlight, model) }
    }

    /// Follows the trace's steps along the edges and marks them.
    private mutating func highlight(_ trace: Trace, _ model: TypedModel) {
        let stateIndex = Dictionary(model.states.indices.map { (model.states[$0].id, $0) }, uniquingKeysWith: { a, _ in a })
        let transitionIndex = Dictionary(model.transitions.indices.map { (model.transitions[$0].id, $0) }, uniquingKeysWith: { a, _ in a })
        let width = max(1, model.transitions.count)
        var edgeIndex: [Int: Int] = [:]
        for (e, edge) in edges.enumerated() { edgeIndex[edge.from * width + edge.transition] = e }

        guard var current = stateIndex[trace.initial.state] else { return }
        pathStart = current
        nodes[current].onPath = true
        for (i, step) in trace.steps.enumerated() {
            guard let t = transitionIndex[step.transition], let e = edgeIndex[current * width + t],
                  stateIndex[step.state] == edges[e].to else { return }
            path.append(e)
            edges[e].steps.append(i + 1)
            current = edges[e].to
            nodes[current].onPath = true
        }
    }

    /// The drawn forbidden edges: each entry's ends reduced to the
    /// outermost states of what they expand to (`*` stays `*`), one edge
    /// per distinct pair of ends.
    private static func forbidden(_ model: TypedModel, outcome: CheckOutcome?) -> [Forbidden] {
        let violatedAt = outcome.map { o in
            Set(o.properties.filter { $0.property.kind == .forbidden && $0.verdict == .violated }.compactMap(\.property.location))
        }
        func ends(_ states: [Int], text: String) -> [End] {
            if text == "*" { return [.any] }
            let members = Set(states)
            return states.filter { s in model.states[s].parent.map { !members.contains($0) } ?? true }.map { .state($0) }
        }
        var result: [Forbidden] = []
        var index: [[End]: Int] = [:]
        for (i, f) in model.forbidden.enumerated() {
            let violated = violatedAt.map { $0.contains(f.loc) }
            for from in ends(f.from, text: f.fromText) {
                for to in ends(f.to, text: f.toText) {
                    if let k = index[[from, to]] {
                        result[k].entries.append(i)
                        if let r = f.reason { result[k].reasons.append(r) }
                        if violated == true { result[k].violated = true }
                    } else {
                        index[[from, to]] = result.count
                        result.append(Forbidden(from: from, to: to, entries: [i], reasons: f.reason.map { [$0] } ?? [], violated: violated))
                    }
                }
            }
        }
        return result
    }

    /// At most this many characters of a guard go into a label.
    public static let guardLabelLength = 40

    /// A guard on one line (runs of white space made one space), cut to
    /// `guardLabelLength` characters with "…".
    static func shortened(_ text: String) -> String {
        let oneLine = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        guard oneLine.count > guardLabelLength else { return oneLine }
        return oneLine.prefix(guardLabelLength - 1) + "…"
    }

    /// The first control state inside `s` (itself when it is one): what an
    /// arrow to a superstate's box is drawn to.
    func anchor(_ s: Int) -> Int {
        var current = s
        while !nodes[current].isControl, let first = nodes[current].children.first { current = first }
        return current
    }

    /// `a` is `s` or lies inside it.
    func isInside(_ a: Int, _ s: Int) -> Bool {
        var current: Int? = a
        var steps = 0
        while let c = current, steps <= nodes.count {
            if c == s { return true }
            current = nodes[c].parent
            steps += 1
        }
        return false
    }
}
