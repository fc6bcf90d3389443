import Foundation

/// The words for the typed parts of an outcome: how a verdict was settled,
/// why a run stopped, which engines ran, and the command-line flag behind
/// each limit. The engines hand out values; only this file says them.

/// A command-line option a result's words may point the reader to.
public enum RunOption: Sendable {
    case maxStates, depth, timeout, stopOnFirst, runs, exact, memory

    /// The flag that sets it.
    public var flag: String {
        switch self {
        case .maxStates: return "--max-states"
        case .depth: return "--depth"
        case .timeout: return "--timeout"
        case .stopOnFirst: return "--stop-on-first"
        case .runs: return "--runs"
        case .exact: return "--exact"
        case .memory: return "--memory"
        }
    }
}

/// Seconds as a person writes them: `10`, `2.5`, `29.9`.
func secondsText(_ t: Double) -> String {
    let tenths = (t * 10).rounded() / 10
    return tenths == tenths.rounded() ? String(Int(tenths)) : String(tenths)
}

/// Bytes as a person reads them: `512 bytes`, `1.5 MiB`.
func sizeText(_ bytes: Int) -> String {
    let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
    var v = Double(bytes), u = 0
    while v >= 1024 && u < units.count - 1 { v /= 1024; u += 1 }
    return u == 0 ? "\(bytes) bytes" : String(format: "%.1f %@", v, units[u])
}

extension SearchStats {
    /// How the visited set kept states, when that is worth a line: 64-bit
    /// fingerprints (with the chance of a collision, as TLC reports it) and
    /// the part of the state log moved to disk.
    public var storageText: String? {
        var parts: [String] = []
        if let p = fingerprintCollision {
            parts.append("visited set of 64-bit fingerprints, collision probability \(String(format: "%.1g", p)) (a collision can only hide states, never report a violation; \(RunOption.exact.flag) keeps full states)")
        }
        if spilledBytes > 0 { parts.append("\(sizeText(spilledBytes)) of the state log moved to disk") }
        if visitedOnDisk > 0 { parts.append("\(sizeText(visitedOnDisk)) of the visited set moved to disk (\(RunOption.memory.flag))") }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }
}

extension StopReason: CustomStringConvertible {
    public var description: String {
        switch self {
        case .interrupted: return "interrupted"
        case .timeout(let s): return "timeout after \(secondsText(s)) s (\(RunOption.timeout.flag))"
        case .stateLimit(let m): return "state limit of \(m) reached (\(RunOption.maxStates.flag))"
        case .depthLimit(let k): return "depth bound of \(k) steps reached (\(RunOption.depth.flag))"
        case .solverQueryLimit(let m): return "solver work limit of \(m) queries reached, \(SnapshotOracle.snapshotsPerQuery) enumerated snapshots counting as one"
        case .memoryLimit(let states, let bytesPerState, let held, let limit):
            return "memory limit reached: \(states) states of \(bytesPerState) bytes each hold \(sizeText(held)), and the next growth would pass \(sizeText(limit))"
        case .stateNumbering(let m): return "more than \(m) states"
        case .diskTier: return "the visited set could not be read back from its temporary file"
        case .overflow(let loc): return "a value beyond 64 bits at \(loc) (the explicit engine computes in 64 bits)"
        case .stopOnFirst: return "stopped at the first violation (\(RunOption.stopOnFirst.flag))"
        case .undecidedStep(let why): return "Z3 could not decide a step: \(why)"
        case .unsupported(let why): return why
        case .amongInitialStates(.stateLimit(let m)):
            return "state limit of \(m) reached among the initial states (\(RunOption.maxStates.flag))"
        case .amongInitialStates(let r): return "\(r) among the initial states"
        case .whileBuilding(let r, let n): return "\(r) while building the transition system (\(n) transition instances made)"
        }
    }
}

extension Settlement: CustomStringConvertible {
    public var description: String {
        switch self {
        case .exhaustive: return "exhaustive search"
        case .explicitSearch: return "explicit search"
        case .searchDepth(let k): return "explicit search to depth \(k)"
        case .bmc(let l): return "bounded model checking (\(l) step\(l == 1 ? "" : "s"))"
        case .bmcDepth(let d): return "bounded model checking to depth \(d)"
        case .noBadStep: return "no step or state can break it (symbolic)"
        case .kInduction(let k, false): return "k-induction (k = \(k))"
        case .kInduction(let k, true): return "k-induction (k = \(k)) and CHC (Spacer)"
        case .chc: return "CHC (Spacer)"
        case .symbolic: return "symbolic"
        case .walk: return "random walk"
        case .scenario: return "scenario run"
        }
    }
}

extension CheckOutcome {
    /// `explicit`, `symbolic+explicit`, `explicit+walk`, ...
    public var engine: String { engines.map(\.rawValue).joined(separator: "+") }
}
