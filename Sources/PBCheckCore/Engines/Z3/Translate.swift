/// A value during translation: a known word (constant-folded) or a Z3 term.
/// Folding keeps queries small: in the explicit engine every variable is
/// known, so only the parts that read observations reach Z3.
public struct SMTValue {
    /// The folded word, when the value is known.
    public var word: Int64?
    /// The term, when it is not. (Two optionals rather than an enum with a
    /// class payload: Swift 6.3's optimizer crashes on the latter here.)
    public var symbolic: Z3Term?
    public var isBool: Bool

    public static func word(_ w: Int64, bool: Bool) -> SMTValue { SMTValue(word: w, symbolic: nil, isBool: bool) }
    public static func term(_ t: Z3Term, bool: Bool) -> SMTValue { SMTValue(word: nil, symbolic: t, isBool: bool) }
}

/// A translated expression: its value, and when it is defined (no division
/// by zero, key outside its set, or min/max of an empty set on the path
/// actually evaluated). `defined == nil` means always.
public struct Translated {
    public var value: SMTValue
    public var defined: Z3Term?
}

/// Where a translation reads state and observations. The explicit engine
/// answers with known words; the symbolic engine with Z3 constants.
public protocol SMTEnvironment {
    /// The value of variable slot `slot` (0-based, as `VariableInfo.slot`).
    func variable(_ slot: Int) -> SMTValue
    /// The control state's index.
    func control() -> SMTValue
    /// An observation, keyed by a known key word (nil when not keyed).
    func observation(_ o: Int, key: Int64?) -> SMTValue
    /// An undeclared keyed observation read at the key `keyTerm` stands
    /// for: a fresh value, equal to every other read of the family at an
    /// equal key.
    func observation(_ o: Int, keyTerm: Z3Term) -> SMTValue
}

/// Translates typed expressions into Z3 terms with the semantics of SPEC §2:
/// mathematical integers (no wrap-around; folding that would overflow 64
/// bits builds the term instead), truncating division, short-circuit
/// definedness for `&&`, `||`, `=>`, `?:`, `all`, `any`.
public struct SMTTranslator {
    public let ctx: Z3Context
    public let model: TypedModel
    let setWords: [[Int64]]
    let stateSymbols: [Int64]
    public var locals: [Int: SMTValue] = [:]
    var freshCount = 0

    public init(ctx: Z3Context, model: TypedModel) {
        self.ctx = ctx
        self.model = model
        setWords = model.sets.map { $0.elements.map(Word.encode) }
        stateSymbols = model.enums[model.stateEnum].values.map { Int64($0) }
    }

    public func term(_ v: SMTValue) -> Z3Term {
        if let w = v.word { return v.isBool ? ctx.bool(w != 0) : ctx.int(w) }
        return v.symbolic ?? ctx.bool(false)
    }

    func conj(_ a: Z3Term?, _ b: Z3Term?) -> Z3Term? {
        guard let a else { return b }
        guard let b else { return a }
        return ctx.and([a, b])
    }

    /// `cond ⇒ d`, for definedness under a short-circuit.
    func guarded(_ cond: Z3Term, _ d: Z3Term?) -> Z3Term? { d.map { ctx.implies(cond, $0) } }

    func undefined(bool: Bool) -> Translated { Translated(value: .word(0, bool: bool), defined: ctx.bool(false)) }

    /// `k == element_i` for each element of a set, and the value chosen by
    /// the matching element (the last one when none matches; the caller's
    /// definedness excludes that case).
    func select(_ key: Z3Term, in set: Int, _ pick: (Int, Int64) -> SMTValue) -> Translated {
        select(key, among: setWords[set], isBoolKey: model.sets[set].elementType == .bool, pick)
    }

    func select(_ key: Z3Term, among elements: [Int64], isBoolKey: Bool, _ pick: (Int, Int64) -> SMTValue) -> Translated {
        guard !elements.isEmpty else { return undefined(bool: false) }
        let matches = elements.map { ctx.eq(key, term(.word($0, bool: isBoolKey))) }
        var result = pick(elements.count - 1, elements[elements.count - 1])
        var value = term(result)
        for i in stride(from: elements.count - 2, through: 0, by: -1) {
            let v = pick(i, elements[i])
            result.isBool = v.isBool
            value = ctx.ite(matches[i], term(v), value)
        }
        return Translated(value: .term(value, bool: result.isBool), defined: ctx.or(matches))
    }

