import Foundation

/// `NAME.junit.xml` (SPEC §5.2): one spec as one JUnit test suite, valid
/// against the Apache Ant JUnit schema (`Tests/schemas/junit-ant.xsd`).
///
/// One `<testcase>` per property and per scenario (`classname`
/// `pbcheck.NAME`, `name` the property id): `violated` is a `<failure>`
/// holding the counterexample as the terminal prints it, `unknown` an
/// `<error>` with the reason, `holds` and `bounded` pass (the bounded
/// evidence goes to `<system-out>`), and each skipped browser step is a
/// testcase of its own with `<skipped>`. A spec that did not load is one
/// errored testcase, `load`, carrying its diagnostics.
///
/// Where the SPEC is silent:
/// - The root is `<testsuites>` around the one `<testsuite>`. The Ant schema
///   allows that aggregated form when each suite has `package` and `id`:
///   here `pbcheck` and `0`, so `package.name` is the classname of every
///   testcase.
/// - A testcase fails or errs exactly when its verdict decides the exit
///   code (SPEC §5.4): a violated warning (a warning-severity invariant,
///   determinism, progress; a contract with `contractsWarn`) passes unless
///   `strict`, and is listed with its counterexample in `<system-out>`; an
///   unsettled warning is `<skipped>` unless `strict` (nothing was shown
///   either way, and it does not count).
/// - `<system-out>` is what the terminal prints for the spec, preceded by
///   the verdicts that pass with something to say (bounded evidence,
///   warnings); `<system-err>` the diagnostics (warnings and errors, as
///   `file:line:column: severity: message [code]`). A spec that did not
///   load leaves both empty: its `load` testcase holds everything.
/// - Testcases carry no time of their own (the engines check every property
///   in one search): each is `0`, the suite has the run's seconds.
/// - Characters XML 1.0 forbids (most C0 controls, U+FFFE, U+FFFF) are
///   replaced by U+FFFD.
public enum JUnitReport {
    /// The report of `input`, stamped with when and where the run happened
    /// (injected so that tests are deterministic).
    public static func file(_ input: ReportInput, timestamp: Date, hostname: String) -> ReportFile {
        ReportFile(name: "\(input.name).junit.xml", text: document(input, timestamp: timestamp, hostname: hostname))
    }

    /// How one testcase ended: what its element says.
    enum Outcome {
        case passed
        case failure(message: String, type: String, text: String)
        case error(message: String, type: String, text: String)
        case skipped(message: String, text: String)
    }

    struct TestCase {
        var name: String
        var outcome: Outcome
    }

    static func document(_ input: ReportInput, timestamp: Date, hostname: String) -> String {
        let cases = testCases(input)
        func count(_ p: (Outcome) -> Bool) -> Int { cases.filter { p($0.outcome) }.count }
        let failures = count { if case .failure = $0 { true } else { false } }
        let errors = count { if case .error = $0 { true } else { false } }
        let skipped = count { if case .skipped = $0 { true } else { false } }
        let classname = "pbcheck." + input.name
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
        out += "  <testsuite" + attributes([
            ("name", token(input.name, otherwise: "spec")), ("package", "pbcheck"), ("id", "0"),
            ("timestamp", timestampText(timestamp)), ("hostname", token(hostname, otherwise: "localhost")),
            ("tests", String(cases.count)), ("failures", String(failures)), ("errors", String(errors)),
            ("skipped", String(skipped)), ("time", seconds(input.outcome?.stats.seconds ?? 0)),
        ]) + ">\n"
        out += "    <properties>\n"
        for (name, value) in properties(input) {
            out += "      <property" + attributes([("name", name), ("value", value)]) + "/>\n"
        }
        out += "    </properties>\n"
        for c in cases {
            out += "    <testcase" + attributes([("name", c.name), ("classname", classname), ("time", "0")])
            switch c.outcome {
            case .passed:
                out += "/>\n"
                continue
            case .failure(let message, let type, let text):
                out += ">\n      <failure" + attributes([("message", message), ("type", type)]) + ">" + XMLText.escaped(text) + "</failure>\n"
            case .error(let message, let type, let text):
                out += ">\n      <error" + attributes([("message", message), ("type", type)]) + ">" + XMLText.escaped(text) + "</error>\n"
            case .skipped(let message, let text):
                out += ">\n      <skipped" + attributes([("message", message)]) + ">" + XMLText.escaped(text) + "</skipped>\n"
            }
            out += "    </testcase>\n"
        }
        out += "    <system-out>" + XMLText.escaped(systemOut(input)) + "</system-out>\n"
        out += "    <system-err>" + XMLText.escaped(systemErr(input)) + "</system-err>\n"
        out += "  </testsuite>\n</testsuites>\n"
        return out
    }

