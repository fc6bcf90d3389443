import Foundation
import Testing
@testable import PBCheckCore

/// Small random machines with observations (SPEC §2, §3, §3.1): a declared
/// int observation `load` in 0...3, a declared bool `ok`, and an
/// undeclared string observation `reason()` (sometimes a second one,
/// `tag()`, compared with it) met only through `==`, `!=`,
/// `in`, `contains` (both ways), comparison with `state` and with the enum
/// `mode`, and the assignment `mode := reason()` (which can leave the
/// enum: a range violation). State ids are `a`, `ab`, `b`, `ba`, so
/// `state contains 'a'` and `reason() != state` are interesting; `ab` may
/// have the parent `a`, `ba` the parent `b`, `b` the parent `a`. Contracts
/// (invariants mentioning observations), invariants that fail to evaluate,
/// the empty set `E` (`x in E`, `max(i in E: i)`), forbidden entries with
/// every endpoint form (a state, a superstate, a list, `*`), transitions
/// from a list, `*` or a superstate, and several effects per step that can
/// fail together (out of range and division by zero at once). Also an
/// undeclared bool `busy()`, `init: any` and `x := any`, definitions that
/// read observations (so contracts through a definition), and transitions
/// with a parameter `k` over `N = 0..2`.
struct ObservedMachine {
    var seed: UInt64
    init(seed: UInt64) {
        // Mixed, so seed n is not RandomMachine's seed n.
        self.seed = seed &* 0x9E37_79B9_7F4A_7C15 &+ 0xD1B5_4A32_D192_ED03
    }

    mutating func next(_ n: Int) -> Int {
        seed = seed &* 6364136223846793005 &+ 1442695040888963407
        return Int((seed >> 33) % UInt64(n))
    }
    mutating func pick<T>(_ xs: [T]) -> T { xs[next(xs.count)] }
    mutating func chance(_ percent: Int) -> Bool { next(100) < percent }

    /// Every string literal, state id, enum value and set element the
    /// generator writes is one of these.
    static let literals = ["a", "b", "ab", "ba"]
    static let stateIDs = ["a", "ab", "b", "ba"]

    /// The universe the naive checker gives `reason()`: every string of
    /// length ≤ 3 over {a, b, c} (1 + 3 + 9 + 27 = 40 strings). It is exact
    /// for these machines, independently of pbcheck's OpenStringUniverse:
    /// a string u reaches a machine only through `u == l` / `u != l` /
    /// `u in S` / `u == state` / `u == mode` / `mode := u` (equality with
    /// some l in L = {a, b, ab, ba}), `u contains l` and `l contains u`
    /// (l in L). So u matters only through (1) which l it equals, (2) which
    /// l it contains, (3) which l contain it. If u is a substring of some l
    /// (u in {"", a, b, ab, ba}) it is itself in the universe. Otherwise u
    /// equals no l and no l contains it, and only (2) is left: the set P of
    /// L-strings u contains, which is closed downwards (ab or ba in P puts
    /// a and b in P). Each of the 7 possible P has a representative of
    /// length ≤ 3 that is not a substring of any l: {} "c", {a} "ac",
    /// {b} "bc", {a, b} "acb", {a, b, ab} "abb", {a, b, ba} "baa",
    /// {a, b, ab, ba} "aba". So every string gives the truth values of one
    /// string of the universe, and the universe holds only strings.
    ///
    /// A second undeclared string `tag()` is met through the same
    /// predicates and `tag() == reason()` (never `contains` between the
    /// two, which pbcheck itself only approximates). Pairs of the universe
    /// are exact too: map a pair (u, v) to (u', v') as above, choosing
    /// v' = u' when v = u and v' ≠ u' otherwise; that is possible because
    /// a string that is a substring of some l is its own representative
    /// (so u ≠ v keeps them apart) and every other profile has at least two
    /// strings in the universe ({} "c" "cc", {a} "ac" "ca", {b} "bc" "cb",
    /// {a, b} "acb" "bca", {a, b, ab} "abb" "abc", {a, b, ba} "baa" "bac",
    /// all four "aba" "bab").
    static let strings: [String] = {
        var out = [""]
        var level = [""]
        for _ in 1...3 {
            level = level.flatMap { p in ["a", "b", "c"].map { p + $0 } }
            out += level
        }
        return out
    }()

