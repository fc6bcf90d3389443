/// Typed expressions compiled once into closures over a flat frame of
/// 64-bit words, so the search never walks a tree or touches a dictionary.
///
/// How a key word becomes a position in its set: arithmetic for integer
/// ranges, a table for symbols, a dictionary otherwise.
struct KeyIndex: Sendable {
    private enum Strategy: Sendable {
        case range(lo: Int64, count: Int)
        case table([Int32])   // symbol id → position, -1 if absent
        case map([Int64: Int])
    }
    private let strategy: Strategy

    init(_ set: SetInfo, symbolCount: Int) {
        let words = set.elements.map(Word.encode)
        if case .int = set.elementType, let lo = words.first,
           words.enumerated().allSatisfy({ $0.element == lo + Int64($0.offset) }) {
            strategy = .range(lo: lo, count: words.count)
        } else if set.elementType != .int, set.elementType != .bool, words.allSatisfy({ $0 >= 0 && $0 < symbolCount }) {
            var table = [Int32](repeating: -1, count: symbolCount)
            for (i, w) in words.enumerated() { table[Int(w)] = Int32(i) }
            strategy = .table(table)
        } else {
            var m: [Int64: Int] = [:]
            for (i, w) in words.enumerated() { m[w] = i }
            strategy = .map(m)
        }
    }

    @inline(__always) func position(_ w: Int64) -> Int? {
        switch strategy {
        case .range(let lo, let count):
            let (d, o) = w.subtractingReportingOverflow(lo)
            return !o && d >= 0 && d < Int64(count) ? Int(d) : nil
        case .table(let t):
            guard w >= 0 && w < Int64(t.count) else { return nil }
            let p = t[Int(w)]
            return p < 0 ? nil : Int(p)
        case .map(let m): return m[w]
        }
    }
}

/// Compiles `TExpr` trees of one model. Also records facts the engines
/// need about each expression: whether it reads observations, the control
/// state, and which variable slots.
public struct ExprCompiler {
    public let model: TypedModel
    let keyIndex: [KeyIndex]
    let stateSymbols: [Int64]
    let setWords: [[Int64]]
    let setMembers: [Set<Int64>]
    /// One past the highest local slot any compiled expression uses.
    public private(set) var localCount = 0

    public init(model: TypedModel) {
        self.model = model
        let n = model.symbols.names.count
        keyIndex = model.sets.map { KeyIndex($0, symbolCount: n) }
        stateSymbols = model.enums[model.stateEnum].values.map { Int64($0) }
        setWords = model.sets.map { $0.elements.map(Word.encode) }
        setMembers = setWords.map(Set.init)
    }

    func keyPosition(_ set: Int, _ w: Int64) -> Int? { keyIndex[set].position(w) }

    /// The default word of an observation that a snapshot does not mention.
    func defaultWord(_ o: Int) -> Int64 {
        switch model.observations[o].domain {
        case .bool: return 0
        case .int(let r): return r.map { max(0, min($0.upperBound, max($0.lowerBound, 0))) } ?? 0
        case .enumeration(let e): return model.enums[e].values.first.map { Int64($0) } ?? 0
        }
    }

