/// Builds a `TypedModel` from a `LoadedSpec`: resolves every name (SPEC
/// §2.2), type-checks every expression, infers undeclared observations,
/// turns browser conditions into opaque atoms (§2.1), expands hierarchy and
/// wildcards, and runs the structural lint (§1.1).
public struct ModelBuilder {
    public struct Output: Sendable {
        /// nil when there were errors.
        public var model: TypedModel?
        public var diagnostics: DiagnosticBag
        /// Undeclared observations and opaque atoms, for `validate` to list.
        public var inferred: [ObservationInfo]
    }

    public static func build(_ spec: LoadedSpec, diagnostics: DiagnosticBag = DiagnosticBag()) -> Output {
        var b = ModelBuilder(spec: spec, bag: diagnostics)
        let model = b.run()
        let inferred = b.observations.filter { $0.origin != .declared }.sorted { $0.loc < $1.loc }
        return Output(model: b.bag.hasErrors ? nil : model, diagnostics: b.bag, inferred: inferred)
    }

    // MARK: State

    let spec: LoadedSpec
    var bag: DiagnosticBag
    var symbols = SymbolTable()
    var enums: [EnumInfo] = []
    var states: [StateInfo] = []
    var stateIndex: [String: Int] = [:]
    var sets: [SetInfo] = []
    var setIndex: [String: Int] = [:]
    var constants: [ConstantInfo] = []
    var constantIndex: [String: Int] = [:]
    var variables: [VariableInfo] = []
    var variableIndex: [String: Int] = [:]
    var observations: [ObservationInfo] = []
    var observationIndex: [String: Int] = [:]
    var definitions: [String: DefinitionDecl] = [:]
    var stateEnum = 0
    /// Union-find over observations for inference: parent link and the
    /// decided type of each root, with every use that decided something.
    var inferParent: [Int] = []
    var inferType: [Int: PType] = [:]
    var inferUses: [Int: [(kind: String, loc: SourceLoc)]] = [:]
    var inferArity: [Int: (count: Int, loc: SourceLoc)] = [:]
    /// Observations seen while checking the current expression (contracts).
    var touchedObservation = false
    var definitionsInProgress: [String] = []
    var inlinedNodes = 0
    var inferConflicts = Set<Int>()
    /// `contains`, `==` and `!=` between strings, kept to build the open
    /// string universe once every type is known (OpenStrings.swift).
    var stringUses: [StringUse] = []

    init(spec: LoadedSpec, bag: DiagnosticBag) {
        self.spec = spec
        self.bag = bag
    }

    // MARK: Driver

    mutating func run() -> TypedModel? {
        declareStates()
        declareSets()
        declareConstants()
        declareVariables()
        declareObservations()
        declareDefinitions()
        checkNameConflicts()
        let initial = resolveInitial()
        let transitions = buildTransitions()
        let forbidden = buildForbidden()
        checkStateInvariants()
        let globals = spec.invariants.compactMap { invariant($0) }
        checkUnusedDefinitions()
        finishInference()
        if bag.hasErrors { return nil }
        guard let initial else {
            // Every way to get here reports an error first; never fail silently.
            bag.error(.missingField, "the machine has no initial state", at: spec.initial?.loc ?? SourceLoc(line: 1, column: 1))
            return nil
        }
        var slots: [Int] = []
        var next = 0
        for o in observations {
            slots.append(next)
            next += o.keySet.map { sets[$0].elements.count } ?? 1
        }
        let model = TypedModel(
            spec: spec, machineID: spec.machineID?.value ?? "", symbols: symbols, enums: enums,
            stateEnum: stateEnum, states: states, initial: initial, transitions: transitions,
            forbidden: forbidden, sets: sets, constants: constants, variables: variables,
            variableSlots: variables.last.map { $0.slot + $0.slotCount } ?? 0,
            observations: observations, observationSlots: slots, globalInvariants: globals)
        var withAsserts = model
        withAsserts.scenarioAsserts = spec.scenarios.map { sc in sc.steps.map { step in
            guard case .assert(let source) = step else { return nil }
            return scenarioAssert(source)
        } }
        checkHoldsSteps(withAsserts)
        Lint.run(withAsserts, into: &bag)
        return withAsserts
    }

