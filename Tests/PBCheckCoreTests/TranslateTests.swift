import Testing
@testable import PBCheckCore

// The Z3 translation of typed expressions (Engines/Z3/Translate.swift)
// against the tree-walking evaluator (Model/Evaluator.swift), on seeded
// random values, for every operator of SPEC §2.
//
// Two paths are checked for every expression and every assignment:
// * symbolic: an environment answers Z3 constants (`v<slot>`, `ctl`,
//   `o<obs>_<key>`); the assignment is asserted as equalities, and the
//   model's value of the translated term (and of its definedness term) is
//   compared with the evaluator's result (and with whether it threw);
// * folded: an environment answers the assignment's words, as the explicit
//   engine does; the result must fold to a word equal to the evaluator's.
// An evaluator `.overflow` (a 64-bit limit, not a value) skips the case.

// MARK: - Seeded randomness

/// SplitMix64, so every failure reproduces from its seed.
private struct TXRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func int(in r: ClosedRange<Int64>) -> Int64 {
        r.lowerBound + Int64(next() % UInt64(r.upperBound - r.lowerBound + 1))
    }
    mutating func bool() -> Bool { next() & 1 == 1 }
    mutating func pick<T>(_ xs: [T]) -> T { xs[below(xs.count)] }

    /// Mostly -50...50, small values (zero, ±1) often, one in ten near ±2^40
    /// (one in eighty at the edges of Int64).
    mutating func value() -> Int64 {
        switch below(10) {
        case 0, 1: return int(in: -3...3)
        case 9:
            // Now and then the 64-bit edges, where folding must give way to terms.
            if below(8) == 0 { return pick([Int64.min, Int64.min + 1, Int64.max, Int64.max - 1]) }
            let big = (Int64(1) << 40) + int(in: -50...50)
            return bool() ? big : -big
        default: return int(in: -50...50)
        }
    }

    /// A divisor / key: zero and the members of `ns` often.
    mutating func divisor() -> Int64 { below(10) < 8 ? int(in: -4...6) : value() }
}

// MARK: - The playbook the expressions are typed in

/// Unbounded ints x, y, d; bools b, p; an enum; keyed families over an int
/// set (c) and a string set (g, f); a plain and a keyed observation; a
/// superstate for `in_state`.
private let txDeclarations = """
version: "1.0"
machine:
  id: "t"
  initial: "idle"
  sets:
    ns: [-3, 0, 2, 5]
    ks: [k1, k2, k3]
    small: "0..2"
  variables:
    x: { type: int, init: 0 }
    y: { type: int, init: 0 }
    d: { type: int, init: 0 }
    b: { type: bool, init: false }
    p: { type: bool, init: false }
    mode: { type: enum, values: [lo, mid, hi], init: lo }
    c: { type: int, keys: ns, init: 0 }
    g: { type: int, keys: ks, init: 0 }
    f: { type: bool, keys: ks, init: false }
  observations:
    ob: { type: int }
    ko: { type: int, keys: ns }
  states:
    idle: {}
    busy: {}
    busy_inner: { parent: busy }
    done: { final_state: true }
  transitions:
    - { id: "start", from: "idle", to: "busy_inner", event: "start" }
    - { id: "finish", from: "busy", to: "done", event: "finish" }
  invariants:

"""

/// An expression to check: boolean ones are invariants as written; int and
/// enum ones are written `(e) == 0` / `(e) == 'v'` and the left side taken,
/// so their values (not only a comparison of them) are compared.
private struct TXProbe {
    enum Kind { case bool, int, symbol(String) }
    var text: String
    var kind: Kind

    static func b(_ t: String) -> TXProbe { TXProbe(text: t, kind: .bool) }
    static func i(_ t: String) -> TXProbe { TXProbe(text: t, kind: .int) }
    static func s(_ t: String, _ v: String) -> TXProbe { TXProbe(text: t, kind: .symbol(v)) }

    var condition: String {
        switch kind {
        case .bool: return text
        case .int: return "(\(text)) == 0"
        case .symbol(let v): return "(\(text)) == '\(v)'"
        }
    }
}

private struct TXLoaded {
    var model: TypedModel
    var exprs: [TExpr]
    var texts: [String]
}

private func txLoad(_ probes: [TXProbe]) throws -> TXLoaded {
    let yaml = txDeclarations + probes.map { "    - condition: \"\($0.condition)\"\n" }.joined()
    let r = validate(yaml)
    let m = try #require(r.model, "\(r.diagnostics.filter { $0.severity == .error })")
    try #require(m.globalInvariants.count == probes.count)
    var exprs: [TExpr] = []
    for (inv, probe) in zip(m.globalInvariants, probes) {
        switch probe.kind {
        case .bool: exprs.append(inv.condition)
        case .int, .symbol:
            guard case .compare(.eq, let lhs, _) = inv.condition else {
                Issue.record("`\(probe.condition)` did not type as a comparison")
                throw TXError.shape
            }
            exprs.append(lhs)
        }
    }
    return TXLoaded(model: m, exprs: exprs, texts: probes.map(\.text))
}

