import CZ3
import Dispatch
import Foundation

/// A Z3 context. Owns every Z3 object made through it: terms are reference
/// counted (`Z3_mk_context_rc`), so a `Z3Term` keeps its AST alive exactly
/// as long as Swift keeps the term. Errors never abort the process: the
/// context installs a handler that records them, and calls check it.
///
/// Not thread-safe: one context per thread (Z3's own rule).
///
/// Integers are Z3's mathematical integers, or, in a context made with an
/// `integerWidth`, signed bit-vectors of that width: the same constructors
/// (`intConst`, `int`, `add`, `lt`, `truncDiv`, …) build either, so a
/// translation does not know which. Bit-vectors wrap around: a caller asks
/// for them only where it has shown that no value it computes needs more
/// than `integerWidth - 1` bits (`BitWidth`), and Z3 then decides by
/// bit-blasting to SAT, which is far faster than linear arithmetic on
/// small finite domains.
public final class Z3Context {
    let raw: Z3_context
    public let intSort: Z3_sort
    public let boolSort: Z3_sort
    /// The width of integers when they are bit-vectors; nil for Z3's integers.
    public let integerWidth: UInt32?

    public init(integerWidth: UInt32? = nil) {
        let config = Z3_mk_config()
        Z3_set_param_value(config, "model", "true")
        let raw: Z3_context = Z3_mk_context_rc(config)
        self.raw = raw
        Z3_del_config(config)
        // Z3's default handler exits the process; record errors instead.
        Z3_set_error_handler(raw) { _, _ in }
        self.integerWidth = integerWidth
        intSort = integerWidth.map { Z3_mk_bv_sort(raw, $0) } ?? Z3_mk_int_sort(raw)
        boolSort = Z3_mk_bool_sort(raw)
        Z3_inc_ref(raw, Z3_sort_to_ast(raw, intSort))
        Z3_inc_ref(raw, Z3_sort_to_ast(raw, boolSort))
    }

    private static let reuseKey = "pbcheck.z3.reused"

    /// The context and solver the current thread's snapshot oracles share
    /// inside `reusing` (nil outside it).
    static var reused: (ctx: Z3Context, solver: Z3Solver)? {
        (Thread.current.threadDictionary[reuseKey] as? Box)?.pair
    }

    private final class Box {
        let pair: (ctx: Z3Context, solver: Z3Solver)
        init(_ pair: (ctx: Z3Context, solver: Z3Solver)) { self.pair = pair }
    }

    /// Runs `body` with one context and one solver shared by every snapshot
    /// oracle the current thread makes in it (each query is pushed and
    /// popped, so none sees another's). Setting up a Z3 solver costs more
    /// than checking a small mutant, and `mutate` checks hundreds on each
    /// thread. Z3 may then pick other witnesses than a fresh solver would,
    /// so only checks whose verdicts matter, not their witnesses, run so.
    static func reusing<T>(queryTimeoutMilliseconds: UInt32?, _ body: () -> T) -> T {
        let dictionary = Thread.current.threadDictionary
        if dictionary[reuseKey] != nil { return body() }
        let ctx = Z3Context()
        dictionary[reuseKey] = Box((ctx, ctx.solver(timeoutMilliseconds: queryTimeoutMilliseconds)))
        defer { dictionary.removeObject(forKey: reuseKey) }
        return body()
    }

    deinit {
        Z3_dec_ref(raw, Z3_sort_to_ast(raw, intSort))
        Z3_dec_ref(raw, Z3_sort_to_ast(raw, boolSort))
        Z3_del_context(raw)
    }

    /// Bytes Z3 has allocated and not freed, in every context of the
    /// process (Z3's own counter): a leak check that Swift's allocations
    /// and the machine's load cannot disturb.
    public static var liveBytes: UInt64 { Z3_get_estimated_alloc_size() }

