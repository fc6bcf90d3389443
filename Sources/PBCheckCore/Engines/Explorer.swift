import Foundation

/// `pbcheck explore` (SPEC §7): a read–eval–print session over one current
/// state. Every step it takes is resolved and fired by the kernel (`take`,
/// `fire`), every property it reports is decided by `check`, so what it
/// shows is what `verify` would conclude. It answers each command with the
/// text to print; the CLI does the reading and printing.
public final class Explorer {
    let system: TransitionSystem
    let oracle: SnapshotOracle
    let style: TextStyle
    let specPath: String
    let sha256: String?

    /// One point of the session's path: the state, the step that reached
    /// it (nil for the initial state) and what that step broke.
    struct Point {
        var packed: [UInt64]
        var choice: StepChoice?
        var findings: [Finding]
    }

    /// The path from the initial state to the current state, the current last.
    var path: [Point]
    let initial: [UInt64]
    /// A loaded trace, step by step (its first point is its initial state).
    var loaded: [Point] = []
    /// Where the session stands on the loaded trace, when on it.
    var position: Int?
    /// The property the loaded trace records.
    var loadedProperty: String?
    /// Observations pinned for the next step (`observe NAME=VALUE`).
    var pins: [(name: String, value: ScalarValue)] = []
    /// The enabled steps last listed, numbered from 1.
    var listed: [StepChoice] = []

    /// The commands, for help and completion.
    public static let commands = ["back", "check", "goto", "help", "next", "observe", "prev", "quit", "reset", "save", "why"]

    public init?(model: TypedModel, specPath: String, sha256: String?, style: TextStyle, queryTimeoutMilliseconds: UInt32? = 10_000) {
        system = TransitionSystem(model: model)
        oracle = SnapshotOracle(system: system, queryTimeoutMilliseconds: queryTimeoutMilliseconds)
        guard let first = system.firstInitialState() else { return nil }
        initial = first
        path = [Point(packed: first, choice: nil, findings: [])]
        self.style = style
        self.specPath = specPath
        self.sha256 = sha256
    }

    /// Transition ids, for completion.
    public var transitionIDs: [String] { system.model.transitions.map(\.id) }

    var current: Point { path[path.count - 1] }
    var replayer: Replayer { Replayer(system: system) }

    // MARK: Loading a trace

    /// Loads a recorded trace (replayed step by step): the session starts
    /// at its first state. Nil when it loaded, else why not.
    public func load(_ recorded: RecordedTrace) -> String? {
        let replay = TraceReplay(system: system, oracle: oracle, budget: .unlimited)
        let start: [UInt64]
        do throws(StepProblem) { start = try replay.initialState(recorded) } catch { return "cannot load the trace: \(error.message)" }
        var points = [Point(packed: start, choice: nil, findings: [])]
        for (k, step) in recorded.steps.enumerated() {
            let at = points[points.count - 1].packed
            do throws(StepProblem) {
                let taken = try replay.take(step, at: at)
                points.append(Point(packed: taken.successor ?? at, choice: taken.choice, findings: taken.fired.findings))
                if taken.successor == nil { break }
            } catch {
                return "cannot load the trace: step \(k + 1): \(error.message)"
            }
        }
        loaded = points
        loadedProperty = recorded.property
        position = 0
        path = [points[0]]
        return nil
    }

    // MARK: Commands

