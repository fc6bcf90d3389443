import ArgumentParser
import Foundation
import PBCheckCore

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every property of each playbook and print a verdict for each, with shortest counterexamples."
    )

    @Argument(help: "Playbook files.")
    var specs: [String]

    @OptionGroup(title: "Random walks (--engine walk, or when the search cannot finish)")
    var walk: WalkArguments

    @OptionGroup var checking: CheckingOptions

    @Option(help: "Engine: auto (explicit search when every domain is finite, random walks where it cannot finish; symbolic otherwise), explicit, symbolic (BMC and k-induction), or walk.")
    var engine: Verifier.Engine = .auto

    @Option(parsing: .unconditional, help: "Stop after this many states (verdict unknown for what is not settled).")
    var maxStates: Int = 50_000_000

    @Option(help: "How the explicit search expands states: auto (the interpreter, and once 20,000 states are expanded the model as native code: compiled by the system C compiler ($CC or cc) on another thread while the interpreter goes on, or loaded from ~/.cache/pbcheck when compiled before), native (compiled before the search starts), or interpreter. Results never depend on it; without a C compiler every choice is the interpreter.")
    var backend: ExplicitOptions.Backend = .auto

    @Option(parsing: .unconditional, help: "Seconds one Z3 query may take; past it the query is unknown, never an answer.")
    var queryTimeout: Double = 10

    @Flag(help: "Keep full states in the explicit search's visited set (default: a state of more than 64 bits is kept as a 64-bit fingerprint, as TLC does; the collision probability is printed).")
    var exact = false

    @Option(help: ArgumentHelp("Memory the explicit search may hold: a number of bytes with K, M, G or T (default: three quarters of the machine's memory). Past it, the state log and then the visited set move to disk (TLC's disk-backed fingerprint set); when that cannot make room, the search stops with unknown and says how far it got.", valueName: "size"))
    var memory: String?

    @Flag(help: "With --report-dir: check every spec again, neither reading nor writing DIR/pbcheck.lock.")
    var noCache = false

    func validate() throws {
        guard maxStates >= 1 else { throw ValidationError("--max-states must be at least 1") }
        guard queryTimeout > 0 && queryTimeout <= 86_400 else { throw ValidationError("--query-timeout must be between 0 and 86400 seconds") }
        if let m = memory, VerifyCommand.bytes(m) == nil {
            throw ValidationError("--memory must be a size such as 512M or 4G (at least 1M), not '\(m)'")
        }
    }

    /// `4G`, `512M`, `1048576`: bytes, or nil when it is not a size of at
    /// least 1 MiB.
    static func bytes(_ text: String) -> Int? {
        let units: [Character: Int] = ["K": 10, "M": 20, "G": 30, "T": 40]
        var digits = Substring(text.uppercased())
        if digits.hasSuffix("B") || digits.hasSuffix("I") { digits = digits.dropLast() }
        if digits.hasSuffix("I") { digits = digits.dropLast() }
        var shift = 0
        if let last = digits.last, let u = units[last] { shift = u; digits = digits.dropLast() }
        guard let n = Double(digits), n.isFinite, n > 0 else { return nil }
        let value = n * Double(1 << shift)
        guard value >= Double(1 << 20), value < 1e18 else { return nil }
        return Int(value)
    }

    func run() throws {
        let seed = walk.seed ?? WalkOptions.randomSeed()
        var driver = checking.driver(.verify)
        if !noCache { driver.cacheOptions = cacheKeyOptions }
        try driver.run(specs) { model, clockStart in
            var request = CheckRequest()
            request.engine = engine
            request.common = checking.common(clockStart: clockStart, queryTimeout: queryTimeout)
            request.explicit.maxStates = maxStates
            request.explicit.backend = backend
            request.symbolic.depth = walk.depth ?? 30
            request.explicit.maxDepth = walk.depth
            request.explicit.exact = exact
            request.explicit.memoryLimit = memory.flatMap(VerifyCommand.bytes)
            request.walk = walk.options(seed: seed)
            let progress = TerminalProgress.enabled && checking.format == .text ? TerminalProgress() : nil
            let outcome = Verifier.run(model: model, request: request, progress: progress, stop: Interrupt.flag)
            progress?.clear()
            return outcome
        }
    }
}

extension VerifyCommand {
    /// The options that can change a verdict, as given (SPEC §5.3), and
    /// `--counterexamples`, which changes what a result holds: a change to
    /// one of them is a cache miss that names it. Output, jobs
    /// and what fails the run are not among them; neither is `--timeout`,
    /// since a result the clock cut short is never cached.
    var cacheKeyOptions: [String: String] {
        var o: [String: String] = [
            "--engine": engine.rawValue,
            "--max-states": String(maxStates),
            "--query-timeout": String(queryTimeout),
            "--runs": String(walk.runs),
            "--depth": walk.depth.map(String.init) ?? "default",
            "--seed": walk.seed.map(String.init) ?? "random",
        ]
        o["--coverage-bias"] = walk.coverageBias ? "on" : "off"
        o["--stop-on-first"] = checking.stopOnFirst ? "on" : "off"
        o["--no-deadlock"] = checking.noDeadlock ? "on" : "off"
        o["--no-progress"] = checking.noProgress ? "on" : "off"
        o["--strict"] = checking.strict ? "on" : "off"
        o["--counterexamples"] = String(checking.counterexamples)
        o["--exact"] = exact ? "on" : "off"
        o["--memory"] = memory.flatMap(VerifyCommand.bytes).map(String.init) ?? "default"
        return o
    }
}

extension Verifier.Engine: ExpressibleByArgument {}
extension ExplicitOptions.Backend: ExpressibleByArgument {}
