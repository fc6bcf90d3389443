import Crypto
import Foundation

/// Turns playbook bytes into a `LoadedSpec`: reads the YAML safely, checks
/// the schema (required fields, kinds, duplicate and unknown keys) and parses
/// every expression. Never throws: everything wrong becomes a diagnostic.
public enum SpecLoader {
    public struct Output: Sendable {
        public var spec: LoadedSpec?
        public var file: SourceFile?
        public var diagnostics: DiagnosticBag
        /// The SHA-256 (lowercase hex) of the bytes loaded; nil when the
        /// file could not be read.
        public var sha256: String? = nil
    }

    /// Lowercase hex SHA-256 of `data`.
    public static func sha256(_ data: Data) -> String { hex(SHA256.hash(data: data)) }

    /// Lowercase hex of a SHA-256 digest (one made piece by piece).
    static func hex(_ digest: SHA256.Digest) -> String { digest.map { String(format: "%02x", $0) }.joined() }

    /// Loads the file at `path`.
    public static func load(path: String) -> Output {
        var bag = DiagnosticBag()
        let url = URL(fileURLWithPath: path)
        let data: Data
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            if let size = attributes[.size] as? Int, size > InputLimits.maxFileBytes {
                bag.error(.fileTooLarge,
                          "file is \(size) bytes; a playbook is at most \(InputLimits.maxFileBytes) bytes",
                          at: SourceLoc(line: 1, column: 1))
                return Output(spec: nil, file: nil, diagnostics: bag)
            }
            if (attributes[.type] as? FileAttributeType) == .typeDirectory {
                bag.error(.fileUnreadable, "is a directory, not a playbook", at: nil)
                return Output(spec: nil, file: nil, diagnostics: bag)
            }
            data = try Data(contentsOf: url)
        } catch {
            bag.error(.fileUnreadable, "cannot read file: \(error.localizedDescription)", at: nil)
            return Output(spec: nil, file: nil, diagnostics: bag)
        }
        return load(data: data, path: path)
    }

    /// Loads playbook bytes; `path` is only used to name the file.
    public static func load(data: Data, path: String) -> Output {
        var output: Output
        switch YAMLReader.decode(data) {
        case .success(let text):
            output = load(text: text, path: path)
        case .failure(let d):
            var bag = DiagnosticBag()
            bag.add(d)
            output = Output(spec: nil, file: nil, diagnostics: bag)
        }
        output.sha256 = sha256(data)
        return output
    }

    /// Loads playbook text; its hash is that of its UTF-8 bytes.
    public static func load(text: String, path: String) -> Output {
        var output = parse(text: text, path: path)
        output.sha256 = sha256(Data(text.utf8))
        return output
    }

    private static func parse(text: String, path: String) -> Output {
        var bag = DiagnosticBag()
        let file = SourceFile(path: path, text: text)
        let root: YNode
        switch YAMLReader.parse(file) {
        case .failure(let d):
            bag.add(d)
            return Output(spec: nil, file: file, diagnostics: bag)
        case .success(nil):
            bag.error(.missingField, "the file is empty; a playbook needs `version` and `machine`",
                      at: SourceLoc(line: 1, column: 1))
            return Output(spec: nil, file: file, diagnostics: bag)
        case .success(let node?):
            root = node
        }
        var reader = Reader(file: file, bag: bag)
        let spec = reader.readRoot(root)
        return Output(spec: spec, file: file, diagnostics: reader.bag)
    }
}

/// The schema walk. Kept as one type so every section reports the same way.
struct Reader {
    let file: SourceFile
    var bag: DiagnosticBag

    // MARK: Schema vocabulary

    static let topKeys = ["version", "name", "description", "machine", "scenarios", "states", "transitions", "forbidden"]
    /// probar sections accepted and skipped (SPEC §1).
    static let probarSections = ["playbook", "assertions", "falsification", "performance", "performance_assertions",
                                 "health", "circuit_breaker", "routing_policies", "tui", "metadata"]
    /// probar sections that describe behaviour pbcheck does not check, each
    /// reported as skipped (`metadata` is only descriptive).
    static let unmodeledSections = [
        ("falsification", "probar's mutation protocol"),
        ("performance", "probar's performance budget"),
        ("performance_assertions", "probar's performance assertions"),
        ("health", "probar's health checks"),
        ("circuit_breaker", "probar's circuit breaker settings"),
        ("routing_policies", "probar's routing policies"),
        ("tui", "probar's terminal UI"),
    ]
    static let machineKeys = ["id", "initial", "states", "transitions", "forbidden", "sets", "constants",
                              "variables", "observations", "definitions", "invariants", "description", "name", "performance"]
    static let stateKeys = ["id", "description", "final_state", "parent", "invariants", "on_entry", "on_exit", "metadata", "timeout_ms", "actions", "assertions"]
    static let invariantKeys = ["description", "condition", "severity", "name"]
    static let transitionKeys = ["id", "from", "to", "event", "guard", "params", "effects", "description", "actions", "assertions", "metadata", "timeout_ms"]
    static let forbiddenKeys = ["from", "to", "reason", "description"]
    static let variableKeys = ["type", "range", "values", "keys", "init", "description"]
    static let observationKeys = ["type", "range", "values", "keys", "description"]
    static let scenarioKeys = ["name", "description", "init", "steps", "tags", "metadata"]
    static let pathKeys = ["expected", "must_visit", "must_not_visit", "ends_at"]
    static let stepKeys = ["action", "params", "observe", "choose", "assert", "holds", "repeat", "description", "name", "expect"]

    // MARK: Helpers