    /// The testcases in report order: the properties as the outcome lists
    /// them, then the skipped browser steps in file order; or the one
    /// `load` testcase of a spec that did not load.
    static func testCases(_ input: ReportInput) -> [TestCase] {
        guard let o = input.outcome else {
            let errors = input.validation.diagnostics.filter { $0.severity == .error }
            var message = "the spec did not load: \(count(errors.count, "error"))"
            if let first = errors.first {
                message += "; first: " + (first.location.map { "\($0.line):\($0.column): " } ?? "") + "\(first.message) [\(first.code)]"
            }
            return [TestCase(name: "load", outcome: .error(message: message, type: "invalid-spec", text: input.text))]
        }
        var cases = o.properties.map { TestCase(name: $0.property.id.description, outcome: outcome($0, input)) }
        if input.requireCoverage && input.command != .test { cases.append(TestCase(name: "coverage", outcome: coverageOutcome(o, input))) }
        for d in o.diagnostics where d.code == .scenarioSkipped {
            let what = d.message.replacingOccurrences(of: " skipped (outside the model)", with: "")
            let at = d.location.map { " (line \($0.line))" } ?? ""
            cases.append(TestCase(name: "skipped: " + what + at, outcome: .skipped(message: d.message, text: diagnosticText(d, input))))
        }
        return cases
    }

    /// `--require-coverage`'s testcase: it fails on gaps an exhaustive
    /// search proved, errs on gaps of a partial one, passes without gaps.
    static func coverageOutcome(_ o: CheckOutcome, _ input: ReportInput) -> Outcome {
        let c = o.coverage
        let gaps = c.unreachableStates.map { "state never reached: \($0)" } + c.neverFired.map { "transition never fired: \($0)" }
        let summary = "\(count(c.unreachableStates.count, "unreached state")), \(count(c.neverFired.count, "never-fired transition"))"
        switch input.coverageGaps {
        case .fail?:
            return .failure(message: "coverage gaps (--require-coverage): \(summary)", type: "coverage-gap", text: gaps.joined(separator: "\n"))
        case .inconclusive?:
            return .error(message: "coverage gaps where the engine explored only part (--require-coverage): \(summary)",
                          type: "coverage-inconclusive", text: gaps.joined(separator: "\n"))
        case nil:
            return .passed
        }
    }

    /// A property's testcase: it fails (violated) or errs (unknown) only
    /// when that verdict decides the exit code.
    static func outcome(_ r: PropertyResult, _ input: ReportInput) -> Outcome {
        switch r.verdict {
        case .holds, .bounded:
            return .passed
        case .violated:
            guard failsRun(r, input) else { return .passed }
            let what = r.property.description ?? r.property.id.description
            return .failure(message: what + (r.detail.map { ": \($0)" } ?? ""), type: r.property.kind.rawValue,
                            text: input.counterexampleText(r) ?? r.detail ?? what)
        case .unknown:
            let reason = r.detail ?? "not settled"
            let text = "\(r.property.id): unknown — \(reason) (\(r.settledBy))\n"
            guard countsUnsettled(r, input) else {
                return .skipped(message: "not settled, and a warning does not fail the run: \(reason)", text: text)
            }
            return .error(message: reason, type: "unknown", text: text)
        }
    }

    /// A violation that fails the run (SPEC §3.1, §5.4): not a warning, or a
    /// warning-severity property under `strict`; never a contract with
    /// `contractsWarn`.
    static func failsRun(_ r: PropertyResult, _ input: ReportInput) -> Bool {
        ExitStatus.violationFails(r, contractsWarn: input.contractsWarn, strict: input.strict)
    }

    /// An unsettled verdict that makes the run inconclusive: a warning's
    /// counts only under `strict`.
    static func countsUnsettled(_ r: PropertyResult, _ input: ReportInput) -> Bool {
        input.strict || r.property.severity != .warning
    }

    /// What the run says about the spec: the passing verdicts with
    /// something to say, then the terminal report.
    static func systemOut(_ input: ReportInput) -> String {
        guard let o = input.outcome else { return "" }
        var notes: [String] = []
        for r in o.properties {
            let id = r.property.id.description
            switch r.verdict {
            case .bounded:
                notes.append("bounded  \(id): \(evidence(r))")
            case .violated where !failsRun(r, input):
                notes.append("warning  \(id): " + (r.detail ?? r.property.description ?? "violated") + " (counterexample below; a warning does not fail the run)")
            case .unknown where !countsUnsettled(r, input):
                notes.append("unknown  \(id): " + (r.detail ?? "not settled") + " (a warning does not fail the run)")
            default:
                break
            }
        }
        let head = notes.isEmpty ? "" : notes.joined(separator: "\n") + "\n\n"
        return head + input.text
    }

