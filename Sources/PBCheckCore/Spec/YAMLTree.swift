import Foundation
import Yams

/// A YAML node with its position, owned by pbcheck: aliases are expanded
/// (with a bound), scalars keep their style so expression columns can be
/// mapped back into the file, and mappings keep duplicate keys so they can be
/// reported.
public struct YNode: Sendable {
    public enum Style: Sendable { case plain, singleQuoted, doubleQuoted, literal, folded }

    public indirect enum Value: Sendable {
        case scalar(String, Style)
        case sequence([YNode])
        case mapping([(key: YNode, value: YNode)])
    }

    public var value: Value
    public var loc: SourceLoc

    public var scalar: String? {
        if case .scalar(let s, _) = value { return s }
        return nil
    }

    public var isPlainScalar: Bool {
        if case .scalar(_, .plain) = value { return true }
        return false
    }

    /// The YAML 1.2 core-schema null: `~`, `null`, or an empty plain scalar.
    public var isNull: Bool {
        if case .scalar(let s, .plain) = value { return ["", "~", "null", "Null", "NULL"].contains(s) }
        return false
    }

    public var kindName: String {
        switch value {
        case .scalar: return isNull ? "null" : "a scalar"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }
}

/// Limits that keep hostile input from exhausting memory or the stack.
public enum InputLimits {
    /// Larger files are not playbooks.
    public static let maxFileBytes = 16 << 20
    /// Nodes added by expanding aliases (SPEC §8: alias bombs).
    public static let maxNodes = 100_000
    /// Nodes written in the file itself.
    public static let maxWrittenNodes = 2_000_000
    /// Nesting of YAML collections.
    public static let maxYAMLDepth = 512
    /// Nesting of expressions.
    public static let maxExprDepth = 256
    /// How many times nested aggregates may evaluate their innermost body
    /// (the product of the sets they range over) in one evaluation.
    public static let maxAggregateWork = 1_000_000
}

/// Reads bytes into a `YNode` tree, or a diagnostic saying why it could not.
enum YAMLReader {
    /// The core schema of YAML 1.2, as probar reads it: only `true`/`false`
    /// are booleans, so `on`, `off`, `yes`, `no` stay strings.
    static let resolver: Resolver = {
        // The patterns are constants; a failure here is a programming error
        // caught by every test run.
        let bool = try? Resolver.Rule(.bool, "^(?:true|True|TRUE|false|False|FALSE)$")
        let base = Resolver.default.removing(.bool).removing(.timestamp).removing(.value)
        return bool.map { base.appending($0) } ?? base
    }()

    static func decode(_ data: Data) -> Result<String, Diagnostic> {
        if data.count > InputLimits.maxFileBytes {
            return .failure(.error(.fileTooLarge,
                "file is \(data.count) bytes; a playbook is at most \(InputLimits.maxFileBytes) bytes",
                at: SourceLoc(line: 1, column: 1)))
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            return .failure(.error(.fileEncoding, "file is not valid UTF-8", at: firstInvalidUTF8(data)))
        }
        if text.unicodeScalars.contains(where: { $0 == "\0" }) {
            return .failure(.error(.fileEncoding, "file contains a NUL byte; it is not a text file",
                                   at: locOfScalar(text, "\0")))
        }
        return .success(text)
    }

