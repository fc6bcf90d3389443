/// Encoding of values as words (the same everywhere in the engines): a bool
/// is 0 or 1, an int is itself, a string/enum value is its symbol id.
public enum Word {
    @inline(__always) public static func encode(_ v: Value) -> Int64 {
        switch v {
        case .bool(let b): return b ? 1 : 0
        case .int(let i): return i
        case .sym(let s): return Int64(s)
        }
    }

    public static func decode(_ w: Int64, as type: PType) -> Value {
        switch type {
        case .bool: return .bool(w != 0)
        case .int, .unresolved: return .int(w)
        case .enumeration, .string: return .sym(Int32(truncatingIfNeeded: w))
        }
    }
}

/// A snapshot of the world after an event: a value for each observation
/// (and each key of a keyed one) that the step reads. Unread ones are absent.
public struct Snapshot: Hashable, Sendable, Codable {
    public struct Key: Hashable, Sendable, Comparable, Codable {
        public var observation: Int
        /// The key's word for keyed observations.
        public var key: Int64?
        public static func < (a: Key, b: Key) -> Bool {
            (a.observation, a.key ?? Int64.min) < (b.observation, b.key ?? Int64.min)
        }
    }
    public var values: [Key: Int64] = [:]
    public init() {}

    /// Encoded as a list sorted by key, so the same snapshot is always the
    /// same text.
    private struct Entry: Codable {
        var observation: Int
        var key: Int64?
        var value: Int64
    }

    public init(from decoder: Decoder) throws {
        for e in try decoder.singleValueContainer().decode([Entry].self) {
            values[Key(observation: e.observation, key: e.key)] = e.value
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(values.keys.sorted().map { Entry(observation: $0.observation, key: $0.key, value: values[$0] ?? 0) })
    }

    /// An absent observation reads as the smallest value: 0, false, the
    /// first value of its enum.
    public func read(_ o: Int, _ key: Int64?, default d: Int64) -> Int64 {
        values[Key(observation: o, key: key)] ?? d
    }
}

/// Where compiled code reads and writes: `vars[0]` is the control state,
/// `vars[1...]` the variable slots; `locals` holds params and aggregate
/// variables. Reference type so closures take it without copying.
public final class Frame {
    public let vars: UnsafeMutablePointer<Int64>
    public let locals: UnsafeMutablePointer<Int64>
    public let varCount: Int
    public var snapshot = Snapshot()

    public init(slots: Int, locals: Int) {
        varCount = slots + 1
        vars = .allocate(capacity: slots + 1)
        vars.initialize(repeating: 0, count: slots + 1)
        self.locals = .allocate(capacity: max(locals, 1))
        self.locals.initialize(repeating: 0, count: max(locals, 1))
    }

    deinit {
        vars.deallocate()
        locals.deallocate()
    }
}

public typealias CompiledExpr = (Frame) throws(EvalError) -> Int64
