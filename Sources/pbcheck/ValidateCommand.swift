import ArgumentParser
import PBCheckCore

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
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
            Terminal.write(ResultJSON.encoded(results.map { ResultJSON(validation: $0) }) + "\n")
        case .text:
            let renderer = DiagnosticRenderer(style: Terminal.style)
            var out = ""
            for r in results { out += renderer.render(r, quiet: quiet) }
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