private enum TXError: Error { case shape }

// MARK: - Environments

/// One assignment: every variable slot, observation slot and the control
/// state. It is also the evaluator's context.
private struct TXAssignment: EvalContext {
    var controlState: Int
    var vars: [Value]
    var obs: [Value]
    func variable(_ slot: Int) -> Value { vars[slot] }
    func observation(_ slot: Int) -> Value { obs[slot] }
}

private func txIsBool(_ v: Value) -> Bool {
    if case .bool = v { return true }
    return false
}

/// Z3 constants for everything: values reach Z3 only through the model.
private struct TXSymbolicEnv: SMTEnvironment {
    let ctx: Z3Context
    let slotIsBool: [Bool]
    let obsIsBool: [Bool]

    func variable(_ slot: Int) -> SMTValue {
        slotIsBool[slot] ? .term(ctx.boolConst("v\(slot)"), bool: true) : .term(ctx.intConst("v\(slot)"), bool: false)
    }
    func control() -> SMTValue { .term(ctx.intConst("ctl"), bool: false) }
    func observation(_ o: Int, key: Int64?) -> SMTValue {
        let name = "o\(o)" + (key.map { "_\($0)" } ?? "")
        return obsIsBool[o] ? .term(ctx.boolConst(name), bool: true) : .term(ctx.intConst(name), bool: false)
    }
    func observation(_ o: Int, keyTerm: Z3Term) -> SMTValue {
        Issue.record("the generated expressions read only declared families")
        return observation(o, key: nil)
    }
}

/// Known words for everything, as the explicit engine answers.
private struct TXFoldedEnv: SMTEnvironment {
    let model: TypedModel
    let a: TXAssignment

    func variable(_ slot: Int) -> SMTValue {
        .word(Word.encode(a.vars[slot]), bool: txIsBool(a.vars[slot]))
    }
    func control() -> SMTValue { .word(Int64(a.controlState), bool: false) }
    func observation(_ o: Int, key: Int64?) -> SMTValue {
        var slot = model.observationSlots[o]
        if let key, let ks = model.observations[o].keySet,
           let p = model.sets[ks].elements.map(Word.encode).firstIndex(of: key) {
            slot += p
        }
        return .word(Word.encode(a.obs[slot]), bool: txIsBool(a.obs[slot]))
    }
    func observation(_ o: Int, keyTerm: Z3Term) -> SMTValue {
        Issue.record("the generated expressions read only declared families")
        return observation(o, key: nil)
    }
}

// MARK: - The harness

private struct TXTally {
    var compared = 0
    var undefined = 0
    var skipped = 0
    var symbolicTerms = 0
    var failures: [String] = []
}

private final class TXHarness {
    let model: TypedModel
    let ctx = Z3Context()
    var translator: SMTTranslator
    let evaluator: Evaluator
    let solver: Z3Solver
    /// A model of no assertions, for reading folded (constant) terms.
    let emptyModel: Z3Model
    let slotIsBool: [Bool]
    /// Per observation slot: its Z3 constant's name suffix and sort.
    let obsNames: [(name: String, isBool: Bool)]

    init(_ model: TypedModel) throws {
        self.model = model
        translator = SMTTranslator(ctx: ctx, model: model)
        evaluator = Evaluator(model: model)
        solver = ctx.solver(timeoutMilliseconds: 10_000)
        guard case .sat(let m) = ctx.solver().check() else { throw TXError.shape }
        emptyModel = m
        var slots = [Bool](repeating: false, count: model.variableSlots)
        for v in model.variables { for s in v.slot..<(v.slot + v.slotCount) { slots[s] = v.domain == .bool } }
        slotIsBool = slots
        var names: [(String, Bool)] = []
        for (o, info) in model.observations.enumerated() {
            #expect(model.observationSlots[o] == names.count, "observation slots are laid out in order")
            if let ks = info.keySet {
                for el in model.sets[ks].elements { names.append(("o\(o)_\(Word.encode(el))", info.domain == .bool)) }
            } else {
                names.append(("o\(o)", info.domain == .bool))
            }
        }
        obsNames = names
    }

    var symbolicEnv: TXSymbolicEnv {
        TXSymbolicEnv(ctx: ctx, slotIsBool: slotIsBool, obsIsBool: model.observations.map { $0.domain == .bool })
    }

    func randomValue(_ domain: Domain, divisor: Bool, _ rng: inout TXRandom) -> Value {
        switch domain {
        case .bool: return .bool(rng.bool())
        case .int(let r?): return .int(rng.int(in: r))
        case .int(nil): return .int(divisor ? rng.divisor() : rng.value())
        case .enumeration(let e): return .sym(rng.pick(model.enums[e].values))
        }
    }

