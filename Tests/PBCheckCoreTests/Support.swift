import Foundation
@testable import PBCheckCore

/// The repository root, found from this file's path.
let repoRoot: URL = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url
}()

func repoPath(_ relative: String) -> String { repoRoot.appendingPathComponent(relative).path }

/// Validates a playbook given inline.
func validate(_ yaml: String) -> ValidationResult {
    Pipeline.validate(text: yaml, path: "inline.yaml")
}

/// Inline YAML with one `⟨here⟩` marker: returns the text without it and the
/// marker's line and column (columns in Unicode scalars, 1-based).
func marked(_ yaml: String) -> (String, SourceLoc) {
    let marker = "⟨here⟩"
    var loc = SourceLoc(line: 0, column: 0)
    var lines: [String] = []
    for (i, line) in yaml.components(separatedBy: "\n").enumerated() {
        if let r = line.range(of: marker) {
            loc = SourceLoc(line: i + 1, column: line[..<r.lowerBound].unicodeScalars.count + 1)
            lines.append(line.replacingCharacters(in: r, with: ""))
        } else {
            lines.append(line)
        }
    }
    return (lines.joined(separator: "\n"), loc)
}

/// A minimal valid machine with extra machine-level YAML and transitions.
func machine(extra: String = "", guardText: String = "true", states: String = "") -> String {
    """
    version: "1.0"
    machine:
      id: "m"
      initial: "a"
    \(extra)
      states:
        a: {}
        b: {}
    \(states)
      transitions:
        - id: "go"
          from: "a"
          to: "b"
          event: "e"
          guard: "\(guardText)"
        - id: "back"
          from: "b"
          to: "a"
          event: "f"
    """
}
