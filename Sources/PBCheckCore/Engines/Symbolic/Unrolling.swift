import CZ3

/// A symbolic path `S0 →step0→ S1 →step1→ …`: fresh terms for each state
/// and each step, and the instantiation of the model's templates at each
/// depth. BMC and k-induction use the same terms in different solvers (BMC
/// asserts the initial states, k-induction does not).
final class Unrolling {
    let sym: SymbolicModel
    var ctx: Z3Context { sym.ctx }
    private var states: [StateTerms] = []
    private var targets: [[Z3Term]] = []
    private var stepObs: [[Z3Term]] = []
    private var stepAny: [[[Z3Term]]] = []
    private var sels: [Z3Term] = []
    private var dets: [[Z3Term]] = []
    /// Per depth, per template: the instance (the template is kept too, so
    /// its identifier cannot be reused by another term while cached).
    private var cache: [Int: [ObjectIdentifier: (template: Z3Term, instance: Z3Term)]] = [:]

    init(_ sym: SymbolicModel) { self.sym = sym }

    func state(_ d: Int) -> StateTerms {
        while states.count <= d {
            let n = states.count
            let p = "d\(n)."
            let slots = (0..<sym.pre.slots.count).map { s in
                sym.slotIsBool[s] ? ctx.boolConst(p + sym.system.slotName(s)) : ctx.intConst(p + sym.system.slotName(s))
            }
            states.append(StateTerms(control: ctx.intConst(p + "state"), slots: slots))
        }
        return states[d]
    }

    /// The terms that replace `sym.templateTerms` at depth `d`: state `d`
    /// as `pre`, state `d + 1` as `post`, and step `d`'s choices.
    private func terms(_ d: Int) -> [Z3Term] {
        while targets.count <= d {
            let n = targets.count
            let p = "d\(n)."
            let sel = ctx.intConst(p + "sel")
            let any = sym.any.enumerated().map { i, list in
                list.enumerated().map { k, t in ctx.const(p + "any.\(i).\(k)", like: t) }
            }
            let obs = sym.stepObs.terms.enumerated().map { j, t in ctx.const(p + "o\(j)", like: t) }
            let det = sym.detObs.terms.enumerated().map { j, t in ctx.const(p + "det\(j)", like: t) }
            sels.append(sel)
            dets.append(det)
            stepAny.append(any)
            stepObs.append(obs)
            targets.append(state(n).all + state(n + 1).all + [sel] + any.flatMap { $0 } + obs + det)
        }
        return targets[d]
    }


    /// A template formula at depth `d` (cached per template and depth).
    func at(_ f: Z3Term, _ d: Int) -> Z3Term {
        let key = ObjectIdentifier(f)
        if let hit = cache[d]?[key] { return hit.instance }
        let r = ctx.substitute(f, sym.templateTerms, terms(d))
        cache[d, default: [:]][key] = (f, r)
        return r
    }

    func sel(_ d: Int) -> Z3Term { _ = terms(d); return sels[d] }

    /// The snapshot a determinism check chose at depth `d`, in a model.
    func determinismSnapshot(_ m: Z3Model, _ d: Int) -> Snapshot {
        _ = terms(d)
        var snapshot = Snapshot()
        for case let e? in sym.detObs.entries(dets[d], in: m, at: { self.at($0, d) }) { snapshot.values[e.key] = e.word }
        return snapshot
    }

    /// States `i` and `j` differ (the simple-path constraint).
    func distinct(_ i: Int, _ j: Int) -> Z3Term {
        let a = state(i), b = state(j)
        return ctx.or(zip(a.all, b.all).map { ctx.not(ctx.eq($0, $1)) })
    }

    /// The choices of the first `steps` steps in a model of this path, as
    /// the explicit engine records them, and the initial state packed.
    func choices(_ m: Z3Model, steps: Int) -> (initial: [UInt64], choices: [StepChoice])? {
        let system = sym.system
        let frame = system.makeFrame()
        for (i, t) in state(0).all.enumerated() {
            guard let v = m.value(t) else { return nil }
            frame.vars[i] = Word.encode(v)
        }
        var packed = [UInt64](repeating: 0, count: system.layout.words)
        let ok = packed.withUnsafeMutableBufferPointer { system.layout.pack(frame.vars, into: $0.baseAddress!) }
        guard ok else { return nil }
        var out: [StepChoice] = []
        for d in 0..<steps {
            _ = terms(d)
            guard case .int(let i)? = m.value(sels[d]), i >= 0, Int(i) < system.instances.count else { return nil }
            var snapshot = Snapshot()
            for e in sym.stepObs.entries(stepObs[d], in: m, at: { self.at($0, d) }) {
                guard let e else { return nil }
                snapshot.values[e.key] = e.word
            }
            var any: [Int64] = []
            for t in stepAny[d][Int(i)] {
                guard let v = m.value(t) else { return nil }
                any.append(Word.encode(v))
            }
            out.append(StepChoice(instance: Int(i), snapshot: snapshot, any: any))
        }
        return (packed, out)
    }
}
