import Foundation

/// A value of the Informal Trace Format (Apalache ADR-015, also Quint's):
/// JSON scalars, with integers beyond ±(2^53 − 1) as `{"#bigint": "…"}`, and
/// maps, records and tuples.
public indirect enum ITFValue: Sendable, Equatable, Codable {
    case bool(Bool)
    case int(Int64)
    case string(String)
    /// `{"#map": [[key, value], …]}`, in the order given.
    case map([(ITFValue, ITFValue)])
    /// A JSON object (the other forms are objects with one `#` key).
    case record([String: ITFValue])
    /// `{"#tup": […]}`.
    case tuple([ITFValue])
    /// A JSON array (ITF's lists).
    case list([ITFValue])
    /// JSON's null and non-integral numbers (not in ITF; read so that any
    /// JSON document decodes).
    case null
    case double(Double)

    /// The largest magnitude a JSON number carries exactly.
    public static let safeInteger: Int64 = (1 << 53) - 1

    public static func == (a: ITFValue, b: ITFValue) -> Bool {
        switch (a, b) {
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.map(let x), .map(let y)): return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case (.record(let x), .record(let y)): return x == y
        case (.tuple(let x), .tuple(let y)), (.list(let x), .list(let y)): return x == y
        case (.null, .null): return true
        case (.double(let x), .double(let y)): return x == y
        default: return false
        }
    }

    /// A key of a JSON object.
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: Encoder) throws {
        switch self {
        case .bool(let b):
            var c = encoder.singleValueContainer()
            try c.encode(b)
        case .int(let i) where i != .min && abs(i) <= ITFValue.safeInteger:
            var c = encoder.singleValueContainer()
            try c.encode(i)
        case .int(let i):
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(String(i), forKey: Key("#bigint"))
        case .string(let s):
            var c = encoder.singleValueContainer()
            try c.encode(s)
        case .map(let pairs):
            var c = encoder.container(keyedBy: Key.self)
            var list = c.nestedUnkeyedContainer(forKey: Key("#map"))
            for (k, v) in pairs {
                var pair = list.nestedUnkeyedContainer()
                try pair.encode(k)
                try pair.encode(v)
            }
        case .record(let fields):
            var c = encoder.container(keyedBy: Key.self)
            for (k, v) in fields { try c.encode(v, forKey: Key(k)) }
        case .tuple(let items):
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(items, forKey: Key("#tup"))
        case .list(let items):
            var c = encoder.singleValueContainer()
            try c.encode(items)
        case .null:
            var c = encoder.singleValueContainer()
            try c.encodeNil()
        case .double(let d):
            var c = encoder.singleValueContainer()
            try c.encode(d)
        }
    }

    public init(from decoder: Decoder) throws {
        if let c = try? decoder.singleValueContainer() {
            if c.decodeNil() { self = .null; return }
            if let b = try? c.decode(Bool.self) { self = .bool(b); return }
            if let i = try? c.decode(Int64.self) { self = .int(i); return }
            if let d = try? c.decode(Double.self) { self = .double(d); return }
            if let s = try? c.decode(String.self) { self = .string(s); return }
        }
        // An array's elements decode with their own errors (a #bigint
        // beyond 64 bits is said as such, not as "not an object").
        if var list = try? decoder.unkeyedContainer() {
            var items: [ITFValue] = []
            while !list.isAtEnd { items.append(try list.decode(ITFValue.self)) }
            self = .list(items)
            return
        }
        let o = try decoder.container(keyedBy: Key.self)
        let keys = o.allKeys.map(\.stringValue)
        if keys == ["#bigint"] {
            let text = try o.decode(String.self, forKey: Key("#bigint"))
            guard let i = Int64(text) else {
                throw DecodingError.dataCorruptedError(forKey: Key("#bigint"), in: o, debugDescription: "\(text) is beyond 64 bits")
            }
            self = .int(i)
        } else if keys == ["#map"] {
            var list = try o.nestedUnkeyedContainer(forKey: Key("#map"))
            var pairs: [(ITFValue, ITFValue)] = []
            while !list.isAtEnd {
                var pair = try list.nestedUnkeyedContainer()
                let k = try pair.decode(ITFValue.self), v = try pair.decode(ITFValue.self)
                guard pair.isAtEnd else {
                    throw DecodingError.dataCorruptedError(in: pair, debugDescription: "a #map entry is a [key, value] pair")
                }
                pairs.append((k, v))
            }
            self = .map(pairs)
        } else if keys == ["#tup"] {
            self = .tuple(try o.decode([ITFValue].self, forKey: Key("#tup")))
        } else {
            var fields: [String: ITFValue] = [:]
            for k in keys { fields[k] = try o.decode(ITFValue.self, forKey: Key(k)) }
            self = .record(fields)
        }
    }

    /// Quint's option variant: `{"tag": "Some", "value": v}`, or `None`.
    static func option(_ v: ITFValue?) -> ITFValue {
        guard let v else { return .record(["tag": .string("None"), "value": .tuple([])]) }
        return .record(["tag": .string("Some"), "value": v])
    }
}

