/// The bit-vector width that holds every integer the symbolic encoding of
/// a model computes, for models whose every domain is finite.
///
/// An interval analysis over every expression the encoding translates
/// (guards, effects and their keys, invariants, contracts): each variable,
/// observation, parameter and aggregate variable ranges over its domain,
/// and each operation's result over the interval its operands give. Every
/// state the encoding reasons about lies in the domains (BMC's initial
/// states and steps, k-induction's asserted domains, the steps' choices
/// and observations constrained by their side conditions), so no value of
/// any term whose truth matters leaves these intervals, and signed
/// bit-vectors one bit wider than the largest magnitude (plus the sign)
/// never wrap: their answers are the mathematical integers' answers.
///
/// nil when some domain is unbounded or the width would exceed `maxWidth`
/// (wide multipliers make bit-blasting slow; Z3's integers serve then).
enum BitWidth {
    static let maxWidth: UInt32 = 32

    /// A closed interval of words; nil operands and overflow make nil.
    struct Interval {
        var lo: Int64
        var hi: Int64
        static let bool = Interval(lo: 0, hi: 1)
        init(lo: Int64, hi: Int64) { self.lo = lo; self.hi = hi }
        init(_ w: Int64) { lo = w; hi = w }
        func hull(_ o: Interval) -> Interval { Interval(lo: Swift.min(lo, o.lo), hi: Swift.max(hi, o.hi)) }
        /// The largest magnitude, nil past 62 bits.
        var magnitude: Int64? {
            guard lo > Int64.min / 4, hi < Int64.max / 4 else { return nil }
            return Swift.max(Swift.abs(lo), Swift.abs(hi))
        }
    }

    static func of(_ system: TransitionSystem) -> UInt32? {
        var a = Analysis(system: system)
        guard a.run(), let m = a.largest else { return nil }
        // Bits for the magnitude, one for the sign, one to spare (so no
        // value reaches the most negative word, where negation wraps).
        let bits = UInt32(64 - m.leadingZeroBitCount) + 2
        let width = Swift.max(bits, 4)
        return width <= maxWidth ? width : nil
    }

    struct Analysis {
        let system: TransitionSystem
        var model: TypedModel { system.model }
        /// The largest magnitude seen so far.
        var largest: Int64? = 0
        /// The values of every parameter and aggregate variable: every
        /// set's elements (and 0, the translation's default).
        var locals = Interval(0)

        init(system: TransitionSystem) { self.system = system }

        mutating func see(_ i: Interval?) -> Interval? {
            guard let i, let m = i.magnitude, let l = largest else { largest = nil; return nil }
            largest = Swift.max(l, m)
            return i
        }

        func domain(_ d: Domain) -> Interval? {
            switch d {
            case .bool: return .bool
            case .int(nil): return nil
            case .int(let r?): return Interval(lo: r.lowerBound, hi: r.upperBound)
            case .enumeration(let e):
                let values = model.enums[e].values.map { Int64($0) }
                guard let lo = values.min(), let hi = values.max() else { return Interval(0) }
                return Interval(lo: lo, hi: hi)
            }
        }

        /// Every expression and constant of the encoding; false where one is unbounded.
        mutating func run() -> Bool {
            // Symbols (enum values, state ids, strings), control states, instance selectors.
            _ = see(Interval(lo: 0, hi: Int64(model.symbols.names.count)))
            _ = see(Interval(lo: -1, hi: Int64(Swift.max(model.states.count, system.instances.count))))
            for set in model.sets {
                for v in set.elements { locals = locals.hull(Interval(Word.encode(v))) }
            }
            _ = see(locals)
            for v in model.variables { guard see(domain(v.domain)) != nil else { return false } }
            for o in model.observations { guard see(domain(o.domain)) != nil else { return false } }
            for t in model.transitions {
                if let g = t.guardExpr { guard bounds(g) != nil else { return false } }
                for e in t.effects {
                    if let k = e.key { guard bounds(k) != nil else { return false } }
                    if let x = e.value { guard bounds(x) != nil else { return false } }
                }
            }
            for (_, inv) in invariantsByProperty(model, system) { guard bounds(inv.condition) != nil else { return false } }
            for contracts in system.entryContracts {
                for c in contracts { guard bounds(c.expr) != nil else { return false } }
            }
            return largest != nil
        }

