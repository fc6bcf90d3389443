import Crypto
import Foundation

/// A playbook cut into named sections, each printed canonically (SPEC §5.3):
/// expressions through `ExprPrinter`, declarations field by field in a fixed
/// order. Comments, blank lines, quoting, flow or block style and the order
/// of a mapping's keys change no section; everything the loader reads is in
/// one. Two files with the same sections are the same playbook to every
/// engine, so a result can be reused, and a changed section names what
/// changed (`machine.transitions[trip].guard`).
public struct SpecSections: Sendable, Equatable {
    /// One section: where it is in the playbook, the SHA-256 of its
    /// canonical text, and where it starts in the file (to carry locations
    /// from one file to another with the same sections).
    public struct Section: Sendable, Equatable, Codable {
        public var path: String
        public var digest: String
        public var line: Int
        public var column: Int
    }

    public var sections: [Section]

    public init(_ spec: LoadedSpec) {
        var out: [Section] = []
        func add(_ path: String, _ text: String, _ loc: SourceLoc?) {
            out.append(Section(path: path, digest: SpecLoader.sha256(Data(text.utf8)), line: loc?.line ?? 0, column: loc?.column ?? 0))
        }
        func expr(_ e: ExprSource?) -> String { e.map { $0.expr.map(ExprPrinter.print) ?? "unparsed: \($0.text.text)" } ?? "" }
        func names(_ f: FromDecl) -> String {
            switch f {
            case .any: return "*"
            case .states(let s): return s.map(\.value).joined(separator: ", ")
            }
        }
        func invariant(_ path: String, _ inv: InvariantDecl) {
            add(path, "\(expr(inv.condition)) severity \(inv.severity.rawValue)", inv.condition.loc)
            add(path + ".description", inv.description ?? "", inv.loc)
        }

        add("name", spec.name ?? "", nil)
        add("description", spec.description ?? "", nil)
        add("machine.id", spec.machineID?.value ?? "", spec.machineID?.loc)
        add("machine.initial", spec.initial?.value ?? "", spec.initial?.loc)
        // Declaration order decides the search order, so which of several
        // shortest counterexamples is found first.
        add("machine.states (order)", spec.states.map(\.id.value).joined(separator: ", "), nil)
        add("machine.transitions (order)", spec.transitions.map(\.id.value).joined(separator: ", "), nil)
        for s in spec.states {
            let path = "machine.states[\(s.id.value)]"
            add(path, "final \(s.isFinal) parent \(s.parent?.value ?? "-")", s.id.loc)
            add(path + ".description", s.description ?? "", s.id.loc)
            for (i, inv) in s.invariants.enumerated() { invariant(path + ".invariants[\(i)]", inv) }
        }
        for t in spec.transitions {
            let path = "machine.transitions[\(t.id.value)]"
            add(path, "from \(names(t.from)) to \(t.to.value) event \(t.event?.value ?? "-")", t.loc)
            add(path + ".params", t.params.map { "\($0.name.value): \($0.set.value)" }.joined(separator: ", "), t.params.first?.name.loc)
            add(path + ".guard", expr(t.guardExpr), t.guardExpr?.loc)
            for (i, e) in t.effects.enumerated() {
                add(path + ".effects[\(i)]", "\(ExprPrinter.print(e.target)) := \(e.value.map(ExprPrinter.print) ?? "any")", e.loc)
            }
        }
        for (i, f) in spec.forbidden.enumerated() {
            add("machine.forbidden[\(i)]", "\(names(f.from)) -> \(names(f.to)) reason \(f.reason ?? "-")", f.loc)
        }
        for s in spec.sets {
            let elements: String
            switch s.elements {
            case .strings(let v): elements = v.map { "'\($0)'" }.joined(separator: ", ")
            case .ints(let v): elements = v.map(String.init).joined(separator: ", ")
            case .range(let a, let b): elements = "\(a)..\(b)"
            }
            add("machine.sets[\(s.name.value)]", elements, s.name.loc)
        }
        for c in spec.constants { add("machine.constants[\(c.name.value)]", "'\(c.value.value)'", c.name.loc) }
        func domain(_ d: DomainDecl) -> String {
            var t = "type \(d.type.value.rawValue)"
            if let r = d.range {
                func bound(_ b: BoundDecl) -> String {
                    switch b {
                    case .literal(let i): return String(i)
                    case .constant(let c): return c
                    }
                }
                t += " range \(bound(r.value.0))..\(bound(r.value.1))"
            }
            if let v = d.values { t += " values " + v.map(\.value).joined(separator: ", ") }
            if let k = d.keys { t += " keys \(k.value)" }
            switch d.initial?.value {
            case nil: break
            case .any?: t += " init any"
            case .value(let v)?: t += " init '\(v)'"
            }
            return t
        }
        for v in spec.variables { add("machine.variables[\(v.name.value)]", domain(v), v.name.loc) }
        for o in spec.observations { add("machine.observations[\(o.name.value)]", domain(o), o.name.loc) }
        for d in spec.definitions {
            add("machine.definitions[\(d.name.value)]", "(\(d.params.joined(separator: ", "))) = \(expr(d.body))", d.body.loc)
        }
        for (i, inv) in spec.invariants.enumerated() { invariant("machine.invariants[\(i)]", inv) }
        for sc in spec.scenarios {
            let path = "scenarios[\(sc.name.value)]"
            let initial = sc.initial.isEmpty ? "" : " init " + sc.initial.map { "\($0.0)='\($0.1.value)'" }.joined(separator: ", ")
            add(path, (sc.description ?? "") + initial, sc.name.loc)
            for (i, step) in sc.steps.enumerated() {
                switch step {
                case .action(let name, let params, let observe, let choose, let times):
                    let p = params.map { "\($0.0)='\($0.1.value)'" }.joined(separator: ", ")
                    let o = observe.map { "\($0.0)='\($0.1.value)'" }.joined(separator: ", ")
                    let c = choose.isEmpty ? "" : " choose " + choose.map { "\($0.0)='\($0.1.value)'" }.joined(separator: ", ")
                    add(path + ".steps[\(i)]", "action \(name.value) params \(p) observe \(o)\(c) repeat \(times)", name.loc)
                case .assert(let e):
                    add(path + ".steps[\(i)]", "assert \(expr(e))", e.loc)
                case .holds(let id):
                    add(path + ".steps[\(i)]", "holds \(id.value)", id.loc)
                }
            }
        }
        for (r, run) in spec.scriptedRuns.enumerated() {
            add("playbook[\(r)]", "\(run.name): \(run.transitions.map(\.value).joined(separator: ", ")); browser \(run.browserActions.map(\.value).joined(separator: ", "))", run.loc)
        }
        if let a = spec.pathAssertions {
            var t = "expected \(a.expected.map { $0.map(\.value).joined(separator: ", ") } ?? "-")"
            t += " must_visit \(a.mustVisit.map(\.value).joined(separator: ", "))"
            t += " must_not_visit \(a.mustNotVisit.map(\.value).joined(separator: ", "))"
            t += " ends_at \(a.endsAt?.value ?? "-")"
            add("assertions.path", t, a.loc)
        }
        add("skipped", spec.skipped.map(\.value).joined(separator: "; "), spec.skipped.first?.loc)
        sections = out
    }

    /// The SHA-256 of every section's path and text, in order.
    public var digest: String {
        var hasher = SHA256()
        for s in sections {
            hasher.update(data: Data("\(s.path)\u{0}\(s.digest)\u{0}".utf8))
        }
        return SpecLoader.hex(hasher.finalize())
    }

    /// What changed from `old` to this, one phrase per section:
    /// `machine.transitions[trip].guard changed`, `… added`, `… removed`.
    public func changes(from old: [Section]) -> [String] {
        let before = Dictionary(old.map { ($0.path, $0.digest) }, uniquingKeysWith: { a, _ in a })
        let now = Set(sections.map(\.path))
        var out: [String] = []
        for s in sections {
            switch before[s.path] {
            case nil: out.append("\(s.path) added")
            case let digest? where digest != s.digest: out.append("\(s.path) changed")
            default: break
            }
        }
        for s in old where !now.contains(s.path) { out.append("\(s.path) removed") }
        return out
    }
}
