import Foundation

/// A value as JSON: bools and ints as themselves, enum values and state ids
/// as strings.
public enum JSONScalar: Codable, Sendable, Equatable {
    case bool(Bool)
    case int(Int64)
    case string(String)

    public init(_ v: NamedValue) {
        switch v.value {
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .sym: self = .string(v.text)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .string(let s): try c.encode(s)
        }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .int(i) }
        else { self = .string(try c.decode(String.self)) }
    }
}

/// The JSON result of SPEC §5.2.1 (`verify --format json`, `NAME.json`).
public struct ResultJSON: Codable, Sendable {
    public struct Location: Codable, Sendable, Equatable { public var line: Int; public var column: Int }
    public struct StateJSON: Codable, Sendable, Equatable {
        public var state: String
        public var vars: [String: JSONScalar]
    }
    public struct StepJSON: Codable, Sendable, Equatable {
        public var transition: String
        public var event: String
        public var params: [String: JSONScalar]
        public var observations: [String: JSONScalar]
        public var chosen: [String: JSONScalar]?
        public var state: String
        public var vars: [String: JSONScalar]
    }
    public struct TraceJSON: Codable, Sendable, Equatable {
        public var length: Int
        public var initial: StateJSON
        public var steps: [StepJSON]
    }
    public struct PropertyJSON: Codable, Sendable {
        public var id: String
        public var kind: String
        public var description: String?
        public var verdict: String
        public var bound: Int?
        public var severity: String
        public var contract: Bool?
        public var location: Location?
        public var detail: String?
        public var settledBy: String
        public var trace: TraceJSON?
        public var shrink: ShrinkJSON?

        enum CodingKeys: String, CodingKey {
            case id, kind, description, verdict, bound, severity, contract, location, detail, trace, shrink
            case settledBy = "settled_by"
        }