    static let guards = [
        "true",
        "reason() == 'a'",
        "reason() contains 'b'",
        "reason() in S",
        "reason() != state",
        "state contains 'a'",
        "'ab' contains reason()",
        "!(reason() contains 'a')",
        "reason() == 'ab' && load > 1",
        "reason() contains 'a' && reason() contains 'b' && reason() != 'ab'",
        "reason() == 'a' && reason() contains 'b'",
        "reason() == mode",
        "reason() == state && ok",
        "count(s in S: reason() contains s) == 1",
        "load > x",
        "load == 0 || ok",
        "!ok",
        "flag != ok",
        "x < 3",
        "x in E",
        "x in N && load < 3",
        "mode == 'b'",
        "state == 'ba' || x == 0",
        "in_state('a')",
        "load / x > 0",
        "load > 2 && max(i in E: i) > 0",
        "any(i in E: i > x) || load != 1",
        "x % load == 1",
        "3 / load >= 1",
        "busy() || load > 2",
        "!busy() && reason() != 'ba'",
        "reason() contains state",
        "state contains reason() && reason() != state",
        "mode contains reason() || x > 2",
        "hot() || said('ab')",
        "near(1) && !said('a')",
        // A second undeclared string observation, compared with the first.
        "reason() == tag() && tag() != 'a'",
        "tag() contains 'ab' && reason() != tag()",
    ]
    /// Guards that fail to evaluate for some snapshots and hold for others,
    /// with effects that fail to evaluate where they hold: steps that are
    /// enabled, fire, and have no successor (SPEC §3.1), which the engines
    /// must tell apart from a guard that cannot be evaluated.
    static let partialGuards = ["x % load == 1", "3 / load >= 1", "load / x > 0 || ok"]
    static let failingEffects = ["x := max(i in E: i)", "x := x / (load - 1)", "x := 3 / (x - x)"]
    /// For transitions with `params: { k: N }`.
    static let paramGuards = ["x + k <= load", "k != x && reason() in S", "near(k)", "k == 0 || ok"]
    static let paramEffects = ["x := k", "x := k + 2", "x := load / k"]
    static let xEffects = [
        "x := x + 1", "x := x - 1", "x := load", "x := x + load", "x := 3 - x", "x := x / load",
        "x := load * 2", "x := max(i in E: i)", "x := (x + load) % 4", "x := any", "x := min(load, 2)",
    ]
    static let modeEffects = ["mode := reason()", "mode := reason()", "mode := 'b'", "mode := 'a'", "mode := (ok ? 'a' : 'b')"]
    static let flagEffects = ["flag := ok", "flag := !flag", "flag := reason() contains 'a'", "flag := load > 1", "flag := reason() == state"]
    /// Invariants that mention observations: contracts.
    static let contracts = [
        "load < 3", "reason() != 'b'", "!(reason() contains 'ab')", "ok || x > 0", "x / load >= 0",
        "reason() in S || load == 0", "reason() != state", "'ba' contains reason() || ok", "load >= x",
        // False for some snapshots and undefined for others: both break.
        "x / load >= 1", "reason() == 'b' || 3 / load > 1",
        "reason() == mode || load == 0", "state contains reason() || !ok",
        // Contracts through a definition only.
        "!hot() || x < 2", "!said('ba')",
    ]
    /// Invariants that mention no observation.
    static let invariants = [
        "x < 3", "mode != 'b'", "flag => x > 0", "state contains 'a' || x > 0", "x in E",
        "max(i in E: i) > 0", "x / (x - 1) >= 0", "!(x == 2 && flag)", "in_state('b') => x != 1",
    ]

