import Foundation
import Testing
@testable import PBCheckCore

/// `NAME.html` (SPEC §5.2). The page is checked as text
/// (self-contained, escaped) and in a real browser: headless Chromium loads
/// it from disk and dumps the DOM after its script ran, at the steps a URL
/// fragment selects and after clicks and key presses that a script appended
/// to a copy of the page performs. Chromium and Graphviz are installed by
/// `make test-deps`; a missing one fails these tests. Re-record the
/// README's picture, `reports/report-screenshot.png`, with PBCHECK_RECORD=1.
@Suite struct HTMLReportTests {
    static let browserSpec = "specs/buggy/hierarchy.yaml"
    static let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"

    // MARK: - The page as text

    @Test func pageIsSelfContained() throws {
        let input = try Self.input(Self.browserSpec)
        let file = HTMLReport.file(input, graphSVG: try Self.svg(input))
        #expect(file.name == "hierarchy.html")
        let html = String(decoding: file.contents, as: UTF8.self)
        for pattern in [#"(?i)\b(src|href|srcset|action|poster|data)\s*=\s*["']?\s*(https?:)?//"#, #"(?i)<(link|img|iframe|object|embed)\b"#,
                        #"(?i)<script[^>]*\bsrc\b"#, #"(?i)url\(|@import"#, #"<\?xml|<!DOCTYPE svg"#] {
            #expect(html.range(of: pattern, options: .regularExpression) == nil, "\(pattern) in the page")
        }
        #expect(html.contains(#"content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'""#))
        #expect(html.contains(#"<g id="state:working" class="node">"#))
        // Every violated property with a trace is a counterexample, in verdict order.
        let data = try Self.pageData(html)
        let ids = (data["counterexamples"] as? [[String: Any]])?.compactMap { $0["property"] as? String }
        #expect(ids == ["invariant:on:0", "forbidden:updating->off", "forbidden:active->off", "forbidden:*->working"])
        #expect(html.contains(#"<span class="badge failed" id="result">failed</span>"#))
        #expect(html.contains(##"<a href="#cx=1">counterexample, 3 steps</a>"##))
    }

    @Test func specTextIsEscaped() throws {
        var v = validate("name: \"</title><script>alert(1)</script>\"\n" + machine())
        v.path = "dir/a&b.yaml"
        let model = try #require(v.model)
        let outcome = Verifier.run(model: model, options: ExplicitOptions())
        let document = ResultJSON(validation: v, shown: v.diagnostics, outcome: outcome)
        let html = String(decoding: HTMLReport.file(ReportInput(path: v.path, command: .verify, validation: v, outcome: outcome, document: document),
                                                    graphSVG: nil).contents, as: UTF8.self)
        #expect(!html.contains("<script>alert"))
        #expect(html.contains("<title>&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt; — pbcheck: passed</title>"))
        #expect(html.contains("<code>dir/a&amp;b.yaml</code>"))
        #expect(html.contains("The control graph is unavailable"))
    }