    /// Checks a scenario assert in a copy of the builder, so that nothing it
    /// names leaks into the model (no new observations, no inference).
    func scenarioAssert(_ source: ExprSource) -> ScenarioAssert {
        guard let e = source.expr else { return .invalid("the assert does not parse") }
        var copy = self
        copy.bag = DiagnosticBag()
        var scope = Scope(text: source.text)
        copy.touchedObservation = false
        let result = copy.check(e, &scope, expected: .bool, atomize: false)
        if let d = copy.bag.all.first(where: { $0.severity == .error }) { return .invalid(d.message) }
        if copy.observations.count > observations.count {
            let names = copy.observations[observations.count...].map(\.name)
            return .invalid("'\(names.joined(separator: "', '"))' is not a variable, observation or definition of this machine")
        }
        guard let (t, _) = result else { return .invalid("the assert does not type-check") }
        return .checked(t, readsObservations: copy.touchedObservation)
    }

    // MARK: Declarations

    mutating func declareStates() {
        for decl in spec.states {
            if let first = stateIndex[decl.id.value] {
                bag.error(.duplicateState, "state '\(decl.id.value)' is declared twice", at: decl.id.loc,
                          related: [.init(message: "first declared here", location: states[first].loc)])
                continue
            }
            stateIndex[decl.id.value] = states.count
            states.append(StateInfo(id: decl.id.value, description: decl.description, isFinal: decl.isFinal,
                                    parent: nil, children: [], invariants: [], loc: decl.id.loc))
        }
        stateEnum = enums.count
        enums.append(EnumInfo(name: "state", values: states.map { symbols.intern($0.id) }, origin: .states))
        // Parents, then cycles.
        var parentLoc = [SourceLoc?](repeating: nil, count: states.count)
        for decl in spec.states {
            guard let p = decl.parent, let s = stateIndex[decl.id.value], states[s].loc == decl.id.loc else { continue }
            guard let pi = stateIndex[p.value] else {
                bag.error(.unknownState, "parent '\(p.value)' of state '\(decl.id.value)' is not a state"
                          + didYouMean(p.value, stateIndex.keys), at: p.loc)
                continue
            }
            states[s].parent = pi
            parentLoc[s] = p.loc
        }
        for cycle in parentCycles() {
            let text = (cycle + [cycle[0]]).map { states[$0].id }.joined(separator: " → ")
            bag.error(.parentCycle, "parent chain is cyclic: \(text)", at: parentLoc[cycle[0]] ?? states[cycle[0]].loc)
            // Break the cycle so later walks terminate.
            for s in cycle { states[s].parent = nil }
        }
        for s in states.indices { if let p = states[s].parent { states[p].children.append(s) } }
    }

    /// Every cycle of parent links, each starting at its first state in
    /// file order and listed parent by parent.
    ///
    /// - Complexity: O(n) in the number of states: every state joins one
    ///   walk up its parent chain, and a walk stops at a state an earlier
    ///   walk has finished.
    func parentCycles() -> [[Int]] {
        // 0 = not visited, 1 = on the current walk, 2 = finished.
        var mark = [UInt8](repeating: 0, count: states.count)
        var position = [Int](repeating: 0, count: states.count)
        var cycles: [[Int]] = []
        for start in states.indices where mark[start] == 0 {
            var path: [Int] = []
            var current: Int? = start
            while let s = current, mark[s] == 0 {
                mark[s] = 1
                position[s] = path.count
                path.append(s)
                current = states[s].parent
            }
            if let s = current, mark[s] == 1 {
                let cycle = Array(path[position[s]...])
                let first = cycle.indices.min { cycle[$0] < cycle[$1] } ?? 0
                cycles.append(Array(cycle[first...] + cycle[..<first]))
            }
            for s in path { mark[s] = 2 }
        }
        return cycles.sorted { $0[0] < $1[0] }
    }

    mutating func declareSets() {
        for decl in spec.sets {
            if setIndex[decl.name.value] != nil {
                bag.error(.duplicateName, "set '\(decl.name.value)' is declared twice", at: decl.name.loc)
                continue
            }
            var elements: [Value]
            var type: PType = .int
            var span: ClosedRange<Int64>?
            switch decl.elements {
            case .ints(let xs): elements = xs.map { .int($0) }
            case .range(let lo, let hi):
                elements = (lo...hi).map { .int($0) }
                span = lo...hi
            case .strings(let xs):
                let e = enums.count
                let syms = xs.map { symbols.intern($0) }
                enums.append(EnumInfo(name: decl.name.value, values: syms, origin: .set))
                elements = syms.map { .sym($0) }
                type = .enumeration(e)
            }
            if span == nil {
                // A listed element given twice counts once.
                var seen = Set<Value>()
                elements = elements.filter { seen.insert($0).inserted }
            }
            setIndex[decl.name.value] = sets.count
            sets.append(SetInfo(name: decl.name.value, elements: elements, elementType: type, loc: decl.name.loc, span: span))
        }
    }

