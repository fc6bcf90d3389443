import ArgumentParser
import Foundation
import PBCheckCore

struct MutateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mutate",
        abstract: "Mutation testing of a playbook's own properties and scenarios: which changes to the machine would nothing notice?",
        discussion: """
            Makes the mutants of classes M1–M8 (M1 remove a state, M2 remove a transition, M3 swap two transitions' events, \
            M4 retarget a transition, M5 negate a guard, M6 drop a guard conjunct, M7 drop an effect, M8 shift a constant by ±1 or a \
            comparison) and checks each like verify until its first new violation. A mutant is killed when some property is violated or \
            some scenario fails that does not on the playbook; equivalent when its reachable states and steps are the playbook's; \
            stillborn when it does not build. Score: killed ÷ the mutants neither equivalent nor stillborn. Exit 0 when the score meets \
            --min-score, 1 below it, 3 when only mutants whose check could not finish (unknown, counted as not killed) keep it \
            below, 2 for a playbook that does not load.
            """
    )

    @Argument(help: "Playbook files.")
    var specs: [String]

    @Option(help: "Mutation classes, comma-separated (default: M1,M2,M3,M4,M5,M6,M7,M8).")
    var classes: String?

    @Option(help: "Seed of the sample (--max-mutants) and of any random walks in the mutants' checks.")
    var seed: UInt64 = 0

    @Option(parsing: .unconditional, help: "Check at most this many mutants, a sample drawn with --seed (the same seed draws the same sample).")
    var maxMutants: Int?

    @Option(parsing: .unconditional, help: "Exit 1 when the score is below this: a fraction (0.8) or a percentage (80%).")
    var minScore: String = "0"

    @Option(parsing: .unconditional, help: "Mutants checked at once, 1 to 1024 (default: the machine's cores; never more threads than cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Option(help: ArgumentHelp("Write NAME.mutation.json and NAME.mutation.md for every spec here.", valueName: "dir"))
    var reportDir: String?

    @Option(parsing: .unconditional, help: "Stop after this many seconds per spec; mutants not checked by then are unknown.")
    var timeout: Double?

    @Option(help: "Engine each mutant is checked with, as verify's --engine: auto, explicit, symbolic or walk.")
    var engine: Verifier.Engine = .auto

    @Option(parsing: .unconditional, help: "States each mutant's explicit search may visit (as verify's).")
    var maxStates: Int = 50_000_000

    @Option(parsing: .unconditional, help: "Depth of bounded model checking and of the random walks (as verify's).")
    var depth: Int?

    @Option(parsing: .unconditional, help: "Random runs when the walks check a mutant (as verify's).")
    var runs: Int = 1000

    @Option(parsing: .unconditional, help: "Seconds one Z3 query may take.")
    var queryTimeout: Double = 10

    @Flag(help: "Do not check for deadlocks.")
    var noDeadlock = false

    @Flag(help: "Do not check that a final state stays reachable from every reachable state.")
    var noProgress = false

    func validate() throws {
        guard (1...CheckingOptions.maxJobs).contains(jobs) else { throw ValidationError("--jobs must be between 1 and \(CheckingOptions.maxJobs)") }
        if let m = maxMutants, m < 1 { throw ValidationError("--max-mutants must be at least 1") }
        guard maxStates >= 1 else { throw ValidationError("--max-states must be at least 1") }
        if let d = depth, d < 1 { throw ValidationError("--depth must be at least 1") }
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        guard queryTimeout > 0 && queryTimeout <= 86_400 else { throw ValidationError("--query-timeout must be between 0 and 86400 seconds") }
        try CheckingOptions.validate(timeout: timeout)
        _ = try parsedClasses()
        _ = try parsedMinScore()
    }

    func parsedClasses() throws -> Set<MutationClass> {
        guard let classes else { return Set(MutationClass.allCases) }
        var set = Set<MutationClass>()
        for word in classes.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).uppercased() }) where !word.isEmpty {
            guard let c = MutationClass(rawValue: word) else {
                throw ValidationError("--classes: '\(word)' is not a mutation class (M1 to M8)")
            }
            set.insert(c)
        }
        guard !set.isEmpty else { throw ValidationError("--classes names no class (M1 to M8)") }
        return set
    }

    func parsedMinScore() throws -> Double {
        let text = minScore.trimmingCharacters(in: .whitespaces)
        let isPercent = text.hasSuffix("%")
        guard let n = Double(isPercent ? String(text.dropLast()) : text), n.isFinite else {
            throw ValidationError("--min-score must be a fraction such as 0.8 or a percentage such as 80%, not '\(minScore)'")
        }
        let value = isPercent ? n / 100 : n
        guard (0...1).contains(value) else { throw ValidationError("--min-score must be between 0 and 1 (0% and 100%), not '\(minScore)'") }
        return value
    }

    func run() throws {
        let minimum = try parsedMinScore()
        var options = MutationOptions()
        options.classes = try parsedClasses()
        options.seed = seed
        options.maxMutants = maxMutants
        options.jobs = jobs
        var writer: ReportWriter?
        if let reportDir {
            do { writer = try ReportWriter(directory: reportDir) } catch { throw ValidationError("--report-dir \(error)") }
        }
        Interrupt.install()
        var worst = ExitStatus.ok
        var reports: [MutationReport] = []
        for path in specs {
            let clockStart = Date()
            let validation = Pipeline.validate(path: path)
            guard let model = validation.model else {
                Terminal.writeError(DiagnosticRenderer(style: Terminal.style).render(validation))
                worst = worst.combined(with: .invalid)
                continue
            }
            var request = CheckRequest()
            request.engine = engine
            request.common.clockStart = clockStart
            request.common.timeout = timeout
            request.common.deadlock = !noDeadlock
            request.common.progress = !noProgress
            request.common.queryTimeoutMilliseconds = UInt32(max(1, (queryTimeout * 1000).rounded()))
            request.explicit.maxStates = maxStates
            request.explicit.maxDepth = depth
            request.symbolic.depth = depth ?? 30
            var walk = WalkOptions()
            walk.runs = runs
            walk.depth = depth ?? 100
            walk.seed = seed
            request.walk = walk
            options.request = request
            let showProgress = TerminalProgress.enabled && format == .text
            let outcome = MutationRunner.run(spec: model.spec, model: model, options: options, stop: Interrupt.flag) { done, total in
                if showProgress { Terminal.writeError("\r\u{1B}[2K  mutant \(done) of \(total)") }
            }
            if showProgress { Terminal.writeError("\r\u{1B}[2K") }
            let report = MutationReport(path: path, outcome: outcome)
            reports.append(report)
            if format == .text { Terminal.write(report.text()) }
            if let writer {
                do { for f in report.files { try writer.write(f) } } catch {
                    Terminal.writeError("error: report not written: \(error)\n")
                    worst = worst.combined(with: .invalid)
                }
            }
            if let s = outcome.score, s < minimum {
                // Unknown mutants count as not killed: when killing them all
                // would meet the minimum, the run is inconclusive, not below it.
                let counted = outcome.results.count - outcome.count(.equivalent) - outcome.count(.stillborn)
                let best = Double(outcome.count(.killed) + outcome.count(.unknown)) / Double(max(counted, 1))
                worst = worst.combined(with: best >= minimum ? .inconclusive : .violated)
            }
        }
        if format == .json && !reports.isEmpty { Terminal.write(MutationReport.json(reports) + "\n") }
        if worst != .ok { throw ExitCode(worst.rawValue) }
    }
}
