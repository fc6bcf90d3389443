/// A resolved, type-checked expression: names bound to slots, definitions
/// inlined, enum literals interned. Engines evaluate this form.
public indirect enum TExpr: Sendable {
    case lit(Value)
    case variable(Int)
    case keyedVariable(Int, TExpr, SourceLoc)
    case observation(Int)
    case keyedObservation(Int, TExpr, SourceLoc)
    /// A transition parameter or aggregate variable.
    case local(Int)
    case state
    /// True in the states marked (a state and its descendants).
    case inState([Bool])
    case not(TExpr)
    case negate(TExpr, SourceLoc)
    case arith(ArithOp, TExpr, TExpr, SourceLoc)
    case compare(CompareOp, TExpr, TExpr)
    case and(TExpr, TExpr)
    case or(TExpr, TExpr)
    case implies(TExpr, TExpr)
    case conditional(TExpr, TExpr, TExpr)
    case contains(TExpr, TExpr)
    case member(TExpr, set: Int)
    case aggregate(AggregateKind, set: Int, slot: Int, body: TExpr, SourceLoc)
    case abs(TExpr, SourceLoc)
    case min2(TExpr, TExpr)
    case max2(TExpr, TExpr)
}

public enum ArithOp: String, Sendable { case add = "+", sub = "-", mul = "*", div = "/", mod = "%" }
public enum CompareOp: String, Sendable { case eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">=" }

public struct SetInfo: Sendable {
    public var name: String
    public var elements: [Value]
    public var elementType: PType
    public var loc: SourceLoc
    /// Position of each element, for keyed families and `in`: by arithmetic
    /// for a set written as a range (`0..999999` needs no table), else a table.
    var span: ClosedRange<Int64>?
    var table: [Value: Int]

    public init(name: String, elements: [Value], elementType: PType, loc: SourceLoc, span: ClosedRange<Int64>? = nil) {
        self.name = name
        self.elements = elements
        self.elementType = elementType
        self.loc = loc
        self.span = span
        var table: [Value: Int] = [:]
        if span == nil {
            for (i, v) in elements.enumerated() where table[v] == nil { table[v] = i }
        }
        self.table = table
    }

    public func position(of v: Value) -> Int? {
        guard let r = span else { return table[v] }
        guard case .int(let i) = v, r.contains(i) else { return nil }
        let (offset, overflow) = i.subtractingReportingOverflow(r.lowerBound)
        return overflow ? nil : Int(offset)
    }
}

public struct ConstantInfo: Sendable {
    public var name: String
    public var value: Value
    public var type: PType
    public var loc: SourceLoc
}

public enum InitialValue: Sendable, Equatable {
    case any
    case value(Value)
}

public struct VariableInfo: Sendable {
    public var name: String
    public var domain: Domain
    /// The set indexing this family, when keyed.
    public var keySet: Int?
    /// First slot in the flat variable vector; keyed families take one slot per key.
    public var slot: Int
    public var slotCount: Int
    public var initial: InitialValue
    public var loc: SourceLoc
}

public struct ObservationInfo: Sendable {
    public enum Origin: Sendable, Equatable {
        case declared
        /// Used but never declared; the type comes from its uses.
        case inferred
        /// A browser condition pbcheck cannot evaluate (SPEC §2.1).
        case opaque
    }
    public var name: String
    public var origin: Origin
    public var domain: Domain
    /// For keyed observations: the key's type (a set for declared ones).
    public var keySet: Int?
    public var keyType: PType?
    public var loc: SourceLoc
    public var uses: [SourceLoc]
}

public struct Invariant: Sendable {
    public var description: String?
    public var source: String
    public var condition: TExpr
    public var severity: InvariantSeverity
    public var loc: SourceLoc
    /// Mentions an observation (directly or through a definition): checked
    /// on entry, with the step's snapshot (SPEC §3).
    public var isContract: Bool
}

public struct StateInfo: Sendable {
    public var id: String
    public var description: String?
    public var isFinal: Bool
    public var parent: Int?
    public var children: [Int]
    public var invariants: [Invariant]
    public var loc: SourceLoc
}

extension StateInfo {
    /// A state and all its descendants, in declaration order (pre-order).
    /// Shared by the builder (before a model exists) and the model.
    static func descendants(of s: Int, in states: [StateInfo]) -> [Int] {
        var result: [Int] = []
        var stack = [s]
        var seen = Set<Int>()
        while let x = stack.popLast() {
            guard seen.insert(x).inserted else { continue }
            result.append(x)
            stack.append(contentsOf: states[x].children.reversed())
        }
        return result
    }
}

