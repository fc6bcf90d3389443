import Foundation
import PropertyBased
import Testing
@testable import PBCheckCore

@Suite(.serialized) struct Z3Tests {
    @Test func satGivesAModelAndUnsatIsUnsat() throws {
        let z = Z3Context()
        let s = z.solver()
        let x = z.intConst("x"), p = z.boolConst("p")
        s.assert(z.and([z.gt(x, z.int(3)), z.lt(x, z.int(5)), z.eq(p, z.not(z.bool(false)))]))
        guard case .sat(let m) = s.check() else {
            Issue.record("3 < x < 5 is satisfiable")
            return
        }
        #expect(m.value(x) == .int(4))
        #expect(m.value(p) == .bool(true))
        s.assert(z.eq(x, z.int(7)))
        guard case .unsat = s.check() else {
            Issue.record("x == 7 contradicts x < 5")
            return
        }
    }

    @Test func pushPopRestoresAssertions() {
        let z = Z3Context()
        let s = z.solver()
        let x = z.intConst("x")
        s.assert(z.ge(x, z.int(0)))
        s.push()
        s.assert(z.lt(x, z.int(0)))
        if case .unsat = s.check() {} else { Issue.record("x >= 0 && x < 0 is unsat") }
        s.pop()
        if case .sat = s.check() {} else { Issue.record("after pop only x >= 0 remains") }
    }

    /// SPEC §2's division and modulo, in Z3, against the evaluator.
    @Test func truncatingDivisionMatchesTheEvaluator() async {
        await propertyCheck(count: 300, input: Gen.int(in: -1000...1000), Gen.int(in: -50...50)) { a, b in
            guard b != 0 else { return }
            // A context serves one thread; cases may run concurrently.
            let z = Z3Context()
            let s = z.solver()
            let q = z.intConst("q"), r = z.intConst("r")
            s.assert(z.eq(q, z.truncDiv(z.int(Int64(a)), z.int(Int64(b)))))
            s.assert(z.eq(r, z.truncMod(z.int(Int64(a)), z.int(Int64(b)))))
            guard case .sat(let m) = s.check() else {
                Issue.record("division of constants must be sat")
                return
            }
            #expect(m.value(q) == .int(try! Evaluator.arith(.div, Int64(a), Int64(b), .unknown)), "\(a) / \(b)")
            #expect(m.value(r) == .int(try! Evaluator.arith(.mod, Int64(a), Int64(b), .unknown)), "\(a) % \(b)")
        }
    }

    @Test func timeoutIsUnknownNeverAnAnswer() {
        let z = Z3Context()
        let s = z.solver(timeoutMilliseconds: 50)
        // x³ + y³ = z³ over positive integers: Z3 can neither find a model nor prove unsat.
        let x = z.intConst("x"), y = z.intConst("y"), w = z.intConst("w")
        let cube = { (t: Z3Term) in z.mul(t, z.mul(t, t)) }
        s.assert(z.and([z.gt(x, z.int(1)), z.gt(y, z.int(1)), z.gt(w, z.int(1))]))
        s.assert(z.eq(z.add(cube(x), cube(y)), cube(w)))
        guard case .unknown(let reason) = s.check() else {
            Issue.record("a 50 ms budget on Fermat's cubes must come back unknown")
            return
        }
        #expect(!reason.isEmpty)
    }

    @Test func unsatCoreNamesTheConflictingAssumptions() {
        let z = Z3Context()
        let s = z.solver()
        let x = z.intConst("x"), y = z.intConst("y")
        let p = (0..<3).map { z.boolConst("p\($0)") }
        s.assert(z.implies(p[0], z.gt(x, z.int(5))))
        s.assert(z.implies(p[1], z.gt(y, z.int(0))))
        s.assert(z.implies(p[2], z.lt(x, z.int(3))))
        guard case .unsat = s.check(assuming: p) else {
            Issue.record("p0 and p2 conflict")
            return
        }
        #expect(s.unsatCore(of: p) == [0, 2])
    }

    @Test func valuesBeyond64BitsAreNotReadAsValues() {
        let z = Z3Context()
        let s = z.solver()
        let x = z.intConst("x")
        s.assert(z.eq(x, z.mul(z.int(Int64.max), z.int(4))))
        guard case .sat(let m) = s.check() else {
            Issue.record("sat")
            return
        }
        #expect(m.value(x) == nil)
    }

    /// Thousands of terms, solvers and models made and dropped: resident
    /// memory must stay flat (every Z3 object is released).
    /// Z3's allocation counter is process-wide, so any other test that
    /// uses Z3 at the same time would move it: this test runs only in a
    /// process of its own (`make test` runs it so, with PBCHECK_LEAK_TEST=1).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["PBCHECK_LEAK_TEST"] == "1"))
    func noZ3ObjectLeaks() {
        let z = Z3Context()
        let shared = z.solver(timeoutMilliseconds: 1000)
        func round(_ i: Int) {
            // Fresh terms every round; a fresh solver and model every tenth.
            let x = z.intConst("x\(i % 7)"), b = z.boolConst("b")
            let query = z.and([z.gt(x, z.int(Int64(i % 100))), z.implies(b, z.lt(x, z.int(1000)))])
            let s = i % 10 == 0 ? z.solver(timeoutMilliseconds: 1000) : shared
            s.push()
            s.assert(query)
            if case .sat(let m) = s.check(assuming: [b]) { _ = m.value(x) }
            s.pop()
        }
        for i in 0..<1_000 { round(i) }
        // Z3's own tables grow in steps (a doubling now and then), so one
        // window may grow; a leak grows every window. A leak of one term
        // per round would be >= 10,000 * 32 bytes in each.
        var growth: [Int64] = []
        for _ in 0..<4 {
            let before = Z3Context.liveBytes
            for i in 0..<10_000 { round(i) }
            growth.append(Int64(Z3Context.liveBytes) - Int64(before))
        }
        #expect(growth.min()! < 16 << 10, "Z3 holds more bytes after every window of 10,000 rounds: \(growth)")
    }
}
