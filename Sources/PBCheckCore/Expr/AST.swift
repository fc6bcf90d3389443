/// An expression as written: the parse tree of SPEC §2 (plus the browser
/// constructs of §2.1), with each node's span as scalar offsets into its
/// `ExprText`.
public struct Expr: Hashable, Sendable {
    public var kind: Kind
    public var span: Range<Int>

    public init(_ kind: Kind, _ span: Range<Int>) {
        self.kind = kind
        self.span = span
    }

    public indirect enum Kind: Hashable, Sendable {
        case int(Int64)
        case string(String)
        case bool(Bool)
        case state
        /// `name`, `name()` (`called`, no args) or `name(a, b)`.
        case name(String, args: [Expr], called: Bool)
        case unary(UnaryOp, Expr)
        case binary(BinaryOp, Expr, Expr)
        case conditional(Expr, Expr, Expr)
        case aggregate(AggregateKind, variable: String, set: String, body: Expr)
        // Browser constructs (SPEC §2.1): only ever inside opaque atoms.
        case member(Expr, String)
        case method(Expr, String, args: [Expr])
        case null
        case undefined
    }

    /// Structural equality, ignoring spans (for round-trip tests).
    public func sameTree(as other: Expr) -> Bool { stripped == other.stripped }

    /// This tree with every span zeroed.
    public var stripped: Expr { Expr(withChildren(children.map(\.stripped)).kind, 0..<0) }

    /// The direct subexpressions, in source order.
    public var children: [Expr] {
        switch kind {
        case .int, .string, .bool, .state, .null, .undefined: return []
        case .name(_, let args, _): return args
        case .unary(_, let e): return [e]
        case .binary(_, let a, let b): return [a, b]
        case .conditional(let c, let a, let b): return [c, a, b]
        case .aggregate(_, _, _, let body): return [body]
        case .member(let e, _): return [e]
        case .method(let e, _, let args): return [e] + args
        }
    }

    /// True when this node is a browser construct (member access, method
    /// call, `===`/`!==`, `null`, `undefined`).
    public var isBrowserConstruct: Bool {
        switch kind {
        case .member, .method, .null, .undefined: return true
        case .binary(let op, _, _): return op == .strictEq || op == .strictNe
        default: return false
        }
    }

    /// True when this node or a descendant is a browser construct.
    public var containsBrowserConstruct: Bool {
        isBrowserConstruct || children.contains { $0.containsBrowserConstruct }
    }
}

public enum UnaryOp: String, Hashable, Sendable { case not = "!", negate = "-" }

public enum BinaryOp: String, Hashable, Sendable, CaseIterable {
    case implies = "=>"
    case or = "||"
    case and = "&&"
    case eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">="
    case contains = "contains", `in` = "in"
    case strictEq = "===", strictNe = "!=="
    case add = "+", sub = "-"
    case mul = "*", div = "/", mod = "%"

    /// Binding strength, higher binds tighter (C's order).
    public var precedence: Int {
        switch self {
        case .implies: return 2
        case .or: return 3
        case .and: return 4
        case .eq, .ne, .lt, .le, .gt, .ge, .contains, .in, .strictEq, .strictNe: return 5
        case .add, .sub: return 6
        case .mul, .div, .mod: return 7
        }
    }

    public var isComparison: Bool { precedence == 5 }
}

public enum AggregateKind: String, Hashable, Sendable, CaseIterable {
    case all, any, count, sum, min, max
}

/// Precedence levels of the grammar, for the printer.
enum Precedence {
    static let conditional = 1
    static let unary = 8
    static let postfix = 9
}

extension Expr {
    /// This node with its direct subexpressions replaced (in `children` order).
    /// (Mutants rebuild a tree one node changed; `stripped` zeroes spans.)
    func withChildren(_ c: [Expr]) -> Expr {
        let k: Kind
        switch kind {
        case .int, .string, .bool, .state, .null, .undefined: k = kind
        case .name(let n, _, let called): k = .name(n, args: c, called: called)
        case .unary(let op, _): k = .unary(op, c[0])
        case .binary(let op, _, _): k = .binary(op, c[0], c[1])
        case .conditional: k = .conditional(c[0], c[1], c[2])
        case .aggregate(let agg, let v, let s, _): k = .aggregate(agg, variable: v, set: s, body: c[0])
        case .member(_, let n): k = .member(c[0], n)
        case .method(_, let n, _): k = .method(c[0], n, args: Array(c.dropFirst()))
        }
        return Expr(k, span)
    }
}