    mutating func yaml() -> String {
        let states = ObservedMachine.stateIDs
        var parent: [String: String] = [:]
        if chance(40) { parent["ab"] = "a" }
        if chance(40) { parent["ba"] = "b" }
        if chance(20) { parent["b"] = "a" }
        let superstates = Array(Set(parent.values)).sorted()

        // An endpoint: a state, a superstate, a list, or `*`.
        func endpoint(_ g: inout ObservedMachine, star: Bool) -> String {
            let r = g.next(100)
            if r < 40 { return g.pick(states) }
            if r < 60, !superstates.isEmpty { return g.pick(superstates) }
            if r < 85 || !star {
                var a = g.pick(states), b = g.pick(states)
                while b == a { b = g.pick(states) }
                if a > b { swap(&a, &b) }
                return "[\(a), \(b)]"
            }
            return "\"*\""
        }

        var modeValues = ["a", "b"]
        if chance(50) { modeValues.append("ab") }
        var sValues = ObservedMachine.literals.filter { _ in chance(50) }
        if sValues.isEmpty { sValues = [pick(ObservedMachine.literals)] }

        var s = ""
        for st in states {
            var lines: [String] = []
            if let p = parent[st] { lines.append("parent: \(p)") }
            if st != "a" && chance(25) { lines.append("final_state: true") }
            var invs: [String] = []
            if chance(40) { invs.append(pick(ObservedMachine.invariants)) }
            if chance(45) { invs.append(pick(ObservedMachine.contracts)) }
            if !invs.isEmpty {
                lines.append("invariants: [" + invs.map { "{ condition: \"\($0)\" }" }.joined(separator: ", ") + "]")
            }
            s += lines.isEmpty ? "    \(st): {}\n" : "    \(st):\n" + lines.map { "      \($0)\n" }.joined()
        }

        var t = ""
        for i in 0..<(3 + next(4)) {
            let from: String
            switch next(100) {
            case ..<50: from = pick(states)
            case ..<65: from = superstates.isEmpty ? pick(states) : pick(superstates)
            case ..<85: from = endpoint(&self, star: false)
            default: from = "\"*\""
            }
            let to = pick(states)
            var fields = ["id: t\(i)", "from: \(from)", "to: \(to)", "event: e\(next(3))"]
            let parameterised = chance(15)
            if parameterised { fields.append("params: { k: N }") }
            if parameterised && chance(70) {
                fields.append("guard: \"\(pick(ObservedMachine.paramGuards))\"")
            } else if chance(85) {
                fields.append("guard: \"\(pick(ObservedMachine.guards))\"")
            }
            var effects: [String] = []
            if !parameterised && chance(8) {
                fields.removeAll { $0.hasPrefix("guard:") }
                fields.append("guard: \"\(pick(ObservedMachine.partialGuards))\"")
                effects.append(pick(ObservedMachine.failingEffects))
            } else if parameterised && chance(60) {
                effects.append(pick(ObservedMachine.paramEffects))
            } else if chance(55) {
                effects.append(pick(ObservedMachine.xEffects))
            }
            if chance(35) { effects.append(pick(ObservedMachine.modeEffects)) }
            if chance(30) { effects.append(pick(ObservedMachine.flagEffects)) }
            if !effects.isEmpty { fields.append("effects: [" + effects.map { "\"\($0)\"" }.joined(separator: ", ") + "]") }
            t += "    - { " + fields.joined(separator: ", ") + " }\n"
        }

        var f = ""
        var seenForbidden = Set<String>()
        for _ in 0..<(1 + next(2)) {
            let a = endpoint(&self, star: true), b = endpoint(&self, star: true)
            guard seenForbidden.insert("\(a)->\(b)").inserted else { continue }
            f += "    - { from: \(a), to: \(b) }\n"
        }

        var global = ""
        if chance(50) {
            global = "  invariants: [{ condition: \"\(chance(50) ? pick(ObservedMachine.contracts) : pick(ObservedMachine.invariants))\" }]\n"
        }
        let xInit = chance(15) ? "any" : "\(next(2))"
        let modeInit = chance(15) ? "any" : "a"
        return """
        version: "1.0"
        machine:
          id: obs
          initial: a
          sets:
            S: [\(sValues.joined(separator: ", "))]
            E: []
            N: "0..2"
          observations:
            load: { type: int, range: [0, 3] }
            ok: { type: bool }
          definitions:
            hot: "load > 2"
            "near(n)": "x + n <= load"
            "said(s)": "reason() == s"
          variables:
            x: { type: int, range: [0, 3], init: \(xInit) }
            mode: { type: enum, values: [\(modeValues.joined(separator: ", "))], init: \(modeInit) }
            flag: { type: bool, init: false }
        \(global)  states:
        \(s)  transitions:
        \(t)  forbidden:
        \(f)
        """
    }
}

