import Foundation

/// `NAME.sarif` (SPEC §5.2): one spec's findings as a SARIF 2.1.0 log,
/// valid against the OASIS schema (`Tests/schemas/sarif-schema-2.1.0.json`)
/// and within what GitHub code scanning accepts.
///
/// One run; its driver has a rule per property kind (all nine, always) and
/// per diagnostic code that has a result. One result per violated or
/// unknown property, located at the property's YAML line and column, each
/// counterexample a `codeFlow` whose `threadFlow` walks the trace: step 0 at
/// the initial state's declaration, then each step at its transition's
/// `- id:` with a message like `step 3: close_circuit (timeout): failures
/// 2 → 3`. One result per warning or error diagnostic (the errors of a spec
/// that did not load, an engine's internal errors); notes (skipped browser
/// steps) are left to the JUnit and JSON reports.
///
/// Where the SPEC is silent:
/// - Levels: a violation is `error`, or `warning` when it does not fail the
///   run (`ReportInput.isWarning`: a warning-severity property, a contract
///   with `contractsWarn`). An unknown verdict is `warning` when it makes the
///   run inconclusive and `note` when it does not (an unsettled
///   warning-severity property): nothing was shown wrong, but an
///   inconclusive run must not pass unseen.
/// - Properties without a location (deadlock, eval-error, progress) are
///   located where their counterexample shows the problem — the declaration
///   of the state a deadlock or a lost progress ends in, the transition of
///   the step whose evaluation failed — and otherwise (no trace) at the
///   machine's `id:`, else line 1.
/// - `partialFingerprints["pbcheck/v1"]` is the SHA-256 of the spec name,
///   the rule id and the property id (for a diagnostic: its message and its
///   rank among equal ones), never of paths, positions or times, so an
///   alert survives edits that move it. GitHub's own
///   `primaryLocationLineHash` is left to the uploader, which computes it.
/// - `automationDetails.id` is `pbcheck/NAME/`, so each spec's file is its
///   own analysis category: uploading one spec's file does not close the
///   alerts of another's.
/// - Columns count Unicode scalars (`columnKind` `unicodeCodePoints`), as
///   pbcheck's positions do.
/// - The log holds no times and no absolute paths: the same input makes the
///   same bytes.
public enum SARIFReport {
    /// How much of a run GitHub code scanning takes ("SARIF results exceed
    /// limits" and "SARIF file is too large" in its documentation,
    /// docs.github.com/en/code-security/code-scanning/troubleshooting-sarif-uploads):
    /// it shows the first 5,000 results of a run and 1,000 thread-flow
    /// locations of a result (it rejects past 25,000 and 10,000), and
    /// rejects an upload over 10 MB. What is over a limit is cut here, with
    /// a notification and `run.properties.truncated` saying what; the
    /// whole result is in `NAME.json`.
    public struct Limits: Sendable, Equatable {
        /// Results per run; the most severe are kept.
        public var results: Int
        /// Thread-flow locations per counterexample (at least 2: the
        /// initial state and the violating step are always kept).
        public var threadFlowLocations: Int
        /// Bytes of the file (GitHub's limit applies to the compressed
        /// upload; holding the uncompressed file to it is always safe).
        public var bytes: Int

        public init(results: Int, threadFlowLocations: Int, bytes: Int) {
            self.results = results
            self.threadFlowLocations = threadFlowLocations
            self.bytes = bytes
        }

        public static let github = Limits(results: 5_000, threadFlowLocations: 1_000, bytes: 10_000_000)
    }

    /// The report of `input`, its artifact URI relative to `workingDirectory`
    /// (where the run started: code scanning resolves the URI against the
    /// repository's root, `%SRCROOT%`).
    public static func file(_ input: ReportInput, workingDirectory: String, limits: Limits = .github) -> ReportFile {
        ReportFile(name: "\(input.name).sarif", contents: log(input, workingDirectory: workingDirectory, limits: limits))
    }

