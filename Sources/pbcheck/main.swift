import ArgumentParser
import Foundation
import PBCheckCore

/// Exit codes of SPEC §5.4, decided here and nowhere else.
enum ExitStatus: Int32 {
    case ok = 0
    case violated = 1
    case invalid = 2
    case inconclusive = 3

    /// Over several specs the worst wins: invalid, then violated, then
    /// inconclusive, then ok.
    func combined(with other: ExitStatus) -> ExitStatus { other.rank > rank ? other : self }

    private var rank: Int {
        switch self {
        case .ok: return 0
        case .inconclusive: return 1
        case .violated: return 2
        case .invalid: return 3
        }
    }
}

/// Output shared by the commands that check several specs.
enum SpecOutput {
    /// A spec that did not load: its diagnostics, as text or as a JSON document.
    static func invalid(_ v: ValidationResult, format: OutputFormat, json: inout [String]) {
        switch format {
        case .json: json.append(ValidationJSON([v]).encoded())
        case .text: Terminal.write(DiagnosticRenderer(style: Terminal.style).render(v))
        }
    }

    /// One spec's outcome: the load diagnostics and the verdicts, as text,
    /// or a JSON document added to `json`.
    static func result(_ outcome: CheckOutcome, path: String, validation: ValidationResult, format: OutputFormat, quiet: Bool,
                       contractsWarn: Bool, json: inout [String]) {
        let shown = validation.diagnostics.filter { $0.severity != .note }
        switch format {
        case .json:
            json.append(ResultJSON(path: path, name: validation.model?.name, sha256: nil, outcome: outcome, diagnostics: shown).encoded())
        case .text:
            // The engines' findings (dead transitions, skipped browser
            // steps, internal errors) read like the loader's.
            let all = shown + outcome.diagnostics.filter { !quiet || $0.severity == .error }
            if !all.isEmpty && (!quiet || outcome.diagnostics.contains { $0.severity == .error }) {
                var v = validation
                v.inferred = []
                v.diagnostics = quiet ? all.filter { $0.severity == .error } : all
                Terminal.write(DiagnosticRenderer(style: Terminal.style).renderDiagnostics(v))
            }
            Terminal.write(ResultRenderer(style: Terminal.style, contractsWarn: contractsWarn).render(path: path, outcome: outcome))
        }
    }

    /// One JSON document, or an array of them for several specs.
    static func write(json: [String]) {
        Terminal.write((json.count == 1 ? json[0] : "[\n" + json.joined(separator: ",\n") + "\n]") + "\n")
    }
}

struct PBCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pbcheck",
        abstract: "Model checker and property-based tester for state machine playbooks.",
        version: PBCheckVersion.current,
        subcommands: [Verify.self, Walk.self, Test.self, Validate.self]
    )
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// ANSI colours, used only when stdout is a TTY and NO_COLOR is unset.
struct ANSIStyle: TextStyle {
    func severity(_ s: Severity, _ text: String) -> String {
        switch s {
        case .error: return "\u{1B}[1;31m\(text)\u{1B}[0m"
        case .warning: return "\u{1B}[1;33m\(text)\u{1B}[0m"
        case .note: return "\u{1B}[1;36m\(text)\u{1B}[0m"
        }
    }
    func emphasis(_ text: String) -> String { "\u{1B}[1m\(text)\u{1B}[0m" }
    func dim(_ text: String) -> String { "\u{1B}[2m\(text)\u{1B}[0m" }
}

enum Terminal {
    static var colour: Bool {
        isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }
    static var style: TextStyle { colour ? ANSIStyle() : PlainStyle() }