    public mutating func translate<E: SMTEnvironment>(_ e: TExpr, _ env: E) -> Translated {
        switch e {
        case .lit(let v):
            if case .bool = v { return Translated(value: .word(Word.encode(v), bool: true), defined: nil) }
            return Translated(value: .word(Word.encode(v), bool: false), defined: nil)
        case .variable(let v):
            return Translated(value: env.variable(model.variables[v].slot), defined: nil)
        case .keyedVariable(let v, let k, _):
            let info = model.variables[v]
            let key = translate(k, env)
            guard let ks = info.keySet else { return undefined(bool: info.domain == .bool) }
            if let w = key.value.word {
                guard let p = setWords[ks].firstIndex(of: w) else { return undefined(bool: info.domain == .bool) }
                return Translated(value: env.variable(info.slot + p), defined: key.defined)
            }
            let chosen = select(term(key.value), in: ks) { p, _ in env.variable(info.slot + p) }
            return Translated(value: chosen.value, defined: conj(key.defined, chosen.defined))
        case .observation(let o):
            return Translated(value: env.observation(o, key: nil), defined: nil)
        case .keyedObservation(let o, let k, _):
            let info = model.observations[o]
            let key = translate(k, env)
            if let w = key.value.word {
                if let ks = info.keySet, !setWords[ks].contains(w) { return undefined(bool: info.domain == .bool) }
                return Translated(value: env.observation(o, key: w), defined: key.defined)
            }
            guard let ks = info.keySet else {
                // An undeclared family keyed by an enum: one value per key
                // the type allows. Keyed otherwise: one value per read,
                // equal at equal keys.
                if case .enumeration(let e)? = info.keyType {
                    let keys = model.enums[e].values.map { Int64($0) }
                    let chosen = select(term(key.value), among: keys, isBoolKey: false) { _, w in env.observation(o, key: w) }
                    return Translated(value: chosen.value, defined: key.defined)
                }
                return Translated(value: env.observation(o, keyTerm: term(key.value)), defined: key.defined)
            }
            let chosen = select(term(key.value), in: ks) { _, w in env.observation(o, key: w) }
            return Translated(value: chosen.value, defined: conj(key.defined, chosen.defined))
        case .local(let i):
            return Translated(value: locals[i] ?? .word(0, bool: false), defined: nil)
        case .state:
            let c = env.control()
            if let w = c.word { return Translated(value: .word(stateSymbols[Int(w)], bool: false), defined: nil) }
            let chosen = stateSymbols.indices.reversed().dropFirst().reduce(ctx.int(stateSymbols.last ?? 0)) { acc, i in
                ctx.ite(ctx.eq(term(c), ctx.int(Int64(i))), ctx.int(stateSymbols[i]), acc)
            }
            return Translated(value: .term(chosen, bool: false), defined: nil)
        case .inState(let marks):
            let c = env.control()
            if let w = c.word { return Translated(value: .word(marks[Int(w)] ? 1 : 0, bool: true), defined: nil) }
            let cases = marks.indices.filter { marks[$0] }.map { ctx.eq(term(c), ctx.int(Int64($0))) }
            return Translated(value: .term(ctx.or(cases), bool: true), defined: nil)
        case .not(let a):
            let x = translate(a, env)
            if let w = x.value.word { return Translated(value: .word(w == 0 ? 1 : 0, bool: true), defined: x.defined) }
            return Translated(value: .term(ctx.not(term(x.value)), bool: true), defined: x.defined)
        case .negate(let a, _):
            let x = translate(a, env)
            if let w = x.value.word, w != .min { return Translated(value: .word(-w, bool: false), defined: x.defined) }
            return Translated(value: .term(ctx.neg(term(x.value)), bool: false), defined: x.defined)
        case .arith(let op, let a, let b, let loc):
            let x = translate(a, env), y = translate(b, env)
            let defined = conj(x.defined, y.defined)
            if let i = x.value.word, let j = y.value.word {
                if (op == .div || op == .mod) && j == 0 { return Translated(value: .word(0, bool: false), defined: ctx.bool(false)) }
                if let r = try? Evaluator.arith(op, i, j, loc) { return Translated(value: .word(r, bool: false), defined: defined) }
            }
            let s = term(x.value), t = term(y.value)
            switch op {
            case .add: return Translated(value: .term(ctx.add(s, t), bool: false), defined: defined)
            case .sub: return Translated(value: .term(ctx.sub(s, t), bool: false), defined: defined)
            case .mul: return Translated(value: .term(ctx.mul(s, t), bool: false), defined: defined)
            case .div, .mod:
                let nonzero: Z3Term? = y.value.word.map { $0 == 0 ? ctx.bool(false) : nil } ?? ctx.not(ctx.eq(t, ctx.int(0)))
                let r = op == .div ? ctx.truncDiv(s, t) : ctx.truncMod(s, t)
                return Translated(value: .term(r, bool: false), defined: conj(defined, nonzero))
            }
        case .compare(let op, let a, let b):
            let x = translate(a, env), y = translate(b, env)
            let defined = conj(x.defined, y.defined)
            if let i = x.value.word, let j = y.value.word {
                let r: Bool
                switch op {
                case .eq: r = i == j
                case .ne: r = i != j
                case .lt: r = i < j
                case .le: r = i <= j
                case .gt: r = i > j
                case .ge: r = i >= j
                }
                return Translated(value: .word(r ? 1 : 0, bool: true), defined: defined)
            }
            var x1 = x.value, y1 = y.value
            x1.isBool = x.value.isBool || y.value.isBool
            y1.isBool = x1.isBool
            let s = term(x1), t = term(y1)
            let r: Z3Term
            switch op {
            case .eq: r = ctx.eq(s, t)
            case .ne: r = ctx.not(ctx.eq(s, t))
            case .lt: r = ctx.lt(s, t)
            case .le: r = ctx.le(s, t)
            case .gt: r = ctx.gt(s, t)
            case .ge: r = ctx.ge(s, t)
            }
            return Translated(value: .term(r, bool: true), defined: defined)
        case .and(let a, let b):
            return shortCircuit(translate(a, env), stopOn: false) { $0.translate(b, env) }
        case .or(let a, let b):
            return shortCircuit(translate(a, env), stopOn: true) { $0.translate(b, env) }
        case .implies(let a, let b):
            let x = translate(a, env)
            let notX: Translated
            if let w = x.value.word { notX = Translated(value: .word(w == 0 ? 1 : 0, bool: true), defined: x.defined) }
            else { notX = Translated(value: .term(ctx.not(term(x.value)), bool: true), defined: x.defined) }
            return shortCircuit(notX, stopOn: true) { $0.translate(b, env) }
        case .conditional(let c, let a, let b):
            let z = translate(c, env)
            if let w = z.value.word {
                let branch = translate(w != 0 ? a : b, env)
                return Translated(value: branch.value, defined: conj(z.defined, branch.defined))
            }
            let x = translate(a, env), y = translate(b, env)
            let isBool = x.value.isBool || y.value.isBool
            var xv = x.value, yv = y.value
            xv.isBool = isBool
            yv.isBool = isBool
            let cond = term(z.value)
            var branchDefined: Z3Term?
            if x.defined != nil || y.defined != nil {
                branchDefined = ctx.ite(cond, x.defined ?? ctx.bool(true), y.defined ?? ctx.bool(true))
            }
            return Translated(value: .term(ctx.ite(cond, term(xv), term(yv)), bool: isBool),
                              defined: conj(z.defined, branchDefined))
        case .contains(let a, let b):
            let x = translate(a, env), y = translate(b, env)
            let defined = conj(x.defined, y.defined)
            let names = model.symbols.names
            func holds(_ s: Int64, _ t: Int64) -> Bool {
                s >= 0 && t >= 0 && s < names.count && t < names.count && stringContains(names[Int(s)], names[Int(t)])
            }
            if let s = x.value.word, let t = y.value.word {
                return Translated(value: .word(holds(s, t) ? 1 : 0, bool: true), defined: defined)
            }
            // Every string value is a symbol (open observations range over
            // the open string universe), so substring is a finite table.
            let all = Int64(0)..<Int64(names.count)
            let lefts = x.value.word.map { [$0] } ?? Array(all)
            let rights = y.value.word.map { [$0] } ?? Array(all)
            var cases: [Z3Term] = []
            for s in lefts {
                let hits = rights.filter { holds(s, $0) }
                guard !hits.isEmpty else { continue }
                var parts: [Z3Term] = []
                if x.value.word == nil { parts.append(ctx.eq(term(x.value), ctx.int(s))) }
                if y.value.word == nil && hits.count < rights.count {
                    parts.append(ctx.or(hits.map { ctx.eq(term(y.value), ctx.int($0)) }))
                }
                cases.append(ctx.and(parts))
            }
            return Translated(value: .term(ctx.or(cases), bool: true), defined: defined)
        case .member(let a, let set):
            let x = translate(a, env)
            if let w = x.value.word { return Translated(value: .word(setWords[set].contains(w) ? 1 : 0, bool: true), defined: x.defined) }
            let isBool = model.sets[set].elementType == .bool
            let t = term(x.value)
            return Translated(value: .term(ctx.or(setWords[set].map { ctx.eq(t, term(.word($0, bool: isBool))) }), bool: true),
                              defined: x.defined)
        case .aggregate(let kind, let set, let slot, let body, _):
            return aggregate(kind, set, slot, body, env)
        case .abs(let a, _):
            let x = translate(a, env)
            if let w = x.value.word, w != .min { return Translated(value: .word(Swift.abs(w), bool: false), defined: x.defined) }
            return Translated(value: .term(ctx.abs(term(x.value)), bool: false), defined: x.defined)
        case .min2(let a, let b):
            return minMax(translate(a, env), translate(b, env), min: true)
        case .max2(let a, let b):
            return minMax(translate(a, env), translate(b, env), min: false)
        }
    }