    /// The fingerprint key of every result.
    static let fingerprintKey = "pbcheck/v1"

    static func log(_ input: ReportInput, workingDirectory: String, limits: Limits) -> Data {
        let path = relativePath(input.path, workingDirectory: workingDirectory)
        var builder = ResultBuilder(input: input, artifact: SARIF.ArtifactLocation(uri: uri(path)), limits: limits)
        var results = (input.outcome?.properties ?? []).compactMap { builder.result($0) }
        let diagnostics = input.validation.diagnostics + (input.outcome?.diagnostics ?? [])
        results += diagnostics.filter { $0.severity != .note }.map { builder.result($0) }
        results += builder.coverageResults()
        // GitHub keeps the most severe; so does every cut below.
        results = results.enumerated().sorted { a, b in
            let ra = levelRank(a.element.level), rb = levelRank(b.element.level)
            return ra != rb ? ra > rb : a.offset < b.offset
        }.map(\.element)
        var notes = builder.truncated
        let kept = max(0, limits.results)
        if results.count > kept {
            notes.append("\(results.count - kept) of \(results.count) results left out (at most \(kept) per run)")
            results.removeLast(results.count - kept)
        }

        let kinds = SARIFRules.propertyKinds.map(\.rawValue) + [SARIFRules.coverageRule]
        let codeLevels = Dictionary(results.filter { !kinds.contains($0.ruleId) }.map { ($0.ruleId, $0.level) },
                                    uniquingKeysWith: { levelRank($0) >= levelRank($1) ? $0 : $1 })
        let rules = SARIFRules.propertyKinds.map { kind in
            rule(id: kind.rawValue, SARIFRules.words(kind), level: kind == .determinism || kind == .progress ? "warning" : "error",
                 tags: ["correctness"])
        } + [rule(id: SARIFRules.coverageRule, SARIFRules.coverageWords, level: "error", tags: ["coverage"])]
            + codeLevels.sorted { $0.key < $1.key }.map { code, level in
                rule(id: code, SARIFRules.words(DiagnosticCode(rawValue: code)), level: level, tags: ["playbook"])
            }
        let index = Dictionary(uniqueKeysWithValues: rules.enumerated().map { ($1.id, $0) })
        for i in results.indices { results[i].ruleIndex = index[results[i].ruleId] ?? 0 }

        var run = SARIF.Run(tool: .init(driver: .init(version: input.document.tool.version, semanticVersion: input.document.tool.version,
                                                         rules: rules)),
                            invocations: [], automationDetails: .init(id: "pbcheck/\(input.name)/"), results: results,
                            properties: runProperties(input, path: path.joined(separator: "/")))
        // Over the size limit: first the counterexamples go (the JSON
        // report keeps them), from the least severe result up, halving
        // until the file fits; then the results the same way.
        var flowsLeftOut = 0, resultsLeftOut = 0
        func encoded() -> Data {
            var truncated = notes
            if flowsLeftOut > 0 { truncated.append("counterexamples of \(flowsLeftOut) results left out (at most \(limits.bytes) bytes per file)") }
            if resultsLeftOut > 0 { truncated.append("\(resultsLeftOut) of \(results.count) results left out (at most \(limits.bytes) bytes per file)") }
            run.properties.truncated = truncated.isEmpty ? nil : truncated
            run.invocations = [invocation(input, truncated: truncated)]
            return encode(SARIF.Log(runs: [run]))
        }
        var data = encoded()
        var withFlows = run.results.indices.filter { run.results[$0].codeFlows != nil }
        while data.count > limits.bytes, !withFlows.isEmpty {
            let half = (withFlows.count + 1) / 2
            for i in withFlows.suffix(half) { run.results[i].codeFlows = nil }
            withFlows.removeLast(half)
            flowsLeftOut += half
            data = encoded()
        }
        while data.count > limits.bytes, !run.results.isEmpty {
            let half = (run.results.count + 1) / 2
            run.results.removeLast(half)
            resultsLeftOut += half
            data = encoded()
        }
        return data
    }

