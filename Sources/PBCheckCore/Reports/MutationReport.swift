import Foundation

/// `pbcheck mutate`'s outcome for one playbook as text, Markdown and JSON
/// (SPEC §9): the score per class and overall, every surviving mutant in
/// the playbook's words, the stillborn apart, and the playbook's own
/// `falsification.mutations` beside what pbcheck found.
public struct MutationReport: Sendable {
    public var path: String
    public var outcome: MutationOutcome

    public init(path: String, outcome: MutationOutcome) {
        self.path = path
        self.outcome = outcome
    }

    public var name: String { SpecJSON.stem(path) }

    static func percent(_ score: Double?) -> String {
        guard let s = score else { return "—" }
        return String(format: "%.1f%%", s * 100)
    }

    static func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }

    /// The classes that have mutants, in order.
    var classesShown: [MutationClass] { outcome.classes.filter { c in outcome.results.contains { $0.mutationClass == c } } }

    var sampleNote: String {
        outcome.results.count < outcome.generated
            ? "\(outcome.results.count) of \(outcome.generated) mutants (a sample drawn with --seed \(outcome.seed))"
            : MutationReport.plural(outcome.generated, "mutant")
    }

    var equivalenceNote: String {
        if let why = outcome.equivalenceUndecided { return "equivalence not decided (\(why))" }
        return "equivalence decided over the original's \(outcome.originalStates ?? 0) reachable states"
    }

    /// One line per mutant of `status`.
    func lines(_ status: MutantResult.Status) -> [String] {
        outcome.results.filter { $0.status == status }.map { r in
            switch status {
            case .survived: return r.description + " — no property or scenario notices" + (r.detail.map { " (\($0))" } ?? "")
            case .stillborn, .unknown: return r.description + " — " + (r.detail ?? "")
            case .killed: return r.description + " — killed by " + r.killedBy.map(\.description).joined(separator: ", ")
            case .equivalent: return r.description
            }
        }
    }

    func falsificationLine(_ f: FalsificationResult) -> String {
        var text = "\(f.id) (line \(f.line)): \"\(f.mutate)\""
        if let why = f.notInterpreted {
            text += " — not interpreted: \(why)"
        } else if let c = f.mutationClass {
            let byIndex = Dictionary(outcome.results.map { ($0.index, $0) }, uniquingKeysWith: { a, _ in a })
            let found = f.mutants.map { i -> String in
                guard let r = byIndex[i] else { return "#\(i) not in the sample" }
                switch r.status {
                case .killed: return "killed by \(r.killedBy.map(\.description).joined(separator: ", "))"
                default: return r.status.rawValue + (r.detail.map { " (\($0))" } ?? "")
                }
            }
            text += " — \(c.rawValue), " + (f.mutants.count == 1 ? "" : "\(f.mutants.count) mutants: ") + found.joined(separator: "; ")
        }
        if let e = f.expectedFailure { text += "; expected: \"\(e)\"" }
        return text
    }

    /// The last line; `timing` adds the run's seconds and the time per mutant.
    func summaryLine(timing: Bool) -> String {
        let o = outcome
        let perMutant = o.results.isEmpty ? 0 : o.seconds / Double(o.results.count) * 1000
        return "score: \(MutationReport.percent(o.score)) (\(o.count(.killed)) killed, \(o.count(.survived)) survived"
            + (o.count(.unknown) > 0 ? ", \(o.count(.unknown)) unknown" : "")
            + "; \(o.count(.equivalent)) equivalent and \(o.count(.stillborn)) stillborn not counted)"
            + (timing ? String(format: "; %.2f s, %.1f ms per mutant", o.seconds, perMutant) : "")
    }

    /// The score table's header.
    static let header = ["class", "mutant"] + MutantResult.Status.allCases.map(\.rawValue) + ["score"]

    /// The score table's rows: class, title, each status's count, score.
    var rows: [[String]] {
        var rows = classesShown.map { c in
            [c.rawValue, c.title] + MutantResult.Status.allCases.map { String(outcome.count($0, in: c)) } + [MutationReport.percent(outcome.score(of: c))]
        }
        rows.append(["all", ""] + MutantResult.Status.allCases.map { String(outcome.count($0)) } + [MutationReport.percent(outcome.score)])
        return rows
    }

    // MARK: Text

    public func text(timing: Bool = true) -> String {
        var out = "\(path)\n"
        out += "mutation testing: \(sampleNote), each checked like verify until its first new violation; \(equivalenceNote)\n"
        if !outcome.originalViolations.isEmpty {
            out += "the original already violates \(outcome.originalViolations.map(\.description).joined(separator: ", ")): those kill no mutant\n"
        }
        let header = MutationReport.header
        let table = [header] + rows
        let widths = header.indices.map { i in table.map { $0[i].count }.max() ?? 0 }
        out += "\n"
        for row in table {
            let cells = row.enumerated().map { i, cell in
                i < 2 ? cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[i] - cell.count) + cell
            }
            out += "  " + cells.joined(separator: "  ").trimmingCharacters(in: .whitespaces) + "\n"
        }
        for (status, title) in [(MutantResult.Status.survived, "survivors (no property or scenario notices them)"),
                                (.unknown, "unknown (their check could not finish; counted as not killed)"),
                                (.stillborn, "stillborn (they do not build; not counted)")] {
            let l = lines(status)
            guard !l.isEmpty else { continue }
            out += "\n\(title):\n" + l.map { "  \($0)\n" }.joined()
        }
        if !outcome.falsification.isEmpty {
            out += "\nfalsification.mutations (the playbook's own):\n" + outcome.falsification.map { "  \(falsificationLine($0))\n" }.joined()
        }
        out += "\n\(summaryLine(timing: timing))\n"
        return out
    }

    // MARK: Markdown (`NAME.mutation.md`)

    public func markdown() -> String {
        func cell(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }
        var out = "# Mutation testing: \(name)\n\n"
        out += "`\(path)`: \(sampleNote), each checked like `verify` until its first new violation; \(equivalenceNote).\n\n"
        out += "**Score: \(MutationReport.percent(outcome.score))** (killed ÷ mutants neither equivalent nor stillborn).\n\n"
        let header = MutationReport.header
        out += "| " + header.joined(separator: " | ") + " |\n"
        out += "|" + header.indices.map { $0 < 2 ? "---|" : "---:|" }.joined() + "\n"
        for row in rows { out += "| " + row.map(cell).joined(separator: " | ") + " |\n" }
        for (status, title) in [(MutantResult.Status.survived, "Survivors: no property or scenario notices them"),
                                (.unknown, "Unknown: their check could not finish"),
                                (.stillborn, "Stillborn: they do not build"),
                                (.killed, "Killed")] {
            let l = lines(status)
            guard !l.isEmpty else { continue }
            out += "\n## \(title)\n\n" + l.map { "- \(cell($0))\n" }.joined()
        }
        if !outcome.falsification.isEmpty {
            out += "\n## The playbook's own `falsification.mutations`\n\n" + outcome.falsification.map { "- \(cell(falsificationLine($0)))\n" }.joined()
        }
        return out
    }

    // MARK: JSON (`--format json`, `NAME.mutation.json`)

    struct Document: Encodable {
        var spec: String
        var command = "mutate"
        var seed: UInt64
        var classes: [String]
        var generated: Int
        var checked: Int
        var score: Double?
        var scores: [String: Double?]
        var counts: [String: Int]
        var originalViolations: [String]
        var equivalence: Equivalence
        var seconds: Double
        var mutants: [MutantJSON]
        var falsification: [FalsificationResult]

        struct Equivalence: Encodable {
            var decided: Bool
            var reason: String?
            var originalStates: Int?
        }

        struct MutantJSON: Encodable {
            var index: Int
            var `class`: String
            var status: String
            var description: String
            var line: Int
            var killedBy: [String]?
            var detail: String?
            var seconds: Double
        }

        enum CodingKeys: String, CodingKey {
            case spec, command, seed, classes, generated, checked, score, scores, counts, originalViolations, equivalence, seconds, mutants, falsification
        }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(spec, forKey: .spec)
            try c.encode(command, forKey: .command)
            try c.encode(seed, forKey: .seed)
            try c.encode(classes, forKey: .classes)
            try c.encode(generated, forKey: .generated)
            try c.encode(checked, forKey: .checked)
            // A score that cannot be made (no mutant counted) is null.
            if let s = score { try c.encode(s, forKey: .score) } else { try c.encodeNil(forKey: .score) }
            var scoresBox = c.nestedContainer(keyedBy: ITFValue.Key.self, forKey: .scores)
            for (k, v) in scores.sorted(by: { $0.key < $1.key }) {
                if let v { try scoresBox.encode(v, forKey: ITFValue.Key(k)) } else { try scoresBox.encodeNil(forKey: ITFValue.Key(k)) }
            }
            try c.encode(counts, forKey: .counts)
            try c.encode(originalViolations, forKey: .originalViolations)
            try c.encode(equivalence, forKey: .equivalence)
            try c.encode(seconds, forKey: .seconds)
            try c.encode(mutants, forKey: .mutants)
            try c.encode(falsification, forKey: .falsification)
        }
    }

    var document: Document {
        let o = outcome
        var counts = Dictionary(uniqueKeysWithValues: MutantResult.Status.allCases.map { ($0.rawValue, o.count($0)) })
        counts["total"] = o.results.count
        return Document(spec: path, seed: o.seed, classes: o.classes.map(\.rawValue), generated: o.generated, checked: o.results.count,
                        score: o.score, scores: Dictionary(uniqueKeysWithValues: classesShown.map { ($0.rawValue, o.score(of: $0)) }),
                        counts: counts, originalViolations: o.originalViolations.map(\.description),
                        equivalence: .init(decided: o.equivalenceUndecided == nil, reason: o.equivalenceUndecided, originalStates: o.originalStates),
                        seconds: o.seconds,
                        mutants: o.results.map {
                            .init(index: $0.index, class: $0.mutationClass.rawValue, status: $0.status.rawValue, description: $0.description,
                                  line: $0.line, killedBy: $0.status == .killed ? $0.killedBy.map(\.description) : nil, detail: $0.detail,
                                  seconds: $0.seconds)
                        },
                        falsification: o.falsification)
    }

    /// The JSON document of several playbooks' reports (an object for one).
    public static func json(_ reports: [MutationReport]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data: Data? = reports.count == 1 ? try? encoder.encode(reports[0].document) : try? encoder.encode(reports.map(\.document))
        return data.map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// `NAME.mutation.json` and `NAME.mutation.md`.
    public var files: [ReportFile] {
        [ReportFile(name: "\(name).mutation.json", text: MutationReport.json([self]) + "\n"),
         ReportFile(name: "\(name).mutation.md", text: markdown())]
    }
}
