/// A lexical or syntax error in an expression, at a scalar offset.
public struct ExprError: Error, Sendable {
    public var code: DiagnosticCode
    public var message: String
    public var offset: Int
}

/// One token of the expression language.
struct Token: Sendable {
    enum Kind: Equatable, Sendable {
        case int(Int64)
        case string(String)
        case ident(String)
        case op(String)
        case end
    }
    var kind: Kind
    var span: Range<Int>
}

/// Splits an expression into tokens.
struct Lexer {
    private let s: [Unicode.Scalar]
    private var i = 0

    init(_ scalars: [Unicode.Scalar]) { s = scalars }

    private static let operators = ["===", "!==", "==", "!=", "<=", ">=", "=>", "&&", "||",
                                    "<", ">", "!", "+", "-", "*", "/", "%", "(", ")", ",", ":", "?", ".", "[", "]"]

    static func isIdentStart(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if v < 0x80 { return (v >= 0x61 && v <= 0x7A) || (v >= 0x41 && v <= 0x5A) || v == 0x5F || v == 0x24 }
        return c.properties.isAlphabetic
    }

    static func isIdentPart(_ c: Unicode.Scalar) -> Bool {
        isIdentStart(c) || ("0"..."9").contains(c)
    }

    mutating func tokenize() throws(ExprError) -> [Token] {
        var out: [Token] = []
        while true {
            while i < s.count, s[i] == " " || s[i] == "\t" || s[i] == "\n" || s[i] == "\r" { i += 1 }
            guard i < s.count else { break }
            let start = i
            let c = s[i]
            if ("0"..."9").contains(c) {
                while i < s.count, ("0"..."9").contains(s[i]) { i += 1 }
                if i < s.count, Lexer.isIdentStart(s[i]) || s[i] == "." && i + 1 < s.count && ("0"..."9").contains(s[i + 1]) {
                    throw ExprError(code: .exprSyntax, message: "malformed number", offset: start)
                }
                var digits = ""
                digits.unicodeScalars.append(contentsOf: s[start..<i])
                guard let v = Int64(digits) else {
                    throw ExprError(code: .intLiteralRange,
                                    message: "integer literal \(digits) does not fit in 64 bits", offset: start)
                }
                out.append(Token(kind: .int(v), span: start..<i))
            } else if c == "'" || c == "\"" {
                i += 1
                while i < s.count, s[i] != c { i += 1 }
                guard i < s.count else {
                    throw ExprError(code: .exprSyntax, message: "unterminated string literal", offset: start)
                }
                var text = ""
                text.unicodeScalars.append(contentsOf: s[(start + 1)..<i])
                i += 1
                out.append(Token(kind: .string(text), span: start..<i))
            } else if Lexer.isIdentStart(c) {
                while i < s.count, Lexer.isIdentPart(s[i]) { i += 1 }
                var text = ""
                text.unicodeScalars.append(contentsOf: s[start..<i])
                out.append(Token(kind: .ident(text), span: start..<i))
            } else if let op = Lexer.operators.first(where: { matches($0) }) {
                i += op.unicodeScalars.count
                out.append(Token(kind: .op(op), span: start..<i))
            } else {
                throw ExprError(code: .exprSyntax, message: "unexpected character '\(Character(c))'", offset: start)
            }
        }
        out.append(Token(kind: .end, span: s.count..<s.count))
        return out
    }

    private func matches(_ op: String) -> Bool {
        var j = i
        for u in op.unicodeScalars {
            guard j < s.count, s[j] == u else { return false }
            j += 1
        }
        return true
    }
}

/// Recursive-descent parser for SPEC §2's grammar and §2.1's browser
/// constructs. Depth is bounded (`InputLimits.maxExprDepth`), counting both
/// nesting and operator chains, so no later tree walk can overflow the stack.
public struct ExprParser {
    private var tokens: [Token]
    private var p = 0
    private var depth = 0