    static func levelRank(_ level: String) -> Int {
        switch level {
        case "error": return 2
        case "warning": return 1
        default: return 0
        }
    }

    static func rule(id: String, _ words: SARIFRules.Words, level: String, tags: [String]) -> SARIF.Rule {
        SARIF.Rule(id: id, name: SARIFRules.name(id), shortDescription: .init(text: words.title), fullDescription: .init(text: words.meaning),
                   help: .init(text: words.help), defaultConfiguration: .init(level: level),
                   properties: .init(tags: ["pbcheck"] + tags, precision: "very-high"))
    }

    /// How the run went: successful unless the spec did not load or an
    /// engine reported an internal error; why it stopped early and what
    /// was cut, as notifications.
    static func invocation(_ input: ReportInput, truncated: [String]) -> SARIF.Invocation {
        var notes: [SARIF.Notification] = []
        let internalErrors = input.outcome?.diagnostics.filter { $0.severity == .error } ?? []
        if input.outcome == nil {
            notes.append(.init(level: "error", message: .init(text: "the spec did not load: \(count(input.validation.errorCount, "error"))")))
        }
        if let o = input.outcome, !o.complete, let reason = o.stopReason {
            notes.append(.init(level: "warning", message: .init(text: "incomplete: \(reason)")))
        }
        for t in truncated {
            notes.append(.init(level: "warning", message: .init(text: "truncated for GitHub code scanning: \(t); \(input.name).json has everything")))
        }
        return SARIF.Invocation(executionSuccessful: input.outcome != nil && internalErrors.isEmpty,
                                toolExecutionNotifications: notes.isEmpty ? nil : notes)
    }

    static func runProperties(_ input: ReportInput, path: String) -> SARIF.RunProperties {
        let v = input.validation
        var p = SARIF.RunProperties(spec: .init(path: path, name: input.name, title: v.title, sha256: v.sha256), command: input.command.rawValue,
                                    valid: input.document.valid)
        if let o = input.outcome {
            p.engine = o.engine
            p.complete = o.complete
            p.stopReason = o.stopReason?.description
            p.verdicts = Dictionary(grouping: o.properties, by: \.verdict.rawValue).mapValues(\.count)
        }
        return p
    }

    /// The segments of `path` relative to `directory`: `.` and `..`
    /// resolved by name (no symbolic link is followed: the file need not
    /// exist), `..` where the file lies outside the directory.
    static func relativePath(_ path: String, workingDirectory directory: String) -> [String] {
        func components(_ p: String) -> [String] {
            var out: [String] = []
            for c in p.split(separator: "/") where c != "." {
                if c == ".." { _ = out.popLast() } else { out.append(String(c)) }
            }
            return out
        }
        let base = components(directory), file = components(path.hasPrefix("/") ? path : directory + "/" + path)
        var common = 0
        while common < base.count, common < file.count, base[common] == file[common] { common += 1 }
        return Array(repeating: "..", count: base.count - common) + file[common...]
    }

