import Foundation
import Testing
@testable import PBCheckCore

/// `NAME.junit.xml` and `NAME.sarif` (SPEC §5.2) made from real runs: every
/// file written is validated against the schema it claims (the Ant JUnit
/// XSD with `xmllint`, the OASIS SARIF 2.1.0 schema with Python's
/// `jsonschema`; a missing validator fails the test, `make report-deps`
/// installs both), then its content is checked against the outcome.
@Suite struct ReportFormatTests {
    static let stamp = Date(timeIntervalSince1970: 1_800_000_000)

    // MARK: inputs

    /// `relative` loaded (its path kept relative, as on a command line) and
    /// checked by `check`; nil outcome when it did not load.
    static func input(_ relative: String, command: ReportInput.Command = .verify,
                      check: (TypedModel) -> CheckOutcome = { Verifier.run(model: $0, options: deterministic()) }) -> ReportInput {
        var v = Pipeline.validate(path: repoPath(relative))
        v.path = relative
        return ReportInput(path: relative, command: command, validation: v, outcome: v.model.map(check))
    }

    /// Work limits only: the outcome must not depend on the machine's load.
    static func deterministic() -> ExplicitOptions {
        var o = ExplicitOptions()
        o.autoExplicitSeconds = 1_000_000
        return o
    }

    /// The explicit search alone, stopped after `states` states: `unknown`.
    static func stopped(after states: Int) -> (TypedModel) -> CheckOutcome {
        { model in
            var o = deterministic()
            o.maxStates = states
            return Verifier.run(model: model, engine: .explicit, options: o)
        }
    }

    /// `pbcheck walk` with a fixed seed: `bounded` verdicts, `progress` unknown.
    static func walked(_ model: TypedModel) -> CheckOutcome {
        var w = WalkOptions()
        w.runs = 50
        w.depth = 20
        w.seed = 7
        return WalkEngine.run(system: TransitionSystem(model: model), options: w)
    }

    static func sarif(_ input: ReportInput, limits: SARIFReport.Limits = .github) -> ReportFile {
        SARIFReport.file(input, workingDirectory: repoRoot.path, limits: limits)
    }

    static func junit(_ input: ReportInput) -> ReportFile {
        JUnitReport.file(input, timestamp: stamp, hostname: "ci-runner")
    }

    // MARK: validation by the schemas' own tools

