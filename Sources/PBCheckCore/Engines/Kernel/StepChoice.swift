/// A step as recorded: which instance, with which snapshot and `any` values.
public struct StepChoice: Sendable, Equatable, Codable {
    /// The transition instance (a transition with one binding of its params).
    public var instance: Int
    public var snapshot: Snapshot
    public var any: [Int64]
}