    /// Runs one command line and returns what to print, and whether the
    /// session goes on.
    public func run(_ line: String) -> (output: String, goOn: Bool) {
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let command = words.first else { return ("", true) }
        let args = Array(words.dropFirst())
        switch command {
        case "quit", "exit", "q": return ("", false)
        case "help", "?": return (Explorer.help, true)
        case "back", "b":
            guard path.count > 1 else { return ("already at the initial state\n", true) }
            path.removeLast()
            syncPosition()
            return (show(), true)
        case "reset":
            path = [loaded.first ?? Point(packed: initial, choice: nil, findings: [])]
            position = loaded.isEmpty ? nil : 0
            pins = []
            return (show(), true)
        case "next", "n": return move(to: (position ?? -1) + 1)
        case "prev", "p": return move(to: (position ?? 1) - 1)
        case "goto", "g":
            guard args.count == 1, let k = Int(args[0]) else { return ("usage: goto K (a step of the loaded trace, 0 for its initial state)\n", true) }
            return move(to: k)
        case "why", "w":
            guard args.count == 1 else { return ("usage: why TRANSITION\n", true) }
            return (why(args[0]), true)
        case "check", "c": return (check(), true)
        case "observe", "o": return (observe(args), true)
        case "save", "s":
            guard args.count == 1 else { return ("usage: save FILE (.itf.json for an ITF trace, .yaml for a scenario)\n", true) }
            return (save(args[0]), true)
        case "show", "l": return (show(), true)
        default:
            if let n = Int(command) { return (fire(n, chosen: args), true) }
            return ("unknown command '\(command)'; type help\n", true)
        }
    }

    static let help = """
        N [VAR=VALUE…]    fire enabled step N (VAR=VALUE: what its `:= any` effects choose)
        back              undo the last step
        reset             back to the initial state (of the loaded trace, if any)
        next, prev        one step forward or back along the loaded trace
        goto K            step K of the loaded trace (0: its initial state)
        why TRANSITION    why it is not enabled here (the guard conjunct that fails, with values)
        check             every property at this state
        observe NAME=VALUE  fix an observation for the next step (observe: list; observe clear)
        save FILE         the path so far: FILE.itf.json as an ITF trace, FILE.yaml as a scenario
        show              the state again
        help, quit

        """

    // MARK: Showing the state

    /// The current state: control state, variables (what the last step
    /// changed), what it broke, and the numbered enabled steps.
    public func show() -> String {
        let here = replayer.stateText(current.packed)
        var out = ""
        let length = loaded.count - 1
        let where_ = position.map { " (step \($0) of the loaded trace, \(length) step\(length == 1 ? "" : "s"))" } ?? (path.count > 1 ? " (after \(path.count - 1) step\(path.count == 2 ? "" : "s"))" : " (initial)")
        out += style.emphasis("state: \(here.state)") + where_ + "\n"
        let before = path.count > 1 ? replayer.stateText(path[path.count - 2].packed) : nil
        if let c = current.choice { out += "  by \(system.stepName(c.instance))\(snapshotText(c))\n" }
        if let b = before, b.state != here.state { out += "  state: \(b.state) → \(here.state)\n" }
        for (k, v) in here.vars.enumerated() {
            if let b = before, b.vars[k].value != v.value {
                out += "  " + style.emphasis("\(v.name) = \(v.text)") + "   (was \(b.vars[k].text))\n"
            } else {
                out += "  \(v.name) = \(v.text)\n"
            }
        }
        for f in current.findings {
            out += "  " + style.severity(.error, "breaks \(system.properties[f.property].id):") + " \(f.message)\n"
        }
        let frame = system.makeFrame()
        system.layout.unpack(current.packed, into: frame.vars)
        var limit: EvalError?
        for f in system.checkState(frame, limit: &limit) {
            out += "  " + style.severity(.error, "violates \(system.properties[f.property].id):") + " \(f.message)\n"
        }
        if !pins.isEmpty { out += "  observing: " + pins.map { "\($0.name)=\($0.value)" }.joined(separator: ", ") + "\n" }
        out += enabledText()
        return out
    }

    func snapshotText(_ c: StepChoice) -> String {
        var parts: [String] = []
        let s = system.describe(c.snapshot)
        if !s.isEmpty { parts.append("when \(s)") }
        let chosen = system.chosenValues(c).map(\.assignment)
        if !chosen.isEmpty { parts.append("choosing \(chosen.joined(separator: ", "))") }
        return parts.isEmpty ? "" : " " + parts.joined(separator: "; ")
    }

