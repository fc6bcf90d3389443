/// A runtime value. Strings (enum values, state ids, string constants) are
/// interned symbols, so comparing them is comparing integers.
public enum Value: Hashable, Sendable, Codable {
    case bool(Bool)
    case int(Int64)
    case sym(Int32)
}

/// Interned strings of one model.
public struct SymbolTable: Sendable {
    public private(set) var names: [String] = []
    private var index: [String: Int32] = [:]

    public mutating func intern(_ s: String) -> Int32 {
        if let i = index[s] { return i }
        let i = Int32(names.count)
        names.append(s)
        index[s] = i
        return i
    }

    public func lookup(_ s: String) -> Int32? { index[s] }
    public func name(_ i: Int32) -> String { i >= 0 && Int(i) < names.count ? names[Int(i)] : "<symbol \(i)>" }
}

/// The static type of an expression.
public enum PType: Hashable, Sendable {
    case bool
    case int
    /// A value of the enum at this index of `TypedModel.enums`.
    case enumeration(Int)
    /// A string that belongs to no enum (a literal, a string constant).
    case string
    /// An undeclared observation whose type is not decided yet (inference).
    case unresolved(Int)

    var isUnresolved: Bool {
        if case .unresolved = self { return true }
        return false
    }
}

/// A finite set of symbols: a declared enum, the elements of a string set,
/// the state ids, or the values an inferred observation is compared with.
public struct EnumInfo: Sendable {
    public enum Origin: Sendable { case declared, set, states, inferred }
    public var name: String
    public var values: [Int32]
    public var origin: Origin
    /// Inferred enums are open: the world may hold any string. Their values
    /// are the open string universe (OpenStrings.swift), which stands for
    /// every string exactly.
    public var isOpen: Bool { origin == .inferred }
    /// For an open enum, the literals the playbook compares it with (what
    /// `validate` lists); `values` is its whole universe.
    public var literals: [Int32] = []
}

/// The values a variable or observation ranges over.
public enum Domain: Sendable, Equatable {
    case bool
    case int(ClosedRange<Int64>?)
    case enumeration(Int)

    public var type: PType {
        switch self {
        case .bool: return .bool
        case .int: return .int
        case .enumeration(let e): return .enumeration(e)
        }
    }
}