    /// The last error Z3 reported on this context, cleared by reading.
    func takeError() -> String? {
        let code = Z3_get_error_code(raw)
        guard code != Z3_OK else { return nil }
        let message = String(cString: Z3_get_error_msg(raw, code))
        Z3_set_error(raw, Z3_OK)
        return message
    }

    // MARK: Terms

    func wrap(_ ast: Z3_ast?) -> Z3Term {
        // Z3 returns nil only after an error, which the handler recorded;
        // a false constant keeps the caller's term well-formed, and the
        // count tells engines that a formula is not what they built.
        if ast == nil { termFailures += 1 }
        return Z3Term(self, ast ?? Z3_mk_false(raw))
    }

    /// Terms Z3 failed to build (each replaced by `false`): an engine that
    /// sees this above zero must not trust an answer built on them.
    public private(set) var termFailures = 0

    /// A term of another context, copied into this one.
    public func translated(_ t: Z3Term) -> Z3Term {
        withExtendedLifetime(t) { wrap(Z3_translate(t.context.raw, t.ast, raw)) }
    }

    public func intConst(_ name: String) -> Z3Term {
        wrap(Z3_mk_const(raw, Z3_mk_string_symbol(raw, name), intSort))
    }

    public func boolConst(_ name: String) -> Z3Term {
        wrap(Z3_mk_const(raw, Z3_mk_string_symbol(raw, name), boolSort))
    }

    public func int(_ v: Int64) -> Z3Term {
        guard let w = integerWidth else { return wrap(Z3_mk_int64(raw, v, intSort)) }
        // Two's complement in `w` bits (the width holds every value asked for).
        let mask: UInt64 = w >= 64 ? .max : (1 << UInt64(w)) - 1
        return wrap(Z3_mk_unsigned_int64(raw, UInt64(bitPattern: v) & mask, intSort))
    }
    public func bool(_ b: Bool) -> Z3Term { wrap(b ? Z3_mk_true(raw) : Z3_mk_false(raw)) }
    /// Whether `t` is a formula (Bool sort) rather than an integer.
    public func isBool(_ t: Z3Term) -> Bool { Z3_get_sort_kind(raw, Z3_get_sort(raw, t.ast)) == Z3_BOOL_SORT }
    /// A fresh constant of `t`'s sort.
    public func const(_ name: String, like t: Z3Term) -> Z3Term { isBool(t) ? boolConst(name) : intConst(name) }

    func many(_ terms: [Z3Term], _ make: (Z3_context, UInt32, UnsafePointer<Z3_ast?>) -> Z3_ast?) -> Z3Term {
        let asts: [Z3_ast?] = terms.map { $0.ast }
        return withExtendedLifetime(terms) {
            asts.withUnsafeBufferPointer { buffer in
                wrap(buffer.baseAddress.flatMap { make(raw, UInt32(asts.count), $0) })
            }
        }
    }

    public func and(_ terms: [Z3Term]) -> Z3Term { terms.isEmpty ? bool(true) : many(terms, Z3_mk_and) }
    public func or(_ terms: [Z3Term]) -> Z3Term { terms.isEmpty ? bool(false) : many(terms, Z3_mk_or) }
    public func add(_ a: Z3Term, _ b: Z3Term) -> Z3Term {
        integerWidth == nil ? many([a, b], Z3_mk_add) : wrap(Z3_mk_bvadd(raw, a.ast, b.ast))
    }
    public func sub(_ a: Z3Term, _ b: Z3Term) -> Z3Term {
        integerWidth == nil ? many([a, b], Z3_mk_sub) : wrap(Z3_mk_bvsub(raw, a.ast, b.ast))
    }
    public func mul(_ a: Z3Term, _ b: Z3Term) -> Z3Term {
        integerWidth == nil ? many([a, b], Z3_mk_mul) : wrap(Z3_mk_bvmul(raw, a.ast, b.ast))
    }
    public func distinct(_ terms: [Z3Term]) -> Z3Term { terms.count < 2 ? bool(true) : many(terms, Z3_mk_distinct) }

