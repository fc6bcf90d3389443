import Testing
@testable import PBCheckCore

@Suite struct ExprParserTests {
    func parse(_ s: String) -> Expr? { try? ExprParser.parse(s).get() }
    func canonical(_ s: String) -> String? { parse(s).map(ExprPrinter.print) }

    @Test func precedenceIsCs() {
        #expect(canonical("!a == b") == "!a == b")
        if case .binary(.eq, let lhs, _)? = parse("!a == b")?.kind, case .unary(.not, _) = lhs.kind {} else {
            Issue.record("! must bind tighter than ==")
        }
        #expect(canonical("a || b && c") == "a || b && c")
        if case .binary(.or, _, let rhs)? = parse("a || b && c")?.kind, case .binary(.and, _, _) = rhs.kind {} else {
            Issue.record("&& must bind tighter than ||")
        }
        #expect(canonical("(a || b) && c") == "(a || b) && c")
        #expect(canonical("1 + 2 * 3") == "1 + 2 * 3")
        #expect(canonical("(1 + 2) * 3") == "(1 + 2) * 3")
        #expect(canonical("a - (b - c)") == "a - (b - c)")
        #expect(canonical("(a - b) - c") == "a - b - c")
    }

    @Test func implicationIsRightAssociative() {
        guard case .binary(.implies, _, let rhs)? = parse("a => b => c")?.kind, case .binary(.implies, _, _) = rhs.kind else {
            Issue.record("=> must associate to the right")
            return
        }
        #expect(canonical("(a => b) => c") == "(a => b) => c")
    }

    @Test func conditionalAndAggregates() {
        #expect(canonical("x > 0 ? 1 : 2") == "x > 0 ? 1 : 2")
        #expect(canonical("count(n in nodes: circuit(n) == 'open') <= 2") == "count(n in nodes: circuit(n) == 'open') <= 2")
        #expect(canonical("x in nodes") == "x in nodes")
        #expect(canonical("reason() contains \"latency\"") == "reason() contains 'latency'")
        // An aggregate keyword not followed by `(x in` is an ordinary call.
        #expect(canonical("min(a, b)") == "min(a, b)")
    }

    @Test func browserConstructs() {
        #expect(canonical("display.text.len() > 0") == "display.text.len() > 0")
        #expect(canonical("document.querySelector('#x') !== null") == "document.querySelector('#x') !== null")
        #expect(parse("display.text.contains('Error') || display.text.contains('Infinity')")?.containsBrowserConstruct == true)
        #expect(parse("a.b")?.containsBrowserConstruct == true)
        #expect(parse("a(b) == 1")?.containsBrowserConstruct == false)
    }

    @Test func errorsPointAtTheToken() throws {
        func error(_ s: String) -> ExprError? {
            if case .failure(let e) = ExprParser.parse(s) { return e }
            return nil
        }
        #expect(error("x >=")?.offset == 4)
        #expect(error("x >=")?.code == .exprSyntax)
        #expect(error("(a && b")?.offset == 7)
        #expect(error("a && b)")?.offset == 6)
        #expect(error("a == b == c")?.offset == 7)
        #expect(error("'abc")?.offset == 0)
        #expect(error("x # 1")?.offset == 2)
        #expect(error("99999999999999999999 > 1")?.code == .intLiteralRange)
        #expect(error("")?.code == .exprSyntax)
    }

    @Test func nestingIsBoundedNotRecursedWithoutLimit() {
        let deep = String(repeating: "(", count: 10_000) + "x" + String(repeating: ")", count: 10_000)
        guard case .failure(let e) = ExprParser.parse(deep) else {
            Issue.record("10,000 levels must be rejected")
            return
        }
        #expect(e.code == .exprTooDeep)
        let chain = Array(repeating: "1", count: 5_000).joined(separator: " + ")
        guard case .failure(let e2) = ExprParser.parse(chain) else {
            Issue.record("a 5,000-operand chain builds a 5,000-deep tree and must be rejected")
            return
        }
        #expect(e2.code == .exprTooDeep)
        #expect((try? ExprParser.parse(Array(repeating: "1", count: 100).joined(separator: " + ")).get()) != nil)
        let nots = String(repeating: "!", count: 100_000) + "x"
        if case .failure(let e3) = ExprParser.parse(nots) { #expect(e3.code == .exprTooDeep) } else {
            Issue.record("100,000 prefix operators must be rejected")
        }
    }
}
