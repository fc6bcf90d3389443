import Foundation

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
    public var exhausted: String? {
        if stop?.isStopped == true { return "interrupted" }
        if let d = deadline, Date() >= d { return "timeout after \(Budget.seconds(timeout ?? 0)) s (--timeout)" }
        return nil
    }

    static func seconds(_ t: Double) -> String { t == t.rounded() ? String(Int(t)) : String(t) }
}
