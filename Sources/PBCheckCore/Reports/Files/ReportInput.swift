import Foundation

/// Everything one spec's report files are made from (SPEC §5.2): the spec as
/// loaded, what checking made, and the JSON document built from both. Every
/// format is a pure function of it, so a cached result rewrites the same
/// files as the run that made it.
public struct ReportInput: Sendable {
    /// Which command made the outcome.
    public typealias Command = ExitStatus.Mode

    /// The spec's path as given on the command line (relative paths stay
    /// relative: SARIF locates results by them).
    public var path: String
    /// The file name without `.yaml`/`.yml`: every report file is named after it.
    public var name: String
    public var command: Command
    public var validation: ValidationResult
    /// What checking made; nil when the spec did not load.
    public var outcome: CheckOutcome?
    /// The §5.2.1 document of this spec (`NAME.json`).
    public var document: ResultJSON
    /// How the run judged what it found: the same flags decide the exit code.
    public var contractsWarn = false
    public var strict = false
    public var requireCoverage = false

    public init(path: String, command: Command, validation: ValidationResult, outcome: CheckOutcome?, document: ResultJSON) {
        self.path = path
        self.name = SpecJSON.stem(path)
        self.command = command
        self.validation = validation
        self.outcome = outcome
        self.document = document
    }

    /// The input of a run with these flags, with the §5.2.1 document made
    /// as every command makes it: a spec that did not load shows all its
    /// diagnostics; `verify` and `walk` show the loader's but its notes,
    /// `test` none of them (then the engines'); with `requireCoverage`,
    /// what became of the gaps.
    public init(path: String, command: Command, validation: ValidationResult, outcome: CheckOutcome?,
                contractsWarn: Bool = false, strict: Bool = false, requireCoverage: Bool = false) {
        let shown = outcome == nil ? validation.diagnostics
            : command == .test ? [] : validation.diagnostics.filter { $0.severity != .note }
        var document = ResultJSON(validation: validation, shown: shown, outcome: outcome)
        if requireCoverage, let o = outcome { document.requireCoverage(o.coverageGaps(mode: command)) }
        self.init(path: path, command: command, validation: validation, outcome: outcome, document: document)
        self.contractsWarn = contractsWarn
        self.strict = strict
        self.requireCoverage = requireCoverage
    }

    /// The loaded model; nil when the spec did not load.
    public var model: TypedModel? { validation.model }

    /// What the run's exit code says of this spec: `invalid` when it did
    /// not load, otherwise as SPEC §5.4 judges the outcome with this run's
    /// flags. Every report states the result this way.
    public var status: ExitStatus {
        guard let o = outcome, document.valid else { return .invalid }
        return ExitStatus(outcome: o, mode: command, contractsWarn: contractsWarn, strict: strict, requireCoverage: requireCoverage)
    }

    /// What `--require-coverage` makes of the gaps: nil when it was not
    /// asked (or for scenarios, which cover nothing) or there are none.
    public var coverageGaps: CoverageGaps? { requireCoverage ? outcome?.coverageGaps(mode: command) : nil }

    /// A property violated in a way that fails the run (not a warning).
    public func isWarning(_ r: PropertyResult) -> Bool {
        r.isWarning(contractsWarn: contractsWarn)
    }

    /// The counterexamples of `r` as the terminal prints them (each table
    /// after the first after a blank line), without colour.
    public func counterexampleText(_ r: PropertyResult) -> String? {
        guard r.trace != nil else { return nil }
        let text = ResultRenderer(style: PlainStyle(), contractsWarn: contractsWarn).counterexamples(r, path: path, separator: "\n")
        return String(text.dropFirst())
    }

    /// The whole terminal report of this spec, without colour, as its
    /// command prints it.
    public var text: String {
        guard let o = outcome else { return DiagnosticRenderer(style: PlainStyle()).render(validation) }
        if command == .test { return ScenarioRenderer(style: PlainStyle()).render(path: path, outcome: o) }
        return ResultRenderer(style: PlainStyle(), contractsWarn: contractsWarn, requireCoverage: requireCoverage).render(path: path, outcome: o)
    }
}

/// One report file: its name inside the report directory and its bytes.
public struct ReportFile: Sendable, Equatable {
    public var name: String
    public var contents: Data
    public init(name: String, contents: Data) { self.name = name; self.contents = contents }
    public init(name: String, text: String) { self.init(name: name, contents: Data(text.utf8)) }

    /// The SHA-256 of the contents (lowercase hex).
    public var digest: String { SpecLoader.sha256(contents) }
}