    mutating func declareConstants() {
        for decl in spec.constants {
            let value: Value, type: PType
            switch decl.value.value {
            case .bool(let b): value = .bool(b); type = .bool
            case .int(let i): value = .int(i); type = .int
            case .string(let s): value = .sym(symbols.intern(s)); type = .string
            }
            constantIndex[decl.name.value] = constants.count
            constants.append(ConstantInfo(name: decl.name.value, value: value, type: type, loc: decl.name.loc))
        }
    }

    mutating func bound(_ b: BoundDecl, at loc: SourceLoc) -> Int64? {
        switch b {
        case .literal(let v): return v
        case .constant(let name):
            if let c = constantIndex[name], case .int(let v) = constants[c].value { return v }
            bag.error(.wrongType, "range bound '\(name)' is neither an integer nor an int constant"
                      + didYouMean(name, constantIndex.keys), at: loc)
            return nil
        }
    }

    /// The domain of a declared variable or observation.
    mutating func domain(name: String, type: Located<DeclaredType>, range: Located<(BoundDecl, BoundDecl)>?,
                         values: [Located<String>]?) -> Domain? {
        switch type.value {
        case .bool:
            return .bool
        case .int:
            guard let r = range else { return .int(nil) }
            guard let lo = bound(r.value.0, at: r.loc), let hi = bound(r.value.1, at: r.loc) else { return nil }
            guard lo <= hi else {
                bag.error(.badRange, "range [\(lo), \(hi)] of '\(name)' is empty (low bound above high bound)", at: r.loc)
                return nil
            }
            return .int(lo...hi)
        case .enum:
            guard let values, !values.isEmpty else {
                bag.error(.missingField, "enum '\(name)' needs a non-empty 'values' list", at: type.loc)
                return nil
            }
            var syms: [Int32] = []
            for v in values {
                let s = symbols.intern(v.value)
                if syms.contains(s) {
                    bag.error(.duplicateName, "enum value '\(v.value)' is listed twice in '\(name)'", at: v.loc)
                } else {
                    syms.append(s)
                }
            }
            enums.append(EnumInfo(name: name, values: syms, origin: .declared))
            return .enumeration(enums.count - 1)
        }
    }

    /// The domain and key set of a declared variable or observation.
    mutating func declaredDomain(_ decl: DomainDecl) -> (Domain, Int?)? {
        let name = decl.name.value
        guard let dom = domain(name: name, type: decl.type, range: decl.range, values: decl.values) else { return nil }
        guard let keys = decl.keys else { return (dom, nil) }
        guard let keySet = setIndex[keys.value] else {
            bag.error(.unknownSet, "unknown set '\(keys.value)' in keys of '\(name)'" + didYouMean(keys.value, setIndex.keys), at: keys.loc)
            return nil
        }
        return (dom, keySet)
    }

    mutating func declareVariables() {
        var slot = 0
        for decl in spec.variables {
            let name = decl.name.value
            // A variable whose declaration is wrong stays declared (with a
            // fallback domain), so its uses do not cascade into more errors.
            let (dom, keySet) = declaredDomain(decl) ?? (.int(nil), nil)
            var initial = InitialValue.any
            if let i = decl.initial, case .value(let v) = i.value,
               let value = initValue(v, domain: dom, name: name, at: i.loc) {
                initial = .value(value)
            }
            let count = keySet.map { sets[$0].elements.count } ?? 1
            if variableIndex[name] != nil {
                bag.error(.duplicateName, "variable '\(name)' is declared twice", at: decl.name.loc)
                continue
            }
            variableIndex[name] = variables.count
            variables.append(VariableInfo(name: name, domain: dom, keySet: keySet, slot: slot, slotCount: count,
                                          initial: initial, loc: decl.name.loc))
            slot += count
        }
    }

