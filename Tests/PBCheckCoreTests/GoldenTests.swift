import Foundation
import Testing
@testable import PBCheckCore

/// Golden files: `specs/invalid/NAME.expected` holds the exact `validate`
/// output for each malformed playbook; `specs/golden/NAME.validate.txt` the
/// output for each valid one. Re-record with PBCHECK_RECORD=1.
@Suite struct GoldenTests {
    static let recording = ProcessInfo.processInfo.environment["PBCHECK_RECORD"] == "1"

    static func files(in dir: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: repoPath(dir))) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted().map { "\(dir)/\($0)" }
    }

    static let invalid = files(in: "specs/invalid")
    static let valid = files(in: "specs")

    func rendered(_ relative: String) -> (ValidationResult, String) {
        var r = Pipeline.validate(path: repoPath(relative))
        r.path = relative
        return (r, DiagnosticRenderer().render(r))
    }

    func compare(_ actual: String, golden relative: String) {
        let path = repoPath(relative)
        if GoldenTests.recording {
            try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try? actual.write(toFile: path, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOfFile: path, encoding: .utf8) else {
            Issue.record("missing golden file \(relative); record with PBCHECK_RECORD=1")
            return
        }
        if expected != actual {
            Issue.record(Comment(rawValue: "\(relative) differs:\n\(lineDiff(expected, actual))"))
        }
    }

    static let checked = files(in: "specs") + files(in: "specs/buggy") + files(in: "specs/symbolic")

    /// The pinned result of `verify` for every spec: verdicts, trace lengths
    /// and traces, state counts (JSON), and the terminal report (text),
    /// with times and memory left out.
    @Test(arguments: checked)
    func verifyResultIsPinned(_ relative: String) throws {
        var v = Pipeline.validate(path: repoPath(relative))
        v.path = relative
        let model = try #require(v.model)
        var options = ExplicitOptions()
        // Work limits only: the outcome must not depend on the machine's load.
        options.autoExplicitSeconds = 1_000_000
        let outcome = Verifier.run(model: model, options: options)
        var json = ResultJSON(validation: v, shown: v.diagnostics.filter { $0.severity != .note }, outcome: outcome)
        json.check?.stats.seconds = 0
        json.check?.stats.bytesPerState = nil
        // Timings only: the symbolic engine's per-depth seconds and each
        // obligation's.
        json.check?.symbolic = nil
        json.check?.obligations?.seconds = 0
        for i in json.check?.obligations?.list.indices ?? 0..<0 { json.check?.obligations?.list[i].seconds = 0 }
        let name = relative.replacingOccurrences(of: "specs/", with: "").replacingOccurrences(of: "/", with: "-")
            .replacingOccurrences(of: ".yaml", with: "")
        compare(json.encoded() + "\n", golden: "specs/golden/\(name).verify.json")
        var text = ResultRenderer(style: PlainStyle()).render(path: relative, outcome: outcome)
        if let r = text.range(of: #", [0-9.]+ s(?=[,\n])"#, options: .regularExpression) { text.replaceSubrange(r, with: ", <time>") }
        // How many properties Spacer was tried on depends on its time budget.
        if let r = text.range(of: #", CHC on [0-9]+ propert(y|ies)"#, options: .regularExpression) { text.replaceSubrange(r, with: "") }
        compare(text, golden: "specs/golden/\(name).verify.txt")
    }

    /// The pinned result of `mutate` for every playbook in `specs/` and the
    /// mutation corpus: the score table, every survivor, unknown and
    /// stillborn mutant, and the playbook's own mutations, times left out.
    @Test(arguments: files(in: "specs") + files(in: "specs/mutation"))
    func mutateResultIsPinned(_ relative: String) throws {
        let v = Pipeline.validate(path: repoPath(relative))
        let model = try #require(v.model)
        var options = MutationOptions()
        options.jobs = 2
        // Work limits only: the outcome must not depend on the machine's load.
        options.request.explicit.autoExplicitSeconds = 1_000_000
        let outcome = MutationRunner.run(spec: model.spec, model: model, options: options)
        let name = (relative as NSString).lastPathComponent.replacingOccurrences(of: ".yaml", with: "")
        let text = MutationReport(path: relative, outcome: outcome).text(timing: false)
        compare(text, golden: "specs/golden/\(name).mutate.txt")
    }

    @Test func corpusIsLargeEnough() {
        #expect(GoldenTests.invalid.count >= 20)
        #expect(GoldenTests.valid.count >= 6)
    }

    @Test(arguments: invalid)
    func invalidSpecMatchesItsGolden(_ relative: String) {
        let (result, text) = rendered(relative)
        #expect(result.errorCount > 0, "\(relative) must be rejected")
        #expect(result.model == nil)
        compare(text, golden: relative.replacingOccurrences(of: ".yaml", with: ".expected"))
    }

    /// Independent of the goldens: each file's header names the first
    /// error's code and position, written by hand before pbcheck ran.
    @Test(arguments: invalid)
    func invalidSpecFirstErrorMatchesItsHeader(_ relative: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: repoPath(relative)))
        let header = String(decoding: data.prefix(200), as: UTF8.self).components(separatedBy: "\n")[0]
        let parts = header.replacingOccurrences(of: "# expect: ", with: "").components(separatedBy: " @ ")
        try #require(parts.count == 2, "header of \(relative) must be '# expect: CODE @ L:C'")
        let (result, _) = rendered(relative)
        let first = try #require(result.diagnostics.first { $0.severity == .error })
        #expect(first.code.rawValue == parts[0])
        #expect(first.location.map { "\($0.line):\($0.column)" } == parts[1])
    }

    @Test(arguments: valid)
    func validSpecHasNoErrorsAndMatchesItsGolden(_ relative: String) {
        let (result, text) = rendered(relative)
        #expect(result.errorCount == 0, "\(relative):\n\(text)")
        #expect(result.model != nil)
        let name = (relative as NSString).lastPathComponent.replacingOccurrences(of: ".yaml", with: "")
        compare(text, golden: "specs/golden/\(name).validate.txt")
    }
}

/// A small line diff for failure messages: lines only in one side, marked.
func lineDiff(_ expected: String, _ actual: String) -> String {
    let a = expected.components(separatedBy: "\n"), b = actual.components(separatedBy: "\n")
    var out: [String] = []
    for i in 0..<max(a.count, b.count) {
        let x = i < a.count ? a[i] : nil, y = i < b.count ? b[i] : nil
        if x != y {
            if let x { out.append("- \(x)") }
            if let y { out.append("+ \(y)") }
        }
    }
    return out.joined(separator: "\n")
}
