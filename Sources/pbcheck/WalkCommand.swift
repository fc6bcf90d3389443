import ArgumentParser
import PBCheckCore

struct WalkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "walk",
        abstract: "Random runs from the initial state, every property checked at every step; failures shrunk to short traces.",
        discussion: """
            Verdicts are sampled evidence: a property no run breaks is reported as holding on N sampled runs \
            (`bounded` in JSON), never as `holds`. Exit status 1 when a property is violated, 0 otherwise.
            """
    )

    @Argument(help: "Playbook files.")
    var specs: [String]

    @OptionGroup var walk: WalkArguments

    @OptionGroup var checking: CheckingOptions

    func run() throws {
        let seed = walk.seed ?? WalkOptions.randomSeed()
        try checking.driver(.walk).run(specs) { model, clockStart in
            var options = walk.options(seed: seed)
            options.common = checking.common(clockStart: clockStart)
            let system = TransitionSystem(model: model, deadlock: options.deadlock, progress: options.progress,
                                          budget: Budget(timeout: options.timeout, stop: Interrupt.flag, from: clockStart))
            return WalkEngine.run(system: system, options: options, stop: Interrupt.flag)
        }
    }
}
