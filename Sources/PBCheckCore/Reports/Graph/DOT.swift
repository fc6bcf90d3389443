/// The control graph in Graphviz's DOT language (SPEC §5.2 `NAME.dot`, §7
/// `graph --format dot`).
///
/// Superstates are clusters; a state the search never reached is dashed and
/// grey, and so is a transition that never fired; forbidden edges are red
/// (bold when violated) and take no part in the layout; final states are
/// double circles; a point marks the entry into the initial state; the
/// highlighted path is drawn thick and orange, its edges labelled with
/// their step numbers.
///
/// Every element carries an `id` that Graphviz copies into the SVG
/// (`<g id=…>`), for pages that script the drawing (`NAME.html`):
///
/// | element | id |
/// |---|---|
/// | a control state | `state:STATE` |
/// | a superstate's box | `cluster:STATE` |
/// | a transition leaving a control state | `edge:FROM:TRANSITION` |
/// | a forbidden edge | `forbidden:FROM:TO` (an end written `*` is `*`) |
/// | the entry point and its arrow | `initial`, `initial-edge` |
/// | the `*` end of forbidden edges | `any-state` |
///
/// The ids are made from the spec's ids, not parsed back: an id may itself
/// contain `:`; a line break in it becomes a space. Nodes are named by
/// number (`n3`); ids, labels and tooltips are quoted and escaped, so any
/// YAML id is safe.
extension ControlGraph {
    public func dot() -> String {
        var out = "digraph pbcheck {\n"
        out += "  graph [rankdir=LR, compound=true, label=\(DOTText.label(title)), labelloc=t];\n"
        out += "  node [shape=box, style=rounded];\n"
        out += "  edge [fontsize=10];\n"
        out += "  initial [id=\"initial\", shape=point, width=0.12, label=\"\", tooltip=\"initial state\"];\n"
        if forbidden.contains(where: { $0.from == .any || $0.to == .any }) {
            out += "  any [id=\"any-state\", shape=plaintext, label=\"any state\", fontcolor=red, tooltip=\"* (every state)\"];\n"
        }
        // Depth-first, so each cluster is written inside its parent's.
        var stack: [(node: Int, depth: Int, close: Bool)] = roots.reversed().map { ($0, 1, false) }
        while let (i, depth, close) = stack.popLast() {
            let indent = String(repeating: "  ", count: depth)
            if close { out += indent + "}\n"; continue }
            let n = nodes[i]
            guard n.isSuperstate else { out += indent + nodeStatement(i) + "\n"; continue }
            out += indent + "subgraph \"cluster_\(i)\" {\n"
            var attributes = ["id=" + DOTText.id("cluster:" + n.id), "label=" + DOTText.label(n.id), "tooltip=" + DOTText.tooltip(tooltip(n))]
            attributes.append(n.reached == false ? "style=\"rounded,dashed\", color=gray60, fontcolor=gray50" : "style=rounded")
            out += indent + "  graph [" + attributes.joined(separator: ", ") + "];\n"
            if n.isControl { out += indent + "  " + nodeStatement(i) + "\n" }
            stack.append((i, depth, true))
            stack.append(contentsOf: n.children.reversed().map { ($0, depth + 1, false) })
        }
        out += "  initial -> n\(initial) [id=\"initial-edge\"" + (pathStart == initial ? ", color=\"#d9480f\", penwidth=2.5" : "") + "];\n"
        for e in edges { out += "  " + edgeStatement(e) + "\n" }
        for f in forbidden { out += "  " + forbiddenStatement(f) + "\n" }
        return out + "}\n"
    }

    private func tooltip(_ n: Node) -> String {
        var lines = [n.id]
        if let d = n.description { lines.append(d) }
        switch n.reached {
        case true?: lines.append(n.isSuperstate ? "reached (some state inside)" : "reached")
        case false?: lines.append("never reached")
        case nil: break
        }
        return lines.joined(separator: "\n")
    }

