import Foundation

/// Told how the search is going, a few times a second at most. The
/// terminal display lives in the CLI.
public protocol SearchProgress: AnyObject, Sendable {
    func update(states: Int, depth: Int, queue: Int, seconds: Double)
    /// The symbolic engine finished BMC depth `depth`; `open` properties
    /// are not settled yet.
    func update(bmcDepth depth: Int, open: Int, seconds: Double)
}

extension SearchProgress {
    public func update(bmcDepth depth: Int, open: Int, seconds: Double) {}
}

/// Set from another thread (Ctrl-C) to stop a run cleanly.
public final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false
    public init() {}
    public func stop() { lock.lock(); stopped = true; lock.unlock() }
    public var isStopped: Bool { lock.lock(); defer { lock.unlock() }; return stopped }
}

/// The options every engine shares, set once per run; each engine's
/// options embed them (`options.timeout` reads `options.common.timeout`).
public struct CheckOptions: Sendable, Equatable {
    /// Check deadlock (`--no-deadlock` turns it off).
    public var deadlock = true
    /// Check progress where the machine has a final state (`--no-progress`).
    public var progress = true
    public var stopOnFirst = false
    /// A mutant's check (`pbcheck mutate`): the properties the original
    /// playbook violates. A violation of any other property, whatever its
    /// severity, ends the run, since one new violation kills the mutant.
    public var knownViolations: Set<PropertyID>?
    /// Seconds for the whole run.
    public var timeout: Double?
    /// When `timeout` started counting (the run's start: loading the spec
    /// and building the model count too); nil: when the engine starts.
    public var clockStart: Date?
    /// Budget of one Z3 query.
    public var queryTimeoutMilliseconds: UInt32? = 10_000
    /// Threads asked for.
    public var jobs = 1
    /// Distinct counterexamples kept per property at most, shortest first
    /// (`--counterexamples`; SPEC §7). Distinct ones end in a different
    /// state (state properties) or by a different step: another transition
    /// instance, or one from another state (step properties); a snapshot or
    /// an `any` value alone does not make a step different.
    public var counterexamples = 1
    public init() {}

    /// Whether a violation of `property` ends the run: with
    /// `--stop-on-first` one that is not a warning; in a mutant's check one
    /// the original does not have.
    public func stops(at property: Property) -> Bool {
        if let known = knownViolations { return !known.contains(property.id) }
        return stopOnFirst && property.severity != .warning
    }

    /// Threads started: `jobs`, but never more than the machine's cores
    /// (each thread holds a Z3 context; more threads than cores only add
    /// memory, and the results never depend on the count).
    public var threads: Int { max(1, min(jobs, ProcessInfo.processInfo.activeProcessorCount)) }
}

/// Options that embed `CheckOptions` read and write its fields as their own.
public protocol EmbedsCheckOptions {
    var common: CheckOptions { get set }
}

extension EmbedsCheckOptions {
    public subscript<T>(dynamicMember path: WritableKeyPath<CheckOptions, T>) -> T {
        get { common[keyPath: path] }
        set { common[keyPath: path] = newValue }
    }
}

/// How long a run may go on: `--timeout` as a deadline, and Ctrl-C as a
/// stop flag. Every loop whose length the playbook decides (initial states,
/// successors that depend on observations, walks, scenario repeats) asks
/// `exhausted` and ends with `unknown` and the reason, never by hanging.
public struct Budget: Sendable {
    public var deadline: Date?
    public var timeout: Double?
    public var stop: StopFlag?

    public init(timeout: Double? = nil, stop: StopFlag? = nil, from start: Date = Date()) {
        self.timeout = timeout
        deadline = timeout.map { start.addingTimeInterval($0) }
        self.stop = stop
    }

    public static let unlimited = Budget()

    /// Why the run must stop now, if it must.
    public var exhausted: StopReason? {
        if stop?.isStopped == true { return .interrupted }
        if let d = deadline, Date() >= d { return .timeout(seconds: timeout ?? 0) }
        return nil
    }
}