    /// Parses a whole expression; trailing tokens are an error.
    public static func parse(_ text: ExprText) -> Result<Expr, ExprError> {
        parse(text.scalars)
    }

    public static func parse(_ text: String) -> Result<Expr, ExprError> {
        parse(Array(text.unicodeScalars))
    }

    static func parse(_ scalars: [Unicode.Scalar]) -> Result<Expr, ExprError> {
        do throws(ExprError) {
            var lexer = Lexer(scalars)
            var parser = ExprParser(tokens: try lexer.tokenize())
            if case .end = parser.peek.kind {
                throw ExprError(code: .exprSyntax, message: "empty expression", offset: 0)
            }
            let e = try parser.expr()
            guard case .end = parser.peek.kind else {
                throw parser.unexpected("end of expression")
            }
            return .success(e)
        } catch {
            return .failure(error)
        }
    }

    private init(tokens: [Token]) { self.tokens = tokens }

    private var peek: Token { tokens[p] }

    private func peekOp(_ op: String, ahead: Int = 0) -> Bool {
        guard p + ahead < tokens.count else { return false }
        return tokens[p + ahead].kind == .op(op)
    }

    private mutating func advance() -> Token {
        let t = tokens[p]
        if p < tokens.count - 1 { p += 1 }
        return t
    }

    private func describe(_ t: Token) -> String {
        switch t.kind {
        case .int(let v): return "'\(v)'"
        case .string(let s): return "string '\(s)'"
        case .ident(let s): return "'\(s)'"
        case .op(let s): return "'\(s)'"
        case .end: return "end of expression"
        }
    }

    private func unexpected(_ wanted: String) -> ExprError {
        ExprError(code: .exprSyntax, message: "expected \(wanted), found \(describe(peek))", offset: peek.span.lowerBound)
    }

    private mutating func expect(_ op: String) throws(ExprError) -> Token {
        guard peekOp(op) else { throw unexpected("'\(op)'") }
        return advance()
    }

    private mutating func enter() throws(ExprError) {
        depth += 1
        if depth > InputLimits.maxExprDepth {
            throw ExprError(code: .exprTooDeep,
                            message: "expression nested deeper than \(InputLimits.maxExprDepth) levels",
                            offset: peek.span.lowerBound)
        }
    }

    // expr := cond ; cond := impl [ '?' expr ':' expr ]
    mutating func expr() throws(ExprError) -> Expr {
        try enter()
        defer { depth -= 1 }
        let c = try implication()
        guard peekOp("?") else { return c }
        _ = advance()
        let a = try expr()
        _ = try expect(":")
        let b = try expr()
        return Expr(.conditional(c, a, b), c.span.lowerBound..<b.span.upperBound)
    }

    // impl := or [ '=>' impl ]  (right-associative)
    private mutating func implication() throws(ExprError) -> Expr {
        let a = try binaryChain(level: 3)
        guard peekOp("=>") else { return a }
        _ = advance()
        try enter()
        defer { depth -= 1 }
        let b = try implication()
        return Expr(.binary(.implies, a, b), a.span.lowerBound..<b.span.upperBound)
    }

    /// Left-associative levels: 3 `||`, 4 `&&`, 6 `+ -`, 7 `* / %`; level 5
    /// (comparison) is non-associative.
    private mutating func binaryChain(level: Int) throws(ExprError) -> Expr {
        if level == 8 { return try unary() }
        var lhs = try binaryChain(level: level + 1)
        var chained = 0
        defer { depth -= chained }
        while let op = binaryOperator(atLevel: level) {
            _ = advance()
            let rhs = try binaryChain(level: level + 1)
            lhs = Expr(.binary(op, lhs, rhs), lhs.span.lowerBound..<rhs.span.upperBound)
            if level == 5 { break }
            chained += 1
            try enter()
        }
        return lhs
    }