    func randomAssignment(_ rng: inout TXRandom) -> TXAssignment {
        var vars: [Value] = []
        for v in model.variables {
            for _ in 0..<v.slotCount { vars.append(randomValue(v.domain, divisor: v.name == "d", &rng)) }
        }
        var obs: [Value] = []
        for o in model.observations {
            let n = o.keySet.map { model.sets[$0].elements.count } ?? 1
            for _ in 0..<n { obs.append(randomValue(o.domain, divisor: false, &rng)) }
        }
        return TXAssignment(controlState: rng.below(model.states.count), vars: vars, obs: obs)
    }

    func z3(_ v: Value) -> Z3Term {
        if case .bool(let b) = v { return ctx.bool(b) }
        return ctx.int(Word.encode(v))
    }

    /// The assignment as equalities over the symbolic environment's constants.
    func bindings(_ a: TXAssignment) -> Z3Term {
        var eqs: [Z3Term] = [ctx.eq(ctx.intConst("ctl"), ctx.int(Int64(a.controlState)))]
        for (s, v) in a.vars.enumerated() {
            eqs.append(ctx.eq(slotIsBool[s] ? ctx.boolConst("v\(s)") : ctx.intConst("v\(s)"), z3(v)))
        }
        for (s, v) in a.obs.enumerated() {
            let (name, isBool) = obsNames[s]
            eqs.append(ctx.eq(isBool ? ctx.boolConst(name) : ctx.intConst(name), z3(v)))
        }
        return ctx.and(eqs)
    }

    func describe(_ a: TXAssignment) -> String {
        var parts: [String] = []
        for v in model.variables {
            if let ks = v.keySet {
                for (p, el) in model.sets[ks].elements.enumerated() {
                    parts.append("\(v.name)(\(model.describe(el)))=\(model.describe(a.vars[v.slot + p]))")
                }
            } else {
                parts.append("\(v.name)=\(model.describe(a.vars[v.slot]))")
            }
        }
        for (o, info) in model.observations.enumerated() {
            if let ks = info.keySet {
                for (p, el) in model.sets[ks].elements.enumerated() {
                    parts.append("\(info.name)(\(model.describe(el)))=\(model.describe(a.obs[model.observationSlots[o] + p]))")
                }
            } else {
                parts.append("\(info.name)=\(model.describe(a.obs[model.observationSlots[o]]))")
            }
        }
        parts.append("state=\(model.states[a.controlState].id)")
        return parts.joined(separator: " ")
    }

    func evaluate(_ e: TExpr, _ a: TXAssignment) -> Result<Value, EvalError> {
        var locals: [Value] = []
        do { return .success(try evaluator.eval(e, a, &locals)) } catch { return .failure(error) }
    }

    enum Verdict { case agree(defined: Bool), skipped, disagree(String) }

    /// The translation's value and definedness in `m` against the evaluator.
    func verdict(_ result: Result<Value, EvalError>, _ t: Translated, in m: Z3Model, folded: Bool) -> Verdict {
        let defined = t.defined.map { m.value($0) } ?? .bool(true)
        switch result {
        case .failure(.overflow):
            return .skipped
        case .failure(let error):
            if defined == .bool(false) { return .agree(defined: false) }
            return .disagree("evaluator throws \(error), translation's defined = \(String(describing: defined))")
        case .success(let v):
            guard defined == .bool(true) else {
                return .disagree("evaluator gives \(model.describe(v)), translation's defined = \(String(describing: defined))")
            }
            if folded && t.value.word == nil {
                return .disagree("evaluator gives \(model.describe(v)); folded translation left a term \(translator.term(t.value))")
            }
            if t.value.isBool != txIsBool(v) {
                return .disagree("evaluator gives \(model.describe(v)), translation's isBool = \(t.value.isBool)")
            }
            let got = m.value(translator.term(t.value))
            guard let got, Word.encode(got) == Word.encode(v), txIsBool(got) == txIsBool(v) else {
                return .disagree("evaluator gives \(model.describe(v)) (word \(Word.encode(v))), translation gives \(String(describing: got))")
            }
            return .agree(defined: true)
        }
    }

    /// Translates `translate[i]` and evaluates `evaluate[i]` (the same trees
    /// except in the harness's own self-check) on `cases` random assignments.
    func run(translate: [TExpr], evaluate: [TExpr], texts: [String], cases: Int, seed: UInt64) -> TXTally {
        var tally = TXTally()
        var rng = TXRandom(seed: seed)
        let env = symbolicEnv
        let symbolic = translate.map { translator.translate($0, env) }
        tally.symbolicTerms = symbolic.filter { $0.value.word == nil }.count
        func note(_ v: Verdict, _ path: String, _ i: Int, _ a: TXAssignment) {
            switch v {
            case .agree(let d):
                tally.compared += 1
                if !d { tally.undefined += 1 }
            case .skipped:
                tally.skipped += 1
            case .disagree(let why):
                tally.failures.append("[\(path), seed \(seed)] `\(texts[i])` with \(describe(a)): \(why)")
            }
        }
        for _ in 0..<cases {
            let a = randomAssignment(&rng)
            solver.push()
            solver.assert(bindings(a))
            let answer = solver.check()
            guard case .sat(let m) = answer else {
                tally.failures.append("[seed \(seed)] the bindings \(describe(a)) are not sat: \(answer)")
                solver.pop()
                continue
            }
            for i in translate.indices {
                let result = self.evaluate(evaluate[i], a)
                note(verdict(result, symbolic[i], in: m, folded: false), "symbolic", i, a)
                let folded = translator.translate(translate[i], TXFoldedEnv(model: model, a: a))
                note(verdict(result, folded, in: emptyModel, folded: true), "folded", i, a)
            }
            solver.pop()
        }
        return tally
    }