/// CPU seconds of the calling thread (the machine may be busy with other
/// work: wall time says little).
func cpu() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

/// The engines against the naive checker (`BruteForce`) on `ObservedMachine`s:
///
/// * explicit vs naive: reachable state count, every violated property
///   with its shortest length (exact equality), reachable control states
///   and fired transitions (coverage);
/// * symbolic vs explicit: `SymbolicTests.compare` (verdicts and lengths);
/// * walks vs naive: every violation a walk reports is a real one, never
///   shorter than the shortest; walks never claim `holds`; what they cover
///   is reachable.
///
/// Known engine bugs found this way are listed in `knownIssues` with the
/// finding that explains them; their disagreements are recorded as known
/// issues (the comparison itself is not weakened), everything else fails.
@Suite struct DifferentialTests {
    static let seeds = range("DIFF_SEEDS", 1...200)
    /// Symbolic vs explicit on the first of these seeds (Z3 is the slow part).
    static let symbolicSeeds = range("DIFF_SYMBOLIC_SEEDS", 1...60)
    /// Walks vs naive.
    static let walkSeeds = range("DIFF_WALK_SEEDS", 1...100)

    /// `VAR=lo-hi` widens a range by hand (bug hunting, e.g.
    /// `DIFF_SEEDS=1-1000 swift test --filter DifferentialTests`); the suite
    /// uses the defaults, chosen to stay well under a minute of debug-build
    /// time on two cores.
    static func range(_ variable: String, _ fallback: ClosedRange<Int>) -> ClosedRange<Int> {
        guard let r = ProcessInfo.processInfo.environment[variable]?.split(separator: "-").compactMap({ Int($0) }),
              r.count == 2, r[0] <= r[1] else { return fallback }
        return r[0]...r[1]
    }

    struct Case {
        var seed: Int
        var text: String
        var model: TypedModel
    }

    static let machines: [Case] = seeds.compactMap { seed in
        var g = ObservedMachine(seed: UInt64(seed))
        let text = g.yaml()
        guard let model = Pipeline.validate(text: text, path: "observed-\(seed).yaml").model else { return nil }
        return Case(seed: seed, text: text, model: model)
    }

    /// The naive checker's answers, computed once for every test that needs them.
    static let naive: [Int: BruteForce.Result] = {
        var out: [Int: BruteForce.Result] = [:]
        let t0 = cpu()
        for c in machines { out[c.seed] = BruteForce.run(c.model, strings: ObservedMachine.strings) }
        print("naive checker: \(machines.count) machines in \(String(format: "%.1f", cpu() - t0)) s CPU")
        return out
    }()

    /// Engine bugs the comparison finds, by seed: the finding (a minimized
    /// playbook with expected vs actual) and which disagreements it
    /// explains. Remove an entry when the bug is fixed: `withKnownIssue`
    /// then fails, saying the issue was not recorded. Empty now: the one
    /// bug found, `enabledFailingStepNotFired` (at commit d9500ce seeds 26,
    /// 63, 75, 78, 84, 111, 113, 137, 168, 187, 189, 190 and 193 show it:
    /// transitions missing from the explicit engine's coverage, and on 168
    /// and 189 a false deadlock at length 0), is fixed in SnapshotOracle;
    /// `anEnabledStepWhoseEffectsFailHasFired` keeps its reproducer.
    static let enabledFailingStepNotFired =
        "/tmp/pbcheck-diff-findings/explicit-enabled-step-with-failing-effects-not-fired.yaml"
    static let knownIssues: [Int: (finding: String, explains: @Sendable (String) -> Bool)] = [:]

    /// Reports disagreements of one seed: the ones a known issue explains
    /// as known issues, the others as failures.
    static func report(_ seed: Int, _ problems: [String], _ text: String, _ what: String) {
        guard !problems.isEmpty || knownIssues[seed] != nil else { return }
        var unexplained = problems
        if let known = knownIssues[seed] {
            let explained = problems.filter(known.explains)
            unexplained = problems.filter { !known.explains($0) }
            withKnownIssue("\(what) seed \(seed): \(known.finding)") {
                #expect(explained.isEmpty, Comment(rawValue: "seed \(seed): " + explained.joined(separator: "; ")))
            }
        }
        #expect(unexplained.isEmpty, Comment(rawValue: "\(what) seed \(seed):\n  " + unexplained.joined(separator: "\n  ") + "\n" + text))
    }

