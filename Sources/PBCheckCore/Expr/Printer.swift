/// Prints expressions in canonical form: single spaces around binary
/// operators, minimal parentheses, single-quoted strings. Parsing the
/// printed text gives the same tree.
public enum ExprPrinter {
    public static func print(_ e: Expr) -> String {
        var out = ""
        write(e, into: &out)
        return out
    }

    static func precedence(of e: Expr) -> Int {
        switch e.kind {
        case .conditional: return Precedence.conditional
        case .binary(let op, _, _): return op.precedence
        case .unary: return Precedence.unary
        default: return Precedence.postfix
        }
    }

    private static func write(_ e: Expr, into out: inout String, parenthesizedIf needsParens: Bool) {
        if needsParens { out += "(" }
        write(e, into: &out)
        if needsParens { out += ")" }
    }

    private static func write(_ e: Expr, into out: inout String) {
        switch e.kind {
        case .int(let v): out += String(v)
        case .string(let s): out += quote(s)
        case .bool(let b): out += b ? "true" : "false"
        case .state: out += "state"
        case .null: out += "null"
        case .undefined: out += "undefined"
        case .name(let n, let args, let called):
            out += n
            if called { writeArgs(args, into: &out) }
        case .unary(let op, let operand):
            out += op.rawValue
            // `- -x` must not print as `--x`; `-(-1)`-like nesting stays readable.
            let inner = precedence(of: operand) < Precedence.unary
            if !inner, case .unary(let innerOp, _) = operand.kind, innerOp == op, op == .negate { out += " " }
            write(operand, into: &out, parenthesizedIf: inner)
        case .binary(let op, let a, let b):
            let level = op.precedence
            let leftParens: Bool, rightParens: Bool
            if op == .implies {
                leftParens = precedence(of: a) <= level
                rightParens = precedence(of: b) < level
            } else if op.isComparison {
                leftParens = precedence(of: a) <= level
                rightParens = precedence(of: b) <= level
            } else {
                leftParens = precedence(of: a) < level
                rightParens = precedence(of: b) <= level
            }
            write(a, into: &out, parenthesizedIf: leftParens)
            out += " \(op.rawValue) "
            write(b, into: &out, parenthesizedIf: rightParens)
        case .conditional(let c, let a, let b):
            write(c, into: &out, parenthesizedIf: precedence(of: c) <= Precedence.conditional)
            out += " ? "
            write(a, into: &out)
            out += " : "
            write(b, into: &out)
        case .aggregate(let agg, let v, let set, let body):
            out += "\(agg.rawValue)(\(v) in \(set): "
            write(body, into: &out)
            out += ")"
        case .member(let base, let name):
            write(base, into: &out, parenthesizedIf: precedence(of: base) < Precedence.postfix)
            out += ".\(name)"
        case .method(let base, let name, let args):
            write(base, into: &out, parenthesizedIf: precedence(of: base) < Precedence.postfix)
            if name == "[]" {
                out += "["
                if let first = args.first { write(first, into: &out) }
                out += "]"
            } else {
                out += ".\(name)"
                writeArgs(args, into: &out)
            }
        }
    }

    private static func writeArgs(_ args: [Expr], into out: inout String) {
        out += "("
        for (i, a) in args.enumerated() {
            if i > 0 { out += ", " }
            write(a, into: &out)
        }
        out += ")"
    }

    static func quote(_ s: String) -> String {
        s.contains("'") ? "\"\(s)\"" : "'\(s)'"
    }
}
