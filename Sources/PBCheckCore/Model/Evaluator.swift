/// Why an expression could not be evaluated (SPEC §3.1 evaluation errors,
/// and the 64-bit limit of §2).
public enum EvalError: Error, Hashable, Sendable {
    case divisionByZero(SourceLoc)
    case keyOutsideSet(SourceLoc, Value)
    case emptyAggregate(SourceLoc)
    /// A value beyond 64 bits: a limit of this engine, not a violation.
    case overflow(SourceLoc)

    public var loc: SourceLoc {
        switch self {
        case .divisionByZero(let l), .keyOutsideSet(let l, _), .emptyAggregate(let l), .overflow(let l): return l
        }
    }
}

/// What an expression reads: control state, variables, observations.
public protocol EvalContext {
    var controlState: Int { get }
    func variable(_ slot: Int) -> Value
    func observation(_ slot: Int) -> Value
}

/// Evaluates typed expressions with mathematical integer semantics:
/// division truncates toward zero, and anything that does not fit in 64
/// bits is reported as `.overflow`, never wrapped and never trapped.
public struct Evaluator {
    public let model: TypedModel

    public init(model: TypedModel) { self.model = model }

    public func eval<C: EvalContext>(_ e: TExpr, _ c: C, _ locals: inout [Value]) throws(EvalError) -> Value {
        switch e {
        case .lit(let v): return v
        case .variable(let v): return c.variable(model.variables[v].slot)
        case .keyedVariable(let v, let k, let loc):
            let info = model.variables[v]
            return c.variable(info.slot + (try keyIndex(info.keySet, k, c, &locals, loc)))
        case .observation(let o): return c.observation(model.observationSlots[o])
        case .keyedObservation(let o, let k, let loc):
            let key = try eval(k, c, &locals)
            if let ks = model.observations[o].keySet {
                guard let i = model.sets[ks].position(of: key) else { throw .keyOutsideSet(loc, key) }
                return c.observation(model.observationSlots[o] + i)
            }
            // Undeclared keyed observations read one slot per key value seen
            // by the engine; the context resolves it.
            return c.observation(model.observationSlots[o])
        case .local(let i): return locals[i]
        case .state: return .sym(model.enums[model.stateEnum].values[c.controlState])
        case .inState(let marks): return .bool(marks[c.controlState])
        case .not(let a): return .bool(!(try bool(a, c, &locals)))
        case .negate(let a, let loc):
            let (r, o) = Int64(0).subtractingReportingOverflow(try int(a, c, &locals))
            if o { throw .overflow(loc) }
            return .int(r)
        case .arith(let op, let a, let b, let loc):
            let x = try int(a, c, &locals), y = try int(b, c, &locals)
            return .int(try Evaluator.arith(op, x, y, loc))
        case .compare(let op, let a, let b):
            let x = try eval(a, c, &locals), y = try eval(b, c, &locals)
            switch op {
            case .eq: return .bool(x == y)
            case .ne: return .bool(x != y)
            default:
                guard case .int(let i) = x, case .int(let j) = y else { return .bool(false) }
                switch op {
                case .lt: return .bool(i < j)
                case .le: return .bool(i <= j)
                case .gt: return .bool(i > j)
                default: return .bool(i >= j)
                }
            }
        case .and(let a, let b): return .bool(try bool(a, c, &locals) ? try bool(b, c, &locals) : false)
        case .or(let a, let b): return .bool(try bool(a, c, &locals) ? true : try bool(b, c, &locals))
        case .implies(let a, let b): return .bool(try bool(a, c, &locals) ? try bool(b, c, &locals) : true)
        case .conditional(let cond, let a, let b):
            return try bool(cond, c, &locals) ? try eval(a, c, &locals) : try eval(b, c, &locals)
        case .contains(let a, let b):
            let x = try eval(a, c, &locals), y = try eval(b, c, &locals)
            return .bool(stringContains(model.describe(x), model.describe(y)))
        case .member(let a, let set):
            return .bool(model.sets[set].position(of: try eval(a, c, &locals)) != nil)
        case .aggregate(let kind, let set, let slot, let body, let loc):
            if locals.count <= slot { locals += Array(repeating: .bool(false), count: slot + 1 - locals.count) }
            let saved = locals[slot]
            defer { locals[slot] = saved }
            let elements = model.sets[set].elements
            switch kind {
            case .all, .any:
                for el in elements {
                    locals[slot] = el
                    let v = try bool(body, c, &locals)
                    if kind == .all && !v { return .bool(false) }
                    if kind == .any && v { return .bool(true) }
                }
                return .bool(kind == .all)
            case .count:
                var n: Int64 = 0
                for el in elements {
                    locals[slot] = el
                    if try bool(body, c, &locals) { n += 1 }
                }
                return .int(n)
            case .sum:
                var total: Int64 = 0
                for el in elements {
                    locals[slot] = el
                    let (r, o) = total.addingReportingOverflow(try int(body, c, &locals))
                    if o { throw .overflow(loc) }
                    total = r
                }
                return .int(total)
            case .min, .max:
                guard !elements.isEmpty else { throw .emptyAggregate(loc) }
                var best: Int64?
                for el in elements {
                    locals[slot] = el
                    let v = try int(body, c, &locals)
                    if let b = best { best = kind == .min ? Swift.min(b, v) : Swift.max(b, v) } else { best = v }
                }
                return .int(best ?? 0)
            }
        case .abs(let a, let loc):
            let v = try int(a, c, &locals)
            if v == Int64.min { throw .overflow(loc) }
            return .int(Swift.abs(v))
        case .min2(let a, let b): return .int(Swift.min(try int(a, c, &locals), try int(b, c, &locals)))
        case .max2(let a, let b): return .int(Swift.max(try int(a, c, &locals), try int(b, c, &locals)))
        }
    }

    public func bool<C: EvalContext>(_ e: TExpr, _ c: C, _ locals: inout [Value]) throws(EvalError) -> Bool {
        if case .bool(let b) = try eval(e, c, &locals) { return b }
        return false
    }

    public func int<C: EvalContext>(_ e: TExpr, _ c: C, _ locals: inout [Value]) throws(EvalError) -> Int64 {
        if case .int(let i) = try eval(e, c, &locals) { return i }
        return 0
    }

    func keyIndex<C: EvalContext>(_ keySet: Int?, _ k: TExpr, _ c: C, _ locals: inout [Value], _ loc: SourceLoc) throws(EvalError) -> Int {
        let key = try eval(k, c, &locals)
        guard let ks = keySet, let i = model.sets[ks].position(of: key) else { throw .keyOutsideSet(loc, key) }
        return i
    }

    /// Integer arithmetic of SPEC §2: truncating division, errors for
    /// division by zero and for results beyond 64 bits.
    public static func arith(_ op: ArithOp, _ x: Int64, _ y: Int64, _ loc: SourceLoc) throws(EvalError) -> Int64 {
        let r: (partialValue: Int64, overflow: Bool)
        switch op {
        case .add: r = x.addingReportingOverflow(y)
        case .sub: r = x.subtractingReportingOverflow(y)
        case .mul: r = x.multipliedReportingOverflow(by: y)
        case .div:
            if y == 0 { throw .divisionByZero(loc) }
            r = x.dividedReportingOverflow(by: y)
        case .mod:
            if y == 0 { throw .divisionByZero(loc) }
            // Int64.min % -1 is 0 mathematically; Swift reports overflow.
            if y == -1 { return 0 }
            r = x.remainderReportingOverflow(dividingBy: y)
        }
        if r.overflow { throw .overflow(loc) }
        return r.partialValue
    }
}
