import ArgumentParser
import PBCheckCore

struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run only the scenarios and probar's scripted run (playbook.steps, assertions.path)."
    )

    @Argument(help: "Playbook files.")
    var specs: [String]

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Option(parsing: .unconditional, help: "Stop after this many seconds per spec (a scenario not finished by then is unknown).")
    var timeout: Double?

    @Option(help: ArgumentHelp("Write every spec's reports here (NAME.json, .junit.xml, .sarif, .md, .html).", valueName: "dir"))
    var reportDir: String?

    func validate() throws {
        try CheckingOptions.validate(timeout: timeout)
    }

    func run() throws {
        try SpecDriver(format: format, mode: .test, reportDir: reportDir).run(specs) { model, clockStart in
            Verifier.scenarios(model: model, budget: Budget(timeout: timeout, stop: Interrupt.flag, from: clockStart))
        }
    }
}
