/// How serious a diagnostic is.
public enum Severity: String, Sendable, Comparable, Codable {
    case note, warning, error

    private var rank: Int {
        switch self {
        case .note: return 0
        case .warning: return 1
        case .error: return 2
        }
    }

    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// A finding about the playbook itself (not about its behaviour): a load
/// error, a type error, a lint warning. Positions stay structured; they
/// become text only in a renderer.
public struct Diagnostic: Hashable, Sendable, Error, Codable {
    public var severity: Severity
    public var code: DiagnosticCode
    public var message: String
    public var location: SourceLoc?
    /// Other places that explain this one (e.g. every conflicting use).
    public var related: [Related]

    public struct Related: Hashable, Sendable, Codable {
        public var message: String
        public var location: SourceLoc
    }

    public init(_ severity: Severity, _ code: DiagnosticCode, _ message: String,
                at location: SourceLoc?, related: [Related] = []) {
        self.severity = severity
        self.code = code
        self.message = message
        self.location = location
        self.related = related
    }

    public static func error(_ code: DiagnosticCode, _ message: String, at loc: SourceLoc?,
                             related: [Related] = []) -> Diagnostic {
        Diagnostic(.error, code, message, at: loc, related: related)
    }

    public static func warning(_ code: DiagnosticCode, _ message: String, at loc: SourceLoc?,
                               related: [Related] = []) -> Diagnostic {
        Diagnostic(.warning, code, message, at: loc, related: related)
    }
}

/// The stable identifier of a kind of diagnostic, printed in brackets after
/// each message and used by tests and reports.
public struct DiagnosticCode: RawRepresentable, Hashable, Sendable, Comparable, Codable,
    ExpressibleByStringLiteral, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
    public static func < (a: DiagnosticCode, b: DiagnosticCode) -> Bool { a.rawValue < b.rawValue }

    // Reading the file and its YAML.
    public static let fileUnreadable: DiagnosticCode = "file-unreadable"
    public static let fileTooLarge: DiagnosticCode = "file-too-large"
    public static let fileEncoding: DiagnosticCode = "file-encoding"
    public static let yamlSyntax: DiagnosticCode = "yaml-syntax"
    public static let yamlDuplicateKey: DiagnosticCode = "yaml-duplicate-key"
    public static let yamlAliasLimit: DiagnosticCode = "yaml-alias-limit"
    public static let yamlTooDeep: DiagnosticCode = "yaml-too-deep"
    // The playbook schema.
    public static let badVersion: DiagnosticCode = "bad-version"
    public static let versionUnquoted: DiagnosticCode = "version-unquoted"
    public static let missingField: DiagnosticCode = "missing-field"
    public static let wrongType: DiagnosticCode = "wrong-type"
    public static let unknownKey: DiagnosticCode = "unknown-key"
    public static let unknownState: DiagnosticCode = "unknown-state"
    public static let stateIDMismatch: DiagnosticCode = "state-id-mismatch"
    public static let duplicateState: DiagnosticCode = "duplicate-state"
    public static let duplicateTransition: DiagnosticCode = "duplicate-transition"
    public static let duplicateName: DiagnosticCode = "name-conflict"
    public static let parentCycle: DiagnosticCode = "parent-cycle"
    public static let unknownSet: DiagnosticCode = "unknown-set"
    public static let badRange: DiagnosticCode = "bad-range"
    public static let initOutOfRange: DiagnosticCode = "init-out-of-range"
    public static let badAssignmentTarget: DiagnosticCode = "bad-assignment-target"
    public static let duplicateAssignment: DiagnosticCode = "duplicate-assignment"
    public static let badScenario: DiagnosticCode = "bad-scenario"
    // Expressions.
    public static let exprSyntax: DiagnosticCode = "expr-syntax"
    public static let exprTooDeep: DiagnosticCode = "expr-too-deep"
    public static let intLiteralRange: DiagnosticCode = "int-literal-range"
    public static let typeError: DiagnosticCode = "type-error"
    public static let arityMismatch: DiagnosticCode = "arity-mismatch"
    public static let unknownEnumValue: DiagnosticCode = "unknown-enum-value"
    public static let definitionCycle: DiagnosticCode = "definition-cycle"
    public static let definitionTooLarge: DiagnosticCode = "definition-too-large"
    public static let aggregateTooLarge: DiagnosticCode = "aggregate-too-large"
    public static let opaqueAtom: DiagnosticCode = "opaque-atom"
    // Lint (SPEC §1.1).
    public static let unreachableState: DiagnosticCode = "unreachable-state"
    public static let noOutgoing: DiagnosticCode = "no-outgoing"
    public static let unguardedSelfLoop: DiagnosticCode = "unguarded-self-loop"
    public static let nondeterministicEvent: DiagnosticCode = "nondeterministic-event"
    public static let forbiddenInTable: DiagnosticCode = "forbidden-in-table"
    // Engines
    public static let internalError: DiagnosticCode = "internal-error"
    public static let deadTransition: DiagnosticCode = "dead-transition"
    public static let scenarioSkipped: DiagnosticCode = "scenario-skipped"
}

/// Collects diagnostics in order, dropping exact repeats (a definition's
/// body is checked at every use and would otherwise repeat its findings).
public struct DiagnosticBag: Sendable {
    public private(set) var all: [Diagnostic] = []
    private var seen: Set<Diagnostic> = []

    public init() {}

    public mutating func add(_ d: Diagnostic) {
        if seen.insert(d).inserted { all.append(d) }
    }

    public mutating func error(_ code: DiagnosticCode, _ message: String, at loc: SourceLoc?,
                               related: [Diagnostic.Related] = []) {
        add(.error(code, message, at: loc, related: related))
    }

    public mutating func warning(_ code: DiagnosticCode, _ message: String, at loc: SourceLoc?,
                                 related: [Diagnostic.Related] = []) {
        add(.warning(code, message, at: loc, related: related))
    }

    public var hasErrors: Bool { all.contains { $0.severity == .error } }

    /// Diagnostics ordered by position (those without a position first),
    /// stable for equal positions.
    public var sorted: [Diagnostic] {
        all.enumerated().sorted { a, b in
            let la = a.element.location ?? .unknown, lb = b.element.location ?? .unknown
            return la != lb ? la < lb : a.offset < b.offset
        }.map(\.element)
    }
}

/// Levenshtein distance, for "did you mean" suggestions.
public func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}

/// The closest candidate to `name`, if it is close enough to be a plausible typo.
public func suggestion(for name: String, among candidates: some Sequence<String>) -> String? {
    var best: (String, Int)?
    let limit = max(1, min(3, name.count / 3 + 1))
    for c in candidates where c != name {
        let d = editDistance(name.lowercased(), c.lowercased())
        if d <= limit, d < (best?.1 ?? Int.max) { best = (c, d) }
    }
    return best?.0
}

/// " (did you mean 'x'?)" or "".
func didYouMean(_ name: String, _ candidates: some Sequence<String>) -> String {
    suggestion(for: name, among: candidates).map { " (did you mean '\($0)'?)" } ?? ""
}
