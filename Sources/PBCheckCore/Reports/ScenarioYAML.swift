/// A counterexample as a `scenarios:` entry (SPEC §6, §7 `scenario`): its
/// actions with `params:`, `observe:` and `choose:`, from the initial state
/// it starts in (`init:`), ending in a check of the violated property —
/// `assert:` of the invariant's expression when an expression says it,
/// `holds: ID` otherwise. `pbcheck test` runs it, and it fails while the
/// bug is there.
///
/// Every string is double-quoted with YAML's escapes, so any text round
/// trips; the entry is indented as the playbooks in `specs/` indent theirs,
/// ready to paste under `scenarios:`.
public enum ScenarioYAML {
    /// The YAML text of one `scenarios:` list entry (ending in a newline).
    public static func entry(model: TypedModel, result: PropertyResult, trace: Trace, name: String) -> String {
        let id = result.property.id
        var about = "Counterexample to \(id)"
        if let d = result.property.description, !d.isEmpty { about += " (\(d))" }
        if let detail = result.detail, !detail.isEmpty { about += ": \(detail)" }
        var lines = ["  - name: \(quoted(name))", "    description: \(quoted(about))"]
        let initial = startingValues(model, trace)
        if !initial.isEmpty { lines.append("    init: \(flow(initial))") }
        lines.append("    steps:")
        for step in trace.steps {
            lines.append("      - action: \(quoted(step.transition))")
            for (key, values) in [("params", step.params), ("observe", step.observations), ("choose", distinct(step.chosen))] {
                let written = values.filter { scalar($0) != nil }
                if !written.isEmpty { lines.append("        \(key): \(flow(written))") }
            }
        }
        switch check(model, result, trace) {
        case .assert(let text): lines.append("      - assert: \(quoted(text))")
        case .holds(let id): lines.append("      - holds: \(quoted(id.description))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `counterexample-forbidden_a-to-b`: the entry's name for a property.
    public static func name(for id: PropertyID) -> String { "counterexample-" + ITFTrace.fileSafe(id.description) }

    /// `NAME.PROPERTY.scenario.yaml`: a comment that says what the entry is
    /// and how to use it, then the entry.
    public static func file(model: TypedModel, result: PropertyResult, trace: Trace, specPath: String) -> String {
        let spec = comment(specPath)
        let header = [
            "# A regression scenario for \(comment(result.property.id.description)) of \(spec),",
            "# made by pbcheck from its counterexample (\(trace.length) step\(trace.length == 1 ? "" : "s")). To use it,",
            "# paste the entry below under `scenarios:` in the playbook (add `scenarios:`",
            "# at the top level when it has none), then run",
            "#   pbcheck test \(spec)",
            "# The scenario fails while the bug is there.",
        ]
        return header.joined(separator: "\n") + "\n"
            + entry(model: model, result: result, trace: trace, name: name(for: result.property.id))
    }

    /// How the entry ends.
    enum Check: Equatable {
        case assert(String)
        case holds(PropertyID)
    }

    /// `assert:` of a state or global invariant's expression — for a
    /// contract only when the last step's `observe:` fixes every
    /// observation it reads and it reads no browser condition (which an
    /// assert cannot evaluate) — else `holds:` of the property's id.
    static func check(_ model: TypedModel, _ result: PropertyResult, _ trace: Trace) -> Check {
        let id = result.property.id
        let invariant: Invariant?
        switch id.kind {
        case .stateInvariant where id.parts.count == 2:
            let index = Int(id.parts[1]) ?? -1
            let state = model.states.first { $0.id == id.parts[0] }
            invariant = state.flatMap { index >= 0 && index < $0.invariants.count ? $0.invariants[index] : nil }
        case .globalInvariant:
            let index = id.parts.first.flatMap { Int($0) } ?? -1
            invariant = index >= 0 && index < model.globalInvariants.count ? model.globalInvariants[index] : nil
        default:
            invariant = nil
        }
        guard let invariant else { return .holds(id) }
        guard invariant.isContract else { return .assert(invariant.source) }
        let reads = Reads(invariant.condition, model)
        guard !reads.observed.contains(where: { model.observations[$0].origin == .opaque }),
              let last = trace.choices?.steps.last,
              model.unfixedObservation(invariant.condition, fixed: Set(last.snapshot.values.keys)) == nil else { return .holds(id) }
        return .assert(invariant.source)
    }

    /// The trace's initial values of the variables that may start at
    /// several values (`init: any`, or no init).
    static func startingValues(_ model: TypedModel, _ trace: Trace) -> [NamedValue] {
        let open = Set(model.variables.filter { if case .any = $0.initial { return true }; return false }.map(\.name))
        return trace.initial.vars.filter { v in
            let base = v.name.firstIndex(of: "(").map { String(v.name[..<$0]) } ?? v.name
            return open.contains(base)
        }
    }

    /// Each name once (a mapping may not repeat a key): the first value.
    static func distinct(_ values: [NamedValue]) -> [NamedValue] {
        var seen = Set<String>()
        return values.filter { seen.insert($0.name).inserted }
    }

    /// `{ name: value, … }` of the values that can be written.
    static func flow(_ values: [NamedValue]) -> String {
        let pairs = values.compactMap { v in scalar(v).map { "\(key(v.name)): \($0)" } }
        return "{ " + pairs.joined(separator: ", ") + " }"
    }

    /// A value as the loader reads it back: a plain `true`/`false`, a plain
    /// integer, a double-quoted string; nil for the unnamed value of an
    /// open enum (`<other>`), which no scenario can name.
    static func scalar(_ v: NamedValue) -> String? {
        switch v.value {
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .sym: return v.text == "<other>" ? nil : quoted(v.text)
        }
    }

    /// A mapping key: plain when it is an identifier the YAML core schema
    /// reads as that string, double-quoted otherwise (`health(us-west)`,
    /// a browser condition's text, `true`).
    static func key(_ s: String) -> String {
        let plain = s.unicodeScalars.first.map { Lexer.isIdentStart($0) } == true
            && s.unicodeScalars.allSatisfy { $0.isASCII && Lexer.isIdentPart($0) }
            && !["true", "false", "null", "yes", "no", "on", "off", "y", "n"].contains(s.lowercased())
        return plain ? s : quoted(s)
    }

    /// `s` as a YAML double-quoted scalar: `\` and `"` escaped, and every
    /// character YAML does not allow printed (controls, line and paragraph
    /// separators, the byte-order mark, non-characters) as an escape.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                let v = u.value
                let printable = (v >= 0x20 && v < 0x7F) || (v >= 0xA0 && v <= 0xD7FF && v != 0x2028 && v != 0x2029)
                    || (v >= 0xE000 && v <= 0xFFFD && v != 0xFEFF) || (v >= 0x10000 && v <= 0x10FFFF)
                if printable {
                    out.unicodeScalars.append(u)
                } else if v <= 0xFF {
                    out += "\\x" + hex(v, 2)
                } else if v <= 0xFFFF {
                    out += "\\u" + hex(v, 4)
                } else {
                    out += "\\U" + hex(v, 8)
                }
            }
        }
        return out + "\""
    }

    private static func hex(_ v: UInt32, _ width: Int) -> String {
        let digits = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// Text for one comment line: line breaks and controls as spaces.
    private static func comment(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map { u in
            u.properties.generalCategory == .control || u == "\u{2028}" || u == "\u{2029}" || u == "\u{85}" ? " " : u
        }))
    }
}