    /// The explicit engine's violated properties (all but determinism,
    /// which the naive checker does not decide) and their lengths.
    static func violated(_ o: CheckOutcome) -> [String: Int] {
        var out: [String: Int] = [:]
        for r in o.properties where r.verdict == .violated && r.property.kind != .determinism && r.property.kind != .scenario {
            out[r.property.id.description] = r.trace?.length ?? -1
        }
        return out
    }

    static func explicitRun(_ model: TypedModel, jobs: Int = 1) -> CheckOutcome {
        var o = ExplicitOptions()
        o.jobs = jobs
        o.parallelThreshold = 1
        return ExplicitSearch(system: TransitionSystem(model: model), options: o).run()
    }

    /// Every disagreement between an explicit outcome and the naive answer.
    static func problems(_ outcome: CheckOutcome, _ naive: BruteForce.Result) -> (problems: [String], compared: Int, agreed: Int) {
        var problems: [String] = []
        guard outcome.complete else { return (["explicit search incomplete: \(outcome.stopReason.map { "\($0)" } ?? "?")"], 0, 0) }
        var compared = 0, agreed = 0
        let ours = violated(outcome)
        let listed = Set(outcome.properties.map(\.property.id.description))
        for r in outcome.properties where r.property.kind != .determinism && r.property.kind != .scenario {
            compared += 1
            if ours[r.property.id.description] == naive.violated[r.property.id.description] { agreed += 1 }
        }
        for id in naive.violated.keys.sorted() where !listed.contains(id) {
            compared += 1
            problems.append("\(id): violated (\(naive.violated[id]!)) but not a property of the engine")
        }
        for id in Set(ours.keys).union(naive.violated.keys).sorted() where listed.contains(id) && ours[id] != naive.violated[id] {
            problems.append("\(id): engine \(ours[id].map { "violated at \($0)" } ?? "holds"), naive \(naive.violated[id].map { "violated at \($0)" } ?? "holds")")
        }
        if outcome.stats.states != naive.states { problems.append("states: engine \(outcome.stats.states), naive \(naive.states)") }
        if Set(outcome.coverage.reachableStates) != naive.reachable {
            problems.append("reachable: engine \(outcome.coverage.reachableStates.sorted()), naive \(naive.reachable.sorted())")
        }
        if Set(outcome.coverage.firedTransitions) != naive.fired {
            problems.append("fired: engine \(outcome.coverage.firedTransitions.sorted()), naive \(naive.fired.sorted())")
        }
        return (problems, compared, agreed)
    }

    /// What a property is, for the figures: contract, invariant, forbidden,
    /// range:x, range:mode, eval-error, deadlock.
    static func kind(_ id: String, _ model: TypedModel) -> String {
        let parts = id.split(separator: ":").map(String.init)
        var inv: Invariant?
        if parts[0] == "invariant", parts.count == 3, let s = model.states.first(where: { $0.id == parts[1] }), let i = Int(parts[2]) {
            inv = s.invariants[i]
        } else if parts[0] == "global", parts.count == 2, let i = Int(parts[1]) {
            inv = model.globalInvariants[i]
        }
        if let inv { return inv.isContract ? "contract" : "invariant" }
        return parts[0] == "range" ? id : parts[0]
    }

