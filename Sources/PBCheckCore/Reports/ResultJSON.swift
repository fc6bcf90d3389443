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

/// A field that is always written: `null` when there is no value, where
/// Codable would leave the key out (SPEC §5.2.1: every field present).
@propertyWrapper
public struct Nullable<Value: Codable & Sendable>: Codable, Sendable {
    public var wrappedValue: Value?
    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        if let v = wrappedValue { try c.encode(v) } else { try c.encodeNil() }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        wrappedValue = c.decodeNil() ? nil : try c.decode(Value.self)
    }
}

extension Nullable: Equatable where Value: Equatable {}

extension KeyedDecodingContainer {
    /// A `Nullable` field reads as nil when its key is missing too.
    public func decode<T>(_ type: Nullable<T>.Type, forKey key: Key) throws -> Nullable<T> {
        try decodeIfPresent(type, forKey: key) ?? Nullable(wrappedValue: nil)
    }
}

/// The JSON document of SPEC §5.2.1, one shape for every command and every
/// spec: what loading the spec made (in every document) and, for `verify`,
/// `walk` and `test`, what checking it made (`check`; left out of
/// `validate`'s document). A spec that did not load still has every field
/// of `check`: `complete` false, no properties, and what was not made
/// (engine, counts, coverage) null. Fields: `reports/README.md`.
public struct ResultJSON: Codable, Sendable {
    /// The version of this document's shape (2: one shape, `valid`,
    /// `spec.name` the file name, counts not made are null).
    public static let schemaVersion = 2