    /// Nothing in the trace data can end its `<script>` element.
    @Test func traceDataCannotCloseItsScript() throws {
        let property = try JSONDecoder().decode(ResultJSON.PropertyJSON.self, from: Data(#"""
            {"id": "global:0", "kind": "global-invariant", "verdict": "violated", "severity": "error",
             "settled_by": "explicit search", "detail": "a </script><!-- b"}
            """#.utf8))
        let trace = ResultJSON.TraceJSON(length: 0, initial: .init(state: "s", vars: ["v": .string("</SCRIPT>"), "n": .int(-3)]), steps: [])
        let json = HTMLReport.pageData([.init(index: 0, property: property, trace: trace, verdictClass: "violated")])
        #expect(!json.contains("<"))
        let cx = try #require(((try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?["counterexamples"] as? [[String: Any]])?.first)
        #expect(cx["detail"] as? String == "a </script><!-- b")
        #expect((cx["initial"] as? [String: Any])?["vars"] as? [String: String] == ["v": "</SCRIPT>", "n": "-3"])
    }

    @Test func invalidSpecShowsItsDiagnostics() {
        var v = validate("version: \"1.0\"\nmachine:\n  id: m\n  initial: nowhere\n  states:\n    a: {}\n")
        v.path = "broken.yaml"
        let input = ReportInput(path: v.path, command: .verify, validation: v, outcome: nil,
                                document: ResultJSON(validation: v, shown: v.diagnostics, outcome: nil))
        let file = HTMLReport.file(input, graphSVG: nil)
        let html = String(decoding: file.contents, as: UTF8.self)
        #expect(file.name == "broken.html")
        #expect(html.contains(#"<span class="badge invalid" id="result">invalid</span>"#))
        #expect(html.contains("<pre class=\"diagnostics\">broken.yaml:3:3: error: missing required field"))
        #expect(html.contains(" | ") && html.contains("^"))
        #expect(!html.contains(#"id="explore""#) && !html.contains(#"id="verdicts""#))
        #expect(html.contains(#"{"counterexamples":[]}"#))
    }

    /// The headline says what the exit code says (SPEC §5.4).
    @Test func resultFollowsTheExitCodeRules() throws {
        #expect(HTMLReport.RunResult(try Self.input("specs/login-form.yaml")) == .passed)
        #expect(HTMLReport.RunResult(try Self.input("specs/buggy/hierarchy.yaml")) == .failed)
        // A violated warning fails only with --strict.
        var trap = try Self.input("specs/buggy/progress-trap.yaml")
        #expect(HTMLReport.RunResult(trap) == .passed)
        trap.strict = true
        #expect(HTMLReport.RunResult(trap) == .failed)
        // Contract establishment failures do not fail with --contracts warn.
        var contracts = try Self.input("specs/buggy/observed-contract.yaml")
        #expect(HTMLReport.RunResult(contracts) == .failed)
        contracts.contractsWarn = true
        #expect(HTMLReport.RunResult(contracts) == .passed)
        let html = String(decoding: HTMLReport.file(contracts, graphSVG: nil).contents, as: UTF8.self)
        #expect(html.contains(#"<div class="count warning"><b>2</b>warnings</div>"#))
    }

    @Test func prologIsStrippedAndNonSVGIsUnavailable() {
        #expect(HTMLReport.inlineSVG("<?xml version=\"1.0\"?>\n<!DOCTYPE svg>\n<!-- x -->\n<svg id=\"g\"></svg>\n") == "<svg id=\"g\"></svg>")
        #expect(HTMLReport.inlineSVG("dot: syntax error") == nil)
    }

    // MARK: - In the browser

    /// A fragment selects a step on load, through the code the buttons use.
    @Test func fragmentSelectsTheStepShown() throws {
        let page = try Self.writePage()
        defer { try? FileManager.default.removeItem(at: page.deletingLastPathComponent()) }

        let first = try Self.dumpDOM(page, fragment: "cx=0&step=0")
        #expect(Self.text(ofID: "cx-0-indicator", in: first) == "step 0 of 5")
        #expect(Self.marked("current", in: first) == ["state:off"])
        #expect(Self.marked("trail", in: first).isEmpty)
        #expect(first.contains(#"<span class="kicker">initial state</span><code>off</code>"#))
        #expect(Self.text(ofID: "graph-caption", in: first) == "invariant:on:0 — step 0 of 5: initial state off")

        let second = try Self.dumpDOM(page, fragment: "cx=0&step=2")
        #expect(Self.text(ofID: "cx-0-indicator", in: second) == "step 2 of 5")
        #expect(second.contains(#"<span class="kicker">step 2</span><code class="transition">start</code> on event <code>start</code>"#))
        #expect(Self.marked("current", in: second) == ["edge:idle:start", "state:working"])
        #expect(Self.marked("trail", in: second) == ["edge:off:power_on", "state:idle", "state:off"])
        #expect(second.contains(#"<tr data-step="2" class="current">"#))
        // The control state changed: old → new.
        #expect(second.contains(#"<dt>state</dt><dd><span><del>idle</del><span class="arrow">→</span><ins>working</ins></span></dd>"#))

        let third = try Self.dumpDOM(page, fragment: "cx=0&step=3")
        #expect(Self.marked("current", in: third) == ["edge:working:work", "state:working"])
        // What changed since the previous step is highlighted; the rest is not.
        #expect(third.contains(#"<tr class="changed"><td class="mono">battery</td><td><span><del>3</del><span class="arrow">→</span><ins>2</ins></span></td></tr>"#))
        #expect(third.contains(#"<tr><td class="mono">fw</td><td><span>0</span></td></tr>"#))
        #expect(!third.contains("<strong>violated here</strong>"))

        let last = try Self.dumpDOM(page, fragment: "cx=3&step=99")
        #expect(Self.text(ofID: "cx-3-indicator", in: last) == "step 2 of 2")
        #expect(last.contains(#"<article class="cx active" id="cx-3" data-cx="3">"#))
        #expect(last.contains(#"<strong>violated here</strong>forbidden:*-&gt;working: 'start' goes from idle to working"#))
    }

    /// Tabs, buttons and arrow keys, pressed by a script appended to a copy
    /// of the page (the page itself ships no test hook); it also counts the
    /// resources the page fetched.
    @Test func buttonsAndKeysStepThrough() throws {
        let page = try Self.writePage(probe: """
            const log = [];
            const graph = (cls) => [...document.querySelectorAll('.graph .' + cls)].map((e) => e.id).sort().join(' ');
            const note = () => log.push(document.querySelector('article.cx.active .indicator').textContent + ' | ' + graph('current'));
            const key = (k) => document.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true }));
            note();
            document.querySelector('.cx-tab[data-cx="1"]').click(); note();
            document.querySelector('#cx-1 .next').click(); note();
            document.querySelector('#cx-1 .next').click(); note();
            key('ArrowRight'); note();
            const nextDisabled = document.querySelector('#cx-1 .next').disabled;
            key('ArrowRight'); note();
            key('ArrowLeft'); note();
            document.querySelector('#cx-1 .prev').click(); note();
            document.querySelector('#cx-1 tr[data-step="3"]').click(); note();
            document.getElementById('probe').textContent = JSON.stringify({
              log, nextDisabled, hash: location.hash, trail: graph('trail'),
              resources: performance.getEntriesByType('resource').length,
            });
            // A counterexample's link in the verdict table opens it.
            const opened = document.body.appendChild(document.createElement('pre'));
            opened.id = 'opened';
            window.addEventListener('hashchange', () => {
              opened.textContent = document.querySelector('article.cx.active').id + ' ' + document.querySelector('article.cx.active .indicator').textContent;
            });
            document.querySelector('#verdicts a[href="#cx=2"]').click();
            """)
        defer { try? FileManager.default.removeItem(at: page.deletingLastPathComponent()) }
        let dom = try Self.dumpDOM(page, fragment: nil)
        let json = try #require(Self.text(ofID: "probe", in: dom), "the probe did not run")
        let probe = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(probe["log"] as? [String] == [
            "step 0 of 5 | state:off",
            "step 0 of 3 | state:off",
            "step 1 of 3 | edge:off:power_on state:idle",
            "step 2 of 3 | edge:idle:update state:updating",
            "step 3 of 3 | edge:updating:power_off state:off",
            "step 3 of 3 | edge:updating:power_off state:off",
            "step 2 of 3 | edge:idle:update state:updating",
            "step 1 of 3 | edge:off:power_on state:idle",
            "step 3 of 3 | edge:updating:power_off state:off",
        ])
        #expect(probe["nextDisabled"] as? Bool == true)
        #expect(probe["hash"] as? String == "#cx=1&step=3")
        #expect(probe["trail"] as? String == "edge:idle:update edge:off:power_on state:idle state:off state:updating")
        #expect(probe["resources"] as? Int == 0)
        #expect(Self.text(ofID: "opened", in: dom) == "cx-2 step 0 of 3")
    }

    /// The README's picture. Recorded with PBCHECK_RECORD=1; otherwise made
    /// in a temporary directory, to check it can be.
    @Test func screenshot() throws {
        let page = try Self.writePage()
        defer { try? FileManager.default.removeItem(at: page.deletingLastPathComponent()) }
        let target = GoldenTests.recording ? URL(fileURLWithPath: repoPath("reports/report-screenshot.png"))
            : page.deletingLastPathComponent().appendingPathComponent("screenshot.png")
        let run = try Self.chromium(["--hide-scrollbars", "--run-all-compositor-stages-before-draw", "--window-size=1280,1600", "--screenshot=\(target.path)",
                                     Self.url(page, fragment: "cx=0&step=3")])
        #expect(run.status == 0, "\(String(decoding: run.errors, as: UTF8.self))")
        let png = try Data(contentsOf: target)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 20_000)
    }

    // MARK: - Helpers

    static func input(_ relative: String) throws -> ReportInput {
        var v = Pipeline.validate(path: repoPath(relative))
        v.path = relative
        let model = try #require(v.model)
        var options = ExplicitOptions()
        options.autoExplicitSeconds = 1_000_000
        let outcome = Verifier.run(model: model, options: options)
        return ReportInput(path: relative, command: .verify, validation: v, outcome: outcome)
    }

    /// The graph as the report writer makes it: the DOT report laid out by
    /// Graphviz.
    static func svg(_ input: ReportInput) throws -> String {
        try #require(Graphviz.svg(fromDOT: DOTReport.text(input)), "Graphviz's dot is not installed: `make test-deps` installs it")
    }

    /// The page of the browser spec in a new temporary directory, with
    /// `probe` appended as a script writing into `<pre id="probe">`.
    static func writePage(probe: String? = nil) throws -> URL {
        let input = try input(browserSpec)
        var html = String(decoding: HTMLReport.file(input, graphSVG: try svg(input)).contents, as: UTF8.self)
        if let probe {
            let end = try #require(html.range(of: "</body>", options: .backwards))
            html.replaceSubrange(end, with: "<pre id=\"probe\"></pre>\n<script>\n\(probe)\n</script>\n</body>")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pbcheck-html-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let page = dir.appendingPathComponent("\(input.name).html")
        try html.write(to: page, atomically: true, encoding: .utf8)
        return page
    }

    static func url(_ page: URL, fragment: String?) -> String {
        page.absoluteString + (fragment.map { "#" + $0 } ?? "")
    }

    /// Headless Chromium with a profile of its own (tests run in parallel),
    /// given time for the page's scripts to finish.
    static func chromium(_ arguments: [String]) throws -> Subprocess {
        let browser = try #require(Subprocess.executable(named: "chromium", searchPath: searchPath),
                                   "chromium is not installed: `make test-deps` installs it")
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("pbcheck-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
                     "--user-data-dir=\(profile.path)", "--virtual-time-budget=5000"]
        return try #require(Subprocess.run(browser, arguments: flags + arguments, timeout: 120), "chromium did not start")
    }

    static func dumpDOM(_ page: URL, fragment: String?) throws -> String {
        let run = try chromium(["--dump-dom", url(page, fragment: fragment)])
        let dom = String(decoding: run.output, as: UTF8.self)
        try #require(run.status == 0 && dom.contains("</html>"), "chromium failed: \(String(decoding: run.errors, as: UTF8.self))")
        return dom
    }

    /// The text of the element with `id` (no markup inside), entities decoded.
    static func text(ofID id: String, in dom: String) -> String? {
        guard let r = dom.range(of: #"id="\#(NSRegularExpression.escapedPattern(for: id))"[^>]*>([^<]*)<"#, options: .regularExpression) else { return nil }
        let element = String(dom[r])
        guard let open = element.firstIndex(of: ">") else { return nil }
        return String(element[element.index(after: open)...].dropLast())
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
    }

    /// The ids of the graph elements that have class `cls`.
    static func marked(_ cls: String, in dom: String) -> Set<String> {
        let pattern = try! NSRegularExpression(pattern: #"<g id="([^"]+)" class="([^"]*)""#)
        var ids = Set<String>()
        for m in pattern.matches(in: dom, range: NSRange(dom.startIndex..., in: dom)) {
            guard let id = Range(m.range(at: 1), in: dom), let classes = Range(m.range(at: 2), in: dom) else { continue }
            if dom[classes].split(separator: " ").contains(Substring(cls)) { ids.insert(String(dom[id])) }
        }
        return ids
    }

    static func pageData(_ html: String) throws -> [String: Any] {
        let start = try #require(html.range(of: #"<script type="application/json" id="pb-data">"#))
        let end = try #require(html.range(of: "</script>", range: start.upperBound..<html.endIndex))
        return try #require(try JSONSerialization.jsonObject(with: Data(html[start.upperBound..<end.lowerBound].utf8)) as? [String: Any])
    }
}