    static func write(_ s: String) {
        FileHandle.standardOutput.write(Data(s.utf8))
    }
}

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load playbooks and check structure, types and lint (fast; no state exploration)."
    )

    @Argument(help: "Playbook files.")
    var specs: [String]

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Flag(help: "Treat opaque browser conditions as errors.")
    var strict = false

    @Flag(help: "Print only errors and the summary.")
    var quiet = false

    func run() throws {
        let results = specs.map { Pipeline.validate(path: $0, options: ValidateOptions(strict: strict)) }
        switch format {
        case .json:
            Terminal.write(ValidationJSON(results).encoded() + "\n")
        case .text:
            let renderer = DiagnosticRenderer(style: Terminal.style)
            var out = ""
            for var r in results {
                if quiet { r.diagnostics = r.diagnostics.filter { $0.severity == .error }; r.inferred = [] }
                out += renderer.render(r)
            }
            if results.count > 1 {
                let errors = results.map(\.errorCount).reduce(0, +), warnings = results.map(\.warningCount).reduce(0, +)
                let bad = results.filter { $0.errorCount > 0 }.count
                out += "validated \(results.count) files: \(bad) with errors; \(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s") in all\n"
            }
            Terminal.write(out)
        }
        if results.contains(where: { $0.errorCount > 0 }) {
            throw ExitCode(ExitStatus.invalid.rawValue)
        }
    }
}

enum ContractsMode: String, ExpressibleByArgument, CaseIterable {
    case fail, warn
}

/// Progress on stderr, only when stderr is a terminal (SPEC §5.1).
final class TerminalProgress: SearchProgress, @unchecked Sendable {
    static var enabled: Bool { isatty(STDERR_FILENO) == 1 }
    func update(states: Int, depth: Int, queue: Int, seconds: Double) {
        let rate = seconds > 0 ? Int(Double(states) / seconds) : 0
        let line = "\r\u{1B}[K\(states) states, \(rate) states/s, depth \(depth), queue \(queue)"
        FileHandle.standardError.write(Data(line.utf8))
    }
    func update(bmcDepth depth: Int, open: Int, seconds: Double) {
        let line = "\r\u{1B}[KBMC depth \(depth), \(open) check\(open == 1 ? "" : "s") open, \(Int(seconds)) s"
        FileHandle.standardError.write(Data(line.utf8))
    }
    func clear() { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
}

/// Ctrl-C stops the run cleanly: partial results, exit 3.
enum Interrupt {
    static let flag = StopFlag()
    nonisolated(unsafe) static var source: DispatchSourceSignal?
    static func install() {
        signal(SIGINT, SIG_IGN)
        let s = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        s.setEventHandler { flag.stop() }
        s.resume()
        source = s
    }
}

/// The random walks' options, shared by `walk` and `verify`.
struct WalkArguments: ParsableArguments {
    @Option(help: "Random runs.")
    var runs: Int = 1000

    @Option(help: "Steps per random run at most (default 100); for verify's symbolic engine also the depth of bounded model checking (default 30).")
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

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check every property of each playbook and print a verdict for each, with shortest counterexamples."
    )

    @Argument(help: "Playbook files.")
    var specs: [String]

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Option(help: "Engine: auto (explicit search when every domain is finite, random walks where it cannot finish; symbolic otherwise), explicit, symbolic (BMC and k-induction), or walk.")
    var engine: Verifier.Engine = .auto

    @Option(help: "Stop after this many states (verdict unknown for what is not settled).")
    var maxStates: Int = 50_000_000

    @Option(help: "Stop after this many seconds.")
    var timeout: Double?

    @Option(help: "Parallel search threads (default: the machine's cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Seconds one Z3 query may take; past it the query is unknown, never an answer.")
    var queryTimeout: Double = 10

    @Flag(help: "Stop at the first violation.")
    var stopOnFirst = false

    @Flag(help: "Do not check for deadlocks.")
    var noDeadlock = false

    @Option(help: "Contract establishment failures: fail (default) or warn.")
    var contracts: ContractsMode = .fail

    @Flag(help: "Warnings (opaque conditions, warning-severity invariants) fail the run.")
    var strict = false

    @Flag(help: "Print only the verdict lines and the counterexamples.")
    var quiet = false