    func run(_ loaded: TXLoaded, cases: Int, seed: UInt64) -> TXTally {
        run(translate: loaded.exprs, evaluate: loaded.exprs, texts: loaded.texts, cases: cases, seed: seed)
    }

    /// `defined` holds under every assignment (Z3 proves `!defined` unsat).
    func alwaysDefined(_ t: Translated) -> Bool {
        guard let d = t.defined else { return true }
        solver.push()
        defer { solver.pop() }
        solver.assert(ctx.not(d))
        if case .unsat = solver.check() { return true }
        return false
    }
}

/// Records the first disagreements and checks the run compared enough.
private func txReport(_ t: TXTally, _ name: String, minCompared: Int, sourceLocation: SourceLocation = #_sourceLocation) {
    for f in t.failures.prefix(15) { Issue.record("\(f)", sourceLocation: sourceLocation) }
    #expect(t.failures.count == 0, "\(name): disagreements", sourceLocation: sourceLocation)
    #expect(t.compared >= minCompared, "\(name): only \(t.compared) cases compared (\(t.skipped) skipped)",
            sourceLocation: sourceLocation)
}

// MARK: - Tests

@Suite struct TranslateTests {
    static let cases = 300

    @Test func arithmeticAgrees() throws {
        let probes: [TXProbe] = [
            .i("x + y"), .i("x - y"), .i("x * y"), .i("x / y"), .i("x % y"),
            .i("x / d"), .i("x % d"), .i("d / x"), .i("d % x"),
            .i("-x"), .i("-(x - y)"), .i("- -x"), .i("abs(x)"), .i("abs(x - y)"), .i("abs(-d)"),
            .i("min(x, y)"), .i("max(x, y)"), .i("min(x, -y)"), .i("max(d, 0)"), .i("min(max(x, d), y)"),
            .i("x / 2"), .i("x % 2"), .i("x / -2"), .i("x % -2"), .i("-7 / d"), .i("-7 % d"), .i("7 / d"), .i("7 % d"),
            .i("(x + y) * (x - y)"), .i("x * 3 - y / 4 + d % 5"), .i("(x / d) * d + x % d"),
            .i("x * d * d"), .i("-x / d"), .i("(-x) % (-d)"), .i("abs(x) % abs(d)"),
            .i("x / 0"), .i("x % 0"), .i("0 / d"),
            .i("-7 / 2"), .i("-7 % 2"), .i("7 % -2"), .i("7 / -2"), .i("-7 / -2"), .i("-7 % -2"),
        ]
        let loaded = try txLoad(probes)
        let h = try TXHarness(loaded.model)
        let t = h.run(loaded, cases: Self.cases, seed: 1)
        txReport(t, "arithmetic", minCompared: probes.count * Self.cases)
        #expect(t.undefined > 100, "division by zero must come up (d is often 0): \(t.undefined)")
        #expect(t.symbolicTerms >= probes.count - 6, "the symbolic path must reach Z3 as terms: \(t.symbolicTerms)")
    }

    @Test func comparisonsAgree() throws {
        let probes: [TXProbe] = [
            .b("x == y"), .b("x != y"), .b("x < y"), .b("x <= y"), .b("x > y"), .b("x >= y"),
            .b("d == 0"), .b("d != 1"), .b("0 < d"), .b("d <= -1"), .b("x > d"), .b("-3 >= d"),
            .b("x + d == y - d"), .b("abs(x) >= abs(y)"), .b("x == x"), .b("x < x"),
            .b("b == p"), .b("b != p"), .b("b == (x > y)"), .b("(x < y) != (d < 0)"), .b("b == true"), .b("false != p"),
            .b("mode == 'mid'"), .b("mode != 'hi'"), .b("'lo' == mode"),
        ]
        let loaded = try txLoad(probes)
        let h = try TXHarness(loaded.model)
        let t = h.run(loaded, cases: Self.cases, seed: 2)
        txReport(t, "comparisons", minCompared: probes.count * Self.cases * 3 / 2)
        #expect(t.symbolicTerms >= probes.count - 2)
    }