    /// A bounded verdict's evidence in SPEC §3.2's words (`holds on N
    /// sampled runs`, `holds up to depth K`; the engine's own when it gave
    /// them), and how it was reached.
    static func evidence(_ r: PropertyResult) -> String {
        let words: String
        switch (r.detail, r.bound, r.settledBy) {
        case (let d?, _, _): words = d
        case (nil, let n?, .walk): words = "holds on \(count(n, "sampled run"))"
        case (nil, let k?, _): words = "holds up to depth \(k)"
        case (nil, nil, _): words = "holds within the bound"
        }
        return words + " (\(r.settledBy))"
    }

    /// The diagnostics worth reading beside the verdicts: warnings and
    /// errors of loading and of the engines.
    static func systemErr(_ input: ReportInput) -> String {
        guard let o = input.outcome else { return "" }
        return (input.validation.diagnostics + o.diagnostics).filter { $0.severity != .note }.map { diagnosticText($0, input) }.joined()
    }

    static func diagnosticText(_ d: Diagnostic, _ input: ReportInput) -> String {
        DiagnosticRenderer(style: PlainStyle()).render(d, path: input.path, file: input.validation.file)
    }

    /// The suite's properties: the spec and how it was checked.
    static func properties(_ input: ReportInput) -> [(String, String)] {
        var p: [(String, String)] = [("pbcheck.version", input.document.tool.version), ("command", input.command.rawValue),
                                     ("spec.path", input.path)]
        if let title = input.validation.title { p.append(("spec.title", title)) }
        if let sha = input.validation.sha256 { p.append(("spec.sha256", sha)) }
        p.append(("valid", String(input.document.valid)))
        if let o = input.outcome {
            p.append(("engine", o.engine))
            p.append(("complete", String(o.complete)))
            if let reason = o.stopReason { p.append(("stop_reason", reason.description)) }
            if let w = o.walk { p.append(("seed", String(w.seed))) }
        }
        return p
    }

    /// ` a="x" b="y"`, each value escaped.
    static func attributes(_ pairs: [(String, String)]) -> String {
        pairs.map { " \($0.0)=\"\(XMLText.escapedAttribute($0.1))\"" }.joined()
    }

    /// `text` when it has something besides whitespace (an `xs:token` with
    /// a minimum length of 1 must), else `fallback`.
    static func token(_ text: String, otherwise fallback: String) -> String {
        text.contains { !$0.isWhitespace } ? text : fallback
    }

    /// `yyyy-MM-ddTHH:mm:ss` in UTC, without a zone: the Ant schema's pattern.
    static func timestampText(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d", c.year ?? 1970, c.month ?? 1, c.day ?? 1, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }

    /// Seconds as an `xs:decimal` (never an exponent).
    static func seconds(_ s: Double) -> String { String(format: "%.3f", s.isFinite ? max(0, s) : 0) }
}

/// Text made safe for XML 1.0 documents.
enum XMLText {
    /// Whether XML 1.0 allows `s` in a document at all (its `Char` production).
    static func isAllowed(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return true
        default: return false
        }
    }

    /// `text` as character data: markup characters escaped, forbidden
    /// characters replaced by U+FFFD.
    static func escaped(_ text: String) -> String {
        escape(text, attribute: false)
    }

    /// `text` as a double-quoted attribute value: also `"` escaped, and tab,
    /// line feed and carriage return as character references, which
    /// attribute-value normalization would otherwise turn into spaces.
    static func escapedAttribute(_ text: String) -> String {
        escape(text, attribute: true)
    }

    private static func escape(_ text: String, attribute: Bool) -> String {
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            switch s {
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            case "\"" where attribute: out.append(contentsOf: "&quot;".unicodeScalars)
            case "\t" where attribute: out.append(contentsOf: "&#9;".unicodeScalars)
            case "\n" where attribute: out.append(contentsOf: "&#10;".unicodeScalars)
            case "\r": out.append(contentsOf: "&#13;".unicodeScalars)
            default: out.append(isAllowed(s) ? s : "\u{FFFD}")
            }
        }
        return String(out)
    }
}