        /// The interval of `e`'s value (a boolean is 0...1); nil when unbounded.
        mutating func bounds(_ e: TExpr) -> Interval? {
            switch e {
            case .lit(let v): return see(Interval(Word.encode(v)))
            case .variable(let v): return see(domain(model.variables[v].domain))
            case .keyedVariable(let v, let k, _):
                guard bounds(k) != nil else { return nil }
                return see(domain(model.variables[v].domain))
            case .observation(let o): return see(domain(model.observations[o].domain))
            case .keyedObservation(let o, let k, _):
                guard bounds(k) != nil else { return nil }
                return see(domain(model.observations[o].domain))
            case .local: return see(locals)
            case .state: return see(Interval(lo: 0, hi: Int64(model.symbols.names.count)))
            case .inState: return .bool
            case .not(let a):
                guard bounds(a) != nil else { return nil }
                return .bool
            case .negate(let a, _):
                guard let x = bounds(a), x.magnitude != nil else { return nil }
                return see(Interval(lo: -x.hi, hi: -x.lo))
            case .arith(let op, let a, let b, _):
                guard let x = bounds(a), let y = bounds(b), x.magnitude != nil, y.magnitude != nil else { return nil }
                switch op {
                case .add: return see(Interval(lo: x.lo + y.lo, hi: x.hi + y.hi))
                case .sub: return see(Interval(lo: x.lo - y.hi, hi: x.hi - y.lo))
                case .mul:
                    var products: [Int64] = []
                    for p in [x.lo, x.hi] {
                        for q in [y.lo, y.hi] {
                            let (r, overflow) = p.multipliedReportingOverflow(by: q)
                            if overflow { largest = nil; return nil }
                            products.append(r)
                        }
                    }
                    return see(Interval(lo: products.min() ?? 0, hi: products.max() ?? 0))
                case .div, .mod:
                    // |a / b| and |a % b| are at most |a|.
                    guard let m = x.magnitude else { return nil }
                    return see(Interval(lo: -m, hi: m))
                }
            case .compare(_, let a, let b), .and(let a, let b), .or(let a, let b), .implies(let a, let b),
                 .contains(let a, let b):
                guard bounds(a) != nil, bounds(b) != nil else { return nil }
                return .bool
            case .conditional(let c, let a, let b):
                guard bounds(c) != nil, let x = bounds(a), let y = bounds(b) else { return nil }
                return see(x.hull(y))
            case .member(let a, _):
                guard bounds(a) != nil else { return nil }
                return .bool
            case .aggregate(let kind, let set, _, let body, _):
                guard let x = bounds(body), x.magnitude != nil else { return nil }
                let n = Int64(model.sets[set].elements.count)
                switch kind {
                case .all, .any: return .bool
                case .count: return see(Interval(lo: 0, hi: n))
                case .sum:
                    // Every partial sum of up to n terms.
                    let (lo, o1) = Swift.min(x.lo, 0).multipliedReportingOverflow(by: n)
                    let (hi, o2) = Swift.max(x.hi, 0).multipliedReportingOverflow(by: n)
                    if o1 || o2 { largest = nil; return nil }
                    return see(Interval(lo: lo, hi: hi))
                case .min, .max: return x
                }
            case .abs(let a, _):
                guard let x = bounds(a), let m = x.magnitude else { return nil }
                return see(Interval(lo: 0, hi: m))
            case .min2(let a, let b), .max2(let a, let b):
                guard let x = bounds(a), let y = bounds(b) else { return nil }
                return see(x.hull(y))
            }
        }
    }
}