    @Test func logicAndConditionalsAgree() throws {
        let probes: [TXProbe] = [
            .b("!b"), .b("!!p"), .b("b && p"), .b("b || p"), .b("b => p"), .b("!(b && !p) || x == y"),
            .b("b => (p => x < y)"), .b("(b => p) => b"), .b("b && p || !b && !p"), .b("b ? p : x > y"),
            .b("x > 0 && y > 0 || d == 0"), .b("b ? (p ? x < y : d == 0) : !p"), .b("true && b"), .b("false || p"),
            .i("b ? x : y"), .i("b ? (p ? x : y) : d"), .i("x > y ? x - y : y - x"), .i("(b ? 1 : -1) * x"),
            .s("b ? mode : 'lo'", "lo"), .s("p ? 'hi' : mode", "hi"),
        ]
        let loaded = try txLoad(probes)
        let h = try TXHarness(loaded.model)
        let t = h.run(loaded, cases: Self.cases, seed: 3)
        txReport(t, "logic", minCompared: probes.count * Self.cases * 3 / 2)
        #expect(t.symbolicTerms >= probes.count - 2)
    }

    /// Division by zero under `&&`, `||`, `=>`, `?:`, `all`, `any`, and
    /// everywhere else: `defined` is false exactly when the evaluator throws.
    @Test func definednessFollowsShortCircuit() throws {
        let probes: [TXProbe] = [
            .b("d != 0 && x / d > 1"), .b("d == 0 || x / d > 1"), .b("d != 0 => x % d == 0"),
            .b("x / d > 1 || true"), .b("x / d > 1 && false"), .b("x % d == 0 => d != 0"),
            .b("false && x / d > 1"), .b("true || x / d > 1"), .b("b && x / d > 0"), .b("b || x % d > 0"),
            .b("b => x / d == 0"), .b("!(x / d > 0)"), .b("(x / d == 0) == b"),
            .i("d == 0 ? 0 : x / d"), .i("d != 0 ? x / d : x % d"), .i("b ? x / d : 0"), .i("b ? 0 : x % d"),
            .i("min(x / d, 3)"), .i("max(1, x % d)"), .i("abs(x % d)"), .i("-(x / d)"), .i("x / d - x / d"),
            .i("x / (d * d)"), .i("x / (d - 2)"), .i("y / (x - d)"),
            .b("any(i in ns: x / (d + i) > 0)"), .b("all(i in ns: x / (d - i) != 100)"),
            .b("any(i in ns: d + i == 0 || x / (d + i) > 0)"), .b("all(i in ns: d == i || x % (d - i) < 7)"),
            .i("sum(i in ns: x / (d - i))"), .i("count(i in ns: x % (d + i) == 0)"),
            .i("min(i in ns: x / (d + i))"), .i("max(i in small: y % (d - i))"),
        ]
        let loaded = try txLoad(probes)
        let h = try TXHarness(loaded.model)
        let t = h.run(loaded, cases: Self.cases, seed: 4)
        txReport(t, "definedness", minCompared: probes.count * Self.cases * 3 / 2)
        #expect(t.undefined > 500, "undefined cases must come up: \(t.undefined)")

        // SPEC §2's own examples, proved over all values.
        let env = h.symbolicEnv
        let guarded = h.translator.translate(loaded.exprs[0], env)
        #expect(h.alwaysDefined(guarded), "`d != 0 && x / d > 1` never divides by zero")
        #expect(h.alwaysDefined(h.translator.translate(loaded.exprs[1], env)), "`d == 0 || x / d > 1`")
        #expect(h.alwaysDefined(h.translator.translate(loaded.exprs[2], env)), "`d != 0 => x % d == 0`")
        let leftFirst = h.translator.translate(loaded.exprs[3], env)
        #expect(!h.alwaysDefined(leftFirst), "`x / d > 1 || true` evaluates the division first")
        let d = try #require(loaded.model.variables.first { $0.name == "d" }).slot
        for (dv, expected) in [(Int64(0), false), (1, true), (-1, true)] {
            h.solver.push()
            h.solver.assert(h.ctx.eq(h.ctx.intConst("v\(d)"), h.ctx.int(dv)))
            guard case .sat(let m) = h.solver.check() else {
                Issue.record("d == \(dv) must be sat")
                h.solver.pop()
                continue
            }
            #expect(m.value(try #require(leftFirst.defined)) == .bool(expected), "`x / d > 1 || true` at d = \(dv)")
            h.solver.pop()
        }
    }

