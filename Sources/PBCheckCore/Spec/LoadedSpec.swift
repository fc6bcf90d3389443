/// A value with the place in the file it came from.
public struct Located<T: Sendable>: Sendable {
    public var value: T
    public var loc: SourceLoc
    public init(_ value: T, _ loc: SourceLoc) {
        self.value = value
        self.loc = loc
    }
}

/// An expression as written in the file: its text (with the position map)
/// and its parse tree, or nil when it did not parse (already reported).
public struct ExprSource: Sendable {
    public var text: ExprText
    public var expr: Expr?
    public var loc: SourceLoc { text.loc(0) }
}

/// The first stage: the playbook as declared, every node with its position.
/// Nothing is resolved or type-checked yet.
public struct LoadedSpec: Sendable {
    public var file: SourceFile
    public var name: String?
    public var description: String?
    public var machineID: Located<String>?
    public var initial: Located<String>?
    public var states: [StateDecl] = []
    public var transitions: [TransitionDecl] = []
    public var forbidden: [ForbiddenDecl] = []
    public var sets: [SetDecl] = []
    public var constants: [ConstantDecl] = []
    public var variables: [DomainDecl] = []
    public var observations: [DomainDecl] = []
    public var definitions: [DefinitionDecl] = []
    public var invariants: [InvariantDecl] = []
    public var scenarios: [ScenarioDecl] = []
    public var scriptedRuns: [ScriptedRun] = []
    public var pathAssertions: PathAssertions?
    /// probar's `falsification.mutations`: hand-written mutations, which
    /// `verify` skips and `mutate` interprets where it can.
    public var falsification: [FalsificationEntry] = []
    /// probar sections, actions and assertions that pbcheck reads but does
    /// not model, in file order; each message ends "skipped (outside the
    /// model)" and is reported by the scenario runner.
    public var skipped: [Located<String>] = []

    init(file: SourceFile) { self.file = file }
}

public enum InvariantSeverity: String, Sendable, Codable { case warning, error, critical }

public struct InvariantDecl: Sendable {
    public var description: String?
    public var condition: ExprSource
    public var severity: InvariantSeverity
    public var loc: SourceLoc
}

public struct StateDecl: Sendable {
    public var id: Located<String>
    public var description: String?
    public var isFinal: Bool
    public var parent: Located<String>?
    public var invariants: [InvariantDecl]
}

/// A transition's `from`, or either end of a forbidden edge: `*`, or
/// states by name (a superstate stands for itself and its descendants).
public enum FromDecl: Sendable {
    case any(SourceLoc)
    case states([Located<String>])
}

public struct EffectDecl: Sendable {
    public var text: ExprText
    /// The left-hand side: a name, or a keyed name `c(i)`.
    public var target: Expr
    /// nil for `:= any`.
    public var value: Expr?
    public var loc: SourceLoc { text.loc(0) }
}

public struct TransitionDecl: Sendable {
    public var id: Located<String>
    public var from: FromDecl
    public var to: Located<String>
    public var event: Located<String>?
    public var guardExpr: ExprSource?
    public var params: [(name: Located<String>, set: Located<String>)]
    public var effects: [EffectDecl]
    public var loc: SourceLoc
}

public struct ForbiddenDecl: Sendable {
    public var from: FromDecl
    public var to: FromDecl
    public var reason: String?
    public var loc: SourceLoc
}

public enum SetElements: Sendable {
    case strings([String])
    case ints([Int64])
    case range(Int64, Int64)
}

public struct SetDecl: Sendable {
    public var name: Located<String>
    public var elements: SetElements
}

public enum ScalarValue: Hashable, Sendable, CustomStringConvertible {
    case bool(Bool)
    case int(Int64)
    case string(String)

    public var description: String {
        switch self {
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .string(let s): return s
        }
    }
}

public struct ConstantDecl: Sendable {
    public var name: Located<String>
    public var value: Located<ScalarValue>
}

public enum DeclaredType: String, Sendable { case bool, int, `enum` }

/// A range bound: a literal or the name of an int constant.
public enum BoundDecl: Sendable {
    case literal(Int64)
    case constant(String)
}

/// A name declared with a type and a domain: an entry of `variables` or of
/// `observations`.
public struct DomainDecl: Sendable {
    public var name: Located<String>
    public var type: Located<DeclaredType>
    public var range: Located<(BoundDecl, BoundDecl)>?
    public var values: [Located<String>]?
    public var keys: Located<String>?
    /// A variable's init: nil = no init (any value); `.any` spelled out.
    /// Always nil for an observation, which has no `init`.
    public var initial: Located<InitDecl>?
}

public enum InitDecl: Sendable {
    case any
    case value(ScalarValue)
}

public struct DefinitionDecl: Sendable {
    public var name: Located<String>
    public var params: [String]
    public var body: ExprSource
}

public struct ScenarioDecl: Sendable {
    public var name: Located<String>
    public var description: String?
    /// `init:` — the initial values of variables with `init: any` (or no
    /// init), by name or member (`full(2)`): which initial state the run
    /// starts from. Empty: the first initial state.
    public var initial: [(String, Located<ScalarValue>)] = []
    public var steps: [ScenarioStep]
}

public enum ScenarioStep: Sendable {
    /// Fire a transition. `observe:` keys name an observation, a keyed
    /// observation's member (`health(us-west)`) or an opaque browser
    /// condition by its text; `choose:` gives the values of the step's
    /// `:= any` effects by variable (or member) name.
    case action(name: Located<String>, params: [(String, Located<ScalarValue>)],
                observe: [(String, Located<ScalarValue>)], choose: [(String, Located<ScalarValue>)], repeat: Int)
    case assert(ExprSource)
    /// A property that no expression says (deadlock, a forbidden edge,
    /// progress, …), checked at this point of the run by the kernel.
    case holds(Located<PropertyID>)
}

/// probar's `playbook.steps[]`: transition ids fired in order; browser
/// actions kept by name only (they are reported as skipped).
public struct ScriptedRun: Sendable {
    public var name: String
    public var transitions: [Located<String>]
    public var browserActions: [Located<String>]
    public var loc: SourceLoc
}

/// probar's `assertions.path`.
public struct PathAssertions: Sendable {
    /// The exact sequence of states the scripted run visits, initial first.
    public var expected: [Located<String>]?
    /// Where `assertions.path` is.
    public var loc: SourceLoc?
    public var mustVisit: [Located<String>] = []
    public var mustNotVisit: [Located<String>] = []
    public var endsAt: Located<String>?
}

/// One entry of probar's `falsification.mutations`, as written.
public struct FalsificationEntry: Sendable {
    public var id: String
    public var description: String?
    /// The mutation in words (`remove transition 'trip'`, `M5 trip`).
    public var mutate: String
    public var expectedFailure: String?
    public var loc: SourceLoc
}
