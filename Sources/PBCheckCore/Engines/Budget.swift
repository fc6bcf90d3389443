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
        if let d = deadline, Date() >= d { return Budget.timedOut(timeout ?? 0) }
        return nil
    }

    /// Seconds as a person writes them: `10`, `2.5`, `29.9`.
    static func seconds(_ t: Double) -> String {
        let tenths = (t * 10).rounded() / 10
        return tenths == tenths.rounded() ? String(Int(tenths)) : String(tenths)
    }

    /// Why a run with `timeout` seconds stops.
    static func timedOut(_ t: Double) -> String { "timeout after \(seconds(t)) s (--timeout)" }
}