    public var schema = ResultJSON.schemaVersion
    public var tool = ToolJSON()
    public var spec: SpecJSON
    /// The spec loaded without errors.
    public var valid: Bool
    /// The loader's diagnostics, then the engines' (skipped browser steps,
    /// dead transitions, internal errors).
    public var diagnostics: [DiagnosticJSON]
    public var observations: [ObservationJSON]
    /// What checking made; nil in `validate`'s document.
    public var check: CheckJSON?

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
        /// In `traces` only: what this counterexample shows, and how a
        /// walk's was shrunk (`trace` has the property's `detail` and `shrink`).
        public var detail: String?
        public var shrink: ShrinkJSON?
    }
    public struct PropertyJSON: Codable, Sendable {
        public var id: String
        public var kind: String
        public var description: String?
        public var verdict: String
        /// Depth or number of runs for `bounded`.
        @Nullable public var bound: Int?
        public var severity: String
        public var contract: Bool?
        public var location: Location?
        public var detail: String?
        public var settledBy: String
        @Nullable public var trace: TraceJSON?
        public var shrink: ShrinkJSON?
        /// With `--counterexamples N` (N > 1), on a violated property: up to
        /// N distinct counterexamples, shortest first; the first is `trace`.
        public var traces: [TraceJSON]?
        /// For a determinism warning: the two steps enabled together in the
        /// trace's last state and a snapshot enabling both.
        public var enabledTogether: EnabledTogetherJSON? = nil

        enum CodingKeys: String, CodingKey {
            case id, kind, description, verdict, bound, severity, contract, location, detail, trace, shrink, traces
            case settledBy = "settled_by"
            case enabledTogether = "enabled_together"
        }

    }
    /// Two steps on one event enabled together (`EnabledTogether`).
    public struct EnabledTogetherJSON: Codable, Sendable, Equatable {
        public struct Step: Codable, Sendable, Equatable {
            public var transition: String
            public var params: [String: JSONScalar]
        }
        public var event: String
        public var steps: [Step]
        public var observations: [String: JSONScalar]
    }
    /// How a walk's counterexample was shrunk.
    public struct ShrinkJSON: Codable, Sendable, Equatable {
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
        @Nullable public var firstFailureSeconds: Double?
        public var shrinkSeconds: Double
        enum CodingKeys: String, CodingKey {
            case runs, depth, seed, steps, seconds
            case stepsPerSecond = "steps_per_second"
            case firstFailureSeconds = "first_failure_seconds"
            case shrinkSeconds = "shrink_seconds"
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

    /// What the run counted and how long it took; all nil for a spec that
    /// did not load.
    public struct StatsJSON: Codable, Sendable {
        @Nullable public var states: Int? = nil
        @Nullable public var steps: Int? = nil
        @Nullable public var depth: Int? = nil
        @Nullable public var seconds: Double? = nil
        @Nullable public var bytesPerState: Double? = nil
        @Nullable public var solverQueries: Int? = nil
        /// The chance of a fingerprint collision; left out when the
        /// visited set was exact.
        public var fingerprintCollision: Double? = nil
        /// Bytes of the state log and the visited set moved to disk; left
        /// out when none.
        public var spilledBytes: Int? = nil
        enum CodingKeys: String, CodingKey {
            case states, steps, depth, seconds
            case bytesPerState = "bytes_per_state"
            case solverQueries = "solver_queries"
            case fingerprintCollision = "fingerprint_collision_probability"
            case spilledBytes = "spilled_bytes"
        }
    }
    public struct CoverageJSON: Codable, Sendable {
        public struct States: Codable, Sendable { public var reachable: [String]; public var unreachable: [String] }
        public struct Transitions: Codable, Sendable { public var fired: [String]; public var never: [String] }
        public var states: States
        public var transitions: Transitions
        /// With `--require-coverage`: `met`, `fail` (an exhaustive search
        /// left a gap) or `inconclusive` (a gap where the engine explored
        /// only part); null when it was not asked.
        @Nullable public var required: String?
        /// Why each gap is there; left out when there is none.
        public var why: WhyJSON? = nil
    }

    /// Why the coverage has gaps (`CoverageWhy`).
    public struct WhyJSON: Codable, Sendable {
        public struct StateJSON: Codable, Sendable {
            public struct Entering: Codable, Sendable {
                public var transition: String
                public var fired: Bool
                public var noSuccessor: String?
                enum CodingKeys: String, CodingKey {
                    case transition, fired
                    case noSuccessor = "no_successor"
                }
            }
            public var state: String
            public var entering: [Entering]
            public var reason: String
        }
        public struct TransitionJSON: Codable, Sendable {
            public var transition: String
            /// `source-unreached`, `conjunct-false`, `no-snapshot`,
            /// `conjuncts-conflict`, `dead-guard`, `not-expanded`,
            /// `guard-holds`, `no-states`, `undecided`.
            public var kind: String
            /// The guard conjuncts it names, as written.
            public var conjuncts: [String]?
            /// The reached state it names (`not-expanded`, `guard-holds`).
            public var state: String?
            public var line: Int
            public var reason: String
        }
        /// Over every reachable state (an exhaustive search), else only
        /// over the states the run reached.
        public var exact: Bool
        public var states: [StateJSON]
        public var transitions: [TransitionJSON]
    }

    /// What checking a spec made: the fields `validate`'s document leaves
    /// out. Every one is written, null when it was not made.
    public struct CheckJSON: Codable, Sendable {
        /// Which engines ran (`explicit`, `symbolic+explicit`); null when none did.
        @Nullable public var engine: String?
        @Nullable public var engineNote: String?
        public var complete: Bool
        @Nullable public var stopReason: String?
        public var stats: StatsJSON
        public var properties: [PropertyJSON]
        /// Null when no engine that covers the machine ran (scenarios only,
        /// or the spec did not load).
        @Nullable public var coverage: CoverageJSON?
        /// Null when the obligations did not run.
        @Nullable public var stalls: [String]?
        @Nullable public var walk: WalkJSON?
        @Nullable public var obligations: ObligationsJSON?
        @Nullable public var symbolic: SymbolicJSON?

        enum CodingKeys: String, CodingKey {
            case engine, complete, stats, properties, coverage, stalls, walk, obligations, symbolic
            case engineNote = "engine_note"
            case stopReason = "stop_reason"
        }

        /// Nothing checked: the spec did not load.
        static let none = CheckJSON(engine: nil, engineNote: nil, complete: false, stopReason: nil, stats: StatsJSON(), properties: [],
                                    coverage: nil, stalls: nil, walk: nil, obligations: nil, symbolic: nil)
    }

    enum CodingKeys: String, CodingKey {
        case schema, tool, spec, valid, diagnostics, observations
    }

    /// `validate`'s document: what loading `v` made, every diagnostic.
    public init(validation v: ValidationResult) {
        spec = SpecJSON(v)
        valid = v.errorCount == 0
        diagnostics = v.diagnostics.map(DiagnosticJSON.init)
        observations = ObservationJSON.all(v)
    }

    /// The document of `verify`, `walk` and `test`: what loading `v` made,
    /// with the load diagnostics in `shown` (then the outcome's), and what
    /// checking made. `outcome` is nil when the spec did not load.
    public init(validation v: ValidationResult, shown: [Diagnostic], outcome: CheckOutcome?) {
        self.init(validation: v)
        diagnostics = (shown + (outcome?.diagnostics ?? [])).map(DiagnosticJSON.init)
        check = outcome.map(CheckJSON.init) ?? CheckJSON.none
    }

    // The fields of `check` sit beside the others, at the top level.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(schema, forKey: .schema)
        try c.encode(tool, forKey: .tool)
        try c.encode(spec, forKey: .spec)
        try c.encode(valid, forKey: .valid)
        try c.encode(diagnostics, forKey: .diagnostics)
        try c.encode(observations, forKey: .observations)
        try check?.encode(to: encoder)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        schema = try c.decode(Int.self, forKey: .schema)
        tool = try c.decode(ToolJSON.self, forKey: .tool)
        spec = try c.decode(SpecJSON.self, forKey: .spec)
        valid = try c.decode(Bool.self, forKey: .valid)
        diagnostics = try c.decode([DiagnosticJSON].self, forKey: .diagnostics)
        observations = try c.decode([ObservationJSON].self, forKey: .observations)
        let checked = try decoder.container(keyedBy: CheckJSON.CodingKeys.self).contains(.properties)
        check = checked ? try CheckJSON(from: decoder) : nil
    }

    /// Records what `--require-coverage` made of the gaps (`gaps` nil: met).
    public mutating func requireCoverage(_ gaps: CoverageGaps?) {
        check?.coverage?.required = gaps?.rawValue ?? "met"
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

    static func shrink(_ s: ShrinkInfo) -> ShrinkJSON {
        ShrinkJSON(originalLength: s.originalLength, replays: s.replays, run: s.run, seed: s.seed, budgetExhausted: s.budgetExhausted)
    }

    /// Seconds to the millisecond.
    static func rounded(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }

    public func encoded() -> String { ResultJSON.encode(self) }

    /// One document as itself, several as a JSON array (SPEC §5.2.1).
    public static func encoded(_ documents: [ResultJSON]) -> String {
        documents.count == 1 ? encode(documents[0]) : encode(documents)
    }

    private static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value), let s = String(data: data, encoding: .utf8) else { return "{}" }
        return s
    }
}