    mutating func aggregate<E: SMTEnvironment>(_ kind: AggregateKind, _ set: Int, _ slot: Int, _ body: TExpr, _ env: E) -> Translated {
        let saved = locals[slot]
        defer { locals[slot] = saved }
        let isBoolEl = model.sets[set].elementType == .bool
        let elements = setWords[set]
        switch kind {
        case .all, .any:
            // Left to right, stopping as soon as the result is known.
            return chain(kind == .any, elements, 0, slot, isBoolEl, body, env)
        case .count, .sum:
            var total = Translated(value: .word(0, bool: false), defined: nil)
            for el in elements {
                locals[slot] = .word(el, bool: isBoolEl)
                let x = translate(body, env)
                let v: SMTValue
                if kind == .count {
                    if let w = x.value.word { v = .word(w != 0 ? 1 : 0, bool: false) }
                    else { v = .term(ctx.ite(term(x.value), ctx.int(1), ctx.int(0)), bool: false) }
                } else {
                    v = x.value
                }
                total.defined = conj(total.defined, x.defined)
                if let a = total.value.word, let b = v.word, case (let r, false) = a.addingReportingOverflow(b) {
                    total.value = .word(r, bool: false)
                } else {
                    total.value = .term(ctx.add(term(total.value), term(v)), bool: false)
                }
            }
            return total
        case .min, .max:
            guard !elements.isEmpty else { return undefined(bool: false) }
            var best: Translated?
            for el in elements {
                locals[slot] = .word(el, bool: isBoolEl)
                let x = translate(body, env)
                best = best.map { minMax($0, x, min: kind == .min) } ?? x
            }
            return best ?? undefined(bool: false)
        }
    }