    public func not(_ a: Z3Term) -> Z3Term { wrap(Z3_mk_not(raw, a.ast)) }
    public func implies(_ a: Z3Term, _ b: Z3Term) -> Z3Term { wrap(Z3_mk_implies(raw, a.ast, b.ast)) }
    public func eq(_ a: Z3Term, _ b: Z3Term) -> Z3Term { wrap(Z3_mk_eq(raw, a.ast, b.ast)) }
    public func lt(_ a: Z3Term, _ b: Z3Term) -> Z3Term { wrap((integerWidth == nil ? Z3_mk_lt : Z3_mk_bvslt)(raw, a.ast, b.ast)) }
    public func le(_ a: Z3Term, _ b: Z3Term) -> Z3Term { wrap((integerWidth == nil ? Z3_mk_le : Z3_mk_bvsle)(raw, a.ast, b.ast)) }
    public func gt(_ a: Z3Term, _ b: Z3Term) -> Z3Term { wrap((integerWidth == nil ? Z3_mk_gt : Z3_mk_bvsgt)(raw, a.ast, b.ast)) }
    public func ge(_ a: Z3Term, _ b: Z3Term) -> Z3Term { wrap((integerWidth == nil ? Z3_mk_ge : Z3_mk_bvsge)(raw, a.ast, b.ast)) }
    public func neg(_ a: Z3Term) -> Z3Term { wrap((integerWidth == nil ? Z3_mk_unary_minus : Z3_mk_bvneg)(raw, a.ast)) }
    public func ite(_ c: Z3Term, _ a: Z3Term, _ b: Z3Term) -> Z3Term { wrap(Z3_mk_ite(raw, c.ast, a.ast, b.ast)) }
    public func abs(_ a: Z3Term) -> Z3Term { ite(ge(a, int(0)), a, neg(a)) }

    /// Division truncating toward zero (SPEC §2). Z3's `div` is Euclidean,
    /// so it is applied to absolute values and the sign put back. The caller
    /// guards against a zero divisor (an evaluation error, not a value).
    public func truncDiv(_ a: Z3Term, _ b: Z3Term) -> Z3Term {
        // A bit-vector's signed division truncates already.
        if integerWidth != nil { return wrap(Z3_mk_bvsdiv(raw, a.ast, b.ast)) }
        let q = euclideanDiv(abs(a), abs(b))
        return ite(xor(lt(a, int(0)), lt(b, int(0))), neg(q), q)
    }

    // Every constructor takes `Z3Term` parameters, never a `.ast` read from
    // a temporary: Swift keeps arguments alive for the call, but may free a
    // temporary right after its `.ast` is read (a use-after-free in Z3).
    func euclideanDiv(_ a: Z3Term, _ b: Z3Term) -> Z3Term { wrap(Z3_mk_div(raw, a.ast, b.ast)) }
    public func xor(_ a: Z3Term, _ b: Z3Term) -> Z3Term { wrap(Z3_mk_xor(raw, a.ast, b.ast)) }

    /// Remainder with the sign of the dividend: `a - b * truncDiv(a, b)`.
    public func truncMod(_ a: Z3Term, _ b: Z3Term) -> Z3Term {
        // A bit-vector's signed remainder has the dividend's sign already.
        if integerWidth != nil { return wrap(Z3_mk_bvsrem(raw, a.ast, b.ast)) }
        return sub(a, mul(b, truncDiv(a, b)))
    }