    public mutating func compile(_ e: TExpr) -> CompiledExpr {
        switch e {
        case .lit(let v):
            let w = Word.encode(v)
            return { _ in w }
        case .variable(let v):
            let slot = model.variables[v].slot + 1
            return { f in f.vars[slot] }
        case .keyedVariable(let v, let k, let loc):
            let info = model.variables[v]
            let base = info.slot + 1
            let key = compile(k)
            guard let ks = info.keySet else { return { _ throws(EvalError) in throw .keyOutsideSet(loc, .int(0)) } }
            let index = keyIndex[ks]
            let keyType = model.sets[ks].elementType
            if case .local(let l) = k {
                return { f throws(EvalError) in
                    let w = f.locals[l]
                    guard let p = index.position(w) else { throw .keyOutsideSet(loc, Word.decode(w, as: keyType)) }
                    return f.vars[base + p]
                }
            }
            return { f throws(EvalError) in
                let w = try key(f)
                guard let p = index.position(w) else { throw .keyOutsideSet(loc, Word.decode(w, as: keyType)) }
                return f.vars[base + p]
            }
        case .observation(let o):
            let d = defaultWord(o)
            return { f in f.snapshot.read(o, nil, default: d) }
        case .keyedObservation(let o, let k, let loc):
            let key = compile(k)
            let d = defaultWord(o)
            if let ks = model.observations[o].keySet {
                let index = keyIndex[ks]
                let keyType = model.sets[ks].elementType
                return { f throws(EvalError) in
                    let w = try key(f)
                    guard index.position(w) != nil else { throw .keyOutsideSet(loc, Word.decode(w, as: keyType)) }
                    return f.snapshot.read(o, w, default: d)
                }
            }
            return { f throws(EvalError) in f.snapshot.read(o, try key(f), default: d) }
        case .local(let i):
            localCount = max(localCount, i + 1)
            return { f in f.locals[i] }
        case .state:
            let syms = stateSymbols
            return { f in syms[Int(f.vars[0])] }
        case .inState(let marks):
            return { f in marks[Int(f.vars[0])] ? 1 : 0 }
        case .not(let a):
            let x = compile(a)
            return { f throws(EvalError) in try x(f) == 0 ? 1 : 0 }
        case .negate(let a, let loc):
            let x = compile(a)
            return { f throws(EvalError) in
                let (r, o) = Int64(0).subtractingReportingOverflow(try x(f))
                if o { throw .overflow(loc) }
                return r
            }
        case .arith(let op, let a, let b, let loc):
            let x = compile(a), y = compile(b)
            switch op {
            case .add:
                if case .lit(.int(let c)) = b {
                    return { f throws(EvalError) in
                        let (r, o) = try x(f).addingReportingOverflow(c)
                        if o { throw .overflow(loc) }
                        return r
                    }
                }
                return { f throws(EvalError) in
                    let (r, o) = try x(f).addingReportingOverflow(try y(f))
                    if o { throw .overflow(loc) }
                    return r
                }
            case .sub:
                return { f throws(EvalError) in
                    let (r, o) = try x(f).subtractingReportingOverflow(try y(f))
                    if o { throw .overflow(loc) }
                    return r
                }
            default:
                if case .lit(.int(let c)) = b {
                    return { f throws(EvalError) in try Evaluator.arith(op, try x(f), c, loc) }
                }
                return { f throws(EvalError) in try Evaluator.arith(op, try x(f), try y(f), loc) }
            }
        case .compare(let op, let a, let b):
            let x = compile(a), y = compile(b)
            switch op {
            case .eq:
                if case .lit(let v) = b {
                    let c = Word.encode(v)
                    return { f throws(EvalError) in try x(f) == c ? 1 : 0 }
                }
                return { f throws(EvalError) in try x(f) == (try y(f)) ? 1 : 0 }
            case .ne: return { f throws(EvalError) in try x(f) != (try y(f)) ? 1 : 0 }
            case .lt:
                if case .lit(.int(let c)) = b { return { f throws(EvalError) in try x(f) < c ? 1 : 0 } }
                return { f throws(EvalError) in try x(f) < (try y(f)) ? 1 : 0 }
            case .le: return { f throws(EvalError) in try x(f) <= (try y(f)) ? 1 : 0 }
            case .gt: return { f throws(EvalError) in try x(f) > (try y(f)) ? 1 : 0 }
            case .ge: return { f throws(EvalError) in try x(f) >= (try y(f)) ? 1 : 0 }
            }
        case .and(let a, let b):
            let x = compile(a), y = compile(b)
            return { f throws(EvalError) in try x(f) != 0 ? try y(f) : 0 }
        case .or(let a, let b):
            let x = compile(a), y = compile(b)
            return { f throws(EvalError) in try x(f) != 0 ? 1 : try y(f) }
        case .implies(let a, let b):
            let x = compile(a), y = compile(b)
            return { f throws(EvalError) in try x(f) != 0 ? try y(f) : 1 }
        case .conditional(let c, let a, let b):
            let z = compile(c), x = compile(a), y = compile(b)
            return { f throws(EvalError) in try z(f) != 0 ? try x(f) : try y(f) }
        case .contains(let a, let b):
            let x = compile(a), y = compile(b)
            let names = model.symbols.names
            return { f throws(EvalError) in
                let s = try x(f), t = try y(f)
                guard s >= 0, t >= 0, s < names.count, t < names.count else { return 0 }
                return stringContains(names[Int(s)], names[Int(t)]) ? 1 : 0
            }
        case .member(let a, let set):
            let x = compile(a)
            let members = setMembers[set]
            return { f throws(EvalError) in members.contains(try x(f)) ? 1 : 0 }
        case .aggregate(let kind, let set, let slot, let body, let loc):
            localCount = max(localCount, slot + 1)
            let x = compile(body)
            let elements = setWords[set]
            return { f throws(EvalError) in
                let saved = f.locals[slot]
                defer { f.locals[slot] = saved }
                switch kind {
                case .all, .any:
                    let stopOn: Int64 = kind == .all ? 0 : 1
                    for el in elements {
                        f.locals[slot] = el
                        if try x(f) == stopOn { return stopOn }
                    }
                    return 1 - stopOn
                case .count:
                    var n: Int64 = 0
                    for el in elements {
                        f.locals[slot] = el
                        if try x(f) != 0 { n += 1 }
                    }
                    return n
                case .sum:
                    var total: Int64 = 0
                    for el in elements {
                        f.locals[slot] = el
                        let (r, o) = total.addingReportingOverflow(try x(f))
                        if o { throw .overflow(loc) }
                        total = r
                    }
                    return total
                case .min, .max:
                    guard !elements.isEmpty else { throw .emptyAggregate(loc) }
                    var best: Int64 = kind == .min ? .max : .min
                    for el in elements {
                        f.locals[slot] = el
                        let v = try x(f)
                        best = kind == .min ? Swift.min(best, v) : Swift.max(best, v)
                    }
                    return best
                }
            }
        case .abs(let a, let loc):
            let x = compile(a)
            return { f throws(EvalError) in
                let v = try x(f)
                if v == .min { throw .overflow(loc) }
                return Swift.abs(v)
            }
        case .min2(let a, let b):
            let x = compile(a), y = compile(b)
            return { f throws(EvalError) in Swift.min(try x(f), try y(f)) }
        case .max2(let a, let b):
            let x = compile(a), y = compile(b)
            return { f throws(EvalError) in Swift.max(try x(f), try y(f)) }
        }
    }
}