    @Test func keyedVariablesAndObservationsAgree() throws {
        let probes: [TXProbe] = [
            .i("c(d)"), .i("c(0)"), .i("c(5)"), .i("c(-3) + c(2)"), .i("c(d) + c(-3)"), .i("c(d + 1)"), .i("c(x)"),
            .i("c(b ? 2 : 5)"), .i("c(p ? d : 0)"), .i("c(c(d))"), .i("c(1)"),
            .i("g('k2')"), .i("g(b ? 'k1' : 'k3')"), .i("g(p ? 'k2' : 'k3') - g('k1')"),
            .b("f('k1')"), .b("f(b ? 'k1' : 'k3')"), .b("f(p ? 'k3' : 'k2') == b"),
            .b("d in ns && c(d) > 0"), .b("c(d) > 0 || d in ns"), .b("!(d in ns) || c(d) != x"),
            .i("ob"), .i("ko(d)"), .i("ob + ko(2)"), .i("ko(b ? -3 : 5)"), .b("ko(d) > ob"),
        ]
        let loaded = try txLoad(probes)
        let h = try TXHarness(loaded.model)
        let t = h.run(loaded, cases: Self.cases, seed: 5)
        txReport(t, "keys", minCompared: probes.count * Self.cases * 3 / 2)
        #expect(t.undefined > 300, "keys outside their set must come up: \(t.undefined)")
        #expect(t.symbolicTerms >= probes.count - 1)
    }

    @Test func membershipAndAggregatesAgree() throws {
        let probes: [TXProbe] = [
            .b("x in ns"), .b("d in ns"), .b("d + 1 in ns"), .b("-d in ns"), .b("abs(d) in small"), .b("'k1' in ks"),
            .b("!(d in small) || d in ns"), .b("(b ? 2 : 1) in ns"),
            .i("sum(i in ns: c(i))"), .i("sum(i in ns: i * x)"), .i("sum(i in ns: c(i) * i - d)"),
            .i("count(i in ns: c(i) > x)"), .i("count(i in ns: i < d)"), .i("count(j in ks: f(j))"),
            .i("min(i in ns: c(i))"), .i("max(i in ns: c(i) - i)"), .i("min(i in ns: abs(i - d))"), .i("max(j in ks: g(j) * 2)"),
            .i("sum(j in ks: g(j))"), .i("min(j in ks: f(j) ? g(j) : x)"), .i("sum(i in small: sum(i2 in ns: c(i2) * i))"),
            .i("max(i in small: min(i2 in ns: c(i2) + i))"), .i("sum(i in ns: ko(i))"), .i("count(i in ns: ko(i) == ob)"),
            .b("all(i in ns: c(i) >= 0)"), .b("any(i in ns: c(i) == x)"), .b("any(i in ns: i == d)"),
            .b("all(j in ks: f(j) => g(j) > 0)"), .b("any(j in ks: f(j) && b)"), .b("all(i in ns: any(j in ks: g(j) > c(i)))"),
            .b("any(i in small: all(j in ks: f(j) || i == d))"), .b("all(j in ks: j == 'k2' || !f(j))"),
        ]
        let loaded = try txLoad(probes)
        let h = try TXHarness(loaded.model)
        let t = h.run(loaded, cases: Self.cases, seed: 6)
        txReport(t, "aggregates", minCompared: probes.count * Self.cases * 3 / 2)
        #expect(t.symbolicTerms >= probes.count - 1)
    }

    @Test func stateAndInStateAgree() throws {
        let probes: [TXProbe] = [
            .s("state", "idle"), .s("b ? state : 'done'", "done"),
            .b("state == 'busy'"), .b("state != 'done'"), .b("state == 'busy_inner'"), .b("'idle' == state"),
            .b("in_state('busy')"), .b("in_state('busy_inner')"), .b("in_state('idle') || in_state('done')"),
            .b("state == 'busy_inner' => in_state('busy')"), .b("in_state('busy') == (state == 'busy' || state == 'busy_inner')"),
            .b("in_state('done') ? x > 0 : b"),
        ]
        let loaded = try txLoad(probes)
        let h = try TXHarness(loaded.model)
        let t = h.run(loaded, cases: Self.cases, seed: 7)
        txReport(t, "state", minCompared: probes.count * Self.cases * 2)
        #expect(t.symbolicTerms == probes.count)
    }

    /// The worked examples of truncation, by value (not only by agreement).
    @Test func truncationTowardZeroByValue() throws {
        let loaded = try txLoad([.i("x / y"), .i("x % y")])
        let h = try TXHarness(loaded.model)
        let slot = { (n: String) in loaded.model.variables.first { $0.name == n }!.slot }
        let (xs, ys) = (slot("x"), slot("y"))
        let env = h.symbolicEnv
        let div = h.translator.translate(loaded.exprs[0], env), mod = h.translator.translate(loaded.exprs[1], env)
        let table: [(Int64, Int64, Int64, Int64)] = [
            (-7, 2, -3, -1), (7, -2, -3, 1), (-7, -2, 3, -1), (7, 2, 3, 1), (0, -5, 0, 0), (5, 7, 0, 5), (-5, 7, 0, -5),
            (-(1 << 40) - 1, 2, -(1 << 39), -1), (1 << 40, -3, -366_503_875_925, 1),
        ]
        for (a, b, q, r) in table {
            h.solver.push()
            h.solver.assert(h.ctx.and([h.ctx.eq(h.ctx.intConst("v\(xs)"), h.ctx.int(a)), h.ctx.eq(h.ctx.intConst("v\(ys)"), h.ctx.int(b))]))
            guard case .sat(let m) = h.solver.check() else {
                Issue.record("bindings must be sat")
                h.solver.pop()
                continue
            }
            #expect(m.value(h.translator.term(div.value)) == .int(q), "\(a) / \(b)")
            #expect(m.value(h.translator.term(mod.value)) == .int(r), "\(a) % \(b)")
            #expect(try Evaluator.arith(.div, a, b, .unknown) == q, "evaluator \(a) / \(b)")
            #expect(try Evaluator.arith(.mod, a, b, .unknown) == r, "evaluator \(a) % \(b)")
            h.solver.pop()
        }
    }