    /// `t` with every term of `from` replaced by the term of `to` at the
    /// same position: how one translated template becomes the formula of
    /// each depth of an unrolling.
    public func substitute(_ t: Z3Term, _ from: [Z3Term], _ to: [Z3Term]) -> Z3Term {
        precondition(from.count == to.count)
        guard !from.isEmpty else { return t }
        let a: [Z3_ast?] = from.map { $0.ast }, b: [Z3_ast?] = to.map { $0.ast }
        return withExtendedLifetime((t, from, to)) {
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    wrap(pa.baseAddress.flatMap { x in pb.baseAddress.flatMap { y in Z3_substitute(raw, t.ast, UInt32(a.count), x, y) } })
                }
            }
        }
    }

    /// `∀ bound. body`, the bound terms being constants of `body`.
    public func forall(_ bound: [Z3Term], _ body: Z3Term) -> Z3Term {
        guard !bound.isEmpty else { return body }
        let apps: [Z3_app?] = bound.map { Z3_to_app(raw, $0.ast) }
        return withExtendedLifetime((bound, body)) {
            apps.withUnsafeBufferPointer { buffer in
                wrap(buffer.baseAddress.flatMap { Z3_mk_forall_const(raw, 0, UInt32(apps.count), $0, 0, nil, body.ast) })
            }
        }
    }

    /// Runs `body` with the watchdog armed to call `Z3_interrupt` after
    /// `timeout`; it only ever interrupts this call (it is disarmed under
    /// its lock before return). Z3 4.8.12's own `timeout` parameter can
    /// deadlock off the main thread (upstream PR #5371).
    ///
    /// `solver`: interrupt only that solver (`Z3_solver_interrupt`), which
    /// leaves the context usable. Without one the whole context is
    /// interrupted, and Z3 4.8.12 leaves it canceled for good (later
    /// rewrites fail): only throwaway contexts are watched that way.
    ///
    /// `deadline` (the run's `--timeout`) shortens the query's own budget
    /// when less time is left: a query never runs past the end of the run.
    /// The returned reason names whichever limit interrupted it.
    func watched(_ timeout: DispatchTimeInterval?, deadline: Date? = nil, solver: Z3_solver? = nil,
                 _ body: () -> Z3_lbool) -> (Z3_lbool, timedOut: String?) {
        var seconds = timeout?.seconds
        var reason = timeout.map { "timeout after \($0.text)" }
        if let deadline {
            let left = max(0.001, deadline.timeIntervalSinceNow)
            if seconds.map({ left < $0 }) ?? true { seconds = left; reason = "the run's \(RunOption.timeout.flag) ran out" }
        }
        guard let seconds else { return (body(), nil) }
        let id = Watchdog.shared.arm(context: UInt(bitPattern: raw), solver: solver.map { UInt(bitPattern: $0) }, after: seconds)
        let result = body()
        return (result, Watchdog.shared.disarm(id) ? reason : nil)
    }

    /// An error's first line, without a trailing colon: Z3 appends the
    /// whole offending rule or formula, which no reason should carry.
    static func firstLine(_ error: String) -> String {
        let line = error.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? error
        return line.hasSuffix(":") ? String(line.dropLast()) : line
    }

    public func solver(timeoutMilliseconds: UInt32? = nil, logic: String? = nil) -> Z3Solver {
        Z3Solver(self, timeoutMilliseconds: timeoutMilliseconds, logic: logic)
    }
}

/// A Z3 term, kept alive while this object lives.
public final class Z3Term: CustomStringConvertible {
    let context: Z3Context
    let ast: Z3_ast

    init(_ context: Z3Context, _ ast: Z3_ast) {
        self.context = context
        self.ast = ast
        Z3_inc_ref(context.raw, ast)
    }

    deinit { Z3_dec_ref(context.raw, ast) }

    public var description: String { String(cString: Z3_ast_to_string(context.raw, ast)) }
}

/// The answer to one query. `unknown` carries Z3's reason (a timeout, an
/// incomplete theory, an interrupt): it is never read as either answer.
public enum Z3Result {
    case sat(Z3Model)
    case unsat
    case unknown(String)
}

