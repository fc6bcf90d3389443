import Foundation
import Testing
@testable import PBCheckCore

/// The report directory (SPEC §5.2): ITF traces that carry exactly the JSON
/// trace, atomic writes that leave no stale trace behind, and the result
/// cache (§5.3): canonical sections, hits, misses that say what changed,
/// locations carried into an edited file, a corrupted lock file, two runs
/// at once.
@Suite struct ReportFilesTests {
    static func checked(_ path: String) throws -> (ValidationResult, CheckOutcome) {
        let v = Pipeline.validate(path: repoPath(path))
        let model = try #require(v.model, "\(path) does not load")
        var request = CheckRequest()
        request.engine = .explicit
        return (v, Verifier.run(model: model, request: request))
    }

    static func input(_ path: String) throws -> ReportInput {
        let (v, o) = try checked(path)
        return ReportInput(path: path, command: .verify, validation: v, outcome: o)
    }

    static func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pbcheck-reports-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    // MARK: ITF

    /// Every ITF file's states equal the JSON trace's: the control state and
    /// every variable (keyed families through `#map`), and each step's
    /// transition, event, params and observations in `#meta`.
    @Test(arguments: ["specs/buggy/key-outside-set.yaml", "specs/buggy/hierarchy.yaml", "specs/buggy/multi-violation.yaml",
                      "specs/buggy/diamond-invariant.yaml"])
    func itfStatesEqualTheJSONTrace(_ path: String) throws {
        let input = try Self.input(path)
        let files = ReportWriter.itfFiles(input)
        let violated = input.document.check!.properties.filter { $0.trace != nil }
        #expect(files.count == violated.count)
        #expect(!files.isEmpty)
        for (file, property) in zip(files, violated) {
            let itf = try ITFTrace(data: file.contents)
            let trace = try #require(property.trace)
            #expect(itf.meta["property"] == .string(property.id))
            #expect(itf.states.count == trace.length + 1)
            let jsonStates = [(trace.initial.state, trace.initial.vars)] + trace.steps.map { ($0.state, $0.vars) }
            for (state, (control, vars)) in zip(itf.states, jsonStates) {
                #expect(state["state"] == .string(control))
                // Flatten the ITF state back into the JSON trace's names.
                var flat: [String: JSONScalar] = [:]
                for (name, value) in state where itf.vars.contains(name) && name != "state" {
                    if case .map(let pairs) = value {
                        for (k, v) in pairs { flat["\(name)(\(Self.text(k)))"] = Self.scalar(v) }
                    } else {
                        flat[name] = Self.scalar(value)
                    }
                }
                #expect(flat == vars)
            }
            for (meta, step) in zip(itf.stateMeta.dropFirst(), trace.steps) {
                #expect(meta["transition"] == .string(step.transition))
                #expect(meta["event"] == .string(step.event))
                #expect(meta["params"] == .record(step.params.mapValues(Self.itf)))
                #expect(meta["observations"] == .record(step.observations.mapValues(Self.itf)))
            }
            for (state, step) in zip(itf.states.dropFirst(), trace.steps) {
                #expect(state[ITFTrace.actionTaken] == .string(step.transition))
            }
        }
    }

    static func text(_ v: ITFValue) -> String {
        switch v {
        case .int(let i): return String(i)
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        default: return "?"
        }
    }

    static func scalar(_ v: ITFValue) -> JSONScalar? {
        switch v {
        case .int(let i): return .int(i)
        case .string(let s): return .string(s)
        case .bool(let b): return .bool(b)
        default: return nil
        }
    }

    static func itf(_ v: JSONScalar) -> ITFValue {
        switch v {
        case .int(let i): return .int(i)
        case .string(let s): return .string(s)
        case .bool(let b): return .bool(b)
        }
    }