    private func nodeStatement(_ i: Int) -> String {
        let n = nodes[i]
        var attributes = ["id=" + DOTText.id("state:" + n.id), "label=" + DOTText.label(n.id), "tooltip=" + DOTText.tooltip(tooltip(n))]
        if n.isFinal { attributes.append("shape=doublecircle") }
        if n.reached == false {
            attributes.append("style=\"rounded,dashed\", color=gray60, fontcolor=gray50")
        } else if n.onPath {
            attributes.append("style=\"rounded,bold\", color=\"#d9480f\", penwidth=2")
        }
        return "n\(i) [" + attributes.joined(separator: ", ") + "];"
    }

    private func edgeStatement(_ e: Edge) -> String {
        var label = e.name
        if !e.steps.isEmpty { label = "(" + e.steps.map(String.init).joined(separator: ", ") + ") " + label }
        if let g = e.guardLabel { label += "\n[" + g + "]" }
        var tip = "\(e.name): \(nodes[e.from].id) → \(nodes[e.to].id)"
        if let g = e.guardText { tip += "\nguard: " + g }
        if e.fired == false { tip += "\nnever fired" }
        var attributes = ["id=" + DOTText.id("edge:\(nodes[e.from].id):\(e.transitionID)"), "label=" + DOTText.label(label),
                          "tooltip=" + DOTText.tooltip(tip)]
        if !e.steps.isEmpty {
            attributes.append("color=\"#d9480f\", fontcolor=\"#d9480f\", penwidth=2.5")
        } else if e.fired == false {
            attributes.append("style=dashed, color=gray60, fontcolor=gray50")
        }
        return "n\(e.from) -> n\(e.to) [" + attributes.joined(separator: ", ") + "];"
    }

    private func forbiddenStatement(_ f: Forbidden) -> String {
        func name(_ end: End) -> String {
            switch end {
            case .any: return "*"
            case .state(let s): return nodes[s].id
            }
        }
        /// The node an end's arrow is drawn to, and the box it stands for.
        func point(_ end: End) -> (node: Int?, cluster: Int?) {
            switch end {
            case .any: return (nil, nil)
            case .state(let s): return (anchor(s), nodes[s].isSuperstate ? s : nil)
            }
        }
        let (tail, tailCluster) = point(f.from), (head, headCluster) = point(f.to)
        var tip = "forbidden: \(name(f.from)) → \(name(f.to))"
        for r in f.reasons { tip += "\n" + r }
        let violated = f.violated == true
        var attributes = ["id=" + DOTText.id("forbidden:\(name(f.from)):\(name(f.to))"),
                          "label=" + DOTText.label(violated ? "forbidden (violated)" : "forbidden"), "tooltip=" + DOTText.tooltip(tip),
                          "color=red, fontcolor=red, constraint=false", violated ? "penwidth=2" : "style=dashed"]
        // An arrow ends at a box's border only when its other end lies
        // outside the box (Graphviz ignores it otherwise, with a warning).
        if let c = tailCluster, !(head.map { isInside($0, c) } ?? false) { attributes.append("ltail=\"cluster_\(c)\"") }
        if let c = headCluster, !(tail.map { isInside($0, c) } ?? false) { attributes.append("lhead=\"cluster_\(c)\"") }
        let tailName = tail.map { "n\($0)" } ?? "any", headName = head.map { "n\($0)" } ?? "any"
        return "\(tailName) -> \(headName) [" + attributes.joined(separator: ", ") + "];"
    }
}

/// Quoted DOT strings for each kind of attribute, as Graphviz reads them
/// back: `&` is written `&amp;` everywhere (Graphviz reads entities in
/// every string), and backslashes are doubled once in ids and labels but
/// twice in tooltips, which Graphviz unescapes twice — so no id can spell
/// `\N`, `\G` or `\l`.
enum DOTText {
    /// An element's `id`: a line break becomes a space (an XML attribute
    /// reads it as one anyway).
    static func id(_ s: String) -> String { quoted(s, backslash: "\\\\", lineBreak: " ") }
    static func label(_ s: String) -> String { quoted(s, backslash: "\\\\", lineBreak: "\\n") }
    static func tooltip(_ s: String) -> String { quoted(s, backslash: "\\\\\\\\", lineBreak: "\\n") }

    private static func quoted(_ s: String, backslash: String, lineBreak: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\\": out += backslash
            case "\"": out += "\\\""
            case "&": out += "&amp;"
            case "\n": out += lineBreak
            case "\r": break
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }
}
