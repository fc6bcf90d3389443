import PropertyBased
import Testing
@testable import PBCheckCore

/// Builds an expression from a sequence of choices (Hypothesis-style): each
/// choice picks a production; when the choices run out, leaves follow. The
/// library shrinks the array, which shrinks the tree.
struct ExprBuilder {
    var choices: [Int]
    var next = 0

    mutating func draw(_ n: Int) -> Int {
        guard next < choices.count else { return 0 }
        defer { next += 1 }
        return choices[next] % n
    }

    static let names = ["a", "b", "failures", "catalog_count", "x1", "in_state", "n"]
    static let strings = ["open", "half_open", "us-west-1", "it's", "a b"]

    mutating func build(depth: Int) -> Expr {
        let leafOnly = depth >= 6 || next >= choices.count
        let pick = leafOnly ? draw(5) : draw(14)
        func e(_ k: Expr.Kind) -> Expr { Expr(k, 0..<0) }
        switch pick {
        case 0: return e(.int(Int64(draw(1000))))
        case 1: return e(.string(ExprBuilder.strings[draw(ExprBuilder.strings.count)]))
        case 2: return e(.bool(draw(2) == 0))
        case 3: return e(.state)
        case 4: return e(.name(ExprBuilder.names[draw(ExprBuilder.names.count)], args: [], called: draw(2) == 0))
        case 5: return e(.unary(draw(2) == 0 ? .not : .negate, build(depth: depth + 1)))
        case 6, 7, 8:
            let ops = BinaryOp.allCases.filter { $0 != .in && $0 != .strictEq && $0 != .strictNe }
            return e(.binary(ops[draw(ops.count)], build(depth: depth + 1), build(depth: depth + 1)))
        case 9: return e(.binary(.in, build(depth: depth + 1), e(.name("nodes", args: [], called: false))))
        case 10: return e(.conditional(build(depth: depth + 1), build(depth: depth + 1), build(depth: depth + 1)))
        case 11:
            let agg = AggregateKind.allCases[draw(AggregateKind.allCases.count)]
            return e(.aggregate(agg, variable: "k", set: "nodes", body: build(depth: depth + 1)))
        case 12:
            let n = draw(3)
            return e(.name(ExprBuilder.names[draw(ExprBuilder.names.count)], args: (0..<n).map { _ in build(depth: depth + 1) }, called: true))
        default:
            let base = build(depth: depth + 1)
            return draw(2) == 0 ? e(.member(base, "text")) : e(.method(base, "len", args: []))
        }
    }
}

@Suite struct RoundTripTests {
    @Test func printThenParseGivesTheSameTree() async {
        await propertyCheck(count: 2000, input: Gen.int(in: 0...10_000).array(of: 0...80)) { choices in
            var builder = ExprBuilder(choices: choices)
            let tree = builder.build(depth: 0)
            let text = ExprPrinter.print(tree)
            switch ExprParser.parse(text) {
            case .success(let parsed):
                #expect(parsed.sameTree(as: tree), "printed as: \(text)")
                #expect(ExprPrinter.print(parsed) == text)
            case .failure(let error):
                Issue.record("printed text does not parse: \(text) — \(error.message) at \(error.offset)")
            }
        }
    }
}
