import Foundation
import Testing
@testable import PBCheckCore

/// The control graph (`ControlGraph`), its DOT and Mermaid printers, and
/// the report files made from them (`NAME.dot`, `NAME.md`, SPEC §5.2): the
/// graph against the model, the marks against the outcome, the path
/// against the trace, the DOT through Graphviz, the Mermaid through the
/// rules of its grammar, the Markdown's escaping and its size limit.
@Suite struct GraphReportTests {
    static let specs = GoldenTests.files(in: "specs") + GoldenTests.files(in: "specs/buggy")

    /// Every spec verified once, as the report files get it.
    static let inputs: [String: ReportInput] = {
        var result: [String: ReportInput] = [:]
        for relative in specs {
            var v = Pipeline.validate(path: repoPath(relative))
            v.path = relative
            result[relative] = check(v)
        }
        return result
    }()

    static func check(_ v: ValidationResult, command: ReportInput.Command = .verify) -> ReportInput {
        ReportInput(path: v.path, command: command, validation: v, outcome: v.model.map { Verifier.run(model: $0, options: ExplicitOptions()) })
    }

    static func inline(_ yaml: String, path: String = "inline.yaml") -> ReportInput {
        var v = validate(yaml)
        v.path = path
        return check(v)
    }

    static func firstViolation(_ input: ReportInput) -> PropertyResult? {
        input.outcome?.properties.first { $0.verdict == .violated && $0.trace != nil }
    }

    // MARK: The graph

    /// A state the machine can be in: a leaf, the initial state or a target.
    static func controlStates(_ m: TypedModel) -> Set<Int> {
        Set(m.states.indices.filter { m.states[$0].children.isEmpty } + [m.initial] + m.transitions.map(\.to))
    }

