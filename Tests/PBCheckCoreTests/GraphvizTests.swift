import Foundation
import Testing
@testable import PBCheckCore

/// `Graphviz.svg(fromDOT:)` and the subprocess under it. Needs Graphviz
/// (`make test-deps` installs it); without it these tests fail.
@Suite struct GraphvizTests {
    @Test func graphvizLaysOutDOTAsSVG() throws {
        let svg = try #require(Graphviz.svg(fromDOT: #"digraph { a [id="state:a"]; a -> b [id="edge:a:go"]; }"#))
        #expect(svg.contains("<svg") && svg.contains(#"<g id="state:a" class="node">"#) && svg.contains(#"<g id="edge:a:go" class="edge">"#))
        #expect(Graphviz.svg(fromDOT: "digraph { a -> }") == nil)
    }

    /// Far more output than a pipe holds: read to the end without blocking.
    @Test func graphvizHandlesLargeGraphs() throws {
        let edges = (0..<1500).map { "n\($0) -> n\($0 + 1);" }.joined(separator: "\n")
        let svg = try #require(Graphviz.svg(fromDOT: "digraph { \(edges) }"))
        #expect(svg.utf8.count > 256 * 1024 && svg.hasSuffix("</svg>\n"))
    }

    /// A layout that takes dot about a minute, cut short.
    @Test func graphvizGivesUpAtTheTimeout() {
        let edges = (0..<4000).map { "n\($0) -> n\(($0 * 7) % 4000);" }.joined(separator: "\n")
        let start = Date()
        #expect(Graphviz.svg(fromDOT: "digraph { \(edges) }", timeout: 0.5) == nil)
        #expect(Date().timeIntervalSince(start) < 10)
    }

    @Test func subprocessGetsItsInputAndKeepsItsStreams() throws {
        let sh = URL(fileURLWithPath: "/bin/sh")
        let run = try #require(Subprocess.run(sh, arguments: ["-c", "cat; echo oops >&2; exit 3"], input: Data("hi\n".utf8), timeout: 10))
        #expect(run.status == 3 && run.output == Data("hi\n".utf8) && run.errors == Data("oops\n".utf8))
        let killed = try #require(Subprocess.run(sh, arguments: ["-c", "exec sleep 30"], timeout: 0.2))
        #expect(killed.status == nil)
        #expect(Subprocess.run(URL(fileURLWithPath: "/nonexistent/tool"), arguments: [], timeout: 1) == nil)
    }

    @Test func toolsAreFoundOnThePath() {
        #expect(Subprocess.executable(named: "dot", searchPath: "/nonexistent:/also/not") == nil)
        #expect(Subprocess.executable(named: "sh", searchPath: "/nonexistent::/bin")?.path == "/bin/sh")
        // A directory is not a command.
        #expect(Subprocess.executable(named: "bin", searchPath: "/") == nil)
    }
}
