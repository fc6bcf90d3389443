import ArgumentParser
import Foundation
import PBCheckCore

/// Exit codes of SPEC §5.4, decided here and nowhere else.
enum ExitStatus: Int32 {
    case ok = 0
    case violated = 1
    case invalid = 2
    case inconclusive = 3
}

struct PBCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pbcheck",
        abstract: "Model checker and property-based tester for state machine playbooks.",
        version: PBCheckVersion.current,
        subcommands: [Validate.self]
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