/// A solver with an optional per-query timeout, push/pop scopes and
/// assumptions (for incremental BMC and unsat cores).
///
/// The timeout is a watchdog of our own that calls `Z3_interrupt`, not
/// Z3's `timeout` parameter: in Z3 4.8.10–4.8.12 (Debian's libz3-dev is
/// 4.8.12) that parameter's thread-pool timer can deadlock when queries run
/// off the main thread (upstream PR #5371).
public final class Z3Solver {
    let context: Z3Context
    let raw: Z3_solver
    let timeout: DispatchTimeInterval?
    /// The end of the run: no query runs past it.
    public var deadline: Date?

    /// `logic`: an SMT-LIB logic whose solver Z3 should use (`QF_BV`: Z3's
    /// incremental SAT solver, which bit-blasts; it takes no quantifiers);
    /// nil for Z3's default (the SMT core once a scope is pushed).
    init(_ context: Z3Context, timeoutMilliseconds: UInt32?, logic: String? = nil) {
        self.context = context
        if let logic {
            raw = Z3_mk_solver_for_logic(context.raw, Z3_mk_string_symbol(context.raw, logic))
        } else {
            raw = Z3_mk_solver(context.raw)
        }
        Z3_solver_inc_ref(context.raw, raw)
        timeout = timeoutMilliseconds.map { .milliseconds(Int($0)) }
    }

    deinit { Z3_solver_dec_ref(context.raw, raw) }

    public func assert(_ t: Z3Term) { Z3_solver_assert(context.raw, raw, t.ast) }
    public func push() { Z3_solver_push(context.raw, raw) }
    public func pop(_ n: UInt32 = 1) { Z3_solver_pop(context.raw, raw, n) }

    /// Checks the assertions, under `assumptions` (boolean constants) if any.
    public func check(assuming assumptions: [Z3Term] = []) -> Z3Result {
        let asts: [Z3_ast?] = assumptions.map { $0.ast }
        let (result, timedOut) = context.watched(timeout, deadline: deadline, solver: raw) {
            if asts.isEmpty { return Z3_solver_check(context.raw, raw) }
            return withExtendedLifetime(assumptions) {
                asts.withUnsafeBufferPointer { buffer in
                    buffer.baseAddress.map { Z3_solver_check_assumptions(context.raw, raw, UInt32(asts.count), $0) } ?? Z3_L_UNDEF
                }
            }
        }
        let error = context.takeError()
        if let timedOut, result == Z3_L_UNDEF { return .unknown(timedOut) }
        if let error { return .unknown("Z3 error: \(Z3Context.firstLine(error))") }
        switch result {
        case Z3_L_TRUE:
            guard let m = Z3_solver_get_model(context.raw, raw) else { return .unknown("Z3 gave no model") }
            return .sat(Z3Model(context, m))
        case Z3_L_FALSE:
            return .unsat
        default:
            return .unknown(String(cString: Z3_solver_get_reason_unknown(context.raw, raw)))
        }
    }

    /// After `unsat` under assumptions: the indices of the assumptions in the core.
    public func unsatCore(of assumptions: [Z3Term]) -> [Int] {
        guard let core = Z3_solver_get_unsat_core(context.raw, raw) else { return [] }
        Z3_ast_vector_inc_ref(context.raw, core)
        defer { Z3_ast_vector_dec_ref(context.raw, core) }
        var members = Set<UInt>()
        for i in 0..<Z3_ast_vector_size(context.raw, core) {
            if let a = Z3_ast_vector_get(context.raw, core, i) { members.insert(UInt(bitPattern: a)) }
        }
        return assumptions.indices.filter { members.contains(UInt(bitPattern: assumptions[$0].ast)) }
    }
}

/// A satisfying assignment; values are read back as pbcheck values.
public final class Z3Model {
    let context: Z3Context
    let raw: Z3_model

    init(_ context: Z3Context, _ raw: Z3_model) {
        self.context = context
        self.raw = raw
        Z3_model_inc_ref(context.raw, raw)
    }

    deinit { Z3_model_dec_ref(context.raw, raw) }