/// A counterexample in the Informal Trace Format (SPEC §5.2
/// `NAME.PROPERTY.itf.json`): `vars` are `state` and every declared variable;
/// each state holds the control state, every variable (a keyed family as a
/// `#map` from key to value) and, in its `#meta`, the step that led to it.
/// Quint's model-based-testing fields `mbt::actionTaken` and
/// `mbt::nondetPicks` name the transition and its params, observations and
/// `any` choices, so tools that read Quint's traces read these.
public struct ITFTrace: Sendable, Equatable {
    /// The trace's `#meta`: format, spec, its SHA-256, the property.
    public var meta: [String: ITFValue]
    public var vars: [String]
    /// One per state of the trace, the initial state first; each holds
    /// `vars` (and the MBT fields) by name.
    public var states: [[String: ITFValue]]
    /// Each state's `#meta` (`index`, and for every state after the first
    /// `transition`, `event`, `params`, `observations`).
    public var stateMeta: [[String: ITFValue]]

    public static let actionTaken = "mbt::actionTaken"
    public static let nondetPicks = "mbt::nondetPicks"

    /// The trace of `property` over `model` (its variables name the slots of
    /// the trace's states, in order).
    public init(model: TypedModel, trace: Trace, property: PropertyID, specPath: String, sha256: String?) {
        meta = [
            "format": .string("ITF"),
            "format-description": .string("https://apalache-mc.org/docs/adr/015adr-trace.html"),
            "source": .string(specPath),
            "description": .string("pbcheck counterexample to \(property) (\(trace.length) step\(trace.length == 1 ? "" : "s"))"),
            "property": .string(property.description),
            "tool": .string("pbcheck \(PBCheckVersion.current)"),
        ]
        if let sha256 { meta["sha256"] = .string(sha256) }
        vars = ["state"] + model.variables.map(\.name)

        // Every nondeterministic pick any step makes, so each state's
        // `mbt::nondetPicks` has the same fields (None where unused).
        var pickNames: [String] = []
        var seen = Set<String>()
        for s in trace.steps {
            for v in s.params + s.observations + s.chosen where seen.insert(v.name).inserted { pickNames.append(v.name) }
        }

        func state(_ control: String, _ values: [NamedValue]) -> [String: ITFValue] {
            var out: [String: ITFValue] = ["state": .string(control)]
            for v in model.variables {
                let slots = values.indices.contains(v.slot + v.slotCount - 1) ? Array(values[v.slot ..< v.slot + v.slotCount]) : []
                if let ks = v.keySet {
                    let keys = model.sets[ks].elements
                    out[v.name] = .map(zip(keys, slots).map { (ITFTrace.value(model.describe($0), $0), ITFTrace.value($1)) })
                } else if let only = slots.first {
                    out[v.name] = ITFTrace.value(only)
                }
            }
            return out
        }
        func picks(_ given: [NamedValue]) -> ITFValue {
            let byName = Dictionary(given.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            return .record(Dictionary(uniqueKeysWithValues: pickNames.map { ($0, ITFValue.option(byName[$0].map(ITFTrace.value))) }))
        }
        func record(_ values: [NamedValue]) -> ITFValue { .record(Dictionary(values.map { ($0.name, ITFTrace.value($0)) }, uniquingKeysWith: { a, _ in a })) }

        var first = state(trace.initial.state, trace.initial.vars)
        first[ITFTrace.actionTaken] = .string("init")
        first[ITFTrace.nondetPicks] = picks([])
        states = [first]
        stateMeta = [["index": .int(0)]]
        for (i, s) in trace.steps.enumerated() {
            var next = state(s.state, s.vars)
            next[ITFTrace.actionTaken] = .string(s.transition)
            next[ITFTrace.nondetPicks] = picks(s.params + s.observations + s.chosen)
            states.append(next)
            var m: [String: ITFValue] = ["index": .int(Int64(i + 1)), "transition": .string(s.transition), "event": .string(s.event),
                                         "params": record(s.params), "observations": record(s.observations)]
            if !s.chosen.isEmpty { m["chosen"] = record(s.chosen) }
            m["line"] = .int(Int64(s.location.line))
            stateMeta.append(m)
        }
    }

    /// A value of a trace: its number or truth value, or its name.
    static func value(_ v: NamedValue) -> ITFValue { value(v.text, v.value) }

    static func value(_ text: String, _ v: Value) -> ITFValue {
        switch v {
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .sym: return .string(text)
        }
    }

    /// The file's bytes: keys sorted, so the same trace gives the same file.
    public func encoded() -> Data {
        var states: [ITFValue] = []
        for (s, m) in zip(self.states, stateMeta) {
            var o = s
            o["#meta"] = .record(m)
            states.append(.record(o))
        }
        let doc: ITFValue = .record(["#meta": .record(meta), "vars": .list(vars.map(ITFValue.string)), "states": .list(states)])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return ((try? encoder.encode(doc)) ?? Data("{}".utf8)) + Data("\n".utf8)
    }

    /// Why a file is not an ITF trace.
    public struct FormatError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Reads an ITF file: `vars` and `states` (each state's fields by
    /// name, its `#meta` apart).
    public init(data: Data) throws {
        let doc: ITFValue
        do { doc = try JSONDecoder().decode(ITFValue.self, from: data) } catch { throw FormatError(description: "not ITF JSON: \(error)") }
        guard case .record(let top) = doc else { throw FormatError(description: "not a JSON object") }
        guard case .list(let names)? = top["vars"] else { throw FormatError(description: "no \"vars\" list") }
        vars = try names.map { n in
            guard case .string(let s) = n else { throw FormatError(description: "\"vars\" holds a name that is not a string") }
            return s
        }
        guard case .list(let list)? = top["states"] else { throw FormatError(description: "no \"states\" list") }
        if case .record(let m)? = top["#meta"] { meta = m } else { meta = [:] }
        states = []
        stateMeta = []
        for (i, item) in list.enumerated() {
            guard case .record(var fields) = item else { throw FormatError(description: "state \(i) is not an object") }
            if case .record(let m)? = fields.removeValue(forKey: "#meta") { stateMeta.append(m) } else { stateMeta.append([:]) }
            for name in vars where fields[name] == nil { throw FormatError(description: "state \(i) has no value for \"\(name)\"") }
            states.append(fields)
        }
    }

    /// `invariant:ready:0` → `invariant_ready_0`, `forbidden:a->b` →
    /// `forbidden_a-to-b`: a property id as part of a file name (ASCII
    /// letters, digits, `-` and `_`; never a `.`, which separates the
    /// spec's name from it).
    public static func fileSafe(_ id: String) -> String {
        var out = id.replacingOccurrences(of: "->", with: "-to-")
        out = String(out.map { c -> Character in
            c.isASCII && (c.isLetter || c.isNumber || c == "-" || c == "_") ? c : "_"
        })
        return out
    }
}