    private func binaryOperator(atLevel level: Int) -> BinaryOp? {
        let op: BinaryOp?
        switch peek.kind {
        case .op(let s): op = BinaryOp(rawValue: s)
        case .ident("contains"): op = .contains
        case .ident("in"): op = .in
        default: op = nil
        }
        guard let op, op != .implies, op.precedence == level else { return nil }
        return op
    }

    // unary := ('!' | '-') unary | postfix
    private mutating func unary() throws(ExprError) -> Expr {
        if peekOp("!") || peekOp("-") {
            let t = advance()
            try enter()
            defer { depth -= 1 }
            let operand = try unary()
            let op: UnaryOp = t.kind == .op("!") ? .not : .negate
            return Expr(.unary(op, operand), t.span.lowerBound..<operand.span.upperBound)
        }
        return try postfix()
    }

    // Browser member access, method calls and indexing after an atom.
    private mutating func postfix() throws(ExprError) -> Expr {
        var e = try atom()
        var chained = 0
        defer { depth -= chained }
        while peekOp(".") || peekOp("[") {
            chained += 1
            try enter()
            if peekOp("[") {
                _ = advance()
                let index = try expr()
                let close = try expect("]")
                e = Expr(.method(e, "[]", args: [index]), e.span.lowerBound..<close.span.upperBound)
                continue
            }
            _ = advance()
            guard case .ident(let name) = peek.kind else { throw unexpected("a member name") }
            let nameToken = advance()
            if peekOp("(") {
                let (args, end) = try arguments()
                e = Expr(.method(e, name, args: args), e.span.lowerBound..<end)
            } else {
                e = Expr(.member(e, name), e.span.lowerBound..<nameToken.span.upperBound)
            }
        }
        return e
    }

    /// `( [expr {, expr}] )`, returning the arguments and the end offset.
    private mutating func arguments() throws(ExprError) -> ([Expr], Int) {
        _ = try expect("(")
        var args: [Expr] = []
        if !peekOp(")") {
            args.append(try expr())
            while peekOp(",") {
                _ = advance()
                args.append(try expr())
            }
        }
        let close = try expect(")")
        return (args, close.span.upperBound)
    }

    private mutating func atom() throws(ExprError) -> Expr {
        let t = peek
        switch t.kind {
        case .int(let v):
            _ = advance()
            return Expr(.int(v), t.span)
        case .string(let s):
            _ = advance()
            return Expr(.string(s), t.span)
        case .op("("):
            _ = advance()
            let e = try expr()
            _ = try expect(")")
            return e
        case .ident(let name):
            switch name {
            case "true", "false":
                _ = advance()
                return Expr(.bool(name == "true"), t.span)
            case "state":
                _ = advance()
                return Expr(.state, t.span)
            case "null":
                _ = advance()
                return Expr(.null, t.span)
            case "undefined":
                _ = advance()
                return Expr(.undefined, t.span)
            case "contains", "in":
                throw unexpected("an operand")
            default:
                break
            }
            _ = advance()
            if let agg = AggregateKind(rawValue: name), peekOp("("),
               p + 2 < tokens.count, case .ident = tokens[p + 1].kind, tokens[p + 2].kind == .ident("in") {
                _ = advance()
                guard case .ident(let variable) = advance().kind else { throw unexpected("a variable") }
                _ = advance()  // in
                guard case .ident(let set) = peek.kind else { throw unexpected("a set name") }
                _ = advance()
                _ = try expect(":")
                let body = try expr()
                let close = try expect(")")
                return Expr(.aggregate(agg, variable: variable, set: set, body: body), t.span.lowerBound..<close.span.upperBound)
            }
            if peekOp("(") {
                let (args, end) = try arguments()
                return Expr(.name(name, args: args, called: true), t.span.lowerBound..<end)
            }
            return Expr(.name(name, args: [], called: false), t.span)
        default:
            throw unexpected("an operand")
        }
    }
}
