import Foundation

/// What `pbcheck mutate` is asked to do.
public struct MutationOptions: Sendable {
    public var classes = Set(MutationClass.allCases)
    public var seed: UInt64 = 0
    /// A seeded sample of at most this many mutants (nil: every one).
    public var maxMutants: Int?
    /// Mutants checked at once.
    public var jobs = 1
    /// How each mutant (and the original) is checked, as `verify` checks.
    public var request = CheckRequest()
    /// States the original's labelled graph may have for equivalence to be
    /// decided.
    public var graphStates = 200_000
    public init() {}
}

/// The fate of one mutant (SPEC §9).
public struct MutantResult: Sendable, Codable {
    public enum Status: String, Sendable, Codable, CaseIterable {
        /// Some property is violated or some scenario fails that does not on the original.
        case killed
        /// Its check finished and noticed nothing, and its behaviour is not the original's.
        case survived
        /// Its reachable states and steps are the original's.
        case equivalent
        /// It does not load or type-check.
        case stillborn
        /// Its check could not finish (a limit, `--timeout`, an undecided
        /// step): not killed, and not shown to survive either.
        case unknown
    }
    public var index: Int
    public var mutationClass: MutationClass
    public var status: Status
    public var description: String
    public var line: Int
    /// For a killed mutant: the properties violated and the scenarios
    /// failing that are not on the original.
    public var killedBy: [PropertyID] = []
    /// Stillborn: the first error; unknown: why; survived: why equivalence
    /// was not decided, when it was not.
    public var detail: String?
    public var seconds: Double = 0
}

/// A hand-written mutation of `falsification.mutations`, beside what
/// pbcheck made of it.
public struct FalsificationResult: Sendable, Codable {
    public var id: String
    public var description: String?
    public var mutate: String
    public var expectedFailure: String?
    public var line: Int
    /// The class its text names, when it names one.
    public var mutationClass: MutationClass?
    /// The generated mutants it was matched to (indices into the full list).
    public var mutants: [Int]
    /// Why it was not run, when it was not.
    public var notInterpreted: String?
}

/// Every mutant's fate, and the scores.
public struct MutationOutcome: Sendable, Codable {
    /// Mutants of the classes asked for, before any sample.
    public var generated: Int
    public var results: [MutantResult]
    public var falsification: [FalsificationResult]
    /// What the original violates (a mutant is killed only by something else).
    public var originalViolations: [PropertyID]
    /// Why equivalence could not be decided for any mutant, when it could not.
    public var equivalenceUndecided: String?
    /// The original's reachable states, when its graph was explored.
    public var originalStates: Int?
    public var seconds: Double
    public var seed: UInt64
    public var classes: [MutationClass]

    /// killed ÷ (every mutant that is neither equivalent nor stillborn);
    /// nil when there is none.
    public static func score(_ results: [MutantResult]) -> Double? {
        let counted = results.filter { $0.status != .equivalent && $0.status != .stillborn }
        guard !counted.isEmpty else { return nil }
        return Double(counted.filter { $0.status == .killed }.count) / Double(counted.count)
    }

    public var score: Double? { MutationOutcome.score(results) }

    public func score(of c: MutationClass) -> Double? { MutationOutcome.score(results.filter { $0.mutationClass == c }) }

    public func count(_ s: MutantResult.Status, in c: MutationClass? = nil) -> Int {
        results.filter { $0.status == s && (c == nil || $0.mutationClass == c) }.count
    }
}