    /// An `init` value checked against its domain.
    mutating func initValue(_ v: ScalarValue, domain: Domain, name: String, at loc: SourceLoc) -> Value? {
        switch (domain, v) {
        case (.bool, .bool(let b)): return .bool(b)
        case (.int(let r), .int(let i)):
            if let r, !r.contains(i) {
                bag.error(.initOutOfRange, "init \(i) of '\(name)' is outside its range [\(r.lowerBound), \(r.upperBound)]", at: loc)
                return nil
            }
            return .int(i)
        case (.enumeration(let e), _):
            let text = v.description
            if let s = symbols.lookup(text), enums[e].values.contains(s) { return .sym(s) }
            let names = enums[e].values.map { symbols.name($0) }
            bag.error(.initOutOfRange, "init '\(text)' of '\(name)' is not one of its values (\(names.joined(separator: ", ")))"
                      + didYouMean(text, names), at: loc)
            return nil
        case (.int, .string(let s)):
            if let c = constantIndex[s], case .int(let i) = constants[c].value {
                return initValue(.int(i), domain: domain, name: name, at: loc)
            }
            fallthrough
        default:
            bag.error(.initOutOfRange, "init '\(v)' of '\(name)' does not have its type (\(describe(domain.type)))", at: loc)
            return nil
        }
    }

    mutating func declareObservations() {
        for decl in spec.observations {
            let name = decl.name.value
            guard let (dom, keySet) = declaredDomain(decl) else { continue }
            if observationIndex[name] != nil {
                bag.error(.duplicateName, "observation '\(name)' is declared twice", at: decl.name.loc)
                continue
            }
            addObservation(ObservationInfo(name: name, origin: .declared, domain: dom, keySet: keySet,
                                           keyType: keySet.map { sets[$0].elementType }, loc: decl.name.loc, uses: []))
        }
    }

    @discardableResult
    mutating func addObservation(_ o: ObservationInfo) -> Int {
        let i = observations.count
        observationIndex[o.name] = i
        observations.append(o)
        inferParent.append(i)
        return i
    }

    mutating func declareDefinitions() {
        for d in spec.definitions {
            if definitions[d.name.value] != nil {
                bag.error(.duplicateName, "definition '\(d.name.value)' is declared twice", at: d.name.loc)
                continue
            }
            definitions[d.name.value] = d
        }
        // Cycles, by depth-first search over the names each body mentions.
        var color: [String: Int] = [:]  // 1 = on stack, 2 = done
        var reported = false
        func visit(_ name: String, _ path: [String], _ me: inout ModelBuilder) {
            guard let d = me.definitions[name], let body = d.body.expr else { return }
            color[name] = 1
            for (ref, span) in me.namesMentioned(body) where me.definitions[ref] != nil {
                if color[ref] == 1 {
                    if !reported {
                        let cycle = (path + [name, ref]).drop { $0 != ref }.joined(separator: " → ")
                        me.bag.error(.definitionCycle, "definitions are cyclic: \(cycle)", at: d.body.text.loc(span.lowerBound))
                        reported = true
                    }
                } else if color[ref] == nil {
                    visit(ref, path + [name], &me)
                }
            }
            color[name] = 2
        }
        let names = spec.definitions.map(\.name.value)
        for name in names where color[name] == nil {
            visit(name, [], &self)
        }
        if reported {
            // Keep later checks from recursing forever through the cycle.
            definitions = [:]
        }
    }

    /// Every name used in an expression with its span (aggregate variables excluded).
    func namesMentioned(_ e: Expr, bound: Set<String> = []) -> [(String, Range<Int>)] {
        switch e.kind {
        case .name(let n, let args, _):
            let own: [(String, Range<Int>)] = bound.contains(n) ? [] : [(n, e.span)]
            return own + args.flatMap { namesMentioned($0, bound: bound) }
        case .aggregate(_, let v, _, let body):
            return namesMentioned(body, bound: bound.union([v]))
        default:
            return e.children.flatMap { namesMentioned($0, bound: bound) }
        }
    }