    /// A relative path as a URI reference: each segment percent-encoded
    /// (`:` too, so no segment reads as a scheme).
    static func uri(_ segments: [String]) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=@")
        return segments.map { $0.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0 }.joined(separator: "/")
    }

    static func encode(_ log: SARIF.Log) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(log)) ?? Data("{}".utf8)
    }

    /// The hex SHA-256 of `parts` joined by NUL (no part holds one).
    static func fingerprint(_ parts: [String]) -> String {
        SpecLoader.sha256(Data(parts.joined(separator: "\u{0}").utf8))
    }

    /// Makes the results of one spec; remembers which counterexamples it cut.
    struct ResultBuilder {
        let input: ReportInput
        let artifact: SARIF.ArtifactLocation
        let limits: Limits
        /// What was cut, for the notifications.
        var truncated: [String] = []
        /// How many diagnostics with each fingerprint so far.
        var seen: [String: Int] = [:]

        var model: TypedModel? { input.model }

        func location(_ loc: SourceLoc?, message: String? = nil) -> SARIF.Location {
            let l = loc ?? SourceLoc(line: 1, column: 1)
            return SARIF.Location(physicalLocation: .init(artifactLocation: artifact,
                                                          region: .init(startLine: max(1, l.line), startColumn: max(1, l.column))),
                                  message: message.map { .init(text: $0) })
        }

        /// The declaration of state `id`, when the model has it.
        func declaration(of id: String) -> SourceLoc? { model?.states.first { $0.id == id }?.loc }

        /// Where a property's result points (see the type's comment).
        func place(_ r: PropertyResult) -> SourceLoc? {
            if let l = r.property.location, l.line >= 1 { return l }
            if let t = r.trace {
                if r.property.kind == .evalError, let last = t.steps.last { return last.location }
                if let l = declaration(of: t.steps.last?.state ?? t.initial.state) { return l }
            }
            return model?.spec.machineID?.loc
        }

        /// The result of a violated or unknown property; nil for the others.
        mutating func result(_ r: PropertyResult) -> SARIF.Result? {
            let id = r.property.id.description
            let what = r.property.description.map { " — \($0)" } ?? ""
            let level: String, text: String
            switch r.verdict {
            case .holds, .bounded:
                return nil
            case .violated:
                level = input.isWarning(r) ? "warning" : "error"
                text = "\(id) is violated\(what)" + (r.detail.map { ": \($0)" } ?? "")
                    + (r.trace.map { t in
                        let n = r.counterexamples.count
                        return n > 1 ? " (\(n) counterexamples, the shortest of \(count(t.length, "step")))" : " (counterexample of \(count(t.length, "step")))"
                    } ?? "")
            case .unknown:
                level = input.strict || r.property.severity != .warning ? "warning" : "note"
                text = "\(id) could not be settled\(what): \(r.detail ?? "no reason given")"
            }
            let rule = r.property.kind.rawValue
            return SARIF.Result(ruleId: rule, level: level, message: .init(text: text), locations: [location(place(r))],
                                partialFingerprints: [fingerprintKey: fingerprint([input.name, rule, id])],
                                codeFlows: r.trace == nil ? nil : codeFlows(r),
                                properties: .init(property: id, verdict: r.verdict.rawValue, traceLength: r.trace?.length))
        }

        /// With `--require-coverage`, one result per unreached state and
        /// never-fired transition, at its declaration: an error when the
        /// search was exhaustive, a warning when the engine explored only
        /// part (the gap may not be one).
        func coverageResults() -> [SARIF.Result] {
            guard let gaps = input.coverageGaps, let o = input.outcome, let model else { return [] }
            let level = gaps == .fail ? "error" : "warning"
            let hedge = gaps == .fail ? "" : " by the part of the state space explored"
            let states = o.coverage.unreachableStates.map { id in
                ("state:\(id)", "state '\(id)' is never reached\(hedge) (--require-coverage)", declaration(of: id))
            }
            let transitions = o.coverage.neverFired.map { id in
                ("transition:\(id)", "transition '\(id)' never fires\(hedge) (--require-coverage)", model.transitions.first { $0.id == id }?.loc)
            }
            return (states + transitions).map { key, text, loc in
                SARIF.Result(ruleId: SARIFRules.coverageRule, level: level, message: .init(text: text), locations: [location(loc)],
                             partialFingerprints: [fingerprintKey: fingerprint([input.name, SARIFRules.coverageRule, key])])
            }
        }

        /// The result of a diagnostic: a warning or an error about the
        /// playbook itself.
        mutating func result(_ d: Diagnostic) -> SARIF.Result {
            let rule = d.code.rawValue
            let key = fingerprint([input.name, rule, d.message])
            let rank = seen[key, default: 0]
            seen[key] = rank + 1
            return SARIF.Result(ruleId: rule, level: d.severity == .error ? "error" : "warning", message: .init(text: d.message),
                                locations: [location(d.location)],
                                relatedLocations: d.related.isEmpty ? nil : d.related.map { location($0.location, message: $0.message) },
                                partialFingerprints: [fingerprintKey: rank == 0 ? key : fingerprint([input.name, rule, d.message, String(rank)])])
        }

        /// One code flow per counterexample, shortest first.
        mutating func codeFlows(_ r: PropertyResult) -> [SARIF.CodeFlow] {
            let all = r.counterexamples
            return all.indices.map { k in codeFlow(all[k].trace, r.showing(k), ordinal: r.moreCounterexamples == nil ? nil : (k + 1, all.count)) }
        }

        /// The counterexample as one thread flow: the initial state, then
        /// each step at its transition; the last location also says what
        /// was violated. Over the limit, the steps after the initial state
        /// are cut from the front, so the violating end stays. `ordinal`
        /// (K, N): the K-th of N counterexamples.
        mutating func codeFlow(_ t: Trace, _ r: PropertyResult, ordinal: (Int, Int)? = nil) -> SARIF.CodeFlow {
            var locations: [SARIF.ThreadFlowLocation] = []
            // The last location also says what was violated there.
            func detail(_ i: Int) -> String? { i == t.length ? r.detail : nil }
            let initialVars = t.initial.vars.map(\.assignment).joined(separator: ", ")
            let initialText = "step 0: initial state \(t.initial.state)" + (initialVars.isEmpty ? "" : ": \(initialVars)")
                + (detail(0).map { " — \($0)" } ?? "")
            locations.append(.init(location: location(declaration(of: t.initial.state) ?? model?.spec.initial?.loc ?? place(r), message: initialText),
                                   state: SARIF.ThreadFlowLocation.state(t.initial.state, t.initial.vars)))
            var previous = t.initial
            for (i, s) in t.steps.enumerated() {
                locations.append(.init(location: location(s.location, message: SARIFReport.stepMessage(i + 1, s, after: previous, detail: detail(i + 1))),
                                       state: SARIF.ThreadFlowLocation.state(s.state, s.vars)))
                previous = TraceState(state: s.state, vars: s.vars)
            }
            var message = (ordinal.map { "counterexample \($0.0) of \($0.1) for " } ?? "counterexample of ") + "\(r.property.id): \(count(t.length, "step"))"
            let limit = max(2, limits.threadFlowLocations)
            if locations.count > limit {
                let cut = locations.count - limit
                locations.removeSubrange(1...cut)
                message += "; steps 1 to \(cut) left out (at most \(limit) locations per flow)"
                truncated.append("\(r.property.id): steps 1 to \(cut) of its counterexample left out (at most \(limit) thread-flow locations)")
            }
            return SARIF.CodeFlow(message: .init(text: message), threadFlows: [.init(locations: locations)])
        }
    }

    /// `step 3: close_circuit (timeout): failures 2 → 3`: the transition
    /// with its params and `any` choices, the event, the snapshot it read,
    /// what changed from `previous`, and the violation's `detail` when the
    /// step is where it happened (a failing step often changes nothing: it
    /// has no successor).
    static func stepMessage(_ number: Int, _ s: TraceStep, after previous: TraceState, detail: String?) -> String {
        var text = "step \(number): \(s.transition)"
        let bound = s.params + s.chosen
        if !bound.isEmpty { text += "(" + bound.map(\.assignment).joined(separator: ", ") + ")" }
        text += " (\(s.event))"
        if !s.observations.isEmpty { text += " observing " + s.observations.map(\.assignment).joined(separator: ", ") }
        var changes: [String] = []
        if s.state != previous.state { changes.append("state \(previous.state) → \(s.state)") }
        for (old, new) in zip(previous.vars, s.vars) where old.value != new.value { changes.append("\(new.name) \(old.text) → \(new.text)") }
        if !changes.isEmpty { text += ": " + changes.joined(separator: ", ") }
        if let detail { text += " — \(detail)" } else if changes.isEmpty { text += ": nothing changes" }
        return text
    }
}