    /// Integers past ±(2^53 − 1) are `#bigint` strings, and read back exactly.
    /// The Markdown and HTML reports say why each coverage gap is there,
    /// as the terminal and the JSON do.
    @Test func reportsSayWhyEachGapIsThere() throws {
        let yaml = """
            version: "1.0"
            machine:
              id: "gap"
              initial: "idle"
              variables:
                x: { type: int, range: [0, 3], init: 0 }
              states:
                idle: {}
                busy: {}
                done: { final_state: true }
              transitions:
                - { id: "bump", from: "idle", to: "idle", event: "bump", guard: "x < 3", effects: ["x := x + 1"] }
                - { id: "go", from: "idle", to: "busy", event: "go", guard: "x >= 1 && x > 5" }
                - { id: "finish", from: "busy", to: "done", event: "finish" }
                - { id: "quit", from: "idle", to: "done", event: "quit" }
            """
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/gap.yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        let v = Pipeline.validate(path: path)
        let model = try #require(v.model)
        var request = CheckRequest()
        request.engine = .explicit
        let input = ReportInput(path: path, command: .verify, validation: v, outcome: Verifier.run(model: model, request: request))
        let markdown = MarkdownReport.text(input)
        #expect(markdown.contains("**Why:**"))
        #expect(markdown.contains("- 'busy' is never reached: only 'go' enters it, and it never fired: `x > 5` is false in every reached state it leaves from"))
        #expect(markdown.contains("- 'finish' never fired: its source 'busy' is never reached"))
        let html = HTMLReport.page(input, graphSVG: nil)
        #expect(html.contains("<ul class=\"why\">"))
        #expect(html.contains("<code>x &gt; 5</code>") || html.contains("`x &gt; 5`"))
    }