    /// The enabled steps at the current state, numbered; each with the
    /// snapshot that enables it (Z3 finds one, honouring the pins).
    func enabledText() -> String {
        listed = []
        let fixed: Snapshot
        do throws(StepProblem) { fixed = try system.snapshot(pins) } catch { return "  \(error.message)\n" }
        let (steps, undecided) = system.enabledSteps(current.packed, fixed: fixed, oracle: oracle)
        var lines: [String] = []
        for step in steps {
            let i = step.choice.instance
            listed.append(step.choice)
            let target = system.model.states[system.instances[i].to].id
            var line = "  \(listed.count)  \(system.stepName(i)) → \(target)\(snapshotText(step.choice))"
            if !step.fired.findings.isEmpty {
                line += "  " + style.severity(.warning, "(breaks \(step.fired.findings.map { system.properties[$0.property].id.description }.joined(separator: ", ")))")
            }
            lines.append(line)
        }
        let control = Int(system.layout.get(0, in: current.packed))
        var out = lines.isEmpty ? "enabled: nothing" + (system.model.states[control].isFinal ? " (a final state)" : "") + "\n"
            : "enabled:\n" + lines.joined(separator: "\n") + "\n"
        for u in undecided { out += "  " + style.severity(.warning, "undecided:") + " \(u)\n" }
        return out
    }

    // MARK: Moving

    func fire(_ n: Int, chosen args: [String]) -> String {
        guard n >= 1 && n <= listed.count else { return "no step \(n): \(listed.isEmpty ? "nothing is enabled" : "choose 1…\(listed.count)")\n" }
        var choice = listed[n - 1]
        if !args.isEmpty {
            var chosen: [(name: String, value: ScalarValue)] = []
            for a in args {
                guard let (name, value) = Explorer.assignment(a) else { return "'\(a)' is not VAR=VALUE\n" }
                chosen.append((name, value))
            }
            do throws(StepProblem) { choice.any = try system.anyValues(choice.instance, chosen: chosen) } catch { return "\(error.message)\n" }
        }
        let taken = system.step(choice, at: current.packed, ws: system.makeWorkspace())
        let f = taken.fired
        guard let next = taken.successor else {
            let why = f.findings.map { "\(system.properties[$0.property].id): \($0.message)" }.joined(separator: "; ")
            return "step \(n) (\(system.stepName(choice.instance))) has no successor: \(why.isEmpty ? "it is not enabled" : why)\n"
        }
        path.append(Point(packed: next, choice: choice, findings: f.findings))
        pins = []
        syncPosition()
        return show()
    }

    /// On the loaded trace while the path is a prefix of it.
    func syncPosition() {
        let k = path.count - 1
        position = k < loaded.count && (0...k).allSatisfy({ path[$0].packed == loaded[$0].packed }) ? k : nil
    }

    func move(to k: Int) -> (String, Bool) {
        guard !loaded.isEmpty else { return ("no trace loaded (explore SPEC --trace FILE)\n", true) }
        guard k >= 0 && k < loaded.count else { return ("the loaded trace has steps 0…\(loaded.count - 1)\n", true) }
        path = Array(loaded[0...k])
        position = k
        pins = []
        return (show(), true)
    }

    static func assignment(_ text: String) -> (String, ScalarValue)? {
        guard let eq = text.firstIndex(of: "="), eq != text.startIndex else { return nil }
        let name = String(text[..<eq]), raw = String(text[text.index(after: eq)...])
        guard !raw.isEmpty else { return nil }
        if raw == "true" { return (name, .bool(true)) }
        if raw == "false" { return (name, .bool(false)) }
        if let i = Int64(raw) { return (name, .int(i)) }
        var s = raw
        if s.count >= 2, let f = s.first, f == s.last, f == "'" || f == "\"" { s = String(s.dropFirst().dropLast()) }
        return (name, .string(s))
    }

    func observe(_ args: [String]) -> String {
        if args.isEmpty {
            return pins.isEmpty ? "no observation fixed\n" : "observing: " + pins.map { "\($0.name)=\($0.value)" }.joined(separator: ", ") + "\n"
        }
        if args == ["clear"] { pins = []; return show() }
        for a in args {
            guard let (name, value) = Explorer.assignment(a) else { return "'\(a)' is not NAME=VALUE\n" }
            do throws(StepProblem) { _ = try system.snapshot([(name, value)]) } catch { return "\(error.message)\n" }
            pins.removeAll { $0.name == name }
            pins.append((name, value))
        }
        return show()
    }

