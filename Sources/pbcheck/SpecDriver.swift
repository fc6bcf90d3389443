import ArgumentParser
import Foundation
import PBCheckCore

/// The loop `verify`, `walk` and `test` run over their playbooks: load each,
/// report one that does not load (exit 2), check the others, print each
/// outcome as it comes, and the JSON document (an array for several specs)
/// at the end.
struct SpecDriver {
    var format: OutputFormat
    var mode: ExitStatus.Mode
    /// Opaque conditions are load errors and violated warnings fail the run.
    var strict = false
    /// Violated contracts are reported as warnings and do not fail the run.
    var contractsWarn = false
    /// Text shows only errors among the diagnostics.
    var quiet = false
    /// Coverage gaps fail the run (`--require-coverage`).
    var requireCoverage = false

    /// Checks each spec that loads with `check`, which is given the model
    /// and the time its loading started (budgets count from it).
    ///
    /// - Throws: `ExitCode` with the worst status over all specs, unless
    ///   every one is ok.
    func run(_ paths: [String], check: (TypedModel, Date) -> CheckOutcome) throws {
        Interrupt.install()
        var worst = ExitStatus.ok
        var json: [ResultJSON] = []
        for path in paths {
            let clockStart = Date()
            let validation = Pipeline.validate(path: path, options: ValidateOptions(strict: strict))
            guard let model = validation.model else {
                invalid(validation, json: &json)
                worst = worst.combined(with: .invalid)
                continue
            }
            let outcome = check(model, clockStart)
            report(outcome, path: path, validation: validation, json: &json)
            worst = worst.combined(with: ExitStatus(outcome: outcome, mode: mode, contractsWarn: contractsWarn, strict: strict,
                                                     requireCoverage: requireCoverage))
        }
        if format == .json {
            Terminal.write(ResultJSON.encoded(json) + "\n")
        }
        if worst != .ok { throw ExitCode(worst.rawValue) }
    }

    /// A spec that did not load: its diagnostics, as text or as a JSON
    /// document of the same shape as a checked spec's (`valid` false).
    private func invalid(_ v: ValidationResult, json: inout [ResultJSON]) {
        switch format {
        case .json: json.append(ResultJSON(validation: v, shown: v.diagnostics, outcome: nil))
        case .text: Terminal.write(DiagnosticRenderer(style: Terminal.style).render(v))
        }
    }

    /// One spec's outcome: the load diagnostics (not for scenarios) and the
    /// verdicts, as text, or a JSON document added to `json`.
    private func report(_ outcome: CheckOutcome, path: String, validation: ValidationResult, json: inout [ResultJSON]) {
        let shown = mode == .test ? [] : validation.diagnostics.filter { $0.severity != .note }
        switch format {
        case .json:
            json.append(ResultJSON(validation: validation, shown: shown, outcome: outcome))
        case .text where mode == .test:
            Terminal.write(ScenarioRenderer(style: Terminal.style).render(path: path, outcome: outcome))
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
            Terminal.write(ResultRenderer(style: Terminal.style, contractsWarn: contractsWarn, quiet: quiet, requireCoverage: requireCoverage).render(path: path, outcome: outcome))
        }
    }
}