    @Test func bigIntegersRoundTrip() throws {
        let values: [Int64] = [0, -1, (1 << 53) - 1, 1 << 53, -(1 << 53), .max, .min]
        let data = try JSONEncoder().encode(ITFValue.list(values.map(ITFValue.int)))
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"#bigint\":\"9007199254740992\""))
        #expect(!text.contains("9007199254740991\"}"))
        #expect(try JSONDecoder().decode(ITFValue.self, from: data) == .list(values.map(ITFValue.int)))
    }

    @Test func itfReaderSaysWhatIsWrong() {
        #expect(throws: ITFTrace.FormatError.self) { try ITFTrace(data: Data("[1]".utf8)) }
        #expect(throws: ITFTrace.FormatError.self) { try ITFTrace(data: Data(#"{"vars": ["x"], "states": [{"y": 1}]}"#.utf8)) }
        #expect(throws: ITFTrace.FormatError.self) { try ITFTrace(data: Data(##"{"vars": ["x"], "states": [{"x": {"#map": [[1]]}}]}"##.utf8)) }
    }

    @Test func propertyIdsMakeSafeFileNames() {
        #expect(ITFTrace.fileSafe("invariant:ready:0") == "invariant_ready_0")
        #expect(ITFTrace.fileSafe("forbidden:*->working") == "forbidden__-to-working")
        #expect(ITFTrace.fileSafe("scenario:a/b c.d") == "scenario_a_b_c_d")
    }

    // MARK: Several counterexamples

    /// `--counterexamples 3` on a spec with several causes: the JSON's
    /// `traces` (the first is `trace`), one ITF file each
    /// (`NAME.PROPERTY.K.itf.json` from the second), one SARIF code flow
    /// each, every table in the JUnit failure and the Markdown, a tab each
    /// in the HTML; none of it with `--counterexamples 1`.
    @Test func everyFormatHasEveryCounterexample() throws {
        let path = "specs/buggy/hierarchy.yaml"
        let v = Pipeline.validate(path: repoPath(path))
        let model = try #require(v.model)
        var request = CheckRequest()
        request.engine = .explicit
        request.common.counterexamples = 3
        let input = ReportInput(path: path, command: .verify, validation: v, outcome: Verifier.run(model: model, request: request))
        let outcome = try #require(input.outcome)
        let r = try #require(outcome.properties.first { $0.property.id == "forbidden:updating->off" })
        let all = r.counterexamples
        #expect(all.map(\.trace.length) == [3, 5, 6])
        #expect(r.moreCounterexamples?.count == 2)

        let json = try #require(input.document.check?.properties.first { $0.id == "forbidden:updating->off" })
        let traces = try #require(json.traces)
        #expect(traces.map(\.length) == [3, 5, 6])
        var first = traces[0]
        #expect(first.detail == json.detail)
        first.detail = nil
        #expect(first == json.trace)

        let itf = ReportWriter.itfFiles(input).map(\.name)
        #expect(itf.filter { $0.hasPrefix("hierarchy.forbidden_updating-to-off.") }.sorted()
                == ["hierarchy.forbidden_updating-to-off.2.itf.json", "hierarchy.forbidden_updating-to-off.3.itf.json",
                    "hierarchy.forbidden_updating-to-off.itf.json"])
        for (file, cx) in zip(ReportWriter.itfFiles(input).filter { $0.name.hasPrefix("hierarchy.forbidden_updating-to-off.") }
                                .sorted { $0.name.count < $1.name.count || ($0.name.count == $1.name.count && $0.name < $1.name) }, all) {
            #expect(try ITFTrace(data: file.contents).states.count == cx.trace.length + 1, "\(file.name)")
        }

        let sarif = try #require(try JSONSerialization.jsonObject(with: SARIFReport.file(input, workingDirectory: repoPath(".")).contents) as? [String: Any])
        let results = ((sarif["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]]) ?? []
        let result = try #require(results.first { ($0["properties"] as? [String: Any])?["property"] as? String == "forbidden:updating->off" })
        let flows = (result["codeFlows"] as? [[String: Any]]) ?? []
        #expect(flows.compactMap { ($0["message"] as? [String: Any])?["text"] as? String }
                == ["counterexample 1 of 3 for forbidden:updating->off: 3 steps", "counterexample 2 of 3 for forbidden:updating->off: 5 steps",
                    "counterexample 3 of 3 for forbidden:updating->off: 6 steps"])

        let failure = try #require(input.counterexampleText(r))
        #expect(failure.hasPrefix("counterexample 1 of 3: forbidden:updating->off (3 steps)"))
        #expect(failure.contains("\n\ncounterexample 2 of 3: forbidden:updating->off (5 steps)"))
        #expect(failure.contains("\n\ncounterexample 3 of 3: forbidden:updating->off (6 steps)"))
        let junit = String(decoding: JUnitReport.file(input, timestamp: Date(timeIntervalSince1970: 0), hostname: "h").contents, as: UTF8.self)
        #expect(junit.contains("counterexample 3 of 3: forbidden:updating-&gt;off (6 steps)"))

        let md = String(decoding: MarkdownReport.file(input).contents, as: UTF8.self)
        for k in 1...3 { #expect(md.contains("### ❌ `forbidden:updating->off` (\(k) of 3) — ")) }

        let html = String(decoding: HTMLReport.file(input, graphSVG: nil).contents, as: UTF8.self)
        let tabs = html.components(separatedBy: "class=\"cx-tab\"").count - 1
        #expect(tabs == outcome.properties.map(\.counterexamples.count).reduce(0, +))
        #expect(html.contains("counterexample 2 of 3</span>"))

        // The cache keeps them: the outcome round-trips through Codable.
        let back = try JSONDecoder().decode(CheckOutcome.self, from: JSONEncoder().encode(outcome))
        #expect(back.properties.map(\.counterexamples.count) == outcome.properties.map(\.counterexamples.count))

        // With one asked, nothing of it.
        let single = try Self.input(path)
        #expect(single.document.check?.properties.allSatisfy { $0.traces == nil } == true)
        #expect(ReportWriter.itfFiles(single).count == single.outcome?.properties.filter { $0.trace != nil }.count)
        #expect(input.document.encoded().contains("\"traces\""))
        #expect(!single.document.encoded().contains("\"traces\""))
    }

    // MARK: Writing

    /// A second write replaces every file and removes the traces of
    /// counterexamples that are gone (further ones, `.K.itf.json`, too);
    /// other specs' traces and files that pbcheck did not write stay.
    @Test func rewritingRemovesOnlyStaleTraces() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = try ReportWriter(directory: dir)
        let keep = ["x.b.invariant_a_0.itf.json", "notes.txt", "y.deadlock.itf.json", "x.b.invariant_a_0.2.itf.json"]
        for f in keep + ["x.old_property.itf.json", "x.deadlock.2.itf.json", "x.old_property.17.itf.json"] {
            #expect(FileManager.default.createFile(atPath: "\(dir)/\(f)", contents: Data("{}".utf8)))
        }
        try writer.write([ReportFile(name: "x.json", text: "{}"), ReportFile(name: "x.deadlock.itf.json", text: "{}")], spec: "x")
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: dir))
        #expect(files == Set(keep + ["x.json", "x.deadlock.itf.json"]))
    }

    /// Temporary files of a process that is gone are cleared; the target is
    /// whole after a write.
    @Test func abandonedTemporariesAreRemoved() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // No process has pid 2^22 + 1 on Linux (pid_max is at most 2^22).
        let abandoned = ".x.json\(ReportWriter.temporaryMarker)4194305.7"
        let live = ".x.json\(ReportWriter.temporaryMarker)\(getpid()).8"
        for f in [abandoned, live] { #expect(FileManager.default.createFile(atPath: "\(dir)/\(f)", contents: Data("{".utf8))) }
        let writer = try ReportWriter(directory: dir)
        try writer.write(ReportFile(name: "x.json", text: "{\"ok\": true}"))
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: dir))
        #expect(files == [live, "x.json"])
        #expect(FileManager.default.contents(atPath: "\(dir)/x.json") == Data("{\"ok\": true}".utf8))
    }

    @Test func aReportDirThatIsAFileIsRefused() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(FileManager.default.createFile(atPath: "\(dir)/f", contents: Data()))
        #expect(throws: ReportWriter.WriteError.self) { try ReportWriter(directory: "\(dir)/f") }
    }

    // MARK: Canonical sections

    static let original = """
        version: "1.0"
        machine:
          id: "m"
          initial: "a"
          variables:
            n: { type: int, range: [0, 3], init: 0 }
          states:
            a:
              invariants:
                - description: "small"
                  condition: "n <= 3"
            b: {}
          transitions:
            - id: "go"
              from: "a"
              to: "b"
              event: "e"
              guard: "n < 3"
              effects: ["n := n + 1"]
        """

    /// Comments, blank lines, quoting, flow vs block style and key order
    /// give the same sections; the locations differ.
    static let reformatted = """
        # A comment before everything.
        version: '1.0'
        machine:
          initial: a
          id: m

          variables:
            n: {range: [0, 3], type: int, init: 0}   # counter
          states:
            a:
              invariants:
                - condition: "n<=3"
                  description: small
            b: {}
          transitions:
            - {id: go, event: e, from: a, to: b, guard: "(n < 3)", effects: ["n := (n + 1)"]}
        """

    static func sections(_ yaml: String) throws -> SpecSections {
        let v = Pipeline.validate(text: yaml, path: "s.yaml")
        let model = try #require(v.model, "does not load: \(v.diagnostics.map(\.message))")
        return SpecSections(model.spec)
    }

    @Test func layoutDoesNotChangeTheSections() throws {
        let a = try Self.sections(Self.original), b = try Self.sections(Self.reformatted)
        #expect(a.digest == b.digest)
        #expect(b.changes(from: a.sections).isEmpty)
        #expect(a.sections.map(\.line) != b.sections.map(\.line))
    }

    @Test func aChangeIsNamedBySection() throws {
        let a = try Self.sections(Self.original)
        let edited = Self.original
            .replacingOccurrences(of: "guard: \"n < 3\"", with: "guard: \"n < 2\"")
            .replacingOccurrences(of: "condition: \"n <= 3\"", with: "condition: \"n <= 2\"")
            .replacingOccurrences(of: "    b: {}", with: "    b: {}\n    c: {}")
        let b = try Self.sections(edited)
        #expect(a.digest != b.digest)
        #expect(b.changes(from: a.sections) == [
            "machine.states (order) changed",
            "machine.states[a].invariants[0] changed",
            "machine.states[c] added",
            "machine.states[c].description added",
            "machine.transitions[go].guard changed",
        ])
    }

    // MARK: The cache

    static let options = ["--engine": "auto", "--depth": "default"]

    @Test func hitMissAndWhatChanged() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (v, outcome) = try Self.checked("specs/buggy/hierarchy.yaml")
        let sections = SpecSections(v.model!.spec)
        #expect(ResultCache(directory: dir).warning == nil)
        guard case .miss(let first) = ResultCache(directory: dir).lookup(path: "h.yaml", sections: sections, options: Self.options) else {
            Issue.record("an empty cache hit")
            return
        }
        #expect(first == ["no cached result for h.yaml"])
        try ResultCache.store(["h.yaml": ResultCache.entry(sections: sections, options: Self.options, outcome: outcome)], directory: dir)
        let cache = ResultCache(directory: dir)
        guard case .hit(let entry, let cached) = cache.lookup(path: "h.yaml", sections: sections, options: Self.options) else {
            Issue.record("no hit after storing")
            return
        }
        #expect(entry.specDigest == sections.digest)
        #expect(cached.properties.map(\.verdict) == outcome.properties.map(\.verdict))
        #expect(cached.properties.map(\.trace) == outcome.properties.map(\.trace))
        var other = Self.options
        other["--depth"] = "40"
        guard case .miss(let changes) = cache.lookup(path: "h.yaml", sections: sections, options: other, tool: "9.9.9") else {
            Issue.record("a hit after the options changed")
            return
        }
        #expect(changes == ["--depth default → 40", "pbcheck \(PBCheckVersion.current) → 9.9.9"])
    }

    @Test func aCorruptedLockFileIsAWarning() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for garbage in ["{\"format\": 1, \"specs\": {\"x\": 3}}", "not json", "{\"format\": 99}", ""] {
            #expect(FileManager.default.createFile(atPath: "\(dir)/\(ResultCache.fileName)", contents: Data(garbage.utf8)))
            let cache = ResultCache(directory: dir)
            #expect(cache.warning != nil, "\(garbage)")
            #expect(cache.contents.specs.isEmpty)
        }
    }

    /// Results the clock or Ctrl-C cut short are not kept.
    @Test func onlyRepeatableResultsAreCached() throws {
        var o = try Self.checked("specs/buggy/hierarchy.yaml").1
        #expect(ResultCache.reusable(o))
        for reason: StopReason in [.interrupted, .timeout(seconds: 1), .amongInitialStates(.timeout(seconds: 1))] {
            o.stopReason = reason
            #expect(!ResultCache.reusable(o))
        }
        o.stopReason = .stateLimit(10)
        #expect(ResultCache.reusable(o))
    }

    /// Locations move with their section: a property's, each trace step's,
    /// and the lines messages spell out.
    @Test func locationsFollowTheirSections() throws {
        let a = try Self.sections(Self.original), b = try Self.sections(Self.reformatted)
        let move = SourceRelocation(from: a.sections, to: b.sections)
        let guardOld = try #require(a.sections.first { $0.path == "machine.transitions[go].guard" })
        let guardNew = try #require(b.sections.first { $0.path == "machine.transitions[go].guard" })
        #expect(move.map(SourceLoc(line: guardOld.line, column: guardOld.column)) == SourceLoc(line: guardNew.line, column: guardNew.column))
        #expect(move.text("'go' (line \(guardOld.line)) can never fire") == "'go' (line \(guardNew.line)) can never fire")
        #expect(move.text("a value at \(guardOld.line):\(guardOld.column)") == "a value at \(guardNew.line):\(guardNew.column)")
        #expect(move.text("no numbers") == "no numbers")
    }

    /// Two processes storing into the same lock file at once: every entry
    /// of both is there and the file parses.
    @Test func concurrentStoresKeepEveryEntry() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (v, outcome) = try Self.checked("specs/buggy/deep-forbidden.yaml")
        let sections = SpecSections(v.model!.spec)
        let entry = ResultCache.entry(sections: sections, options: Self.options, outcome: outcome)
        // Threads of one process lock through separate descriptors, as two
        // processes do: flock(2) locks belong to the open file.
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            for k in 0..<5 { try? ResultCache.store(["spec-\(i)-\(k).yaml": entry], directory: dir) }
        }
        let cache = ResultCache(directory: dir)
        #expect(cache.warning == nil)
        #expect(cache.contents.specs.count == 40)
    }
}