    @OptionGroup(title: "Random walks (--engine walk, or when the search cannot finish)")
    var walk: WalkArguments

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        guard maxStates >= 1 else { throw ValidationError("--max-states must be at least 1") }
        if let t = timeout, !(t > 0) { throw ValidationError("--timeout must be a positive number of seconds") }
        guard queryTimeout > 0 && queryTimeout <= 86_400 else { throw ValidationError("--query-timeout must be between 0 and 86400 seconds") }
    }

    func run() throws {
        Interrupt.install()
        var worst = ExitStatus.ok
        var jsonResults: [String] = []
        let seed = walk.seed ?? WalkOptions.randomSeed()
        for path in specs {
            let clockStart = Date()
            let validation = Pipeline.validate(path: path, options: ValidateOptions(strict: strict))
            guard let model = validation.model else {
                SpecOutput.invalid(validation, format: format, json: &jsonResults)
                worst = worst.combined(with: .invalid)
                continue
            }
            var options = ExplicitOptions()
            options.clockStart = clockStart
            options.maxStates = maxStates
            options.timeout = timeout
            options.stopOnFirst = stopOnFirst
            options.deadlock = !noDeadlock
            options.jobs = jobs
            options.queryTimeoutMilliseconds = UInt32(max(1, (queryTimeout * 1000).rounded()))
            let progress = TerminalProgress.enabled && format == .text ? TerminalProgress() : nil
            var symbolic = SymbolicOptions()
            symbolic.depth = walk.depth ?? 30
            let outcome = Verifier.run(model: model, engine: engine, options: options, walk: walk.options(seed: seed), symbolic: symbolic,
                                       progress: progress, stop: Interrupt.flag)
            progress?.clear()
            SpecOutput.result(outcome, path: path, validation: validation, format: format, quiet: quiet, contractsWarn: contracts == .warn,
                              json: &jsonResults)
            worst = worst.combined(with: Verify.status(outcome, contractsWarn: contracts == .warn, strict: strict))
        }
        if format == .json {
            SpecOutput.write(json: jsonResults)
        }
        if worst != .ok { throw ExitCode(worst.rawValue) }
    }

    /// SPEC §5.4: violated (1) beats inconclusive (3) beats success (0).
    static func status(_ o: CheckOutcome, contractsWarn: Bool, strict: Bool) -> ExitStatus {
        let failing = o.properties.contains { r in
            guard r.verdict == .violated else { return false }
            if r.property.severity == .warning && !strict { return false }
            if r.property.isContract && contractsWarn { return false }
            return true
        }
        if failing { return .violated }
        // An internal error settles nothing; neither does a stopped search.
        let unsettled = o.properties.contains { $0.verdict == .unknown || $0.verdict == .bounded }
        if unsettled || !o.complete || o.diagnostics.contains(where: { $0.severity == .error }) { return .inconclusive }
        return .ok
    }
}

extension Verifier.Engine: ExpressibleByArgument {}

struct Walk: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Random runs from the initial state, every property checked at every step; failures shrunk to short traces.",
        discussion: """
            Verdicts are sampled evidence: a property no run breaks is reported as holding on N sampled runs \
            (`bounded` in JSON), never as `holds`. Exit status 1 when a property is violated, 0 otherwise.
            """
    )

    @Argument(help: "Playbook files.")
    var specs: [String]

    @OptionGroup var walk: WalkArguments

    @Option(help: "Parallel threads (default: the machine's cores). Results do not depend on it, except with --coverage-bias.")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Option(help: "Stop the walks after this many seconds.")
    var timeout: Double?

    @Flag(help: "Stop at the first violation.")
    var stopOnFirst = false

    @Flag(help: "Do not check for deadlocks.")
    var noDeadlock = false

    @Option(help: "Contract establishment failures: fail (default) or warn.")
    var contracts: ContractsMode = .fail

    @Flag(help: "Warnings (opaque conditions, warning-severity invariants) fail the run.")
    var strict = false

    @Flag(help: "Print only the verdict lines and the counterexamples.")
    var quiet = false

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        if let t = timeout, !(t > 0) { throw ValidationError("--timeout must be a positive number of seconds") }
    }

    func run() throws {
        Interrupt.install()
        var worst = ExitStatus.ok
        var json: [String] = []
        let seed = walk.seed ?? WalkOptions.randomSeed()
        for path in specs {
            let clockStart = Date()
            let validation = Pipeline.validate(path: path, options: ValidateOptions(strict: strict))
            guard let model = validation.model else {
                SpecOutput.invalid(validation, format: format, json: &json)
                worst = worst.combined(with: .invalid)
                continue
            }
            var options = walk.options(seed: seed)
            options.clockStart = clockStart
            options.jobs = jobs
            options.timeout = timeout
            options.stopOnFirst = stopOnFirst
            options.deadlock = !noDeadlock
            let system = TransitionSystem(model: model, deadlock: !noDeadlock,
                                          budget: Budget(timeout: timeout, stop: Interrupt.flag, from: clockStart))
            let outcome = WalkEngine.run(system: system, options: options, stop: Interrupt.flag)
            SpecOutput.result(outcome, path: path, validation: validation, format: format, quiet: quiet, contractsWarn: contracts == .warn,
                              json: &json)
            worst = worst.combined(with: Walk.status(outcome, contractsWarn: contracts == .warn, strict: strict))
        }
        if format == .json {
            SpecOutput.write(json: json)
        }
        if worst != .ok { throw ExitCode(worst.rawValue) }
    }

    /// Walks never ask for proof (SPEC §5.4): sampled evidence is success;
    /// a violation fails; an internal error is inconclusive.
    static func status(_ o: CheckOutcome, contractsWarn: Bool, strict: Bool) -> ExitStatus {
        let status = Verify.status(o, contractsWarn: contractsWarn, strict: strict)
        if status == .inconclusive && !o.properties.contains(where: { $0.verdict == .unknown })
            && !o.diagnostics.contains(where: { $0.severity == .error }) {
            return .ok
        }
        return status
    }
}