public struct Effect: Sendable {
    public var variable: Int
    public var key: TExpr?
    /// nil for `:= any`.
    public var value: TExpr?
    public var source: String
    public var loc: SourceLoc
}

public struct TransitionInfo: Sendable {
    public var id: String
    public var event: String
    /// Every state this transition leaves from (wildcards and superstates
    /// expanded), each once, ascending.
    public var from: [Int]
    public var fromText: String
    public var to: Int
    public var params: [(name: String, set: Int)]
    public var guardExpr: TExpr?
    public var guardSource: String?
    public var effects: [Effect]
    public var loc: SourceLoc
}

/// A forbidden entry: every step whose source is in `from` and whose
/// target is in `to` violates it. Each end is expanded like a transition's
/// `from` (`*`, a superstate and its descendants, a list); the texts are
/// the ends as written, for the property id `forbidden:FROM->TO`.
public struct ForbiddenEdge: Sendable {
    public var from: [Int]
    public var fromText: String
    public var to: [Int]
    public var toText: String
    public var reason: String?
    public var loc: SourceLoc
}

/// The second stage: the checked, resolved machine every engine runs on.
/// Only `ModelBuilder` makes one, and only from a spec without errors.
public struct TypedModel: Sendable {
    public var spec: LoadedSpec
    public var machineID: String
    public var symbols: SymbolTable
    public var enums: [EnumInfo]
    public var stateEnum: Int
    public var states: [StateInfo]
    public var initial: Int
    public var transitions: [TransitionInfo]
    public var forbidden: [ForbiddenEdge]
    public var sets: [SetInfo]
    public var constants: [ConstantInfo]
    public var variables: [VariableInfo]
    public var variableSlots: Int
    public var observations: [ObservationInfo]
    public var observationSlots: [Int]
    public var globalInvariants: [Invariant]
    /// Scenario asserts, type-checked against the finished model (they take
    /// no part in inference, SPEC §2.2): per scenario, per step.
    public var scenarioAsserts: [[ScenarioAssert?]] = []

    public var name: String { spec.name ?? machineID }

    /// A state and all its ancestors, nearest first.
    ///
    /// - Complexity: O(depth). Parent links are acyclic (the builder breaks
    ///   every cycle it reports); the walk is bounded by the state count
    ///   all the same.
    public func ancestry(of s: Int) -> [Int] {
        var result = [s]
        var current = states[s].parent
        while let p = current, result.count <= states.count {
            result.append(p)
            current = states[p].parent
        }
        return result
    }

    /// Which states are covered when the `visited` ones are: a superstate
    /// is covered when one of its descendants is.
    ///
    /// - Complexity: O(states): each visited state marks its ancestors up
    ///   to the first one already marked.
    public func covered(visited: [Bool]) -> [Bool] {
        var covered = Array(repeating: false, count: states.count)
        for s in states.indices where s < visited.count && visited[s] {
            var current: Int? = s
            while let a = current, !covered[a] {
                covered[a] = true
                current = states[a].parent
            }
        }
        return covered
    }

    /// A state and all its descendants.
    public func descendants(of s: Int) -> [Int] { StateInfo.descendants(of: s, in: states) }

    /// Text of a value for traces and messages.
    public func describe(_ v: Value) -> String {
        switch v {
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .sym(let s): return symbols.name(s)
        }
    }

    /// Every value of a domain (nil for unbounded integers, and for ranges of
    /// more than 10,000,000 values, whose size may not even fit in 64 bits).
    public func values(of domain: Domain) -> [Value]? {
        switch domain {
        case .bool: return [.bool(false), .bool(true)]
        case .int(let r?):
            let (span, overflow) = r.upperBound.subtractingReportingOverflow(r.lowerBound)
            return overflow || span >= 10_000_000 ? nil : r.map { .int($0) }
        case .int(nil): return nil
        case .enumeration(let e): return enums[e].values.map { .sym($0) }
        }
    }
}

/// A scenario assert checked against the model, or why it cannot run (a
/// scenario that names what the machine does not have fails when run, it
/// does not stop the playbook from loading).
public enum ScenarioAssert: Sendable {
    case checked(TExpr, readsObservations: Bool)
    case invalid(String)
}