        // `bound` and `trace` are always present (null when absent), as in
        // the schema's example.
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(kind, forKey: .kind)
            try c.encodeIfPresent(description, forKey: .description)
            try c.encode(verdict, forKey: .verdict)
            try c.encode(bound, forKey: .bound)
            try c.encode(severity, forKey: .severity)
            try c.encodeIfPresent(contract, forKey: .contract)
            try c.encodeIfPresent(location, forKey: .location)
            try c.encodeIfPresent(detail, forKey: .detail)
            try c.encode(settledBy, forKey: .settledBy)
            try c.encode(trace, forKey: .trace)
            try c.encodeIfPresent(shrink, forKey: .shrink)
        }
    }
    /// How a walk's counterexample was shrunk.
    public struct ShrinkJSON: Codable, Sendable {
        public var originalLength: Int
        public var replays: Int
        public var run: Int
        public var seed: UInt64
        public var budgetExhausted: Bool
        enum CodingKeys: String, CodingKey {
            case replays, run, seed
            case originalLength = "original_length"
            case budgetExhausted = "budget_exhausted"
        }
    }
    /// What the random walks did (`pbcheck walk`, `verify --engine walk`).
    public struct WalkJSON: Codable, Sendable {
        public var runs: Int
        public var depth: Int
        public var seed: UInt64
        public var steps: Int
        public var seconds: Double
        public var stepsPerSecond: Double
        public var firstFailureSeconds: Double?
        public var shrinkSeconds: Double
        enum CodingKeys: String, CodingKey {
            case runs, depth, seed, steps, seconds
            case stepsPerSecond = "steps_per_second"
            case firstFailureSeconds = "first_failure_seconds"
            case shrinkSeconds = "shrink_seconds"
        }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(runs, forKey: .runs)
            try c.encode(depth, forKey: .depth)
            try c.encode(seed, forKey: .seed)
            try c.encode(steps, forKey: .steps)
            try c.encode(seconds, forKey: .seconds)
            try c.encode(stepsPerSecond, forKey: .stepsPerSecond)
            try c.encode(firstFailureSeconds, forKey: .firstFailureSeconds)
            try c.encode(shrinkSeconds, forKey: .shrinkSeconds)
        }
    }
    /// One per-transition proof obligation (SPEC §3.1).
    public struct ObligationJSON: Codable, Sendable {
        public var kind: String
        public var status: String
        public var state: String
        public var transition: String?
        public var other: String?
        public var property: String?
        public var witness: [String: JSONScalar]?
        public var message: String?
        public var line: Int?
        public var seconds: Double
    }

    public struct ObligationsJSON: Codable, Sendable {
        public var states: [String]
        public var assumptions: String
        public var seconds: Double
        /// `kind/status` → how many (every obligation).
        public var counts: [String: Int]
        /// The obligations that do not discharge (fail or unknown).
        public var list: [ObligationJSON]
        /// Why not every obligation was checked (a limit), if so.
        public var incomplete: String?
    }

    /// What the symbolic engine measured.
    public struct SymbolicJSON: Codable, Sendable {
        public var bmcSeconds: [Double]
        public var inductionSeconds: [Double]
        public var chc: [CHCJSON]
        public struct CHCJSON: Codable, Sendable {
            public var property: String
            public var seconds: Double
            public var answer: String
        }
        enum CodingKeys: String, CodingKey {
            case bmcSeconds = "bmc_seconds_per_depth"
            case inductionSeconds = "induction_seconds_per_k"
            case chc
        }
    }

    public struct StatsJSON: Codable, Sendable {
        public var states: Int
        public var steps: Int
        public var depth: Int
        public var seconds: Double
        public var bytesPerState: Double?
        public var solverQueries: Int
        enum CodingKeys: String, CodingKey {
            case states, steps, depth, seconds
            case bytesPerState = "bytes_per_state"
            case solverQueries = "solver_queries"
        }
    }
    public struct CoverageJSON: Codable, Sendable {
        public struct States: Codable, Sendable { public var reachable: [String]; public var unreachable: [String] }
        public struct Transitions: Codable, Sendable { public var fired: [String]; public var never: [String] }
        public var states: States
        public var transitions: Transitions
    }

    public var schema = 1
    public var tool = ToolJSON()
    public var spec: ValidationJSON.SpecJSON
    public var engine: String
    public var engineNote: String?
    public var complete: Bool
    public var stopReason: String?
    public var stats: StatsJSON
    public var diagnostics: [DiagnosticJSON]
    public var properties: [PropertyJSON]
    public var coverage: CoverageJSON
    public var stalls: [String]?
    public var walk: WalkJSON?
    public var obligations: ObligationsJSON?
    public var symbolic: SymbolicJSON?

    enum CodingKeys: String, CodingKey {
        case schema, tool, spec, engine, complete, stats, diagnostics, properties, coverage, stalls, walk, obligations, symbolic
        case engineNote = "engine_note"
        case stopReason = "stop_reason"
    }

    static func vars(_ values: [NamedValue]) -> [String: JSONScalar] {
        Dictionary(values.map { ($0.name, JSONScalar($0)) }, uniquingKeysWith: { a, _ in a })
    }

    public static func trace(_ t: Trace) -> TraceJSON {
        TraceJSON(length: t.length, initial: StateJSON(state: t.initial.state, vars: vars(t.initial.vars)),
                  steps: t.steps.map { s in
                      StepJSON(transition: s.transition, event: s.event, params: vars(s.params), observations: vars(s.observations),
                               chosen: s.chosen.isEmpty ? nil : vars(s.chosen), state: s.state, vars: vars(s.vars))
                  })
    }

    public init(path: String, name: String?, sha256: String?, outcome o: CheckOutcome, diagnostics: [Diagnostic]) {
        spec = .init(path: path, name: name, sha256: sha256)
        engine = o.engine
        engineNote = o.engineNote
        complete = o.complete
        stopReason = o.stopReason?.description
        stats = StatsJSON(states: o.stats.states, steps: o.stats.steps, depth: o.stats.depth, seconds: ResultJSON.rounded(o.stats.seconds),
                          bytesPerState: o.stats.states > 0 ? (Double(o.stats.bytes) / Double(o.stats.states) * 10).rounded() / 10 : nil,
                          solverQueries: o.stats.solverQueries)
        self.diagnostics = (diagnostics + o.diagnostics).map(DiagnosticJSON.init)
        properties = o.properties.map { r in
            PropertyJSON(id: r.property.id.description, kind: r.property.kind.rawValue, description: r.property.description, verdict: r.verdict.rawValue,
                         bound: r.bound, severity: r.property.severity.rawValue, contract: r.property.isContract ? true : nil,
                         location: r.property.location.map { Location(line: $0.line, column: $0.column) },
                         detail: r.detail, settledBy: r.settledBy.description, trace: r.trace.map(ResultJSON.trace),
                         shrink: r.shrink.map { ShrinkJSON(originalLength: $0.originalLength, replays: $0.replays, run: $0.run, seed: $0.seed,
                                                           budgetExhausted: $0.budgetExhausted) })
        }
        walk = o.walk.map { w in
            WalkJSON(runs: w.runs, depth: w.depth, seed: w.seed, steps: w.steps, seconds: ResultJSON.rounded(w.seconds),
                     stepsPerSecond: w.seconds > 0 ? (Double(w.steps) / w.seconds).rounded() : 0,
                     firstFailureSeconds: w.firstFailureSeconds.map(ResultJSON.rounded), shrinkSeconds: ResultJSON.rounded(w.shrinkSeconds))
        }
        coverage = CoverageJSON(states: .init(reachable: o.coverage.reachableStates, unreachable: o.coverage.unreachableStates),
                                transitions: .init(fired: o.coverage.firedTransitions, never: o.coverage.neverFired))
        stalls = o.stalls.isEmpty ? nil : o.stalls
        obligations = o.obligations.map { r in
            ObligationsJSON(states: r.states, assumptions: r.assumptions, seconds: ResultJSON.rounded(r.seconds),
                            counts: Dictionary(grouping: r.obligations, by: { "\($0.kind.rawValue)/\($0.status.rawValue)" }).mapValues(\.count),
                            list: r.obligations.filter { $0.status != .discharged }.map { ob in
                                ObligationJSON(kind: ob.kind.rawValue, status: ob.status.rawValue, state: ob.state, transition: ob.transition,
                                               other: ob.other, property: ob.property?.description, witness: ob.witness.isEmpty ? nil : ResultJSON.vars(ob.witness),
                                               message: ob.message, line: ob.location?.line, seconds: ResultJSON.rounded(ob.seconds))
                            },
                            incomplete: r.incomplete?.description)
        }
        symbolic = o.symbolic.map { st in
            SymbolicJSON(bmcSeconds: st.bmcSeconds.map(ResultJSON.rounded), inductionSeconds: st.inductionSeconds.map(ResultJSON.rounded),
                         chc: st.chcSeconds.map { .init(property: $0.property.description, seconds: ResultJSON.rounded($0.seconds), answer: $0.answer) })
        }
    }

    /// Seconds to the millisecond.
    static func rounded(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }

    public func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self), let s = String(data: data, encoding: .utf8) else { return "{}" }
        return s
    }
}