    @Test(arguments: specs)
    func graphHasEveryStateAndOneEdgePerControlStateAndTransition(_ relative: String) throws {
        let input = try #require(Self.inputs[relative])
        let model = try #require(input.model)
        let g = ControlGraph(model: model, outcome: input.outcome)
        #expect(g.nodes.count == model.states.count)
        #expect(g.nodes.map(\.id) == model.states.map(\.id))
        #expect(g.roots == model.states.indices.filter { model.states[$0].parent == nil })
        let control = Self.controlStates(model)
        var expected = Set<[Int]>()
        for (ti, t) in model.transitions.enumerated() { for s in t.from where control.contains(s) { expected.insert([s, ti]) } }
        #expect(g.edges.count == expected.count)
        #expect(Set(g.edges.map { [$0.from, $0.transition] }) == expected)
        #expect(g.edges.allSatisfy { $0.to == model.transitions[$0.transition].to && $0.fired != nil })
        // Every forbidden entry is drawn, each from and to the ends it names.
        let drawn = g.forbidden.flatMap(\.entries)
        #expect(Set(drawn) == Set(model.forbidden.indices))
        for f in g.forbidden {
            for e in f.entries {
                let entry = model.forbidden[e]
                if case .state(let s) = f.from { #expect(entry.from.contains(s)) } else { #expect(entry.fromText == "*") }
                if case .state(let s) = f.to { #expect(entry.to.contains(s)) } else { #expect(entry.toText == "*") }
            }
        }
        // Reached and fired agree with the coverage.
        let c = try #require(input.outcome?.coverage)
        #expect(Set(g.nodes.filter { $0.reached == true }.map(\.id)) == Set(c.reachableStates))
        let firedTransitions = Set(g.edges.filter { $0.fired == true }.map(\.transitionID))
        #expect(firedTransitions == Set(c.firedTransitions))
    }

    @Test func withoutAnOutcomeNothingIsMarked() throws {
        let model = try #require(validate(machine()).model)
        let g = ControlGraph(model: model)
        #expect(g.nodes.allSatisfy { $0.reached == nil } && g.edges.allSatisfy { $0.fired == nil })
        #expect(!g.dot().contains("dashed") && !g.mermaid().contains("unreached") && !g.mermaid().contains("never fired"))
    }

    static let unreachable = """
        version: "1.0"
        machine:
          id: "m"
          initial: "a"
          states:
            a: {}
            b: {}
            c: {}
          transitions:
            - id: "go"
              from: "a"
              to: "b"
              event: "e"
            - id: "never"
              from: "a"
              to: "c"
              event: "e"
              guard: "false"
            - id: "back"
              from: "*"
              to: "a"
              event: "f"
        """

    @Test func unreachedStatesAndNeverFiredEdgesAreMarked() throws {
        let input = Self.inline(Self.unreachable)
        let model = try #require(input.model)
        let g = ControlGraph(model: model, outcome: input.outcome)
        #expect(g.nodes.map(\.reached) == [true, true, false])
        // `back` fired from a and b, never from the unreached c.
        let back = g.edges.filter { $0.transitionID == "back" }
        #expect(back.map(\.from) == [0, 1, 2] && back.map(\.fired) == [true, true, false])
        #expect(g.edges.first { $0.transitionID == "never" }?.fired == false)

        let dot = g.dot()
        let c = try #require(dot.components(separatedBy: "\n").first { $0.contains("id=\"state:c\"") })
        #expect(c.contains("dashed") && c.contains("gray"))
        let never = try #require(dot.components(separatedBy: "\n").first { $0.contains("id=\"edge:a:never\"") })
        #expect(never.contains("style=dashed") && never.contains("[false]"))
        let mermaid = g.mermaid()
        #expect(mermaid.contains("s_c : c (unreached)") && mermaid.contains("class s_c unreached"))
        #expect(mermaid.contains("s_a --> s_c : never (e) [false] (never fired)"))
        let md = MarkdownReport.text(input)
        #expect(md.contains("- **States:** 2 of 3 reached; never reached: `c`"))
        #expect(md.contains("never fired: `never`"))
    }

    /// The symbolic engine does not say which state a transition fired
    /// from: a fired transition's edges from reached states count as fired.
    @Test func symbolicCoverageMarksEdgesFromReachedSources() throws {
        var v = Pipeline.validate(path: repoPath("specs/symbolic/bank-account.yaml"))
        v.path = "specs/symbolic/bank-account.yaml"
        let input = Self.check(v)
        let outcome = try #require(input.outcome)
        #expect(outcome.coverage.firedEdges == nil)
        let g = ControlGraph(model: try #require(input.model), outcome: outcome)
        let frozen = try #require(g.nodes.firstIndex { $0.id == "frozen" })
        #expect(g.nodes[frozen].reached == false)
        for e in g.edges {
            let expected = outcome.coverage.firedTransitions.contains(e.transitionID) && g.nodes[e.from].reached == true
            #expect(e.fired == expected)
        }
        #expect(g.mermaid().contains("(unreached)"))
    }

    /// A superstate some transition enters is a state of its own: it has
    /// a node inside its box and edges of its own.
    @Test func aSuperstateTheMachineEntersIsAControlState() throws {
        let yaml = """
            version: "1.0"
            machine:
              id: "m"
              initial: "off"
              states:
                off: {}
                on: {}
                low: { parent: "on" }
                high: { parent: "on", final_state: true }
              transitions:
                - { id: "power", from: "off", to: "on", event: "power" }
                - { id: "up", from: "on", to: "high", event: "up" }
                - { id: "down", from: "high", to: "low", event: "down" }
              forbidden:
                - { from: "on", to: "off", reason: "no way back" }
                - { from: "*", to: "low" }
            """
        let input = Self.inline(yaml)
        let g = ControlGraph(model: try #require(input.model), outcome: input.outcome)
        #expect(g.nodes[1].isControl && g.nodes[1].isSuperstate)
        // `up` leaves on itself and both children.
        #expect(g.edges.filter { $0.transitionID == "up" }.map(\.from) == [1, 2, 3])
        #expect(g.forbidden.count == 2 && g.forbidden[1].from == .any)
        let svg = try GraphvizRun.svg(g.dot())
        #expect(svg.ids.isSuperset(of: ["state:on", "cluster:on", "state:low", "edge:on:up", "forbidden:on:off", "forbidden:*:low", "any-state"]))
        try MermaidCheck.check(g.mermaid(), g)
    }

    // MARK: The highlighted path

    @Test(arguments: specs)
    func highlightedPathIsTheTrace(_ relative: String) throws {
        let input = try #require(Self.inputs[relative])
        let model = try #require(input.model)
        for r in input.outcome?.properties ?? [] {
            guard let t = r.trace else { continue }
            let g = ControlGraph(model: model, outcome: input.outcome, highlight: t)
            #expect(g.path.map { g.edges[$0].transitionID } == t.steps.map(\.transition), "\(r.property.id)")
            #expect(g.pathStart.map { g.nodes[$0].id } == t.initial.state)
            var current = t.initial.state
            for (i, e) in g.path.enumerated() {
                #expect(g.nodes[g.edges[e].from].id == current && g.nodes[g.edges[e].to].id == t.steps[i].state)
                #expect(g.edges[e].steps.contains(i + 1))
                current = t.steps[i].state
            }
            #expect(g.edges.map(\.steps.count).reduce(0, +) == t.length)
            #expect(Set(g.nodes.indices.filter { g.nodes[$0].onPath }.map { g.nodes[$0].id }) == Set([t.initial.state] + t.steps.map(\.state)))
        }
    }

    @Test func pathIsDrawnWithStepNumbers() throws {
        let input = try #require(Self.inputs["specs/buggy/hierarchy.yaml"])
        let first = try #require(Self.firstViolation(input))
        let trace = try #require(first.trace)
        let dot = DOTReport.text(input)
        let mermaid = ControlGraph(model: try #require(input.model), outcome: input.outcome, highlight: trace).mermaid()
        // The loop `work` is taken by steps 3 to 5: one edge, three numbers.
        #expect(trace.steps.map(\.transition) == ["power_on", "start", "work", "work", "work"])
        for (from, t, steps) in [("off", "power_on", "1"), ("idle", "start", "2"), ("working", "work", "3, 4, 5")] {
            let line = try #require(dot.components(separatedBy: "\n").first { $0.contains("id=\"edge:\(from):\(t)\"") })
            #expect(line.contains("label=\"(\(steps)) \(t)") && line.contains("penwidth=2.5"))
            #expect(mermaid.contains(": (\(steps)) \(t)"))
        }
        #expect(mermaid.contains("classDef path") && mermaid.contains(" path\n"))
    }

    // MARK: DOT through Graphviz

    @Test(arguments: specs)
    func dotRendersWithGraphvizAndKeepsTheIds(_ relative: String) throws {
        let input = try #require(Self.inputs[relative])
        let model = try #require(input.model)
        let first = Self.firstViolation(input)
        let g = ControlGraph(model: model, outcome: input.outcome, highlight: first?.trace)
        let svg = try GraphvizRun.svg(DOTReport.text(input))
        for n in g.nodes where n.isControl { #expect(svg.ids.contains("state:" + n.id)) }
        for n in g.nodes where n.isSuperstate { #expect(svg.ids.contains("cluster:" + n.id)) }
        for e in g.edges { #expect(svg.ids.contains("edge:\(g.nodes[e.from].id):\(e.transitionID)")) }
        #expect(svg.ids.filter { $0.hasPrefix("forbidden:") }.count == g.forbidden.count)
        #expect(svg.ids.contains("initial") && svg.ids.contains("initial-edge"))
        #expect(svg.ids.filter { $0.hasPrefix("edge:") }.count == g.edges.count)
    }

    /// Ids and labels with every character DOT, Mermaid and Markdown give a
    /// meaning come out as written.
    static let hostile = #"""
        version: "1.0"
        name: "A | tricky *machine*"
        machine:
          id: "m"
          initial: "say \"hi\""
          states:
            "say \"hi\"":
              description: "first | line\nsecond line"
            'back\slash\N':
              final_state: true
            "x:y -> <b>&amp;; %% #1":
              parent: "grüße 状態"
            "grüße 状態": {}
            "direction TB": {}
            "first line\nsecond": {}
          transitions:
            - id: "go {now}"
              from: "say \"hi\""
              to: "x:y -> <b>&amp;; %% #1"
              event: "ev: 1; 2"
              guard: "1 < 2 && 2 > 1 || 3 >= 4"
            - id: "direction LR"
              from: "grüße 状態"
              to: 'back\slash\N'
              event: "e"
            - id: "loop"
              from: "say \"hi\""
              to: "direction TB"
              event: "e2"
            - id: "loop2"
              from: "*"
              to: "first line\nsecond"
              event: "e2"
          forbidden:
            - from: 'back\slash\N'
              to: "grüße 状態"
              reason: "a \"reason\""
        """#

    @Test func hostileIdsSurviveDOT() throws {
        let input = Self.inline(Self.hostile)
        let model = try #require(input.model, "\(input.validation.diagnostics)")
        let g = ControlGraph(model: model, outcome: input.outcome)
        let svg = try GraphvizRun.svg(g.dot())
        let expected: Set<String> = ["state:say \"hi\"", "state:back\\slash\\N", "state:x:y -> <b>&amp;; %% #1", "cluster:grüße 状態",
                                     "state:first line second", "edge:first line second:loop2",
                                     "edge:say \"hi\":go {now}", "edge:x:y -> <b>&amp;; %% #1:direction LR",
                                     "forbidden:back\\slash\\N:grüße 状態", "state:direction TB"]
        #expect(svg.ids.isSuperset(of: expected), "missing: \(expected.subtracting(svg.ids))")
        #expect(svg.text.contains("1 &lt; 2 &amp;&amp; 2 &gt; 1 || 3 &gt;= 4"))
        // Tooltips too come out as written (Graphviz unescapes them twice).
        #expect(svg.text.contains(#"xlink:title="back\slash\N&#10;reached""#))
        #expect(svg.text.contains(#"<text text-anchor="middle" x=""#) && svg.text.contains(">back\\slash\\N</text>"))
        try MermaidCheck.check(g.mermaid(), g)
    }

    // MARK: Mermaid

    @Test(arguments: specs)
    func mermaidIsWellFormed(_ relative: String) throws {
        let input = try #require(Self.inputs[relative])
        let g = ControlGraph(model: try #require(input.model), outcome: input.outcome, highlight: Self.firstViolation(input)?.trace)
        try MermaidCheck.check(g.mermaid(), g)
    }

    @Test func mermaidLabelsEscapeWhatTheGrammarReads() {
        #expect(MermaidText.label("a: b; c # d") == "a#58; b#59; c #35; d")
        #expect(MermaidText.label("x < y && \"z\"") == "x #lt; y #amp;#amp; #quot;z#quot;")
        #expect(MermaidText.label("set Direction  lr now") == "set Direction#32;lr now")
        #expect(MermaidText.label("two\nlines") == "two lines")
        #expect(MermaidText.ids(["a-b", "a_b", "a b", "状態", ""]) == ["s_a_b", "s_a_b_2", "s_a_b_3", "s___", "s_"])
    }

    // MARK: Markdown

    @Test func markdownSummarisesACheckedSpec() throws {
        let input = try #require(Self.inputs["specs/buggy/hierarchy.yaml"])
        let outcome = try #require(input.outcome)
        let md = MarkdownReport.text(input)
        #expect(md.hasPrefix("# ❌ hierarchy: 4 violated, "))
        #expect(md.contains("**Device power** — `specs/buggy/hierarchy.yaml`, `pbcheck verify`"))
        let rows = md.components(separatedBy: "\n").filter { $0.hasPrefix("| `") }
        #expect(rows.count == outcome.properties.count)
        let violated = outcome.properties.filter { $0.verdict == .violated }
        #expect(violated.count == 4)
        for r in violated {
            #expect(md.contains("### ❌ `\(r.property.id)` — \(r.trace!.length) steps"))
        }
        #expect(md.contains("| 1 | `power_on` | power\\_on |  |  | state: off → idle |"))
        #expect(md.contains("```mermaid\nstateDiagram-v2\n"))
        #expect(md.contains("- **States:** 6 of 6 reached"))
        #expect(!md.contains("**Note:**"))
        #expect(MarkdownCheck.tablesKeepTheirColumns(md) == 5)
    }

    @Test func markdownEscapesTableCells() throws {
        #expect(Markdown.plain("a|b\nc") == "a\\|b<br>c")
        #expect(Markdown.plain("*x* <y> [z] `q` $m$ \\") == "\\*x\\* \\<y\\> \\[z\\] \\`q\\` \\$m\\$ \\\\")
        #expect(Markdown.code("a`b") == "``a`b``" && Markdown.code("`a") == "`` `a ``")
        #expect(Markdown.code("x|y") == "x\\|y" && Markdown.code("p\\|q") == "p\\\\\\|q")
        #expect(Markdown.fenced("```x", info: "text") == "````text\n```x\n````\n")
        // A spec whose texts hold pipes and line breaks keeps its tables' columns.
        let input = Self.inline(Self.hostile)
        let md = MarkdownReport.text(input)
        #expect(md.hasPrefix("# ⚠️ inline: 2 warnings, 3 hold\n"))
        #expect(MarkdownCheck.tablesKeepTheirColumns(md) >= 2)
        #expect(md.contains("**A \\| tricky \\*machine\\***"))
    }

    @Test func markdownStaysUnderItsLimitAndSaysWhatItLeftOut() throws {
        let input = try #require(Self.inputs["specs/federation-gateway.yaml"])
        let full = MarkdownReport.text(input)
        #expect(!full.contains("**Note:**") && full.utf8.count > 8_000)
        for limit in [8_000, 4_000, 2_000, 1_000] {
            let cut = MarkdownReport.text(input, limit: limit)
            #expect(cut.utf8.count <= limit, "limit \(limit)")
            #expect(cut.contains("> **Note:** this summary is cut to stay under "), "limit \(limit)")
            #expect(cut.hasPrefix("# ❌ federation-gateway: "), "limit \(limit)")
        }
        let some = MarkdownReport.text(input, limit: 8_000)
        #expect(some.contains("counterexamples") && some.contains("`federation-gateway.json` has everything"))
        // Below the title and the note, the text is cut short, note first.
        let tiny = MarkdownReport.text(input, limit: 120)
        #expect(tiny.utf8.count <= 120 && tiny.hasPrefix("> **Note:** this summary is cut short to stay under 120 bytes."))
        #expect(MarkdownReport.text(input, limit: 0).isEmpty)
        // The file is the text.
        let file = MarkdownReport.file(input, limit: 4_000)
        #expect(file.name == "federation-gateway.md" && file.contents == Data(MarkdownReport.text(input, limit: 4_000).utf8))
    }

    @Test func aLongCounterexampleKeepsItsEnds() throws {
        let yaml = """
            version: "1.0"
            machine:
              id: "m"
              initial: "a"
              variables:
                n: { type: int, range: [0, 400], init: 0 }
              invariants:
                - condition: "n < 300"
              states:
                a: {}
              transitions:
                - { id: "inc", from: "a", to: "a", event: "inc", effects: ["n := n < 400 ? n + 1 : 400"] }
            """
        let input = Self.inline(yaml)
        #expect(input.outcome?.properties.filter { $0.verdict == .violated }.map(\.property.id) == ["global:0"])
        let full = MarkdownReport.text(input)
        #expect(full.contains("| 300 | `inc` |") && full.contains("| 150 | `inc` |"))
        let shorter = MarkdownReport.text(input, limit: 9_000)
        #expect(shorter.utf8.count <= 9_000)
        #expect(shorter.contains("it leaves out the middle steps of the first counterexample, the control-graph diagram."))
        #expect(shorter.contains("| … | *200 steps left out* |") && shorter.contains("| 300 | `inc` |") && shorter.contains("| 50 | `inc` |"))
        #expect(!shorter.contains("| 51 | `inc` |"))
    }

    @Test func anInvalidSpecGetsItsDiagnostics() throws {
        let input = Self.inline("version: \"1.0\"\nmachine:\n  id: m\n", path: "dir/broken.yaml")
        #expect(input.model == nil)
        let md = MarkdownReport.file(input)
        let text = String(decoding: md.contents, as: UTF8.self)
        #expect(md.name == "broken.md")
        #expect(text.hasPrefix("# ⛔ broken: invalid spec") && text.contains("```text\ndir/broken.yaml:"))
        let dot = DOTReport.file(input)
        #expect(dot.name == "broken.dot")
        _ = try GraphvizRun.svg(String(decoding: dot.contents, as: UTF8.self))
    }
}

/// Graphviz's `dot`, run on a DOT text: the SVG and its element ids.
/// A missing `dot` fails the test (`make test-deps` installs it).
enum GraphvizRun {
    struct SVG {
        var text: String
        var ids: Set<String>
    }

    static func svg(_ dot: String) throws -> SVG {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pbcheck-dot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("g.dot"), output = dir.appendingPathComponent("g.svg")
        try Data(dot.utf8).write(to: input)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["dot", "-Tsvg", input.path, "-o", output.path]
        let errors = Pipe()
        p.standardError = errors
        try p.run()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        try #require(p.terminationStatus != 127, "Graphviz's dot is not installed: run `make test-deps`")
        try #require(p.terminationStatus == 0, "dot failed: \(stderr)\n\(dot)")
        #expect(stderr.isEmpty, "dot warned: \(stderr)")
        let text = try String(contentsOf: output, encoding: .utf8)
        let regex = try NSRegularExpression(pattern: #"\bid="([^"]*)""#)
        let ids = regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { m in
            unescapeXML(String(text[Range(m.range(at: 1), in: text)!]))
        }
        return SVG(text: text, ids: Set(ids))
    }

    static func unescapeXML(_ s: String) -> String {
        var out = s
        let regex = try! NSRegularExpression(pattern: "&#(x?)([0-9a-fA-F]+);")
        for m in regex.matches(in: s, range: NSRange(s.startIndex..., in: s)).reversed() {
            let hex = !(Range(m.range(at: 1), in: s).map { s[$0].isEmpty } ?? true)
            let digits = String(s[Range(m.range(at: 2), in: s)!])
            if let v = UInt32(digits, radix: hex ? 16 : 10), let scalar = Unicode.Scalar(v) {
                out.replaceSubrange(Range(m.range, in: out)!, with: String(Character(scalar)))
            }
        }
        return out.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}

/// The structure of a `stateDiagram-v2` text as `mermaid()` writes it,
/// checked line by line against the statements of Mermaid's grammar.
enum MermaidCheck {
    static let id = #"s_[A-Za-z0-9_]+"#
    /// A label: what the grammar reads up to the end of the line.
    static let label = #"[^:;\n]+"#

    static func matches(_ line: String, _ pattern: String) -> [String]? {
        guard let r = try? NSRegularExpression(pattern: "^" + pattern + "$"),
              let m = r.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) else { return nil }
        return (0..<m.numberOfRanges).map { i in Range(m.range(at: i), in: line).map { String(line[$0]) } ?? "" }
    }

    /// What Mermaid does to a diagram's text before it parses it
    /// (`encodeEntities`): a `;` ends a `style` or `classDef` line with a
    /// colour, and each entity `#…;` becomes a placeholder without `;`.
    static func encodeEntities(_ text: String) -> String {
        var lines = text.components(separatedBy: "\n")
        for (i, line) in lines.enumerated() where matches(line, #".*(style|classDef).*:\S*#.*;.*"#) != nil {
            lines[i] = line.replacingOccurrences(of: #"(style|classDef)(.*:\S*#.*);"#, with: "$1$2", options: .regularExpression)
        }
        return lines.joined(separator: "\n").replacingOccurrences(of: #"#(\w+);"#, with: "ﬂ°$1¶ß", options: .regularExpression)
    }

    static func check(_ text: String, _ g: ControlGraph) throws {
        var lines = encodeEntities(text).components(separatedBy: "\n")
        #expect(lines.removeFirst() == "stateDiagram-v2")
        #expect(lines.removeLast() == "")
        var declared: [String: [String]] = [:]  // id → enclosing composite ids
        var composites: [String] = []
        var referenced: [String] = []
        var classes = Set<String>(), used = Set<String>()
        var transitions = 0
        for line in lines {
            let body = line.trimmingCharacters(in: .whitespaces)
            #expect(line.hasPrefix("    "), "indentation: \(line)")
            #expect(matches(line, #"(?i).*direction\s+(tb|bt|rl|lr).*"#) == nil, "reads as a direction: \(line)")
            if let m = matches(body, "(\(id))(?: : (\(label)))?") {
                #expect(declared[m[1]] == nil, "declared twice: \(m[1])")
                declared[m[1]] = composites
                if !m[2].isEmpty { checkLabel(m[2]) }
            } else if let m = matches(body, "state (\(id)) \\{") {
                #expect(declared[m[1]] != nil, "composite not labelled first: \(m[1])")
                composites.append(m[1])
            } else if body == "}" {
                #expect(composites.popLast() != nil, "unbalanced }")
            } else if let m = matches(body, "\\[\\*\\] --> (\(id))") {
                #expect(composites.isEmpty)
                referenced.append(m[1])
            } else if let m = matches(body, "(\(id)) --> \\[\\*\\]") {
                #expect(composites.isEmpty)
                referenced.append(m[1])
            } else if let m = matches(body, "(\(id)) --> (\(id))(?: : (\(label)))?") {
                #expect(composites.isEmpty, "a transition inside a composite state: \(line)")
                referenced += [m[1], m[2]]
                checkLabel(m[3])
                transitions += 1
            } else if let m = matches(body, #"classDef (\w+) ([^;\n]+)"#) {
                classes.insert(m[1])
            } else if let m = matches(body, "class (\(id)(?:, \(id))*) (\\w+)") {
                referenced += m[1].components(separatedBy: ", ")
                used.insert(m[2])
                #expect(classes.contains(m[2]), "class used before its classDef: \(m[2])")
            } else {
                Issue.record("not a statement: \(line)")
            }
        }
        #expect(composites.isEmpty, "unclosed composite state")
        for r in referenced { #expect(declared[r] != nil, "referenced but not declared: \(r)") }
        #expect(used.isSubset(of: classes))
        #expect(transitions == g.edges.count)
        // One declaration per state, nested as the superstates are.
        let ids = MermaidText.ids(g.nodes.map(\.id))
        #expect(declared.count == g.nodes.count)
        for (i, n) in g.nodes.enumerated() {
            var chain: [String] = []
            var p = n.parent
            while let x = p { chain.insert(ids[x], at: 0); p = g.nodes[x].parent }
            #expect(declared[ids[i]] == chain, "\(n.id) nested wrongly")
        }
    }

    /// No raw character the renderer would read as HTML or an entity.
    static func checkLabel(_ l: String) {
        #expect(!l.contains(where: { "<>\"#&%`{}".contains($0) }), "unescaped: \(l)")
        #expect(l == l.trimmingCharacters(in: .whitespaces) && !l.isEmpty)
    }
}

enum MarkdownCheck {
    /// Every row of every table has as many cells as its header; returns
    /// how many tables there are.
    static func tablesKeepTheirColumns(_ md: String) -> Int {
        var tables = 0
        var columns: Int?
        for line in md.components(separatedBy: "\n") {
            guard line.hasPrefix("|") else { columns = nil; continue }
            if let c = columns {
                #expect(cells(line) == c, "\(line)")
            } else {
                columns = cells(line)
                tables += 1
            }
        }
        return tables
    }

    /// How many cells a table row has, counting the pipes GFM splits on
    /// (not those escaped by a backslash).
    static func cells(_ row: String) -> Int {
        var pipes = 0
        var escaped = false
        for c in row {
            if escaped { escaped = false; continue }
            if c == "\\" { escaped = true } else if c == "|" { pipes += 1 }
        }
        return pipes - 1
    }
}