    private mutating func chain<E: SMTEnvironment>(_ isAny: Bool, _ elements: [Int64], _ i: Int, _ slot: Int, _ isBoolEl: Bool,
                                                   _ body: TExpr, _ env: E) -> Translated {
        if i == elements.count { return Translated(value: .word(isAny ? 0 : 1, bool: true), defined: nil) }
        locals[slot] = .word(elements[i], bool: isBoolEl)
        let x = translate(body, env)
        return shortCircuit(x, stopOn: isAny) { $0.chain(isAny, elements, i + 1, slot, isBoolEl, body, env) }
    }

    func minMax(_ x: Translated, _ y: Translated, min: Bool) -> Translated {
        let defined = conj(x.defined, y.defined)
        if let i = x.value.word, let j = y.value.word {
            return Translated(value: .word(min ? Swift.min(i, j) : Swift.max(i, j), bool: false), defined: defined)
        }
        let s = term(x.value), t = term(y.value)
        return Translated(value: .term(ctx.ite(min ? ctx.le(s, t) : ctx.ge(s, t), s, t), bool: false), defined: defined)
    }

    /// `x && rest` (stopOn false) or `x || rest` (stopOn true): `rest` is
    /// translated only when `x` does not decide, and is defined only where
    /// it is evaluated.
    mutating func shortCircuit(_ x: Translated, stopOn: Bool, _ rest: (inout SMTTranslator) -> Translated) -> Translated {
        if let w = x.value.word {
            if (w != 0) == stopOn { return Translated(value: .word(stopOn ? 1 : 0, bool: true), defined: x.defined) }
            let y = rest(&self)
            return Translated(value: y.value, defined: conj(x.defined, y.defined))
        }
        let y = rest(&self)
        let s = term(x.value), t = term(y.value)
        let continues = stopOn ? ctx.not(s) : s
        let value = stopOn ? ctx.or([s, t]) : ctx.and([s, t])
        return Translated(value: .term(value, bool: true), defined: conj(x.defined, guarded(continues, y.defined)))
    }
}

extension TypedModel {
    /// `t` lies in `domain` (an open string ranges over its universe).
    public func constraint(_ t: Z3Term, in domain: Domain, _ ctx: Z3Context) -> Z3Term {
        switch domain {
        case .bool, .int(nil): return ctx.bool(true)
        case .int(let r?): return ctx.and([ctx.ge(t, ctx.int(r.lowerBound)), ctx.le(t, ctx.int(r.upperBound))])
        case .enumeration(let e):
            let values = enums[e].values.map { Int64($0) }
            return ctx.or(values.map { ctx.eq(t, ctx.int($0)) })
        }
    }
}