    /// The entries of a mapping with unknown keys warned about. `known: nil`
    /// accepts any key. Duplicate keys were reported by `checkDuplicates`.
    mutating func entries(_ node: YNode, known: [String]?, context: String,
                          quietUnknown: [String] = [], warnOnlyIfClose: Bool = false) -> [String: (key: YNode, value: YNode)]? {
        guard case .mapping(let pairs) = node.value else {
            if !node.isNull {
                bag.error(.wrongType, "\(context) must be a mapping, found \(node.kindName)", at: node.loc)
            }
            return nil
        }
        var result: [String: (key: YNode, value: YNode)] = [:]
        for pair in pairs {
            guard let key = pair.key.scalar else {
                bag.error(.wrongType, "\(context) has a key that is not a scalar", at: pair.key.loc)
                continue
            }
            if result[key] == nil { result[key] = pair }
            if let known, !known.contains(key), !quietUnknown.contains(key) {
                let hint = suggestion(for: key, among: known)
                if warnOnlyIfClose && hint == nil { continue }
                bag.warning(.unknownKey, "unknown key '\(key)' in \(context)" + (hint.map { " (did you mean '\($0)'?)" } ?? ""),
                            at: pair.key.loc)
            }
        }
        return result
    }

    /// Reports every duplicate mapping key in the tree (the second and later
    /// occurrences, each pointing back at the first).
    mutating func checkDuplicates(_ node: YNode) {
        var stack = [node]
        while let n = stack.popLast() {
            switch n.value {
            case .scalar: break
            case .sequence(let items): stack.append(contentsOf: items.reversed())
            case .mapping(let pairs):
                var first: [String: SourceLoc] = [:]
                for pair in pairs {
                    if let k = pair.key.scalar {
                        if let f = first[k] {
                            bag.error(.yamlDuplicateKey, "duplicate key '\(k)' (first at line \(f.line)); YAML would silently keep only the last",
                                      at: pair.key.loc, related: [.init(message: "first '\(k)' here", location: f)])
                        } else {
                            first[k] = pair.key.loc
                        }
                    }
                    stack.append(pair.value)
                    stack.append(pair.key)
                }
            }
        }
    }

    mutating func string(_ node: YNode, _ what: String) -> Located<String>? {
        guard let s = node.scalar, !node.isNull else {
            bag.error(.wrongType, "\(what) must be a string, found \(node.kindName)", at: node.loc)
            return nil
        }
        return Located(s, node.loc)
    }

    func optionalText(_ node: YNode?) -> String? {
        guard let node, let s = node.scalar, !node.isNull else { return nil }
        return s
    }

    mutating func bool(_ node: YNode, _ what: String) -> Bool? {
        if node.isPlainScalar, let s = node.scalar {
            if ["true", "True", "TRUE"].contains(s) { return true }
            if ["false", "False", "FALSE"].contains(s) { return false }
        }
        bag.error(.wrongType, "\(what) must be true or false, found '\(node.scalar ?? node.kindName)'", at: node.loc)
        return nil
    }

    static func parseInt(_ s: String) -> Int64? {
        var t = Substring(s)
        if t.hasPrefix("+") { t = t.dropFirst() }
        guard !t.isEmpty, t.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-") }) else { return nil }
        return Int64(t)
    }

