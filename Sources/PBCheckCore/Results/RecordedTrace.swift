import Foundation

/// A trace read from a file, in names (SPEC §7 TRACE): an ITF trace
/// (`NAME.PROPERTY.itf.json`, or any ITF file whose states hold this
/// spec's variables), or a trace of a `verify --format json` result.
/// `replay`, `explore --trace`, `graph --trace` and `scenario` read it;
/// the kernel resolves its names against a spec (`TraceReplay`).
public struct RecordedTrace: Sendable {
    public enum Format: String, Sendable {
        case itf = "ITF trace"
        case json = "JSON result"
        case scenario
    }

    /// A state as the file gives it: the control state and every variable
    /// by slot name (`x`, `circuit(us-west-1)`).
    public struct State: Sendable {
        public var state: String
        public var vars: [String: ScalarValue]
    }

    /// A step as the file names it. An ITF file without pbcheck's or
    /// Quint's step fields names no transition: the step is then the one
    /// that leads to the next state.
    public struct Step: Sendable {
        public var transition: String?
        public var params: [(name: String, value: ScalarValue)] = []
        public var observations: [(name: String, value: ScalarValue)] = []
        public var chosen: [(name: String, value: ScalarValue)] = []
        /// Quint's `mbt::nondetPicks`: params, observations and `any`
        /// values together, told apart by the spec's names.
        public var picks: [(name: String, value: ScalarValue)] = []
        /// The state the file says the step reaches.
        public var reached: State?
        /// Where the step is written (a scenario's line), for messages.
        public var line: Int?
    }

    /// The largest trace file read (a counterexample of millions of steps
    /// is still far below it).
    public static let maxFileBytes = 256 << 20

    public var format: Format
    /// The property the trace shows violated, as its id is printed.
    public var property: String?
    /// The initial state (nil: the file does not give it, as a scenario
    /// does not; the run starts from the first initial state).
    public var initial: State?
    public var steps: [Step]

    public init(format: Format, property: String?, initial: State?, steps: [Step]) {
        self.format = format
        self.property = property
        self.initial = initial
        self.steps = steps
    }

    /// A trace pbcheck made (a scenario's run, say), in names, as a file
    /// would give it.
    public init(replayed trace: Trace, format: Format, property: String?) {
        func scalars(_ values: [NamedValue]) -> [(name: String, value: ScalarValue)] { values.map { ($0.name, RecordedTrace.scalar($0)) } }
        func state(_ control: String, _ vars: [NamedValue]) -> State {
            State(state: control, vars: Dictionary(vars.map { ($0.name, RecordedTrace.scalar($0)) }, uniquingKeysWith: { a, _ in a }))
        }
        self.init(format: format, property: property, initial: state(trace.initial.state, trace.initial.vars),
                  steps: trace.steps.map { s in
                      Step(transition: s.transition, params: scalars(s.params), observations: scalars(s.observations), chosen: scalars(s.chosen),
                           reached: state(s.state, s.vars))
                  })
    }

    /// A value of a trace as a file holds it: enum values and strings by name.
    static func scalar(_ v: NamedValue) -> ScalarValue {
        switch v.value {
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .sym: return .string(v.text)
        }
    }

    /// Why a file is not a trace pbcheck can read.
    public struct ReadError: Error, CustomStringConvertible, Sendable {
        public var description: String
        public init(_ d: String) { description = d }
    }

    /// Reads an ITF trace or a JSON result. `property` picks a trace when a
    /// result holds several; `specName` picks the document of that spec
    /// when the result holds several specs.
    public static func read(json data: Data, property: String?, specName: String?) throws(ReadError) -> RecordedTrace {
        let doc: ITFValue
        do { doc = try JSONDecoder().decode(ITFValue.self, from: data) } catch { throw ReadError(RecordedTrace.describe(error)) }
        if case .record(let top) = doc, top["vars"] != nil, top["states"] != nil {
            let itf: ITFTrace
            do { itf = try ITFTrace(data: data) } catch { throw ReadError("not an ITF trace: \(error)") }
            var trace = try fromITF(itf)
            if let property, let recorded = trace.property, recorded != property {
                throw ReadError("the trace is a counterexample to \(recorded), not \(property)")
            }
            trace.property = trace.property ?? property
            return trace
        }
        return try fromResult(doc, property: property, specName: specName)
    }

    /// What a JSON decoding error says, in one line.
    static func describe(_ error: Error) -> String {
        guard let e = error as? DecodingError else { return "not JSON: \(error.localizedDescription)" }
        switch e {
        case .dataCorrupted(let c):
            let inner = (c.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            let at = c.codingPath.map(\.stringValue).joined(separator: ".")
            return at.isEmpty ? "not JSON: " + (inner ?? c.debugDescription) : "not a trace: \(inner ?? c.debugDescription) (at \(at))"
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c):
            return "not a trace: \(c.debugDescription)"
        @unknown default: return "not JSON: \(error.localizedDescription)"
        }
    }

    // MARK: ITF

    static func scalar(_ v: ITFValue) -> ScalarValue? {
        switch v {
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .string(let s): return .string(s)
        default: return nil
        }
    }

    /// A JSON object of scalars by name, in name order (nil: none); `what`
    /// names it in errors.
    static func scalars(_ v: ITFValue?, _ what: String) throws(ReadError) -> [(name: String, value: ScalarValue)] {
        guard let v else { return [] }
        guard case .record(let fields) = v else { throw ReadError("\(what) is not an object") }
        var out: [(name: String, value: ScalarValue)] = []
        for k in fields.keys.sorted() {
            guard let s = fields[k].flatMap(scalar) else { throw ReadError("\(what) \"\(k)\" is not a scalar") }
            out.append((k, s))
        }
        return out
    }