/// Checks a playbook's mutants like `verify` checks the playbook.
public enum MutationRunner {
    public static func run(spec: LoadedSpec, model: TypedModel, options: MutationOptions, stop: StopFlag? = nil,
                           progress: ((Int, Int) -> Void)? = nil) -> MutationOutcome {
        let started = Date()
        let check = prepare(spec: spec, model: model, options: options, started: started, stop: stop)
        let all = MutantGenerator.mutants(of: spec, classes: options.classes)
        let chosen = sample(all, max: options.maxMutants, seed: options.seed)
        var results = [MutantResult?](repeating: nil, count: chosen.count)
        let lock = NSLock()
        var next = 0, done = 0
        let threads = max(1, min(options.jobs, chosen.count, ProcessInfo.processInfo.activeProcessorCount))
        /// Takes mutants off the list until none is left.
        func work() {
            while true {
                let i: Int? = lock.withLock {
                    guard next < chosen.count else { return nil }
                    next += 1
                    return next - 1
                }
                guard let i else { return }
                let r = check.run(chosen[i])
                let finished: Int = lock.withLock {
                    results[i] = r
                    done += 1
                    return done
                }
                progress?(finished, chosen.count)
            }
        }
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            Z3Context.reusing(queryTimeoutMilliseconds: check.request.common.queryTimeoutMilliseconds, work)
        }
        return MutationOutcome(generated: all.count, results: results.compactMap { $0 },
                               falsification: interpret(spec.falsification, all, spec),
                               originalViolations: check.known.sorted { $0.description < $1.description },
                               equivalenceUndecided: check.equivalenceUndecided, originalStates: check.graph?.states.count,
                               seconds: Date().timeIntervalSince(started), seed: options.seed,
                               classes: options.classes.sorted())
    }

    /// The original checked (what it violates) and its graph explored: what
    /// every mutant's check compares with.
    static func prepare(spec: LoadedSpec, model: TypedModel, options: MutationOptions, started: Date = Date(),
                        stop: StopFlag? = nil) -> MutantCheck {
        var request = options.request
        request.obligations = false
        request.explainCoverage = false
        request.common.jobs = 1
        request.common.stopOnFirst = false
        request.common.clockStart = started
        let budget = Budget(timeout: request.common.timeout, stop: stop, from: started)
        let system = TransitionSystem(model: model, deadlock: request.common.deadlock, progress: request.common.progress, budget: budget)
        let original = Verifier.run(system: system, request: request, stop: stop)
        let known = Set(original.properties.filter { $0.verdict == .violated }.map(\.property.id))
        var graph: LabelledGraph?
        var undecided: String?
        switch LabelledGraph.explore(system, maxStates: options.graphStates, budget: budget,
                                     queryTimeoutMilliseconds: request.common.queryTimeoutMilliseconds) {
        case .complete(let g): graph = g
        case .undecided(let why): undecided = "the original's reachable graph could not be explored: \(why)"
        case .differs: undecided = "internal: the original differs from itself"
        }
        return MutantCheck(spec: spec, original: model, graph: graph, equivalenceUndecided: undecided, known: known,
                           request: request, graphStates: options.graphStates, budget: budget, stop: stop)
    }

    /// At most `max` of `mutants`, drawn with `seed` and kept in list order:
    /// the same seed draws the same sample.
    static func sample(_ mutants: [Mutant], max: Int?, seed: UInt64) -> [Mutant] {
        guard let m = max, m < mutants.count else { return mutants }
        var order = Array(mutants.indices)
        var random = WalkRandom(seed: seed, run: 0x6D75_7461_7465)
        for i in stride(from: order.count - 1, to: 0, by: -1) {
            order.swapAt(i, Int(random.next() % UInt64(i + 1)))
        }
        return order.prefix(m).sorted().map { mutants[$0] }
    }

    // MARK: Hand-written mutations

    /// Words that name each class in a `mutate:` text, beside `M1`…`M8`.
    static let classWords: [(MutationClass, [String])] = [
        (.m1, ["remove state", "delete state", "drop state", "state removal", "state deletion"]),
        (.m2, ["remove transition", "delete transition", "drop transition", "transition removal", "transition deletion"]),
        (.m3, ["swap event", "swap the event", "event swap", "exchange event"]),
        (.m4, ["retarget", "change target", "target swap", "swap target", "redirect"]),
        (.m5, ["negate guard", "negate the guard", "invert guard", "invert the guard", "guard negation"]),
        (.m6, ["drop conjunct", "remove conjunct", "delete conjunct", "drop a conjunct", "remove a conjunct"]),
        (.m7, ["drop effect", "remove effect", "delete effect", "drop an effect", "remove an effect"]),
        (.m8, ["shift constant", "off by one", "off-by-one", "boundary", "change comparison", "flip comparison"]),
    ]

    /// Each hand-written mutation matched to the generated mutants of the
    /// class its text names and the states and transitions it names.
    static func interpret(_ entries: [FalsificationEntry], _ mutants: [Mutant], _ spec: LoadedSpec) -> [FalsificationResult] {
        let names = Set(spec.states.map(\.id.value) + spec.transitions.map(\.id.value))
        return entries.map { e in
            var r = FalsificationResult(id: e.id, description: e.description, mutate: e.mutate, expectedFailure: e.expectedFailure,
                                        line: e.loc.line, mutationClass: nil, mutants: [], notInterpreted: nil)
            let text = e.mutate.lowercased()
            let tokens = e.mutate.split { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".") }.map(String.init)
            let byCode = MutationClass.allCases.filter { c in tokens.contains { $0.uppercased() == c.rawValue } }
            let byWords = classWords.filter { _, words in words.contains { text.contains($0) } }.map(\.0)
            let classes = Array(Set(byCode + byWords)).sorted()
            guard classes.count == 1, let c = classes.first else {
                r.notInterpreted = classes.isEmpty ? "its text names none of the classes M1–M8"
                    : "its text names several classes (\(classes.map(\.rawValue).joined(separator: ", ")))"
                return r
            }
            r.mutationClass = c
            let named = Set(tokens.filter { names.contains($0) })
            guard !named.isEmpty else {
                r.notInterpreted = "it names class \(c.rawValue) but no state or transition of this playbook"
                return r
            }
            r.mutants = mutants.filter { $0.mutationClass == c && named.isSubset(of: Set($0.subjects)) }.map(\.index)
            if r.mutants.isEmpty {
                r.notInterpreted = "no \(c.rawValue) mutant changes \(MutantGenerator.quoted(named.sorted()))"
            }
            return r
        }
    }
}