    /// The line and column (in scalars) of the first byte that is not UTF-8.
    static func firstInvalidUTF8(_ data: Data) -> SourceLoc {
        var line = 1, column = 1
        var iterator = data.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let s):
                if s == "\n" { line += 1; column = 1 } else { column += 1 }
            case .emptyInput, .error:
                return SourceLoc(line: line, column: column)
            }
        }
    }

    private static func locOfScalar(_ text: String, _ target: Unicode.Scalar) -> SourceLoc {
        var line = 1, column = 1
        for s in text.unicodeScalars {
            if s == target { return SourceLoc(line: line, column: column) }
            if s == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        return SourceLoc(line: line, column: column)
    }

    /// A conservative estimate of the nesting depth, computed before libyaml
    /// and Yams recurse over it: indentation, `- ` runs and unclosed flow
    /// brackets. Over the limit → an error at the deepest spot.
    static func nestingCheck(_ file: SourceFile) -> Diagnostic? {
        var flow = 0
        for (index, line) in file.lines.enumerated() {
            var i = 0
            while i < line.count, line[i] == " " { i += 1 }
            var depth = i / 2
            // Compact block sequences/mappings: "- - - x", "? ".
            while i + 1 < line.count, line[i] == "-" || line[i] == "?", line[i + 1] == " " {
                depth += 1
                i += 2
                while i < line.count, line[i] == " " { i += 1 }
            }
            var quote: Unicode.Scalar? = nil
            var j = i
            while j < line.count {
                let c = line[j]
                if let q = quote {
                    if c == q { quote = nil }
                } else if c == "#" && (j == 0 || line[j - 1] == " ") {
                    break
                } else if (c == "\"" || c == "'") && flow > 0 {
                    quote = c
                } else if c == "[" || c == "{" {
                    flow += 1
                    if depth + flow > InputLimits.maxYAMLDepth {
                        return .error(.yamlTooDeep,
                            "YAML nesting deeper than \(InputLimits.maxYAMLDepth) levels",
                            at: SourceLoc(line: index + 1, column: j + 1))
                    }
                } else if (c == "]" || c == "}") && flow > 0 {
                    flow -= 1
                }
                j += 1
            }
            if depth + flow > InputLimits.maxYAMLDepth {
                return .error(.yamlTooDeep, "YAML nesting deeper than \(InputLimits.maxYAMLDepth) levels",
                              at: SourceLoc(line: index + 1, column: min(i, line.count) + 1))
            }
        }
        return nil
    }

    /// Parses one YAML document. Runs Yams on a thread with a large stack:
    /// Yams composes recursively, and `nestingCheck` bounds the depth.
    static func parse(_ file: SourceFile) -> Result<YNode?, Diagnostic> {
        if let d = nestingCheck(file) { return .failure(d) }
        final class Box: @unchecked Sendable { var result: Result<Node?, Error> = .success(nil) }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let text = file.text
        let thread = Thread {
            box.result = Result { try Yams.compose(yaml: text, resolver, .default) }
            done.signal()
        }
        thread.stackSize = 256 << 20
        thread.start()
        done.wait()
        switch box.result {
        case .failure(let error):
            return .failure(yamlErrorDiagnostic(error))
        case .success(nil):
            return .success(nil)
        case .success(let node?):
            var budget = InputLimits.maxNodes, written = 0
            return convert(node, budget: &budget, written: &written, aliasUse: nil, file: file).map { Optional($0) }
        }
    }

    private static func loc(_ mark: Mark?) -> SourceLoc {
        mark.map { SourceLoc(line: $0.line, column: $0.column) } ?? .unknown
    }

    /// The `*` of an alias written after a mapping key on its line, else the key.
    private static func aliasSite(after key: SourceLoc, in file: SourceFile) -> SourceLoc {
        guard key.line >= 1, key.line <= file.lines.count else { return key }
        let line = file.lines[key.line - 1]
        var c = max(key.column, 1)
        while c <= line.count {
            if line[c - 1] == "*" { return SourceLoc(line: key.line, column: c) }
            c += 1
        }
        return key
    }

    /// Copies the Yams tree, expanding aliases, until the node budget runs
    /// out. Yams gives an alias the mark of its anchor, so a child that
    /// starts before its parent came from an alias: `aliasUse` remembers
    /// where that alias was used, to point the error there.
    private static func convert(_ node: Node, budget: inout Int, written: inout Int, aliasUse: SourceLoc?, file: SourceFile) -> Result<YNode, Diagnostic> {
        // Nodes written in the file are bounded by the file size (and a hard
        // cap); nodes produced by expanding aliases get the SPEC §8 budget.
        if let at = aliasUse {
            budget -= 1
            if budget < 0 {
                return .failure(.error(.yamlAliasLimit,
                    "aliases here expand the document by more than \(grouped(InputLimits.maxNodes)) nodes (an alias bomb?)", at: at))
            }
        } else {
            written += 1
            if written > InputLimits.maxWrittenNodes {
                return .failure(.error(.fileTooLarge,
                    "the document has more than \(InputLimits.maxWrittenNodes) YAML nodes; that is not a playbook", at: loc(node.mark)))
            }
        }
        func use(_ child: Node, site: SourceLoc) -> SourceLoc? {
            if let use = aliasUse { return use }
            return loc(child.mark) < loc(node.mark) ? site : nil
        }
        switch node {
        case .scalar(let s):
            let style: YNode.Style
            switch s.style {
            case .singleQuoted: style = .singleQuoted
            case .doubleQuoted: style = .doubleQuoted
            case .literal: style = .literal
            case .folded: style = .folded
            default: style = .plain
            }
            return .success(YNode(value: .scalar(s.string, style), loc: loc(s.mark)))
        case .sequence(let seq):
            var items: [YNode] = []
            for item in seq {
                switch convert(item, budget: &budget, written: &written, aliasUse: use(item, site: loc(seq.mark)), file: file) {
                case .success(let n): items.append(n)
                case .failure(let d): return .failure(d)
                }
            }
            return .success(YNode(value: .sequence(items), loc: loc(seq.mark)))
        case .mapping(let map):
            var pairs: [(key: YNode, value: YNode)] = []
            for (k, v) in map {
                let key: YNode, value: YNode
                switch convert(k, budget: &budget, written: &written, aliasUse: use(k, site: loc(map.mark)), file: file) {
                case .success(let n): key = n
                case .failure(let d): return .failure(d)
                }
                switch convert(v, budget: &budget, written: &written, aliasUse: use(v, site: aliasSite(after: loc(k.mark), in: file)), file: file) {
                case .success(let n): value = n
                case .failure(let d): return .failure(d)
                }
                pairs.append((key, value))
            }
            return .success(YNode(value: .mapping(pairs), loc: loc(map.mark)))
        }
    }

    /// `n` with commas between groups of three digits: 100000 is "100,000".
    private static func grouped(_ n: Int) -> String {
        var digits = String(n), groups: [Substring] = []
        while digits.count > 3 {
            groups.insert(digits.suffix(3), at: 0)
            digits.removeLast(3)
        }
        return ([Substring(digits)] + groups).joined(separator: ",")
    }

    private static func yamlErrorDiagnostic(_ error: Error) -> Diagnostic {
        guard let yaml = error as? YamlError else {
            return .error(.yamlSyntax, "YAML error: \(error)", at: SourceLoc(line: 1, column: 1))
        }
        switch yaml {
        case .reader(let problem, _, _, _):
            return .error(.fileEncoding, "cannot read the file: \(problem)", at: SourceLoc(line: 1, column: 1))
        case .scanner(let context, let problem, let mark, _):
            return .error(.yamlSyntax, message(context, problem), at: loc(mark))
        case .parser(let context, let problem, let mark, _):
            return .error(.yamlSyntax, message(context, problem), at: loc(mark))
        case .composer(let context, let problem, let mark, _):
            return .error(.yamlSyntax, message(context, problem), at: loc(mark))
        case .no:
            return .error(.yamlSyntax, "YAML error", at: SourceLoc(line: 1, column: 1))
        default:
            return .error(.yamlSyntax, "YAML error: \(yaml)", at: SourceLoc(line: 1, column: 1))
        }
    }

    private static func message(_ context: YamlError.Context?, _ problem: String) -> String {
        guard let c = context else { return "YAML syntax error: \(problem)" }
        return "YAML syntax error: \(problem) \(c.text)"
    }
}