/// The part of SARIF 2.1.0 the report writes, as `Codable` structs named
/// after the schema's definitions. Absent optionals are left out.
enum SARIF {
    struct Log: Encodable {
        var schema = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
        var version = "2.1.0"
        var runs: [Run]
        enum CodingKeys: String, CodingKey {
            case schema = "$schema"
            case version, runs
        }
    }

    struct Run: Encodable {
        var tool: Tool
        var invocations: [Invocation]
        var automationDetails: AutomationDetails
        var columnKind = "unicodeCodePoints"
        var results: [Result]
        var properties: RunProperties
    }

    struct Tool: Encodable { var driver: Driver }

    struct Driver: Encodable {
        var name = "pbcheck"
        var version: String
        var semanticVersion: String
        var rules: [Rule]
    }

    struct Message: Encodable { var text: String }

    struct Rule: Encodable {
        var id: String
        var name: String
        var shortDescription: Message
        var fullDescription: Message
        var help: Message
        var defaultConfiguration: Configuration
        var properties: RuleProperties
    }

    struct Configuration: Encodable { var level: String }

    struct RuleProperties: Encodable {
        var tags: [String]
        /// How often a result is right (GitHub sorts alerts by it): a model
        /// checker's results are proven.
        var precision: String
    }

    struct Invocation: Encodable {
        var executionSuccessful: Bool
        var toolExecutionNotifications: [Notification]?
    }

