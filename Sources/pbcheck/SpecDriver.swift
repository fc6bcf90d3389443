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
    /// Where every spec's report files go (`--report-dir`), if anywhere.
    var reportDir: String? = nil
    /// With `reportDir`: the options that can change a verdict (flag →
    /// value), to reuse results from `DIR/pbcheck.lock`; nil for no cache.
    var cacheOptions: [String: String]? = nil

    /// Checks each spec that loads with `check`, which is given the model
    /// and the time its loading started (budgets count from it).
    ///
    /// - Throws: `ExitCode` with the worst status over all specs, unless
    ///   every one is ok.
    func run(_ paths: [String], check: (TypedModel, Date) -> CheckOutcome) throws {
        let writer = try reportWriter(for: paths)
        let cache = writer != nil && cacheOptions != nil ? ResultCache(directory: reportDir!) : nil
        if let w = cache?.warning { Terminal.writeError("warning: \(w)\n") }
        Interrupt.install()
        var worst = ExitStatus.ok
        var json: [ResultJSON] = []
        for path in paths {
            let clockStart = Date()
            if let cache, let writer, let (hit, bytes) = unchangedBytes(cache, writer: writer, path: path),
               let status = replay(hit, path: path, bytes: bytes, json: &json) {
                worst = worst.combined(with: status)
                continue
            }
            let validation = Pipeline.validate(path: path, options: ValidateOptions(strict: strict))
            guard let model = validation.model else {
                let input = reportInput(path: path, validation: validation, outcome: nil)
                switch format {
                case .json: json.append(input.document)
                case .text: Terminal.write(DiagnosticRenderer(style: Terminal.style).render(validation))
                }
                worst = worst.combined(with: .invalid)
                if let writer { writeReports(writer, input) }
                continue
            }
            let sections = cache == nil ? nil : SpecSections(model.spec)
            let hit = sections.flatMap { cached(cache, path: path, sections: $0) }
            let outcome = hit?.outcome ?? check(model, clockStart)
            // Made once, for the JSON output and the report files.
            let input = format == .json || writer != nil ? reportInput(path: path, validation: validation, outcome: outcome) : nil
            if let since = hit?.entry.checkedAt { sayCached(since: since) }
            var printed = ""
            if format == .json, let input {
                json.append(input.document)
            } else {
                printed = text(outcome, path: path, validation: validation)
                Terminal.write(printed)
            }
            let status = status(of: outcome)
            worst = worst.combined(with: status)
            guard let writer, let input else { continue }
            // A hit on the same bytes whose reports are all still there as
            // written: rewriting them would write the same files.
            if let entry = hit?.entry, entry.fileSHA256 == validation.sha256, writer.intact(entry.reports) { continue }
            guard let written = writeReports(writer, input) else {
                worst = worst.combined(with: .invalid)
                continue
            }
            if let sections {
                store(outcome, input, sections: sections, reports: written,
                      printed: format == .text && !Terminal.colour ? ResultCache.Printed(shape: printShape, text: printed, status: status) : nil)
            }
        }
        if format == .json {
            Terminal.write(ResultJSON.encoded(json) + "\n")
        }
        if worst != .ok { throw ExitCode(worst.rawValue) }
    }

    /// The cached outcome of `path` (moved to the file's current lines) and
    /// when it was made, when its sections, the options and the tool are
    /// unchanged; otherwise nil, after saying what changed.
    private func cached(_ cache: ResultCache?, path: String, sections: SpecSections) -> (outcome: CheckOutcome, entry: ResultCache.Entry)? {
        guard let cache, let options = cacheOptions else { return nil }
        switch cache.lookup(path: path, sections: sections, options: options) {
        case .hit(let entry, let outcome):
            return (SourceRelocation(from: entry.sections.value ?? [], to: sections.sections).apply(outcome), entry)
        case .miss(let changes):
            if cache.contents.specs[path] != nil { say("checking again: \(changes.joined(separator: "; "))\n") }
            return nil
        }
    }

    /// Stores an outcome in the lock file, when it may be reused, with the
    /// file it was made from, its document, the digests of the reports
    /// written and the text printed.
    private func store(_ outcome: CheckOutcome, _ input: ReportInput, sections: SpecSections,
                       reports: [String: String], printed: ResultCache.Printed?) {
        guard let reportDir, let options = cacheOptions, ResultCache.reusable(outcome) else { return }
        var entry = ResultCache.entry(sections: sections, options: options, outcome: outcome)
        entry.fileSHA256 = input.validation.sha256
        entry.reports = reports
        entry.loadDiagnostics = Embedded(input.validation.diagnostics)
        entry.document = Embedded(input.document)
        entry.printed = printed
        do { try ResultCache.store([input.path: entry], directory: reportDir) }
        catch { Terminal.writeError("warning: the result cache was not written: \(error)\n") }
    }

    /// The cache entry of `path` and the file's bytes, when they are the
    /// very bytes it was made from, the options and tool are unchanged, and
    /// every report it wrote is still there as written: then nothing needs
    /// loading, checking or writing.
    private func unchangedBytes(_ cache: ResultCache, writer: ReportWriter, path: String) -> (ResultCache.Hit, Data)? {
        guard let options = cacheOptions, cache.contents.specs[path] != nil,
              let data = FileManager.default.contents(atPath: path),
              let hit = cache.sameBytes(path: path, sha256: SpecLoader.sha256(data), options: options),
              writer.intact(hit.entry.reports) else { return nil }
        return (hit, data)
    }

    /// What shapes the text printed for an outcome besides the outcome:
    /// the same shape prints the same text.
    var printShape: String {
        "\(mode.rawValue) quiet=\(quiet) contracts-warn=\(contractsWarn) require-coverage=\(requireCoverage) strict=\(strict)"
    }

    /// Prints a cached result as a run that made it would (`bytes`: the
    /// file, for the diagnostics' source lines), and classifies it; nil,
    /// having printed nothing, when a part it needs does not decode (the
    /// spec is then checked as if nothing were cached).
    private func replay(_ hit: ResultCache.Hit, path: String, bytes: Data, json: inout [ResultJSON]) -> ExitStatus? {
        // Printed before with these very flags, without colour: the same text.
        if format == .text, !Terminal.colour, let printed = hit.entry.printed, printed.shape == printShape,
           let status = ExitStatus(rawValue: printed.status) {
            sayCached(since: hit.entry.checkedAt)
            Terminal.write(printed.text)
            return status
        }
        guard let outcome = hit.outcome else { return nil }
        switch format {
        case .json:
            guard let document = hit.entry.document?.value else { return nil }
            sayCached(since: hit.entry.checkedAt)
            json.append(document)
        case .text:
            let file = SourceFile(path: path, text: String(decoding: bytes, as: UTF8.self))
            let validation = ValidationResult(path: path, file: file, diagnostics: hit.loadDiagnostics)
            sayCached(since: hit.entry.checkedAt)
            Terminal.write(text(outcome, path: path, validation: validation))
        }
        return status(of: outcome)
    }

    /// SPEC §5.4 for one outcome, with this run's flags.
    private func status(of outcome: CheckOutcome) -> ExitStatus {
        ExitStatus(outcome: outcome, mode: mode, contractsWarn: contractsWarn, strict: strict, requireCoverage: requireCoverage)
    }

    private func sayCached(since: String) {
        say("cached: spec, options and pbcheck unchanged since \(since)\n")
    }

    /// A line about the run itself: on stdout with the text report, on
    /// stderr when stdout carries JSON.
    private func say(_ line: String) {
        if format == .json { Terminal.writeError(line) } else { Terminal.write(line) }
    }

    /// The writer of `--report-dir`, after checking that no two specs
    /// would write the same report files.
    private func reportWriter(for paths: [String]) throws -> ReportWriter? {
        guard let reportDir else { return nil }
        var seen: [String: String] = [:]
        for path in paths {
            let name = SpecJSON.stem(path)
            if let other = seen[name], other != path {
                throw ValidationError("\(other) and \(path) would both write the reports named \(name) in \(reportDir); check them with separate --report-dir directories")
            }
            seen[name] = path
        }
        do { return try ReportWriter(directory: reportDir) } catch { throw ValidationError("--report-dir \(error)") }
    }

    /// The report input of one spec, judged as this run judges it.
    func reportInput(path: String, validation: ValidationResult, outcome: CheckOutcome?) -> ReportInput {
        ReportInput(path: path, command: mode, validation: validation, outcome: outcome,
                    contractsWarn: contractsWarn, strict: strict, requireCoverage: requireCoverage)
    }

    /// Writes one spec's report files and returns their digests by name;
    /// nil (and a message on stderr) when one could not be written.
    @discardableResult
    private func writeReports(_ writer: ReportWriter, _ input: ReportInput) -> [String: String]? {
        let files = ReportWriter.files(for: input)
        do {
            try writer.write(files, spec: input.name)
            return Dictionary(files.map { ($0.name, $0.digest) }, uniquingKeysWith: { a, _ in a })
        } catch {
            Terminal.writeError("error: report not written: \(error)\n")
            return nil
        }
    }

    /// One spec's outcome as text: the load diagnostics (not for
    /// scenarios), then the verdicts.
    private func text(_ outcome: CheckOutcome, path: String, validation: ValidationResult) -> String {
        if mode == .test { return ScenarioRenderer(style: Terminal.style).render(path: path, outcome: outcome) }
        // The engines' findings (dead transitions, skipped browser steps,
        // internal errors) read like the loader's.
        let shown = validation.diagnostics.filter { $0.severity != .note }
        var text = ""
        let all = shown + outcome.diagnostics.filter { !quiet || $0.severity == .error }
        if !all.isEmpty && (!quiet || outcome.diagnostics.contains { $0.severity == .error }) {
            var v = validation
            v.inferred = []
            v.diagnostics = quiet ? all.filter { $0.severity == .error } : all
            text += DiagnosticRenderer(style: Terminal.style).renderDiagnostics(v)
        }
        return text + ResultRenderer(style: Terminal.style, contractsWarn: contractsWarn, quiet: quiet, requireCoverage: requireCoverage)
            .render(path: path, outcome: outcome)
    }
}