    static func isIntLiteral(_ s: String) -> Bool {
        var t = Substring(s)
        if t.hasPrefix("-") || t.hasPrefix("+") { t = t.dropFirst() }
        return !t.isEmpty && t.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// A plain scalar as bool/int/string, a quoted one as string.
    mutating func scalarValue(_ node: YNode, _ what: String) -> Located<ScalarValue>? {
        guard case .scalar(let s, let style) = node.value else {
            bag.error(.wrongType, "\(what) must be a scalar, found \(node.kindName)", at: node.loc)
            return nil
        }
        if style == .plain {
            if ["true", "True", "TRUE"].contains(s) { return Located(.bool(true), node.loc) }
            if ["false", "False", "FALSE"].contains(s) { return Located(.bool(false), node.loc) }
            if Reader.isIntLiteral(s) {
                guard let v = Reader.parseInt(s) else {
                    bag.error(.intLiteralRange, "integer \(s) does not fit in 64 bits", at: node.loc)
                    return nil
                }
                return Located(.int(v), node.loc)
            }
        }
        return Located(.string(s), node.loc)
    }

    mutating func list(_ node: YNode, _ what: String) -> [YNode]? {
        if node.isNull { return [] }
        guard case .sequence(let items) = node.value else {
            bag.error(.wrongType, "\(what) must be a list, found \(node.kindName)", at: node.loc)
            return nil
        }
        return items
    }

    /// Parses an expression scalar, reporting syntax errors at their column.
    mutating func expression(_ node: YNode, _ what: String) -> ExprSource? {
        guard case .scalar(let s, _) = node.value, !node.isNull else {
            bag.error(.wrongType, "\(what) must be an expression string, found \(node.kindName)", at: node.loc)
            return nil
        }
        let text = ExprText(text: s, node: node, file: file)
        switch ExprParser.parse(text) {
        case .success(let e):
            return ExprSource(text: text, expr: e)
        case .failure(let err):
            bag.error(err.code, "\(what): \(err.message)", at: text.loc(err.offset))
            return ExprSource(text: text, expr: nil)
        }
    }

    // MARK: Sections

    mutating func readRoot(_ root: YNode) -> LoadedSpec? {
        checkDuplicates(root)
        var spec = LoadedSpec(file: file)
        guard let top = entries(root, known: Reader.topKeys + Reader.probarSections, context: "the playbook",
                                warnOnlyIfClose: true) else {
            if root.isNull || root.scalar != nil {
                bag.error(.wrongType, "a playbook must be a YAML mapping, found \(root.kindName)", at: root.loc)
            }
            return nil
        }
        readVersion(top["version"], root: root)
        spec.name = optionalText(top["name"]?.value)
        spec.description = optionalText(top["description"]?.value)

        guard let machineNode = top["machine"] else {
            bag.error(.missingField, "missing required section 'machine'", at: root.loc)
            return spec
        }
        if machineNode.value.isNull {
            bag.error(.missingField, "'machine' is empty; it needs 'id', 'initial', 'states' and 'transitions'",
                      at: machineNode.key.loc)
        } else if let m = entries(machineNode.value, known: Reader.machineKeys, context: "machine") {
            readMachine(m, node: machineNode.value, into: &spec)
        }
        if let states = top["states"] { readStates(states.value, into: &spec) }
        if let transitions = top["transitions"] { readTransitions(transitions.value, into: &spec) }
        if let forbidden = top["forbidden"] { readForbidden(forbidden.value, into: &spec) }
        if let scenarios = top["scenarios"] { readScenarios(scenarios.value, into: &spec) }
        if let playbook = top["playbook"] { readPlaybook(playbook.value, into: &spec) }
        if let assertions = top["assertions"] { readAssertions(assertions.value, into: &spec) }
        if let falsification = top["falsification"] { spec.falsification = readFalsification(falsification.value) }
        for (section, what) in Reader.unmodeledSections {
            if let entry = top[section] { skip("\(section): \(what)", entry.key.loc, into: &spec) }
        }
        spec.skipped.sort { $0.loc < $1.loc }
        return spec
    }

    /// probar's `falsification.mutations`, read leniently: `verify` does not
    /// model them, so nothing here is an error that stops it. Every entry
    /// is kept whatever its shape (a missing field is empty, a missing id
    /// is its position), so that `mutate` lists each one.
    func readFalsification(_ node: YNode) -> [FalsificationEntry] {
        guard case .mapping(let pairs) = node.value,
              let list = pairs.first(where: { $0.key.scalar == "mutations" })?.value,
              case .sequence(let items) = list.value else { return [] }
        return items.enumerated().map { i, item in
            var fields: [String: String] = [:]
            if case .mapping(let kv) = item.value {
                for (k, v) in kv { if let key = k.scalar, let text = v.scalar, !v.isNull { fields[key] = text } }
            }
            return FalsificationEntry(id: fields["id"] ?? "mutations[\(i)]", description: fields["description"],
                                      mutate: fields["mutate"] ?? item.scalar ?? "", expectedFailure: fields["expected_failure"],
                                      loc: item.loc)
        }
    }

    /// Records a probar section pbcheck reads but does not model; the
    /// scenario runner reports each as skipped (SPEC §6: never as passed).
    func skip(_ what: String, _ loc: SourceLoc, into spec: inout LoadedSpec) {
        spec.skipped.append(Located("\(what) skipped (outside the model)", loc))
    }

    /// The kind of each probar action or assertion in a list: its `type:`,
    /// else its first key (`click: "#id"`), else the scalar itself.
    static func actionKinds(_ node: YNode) -> [String] {
        guard case .sequence(let items) = node.value else { return node.isNull ? [] : [node.scalar ?? "an action"] }
        return items.map { item in
            if case .mapping(let fields) = item.value {
                if let t = fields.first(where: { $0.key.scalar == "type" })?.value.scalar { return t }
                return fields.first?.key.scalar ?? "an action"
            }
            return item.scalar ?? "an action"
        }
    }

    /// Skips per-state and per-transition probar actions and assertions.
    func skipActions(_ e: [String: (key: YNode, value: YNode)], keys: [String], owner: String, into spec: inout LoadedSpec) {
        for key in keys {
            guard let entry = e[key] else { continue }
            let kinds = Reader.actionKinds(entry.value)
            if kinds.isEmpty { continue }
            let noun = key == "assertions" ? "assertion" : "browser action"
            let prefix = key == "assertions" || key == "actions" ? "" : key + " "
            skip("\(owner): \(prefix)\(noun)\(kinds.count == 1 ? "" : "s") \(kinds.joined(separator: ", "))", entry.key.loc, into: &spec)
        }
    }

    mutating func readVersion(_ entry: (key: YNode, value: YNode)?, root: YNode) {
        guard let entry else {
            bag.error(.missingField, "missing required field 'version' (must be \"1.0\")", at: root.loc)
            return
        }
        let node = entry.value
        guard case .scalar(let s, let style) = node.value else {
            bag.error(.badVersion, "version must be \"1.0\", found \(node.kindName)", at: node.loc)
            return
        }
        if s == "1.0" && style == .plain {
            bag.warning(.versionUnquoted, "version 1.0 is unquoted; write \"1.0\" (a YAML number, not a string)", at: node.loc)
        } else if s != "1.0" {
            bag.error(.badVersion, "unsupported version '\(s)'; pbcheck reads version \"1.0\"", at: node.loc)
        }
    }

    mutating func readMachine(_ m: [String: (key: YNode, value: YNode)], node: YNode, into spec: inout LoadedSpec) {
        if let id = m["id"] { spec.machineID = string(id.value, "machine.id") } else {
            bag.error(.missingField, "missing required field 'machine.id'", at: node.loc)
        }
        if let initial = m["initial"] { spec.initial = string(initial.value, "machine.initial") } else {
            bag.error(.missingField, "missing required field 'machine.initial'", at: node.loc)
        }
        if let states = m["states"] {
            if case .sequence = states.value.value {
                bag.error(.wrongType, "'machine.states' must be a mapping from state id to state, found a list", at: states.value.loc)
            } else {
                readStates(states.value, into: &spec)
            }
        } else {
            bag.error(.missingField, "missing required field 'machine.states'", at: node.loc)
        }
        if let transitions = m["transitions"] { readTransitions(transitions.value, into: &spec) } else {
            bag.error(.missingField, "missing required field 'machine.transitions'", at: node.loc)
        }
        if let f = m["forbidden"] { readForbidden(f.value, into: &spec) }
        if let s = m["sets"] { readSets(s.value, into: &spec) }
        if let c = m["constants"] { readConstants(c.value, into: &spec) }
        if let v = m["variables"] { spec.variables += readDomains(v.value, .variables) }
        if let o = m["observations"] { spec.observations += readDomains(o.value, .observations) }
        if let d = m["definitions"] { readDefinitions(d.value, into: &spec) }
        if let i = m["invariants"], let items = list(i.value, "machine.invariants") {
            spec.invariants += items.compactMap { readInvariant($0, context: "a global invariant") }
        }
        if let p = m["performance"] { skip("machine.performance: probar's performance budget", p.key.loc, into: &spec) }
    }

    mutating func readInvariant(_ node: YNode, context: String) -> InvariantDecl? {
        if case .scalar = node.value, !node.isNull {
            guard let cond = expression(node, "\(context)'s condition") else { return nil }
            return InvariantDecl(description: nil, condition: cond, severity: .error, loc: node.loc)
        }
        guard let e = entries(node, known: Reader.invariantKeys, context: context) else { return nil }
        guard let c = e["condition"] else {
            bag.error(.missingField, "\(context) needs a 'condition'", at: node.loc)
            return nil
        }
        guard let cond = expression(c.value, "condition") else { return nil }
        var severity = InvariantSeverity.error
        if let s = e["severity"] {
            if let v = s.value.scalar, let sev = InvariantSeverity(rawValue: v) { severity = sev } else {
                bag.error(.wrongType, "severity must be warning, error or critical", at: s.value.loc)
            }
        }
        let description = optionalText(e["description"]?.value) ?? optionalText(e["name"]?.value)
        return InvariantDecl(description: description, condition: cond, severity: severity, loc: node.loc)
    }

    mutating func readStates(_ node: YNode, into spec: inout LoadedSpec) {
        switch node.value {
        case .mapping(let pairs):
            if pairs.isEmpty { bag.error(.missingField, "'states' is empty; a machine needs at least one state", at: node.loc) }
            var seen = Set<String>()
            for pair in pairs {
                guard let key = string(pair.key, "a state name") else { continue }
                // A repeated key is a duplicate-key error already; read the first only.
                guard seen.insert(key.value).inserted else { continue }
                if let s = readState(pair.value, key: key, into: &spec) { spec.states.append(s) }
            }
        case .sequence(let items):
            // The list form of top-level sections: each item has an `id`.
            for item in items {
                guard case .mapping = item.value else {
                    bag.error(.wrongType, "a state must be a mapping with an 'id', found \(item.kindName)", at: item.loc)
                    continue
                }
                guard let e = entries(item, known: nil, context: "a state"),
                      let idNode = e["id"], let id = string(idNode.value, "state id") else {
                    bag.error(.missingField, "a state in a list needs an 'id'", at: item.loc)
                    continue
                }
                if let s = readState(item, key: id, into: &spec) { spec.states.append(s) }
            }
        default:
            if node.isNull {
                bag.error(.missingField, "'states' is empty; a machine needs at least one state", at: node.loc)
            } else {
                bag.error(.wrongType, "'states' must be a mapping of state ids, found \(node.kindName)", at: node.loc)
            }
        }
    }

    mutating func readState(_ node: YNode, key: Located<String>, into spec: inout LoadedSpec) -> StateDecl? {
        var decl = StateDecl(id: key, description: nil, isFinal: false, parent: nil, invariants: [])
        if node.isNull { return decl }
        guard let e = entries(node, known: Reader.stateKeys, context: "state '\(key.value)'") else { return decl }
        if let id = e["id"], let s = string(id.value, "state id"), s.value != key.value {
            bag.error(.stateIDMismatch, "state id '\(s.value)' does not match its key '\(key.value)'", at: s.loc,
                      related: [.init(message: "key here", location: key.loc)])
        }
        decl.description = optionalText(e["description"]?.value)
        if let f = e["final_state"] { decl.isFinal = bool(f.value, "final_state") ?? false }
        if let p = e["parent"] { decl.parent = string(p.value, "parent") }
        if let inv = e["invariants"], let items = list(inv.value, "invariants") {
            decl.invariants = items.compactMap { readInvariant($0, context: "an invariant of '\(key.value)'") }
        }
        skipActions(e, keys: ["on_entry", "on_exit", "actions", "assertions"], owner: "state '\(key.value)'", into: &spec)
        return decl
    }

    mutating func readTransitions(_ node: YNode, into spec: inout LoadedSpec) {
        guard let items = list(node, "'transitions'") else { return }
        if items.isEmpty && spec.transitions.isEmpty {
            bag.error(.missingField, "'transitions' is empty; a machine needs at least one transition", at: node.loc)
        }
        for item in items {
            if let t = readTransition(item, into: &spec) { spec.transitions.append(t) }
        }
    }

    mutating func readTransition(_ node: YNode, into spec: inout LoadedSpec) -> TransitionDecl? {
        guard let e = entries(node, known: Reader.transitionKeys, context: "a transition") else {
            if node.isNull { bag.error(.wrongType, "a transition must be a mapping, found null", at: node.loc) }
            return nil
        }
        guard let idNode = e["id"], let id = string(idNode.value, "transition id") else {
            bag.error(.missingField, "a transition needs an 'id'", at: node.loc)
            return nil
        }
        let context = "transition '\(id.value)'"
        var from: FromDecl?
        if let f = e["from"] {
            from = endpoint(f.value, "from")
        } else {
            bag.error(.missingField, "\(context) needs 'from'", at: node.loc)
        }
        var to: Located<String>?
        if let t = e["to"] { to = string(t.value, "to") } else {
            bag.error(.missingField, "\(context) needs 'to'", at: node.loc)
        }
        var event: Located<String>?
        if let ev = e["event"] { event = string(ev.value, "event") } else {
            bag.error(.missingField, "\(context) needs an 'event'", at: node.loc)
        }
        var guardExpr: ExprSource?
        if let g = e["guard"], !g.value.isNull { guardExpr = expression(g.value, "guard of \(context)") }
        var params: [(name: Located<String>, set: Located<String>)] = []
        if let p = e["params"] {
            if case .mapping(let pairs) = p.value.value {
                for pair in pairs {
                    if let n = string(pair.key, "a parameter name"), let s = string(pair.value, "a parameter's set") {
                        params.append((n, s))
                    }
                }
            } else if !p.value.isNull {
                bag.error(.wrongType, "params must be a mapping, found \(p.value.kindName)", at: p.value.loc)
            }
        }
        var effects: [EffectDecl] = []
        if let ef = e["effects"], let items = list(ef.value, "effects") {
            effects = items.compactMap { readEffect($0, context: context) }
        }
        skipActions(e, keys: ["actions", "assertions"], owner: context, into: &spec)
        guard let from, let to else { return nil }
        return TransitionDecl(id: id, from: from, to: to, event: event, guardExpr: guardExpr,
                              params: params, effects: effects, loc: node.loc)
    }

    /// A transition's `from` or either end of a forbidden edge: a state id,
    /// `"*"` or a list of state ids.
    mutating func endpoint(_ node: YNode, _ what: String) -> FromDecl? {
        switch node.value {
        case .scalar(let s, _) where s == "*": return .any(node.loc)
        case .scalar: return string(node, what).map { .states([$0]) }
        case .sequence(let items): return .states(items.compactMap { string($0, "a '\(what)' state") })
        case .mapping:
            bag.error(.wrongType, "'\(what)' must be a state id, \"*\" or a list, found a mapping", at: node.loc)
            return nil
        }
    }

    /// `target := expr` or `target := any`.
    mutating func readEffect(_ node: YNode, context: String) -> EffectDecl? {
        guard case .scalar(let s, _) = node.value, !node.isNull else {
            bag.error(.wrongType, "an effect must be a string 'target := expression'", at: node.loc)
            return nil
        }
        let text = ExprText(text: s, node: node, file: file)
        let scalars = text.scalars
        var split: Int?
        var i = 0
        while i + 1 < scalars.count {
            if scalars[i] == ":" && scalars[i + 1] == "=" { split = i; break }
            i += 1
        }
        guard let split else {
            bag.error(.exprSyntax, "effect of \(context) must have the form 'target := expression'", at: text.loc(0))
            return nil
        }
        let lhs = Array(scalars[0..<split]), rhs = Array(scalars[(split + 2)...])
        let target: Expr
        switch ExprParser.parse(lhs) {
        case .success(let e): target = e
        case .failure(let err):
            bag.error(err.code, "effect target: \(err.message)", at: text.loc(err.offset))
            return nil
        }
        let rhsTrimmed = String(String.UnicodeScalarView(rhs)).trimmingCharacters(in: .whitespaces)
        if rhsTrimmed == "any" {
            return EffectDecl(text: text, target: target, value: nil)
        }
        switch ExprParser.parse(rhs) {
        case .success(let e): return EffectDecl(text: text, target: target, value: e.shifted(by: split + 2))
        case .failure(let err):
            bag.error(err.code, "effect of \(context): \(err.message)", at: text.loc(err.offset + split + 2))
            return nil
        }
    }

    mutating func readForbidden(_ node: YNode, into spec: inout LoadedSpec) {
        guard let items = list(node, "'forbidden'") else { return }
        for item in items {
            guard let e = entries(item, known: Reader.forbiddenKeys, context: "a forbidden edge") else { continue }
            guard let f = e["from"], let t = e["to"] else {
                bag.error(.missingField, "a forbidden edge needs 'from' and 'to'", at: item.loc)
                continue
            }
            guard let from = endpoint(f.value, "from"), let to = endpoint(t.value, "to") else { continue }
            spec.forbidden.append(ForbiddenDecl(from: from, to: to, reason: optionalText(e["reason"]?.value), loc: item.loc))
        }
    }

    mutating func readSets(_ node: YNode, into spec: inout LoadedSpec) {
        guard case .mapping(let pairs) = node.value else {
            if !node.isNull { bag.error(.wrongType, "'sets' must be a mapping", at: node.loc) }
            return
        }
        for pair in pairs {
            guard let name = string(pair.key, "a set name") else { continue }
            switch pair.value.value {
            case .scalar(let s, _):
                let parts = s.components(separatedBy: "..")
                guard parts.count == 2,
                      let lo = Reader.parseInt(parts[0].trimmingCharacters(in: .whitespaces)),
                      let hi = Reader.parseInt(parts[1].trimmingCharacters(in: .whitespaces)) else {
                    bag.error(.wrongType, "set '\(name.value)' must be a list or a range \"LO..HI\"", at: pair.value.loc)
                    continue
                }
                if lo > hi {
                    bag.error(.badRange, "set '\(name.value)' has an empty range \(lo)..\(hi)", at: pair.value.loc)
                    continue
                }
                // hi - lo + 1 elements; the difference itself may not fit in 64 bits.
                let (span, overflow) = hi.subtractingReportingOverflow(lo)
                if overflow || span >= 1_000_000 {
                    bag.error(.badRange, "set '\(name.value)' has more than 1,000,000 elements", at: pair.value.loc)
                    continue
                }
                spec.sets.append(SetDecl(name: name, elements: .range(lo, hi)))
            case .sequence(let items):
                // An empty list is an empty set of integers (SPEC §1.1: sets may be empty).
                let values = items.compactMap { scalarValue($0, "a set element") }
                let ints = values.compactMap { v -> Int64? in if case .int(let i) = v.value { return i }; return nil }
                if ints.count == values.count {
                    spec.sets.append(SetDecl(name: name, elements: .ints(ints)))
                } else {
                    spec.sets.append(SetDecl(name: name, elements: .strings(values.map { $0.value.description })))
                }
            case .mapping:
                bag.error(.wrongType, "set '\(name.value)' must be a list or a range \"LO..HI\"", at: pair.value.loc)
            }
        }
    }

    mutating func readConstants(_ node: YNode, into spec: inout LoadedSpec) {
        guard case .mapping(let pairs) = node.value else {
            if !node.isNull { bag.error(.wrongType, "'constants' must be a mapping", at: node.loc) }
            return
        }
        for pair in pairs {
            guard let name = string(pair.key, "a constant name"), let v = scalarValue(pair.value, "constant '\(name.value)'") else { continue }
            spec.constants.append(ConstantDecl(name: name, value: v))
        }
    }

    mutating func readType(_ e: [String: (key: YNode, value: YNode)], node: YNode, what: String) -> Located<DeclaredType>? {
        guard let t = e["type"] else {
            bag.error(.missingField, "\(what) needs a 'type' (bool, int or enum)", at: node.loc)
            return nil
        }
        guard let s = t.value.scalar, let type = DeclaredType(rawValue: s) else {
            bag.error(.wrongType, "\(what) has type '\(t.value.scalar ?? "?")'; the types are bool, int and enum"
                      + didYouMean(t.value.scalar ?? "", ["bool", "int", "enum"]), at: t.value.loc)
            return nil
        }
        return Located(type, t.value.loc)
    }

    mutating func readDomain(_ e: [String: (key: YNode, value: YNode)], what: String)
        -> (range: Located<(BoundDecl, BoundDecl)>?, values: [Located<String>]?, keys: Located<String>?) {
        var range: Located<(BoundDecl, BoundDecl)>?
        if let r = e["range"] {
            if case .sequence(let items) = r.value.value, items.count == 2 {
                let bounds = items.compactMap { item -> BoundDecl? in
                    guard let s = item.scalar else { return nil }
                    if Reader.isIntLiteral(s) {
                        guard let v = Reader.parseInt(s) else {
                            bag.error(.intLiteralRange, "integer \(s) does not fit in 64 bits", at: item.loc)
                            return nil
                        }
                        return .literal(v)
                    }
                    return .constant(s)
                }
                if bounds.count == 2 { range = Located((bounds[0], bounds[1]), r.value.loc) }
            } else {
                bag.error(.wrongType, "range of \(what) must be a list [LO, HI]", at: r.value.loc)
            }
        }
        var values: [Located<String>]?
        if let v = e["values"], let items = list(v.value, "values of \(what)") {
            values = items.compactMap { string($0, "an enum value") }
        }
        let keys = e["keys"].flatMap { string($0.value, "keys of \(what)") }
        return (range, values, keys)
    }

    /// The two sections that declare names with domains; only a variable
    /// has an `init`.
    enum DomainSection: String {
        case variables, observations

        var noun: String { self == .variables ? "variable" : "observation" }
        var keys: [String] { self == .variables ? Reader.variableKeys : Reader.observationKeys }
    }

    /// The entries of `variables` or `observations`, in file order; one whose
    /// name or type cannot be read is left out.
    mutating func readDomains(_ node: YNode, _ section: DomainSection) -> [DomainDecl] {
        guard case .mapping(let pairs) = node.value else {
            if !node.isNull { bag.error(.wrongType, "'\(section.rawValue)' must be a mapping", at: node.loc) }
            return []
        }
        var decls: [DomainDecl] = []
        for pair in pairs {
            guard let name = string(pair.key, section == .variables ? "a variable name" : "an observation name") else { continue }
            let what = "\(section.noun) '\(name.value)'"
            guard let e = entries(pair.value, known: section.keys, context: what),
                  let type = readType(e, node: pair.value, what: what) else { continue }
            let (range, values, keys) = readDomain(e, what: what)
            var initial: Located<InitDecl>?
            if section == .variables, let i = e["init"] {
                if i.value.isPlainScalar, i.value.scalar == "any" {
                    initial = Located(.any, i.value.loc)
                } else if let v = scalarValue(i.value, "init of \(what)") {
                    initial = Located(.value(v.value), v.loc)
                }
            }
            decls.append(DomainDecl(name: name, type: type, range: range, values: values, keys: keys, initial: initial))
        }
        return decls
    }

    mutating func readDefinitions(_ node: YNode, into spec: inout LoadedSpec) {
        guard case .mapping(let pairs) = node.value else {
            if !node.isNull { bag.error(.wrongType, "'definitions' must be a mapping", at: node.loc) }
            return
        }
        for pair in pairs {
            guard let key = string(pair.key, "a definition name") else { continue }
            // "name" or "name(p, q)"
            var name = key.value.trimmingCharacters(in: .whitespaces)
            var params: [String] = []
            if let open = name.firstIndex(of: "(") {
                guard name.hasSuffix(")") else {
                    bag.error(.exprSyntax, "definition name must be 'name' or 'name(p, q)'", at: key.loc)
                    continue
                }
                let inner = name[name.index(after: open)..<name.index(before: name.endIndex)]
                params = inner.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                name = String(name[..<open]).trimmingCharacters(in: .whitespaces)
            }
            let valid = { (s: String) in
                !s.isEmpty && s.unicodeScalars.first.map(Lexer.isIdentStart) == true && s.unicodeScalars.allSatisfy(Lexer.isIdentPart)
            }
            guard valid(name), params.allSatisfy(valid) else {
                bag.error(.exprSyntax, "definition name must be 'name' or 'name(p, q)' with identifiers", at: key.loc)
                continue
            }
            guard let body = expression(pair.value, "definition '\(name)'") else { continue }
            spec.definitions.append(DefinitionDecl(name: Located(name, key.loc), params: params, body: body))
        }
    }

    mutating func readScenarios(_ node: YNode, into spec: inout LoadedSpec) {
        guard let items = list(node, "'scenarios'") else { return }
        for item in items {
            guard let e = entries(item, known: Reader.scenarioKeys, context: "a scenario") else { continue }
            guard let nameNode = e["name"], let name = string(nameNode.value, "scenario name") else {
                bag.error(.missingField, "a scenario needs a 'name'", at: item.loc)
                continue
            }
            var steps: [ScenarioStep] = []
            if let s = e["steps"], let stepNodes = list(s.value, "steps") {
                for stepNode in stepNodes {
                    if let step = readStep(stepNode, scenario: name.value) { steps.append(step) }
                }
            }
            spec.scenarios.append(ScenarioDecl(name: name, description: optionalText(e["description"]?.value),
                                               initial: bindings(e["init"]?.value, "init"), steps: steps))
        }
    }

    mutating func readStep(_ node: YNode, scenario: String) -> ScenarioStep? {
        guard let e = entries(node, known: Reader.stepKeys, context: "a step of scenario '\(scenario)'") else { return nil }
        if let h = e["holds"] {
            if let other = ["action", "assert"].first(where: { e[$0] != nil }) {
                bag.error(.badScenario, "a step takes one of 'action', 'assert' and 'holds'; this one also has '\(other)'", at: h.key.loc)
                return nil
            }
            return holdsStep(h.value)
        }
        if let a = e["assert"] {
            return expression(a.value, "assert").map { .assert($0) }
        }
        guard let a = e["action"], let action = string(a.value, "action") else {
            bag.error(.badScenario, "a scenario step needs 'action', 'assert' or 'holds'", at: node.loc)
            return nil
        }
        func bindings(_ key: String) -> [(String, Located<ScalarValue>)] { self.bindings(e[key]?.value, key) }
        var repeatCount = 1
        if let r = e["repeat"] {
            if let v = r.value.scalar.flatMap(Reader.parseInt), v >= 0, v <= 1_000_000 { repeatCount = Int(v) } else {
                bag.error(.badScenario, "repeat must be a count between 0 and 1000000", at: r.value.loc)
            }
        }
        return .action(name: action, params: bindings("params"), observe: bindings("observe"), choose: bindings("choose"),
                       repeat: repeatCount)
    }

    /// A scenario's `params:`, `observe:`, `choose:` or `init:`: names to
    /// scalar values, in file order.
    mutating func bindings(_ node: YNode?, _ key: String) -> [(String, Located<ScalarValue>)] {
        guard let node, case .mapping(let pairs) = node.value else { return [] }
        return pairs.compactMap { pair in
            guard let k = pair.key.scalar, let v = scalarValue(pair.value, "\(key) value") else { return nil }
            return (k, v)
        }
    }

    /// `holds: PROPERTY-ID`: the id as every report prints it (SPEC
    /// §5.2.1). Whether it names a property of this machine is checked once
    /// the model is built.
    mutating func holdsStep(_ node: YNode) -> ScenarioStep? {
        guard let text = string(node, "holds") else { return nil }
        guard let id = PropertyID(parsing: text.value) else {
            bag.error(.badScenario, "holds: '\(text.value)' is not a property id (invariant:STATE:INDEX, global:INDEX, forbidden:FROM->TO, "
                      + "range:VAR, deadlock, eval-error, determinism:STATE:EVENT or progress)", at: node.loc)
            return nil
        }
        guard id.kind != .scenario else {
            bag.error(.badScenario, "holds: a scenario cannot be a step of another scenario", at: node.loc)
            return nil
        }
        return .holds(Located(id, node.loc))
    }

    /// probar's scripted runs (`playbook.steps[].transitions`); everything
    /// else probar runs there (setup and teardown, browser actions,
    /// captures, timeouts) is recorded as skipped.
    mutating func readPlaybook(_ node: YNode, into spec: inout LoadedSpec) {
        guard case .mapping(let pairs) = node.value else {
            if !node.isNull { skip("playbook: a \(node.kindName) instead of a mapping", node.loc, into: &spec) }
            return
        }
        for (key, _) in pairs where key.scalar != "steps" {
            skip("playbook.\(key.scalar ?? "?")", key.loc, into: &spec)
        }
        guard let steps = pairs.first(where: { $0.key.scalar == "steps" })?.value else { return }
        guard case .sequence(let items) = steps.value else {
            if !steps.isNull { skip("playbook.steps: a \(steps.kindName) instead of a list", steps.loc, into: &spec) }
            return
        }
        for (index, item) in items.enumerated() {
            guard case .mapping(let fields) = item.value else {
                skip("playbook.steps[\(index)]: a \(item.kindName) instead of a step", item.loc, into: &spec)
                continue
            }
            var run = ScriptedRun(name: "step \(index + 1)", transitions: [], browserActions: [], loc: item.loc)
            if let n = fields.first(where: { $0.key.scalar == "name" })?.value.scalar { run.name = n }
            for (k, v) in fields {
                switch k.scalar {
                case "name", "description": break
                case "transitions":
                    let ts: [YNode]
                    if case .sequence(let items) = v.value { ts = items } else { ts = v.isNull ? [] : [v] }
                    for t in ts {
                        if let id = t.scalar, !t.isNull { run.transitions.append(Located(id, t.loc)) } else {
                            bag.error(.wrongType, "\(run.name): a scripted transition must be a transition id, found \(t.kindName)", at: t.loc)
                        }
                    }
                case "actions":
                    if case .sequence(let acts) = v.value {
                        for (act, kind) in zip(acts, Reader.actionKinds(v)) { run.browserActions.append(Located(kind, act.loc)) }
                    } else {
                        run.browserActions += Reader.actionKinds(v).map { Located($0, v.loc) }
                    }
                case "capture":
                    var vars: [String] = []
                    if case .sequence(let cs) = v.value {
                        vars = cs.map { c in
                            if case .mapping(let cf) = c.value, let name = cf.first(where: { $0.key.scalar == "var" })?.value.scalar { return name }
                            return c.scalar ?? "?"
                        }
                    }
                    let what = vars.isEmpty ? "capture" : "capture\(vars.count == 1 ? "" : "s") \(vars.joined(separator: ", "))"
                    skip("\(run.name): \(what)", k.loc, into: &spec)
                default:
                    skip("\(run.name): \(k.scalar ?? "?")", k.loc, into: &spec)
                }
            }
            spec.scriptedRuns.append(run)
        }
    }

    /// probar's `assertions`: `path.expected` (the exact sequence of states
    /// the scripted run visits) and pbcheck's `must_visit`, `must_not_visit`
    /// and `ends_at`; output, complexity and other assertions are recorded
    /// as skipped.
    mutating func readAssertions(_ node: YNode, into spec: inout LoadedSpec) {
        guard case .mapping(let pairs) = node.value else {
            if !node.isNull { skip("assertions: a \(node.kindName) instead of a mapping", node.loc, into: &spec) }
            return
        }
        for (key, _) in pairs where key.scalar != "path" {
            skip("assertions.\(key.scalar ?? "?")", key.loc, into: &spec)
        }
        guard let path = pairs.first(where: { $0.key.scalar == "path" })?.value else { return }
        guard case .mapping(let fields) = path.value else {
            if !path.isNull { skip("assertions.path: a \(path.kindName) instead of a mapping", path.loc, into: &spec) }
            return
        }
        var result = PathAssertions()
        result.loc = path.loc
        func names(_ v: YNode, _ what: String) -> [Located<String>] {
            if case .sequence(let items) = v.value { return items.compactMap { string($0, what) } }
            return string(v, what).map { [$0] } ?? []
        }
        for (k, v) in fields {
            switch k.scalar {
            case "expected": result.expected = names(v, "a state of assertions.path.expected")
            case "must_visit": result.mustVisit = names(v, "a state of assertions.path.must_visit")
            case "must_not_visit": result.mustNotVisit = names(v, "a state of assertions.path.must_not_visit")
            case "ends_at": result.endsAt = string(v, "assertions.path.ends_at")
            default:
                let key = k.scalar ?? "?"
                if let hint = suggestion(for: key, among: Reader.pathKeys) {
                    bag.warning(.unknownKey, "unknown key '\(key)' in assertions.path (did you mean '\(hint)'?)", at: k.loc)
                } else {
                    skip("assertions.path.\(key)", k.loc, into: &spec)
                }
            }
        }
        spec.pathAssertions = result
    }
}

extension Expr {
    /// The same tree with every span moved by `delta` scalars.
    func shifted(by delta: Int) -> Expr {
        let k: Kind
        switch kind {
        case .int, .string, .bool, .state, .null, .undefined: k = kind
        case .name(let n, let args, let called): k = .name(n, args: args.map { $0.shifted(by: delta) }, called: called)
        case .unary(let op, let e): k = .unary(op, e.shifted(by: delta))
        case .binary(let op, let a, let b): k = .binary(op, a.shifted(by: delta), b.shifted(by: delta))
        case .conditional(let c, let a, let b): k = .conditional(c.shifted(by: delta), a.shifted(by: delta), b.shifted(by: delta))
        case .aggregate(let agg, let v, let s, let body): k = .aggregate(agg, variable: v, set: s, body: body.shifted(by: delta))
        case .member(let e, let n): k = .member(e.shifted(by: delta), n)
        case .method(let e, let n, let args): k = .method(e.shifted(by: delta), n, args: args.map { $0.shifted(by: delta) })
        }
        return Expr(k, (span.lowerBound + delta)..<(span.upperBound + delta))
    }
}

extension SpecLoader {
    /// Scenarios in a file of their own (a `replay` TRACE, SPEC §7): a list
    /// of `scenarios:` entries (as `NAME.PROPERTY.scenario.yaml` holds), or
    /// a mapping with a `scenarios:` list (a playbook). Diagnostics carry
    /// the file's positions.
    public static func loadScenarios(data: Data, path: String) -> (scenarios: [ScenarioDecl], diagnostics: DiagnosticBag) {
        var bag = DiagnosticBag()
        let text: String
        switch YAMLReader.decode(data) {
        case .success(let t): text = t
        case .failure(let d):
            bag.add(d)
            return ([], bag)
        }
        let file = SourceFile(path: path, text: text)
        let root: YNode
        switch YAMLReader.parse(file) {
        case .failure(let d):
            bag.add(d)
            return ([], bag)
        case .success(nil):
            bag.error(.missingField, "the file is empty; it needs scenario entries", at: SourceLoc(line: 1, column: 1))
            return ([], bag)
        case .success(let node?):
            root = node
        }
        var reader = Reader(file: file, bag: bag)
        var spec = LoadedSpec(file: file)
        if case .mapping(let pairs) = root.value, let list = pairs.first(where: { $0.key.scalar == "scenarios" }) {
            reader.readScenarios(list.value, into: &spec)
        } else {
            reader.readScenarios(root, into: &spec)
        }
        if spec.scenarios.isEmpty && !reader.bag.hasErrors {
            reader.bag.error(.missingField, "no scenario in the file", at: root.loc)
        }
        return (spec.scenarios, reader.bag)
    }
}