/// What an expression reads, for deciding which path a step takes and
/// what a cached Z3 answer depends on.
public struct Reads: Sendable, Equatable {
    public var observations = false
    public var control = false
    public var slots = Set<Int>()
    /// Which observations (indices into `TypedModel.observations`).
    public var observed = Set<Int>()

    public mutating func formUnion(_ o: Reads) {
        observations = observations || o.observations
        observed.formUnion(o.observed)
        control = control || o.control
        slots.formUnion(o.slots)
    }

    public init() {}

    public init(_ e: TExpr, _ model: TypedModel) {
        visit(e, model)
    }

    private mutating func visit(_ e: TExpr, _ m: TypedModel) {
        switch e {
        case .lit, .local: break
        case .variable(let v): slots.insert(m.variables[v].slot)
        case .keyedVariable(let v, let k, _):
            let info = m.variables[v]
            slots.formUnion(info.slot..<(info.slot + info.slotCount))
            visit(k, m)
        case .observation(let o): observations = true; observed.insert(o)
        case .keyedObservation(let o, let k, _): observations = true; observed.insert(o); visit(k, m)
        case .state, .inState: control = true
        case .not(let a), .negate(let a, _), .abs(let a, _), .member(let a, _), .aggregate(_, _, _, let a, _): visit(a, m)
        case .arith(_, let a, let b, _), .compare(_, let a, let b), .and(let a, let b), .or(let a, let b),
             .implies(let a, let b), .contains(let a, let b), .min2(let a, let b), .max2(let a, let b):
            visit(a, m); visit(b, m)
        case .conditional(let c, let a, let b): visit(c, m); visit(a, m); visit(b, m)
        }
    }
}