struct Test: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run only the scenarios and probar's scripted run (playbook.steps, assertions.path)."
    )

    @Argument(help: "Playbook files.")
    var specs: [String]

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Option(help: "Stop after this many seconds per spec (a scenario not finished by then is unknown).")
    var timeout: Double?

    func validate() throws {
        if let t = timeout, !(t > 0) { throw ValidationError("--timeout must be a positive number of seconds") }
    }

    func run() throws {
        Interrupt.install()
        var worst = ExitStatus.ok
        var json: [String] = []
        for path in specs {
            let clockStart = Date()
            let validation = Pipeline.validate(path: path)
            guard let model = validation.model else {
                SpecOutput.invalid(validation, format: format, json: &json)
                worst = worst.combined(with: .invalid)
                continue
            }
            let outcome = Verifier.scenarios(model: model, budget: Budget(timeout: timeout, stop: Interrupt.flag, from: clockStart))
            switch format {
            case .json:
                json.append(ResultJSON(path: path, name: model.name, sha256: nil, outcome: outcome, diagnostics: []).encoded())
            case .text:
                let style = Terminal.style
                var out = "\(style.emphasis(path))\n"
                for d in outcome.diagnostics { out += "  " + style.dim("skipped: \(d.message)") + "\n" }
                for r in outcome.properties {
                    let mark = switch r.verdict {
                    case .holds: style.dim("passed")
                    case .violated: style.severity(.error, "FAILED")
                    case .bounded, .unknown: style.severity(.warning, "UNKNOWN")
                    }
                    out += "  " + mark + "  \(r.property.id)\n"
                    if r.verdict != .holds, let d = r.detail { out += "          \(d)\n" }
                }
                if outcome.properties.isEmpty { out += "  no scenarios\n" }
                let failed = outcome.properties.filter { $0.verdict == .violated }.count
                let unsettled = outcome.properties.filter { $0.verdict == .unknown || $0.verdict == .bounded }.count
                out += "\(outcome.properties.count - failed - unsettled) passed, \(failed) failed"
                    + (unsettled > 0 ? ", \(unsettled) unknown" : "") + "\n"
                Terminal.write(out)
            }
            if outcome.properties.contains(where: { $0.verdict == .violated }) { worst = worst.combined(with: .violated) }
            if outcome.properties.contains(where: { $0.verdict == .unknown || $0.verdict == .bounded }) {
                worst = worst.combined(with: .inconclusive)
            }
        }
        if format == .json {
            SpecOutput.write(json: json)
        }
        if worst != .ok { throw ExitCode(worst.rawValue) }
    }
}

/// Command-line mistakes exit 2 (SPEC §5.4), not ArgumentParser's 64.
do {
    var command = try PBCheck.parseAsRoot()
    try command.run()
} catch let exit as ExitCode {
    Foundation.exit(exit.rawValue)
} catch {
    let code = PBCheck.exitCode(for: error)
    if code == .success {
        PBCheck.exit(withError: error)
    }
    FileHandle.standardError.write(Data((PBCheck.fullMessage(for: error) + "\n").utf8))
    Foundation.exit(ExitStatus.invalid.rawValue)
}