    /// A key of a `#map` as it appears in a slot name.
    static func keyText(_ v: ITFValue) -> String? { scalar(v)?.description }

    static func fromITF(_ itf: ITFTrace) throws(ReadError) -> RecordedTrace {
        guard itf.vars.contains("state") else { throw ReadError("the ITF trace has no \"state\" variable (the control state)") }
        func state(_ i: Int) throws(ReadError) -> State {
            let fields = itf.states[i]
            guard case .string(let control)? = fields["state"] else { throw ReadError("state \(i) has no control state (\"state\" is not a string)") }
            var vars: [String: ScalarValue] = [:]
            for name in itf.vars where name != "state" {
                guard let v = fields[name] else { throw ReadError("state \(i) has no value for \"\(name)\"") }
                if case .map(let pairs) = v {
                    for (k, value) in pairs {
                        guard let key = keyText(k), let s = scalar(value) else { throw ReadError("state \(i): \"\(name)\" maps a key to a value that is not a scalar") }
                        vars["\(name)(\(key))"] = s
                    }
                } else if let s = scalar(v) {
                    vars[name] = s
                } else {
                    throw ReadError("state \(i): \"\(name)\" is not a scalar or a #map")
                }
            }
            return State(state: control, vars: vars)
        }
        func record(_ v: ITFValue?, _ what: String, _ i: Int) throws(ReadError) -> [(name: String, value: ScalarValue)] {
            try scalars(v, "state \(i): #meta \(what)")
        }
        guard !itf.states.isEmpty else { throw ReadError("the ITF trace has no states") }
        var steps: [Step] = []
        for i in 1..<itf.states.count {
            let meta = itf.stateMeta[i]
            var step = Step(reached: try state(i))
            if case .string(let t)? = meta["transition"] {
                step.transition = t
                step.params = try record(meta["params"], "params", i)
                step.observations = try record(meta["observations"], "observations", i)
                step.chosen = try record(meta["chosen"], "chosen", i)
            } else if case .string(let t)? = itf.states[i][ITFTrace.actionTaken] {
                step.transition = t
                if case .record(let picks)? = itf.states[i][ITFTrace.nondetPicks] {
                    for k in picks.keys.sorted() {
                        // Quint's options: {"tag": "Some", "value": v} or None.
                        guard case .record(let option)? = picks[k], case .string(let tag)? = option["tag"] else { continue }
                        if tag == "Some", let v = option["value"], let s = scalar(v) { step.picks.append((k, s)) }
                    }
                }
            }
            steps.append(step)
        }
        var property: String?
        if case .string(let p)? = itf.meta["property"] { property = p }
        return RecordedTrace(format: .itf, property: property, initial: try state(0), steps: steps)
    }

    // MARK: JSON results

    static func fromResult(_ doc: ITFValue, property: String?, specName: String?) throws(ReadError) -> RecordedTrace {
        var documents: [[String: ITFValue]] = []
        switch doc {
        case .record(let d): documents = [d]
        case .list(let items):
            for case .record(let d) in items { documents.append(d) }
        default: break
        }
        documents = documents.filter { $0["properties"] != nil }
        guard !documents.isEmpty else { throw ReadError("neither an ITF trace (no \"vars\" and \"states\") nor a pbcheck JSON result (no \"properties\")") }
        if documents.count > 1, let specName {
            let mine = documents.filter { d in
                guard case .record(let spec)? = d["spec"] else { return false }
                if case .string(let n)? = spec["name"], n == specName { return true }
                return false
            }
            if !mine.isEmpty { documents = mine }
        }
        // Every property with a trace, in document order.
        var traces: [(id: String, trace: [String: ITFValue])] = []
        for d in documents {
            guard case .list(let props)? = d["properties"] else { continue }
            for case .record(let p) in props {
                guard case .string(let id)? = p["id"], case .record(let t)? = p["trace"] else { continue }
                traces.append((id, t))
            }
        }
        guard !traces.isEmpty else { throw ReadError("the JSON result holds no counterexample") }
        let chosen: (id: String, trace: [String: ITFValue])
        if let property {
            guard let t = traces.first(where: { $0.id == property }) else {
                throw ReadError("the JSON result holds no counterexample to \(property); it holds: \(traces.map(\.id).joined(separator: ", "))")
            }
            chosen = t
        } else {
            guard traces.count == 1 else {
                throw ReadError("the JSON result holds \(traces.count) counterexamples; pick one with --property ID: \(traces.map(\.id).joined(separator: ", "))")
            }
            chosen = traces[0]
        }
        let pairs = scalars
        func state(_ v: ITFValue?, _ what: String) throws(ReadError) -> State {
            guard case .record(let s)? = v, case .string(let control)? = s["state"] else { throw ReadError("\(what) has no \"state\"") }
            return State(state: control, vars: Dictionary(try pairs(s["vars"], "\(what) vars").map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a }))
        }
        let initial = try state(chosen.trace["initial"], "the trace's initial state")
        var steps: [Step] = []
        if case .list(let list)? = chosen.trace["steps"] {
            for (i, item) in list.enumerated() {
                guard case .record(let s) = item, case .string(let t)? = s["transition"] else { throw ReadError("step \(i + 1) names no transition") }
                steps.append(Step(transition: t, params: try pairs(s["params"], "step \(i + 1) params"),
                                  observations: try pairs(s["observations"], "step \(i + 1) observations"),
                                  chosen: try pairs(s["chosen"], "step \(i + 1) chosen"), reached: try state(item, "step \(i + 1)")))
            }
        }
        return RecordedTrace(format: .json, property: chosen.id, initial: initial, steps: steps)
    }
}