    @Test func generatedMachinesLoad() {
        let loaded = Set(DifferentialTests.machines.map(\.seed))
        for seed in DifferentialTests.seeds where !loaded.contains(seed) {
            var g = ObservedMachine(seed: UInt64(seed))
            let text = g.yaml()
            let v = Pipeline.validate(text: text, path: "observed-\(seed).yaml")
            Issue.record("seed \(seed) does not load: \(v.diagnostics.map(\.message))\n\(text)")
        }
        #expect(ObservedMachine.strings.count == 40 && Set(ObservedMachine.strings).count == 40)
        // The undeclared string observations are open strings.
        for c in DifferentialTests.machines {
            if let o = c.model.observations.first(where: { $0.name == "tag" }) {
                #expect(o.origin == .inferred)
                if case .enumeration(let e) = o.domain { #expect(c.model.enums[e].isOpen) } else { Issue.record("seed \(c.seed): tag is \(o.domain)") }
            }
            guard let o = c.model.observations.first(where: { $0.name == "reason" }) else { continue }
            #expect(o.origin == .inferred)
            // Unless it is only in the definition `said(s)` and nothing calls it.
            if case .enumeration(let e) = o.domain { #expect(c.model.enums[e].isOpen) } else {
                let uses = c.text.components(separatedBy: "\n").filter { $0.contains("reason()") || $0.contains("said(") }
                #expect(uses == ["    \"said(s)\": \"reason() == s\""], "seed \(c.seed): reason is \(o.domain)")
            }
        }
    }

    @Test func explicitEngineAgreesWithNaiveChecker() throws {
        let naive = DifferentialTests.naive
        var machines = 0, compared = 0, agreed = 0, states = 0, tried = 0, violations = 0
        var multi = 0, rangeAndEval = 0, contractSteps = 0, contractFailures = 0
        var kinds: [String: Int] = [:]
        var disagreeing: [Int] = []
        var engineSeconds = 0.0
        for c in DifferentialTests.machines {
            let n = try #require(naive[c.seed])
            let t0 = cpu()
            let outcome = DifferentialTests.explicitRun(c.model)
            engineSeconds += cpu() - t0
            machines += 1
            states += n.states
            tried += n.snapshotsTried
            violations += n.violated.count
            multi += n.multiFailureSteps
            rangeAndEval += n.rangeAndEvalSteps
            contractSteps += n.contractSteps
            contractFailures += n.contractFailures
            for id in n.violated.keys { kinds[DifferentialTests.kind(id, c.model), default: 0] += 1 }
            var (problems, comp, agr) = DifferentialTests.problems(outcome, n)
            compared += comp
            agreed += agr
            // Parallel levels must give the same answers (every 5th machine).
            if c.seed % 5 == 0 {
                let par = DifferentialTests.explicitRun(c.model, jobs: 2)
                problems += DifferentialTests.problems(par, n).problems.map { "jobs 2: " + $0 }
            }
            if !problems.isEmpty { disagreeing.append(c.seed) }
            DifferentialTests.report(c.seed, problems, c.text, "explicit vs naive")
        }
        print("""
            explicit vs naive: \(machines) machines, \(compared) properties compared, \(agreed) agree; \
            \(violations) violations (\(kinds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))); \
            \(states) states, \(tried) steps×snapshots tried, \(multi) steps with several failing effects \
            (\(rangeAndEval) with a range and an evaluation failure at once), \(contractFailures) contract failures in \
            \(contractSteps) contract checks; engine \(String(format: "%.1f", engineSeconds)) s CPU; \
            disagreeing seeds: \(disagreeing)
            """)
        #expect(machines == DifferentialTests.seeds.count)
        #expect(multi > 0 && rangeAndEval > 0 && contractFailures > 0)
        let unknown = disagreeing.filter { DifferentialTests.knownIssues[$0] == nil }
        #expect(unknown.isEmpty, "disagreements outside the known issues: \(unknown)")
        if DifferentialTests.knownIssues.isEmpty { #expect(agreed == compared) }
    }

    @Test func symbolicAgreesWithExplicitOnObservedMachines() throws {
        var machines = 0, compared = 0, proven = 0
        var bad: [(Int, [String])] = []
        let t0 = cpu()
        for c in DifferentialTests.machines where DifferentialTests.symbolicSeeds.contains(c.seed) {
            let r = SymbolicTests.compare(c.model, label: "seed \(c.seed)")
            guard r.compared else { continue }
            machines += 1
            compared += TransitionSystem(model: c.model).properties.count
            proven += r.proven
            if !r.disagreements.isEmpty { bad.append((c.seed, r.disagreements)) }
            DifferentialTests.report(c.seed, r.disagreements, c.text, "symbolic vs explicit")
        }
        print("symbolic vs explicit: \(machines) machines, \(compared) properties compared, \(compared - bad.map(\.1.count).reduce(0, +)) agree, \(proven) proven; \(String(format: "%.1f", cpu() - t0)) s CPU; disagreeing seeds: \(bad.map(\.0))")
        #expect(machines == DifferentialTests.symbolicSeeds.filter(DifferentialTests.seeds.contains).count)
    }

    @Test func walksAgreeWithNaiveChecker() throws {
        let naive = DifferentialTests.naive
        var machines = 0, found = 0, exact = 0, missed = 0, bounded = 0, sound = 0
        var disagreeing: [Int] = []
        let t0 = cpu()
        for c in DifferentialTests.machines where DifferentialTests.walkSeeds.contains(c.seed) {
            let n = try #require(naive[c.seed])
            machines += 1
            let outcome = walk(c.model, seed: UInt64(c.seed), runs: 60, depth: 20)
            var problems: [String] = []
            for r in outcome.properties where r.property.kind != .determinism && r.property.kind != .scenario {
                switch r.verdict {
                case .violated:
                    found += 1
                    guard let shortest = n.violated[r.property.id.description] else {
                        problems.append("\(r.property.id): walk violated (\(r.trace?.length ?? -1)), naive holds")
                        continue
                    }
                    let length = r.trace?.length ?? -1
                    if length < shortest { problems.append("\(r.property.id): walk \(length) < shortest \(shortest)") } else { sound += 1 }
                    if length == shortest { exact += 1 }
                case .bounded:
                    bounded += 1
                    if n.violated[r.property.id.description] != nil { missed += 1 }
                case .unknown where r.property.kind == .progress:
                    // Samples cannot show a final state stays reachable.
                    break
                default:
                    problems.append("\(r.property.id): walk says \(r.verdict)")
                }
            }
            if !Set(outcome.coverage.reachableStates).isSubset(of: n.reachable) {
                problems.append("walk reached \(outcome.coverage.reachableStates.sorted()), naive \(n.reachable.sorted())")
            }
            if !Set(outcome.coverage.firedTransitions).isSubset(of: n.fired) {
                problems.append("walk fired \(outcome.coverage.firedTransitions.sorted()), naive \(n.fired.sorted())")
            }
            if !problems.isEmpty { disagreeing.append(c.seed) }
            DifferentialTests.report(c.seed, problems, c.text, "walks vs naive")
        }
        print("walks vs naive: \(machines) machines, \(found) violations reported, \(sound) real and not shorter than the shortest (\(exact) exactly as short), \(bounded) bounded (\(missed) of them violated), no holds; \(String(format: "%.1f", cpu() - t0)) s CPU; disagreeing seeds: \(disagreeing)")
        #expect(machines == DifferentialTests.walkSeeds.filter(DifferentialTests.seeds.contains).count)
        #expect(found > 250)
        #expect(sound == found)
        #expect(missed * 10 < found + missed, "walks missed \(missed) of \(found + missed) violations")
    }

    /// The minimized finding, as a regression test: an enabled step whose
    /// effects fail has fired (SPEC §3.1), so it is no deadlock, whatever
    /// snapshot Z3 hands back for its evaluation error.
    @Test func anEnabledStepWhoseEffectsFailHasFired() throws {
        let model = try load("""
            version: "1.0"
            machine:
              id: m
              initial: a
              sets:
                E: []
              observations:
                load: { type: int, range: [0, 3] }
              variables:
                x: { type: int, range: [0, 3], init: 1 }
              states:
                a: {}
                b: { final_state: true }
              transitions:
                - { id: t, from: a, to: b, event: e, guard: "x % load == 1", effects: ["x := max(i in E: i)"] }
            """)
        let n = BruteForce.run(model)
        // `b` is final but the only step into it fails: `a` cannot reach it.
        #expect(n.violated == ["eval-error": 1, "progress": 0])
        #expect(n.fired == ["t"])
        // Before the fix: deadlock violated at 0 and `t` never fired
        // (\(DifferentialTests.enabledFailingStepNotFired)).
        let problems = DifferentialTests.problems(DifferentialTests.explicitRun(model), n).problems
        #expect(problems.isEmpty, Comment(rawValue: problems.joined(separator: "; ")))
        let (bad, _, _) = SymbolicTests.compare(model, label: "finding")
        #expect(bad.isEmpty, Comment(rawValue: bad.joined(separator: "; ")))
        let w = walk(model, seed: 1, runs: 20, depth: 5)
        #expect(w.properties.first { $0.property.id == "deadlock" }?.verdict == .bounded)
        #expect(w.coverage.firedTransitions == ["t"])
    }
}