extension ResultJSON.StatsJSON {
    /// Counts an engine of the run did not make are nil (null in JSON,
    /// never 0): the explicit search counts states, steps and depth; the
    /// walks steps; the symbolic engine its depth; scenarios none.
    init(_ o: CheckOutcome) {
        func made(by kinds: EngineKind...) -> Bool { o.engines.contains(where: kinds.contains) }
        let counted = made(by: .explicit)
        states = counted ? o.stats.states : nil
        steps = made(by: .explicit, .walk) ? o.stats.steps : nil
        depth = made(by: .explicit, .symbolic) ? o.stats.depth : nil
        seconds = ResultJSON.rounded(o.stats.seconds)
        bytesPerState = counted && o.stats.states > 0 ? (Double(o.stats.bytes) / Double(o.stats.states) * 10).rounded() / 10 : nil
        solverQueries = made(by: .explicit, .symbolic, .walk) ? o.stats.solverQueries : nil
        fingerprintCollision = counted ? o.stats.fingerprintCollision : nil
        let spilled = o.stats.spilledBytes + o.stats.visitedOnDisk
        spilledBytes = counted && spilled > 0 ? spilled : nil
    }
}

extension ResultJSON.CheckJSON {
    init(_ o: CheckOutcome) {
        engine = o.engine
        engineNote = o.engineNote
        complete = o.complete
        stopReason = o.stopReason?.description
        stats = ResultJSON.StatsJSON(o)
        properties = o.properties.map { r in
            ResultJSON.PropertyJSON(id: r.property.id.description, kind: r.property.kind.rawValue, description: r.property.description, verdict: r.verdict.rawValue,
                         bound: r.bound, severity: r.property.severity.rawValue, contract: r.property.isContract ? true : nil,
                         location: r.property.location.map { ResultJSON.Location(line: $0.line, column: $0.column) },
                         detail: r.detail, settledBy: r.settledBy.description, trace: r.trace.map(ResultJSON.trace),
                         shrink: r.shrink.map(ResultJSON.shrink),
                         traces: r.moreCounterexamples == nil ? nil : r.counterexamples.map { cx in
                             var t = ResultJSON.trace(cx.trace)
                             t.detail = cx.detail
                             t.shrink = cx.shrink.map(ResultJSON.shrink)
                             return t
                         },
                         enabledTogether: r.enabledTogether.map { e in
                             ResultJSON.EnabledTogetherJSON(event: e.event, steps: e.steps.map { .init(transition: $0.transition, params: ResultJSON.vars($0.params)) },
                                                            observations: ResultJSON.vars(e.observations))
                         })
        }
        walk = o.walk.map { w in
            ResultJSON.WalkJSON(runs: w.runs, depth: w.depth, seed: w.seed, steps: w.steps, seconds: ResultJSON.rounded(w.seconds),
                     stepsPerSecond: w.seconds > 0 ? (Double(w.steps) / w.seconds).rounded() : 0,
                     firstFailureSeconds: w.firstFailureSeconds.map(ResultJSON.rounded), shrinkSeconds: ResultJSON.rounded(w.shrinkSeconds))
        }
        coverage = o.engines == [.scenarios] ? nil
            : ResultJSON.CoverageJSON(states: .init(reachable: o.coverage.reachableStates, unreachable: o.coverage.unreachableStates),
                           transitions: .init(fired: o.coverage.firedTransitions, never: o.coverage.neverFired), required: nil,
                           why: o.coverage.why.map(ResultJSON.WhyJSON.init))
        stalls = o.obligations == nil ? nil : o.stalls
        obligations = o.obligations.map { r in
            ResultJSON.ObligationsJSON(states: r.states, assumptions: r.assumptions, seconds: ResultJSON.rounded(r.seconds),
                            counts: Dictionary(grouping: r.obligations, by: { "\($0.kind.rawValue)/\($0.status.rawValue)" }).mapValues(\.count),
                            list: r.obligations.filter { $0.status != .discharged }.map { ob in
                                ResultJSON.ObligationJSON(kind: ob.kind.rawValue, status: ob.status.rawValue, state: ob.state, transition: ob.transition,
                                               other: ob.other, property: ob.property?.description,
                                               witness: ob.witness.isEmpty ? nil : ResultJSON.vars(ob.witness),
                                               message: ob.message, line: ob.location?.line, seconds: ResultJSON.rounded(ob.seconds))
                            },
                            incomplete: r.incomplete?.description)
        }
        symbolic = o.symbolic.map { st in
            ResultJSON.SymbolicJSON(bmcSeconds: st.bmcSeconds.map(ResultJSON.rounded), inductionSeconds: st.inductionSeconds.map(ResultJSON.rounded),
                         chc: st.chcSeconds.map { .init(property: $0.property.description, seconds: ResultJSON.rounded($0.seconds), answer: $0.answer) })
        }
    }
}

extension ResultJSON.WhyJSON {
    init(_ w: CoverageWhy) {
        exact = w.exact
        states = w.states.map { s in
            StateJSON(state: s.state, entering: s.entering.map { .init(transition: $0.transition, fired: $0.fired, noSuccessor: $0.noSuccessor) },
                      reason: s.text(w))
        }
        transitions = w.transitions.map { t in
            var kind = "", conjuncts: [String]?, state: String?
            switch t.reason {
            case .sourceUnreached: kind = "source-unreached"
            case .conjunctFalse(let c): kind = "conjunct-false"; conjuncts = [c]
            case .noSnapshot(let c): kind = "no-snapshot"; conjuncts = [c]
            case .conjunctsConflict(let cs): kind = "conjuncts-conflict"; conjuncts = cs
            case .deadGuard: kind = "dead-guard"
            case .notExpanded(let s): kind = "not-expanded"; state = s
            case .guardHolds(let s): kind = "guard-holds"; state = s
            case .noStates: kind = "no-states"
            case .undecided: kind = "undecided"
            }
            return TransitionJSON(transition: t.transition, kind: kind, conjuncts: conjuncts, state: state, line: t.line, reason: t.reason.description)
        }
    }
}