    struct Notification: Encodable {
        var level: String
        var message: Message
    }

    struct AutomationDetails: Encodable { var id: String }

    struct Result: Encodable {
        var ruleId: String
        var ruleIndex = 0
        var level: String
        var message: Message
        var locations: [Location]
        var relatedLocations: [Location]? = nil
        var partialFingerprints: [String: String]
        var codeFlows: [CodeFlow]? = nil
        /// Only a property's result has them.
        var properties: ResultProperties? = nil
    }

    struct ResultProperties: Encodable {
        var property: String
        var verdict: String
        var traceLength: Int?
    }

    struct Location: Encodable {
        var physicalLocation: PhysicalLocation
        var message: Message?
    }

    struct PhysicalLocation: Encodable {
        var artifactLocation: ArtifactLocation
        var region: Region
    }

    struct ArtifactLocation: Encodable {
        var uri: String
        var uriBaseId = "%SRCROOT%"
    }

    struct Region: Encodable {
        var startLine: Int
        var startColumn: Int
    }

    struct CodeFlow: Encodable {
        var message: Message
        var threadFlows: [ThreadFlow]
    }

    struct ThreadFlow: Encodable { var locations: [ThreadFlowLocation] }

    struct ThreadFlowLocation: Encodable {
        var location: Location
        /// The control state and every variable after the step.
        var state: [String: Message]

        static func state(_ control: String, _ vars: [NamedValue]) -> [String: Message] {
            var s = ["state": Message(text: control)]
            for v in vars { s[v.name] = Message(text: v.text) }
            return s
        }
    }

    struct RunProperties: Encodable {
        struct Spec: Encodable {
            var path: String
            var name: String
            var title: String?
            var sha256: String?
        }
        var spec: Spec
        var command: String
        var valid: Bool
        var engine: String? = nil
        var complete: Bool? = nil
        var stopReason: String? = nil
        /// Verdict → how many properties have it.
        var verdicts: [String: Int]? = nil
        /// What was cut to fit GitHub's limits.
        var truncated: [String]? = nil
    }
}
