import ArgumentParser
import Foundation
import PBCheckCore

/// The options `verify` and `walk` share: output, limits, what to check and
/// what fails the run.
struct CheckingOptions: ParsableArguments {
    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Option(parsing: .unconditional, help: "Stop after this many seconds.")
    var timeout: Double?

    @Option(parsing: .unconditional, help: "Parallel threads, 1 to 1024 (default: the machine's cores; never more threads than cores are started). The random walks' results do not depend on it, except with --coverage-bias.")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Stop at the first violation.")
    var stopOnFirst = false

    @Flag(help: "Do not check for deadlocks.")
    var noDeadlock = false

    @Flag(help: "Do not check that a final state stays reachable from every reachable state.")
    var noProgress = false

    @Option(help: "Contract establishment failures: fail (default) or warn.")
    var contracts: ContractsMode = .fail

    @Flag(help: "Warnings (opaque conditions, warning-severity invariants) fail the run.")
    var strict = false

    @Flag(help: "An unreached state or a never-fired transition fails the run (inconclusive when the engine did not explore every state).")
    var requireCoverage = false

    @Flag(help: "Print only the verdict lines and the counterexamples.")
    var quiet = false

    @Option(parsing: .unconditional, help: "Distinct counterexamples per violated property, shortest first, 1 to \(CheckingOptions.maxCounterexamples) (default 1); distinct ones end in a different state or by a different step.")
    var counterexamples = 1

    @Option(help: ArgumentHelp("Write every spec's reports here: NAME.json, .junit.xml, .sarif, .md, .dot, .html and one .itf.json per counterexample.", valueName: "dir"))
    var reportDir: String?

    func validate() throws {
        guard (1...CheckingOptions.maxJobs).contains(jobs) else { throw ValidationError("--jobs must be between 1 and \(CheckingOptions.maxJobs)") }
        guard (1...CheckingOptions.maxCounterexamples).contains(counterexamples) else {
            throw ValidationError("--counterexamples must be between 1 and \(CheckingOptions.maxCounterexamples)")
        }
        try CheckingOptions.validate(timeout: timeout)
    }

    static let maxJobs = 1024
    static let maxCounterexamples = 1000

    /// `--timeout`, when given, must be a positive number of seconds.
    static func validate(timeout: Double?) throws {
        if let t = timeout, !(t > 0) { throw ValidationError("--timeout must be a positive number of seconds") }
    }

    /// The options every engine shares, for a run that started at `clockStart`.
    func common(clockStart: Date, queryTimeout: Double? = nil) -> CheckOptions {
        var c = CheckOptions()
        c.clockStart = clockStart
        c.timeout = timeout
        c.stopOnFirst = stopOnFirst
        c.deadlock = !noDeadlock
        c.progress = !noProgress
        c.jobs = jobs
        c.counterexamples = counterexamples
        if let q = queryTimeout { c.queryTimeoutMilliseconds = UInt32(max(1, (q * 1000).rounded())) }
        return c
    }

    /// The loop over the specs that reports and classifies as these options say.
    func driver(_ mode: ExitStatus.Mode) -> SpecDriver {
        SpecDriver(format: format, mode: mode, strict: strict, contractsWarn: contracts == .warn, quiet: quiet, requireCoverage: requireCoverage,
                   reportDir: reportDir)
    }
}

enum ContractsMode: String, ExpressibleByArgument, CaseIterable {
    case fail, warn
}

/// The random walks' options, shared by `walk` and `verify`.
struct WalkArguments: ParsableArguments {
    @Option(parsing: .unconditional, help: "Random runs.")
    var runs: Int = 1000

    @Option(parsing: .unconditional, help: "Steps per random run at most (default 100); for verify also the depth of bounded model checking (default 30) and a depth bound of the explicit search (none by default; within it, what holds is bounded evidence).")
    var depth: Int?

    @Option(help: "Seed of the random runs (default: a random one, always printed).")
    var seed: UInt64?

    @Flag(help: "Prefer the least covered steps: transitions fired least, target states visited least.")
    var coverageBias = false

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        if let d = depth, d < 1 { throw ValidationError("--depth must be at least 1") }
    }

    func options(seed: UInt64) -> WalkOptions {
        var o = WalkOptions()
        o.runs = runs
        o.depth = depth ?? 100
        o.seed = seed
        o.coverageBias = coverageBias
        return o
    }
}