    mutating func checkNameConflicts() {
        var seen: [String: (String, SourceLoc)] = [:]
        let groups: [(String, [(String, SourceLoc)])] = [
            ("set", spec.sets.map { ($0.name.value, $0.name.loc) }),
            ("constant", spec.constants.map { ($0.name.value, $0.name.loc) }),
            ("variable", spec.variables.map { ($0.name.value, $0.name.loc) }),
            ("observation", spec.observations.map { ($0.name.value, $0.name.loc) }),
            ("definition", spec.definitions.map { ($0.name.value, $0.name.loc) }),
        ]
        for (kind, names) in groups {
            for (name, loc) in names {
                if let (otherKind, otherLoc) = seen[name], otherKind != kind {
                    bag.error(.duplicateName, "'\(name)' is declared both as a \(otherKind) and as a \(kind)", at: loc,
                              related: [.init(message: "\(otherKind) '\(name)' declared here", location: otherLoc)])
                } else if seen[name] == nil {
                    seen[name] = (kind, loc)
                }
            }
        }
    }

    mutating func resolveInitial() -> Int? {
        guard let initial = spec.initial else { return nil }
        guard let i = stateIndex[initial.value] else {
            if states.isEmpty { return nil }
            bag.error(.unknownState, "initial state '\(initial.value)' is not a state" + didYouMean(initial.value, stateIndex.keys),
                      at: initial.loc)
            return nil
        }
        return i
    }

    func describe(_ t: PType) -> String {
        switch t {
        case .bool: return "bool"
        case .int: return "int"
        case .string: return "string"
        case .enumeration(let e):
            let info = enums[e]
            switch info.origin {
            case .states: return "state id"
            case .set: return "element of set '\(info.name)'"
            default: return "enum '\(info.name)'"
            }
        case .unresolved: return "observation"
        }
    }

    mutating func requireState(_ name: Located<String>, role: String) -> Int? {
        if let s = stateIndex[name.value] { return s }
        // No state could be read: that error is already reported.
        if states.isEmpty { return nil }
        bag.error(.unknownState, "\(role) names '\(name.value)', which is not a state" + didYouMean(name.value, stateIndex.keys), at: name.loc)
        return nil
    }

    // MARK: Transitions and forbidden edges

    /// The states a `from` (or an end of a forbidden edge) stands for: every
    /// state for `*`, each named state with its descendants otherwise (each
    /// once, ascending), and the endpoint's text for property ids.
    ///
    /// - Complexity: O(n + size of the result · log) per call.
    mutating func expandFrom(_ from: FromDecl, role: String) -> ([Int], String)? {
        switch from {
        case .any: return (Array(states.indices), "*")
        case .states(let names):
            var result: [Int] = []
            var included = [Bool](repeating: false, count: states.count)
            var ok = true
            for n in names {
                if let s = requireState(n, role: role) {
                    for d in StateInfo.descendants(of: s, in: states) where !included[d] {
                        included[d] = true
                        result.append(d)
                    }
                } else {
                    ok = false
                }
            }
            let text = names.count == 1 ? names[0].value : "[" + names.map(\.value).joined(separator: ", ") + "]"
            result.sort()
            return ok ? (result, text) : nil
        }
    }

    mutating func buildTransitions() -> [TransitionInfo] {
        var result: [TransitionInfo] = []
        var ids: [String: SourceLoc] = [:]
        for t in spec.transitions {
            if let first = ids[t.id.value] {
                bag.error(.duplicateTransition, "transition id '\(t.id.value)' is used twice", at: t.id.loc,
                          related: [.init(message: "first used here", location: first)])
                continue
            }
            ids[t.id.value] = t.id.loc
            let from = expandFrom(t.from, role: "the 'from' of transition '\(t.id.value)'")
            let to = requireState(t.to, role: "the 'to' of transition '\(t.id.value)'")
            // Parameters.
            var scope = Scope(text: nil)
            var params: [(name: String, set: Int)] = []
            for (name, set) in t.params {
                guard let si = setIndex[set.value] else {
                    bag.error(.unknownSet, "unknown set '\(set.value)' for parameter '\(name.value)'" + didYouMean(set.value, setIndex.keys),
                              at: set.loc)
                    continue
                }
                scope.locals[name.value] = (scope.nextSlot, sets[si].elementType)
                scope.nextSlot += 1
                params.append((name.value, si))
            }
            var guardExpr: TExpr?
            if let g = t.guardExpr, let e = g.expr {
                scope.text = g.text
                guardExpr = check(e, &scope, expected: .bool, atomize: true)?.0
            }
            var effects: [Effect] = []
            var assigned: [String: SourceLoc] = [:]
            for eff in t.effects {
                scope.text = eff.text
                if let effect = buildEffect(eff, &scope, assigned: &assigned) { effects.append(effect) }
            }
            guard let (fromStates, fromText) = from, let to else { continue }
            result.append(TransitionInfo(id: t.id.value, event: t.event?.value ?? t.id.value, from: fromStates,
                                         fromText: fromText, to: to, params: params, guardExpr: guardExpr,
                                         guardSource: t.guardExpr?.text.text, effects: effects, loc: t.id.loc))
        }
        return result
    }

