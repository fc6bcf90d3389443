/// Mutants of a playbook's machine by Fabbri et al.'s classes (SPEC §9),
/// made on the playbook as loaded, so that each is described in the
/// playbook's own words and lines and is built and type-checked again like
/// any playbook.
public enum MutationClass: String, CaseIterable, Codable, Sendable, Comparable {
    case m1 = "M1", m2 = "M2", m3 = "M3", m4 = "M4", m5 = "M5", m6 = "M6", m7 = "M7", m8 = "M8"

    /// What a mutant of the class does.
    public var title: String {
        switch self {
        case .m1: return "remove a state and its transitions"
        case .m2: return "remove a transition"
        case .m3: return "swap the events of two transitions"
        case .m4: return "retarget a transition"
        case .m5: return "negate a guard"
        case .m6: return "drop a conjunct of a guard"
        case .m7: return "drop an effect"
        case .m8: return "shift a constant by ±1 or a comparison"
        }
    }

    public static func < (a: MutationClass, b: MutationClass) -> Bool { a.rawValue < b.rawValue }
}

/// One change to the machine.
public struct Mutant: Sendable {
    public var mutationClass: MutationClass
    /// The change in the playbook's words: `guard of 'trip' (line 30):
    /// failures >= 3 → failures > 3`.
    public var description: String
    public var line: Int
    /// The states and transitions it names, to match a hand-written
    /// mutation (`falsification.mutations`) to it.
    public var subjects: [String]
    /// The transition whose guard or effect expression it changes (M5–M8).
    /// Where that transition's step reads observations, which snapshots
    /// enable it is part of its behaviour, and the labelled graph does not
    /// hold it: equivalence is then not decided.
    public var expressionOf: String?
    /// Position in the full list of the playbook's mutants (stable for a
    /// playbook: the same seed samples the same ones).
    public var index = 0
    let apply: @Sendable (inout LoadedSpec) -> Void

    /// The playbook with this change made.
    public func mutated(_ spec: LoadedSpec) -> LoadedSpec {
        var copy = spec
        apply(&copy)
        return copy
    }
}

public enum MutantGenerator {
    /// Every mutant of `classes`, class by class, each class in file order.
    public static func mutants(of spec: LoadedSpec, classes: Set<MutationClass> = Set(MutationClass.allCases)) -> [Mutant] {
        var all: [Mutant] = []
        for c in MutationClass.allCases where classes.contains(c) {
            switch c {
            case .m1: all += removeStates(spec)
            case .m2: all += removeTransitions(spec)
            case .m3: all += swapEvents(spec)
            case .m4: all += retarget(spec)
            case .m5: all += negateGuards(spec)
            case .m6: all += dropConjuncts(spec)
            case .m7: all += dropEffects(spec)
            case .m8: all += shiftConstants(spec)
            }
        }
        for i in all.indices { all[i].index = i }
        return all
    }

    static func quoted(_ names: [String]) -> String {
        let q = names.map { "'\($0)'" }
        switch q.count {
        case 0: return ""
        case 1: return q[0]
        default: return q.dropLast().joined(separator: ", ") + " and " + q.last!
        }
    }

    // MARK: M1–M4: states, transitions, events, targets

    static func removeStates(_ spec: LoadedSpec) -> [Mutant] {
        spec.states.filter { $0.id.value != spec.initial?.value }.map { state in
            let name = state.id.value
            @Sendable func drop(_ from: FromDecl) -> FromDecl? {
                guard case .states(let list) = from else { return from }
                let kept = list.filter { $0.value != name }
                return kept.isEmpty ? nil : .states(kept)
            }
            let gone = spec.transitions.filter { t in t.to.value == name || drop(t.from) == nil }.map(\.id.value)
            return Mutant(mutationClass: .m1,
                          description: "state '\(name)' (line \(state.id.loc.line)) removed"
                              + (gone.isEmpty ? "" : ", with \(gone.count == 1 ? "transition" : "transitions") \(quoted(gone))"),
                          line: state.id.loc.line, subjects: [name]) { s in
                s.states.removeAll { $0.id.value == name }
                s.transitions = s.transitions.compactMap { t in
                    guard t.to.value != name, let from = drop(t.from) else { return nil }
                    var t = t
                    t.from = from
                    return t
                }
                // A forbidden edge into or out of a state that is gone
                // cannot happen: it names the states that are left.
                s.forbidden = s.forbidden.compactMap { f in
                    guard let from = drop(f.from), let to = drop(f.to) else { return nil }
                    var f = f
                    f.from = from
                    f.to = to
                    return f
                }
            }
        }
    }