/// One mutant's check: built, compared with the original's graph, then
/// checked like `verify` until its first new violation.
struct MutantCheck: Sendable {
    let spec: LoadedSpec
    let original: TypedModel
    let graph: LabelledGraph?
    let equivalenceUndecided: String?
    let known: Set<PropertyID>
    let request: CheckRequest
    let graphStates: Int
    let budget: Budget
    let stop: StopFlag?

    func run(_ mutant: Mutant) -> MutantResult {
        let started = Date()
        var r = check(mutant)
        r.seconds = Date().timeIntervalSince(started)
        return r
    }

    /// Whether some step of transition `id` reads observations (its guard,
    /// effects or the contracts it must establish).
    func readsObservations(_ system: TransitionSystem, transition id: String) -> Bool {
        system.instances.contains { system.model.transitions[$0.transition].id == id && $0.needsSolver }
    }

    enum Equivalence: Equatable {
        case same, differs
        case undecided(String)
    }

    /// Whether the mutant's labelled reachable graph is the original's.
    func equivalence(_ mutant: Mutant, _ system: TransitionSystem) -> Equivalence {
        if let why = equivalenceUndecided { return .undecided(why) }
        if let t = mutant.expressionOf, readsObservations(system, transition: t) {
            return .undecided("the step of '\(t)' reads observations, and which of their values enable it is not in the graph")
        }
        guard let reference = graph, system.stoppedWhileBuilding == nil else { return .undecided("the mutant was not built in time") }
        switch LabelledGraph.explore(system, reference: reference, in: NameMap(system: system, to: original), maxStates: graphStates,
                                     budget: budget, queryTimeoutMilliseconds: request.common.queryTimeoutMilliseconds) {
        case .complete(let g) where reference.sameAs(g): return .same
        case .complete, .differs: return .differs
        case .undecided(let reason): return .undecided(reason)
        }
    }

    /// The mutant built and compiled, or the first error that stops it.
    func build(_ mutant: Mutant) -> Result<TransitionSystem, Diagnostic> {
        let built = ModelBuilder.build(mutant.mutated(spec))
        guard let model = built.model else {
            return .failure(built.diagnostics.sorted.first { $0.severity == .error }
                ?? Diagnostic(.error, .internalError, "it does not build", at: nil, related: []))
        }
        return .success(TransitionSystem(model: model, deadlock: request.common.deadlock, progress: request.common.progress, budget: budget))
    }

    private func check(_ mutant: Mutant) -> MutantResult {
        var r = MutantResult(index: mutant.index, mutationClass: mutant.mutationClass, status: .unknown,
                             description: mutant.description, line: mutant.line)
        if let reason = budget.exhausted {
            r.detail = "not checked: \(reason)"
            return r
        }
        let system: TransitionSystem
        switch build(mutant) {
        case .success(let s): system = s
        case .failure(let d):
            r.status = .stillborn
            r.detail = (d.location.map { "line \($0.line): " } ?? "") + d.message
            return r
        }
        // The check first: most mutants are killed early, and an
        // equivalent one cannot be (its verdicts are the original's).
        var mutantRequest = request
        mutantRequest.common.knownViolations = known
        let outcome = Verifier.run(system: system, request: mutantRequest, stop: stop)
        let new = outcome.properties.filter { $0.verdict == .violated && !known.contains($0.property.id) }.map(\.property.id)
        if !new.isEmpty {
            r.status = .killed
            r.killedBy = new
            return r
        }
        var why: String?
        switch equivalence(mutant, system) {
        case .same:
            r.status = .equivalent
            return r
        case .differs: break
        case .undecided(let reason): why = "equivalence not decided: \(reason)"
        }
        if let u = outcome.properties.first(where: { $0.verdict == .unknown }) {
            r.detail = "'\(u.property.id)' is unknown: \(u.detail ?? "undecided")"
            return r
        }
        if let b = outcome.properties.first(where: { $0.verdict == .bounded }) {
            why = [why, "'\(b.property.id)' only bounded: \(b.detail ?? "no violation within the bound")"].compactMap { $0 }.joined(separator: "; ")
        }
        r.status = .survived
        r.detail = why
        return r
    }
}