    mutating func buildEffect(_ eff: EffectDecl, _ scope: inout Scope, assigned: inout [String: SourceLoc]) -> Effect? {
        guard case .name(let name, let args, _) = eff.target.kind else {
            bag.error(.badAssignmentTarget, "an effect must assign a variable, not '\(ExprPrinter.print(eff.target))'",
                      at: eff.text.loc(eff.target.span.lowerBound))
            return nil
        }
        let at = eff.text.loc(eff.target.span.lowerBound)
        guard let vi = variableIndex[name] else {
            let what: String
            if scope.locals[name] != nil { what = "a transition parameter" }
            else if constantIndex[name] != nil { what = "a constant" }
            else if observationIndex[name] != nil || spec.observations.contains(where: { $0.name.value == name }) { what = "an observation (the environment owns it)" }
            else if definitions[name] != nil { what = "a definition" }
            else { what = "not a declared variable" + didYouMean(name, variableIndex.keys) }
            bag.error(.badAssignmentTarget, "cannot assign '\(name)': it is \(what)", at: at)
            return nil
        }
        let v = variables[vi]
        var key: TExpr?
        if let ks = v.keySet {
            guard let k = self.key(of: "variable", name, keySet: ks, args, &scope, at: at) else { return nil }
            key = k
        } else if !args.isEmpty {
            bag.error(.arityMismatch, "variable '\(name)' has no keys; assign \(name) without arguments", at: at)
            return nil
        } else {
            if let first = assigned[name] {
                bag.error(.duplicateAssignment, "variable '\(name)' is assigned twice in one transition", at: at,
                          related: [.init(message: "first assigned here", location: first)])
                return nil
            }
            assigned[name] = at
        }
        var value: TExpr?
        if let rhs = eff.value {
            guard let (t, _) = check(rhs, &scope, expected: v.domain.type, atomize: false) else { return nil }
            value = t
        }
        return Effect(variable: vi, key: key, value: value, source: eff.text.text, loc: at)
    }

    /// Both ends of a forbidden edge take what a transition's `from` takes
    /// (SPEC §1.1): a state, a superstate (itself and every descendant), a
    /// list, or `*`.
    mutating func buildForbidden() -> [ForbiddenEdge] {
        spec.forbidden.compactMap { f in
            let from = expandFrom(f.from, role: "the 'from' of a forbidden edge")
            let to = expandFrom(f.to, role: "the 'to' of a forbidden edge")
            guard let (fromStates, fromText) = from, let (toStates, toText) = to else { return nil }
            return ForbiddenEdge(from: fromStates, fromText: fromText, to: toStates, toText: toText, reason: f.reason, loc: f.loc)
        }
    }

    // MARK: Invariants

    mutating func invariant(_ decl: InvariantDecl) -> Invariant? {
        guard let e = decl.condition.expr else { return nil }
        var scope = Scope(text: decl.condition.text)
        touchedObservation = false
        guard let (t, _) = check(e, &scope, expected: .bool, atomize: true) else { return nil }
        return Invariant(description: decl.description, source: decl.condition.text.text, condition: t,
                         severity: decl.severity, loc: decl.condition.loc, isContract: touchedObservation)
    }

    mutating func checkStateInvariants() {
        for decl in spec.states {
            guard let s = stateIndex[decl.id.value], states[s].loc == decl.id.loc else { continue }
            states[s].invariants = decl.invariants.compactMap { invariant($0) }
        }
    }

    /// Definitions no expression uses are still checked once, so their
    /// mistakes are reported (parameters typed by nothing are left open).
    mutating func checkUnusedDefinitions() {
        for d in spec.definitions where definitions[d.name.value] != nil {
            guard let e = d.body.expr else { continue }
            var scope = Scope(text: d.body.text)
            for p in d.params {
                scope.locals[p] = (scope.nextSlot, .unresolved(-1))
                scope.nextSlot += 1
            }
            _ = check(e, &scope, expected: nil, atomize: true)
        }
    }
}