    static func removeTransitions(_ spec: LoadedSpec) -> [Mutant] {
        guard spec.transitions.count > 1 else { return [] }
        return spec.transitions.enumerated().map { i, t in
            Mutant(mutationClass: .m2, description: "transition '\(t.id.value)' (line \(t.id.loc.line)) removed",
                   line: t.id.loc.line, subjects: [t.id.value]) { s in s.transitions.remove(at: i) }
        }
    }

    static func swapEvents(_ spec: LoadedSpec) -> [Mutant] {
        var out: [Mutant] = []
        let ts = spec.transitions
        for i in ts.indices {
            guard let a = ts[i].event else { continue }
            for j in ts.indices where j > i {
                guard let b = ts[j].event, a.value != b.value else { continue }
                out.append(Mutant(mutationClass: .m3,
                                  description: "events of '\(ts[i].id.value)' (line \(a.loc.line)) and '\(ts[j].id.value)' (line \(b.loc.line)) swapped: "
                                      + "\(a.value) ↔ \(b.value)",
                                  line: a.loc.line, subjects: [ts[i].id.value, ts[j].id.value]) { s in
                    s.transitions[i].event = Located(b.value, a.loc)
                    s.transitions[j].event = Located(a.value, b.loc)
                })
            }
        }
        return out
    }

    static func retarget(_ spec: LoadedSpec) -> [Mutant] {
        var out: [Mutant] = []
        for (i, t) in spec.transitions.enumerated() {
            for state in spec.states where state.id.value != t.to.value {
                let target = state.id.value
                out.append(Mutant(mutationClass: .m4,
                                  description: "target of '\(t.id.value)' (line \(t.to.loc.line)): \(t.to.value) → \(target)",
                                  line: t.to.loc.line, subjects: [t.id.value, target]) { s in
                    s.transitions[i].to = Located(target, t.to.loc)
                })
            }
        }
        return out
    }

    // MARK: M5–M8: guards and effects

    static func negateGuards(_ spec: LoadedSpec) -> [Mutant] {
        spec.transitions.enumerated().compactMap { i, t in
            guard let g = t.guardExpr, let e = g.expr else { return nil }
            let text = g.text.text.trimmingCharacters(in: .whitespacesAndNewlines)
            return Mutant(mutationClass: .m5, description: "guard of '\(t.id.value)' (line \(g.loc.line)): \(text) → !(\(text))",
                          line: g.loc.line, subjects: [t.id.value], expressionOf: t.id.value) { s in
                s.transitions[i].guardExpr?.expr = Expr(.unary(.not, e), e.span)
            }
        }
    }

    /// The conjuncts of `e`: the operands of its top-level `&&` chain.
    static func conjuncts(_ e: Expr) -> [Expr] {
        if case .binary(.and, let a, let b) = e.kind { return conjuncts(a) + conjuncts(b) }
        return [e]
    }

    static func dropConjuncts(_ spec: LoadedSpec) -> [Mutant] {
        var out: [Mutant] = []
        for (i, t) in spec.transitions.enumerated() {
            guard let g = t.guardExpr, let e = g.expr else { continue }
            let parts = conjuncts(e)
            guard parts.count > 1 else { continue }
            let whole = g.text.text.trimmingCharacters(in: .whitespacesAndNewlines)
            for k in parts.indices {
                var kept = parts
                kept.remove(at: k)
                let joined = kept.dropFirst().reduce(kept[0]) { Expr(.binary(.and, $0, $1), $0.span.lowerBound..<$1.span.upperBound) }
                let keptText = kept.map { source(g.text, $0) }.joined(separator: " && ")
                out.append(Mutant(mutationClass: .m6,
                                  description: "guard of '\(t.id.value)' (line \(g.loc.line)): \(whole) → \(keptText)",
                                  line: g.text.loc(parts[k].span.lowerBound).line, subjects: [t.id.value], expressionOf: t.id.value) { s in
                    s.transitions[i].guardExpr?.expr = joined
                })
            }
        }
        return out
    }

    static func dropEffects(_ spec: LoadedSpec) -> [Mutant] {
        var out: [Mutant] = []
        for (i, t) in spec.transitions.enumerated() {
            for (k, eff) in t.effects.enumerated() {
                out.append(Mutant(mutationClass: .m7,
                                  description: "effect of '\(t.id.value)' (line \(eff.loc.line)): \(eff.text.text.trimmingCharacters(in: .whitespacesAndNewlines)) removed",
                                  line: eff.loc.line, subjects: [t.id.value], expressionOf: t.id.value) { s in
                    s.transitions[i].effects.remove(at: k)
                })
            }
        }
        return out
    }

