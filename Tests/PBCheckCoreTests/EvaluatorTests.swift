import Testing
@testable import PBCheckCore

struct FixedContext: EvalContext {
    var controlState = 0
    var vars: [Value]
    var obs: [Value] = []
    func variable(_ slot: Int) -> Value { vars[slot] }
    func observation(_ slot: Int) -> Value { obs[slot] }
}

@Suite struct EvaluatorTests {
    /// Builds a model with int variables x, y and evaluates `expr` there.
    func eval(_ expr: String, x: Int64, y: Int64) throws -> Result<Value, EvalError> {
        let r = validate(machine(extra: """
          sets: { ks: [k1, k2] }
          variables:
            x: { type: int, init: 0 }
            y: { type: int, init: 0 }
            c: { type: int, range: [0, 3], keys: ks, init: 1 }
          invariants:
            - condition: "\(expr)"
        """))
        let m = try #require(r.model, "\(r.diagnostics)")
        let ev = Evaluator(model: m)
        var locals: [Value] = []
        let ctx = FixedContext(vars: [.int(x), .int(y), .int(1), .int(2)])
        do {
            return .success(try ev.eval(m.globalInvariants[0].condition, ctx, &locals))
        } catch {
            return .failure(error)
        }
    }

    @Test func truncatingDivisionAndModulo() throws {
        #expect(try eval("x / y == -2", x: -7, y: 3).get() == .bool(true))
        #expect(try eval("x % y == -1", x: -7, y: 3).get() == .bool(true))
        #expect(try eval("x / y == -2", x: 7, y: -3).get() == .bool(true))
        #expect(try eval("x % y == 1", x: 7, y: -3).get() == .bool(true))
    }

    @Test func divisionByZeroIsAnError() throws {
        guard case .failure(.divisionByZero) = try eval("x / y > 0", x: 1, y: 0) else {
            Issue.record("division by zero must be an evaluation error")
            return
        }
        // Short-circuit: the division is never evaluated.
        #expect(try eval("y != 0 && x / y > 1", x: 1, y: 0).get() == .bool(false))
        #expect(try eval("y == 0 || x / y > 1", x: 1, y: 0).get() == .bool(true))
        #expect(try eval("y == 0 ? true : x / y > 1", x: 1, y: 0).get() == .bool(true))
    }

    @Test func overflowIsALimitNotAWrap() throws {
        guard case .failure(.overflow) = try eval("x * y > 0", x: Int64.max / 2, y: 3) else {
            Issue.record("overflow must be reported")
            return
        }
        guard case .failure(.overflow) = try eval("x + 1 > 0", x: Int64.max, y: 0) else {
            Issue.record("overflow must be reported")
            return
        }
        guard case .failure(.overflow) = try eval("-x > 0", x: Int64.min, y: 0) else {
            Issue.record("overflow must be reported")
            return
        }
        #expect(try eval("x % y == 0", x: Int64.min, y: -1).get() == .bool(true))
    }

    @Test func aggregatesAndKeys() throws {
        #expect(try eval("sum(k in ks: c(k)) == 3", x: 0, y: 0).get() == .bool(true))
        #expect(try eval("count(k in ks: c(k) > 1) == 1", x: 0, y: 0).get() == .bool(true))
        #expect(try eval("max(k in ks: c(k)) == 2 && min(k in ks: c(k)) == 1", x: 0, y: 0).get() == .bool(true))
        #expect(try eval("all(k in ks: c(k) > 0) && any(k in ks: c(k) == 2)", x: 0, y: 0).get() == .bool(true))
        #expect(try eval("c('k2') == 2 && 'k1' in ks", x: 0, y: 0).get() == .bool(true))
        #expect(try eval("abs(x) == 5 && min(x, y) == -5 && max(x, y) == 2", x: -5, y: 2).get() == .bool(true))
    }
}