    /// The value of `t` in this model, completing unconstrained constants
    /// (to 0 / false). nil for a value outside 64 bits or a non-literal.
    public func value(_ t: Z3Term) -> Value? {
        var out: Z3_ast?
        guard Z3_model_eval(context.raw, raw, t.ast, true, &out), let v = out else {
            _ = context.takeError()
            return nil
        }
        Z3_inc_ref(context.raw, v)
        defer { Z3_dec_ref(context.raw, v) }
        switch Z3_get_bool_value(context.raw, v) {
        case Z3_L_TRUE: return .bool(true)
        case Z3_L_FALSE: return .bool(false)
        default: break
        }
        if let w = context.integerWidth, Z3_get_sort_kind(context.raw, Z3_get_sort(context.raw, v)) == Z3_BV_SORT {
            // Two's complement in `w` bits.
            var u: UInt64 = 0
            guard w <= 64, Z3_get_numeral_uint64(context.raw, v, &u) else { _ = context.takeError(); return nil }
            if w < 64 && u >= (1 << UInt64(w - 1)) { return .int(Int64(u) - (1 << Int64(w))) }
            return .int(Int64(bitPattern: u))
        }
        var i: Int64 = 0
        if Z3_get_numeral_int64(context.raw, v, &i) { return .int(i) }
        _ = context.takeError()
        return nil
    }
}

/// Z3's fixedpoint engine with Spacer: constrained Horn clauses over one
/// relation, for invariants that are not k-inductive (Spacer looks for an
/// inductive strengthening itself).
///
/// It owns a context of its own: the fixedpoint engine has no interrupt
/// of its own, and interrupting a context leaves it canceled, so terms of
/// the caller's context are copied in (`translated`) and the whole context
/// is thrown away with the engine.
public final class Z3Horn {
    public let context = Z3Context()
    let raw: Z3_fixedpoint
    let timeout: DispatchTimeInterval?
    /// The end of the run: no query runs past it.
    public var deadline: Date?
    private var decls: [Z3_func_decl] = []

    public init(timeoutMilliseconds: UInt32?) {
        let context = self.context
        raw = Z3_mk_fixedpoint(context.raw)
        Z3_fixedpoint_inc_ref(context.raw, raw)
        timeout = timeoutMilliseconds.map { .milliseconds(Int($0)) }
        let params = Z3_mk_params(context.raw)
        Z3_params_inc_ref(context.raw, params)
        Z3_params_set_symbol(context.raw, params, Z3_mk_string_symbol(context.raw, "engine"), Z3_mk_string_symbol(context.raw, "spacer"))
        Z3_fixedpoint_set_params(context.raw, raw, params)
        Z3_params_dec_ref(context.raw, params)
    }

    deinit {
        for d in decls { Z3_dec_ref(context.raw, Z3_func_decl_to_ast(context.raw, d)) }
        Z3_fixedpoint_dec_ref(context.raw, raw)
    }

    /// A relation over terms of the sorts of `like`, registered with the engine.
    public func relation(_ name: String, like: [Z3Term]) -> ([Z3Term]) -> Z3Term {
        let c = context.raw
        let sorts: [Z3_sort?] = like.map { Z3_get_sort(c, $0.ast) }
        let decl = sorts.withUnsafeBufferPointer { b in
            Z3_mk_func_decl(c, Z3_mk_string_symbol(c, name), UInt32(sorts.count), b.baseAddress, context.boolSort)
        }
        guard let decl else { return { _ in self.context.bool(false) } }
        Z3_inc_ref(c, Z3_func_decl_to_ast(c, decl))
        decls.append(decl)
        Z3_fixedpoint_register_relation(c, raw, decl)
        return { args in
            let asts: [Z3_ast?] = args.map { $0.ast }
            return withExtendedLifetime(args) {
                asts.withUnsafeBufferPointer { b in self.context.wrap(Z3_mk_app(c, decl, UInt32(asts.count), b.baseAddress)) }
            }
        }
    }