    static func shiftConstants(_ spec: LoadedSpec) -> [Mutant] {
        var out: [Mutant] = []
        for (i, t) in spec.transitions.enumerated() {
            if let g = t.guardExpr, let e = g.expr {
                let whole = g.text.text.trimmingCharacters(in: .whitespacesAndNewlines)
                for r in rewrites(e, g.text) {
                    out.append(Mutant(mutationClass: .m8,
                                      description: "guard of '\(t.id.value)' (line \(g.text.loc(r.span.lowerBound).line)): \(whole) → \(r.text)",
                                      line: g.text.loc(r.span.lowerBound).line, subjects: [t.id.value], expressionOf: t.id.value) { s in
                        s.transitions[i].guardExpr?.expr = r.expr
                    })
                }
            }
            for (k, eff) in t.effects.enumerated() {
                guard let value = eff.value else { continue }
                let whole = eff.text.text.trimmingCharacters(in: .whitespacesAndNewlines)
                for r in rewrites(value, eff.text) {
                    out.append(Mutant(mutationClass: .m8,
                                      description: "effect of '\(t.id.value)' (line \(eff.text.loc(r.span.lowerBound).line)): \(whole) → \(r.text)",
                                      line: eff.text.loc(r.span.lowerBound).line, subjects: [t.id.value], expressionOf: t.id.value) { s in
                        s.transitions[i].effects[k].value = r.expr
                    })
                }
            }
        }
        return out
    }

    /// The text of `e` as written.
    static func source(_ text: ExprText, _ e: Expr) -> String {
        let lo = max(0, min(e.span.lowerBound, text.scalars.count)), hi = max(lo, min(e.span.upperBound, text.scalars.count))
        var s = String.UnicodeScalarView()
        s.append(contentsOf: text.scalars[lo..<hi])
        return String(s)
    }

    /// One M8 change of an expression: the new tree, the span of the node
    /// changed, and the whole text with that node rewritten.
    struct Rewrite {
        var expr: Expr
        var span: Range<Int>
        var text: String
    }

    static let comparisonSwap: [BinaryOp: BinaryOp] = [.lt: .le, .le: .lt, .gt: .ge, .ge: .gt, .eq: .ne, .ne: .eq]

    /// Every M8 change of `root`, in source order: each integer literal
    /// shifted by -1 and +1, each comparison `<`↔`<=`, `>`↔`>=`, `==`↔`!=`.
    /// Browser constructs (opaque atoms) are left alone.
    static func rewrites(_ root: Expr, _ text: ExprText) -> [Rewrite] {
        var out: [Rewrite] = []
        /// `node`'s changes, each as the node that replaces it and its text.
        func local(_ node: Expr) -> [(Expr, String)] {
            switch node.kind {
            case .int(let v):
                return [-1, 1].compactMap { d in
                    let (n, o) = v.addingReportingOverflow(Int64(d))
                    return o ? nil : (Expr(.int(n), node.span), String(n))
                }
            case .binary(let op, let a, let b):
                guard let swapped = comparisonSwap[op] else { return [] }
                return [(Expr(.binary(swapped, a, b), node.span), "\(source(text, a)) \(swapped.rawValue) \(source(text, b))")]
            default:
                return []
            }
        }
        /// Rebuilds the tree with the node at `path` (child positions from
        /// the root) replaced.
        func replacing(_ e: Expr, _ path: ArraySlice<Int>, with new: Expr) -> Expr {
            guard let first = path.first else { return new }
            var children = e.children
            children[first] = replacing(children[first], path.dropFirst(), with: new)
            return e.withChildren(children)
        }
        func walk(_ e: Expr, _ path: [Int]) {
            guard !e.isBrowserConstruct else { return }
            for (new, newText) in local(e) {
                let prefix = source(text, Expr(.null, 0..<e.span.lowerBound))
                let suffix = source(text, Expr(.null, e.span.upperBound..<text.scalars.count))
                let whole = (prefix + newText + suffix).trimmingCharacters(in: .whitespacesAndNewlines)
                out.append(Rewrite(expr: replacing(root, path[...], with: new), span: e.span, text: whole))
            }
            for (i, c) in e.children.enumerated() { walk(c, path + [i]) }
        }
        walk(root, [])
        return out
    }
}