    /// A temporary directory holding `files`; removed by the caller.
    static func write(_ files: [ReportFile]) throws -> (dir: URL, paths: [String]) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pbcheck-reports-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var paths: [String] = []
        for (i, f) in files.enumerated() {
            // Files of one name (two runs of a spec) must not overwrite each other.
            let url = dir.appendingPathComponent("\(i)-\(f.name)")
            try f.contents.write(to: url)
            paths.append(url.path)
        }
        return (dir, paths)
    }

    /// The executable `name` on PATH.
    static func tool(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `executable` and returns its exit status and output.
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Every file valid against the Ant JUnit schema (`xmllint --schema`).
    static func expectValidJUnit(_ files: [ReportFile], sourceLocation: SourceLocation = #_sourceLocation) throws {
        guard let xmllint = tool("xmllint") else {
            Issue.record("xmllint is missing: `make report-deps` installs it (libxml2-utils)", sourceLocation: sourceLocation)
            return
        }
        let (dir, paths) = try write(files)
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try run(xmllint, ["--noout", "--schema", repoPath("Tests/schemas/junit-ant.xsd")] + paths)
        #expect(r.status == 0, "xmllint rejects a JUnit report:\n\(r.output)", sourceLocation: sourceLocation)
    }

    /// Every file valid against the OASIS SARIF 2.1.0 schema (draft 4).
    static func expectValidSARIF(_ files: [ReportFile], sourceLocation: SourceLocation = #_sourceLocation) throws {
        guard let python = tool("python3") else {
            Issue.record("python3 is missing", sourceLocation: sourceLocation)
            return
        }
        let script = """
        import json, sys
        try:
            import jsonschema
        except ImportError:
            print("python3 cannot import jsonschema: `make report-deps` installs it (python3-jsonschema)")
            sys.exit(3)
        validator = jsonschema.Draft4Validator(json.load(open(sys.argv[1])))
        bad = False
        for path in sys.argv[2:]:
            for e in validator.iter_errors(json.load(open(path))):
                print(path, "/".join(map(str, e.absolute_path)), e.message)
                bad = True
        sys.exit(1 if bad else 0)
        """
        let (dir, paths) = try write(files)
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try run(python, ["-c", script, repoPath("Tests/schemas/sarif-schema-2.1.0.json")] + paths)
        #expect(r.status == 0, "a SARIF report fails the schema:\n\(r.output)", sourceLocation: sourceLocation)
    }

    // MARK: reading the files back

    static func text(_ f: ReportFile) -> String { String(decoding: f.contents, as: UTF8.self) }

    static func occurrences(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    /// The value of attribute `name` on the first element `<element`.
    static func attribute(_ name: String, of element: String, in xml: String) -> String? {
        guard let start = xml.range(of: "<\(element) ") else { return nil }
        let tag = xml[start.upperBound...].prefix { $0 != ">" }
        guard let a = tag.range(of: " \(name)=\"") ?? (tag.hasPrefix("\(name)=\"") ? tag.range(of: "\(name)=\"") : nil) else { return nil }
        return String(tag[a.upperBound...].prefix { $0 != "\"" })
    }

    /// The SARIF log's one run.
    static func run(of f: ReportFile) throws -> [String: Any] {
        let log = try #require(try JSONSerialization.jsonObject(with: f.contents) as? [String: Any])
        #expect(log["version"] as? String == "2.1.0")
        let runs = try #require(log["runs"] as? [[String: Any]])
        try #require(runs.count == 1)
        return runs[0]
    }

    static func results(_ run: [String: Any]) -> [[String: Any]] { run["results"] as? [[String: Any]] ?? [] }

    static func property(_ result: [String: Any]) -> String? { (result["properties"] as? [String: Any])?["property"] as? String }

    /// A location's file and line and column.
    static func place(_ location: [String: Any]) -> (uri: String?, base: String?, line: Int?, column: Int?) {
        let physical = location["physicalLocation"] as? [String: Any]
        let artifact = physical?["artifactLocation"] as? [String: Any]
        let region = physical?["region"] as? [String: Any]
        return (artifact?["uri"] as? String, artifact?["uriBaseId"] as? String, region?["startLine"] as? Int, region?["startColumn"] as? Int)
    }

    static func threadFlowLocations(_ result: [String: Any]) -> [[String: Any]] {
        let flows = result["codeFlows"] as? [[String: Any]] ?? []
        let threads = flows.first?["threadFlows"] as? [[String: Any]] ?? []
        return (threads.first?["locations"] as? [[String: Any]] ?? []).compactMap { $0["location"] as? [String: Any] }
    }

    // MARK: JUnit

    static let buggy = ["specs/buggy/multi-violation.yaml", "specs/buggy/deadlock-locks.yaml", "specs/buggy/div-by-zero.yaml",
                        "specs/buggy/progress-trap.yaml", "specs/buggy/range-overflow.yaml", "specs/buggy/observed-contract.yaml",
                        "specs/buggy/correct-traffic.yaml"]

    @Test func junitFailuresAreTheViolationsThatFailTheRun() throws {
        var files: [ReportFile] = []
        for relative in ReportFormatTests.buggy {
            let input = ReportFormatTests.input(relative)
            let o = try #require(input.outcome)
            let f = ReportFormatTests.junit(input)
            files.append(f)
            let xml = ReportFormatTests.text(f)
            let failing = o.properties.filter { $0.verdict == .violated && !input.isWarning($0) }
            #expect(ReportFormatTests.occurrences("<failure ", in: xml) == failing.count, "\(relative)")
            #expect(ReportFormatTests.attribute("failures", of: "testsuite", in: xml) == String(failing.count))
            #expect(ReportFormatTests.attribute("tests", of: "testsuite", in: xml) == String(o.properties.count))
            #expect(ReportFormatTests.occurrences("<testcase ", in: xml) == o.properties.count)
            for r in o.properties {
                #expect(xml.contains("name=\"\(XMLText.escapedAttribute(r.property.id.description))\" classname=\"pbcheck.\(input.name)\""))
            }
            // The failure's text is the counterexample as the terminal prints it.
            for r in failing {
                let text = try #require(input.counterexampleText(r))
                #expect(xml.contains(XMLText.escaped(text)), "\(relative): \(r.property.id)")
            }
            #expect(f.name == "\(input.name).junit.xml")
        }
        try ReportFormatTests.expectValidJUnit(files)
    }

    @Test func junitWarningsPassUnlessStrict() throws {
        var input = ReportFormatTests.input("specs/buggy/multi-violation.yaml")
        let progress = try #require(input.outcome?.properties.first { $0.property.id == .progress })
        try #require(progress.verdict == .violated && input.isWarning(progress))
        let lenient = ReportFormatTests.junit(input)
        #expect(!ReportFormatTests.text(lenient).contains("type=\"progress\""))
        #expect(ReportFormatTests.text(lenient).contains("warning  progress: no final state can be reached from stuck"))
        input.strict = true
        let strict = ReportFormatTests.junit(input)
        #expect(ReportFormatTests.text(strict).contains("<failure message=\"a final state can be reached from every reachable state: no final state"))
        try ReportFormatTests.expectValidJUnit([lenient, strict])
    }

    @Test func junitUnknownIsAnErrorWithTheReason() throws {
        let input = ReportFormatTests.input("specs/buggy/multi-violation.yaml", check: ReportFormatTests.stopped(after: 3))
        let o = try #require(input.outcome)
        let unknown = o.properties.filter { $0.verdict == .unknown }
        try #require(!unknown.isEmpty)
        let f = ReportFormatTests.junit(input)
        let xml = ReportFormatTests.text(f)
        let errors = unknown.filter { $0.property.severity != .warning }
        #expect(ReportFormatTests.attribute("errors", of: "testsuite", in: xml) == String(errors.count))
        let reason = try #require(errors.first?.detail)
        #expect(xml.contains("<error message=\"\(XMLText.escapedAttribute(reason))\" type=\"unknown\">"))
        #expect(xml.contains("<property name=\"stop_reason\""))
        try ReportFormatTests.expectValidJUnit([f])
    }

    @Test func junitBoundedPassesWithItsEvidence() throws {
        let input = ReportFormatTests.input("specs/buggy/correct-two-phase-commit.yaml", command: .walk, check: ReportFormatTests.walked)
        let o = try #require(input.outcome)
        let bounded = o.properties.filter { $0.verdict == .bounded }
        try #require(!bounded.isEmpty)
        let f = ReportFormatTests.junit(input)
        let xml = ReportFormatTests.text(f)
        #expect(ReportFormatTests.attribute("failures", of: "testsuite", in: xml) == "0")
        #expect(ReportFormatTests.attribute("errors", of: "testsuite", in: xml) == "0")
        let out = try #require(xml.range(of: "<system-out>").map { String(xml[$0.upperBound...]) })
        for r in bounded {
            let line = "bounded  \(r.property.id): holds on 50 sampled runs of up to 20 steps (random walk)\n"
            #expect(out.contains(XMLText.escaped(line)))
        }
        // The walks cannot settle progress, a warning: skipped, not an error.
        #expect(o.properties.contains { $0.property.id == .progress && $0.verdict == .unknown })
        #expect(xml.contains("<testcase name=\"progress\" classname=\"pbcheck.correct-two-phase-commit\" time=\"0\">\n      <skipped "))
        #expect(ReportFormatTests.attribute("skipped", of: "testsuite", in: xml) == "1")
        try ReportFormatTests.expectValidJUnit([f])
    }

    @Test func junitSkippedBrowserSteps() throws {
        let input = ReportFormatTests.input("specs/login-form.yaml", command: .test) { Verifier.scenarios(model: $0) }
        let o = try #require(input.outcome)
        let skipped = o.diagnostics.filter { $0.code == .scenarioSkipped }
        try #require(!skipped.isEmpty)
        let f = ReportFormatTests.junit(input)
        let xml = ReportFormatTests.text(f)
        #expect(ReportFormatTests.attribute("skipped", of: "testsuite", in: xml) == String(skipped.count))
        #expect(ReportFormatTests.attribute("tests", of: "testsuite", in: xml) == String(o.properties.count + skipped.count))
        #expect(ReportFormatTests.occurrences("<skipped message=", in: xml) == skipped.count)
        for r in o.properties { #expect(xml.contains("name=\"\(r.property.id)\"")) }
        try ReportFormatTests.expectValidJUnit([f])
    }

    @Test func junitSpecThatDidNotLoad() throws {
        let input = ReportFormatTests.input("specs/invalid/type-error-string-plus.yaml")
        #expect(input.outcome == nil)
        let f = ReportFormatTests.junit(input)
        let xml = ReportFormatTests.text(f)
        #expect(ReportFormatTests.attribute("tests", of: "testsuite", in: xml) == "1")
        #expect(ReportFormatTests.attribute("errors", of: "testsuite", in: xml) == "1")
        #expect(xml.contains("<testcase name=\"load\" classname=\"pbcheck.type-error-string-plus\""))
        #expect(xml.contains("type=\"invalid-spec\""))
        #expect(xml.contains("specs/invalid/type-error-string-plus.yaml:20:26: error: expected int, found string"))
        try ReportFormatTests.expectValidJUnit([f])
    }

    @Test func junitStampsAndEscapes() throws {
        let yaml = """
        version: "1.0"
        machine:
          id: "m"
          initial: "a"
          states:
            a:
              invariants:
                - description: "bell \\a, nul-free <tag> & \\"quotes\\" ]]> \\uFFFE tab\\tend"
                  condition: "false"
            b: {}
          transitions:
            - id: "go"
              from: "a"
              to: "b"
              event: "e"
        """
        var v = Pipeline.validate(text: yaml, path: "odd <name>.yaml")
        let model = try #require(v.model)
        v.path = "odd <name>.yaml"
        let outcome = Verifier.run(model: model, options: ReportFormatTests.deterministic())
        let input = ReportInput(path: v.path, command: .verify, validation: v, outcome: outcome,
                                document: ResultJSON(validation: v, shown: [], outcome: outcome))
        let f = JUnitReport.file(input, timestamp: ReportFormatTests.stamp, hostname: "  ")
        let xml = ReportFormatTests.text(f)
        #expect(ReportFormatTests.attribute("timestamp", of: "testsuite", in: xml) == "2027-01-15T08:00:00")
        #expect(ReportFormatTests.attribute("hostname", of: "testsuite", in: xml) == "localhost")
        #expect(!xml.unicodeScalars.contains { !XMLText.isAllowed($0) })
        #expect(xml.contains("bell \u{FFFD}, nul-free &lt;tag&gt; &amp; &quot;quotes&quot; ]]&gt; \u{FFFD} tab&#9;end"))
        try ReportFormatTests.expectValidJUnit([f])
    }

    @Test func xmlEscaping() {
        #expect(XMLText.escaped("a<b>&c\"d\te\nf\r\u{1}\u{FFFF}😀") == "a&lt;b&gt;&amp;c\"d\te\nf&#13;\u{FFFD}\u{FFFD}😀")
        #expect(XMLText.escapedAttribute("\"x\"\t\n") == "&quot;x&quot;&#9;&#10;")
    }

    // MARK: SARIF

    @Test func sarifResultsAndCodeFlowsFollowTheTraces() throws {
        var files: [ReportFile] = []
        for relative in ReportFormatTests.buggy {
            let input = ReportFormatTests.input(relative)
            let o = try #require(input.outcome)
            let f = ReportFormatTests.sarif(input)
            files.append(f)
            #expect(f.name == "\(input.name).sarif")
            let run = try ReportFormatTests.run(of: f)
            let results = ReportFormatTests.results(run)
            let reported = o.properties.filter { $0.verdict == .violated || $0.verdict == .unknown }
            #expect(results.filter { ReportFormatTests.property($0) != nil }.count == reported.count, "\(relative)")
            for r in reported {
                let result = try #require(results.first { ReportFormatTests.property($0) == r.property.id.description })
                #expect(result["ruleId"] as? String == r.property.kind.rawValue)
                #expect(result["level"] as? String == (r.verdict == .unknown ? "warning" : input.isWarning(r) ? "warning" : "error"))
                let at = ReportFormatTests.place(try #require((result["locations"] as? [[String: Any]])?.first))
                #expect(at.uri == relative && at.base == "%SRCROOT%")
                if let l = r.property.location { #expect(at.line == l.line && at.column == l.column) }
                guard let t = r.trace else { continue }
                // Step 0 at the initial state's declaration, then each step at its transition.
                let locations = ReportFormatTests.threadFlowLocations(result)
                try #require(locations.count == t.length + 1)
                let initial = try #require(input.model?.states.first { $0.id == t.initial.state })
                #expect(ReportFormatTests.place(locations[0]).line == initial.loc.line)
                #expect(locations.dropFirst().map { ReportFormatTests.place($0).line } == t.steps.map(\.location.line))
                for (i, l) in locations.enumerated() {
                    #expect(((l["message"] as? [String: Any])?["text"] as? String)?.hasPrefix("step \(i): ") == true)
                }
            }
        }
        try ReportFormatTests.expectValidSARIF(files)
    }

    @Test func sarifStepMessagesSayWhatChanged() throws {
        let input = ReportFormatTests.input("specs/buggy/multi-violation.yaml")
        let run = try ReportFormatTests.run(of: ReportFormatTests.sarif(input))
        let forbidden = try #require(ReportFormatTests.results(run).first { ReportFormatTests.property($0) == "forbidden:work->audit" })
        let messages = ReportFormatTests.threadFlowLocations(forbidden).map { ($0["message"] as? [String: Any])?["text"] as? String ?? "" }
        #expect(messages == [
            "step 0: initial state work: k=0",
            "step 1: tick (tick): k 0 → 1",
            "step 2: tick (tick): k 1 → 2",
            "step 3: tick (tick): k 2 → 3",
            "step 4: audit (audit): state work → audit — 'audit' goes from work to audit",
        ])
        // A failing step has no successor: it says why instead of what changed.
        let range = try #require(ReportFormatTests.results(run).first { ReportFormatTests.property($0) == "range:k" })
        let last = ReportFormatTests.threadFlowLocations(range).last.flatMap { ($0["message"] as? [String: Any])?["text"] as? String }
        #expect(last == "step 7: tick (tick) — 'tick' assigns k := 7, outside its domain")
        // Unlocated properties point where their counterexample shows the problem.
        let model = try #require(input.model)
        let stuck = try #require(model.states.first { $0.id == "stuck" })
        for id in ["deadlock", "progress"] {
            let result = try #require(ReportFormatTests.results(run).first { ReportFormatTests.property($0) == id })
            let at = ReportFormatTests.place(try #require((result["locations"] as? [[String: Any]])?.first))
            #expect(at.line == stuck.loc.line, "\(id)")
        }
        let eval = try #require(input.outcome?.properties.first { $0.property.id == .evalError }?.trace?.steps.last)
        let evalResult = try #require(ReportFormatTests.results(run).first { ReportFormatTests.property($0) == "eval-error" })
        #expect(ReportFormatTests.place(try #require((evalResult["locations"] as? [[String: Any]])?.first)).line == eval.location.line)
    }

    @Test func sarifIsStableAcrossRunsAndMachines() throws {
        let relative = "specs/buggy/multi-violation.yaml"
        let first = ReportFormatTests.sarif(ReportFormatTests.input(relative))
        let second = ReportFormatTests.sarif(ReportFormatTests.input(relative))
        #expect(first.contents == second.contents)
        // Given as an absolute path, from elsewhere: the same fingerprints.
        var moved = ReportFormatTests.input(relative)
        moved.path = repoPath(relative)
        let elsewhere = SARIFReport.file(moved, workingDirectory: repoRoot.appendingPathComponent("specs").path)
        func fingerprints(_ f: ReportFile) throws -> [String: String] {
            var out: [String: String] = [:]
            for r in ReportFormatTests.results(try ReportFormatTests.run(of: f)) {
                let fp = try #require((r["partialFingerprints"] as? [String: String])?[SARIFReport.fingerprintKey])
                out[ReportFormatTests.property(r) ?? (r["message"] as? [String: Any])?["text"] as? String ?? ""] = fp
            }
            return out
        }
        let a = try fingerprints(first), b = try fingerprints(elsewhere)
        #expect(!a.isEmpty && a == b)
        #expect(Set(a.values).count == a.count, "fingerprints are unique within a run")
        let uri = ReportFormatTests.place(try #require((ReportFormatTests.results(try ReportFormatTests.run(of: elsewhere)).first?["locations"] as? [[String: Any]])?.first)).uri
        #expect(uri == "buggy/multi-violation.yaml")
        let spec = try ReportFormatTests.run(of: elsewhere)["properties"].flatMap { ($0 as? [String: Any])?["spec"] as? [String: Any] }
        #expect(spec?["path"] as? String == "buggy/multi-violation.yaml")
        #expect(!ReportFormatTests.text(first).contains(repoRoot.path))
    }

    @Test func relativeURIs() {
        func uri(_ path: String, _ directory: String) -> String {
            SARIFReport.uri(SARIFReport.relativePath(path, workingDirectory: directory))
        }
        #expect(uri("specs/x.yaml", "/repo") == "specs/x.yaml")
        #expect(uri("./specs/../specs/x.yaml", "/repo") == "specs/x.yaml")
        #expect(uri("/repo/specs/x.yaml", "/repo/") == "specs/x.yaml")
        #expect(uri("/other/x.yaml", "/repo/sub") == "../../other/x.yaml")
        #expect(uri("my specs/a:b#1.yaml", "/repo") == "my%20specs/a%3Ab%231.yaml")
    }

    @Test func sarifUnknownAndWalkVerdicts() throws {
        let stopped = ReportFormatTests.input("specs/buggy/multi-violation.yaml", check: ReportFormatTests.stopped(after: 3))
        let walked = ReportFormatTests.input("specs/buggy/correct-two-phase-commit.yaml", command: .walk, check: ReportFormatTests.walked)
        let files = [ReportFormatTests.sarif(stopped), ReportFormatTests.sarif(walked)]
        let run = try ReportFormatTests.run(of: files[0])
        let unknown = ReportFormatTests.results(run).filter { ($0["properties"] as? [String: Any])?["verdict"] as? String == "unknown" }
        #expect(!unknown.isEmpty)
        for r in unknown {
            let id = try #require(ReportFormatTests.property(r))
            let p = try #require(stopped.outcome?.properties.first { $0.property.id.description == id })
            #expect(r["level"] as? String == (p.property.severity == .warning ? "note" : "warning"))
            #expect((r["message"] as? [String: Any])?["text"] as? String == "\(id) could not be settled"
                + (p.property.description.map { " — \($0)" } ?? "") + ": \(p.detail ?? "")")
        }
        let invocation = try #require((run["invocations"] as? [[String: Any]])?.first)
        #expect(invocation["executionSuccessful"] as? Bool == true)
        let notes = invocation["toolExecutionNotifications"] as? [[String: Any]] ?? []
        #expect(notes.contains { (($0["message"] as? [String: Any])?["text"] as? String)?.hasPrefix("incomplete: state limit of 3") == true })
        // Bounded verdicts are no results; the walks' unsettled progress, a
        // warning, is a note.
        let walkResults = ReportFormatTests.results(try ReportFormatTests.run(of: files[1]))
        #expect(!walkResults.contains { ($0["properties"] as? [String: Any])?["verdict"] as? String == "bounded" })
        #expect(walkResults.first { ReportFormatTests.property($0) == "progress" }?["level"] as? String == "note")
        try ReportFormatTests.expectValidSARIF(files)
    }

    @Test func sarifSpecThatDidNotLoad() throws {
        let input = ReportFormatTests.input("specs/invalid/type-error-string-plus.yaml")
        let f = ReportFormatTests.sarif(input)
        let run = try ReportFormatTests.run(of: f)
        let results = ReportFormatTests.results(run)
        let errors = input.validation.diagnostics.filter { $0.severity == .error }
        #expect(results.filter { $0["level"] as? String == "error" }.count == errors.count)
        let first = try #require(results.first)
        #expect(first["ruleId"] as? String == "type-error")
        let at = ReportFormatTests.place(try #require((first["locations"] as? [[String: Any]])?.first))
        #expect(at.uri == "specs/invalid/type-error-string-plus.yaml" && at.line == 20 && at.column == 26)
        let rules = ((run["tool"] as? [String: Any])?["driver"] as? [String: Any])?["rules"] as? [[String: Any]] ?? []
        #expect(rules.map { $0["id"] as? String ?? "" } == SARIFRules.propertyKinds.map(\.rawValue) + [SARIFRules.coverageRule, "type-error"])
        #expect((run["invocations"] as? [[String: Any]])?.first?["executionSuccessful"] as? Bool == false)
        try ReportFormatTests.expectValidSARIF([f])
    }

    @Test func sarifRulesHaveHelp() throws {
        let run = try ReportFormatTests.run(of: ReportFormatTests.sarif(ReportFormatTests.input("specs/buggy/multi-violation.yaml")))
        let driver = try #require((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
        #expect(driver["name"] as? String == "pbcheck")
        #expect(driver["version"] as? String == ToolJSON().version)
        let rules = try #require(driver["rules"] as? [[String: Any]])
        for r in rules {
            for key in ["shortDescription", "fullDescription", "help"] {
                #expect(((r[key] as? [String: Any])?["text"] as? String)?.isEmpty == false, "\(r["id"] ?? "?") \(key)")
            }
        }
        // Every result names a rule of the run by id and index.
        for result in ReportFormatTests.results(run) {
            let i = try #require(result["ruleIndex"] as? Int)
            #expect(rules[i]["id"] as? String == result["ruleId"] as? String)
        }
        #expect((run["automationDetails"] as? [String: Any])?["id"] as? String == "pbcheck/multi-violation/")
        // Every diagnostic code has its own words.
        let codes: [DiagnosticCode] = [.fileUnreadable, .yamlSyntax, .typeError, .unreachableState, .deadTransition, .scenarioSkipped,
                                       "open-string-contains", "model-too-large"]
        for c in codes { #expect(!SARIFRules.words(c).title.contains("(\(c))")) }
    }

    @Test func sarifTruncatesToTheLimits() throws {
        let input = ReportFormatTests.input("specs/buggy/multi-violation.yaml")
        let o = try #require(input.outcome)
        let small = ReportFormatTests.sarif(input, limits: .init(results: 2, threadFlowLocations: 3, bytes: 10_000_000))
        let run = try ReportFormatTests.run(of: small)
        let results = ReportFormatTests.results(run)
        #expect(results.count == 2)
        #expect(results.allSatisfy { $0["level"] as? String == "error" }, "the most severe are kept")
        for r in results {
            let id = try #require(ReportFormatTests.property(r))
            let t = try #require(o.properties.first { $0.property.id.description == id }?.trace)
            let locations = ReportFormatTests.threadFlowLocations(r)
            #expect(locations.count == min(3, t.length + 1))
            // The initial state and the violating end are kept.
            #expect(ReportFormatTests.place(locations.last!).line == t.steps.last?.location.line)
            #expect(((locations[0]["message"] as? [String: Any])?["text"] as? String)?.hasPrefix("step 0:") == true)
        }
        let truncated = (run["properties"] as? [String: Any])?["truncated"] as? [String] ?? []
        #expect(truncated.contains { $0.hasSuffix("results left out (at most 2 per run)") })
        let notes = (run["invocations"] as? [[String: Any]])?.first?["toolExecutionNotifications"] as? [[String: Any]] ?? []
        #expect(notes.contains { (($0["message"] as? [String: Any])?["text"] as? String)?.contains("truncated") == true })

        // Over the byte limit: counterexamples go first, and the file fits.
        let full = ReportFormatTests.sarif(input)
        let limit = full.contents.count - 1
        let fitted = ReportFormatTests.sarif(input, limits: .init(results: 5_000, threadFlowLocations: 1_000, bytes: limit))
        #expect(fitted.contents.count <= limit)
        let fittedRun = try ReportFormatTests.run(of: fitted)
        #expect(ReportFormatTests.results(fittedRun).count == ReportFormatTests.results(try ReportFormatTests.run(of: full)).count)
        #expect(ReportFormatTests.results(fittedRun).contains { $0["codeFlows"] == nil })
        #expect(((fittedRun["properties"] as? [String: Any])?["truncated"] as? [String])?.contains { $0.hasPrefix("counterexamples of") } == true)
        try ReportFormatTests.expectValidSARIF([small, fitted])
    }
}