    // MARK: Asking

    func why(_ transition: String) -> String {
        guard system.model.transitions.contains(where: { $0.id == transition }) else {
            return "'\(transition)' is not a transition; transitions: \(transitionIDs.joined(separator: ", "))\n"
        }
        let request = StepRequest(name: transition, observations: pins)
        do throws(StepProblem) {
            let taken = try system.take(request, at: current.packed, oracle: oracle)
            if taken.successor == nil {
                return "'\(transition)' is enabled here but has no successor: \(taken.fired.findings.map(\.message).joined(separator: "; "))\n"
            }
            return "'\(transition)' is enabled here: \(system.stepName(taken.choice.instance))\(snapshotText(taken.choice))\n"
        } catch {
            return "\(error.message)\n"
        }
    }

    func check() -> String {
        let point = RunPoint(packed: current.packed, stepFindings: current.findings)
        var out = ""
        for p in system.properties.indices where system.properties[p].kind != .scenario {
            let id = system.properties[p].id.description
            switch system.check(p, at: point, oracle: oracle, maxStates: 100_000) {
            case .holds: out += "  " + style.dim("holds   ") + "  \(id)\n"
            case .violated(let m): out += "  " + style.severity(.error, "VIOLATED") + "  \(id) — \(m)\n"
            case .unknown(let m): out += "  " + style.severity(.warning, "unknown ") + "  \(id) — \(m)\n"
            }
        }
        return out
    }

    // MARK: Saving

    /// The session's path as a trace, replayed through the kernel.
    func trace() -> Trace? {
        let choices = path.dropFirst().compactMap(\.choice)
        let r = replayer.replay(TraceChoices(initial: path[0].packed, steps: Array(choices)))
        return r.error == nil ? r.trace : nil
    }

    /// The property the path shows broken: the loaded trace's when it
    /// still does, else the first one broken at the end.
    func brokenProperty() -> (Int, String)? {
        let point = RunPoint(packed: current.packed, stepFindings: current.findings)
        if let name = loadedProperty, let p = system.properties.firstIndex(where: { $0.id.description == name }),
           case .violated(let m) = system.check(p, at: point, oracle: oracle, maxStates: 100_000) {
            return (p, m)
        }
        return system.brokenProperties(at: point, oracle: oracle).first.map { ($0.property, $0.message) }
    }

    func save(_ file: String) -> String {
        guard let trace = trace() else { return "the path could not be replayed\n" }
        let broken = brokenProperty()
        let data: Data
        if file.hasSuffix(".json") {
            let id = broken.map { system.properties[$0.0].id } ?? .scenario("explore")
            data = ITFTrace(model: system.model, trace: trace, property: id, specPath: specPath, sha256: sha256).encoded()
        } else if file.hasSuffix(".yaml") || file.hasSuffix(".yml") {
            data = Data(scenarioText(trace, broken).utf8)
        } else {
            return "save FILE: name it .itf.json (ITF trace) or .yaml (scenario)\n"
        }
        if ReportWriter.sameFile(file, specPath) { return "\(file) is the playbook itself; pbcheck never overwrites it\n" }
        do {
            try ReportWriter.atomicWrite(data, to: file)
        } catch {
            return "cannot write \(file): \(error)\n"
        }
        let what = broken.map { "a counterexample to \(system.properties[$0.0].id)" } ?? "the path (it breaks nothing)"
        return "saved \(trace.length) step\(trace.length == 1 ? "" : "s") to \(file): \(what)\n"
    }

    func scenarioText(_ trace: Trace, _ broken: (Int, String)?) -> String {
        let property = broken.map { system.properties[$0.0] }
            ?? Property(id: .scenario("explore"), kind: .scenario, description: "a path explored by hand", location: nil, severity: .error, isContract: false)
        let result = PropertyResult(property: property, verdict: broken == nil ? .holds : .violated, bound: nil, trace: trace,
                                    detail: broken?.1, settledBy: .scenario)
        return ScenarioYAML.file(model: system.model, result: result, trace: trace, specPath: specPath)
    }
}