    /// `min`/`max` over an empty set is an evaluation error (no playbook can
    /// declare one, so the set is added to a loaded model), also under
    /// short-circuit; `sum`, `count`, `all`, `any` over it are defined.
    @Test func emptyAggregatesAreUndefined() throws {
        var model = try txLoad([.b("b")]).model
        model.sets.append(SetInfo(name: "none", elements: [], elementType: .int, loc: .unknown))
        let none = model.sets.count - 1
        let b = try #require(model.variables.firstIndex { $0.name == "b" })
        let x = try #require(model.variables.firstIndex { $0.name == "x" })
        let body = TExpr.arith(.add, .variable(x), .local(0), .unknown)
        let minimum = TExpr.aggregate(.min, set: none, slot: 0, body: body, .unknown)
        let maximum = TExpr.aggregate(.max, set: none, slot: 0, body: body, .unknown)
        let exprs: [TExpr] = [
            minimum, maximum,
            .compare(.gt, minimum, .lit(.int(0))),
            .and(.variable(b), .compare(.gt, maximum, .variable(x))),
            .or(.variable(b), .compare(.lt, minimum, .variable(x))),
            .conditional(.variable(b), .lit(.int(1)), minimum),
            .aggregate(.sum, set: none, slot: 0, body: body, .unknown),
            .aggregate(.count, set: none, slot: 0, body: .compare(.gt, body, .lit(.int(0))), .unknown),
            .aggregate(.all, set: none, slot: 0, body: .compare(.gt, body, .lit(.int(0))), .unknown),
            .aggregate(.any, set: none, slot: 0, body: .compare(.gt, body, .lit(.int(0))), .unknown),
        ]
        let texts = ["min(k in none: x + k)", "max(k in none: x + k)", "min(...) > 0", "b && max(...) > x", "b || min(...) < x",
                     "b ? 1 : min(...)", "sum(k in none: x + k)", "count(...)", "all(...)", "any(...)"]
        let h = try TXHarness(model)
        let t = h.run(translate: exprs, evaluate: exprs, texts: texts, cases: 100, seed: 8)
        txReport(t, "empty aggregates", minCompared: exprs.count * 100 * 2)
        // min, max, min > 0 always; the three short-circuits about half the time.
        #expect(t.undefined >= 2 * 100 * 3 + 2 * 100, "\(t.undefined)")
    }

    /// Random well-typed expressions over every operator at once.
    @Test func randomExpressionsAgree() throws {
        var gen = TXExprGen(rng: TXRandom(seed: 9))
        var probes: [TXProbe] = []
        for n in 0..<240 { probes.append(n % 3 == 0 ? .i(gen.int(4)) : .b(gen.bool(4))) }
        let loaded = try txLoad(probes)
        let h = try TXHarness(loaded.model)
        let t = h.run(loaded, cases: 40, seed: 10)
        txReport(t, "random expressions", minCompared: probes.count * 40)
        #expect(t.undefined > 200, "\(t.undefined)")
    }

    /// The harness itself can fail: a translation of the wrong expression,
    /// or with the wrong definedness, is caught.
    @Test func harnessCatchesDisagreements() throws {
        let loaded = try txLoad([.i("x + y"), .i("x - y"), .b("x / d > 1 || true"), .b("d != 0 && x / d > 1"),
                                 .b("x < y"), .b("x <= y")])
        let h = try TXHarness(loaded.model)
        let e = loaded.exprs
        let t = h.run(translate: [e[0], e[2], e[3], e[4]], evaluate: [e[1], e[3], e[2], e[5]],
                      texts: ["x + y as x - y", "|| as &&", "&& as ||", "< as <="], cases: 100, seed: 11)
        for wrong in ["x + y as x - y", "|| as &&", "&& as ||", "< as <="] {
            #expect(t.failures.contains { $0.contains("`\(wrong)`") && $0.contains("[symbolic") }, "symbolic: \(wrong)")
            #expect(t.failures.contains { $0.contains("`\(wrong)`") && $0.contains("[folded") }, "folded: \(wrong)")
        }
    }
}

// MARK: - Random expressions

