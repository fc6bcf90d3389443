import Foundation

/// The control graph as a Mermaid `stateDiagram-v2` (SPEC §5.2 `NAME.md`,
/// §7 `graph --format mermaid`), written for the Mermaid GitHub renders.
///
/// Superstates are composite states; `[*] -->` enters the initial state and
/// `--> [*]` leaves each final one. Mermaid styles states but not
/// transitions, and not states inside composite ones in every version, so
/// the marks are words as well as classes: an unreached state is labelled
/// `(unreached)` (class `unreached`), a transition that never fired
/// `(never fired)`, and each edge of the highlighted path starts with its
/// step numbers, `(1, 3)` (its states in class `path`). Forbidden edges are
/// left out: a state diagram cannot draw an arrow that is not a transition.
///
/// The text keeps to what Mermaid's state-diagram grammar reads the same in
/// every version: states are declared first, each inside its composite
/// state, by an id made of ASCII letters, digits and `_` (`s_` and the
/// state's id, made safe and unique) with the state's id as its label;
/// every transition comes after, at the top level (a transition written
/// inside a composite state would move an undeclared state into it); labels
/// escape what the grammar or the renderer would read as syntax.
extension ControlGraph {
    public func mermaid() -> String {
        let ids = MermaidText.ids(nodes.map(\.id))
        var out = "stateDiagram-v2\n"
        var stack: [(node: Int, depth: Int, close: Bool)] = roots.reversed().map { ($0, 1, false) }
        while let (i, depth, close) = stack.popLast() {
            let indent = String(repeating: "    ", count: depth)
            if close { out += indent + "}\n"; continue }
            let n = nodes[i]
            out += indent + ids[i] + MermaidText.described(n.id + (n.reached == false ? " (unreached)" : "")) + "\n"
            guard n.isSuperstate else { continue }
            out += indent + "state \(ids[i]) {\n"
            stack.append((i, depth, true))
            stack.append(contentsOf: n.children.reversed().map { ($0, depth + 1, false) })
        }
        out += "    [*] --> \(ids[initial])\n"
        for e in edges {
            var label = e.name
            if !e.steps.isEmpty { label = "(" + e.steps.map(String.init).joined(separator: ", ") + ") " + label }
            if let g = e.guardLabel { label += " [" + g + "]" }
            if e.fired == false { label += " (never fired)" }
            out += "    \(ids[e.from]) --> \(ids[e.to])" + MermaidText.described(label) + "\n"
        }
        for i in nodes.indices where nodes[i].isFinal && nodes[i].isControl { out += "    \(ids[i]) --> [*]\n" }
        // Classes only on simple states (see the type's comment).
        let simple = nodes.indices.filter { !nodes[$0].isSuperstate }
        let unreached = simple.filter { nodes[$0].reached == false }
        let onPath = simple.filter { nodes[$0].onPath }
        if !unreached.isEmpty {
            out += "    classDef unreached fill:#f4f4f4,stroke:#999999,stroke-dasharray:4 3,color:#888888\n"
            out += "    class " + unreached.map { ids[$0] }.joined(separator: ", ") + " unreached\n"
        }
        if !onPath.isEmpty {
            out += "    classDef path fill:#fff4e6,stroke:#d9480f,stroke-width:2px\n"
            out += "    class " + onPath.map { ids[$0] }.joined(separator: ", ") + " path\n"
        }
        return out
    }

    /// How many arrows `mermaid()` draws (Mermaid refuses to draw more than
    /// its `maxEdges`): the transitions' edges, the entry, one per final state.
    var mermaidArrowCount: Int { edges.count + 1 + nodes.filter { $0.isFinal && $0.isControl }.count }
}

/// Mermaid's lexical rules for state diagrams, in one place.
enum MermaidText {
    /// A state's Mermaid id: `s_` and its id with every character outside
    /// ASCII letters, digits and `_` made `_` (at most 40 of them), then a
    /// number when that is taken. The grammar reads `-` as part of an arrow
    /// and keywords (`state`, `note`, `direction`…) only where a statement
    /// starts, which `s_` never spells.
    static func ids(_ names: [String]) -> [String] {
        var taken = Set<String>()
        return names.map { name in
            var base = "s_"
            for c in name.unicodeScalars.prefix(40) {
                let safe = ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "_"
                base.unicodeScalars.append(safe ? c : "_")
            }
            var id = base, n = 2
            while !taken.insert(id).inserted { id = "\(base)_\(n)"; n += 1 }
            return id
        }
    }

    /// ` : ` and the label, or nothing for an empty one (the grammar wants
    /// a character after the colon).
    static func described(_ text: String) -> String {
        let l = label(text)
        return l.isEmpty ? "" : " : " + l
    }

    /// Text after ` : ` on one line. The grammar ends a label at `:`, `;` or
    /// a line break; the renderer reads HTML; `#…;` is Mermaid's entity
    /// syntax, so `#` itself and every character that means something go in
    /// as entities (`#58;`), which Mermaid turns back into the characters.
    /// A label that reads `direction LR` anywhere on its line would be taken
    /// for a direction statement: its space goes in as an entity too.
    static func label(_ text: String) -> String {
        var out = ""
        for c in text.unicodeScalars {
            switch c {
            case ":": out += "#58;"
            case ";": out += "#59;"
            case "#": out += "#35;"
            case "%": out += "#37;"
            case "<": out += "#lt;"
            case ">": out += "#gt;"
            case "&": out += "#amp;"
            case "\"": out += "#quot;"
            case "`": out += "#96;"
            case "{": out += "#123;"
            case "}": out += "#125;"
            case "\n", "\r", "\t": out += " "
            default: out.unicodeScalars.append(c)
            }
        }
        let trimmed = out.trimmingCharacters(in: .whitespaces)
        return trimmed.replacingOccurrences(of: #"(?i)(direction)\s+(tb|bt|rl|lr)"#, with: "$1#32;$2", options: .regularExpression)
    }
}