    /// Adds `∀ bound. body ⇒ head`.
    public func rule(_ bound: [Z3Term], _ body: Z3Term, _ head: Z3Term, name: String) {
        let r = context.forall(bound, context.implies(body, head))
        Z3_fixedpoint_add_rule(context.raw, raw, r.ast, Z3_mk_string_symbol(context.raw, name))
    }

    public enum Answer { case reachable, unreachable, unknown(String) }

    /// Whether `goal` (an application of a relation) is derivable.
    public func query(_ goal: Z3Term) -> Answer {
        let (r, timedOut) = context.watched(timeout, deadline: deadline) { Z3_fixedpoint_query(context.raw, raw, goal.ast) }
        let error = context.takeError()
        if let timedOut, r == Z3_L_UNDEF { return .unknown(timedOut) }
        if let error { return .unknown("Z3 error: \(Z3Context.firstLine(error))") }
        switch r {
        case Z3_L_TRUE: return .reachable
        case Z3_L_FALSE: return .unreachable
        default: return .unknown(String(cString: Z3_fixedpoint_get_reason_unknown(context.raw, raw)))
        }
    }

}

extension DispatchTimeInterval {
    /// `250 ms`, `10 s`: for reasons shown to people.
    var text: String {
        switch self {
        case .seconds(let s): return "\(s) s"
        case .milliseconds(let ms): return ms % 1000 == 0 ? "\(ms / 1000) s" : "\(ms) ms"
        case .microseconds(let us): return "\(us) µs"
        case .nanoseconds(let ns): return "\(ns) ns"
        default: return "\(self)"
        }
    }
}

/// One thread that interrupts Z3 calls past their deadline. Its own
/// thread, not a dispatch queue: when every worker of the shared pool is
/// inside a long Z3 call (parallel tests, a parallel search), a timer
/// queued on that pool would never run and the call would never end.
final class Watchdog: @unchecked Sendable {
    static let shared = Watchdog()
    private let condition = NSCondition()
    private var entries: [Int: (deadline: Date, context: UInt, solver: UInt?, fired: Bool)] = [:]
    private var nextID = 0

    private init() {
        let thread = Thread { [unowned self] in self.loop() }
        thread.name = "pbcheck Z3 watchdog"
        thread.start()
    }

    func arm(context: UInt, solver: UInt?, after seconds: Double) -> Int {
        condition.lock()
        defer { condition.unlock() }
        let id = nextID
        nextID += 1
        entries[id] = (Date().addingTimeInterval(seconds), context, solver, false)
        condition.signal()
        return id
    }

    /// Disarms entry `id`; whether it had fired.
    func disarm(_ id: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return entries.removeValue(forKey: id)?.fired ?? false
    }

    private func loop() {
        condition.lock()
        while true {
            let now = Date()
            var earliest: Date?
            for (id, e) in entries where !e.fired {
                if e.deadline <= now {
                    // Under the lock: an entry disarmed before this point
                    // is gone, so a finished call is never interrupted.
                    if let c = OpaquePointer(bitPattern: e.context) {
                        if let s = e.solver.flatMap({ OpaquePointer(bitPattern: $0) }) { Z3_solver_interrupt(c, s) } else { Z3_interrupt(c) }
                    }
                    entries[id]?.fired = true
                } else if earliest.map({ e.deadline < $0 }) ?? true {
                    earliest = e.deadline
                }
            }
            if let earliest { _ = condition.wait(until: earliest) } else { condition.wait() }
        }
    }
}

extension DispatchTimeInterval {
    var seconds: Double {
        switch self {
        case .seconds(let s): return Double(s)
        case .milliseconds(let ms): return Double(ms) / 1000
        case .microseconds(let us): return Double(us) / 1_000_000
        case .nanoseconds(let ns): return Double(ns) / 1_000_000_000
        default: return .infinity
        }
    }
}