/// Well-typed expression text over the playbook above, every construct
/// parenthesised; aggregate variables get fresh names.
private struct TXExprGen {
    var rng: TXRandom
    var intLocals: [String] = []
    var keyLocals: [String] = []
    var fresh = 0

    mutating func name(_ prefix: String) -> String {
        fresh += 1
        return "\(prefix)\(fresh)"
    }

    mutating func intAtom() -> String {
        var atoms = ["x", "y", "d", "d", "ob", "\(rng.int(in: 0...5))", "(-\(rng.int(in: 1...5)))"]
        atoms += intLocals
        atoms += intLocals
        return rng.pick(atoms)
    }

    mutating func nsKey(_ depth: Int) -> String {
        switch rng.below(6) {
        case 0: return "d"
        case 1: return rng.pick(["-3", "0", "2", "5", "1"])
        case 2: if let l = intLocals.last { return l } else { return "d" }
        default: return int(depth - 1)
        }
    }

    mutating func ksKey(_ depth: Int) -> String {
        switch rng.below(4) {
        case 0: return rng.pick(["'k1'", "'k2'", "'k3'"])
        case 1: if let l = keyLocals.last { return l } else { return "'k2'" }
        default: return "(\(bool(depth - 1)) ? 'k1' : \(rng.pick(["'k2'", "'k3'"])))"
        }
    }

    mutating func aggregate(_ kinds: [String], _ depth: Int, body: (inout TXExprGen, Bool) -> String) -> String {
        let kind = rng.pick(kinds)
        let overKeys = rng.below(3) == 0
        let v = name(overKeys ? "j" : "i")
        if overKeys { keyLocals.append(v) } else { intLocals.append(v) }
        let text = body(&self, overKeys)
        if overKeys { keyLocals.removeLast() } else { intLocals.removeLast() }
        return "\(kind)(\(v) in \(overKeys ? "ks" : rng.pick(["ns", "small"])): \(text))"
    }

    mutating func int(_ depth: Int) -> String {
        if depth <= 0 || rng.below(8) == 0 { return intAtom() }
        switch rng.below(14) {
        case 0: return "(-\(int(depth - 1)))"
        case 1: return "abs(\(int(depth - 1)))"
        case 2, 3, 4, 5:
            return "(\(int(depth - 1)) \(rng.pick(["+", "-", "*", "/", "%", "/", "%"])) \(int(depth - 1)))"
        case 6: return "\(rng.pick(["min", "max"]))(\(int(depth - 1)), \(int(depth - 1)))"
        case 7: return "(\(bool(depth - 1)) ? \(int(depth - 1)) : \(int(depth - 1)))"
        case 8: return "c(\(nsKey(depth)))"
        case 9: return "ko(\(nsKey(depth)))"
        case 10: return "g(\(ksKey(depth)))"
        case 11:
            return aggregate(["sum", "min", "max"], depth) { g, overKeys in
                overKeys ? "(g(\(g.keyLocals.last!)) \(g.rng.pick(["+", "*", "/"])) \(g.int(depth - 2)))" : g.int(depth - 1)
            }
        case 12:
            return aggregate(["count"], depth) { g, _ in g.bool(depth - 1) }
        default: return intAtom()
        }
    }

    mutating func boolAtom() -> String {
        var atoms = ["b", "p", "true", "false", "(mode == '\(rng.pick(["lo", "mid", "hi"]))')",
                     "(state == '\(rng.pick(["idle", "busy", "busy_inner", "done"]))')",
                     "in_state('\(rng.pick(["idle", "busy", "busy_inner", "done"]))')"]
        atoms += keyLocals.map { "f(\($0))" }
        return rng.pick(atoms)
    }

    mutating func bool(_ depth: Int) -> String {
        if depth <= 0 || rng.below(8) == 0 { return boolAtom() }
        switch rng.below(14) {
        case 0: return "(!\(bool(depth - 1)))"
        case 1, 2: return "(\(bool(depth - 1)) \(rng.pick(["&&", "||", "=>"])) \(bool(depth - 1)))"
        case 3, 4, 5: return "(\(int(depth - 1)) \(rng.pick(["==", "!=", "<", "<=", ">", ">="])) \(int(depth - 1)))"
        case 6: return "(\(bool(depth - 1)) \(rng.pick(["==", "!="])) \(bool(depth - 1)))"
        case 7: return "(\(bool(depth - 1)) ? \(bool(depth - 1)) : \(bool(depth - 1)))"
        case 8: return "(\(int(depth - 1)) in \(rng.pick(["ns", "small"])))"
        case 9: return "f(\(ksKey(depth)))"
        case 10, 11:
            return aggregate(["all", "any"], depth) { g, _ in g.bool(depth - 1) }
        case 12: return "(\(rng.pick(["b", "p"])) \(rng.pick(["&&", "||", "=>"])) \(bool(depth - 1)))"
        default: return boolAtom()
        }
    }
}
