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

    @Option(parsing: .unconditional, help: "Seconds one Z3 query may take; past it the query is unknown, never an answer.")
    var queryTimeout: Double = 10

    func validate() throws {
        guard maxStates >= 1 else { throw ValidationError("--max-states must be at least 1") }
        guard queryTimeout > 0 && queryTimeout <= 86_400 else { throw ValidationError("--query-timeout must be between 0 and 86400 seconds") }
    }

    func run() throws {
        let seed = walk.seed ?? WalkOptions.randomSeed()
        try checking.driver(.verify).run(specs) { model, clockStart in
            var request = CheckRequest()
            request.engine = engine
            request.common = checking.common(clockStart: clockStart, queryTimeout: queryTimeout)
            request.explicit.maxStates = maxStates
            request.symbolic.depth = walk.depth ?? 30
            request.explicit.maxDepth = walk.depth
            request.walk = walk.options(seed: seed)
            let progress = TerminalProgress.enabled && checking.format == .text ? TerminalProgress() : nil
            let outcome = Verifier.run(model: model, request: request, progress: progress, stop: Interrupt.flag)
            progress?.clear()
            return outcome
        }
    }
}

extension Verifier.Engine: ExpressibleByArgument {}
