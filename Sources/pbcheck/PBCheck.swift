import ArgumentParser
import Foundation
import PBCheckCore

@main
struct PBCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pbcheck",
        abstract: "Model checker and property-based tester for state machine playbooks.",
        version: PBCheckVersion.current,
        subcommands: [VerifyCommand.self, WalkCommand.self, TestCommand.self, ValidateCommand.self, ReplayCommand.self, ExploreCommand.self, GraphCommand.self, ScenarioCommand.self, MutateCommand.self]
    )

    /// Command-line mistakes exit 2 (SPEC §5.4), not ArgumentParser's 64.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch {
            if exitCode(for: error) == .success {
                self.exit(withError: error)
            }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(ExitStatus.invalid.rawValue)
        }
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}
