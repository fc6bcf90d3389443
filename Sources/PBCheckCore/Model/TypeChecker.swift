/// Where an expression is checked: its text (for positions) and the names
/// bound locally (transition parameters, aggregate variables, definition
/// parameters bound to their arguments).
struct Scope {
    var text: ExprText?
    var locals: [String: (slot: Int, type: PType)] = [:]
    var substitutions: [String: (TExpr, PType)] = [:]
    var nextSlot = 0
    /// The product of the sizes of the sets the enclosing aggregates range
    /// over: how often one evaluation runs the expression being checked.
    var aggregateWork = 1
}

typealias Typed = (TExpr, PType)

/// A `contains`, `==` or `!=` whose sides may be strings.
struct StringUse {
    var isContains: Bool
    var left: Typed
    var right: Typed
    var loc: SourceLoc
}

extension ModelBuilder {
    func loc(_ scope: Scope, _ e: Expr) -> SourceLoc {
        scope.text?.loc(e.span.lowerBound) ?? .unknown
    }

    mutating func typeError(_ message: String, _ e: Expr, _ scope: Scope) {
        bag.error(.typeError, message, at: loc(scope, e))
    }

    // MARK: Inference (union-find over undeclared observations)

    mutating func root(_ o: Int) -> Int {
        var r = o
        while inferParent[r] != r { r = inferParent[r] }
        var x = o
        while inferParent[x] != r { let next = inferParent[x]; inferParent[x] = r; x = next }
        return r
    }

    /// The current knowledge about a type: an unresolved observation whose
    /// group has been decided reads as the decided type.
    mutating func resolved(_ t: PType) -> PType {
        if case .unresolved(let o) = t, o >= 0, let d = inferType[root(o)] { return d }
        return t
    }

    static func kindName(_ t: PType) -> String {
        switch t {
        case .bool: return "bool"
        case .int: return "int"
        case .enumeration, .string: return "enum"
        case .unresolved: return "undecided"
        }
    }

    /// Records that observation group `o` is used as `t` at `at`.
    mutating func impose(_ o: Int, _ t: PType, at: SourceLoc) {
        guard o >= 0 else { return }
        let r = root(o)
        var t = resolved(t)
        if case .unresolved(let other) = t {
            guard other >= 0 else { return }
            let r2 = root(other)
            if r2 == r { return }
            inferParent[r2] = r
            inferUses[r, default: []] += inferUses[r2] ?? []
            if let d2 = inferType[r2] {
                if let d = inferType[r] { if !compatible(d, d2) { markConflict(r) } } else { inferType[r] = d2 }
            }
            return
        }
        if case .enumeration(let e) = t, !enums[e].isOpen { t = .string }
        if case .string = t {
            // Compared with a string or a closed enum: an open string of its
            // own (SPEC §2: it may hold any string, not only the values it
            // meets), never the closed enum it was compared with.
            if inferType[r] == nil {
                enums.append(EnumInfo(name: observations[r].name, values: [], origin: .inferred))
                inferType[r] = .enumeration(enums.count - 1)
            }
            t = inferType[r] ?? t
        }
        inferUses[r, default: []].append((ModelBuilder.kindName(t), at))
        if let d = inferType[r] {
            if !compatible(d, t) { markConflict(r) }
        } else {
            inferType[r] = t
        }
    }

    func compatible(_ a: PType, _ b: PType) -> Bool {
        switch (a, b) {
        case (.bool, .bool), (.int, .int): return true
        case (.enumeration, .enumeration), (.enumeration, .string), (.string, .enumeration), (.string, .string): return true
        default: return false
        }
    }

    mutating func markConflict(_ r: Int) {
        inferConflicts.insert(r)
    }

    /// Reports conflicting uses and settles every undecided observation (int
    /// when nothing decides, SPEC §2.2), writing the domains into the model.
    mutating func finishInference() {
        for r in inferConflicts.sorted() {
            let uses = (inferUses[r] ?? []).sorted { $0.loc < $1.loc }
            var seen = Set<String>()
            let distinct = uses.filter { seen.insert("\($0.kind)@\($0.loc)").inserted }
            let group = observations.indices.filter { root($0) == r }.map { "'\(observations[$0].name)'" }.joined(separator: ", ")
            let kinds = Set(distinct.map(\.kind)).sorted().joined(separator: " and ")
            bag.error(.typeError, "observation \(group) is used as \(kinds)", at: distinct.last?.loc ?? observations[r].loc,
                      related: distinct.map { .init(message: "used as \($0.kind) here", location: $0.loc) })
        }
        buildOpenStrings()
        for o in observations.indices where observations[o].origin == .inferred {
            let t = inferType[root(o)] ?? .int
            switch t {
            case .bool: observations[o].domain = .bool
            case .enumeration(let e): observations[o].domain = .enumeration(e)
            default: observations[o].domain = .int(nil)
            }
        }
    }

    // MARK: Open strings (SPEC §2)

    /// What a string-valued side of `contains` or `==` may be: an open
    /// observation, or one of some known strings.
    enum StringSide { case open, known([String]), notString }

    mutating func stringSide(_ typed: Typed) -> StringSide {
        if case .lit(.sym(let s)) = typed.0 { return .known([symbols.name(s)]) }
        switch resolved(typed.1) {
        case .enumeration(let e): return enums[e].isOpen ? .open : .known(enums[e].values.map { symbols.name($0) })
        case .string: return .known(symbols.names)
        default: return .notString
        }
    }

    /// Gives every open observation its universe (OpenStrings.swift): the
    /// known strings, the substrings they are searched for, and one
    /// representative per set of patterns a string can contain.
    mutating func buildOpenStrings() {
        let open = enums.indices.filter { enums[$0].isOpen }
        guard !open.isEmpty else { return }
        // Strings a scenario reports for an observation are known strings.
        for sc in spec.scenarios {
            for case .action(_, _, let observe, _, _) in sc.steps {
                for (_, v) in observe { if case .string(let s) = v.value { _ = symbols.intern(s) } }
            }
        }
        var universe = OpenStringUniverse()
        var openOpenContains: SourceLoc?
        for use in stringUses {
            switch (stringSide(use.left), stringSide(use.right)) {
            case (.open, .known(let v)): if use.isContains { universe.patterns.formUnion(v) }
            case (.known(let v), .open): if use.isContains { universe.hosts.formUnion(v) }
            case (.open, .open):
                if use.isContains { openOpenContains = openOpenContains ?? use.loc } else { universe.variants = 3 }
            default: break
            }
        }
        if let at = openOpenContains {
            bag.warning("open-string-contains",
                        "`contains` between two undeclared string observations is decided over representative strings, which show only some of the ways real strings can contain each other; declare one as an enum to check it exactly",
                        at: at)
        }
        let extra: [String]
        do throws(OpenStringUniverse.Failure) {
            extra = try universe.extraStrings(known: symbols.names)
        } catch {
            let at = stringUses.first { $0.isContains }?.loc ?? observations.first { $0.origin == .inferred }?.loc ?? .unknown
            switch error {
            case .tooManyPatterns(let n):
                bag.error("model-too-large", "undeclared string observations are searched for \(n) `contains` patterns: more than \(OpenStringUniverse.maxProfiles) combinations to check; declare the observations as enums", at: at)
            case .hostsTooLong:
                bag.error("model-too-large", "undeclared string observations are searched for in strings with more than \(OpenStringUniverse.maxHostSubstrings) substrings; declare the observations as enums", at: at)
            }
            return
        }
        for s in extra { _ = symbols.intern(s) }
        let all = symbols.names.indices.map { Int32($0) }
        for e in open {
            enums[e].literals = enums[e].values
            enums[e].values = all
        }
    }

    // MARK: Opaque atoms (SPEC §2.1)

    /// A browser condition as a boolean observation named by its canonical text.
    mutating func atom(_ e: Expr, _ scope: Scope) -> Typed {
        let text = ExprPrinter.print(e.stripped)
        let at = loc(scope, e)
        let index: Int
        if let i = observationIndex[text] {
            index = i
        } else {
            index = addObservation(ObservationInfo(name: text, origin: .opaque, domain: .bool, keySet: nil,
                                                   keyType: nil, loc: at, uses: []))
            bag.warning(.opaqueAtom, "browser condition `\(text)` cannot be evaluated; it is checked as an opaque boolean observation",
                        at: at)
        }
        observations[index].uses.append(at)
        touchedObservation = true
        return (.observation(index), .bool)
    }

    static func isConnective(_ e: Expr) -> Bool {
        switch e.kind {
        case .binary(let op, _, _): return op == .and || op == .or || op == .implies
        case .unary(.not, _), .conditional: return true
        default: return false
        }
    }

    // MARK: Checking

    /// Type-checks `e` against `expected` (nil: infer) and resolves it.
    /// Returns nil after reporting an error.
    mutating func check(_ e: Expr, _ scope: inout Scope, expected: PType?, atomize: Bool) -> Typed? {
        if e.containsBrowserConstruct && !ModelBuilder.isConnective(e) {
            guard atomize, expected == nil || expected == .bool else {
                typeError("browser expression '\(ExprPrinter.print(e.stripped))' can only appear in a condition", e, scope)
                return nil
            }
            return atom(e, scope)
        }
        guard let (t, type) = infer(e, &scope, expected: expected, atomize: atomize) else { return nil }
        guard let want = expected else { return (t, type) }
        return conform((t, type), to: want, e, scope)
    }

    /// Checks that a typed expression has the wanted type, imposing it on
    /// undecided observations.
    mutating func conform(_ typed: Typed, to want0: PType, _ e: Expr, _ scope: Scope) -> Typed? {
        let (t, have0) = typed
        let have = resolved(have0)
        // What is known now, not when the caller asked: checking the other
        // side of `u == (c ? 1 : 2)` or `u != u + 1` decides `u` on the way.
        let want = resolved(want0)
        // An undeclared observation: every use is recorded, and conflicting
        // uses are reported together once inference is done.
        if case .unresolved(let o) = have0, o >= 0, !resolved(want).isUnresolved {
            impose(o, want, at: loc(scope, e))
            return (t, resolved(want))
        }
        if case .unresolved(let o) = have {
            impose(o, want, at: loc(scope, e))
            return (t, resolved(want))
        }
        if case .unresolved(let o) = resolved(want) {
            impose(o, have, at: loc(scope, e))
            // A literal that decided an enum is one of its values.
            if have == .string, o >= 0, case .enumeration = resolved(want) { return conform(typed, to: resolved(want), e, scope) }
            return (t, have)
        }
        switch (have, want) {
        case (.bool, .bool), (.int, .int): return typed
        case (.enumeration(let a), .enumeration(let b)):
            if a != b, case .lit(.sym(let s)) = t, !enums[b].isOpen, !enums[b].values.contains(s) {
                return enumMiss(s, b, e, scope)
            }
            return typed
        case (.string, .enumeration(let b)):
            if case .lit(.sym(let s)) = t, !enums[b].values.contains(s) {
                if enums[b].isOpen { enums[b].values.append(s); return (t, want) }
                return enumMiss(s, b, e, scope)
            }
            return (t, want)
        case (.enumeration, .string), (.string, .string): return typed
        default:
            typeError("expected \(describe(want)), found \(describe(have)): `\(ExprPrinter.print(e.stripped))`", e, scope)
            return nil
        }
    }

    mutating func enumMiss(_ s: Int32, _ e: Int, _ expr: Expr, _ scope: Scope) -> Typed? {
        let value = symbols.name(s)
        let names = enums[e].values.map { symbols.name($0) }
        let what = enums[e].origin == .states ? "is not a state" : "is not a value of \(describe(.enumeration(e))) (\(names.joined(separator: ", ")))"
        bag.error(.unknownEnumValue, "'\(value)' \(what)" + didYouMean(value, names), at: loc(scope, expr))
        return nil
    }

    mutating func infer(_ e: Expr, _ scope: inout Scope, expected: PType?, atomize: Bool) -> Typed? {
        switch e.kind {
        case .int(let v): return (.lit(.int(v)), .int)
        case .bool(let b): return (.lit(.bool(b)), .bool)
        case .string(let s): return (.lit(.sym(symbols.intern(s))), .string)
        case .state: return (.state, .enumeration(stateEnum))
        case .null, .undefined, .member, .method:
            typeError("browser expression '\(ExprPrinter.print(e.stripped))' can only appear in a condition", e, scope)
            return nil
        case .name(let n, let args, _):
            return name(n, args, e, &scope, expected: expected, atomize: atomize)
        case .unary(.not, let a):
            guard let (t, _) = check(a, &scope, expected: .bool, atomize: atomize) else { return nil }
            return (.not(t), .bool)
        case .unary(.negate, let a):
            guard let (t, _) = check(a, &scope, expected: .int, atomize: false) else { return nil }
            if case .lit(.int(let v)) = t, v != Int64.min { return (.lit(.int(-v)), .int) }
            return (.negate(t, loc(scope, e)), .int)
        case .binary(let op, let a, let b):
            return binary(op, a, b, e, &scope, atomize: atomize)
        case .conditional(let c, let a, let b):
            let ct = check(c, &scope, expected: .bool, atomize: atomize)
            guard let (at, atype) = check(a, &scope, expected: expected, atomize: atomize) else { return nil }
            guard let (bt, btype) = check(b, &scope, expected: resolved(atype) == .string ? expected : atype, atomize: atomize),
                  let (cond, _) = ct else { return nil }
            var type = atype
            if case .unresolved = resolved(atype) { type = btype }
            if resolved(atype) == .string { type = btype }
            return (.conditional(cond, at, bt), type)
        case .aggregate(let kind, let v, let setName, let body):
            guard let si = setIndex[setName] else {
                bag.error(.unknownSet, "unknown set '\(setName)'" + didYouMean(setName, setIndex.keys),
                          at: scope.text?.loc(setNameOffset(e, setName, scope)) ?? loc(scope, e))
                return nil
            }
            let (work, overflow) = scope.aggregateWork.multipliedReportingOverflow(by: max(1, sets[si].elements.count))
            if overflow || work > InputLimits.maxAggregateWork {
                bag.error(.aggregateTooLarge,
                          "nested aggregates evaluate their body more than 1,000,000 times per evaluation; "
                          + "range over smaller sets or nest fewer aggregates", at: loc(scope, e))
                return nil
            }
            let savedWork = scope.aggregateWork
            scope.aggregateWork = work
            let saved = scope.locals[v]
            let slot = scope.nextSlot
            scope.locals[v] = (slot, sets[si].elementType)
            scope.nextSlot += 1
            defer {
                scope.locals[v] = saved
                scope.aggregateWork = savedWork
            }
            let bodyType: PType = (kind == .all || kind == .any || kind == .count) ? .bool : .int
            guard let (bt, _) = check(body, &scope, expected: bodyType, atomize: bodyType == .bool && atomize) else { return nil }
            let result: PType = (kind == .all || kind == .any) ? .bool : .int
            return (.aggregate(kind, set: si, slot: slot, body: bt, loc(scope, e)), result)
        }
    }

    /// Where the set name of an aggregate `agg(x in SET: ...)` starts.
    func setNameOffset(_ e: Expr, _ setName: String, _ scope: Scope) -> Int {
        guard let text = scope.text else { return e.span.lowerBound }
        let target = Array(setName.unicodeScalars)
        var i = e.span.lowerBound
        var sawIn = false
        while i + target.count <= e.span.upperBound, i + target.count <= text.scalars.count {
            let word = Array(text.scalars[i..<min(i + 2, text.scalars.count)])
            if !sawIn, word == ["i", "n"], i > 0, text.scalars[i - 1] == " " { sawIn = true; i += 2; continue }
            if sawIn, Array(text.scalars[i..<(i + target.count)]) == target { return i }
            i += 1
        }
        return e.span.lowerBound
    }

    mutating func binary(_ op: BinaryOp, _ a: Expr, _ b: Expr, _ e: Expr, _ scope: inout Scope, atomize: Bool) -> Typed? {
        switch op {
        case .and, .or, .implies:
            let l = check(a, &scope, expected: .bool, atomize: atomize)
            guard let r = check(b, &scope, expected: .bool, atomize: atomize), let l else { return nil }
            switch op {
            case .and: return (.and(l.0, r.0), .bool)
            case .or: return (.or(l.0, r.0), .bool)
            default: return (.implies(l.0, r.0), .bool)
            }
        case .add, .sub, .mul, .div, .mod:
            let l = check(a, &scope, expected: .int, atomize: false)
            guard let r = check(b, &scope, expected: .int, atomize: false), let l else { return nil }
            let aop = ArithOp(rawValue: op.rawValue) ?? .add
            return (.arith(aop, l.0, r.0, loc(scope, e)), .int)
        case .lt, .le, .gt, .ge:
            let l = check(a, &scope, expected: .int, atomize: false)
            guard let r = check(b, &scope, expected: .int, atomize: false), let l else { return nil }
            return (.compare(CompareOp(rawValue: op.rawValue) ?? .lt, l.0, r.0), .bool)
        case .eq, .ne:
            guard let (lt, ltype0) = check(a, &scope, expected: nil, atomize: false) else {
                _ = check(b, &scope, expected: nil, atomize: false)
                return nil
            }
            let ltype = resolved(ltype0)
            let want: PType? = (ltype == .string) ? nil : ltype
            guard let (rt, rtype0) = check(b, &scope, expected: want, atomize: false) else { return nil }
            let rtype = resolved(rtype0)
            if ltype == .string {
                // 'literal' == x: check the literal against x's type.
                guard conform((lt, ltype), to: rtype, a, scope) != nil else { return nil }
            }
            stringUses.append(StringUse(isContains: false, left: (lt, ltype0), right: (rt, rtype0), loc: loc(scope, e)))
            return (.compare(op == .eq ? .eq : .ne, lt, rt), .bool)
        case .contains:
            guard let l = check(a, &scope, expected: nil, atomize: false),
                  let r = check(b, &scope, expected: nil, atomize: false) else { return nil }
            for (side, expr) in [(l, a), (r, b)] {
                switch resolved(side.1) {
                case .string, .enumeration: break
                case .unresolved(let o): impose(o, .string, at: loc(scope, expr))
                default:
                    typeError("'contains' needs strings, found \(describe(resolved(side.1)))", expr, scope)
                    return nil
                }
            }
            stringUses.append(StringUse(isContains: true, left: l, right: r, loc: loc(scope, e)))
            return (.contains(l.0, r.0), .bool)
        case .in:
            guard case .name(let setName, let args, _) = b.kind, args.isEmpty, let si = setIndex[setName] else {
                if case .name(let setName, _, _) = b.kind {
                    bag.error(.unknownSet, "unknown set '\(setName)' after 'in'" + didYouMean(setName, setIndex.keys), at: loc(scope, b))
                } else {
                    typeError("'in' needs a set name on its right", b, scope)
                }
                return nil
            }
            guard let (lt, _) = check(a, &scope, expected: sets[si].elementType, atomize: false) else { return nil }
            return (.member(lt, set: si), .bool)
        case .strictEq, .strictNe:
            typeError("'\(op.rawValue)' is a browser operator", e, scope)
            return nil
        }
    }

    // MARK: Names (SPEC §2.2 resolution order)

    mutating func name(_ n: String, _ args: [Expr], _ e: Expr, _ scope: inout Scope, expected: PType?, atomize: Bool) -> Typed? {
        let at = loc(scope, e)
        func noArgs(_ what: String) -> Bool {
            if args.isEmpty { return true }
            bag.error(.arityMismatch, "\(what) '\(n)' takes no arguments", at: at)
            return false
        }
        if let sub = scope.substitutions[n] {
            return noArgs("parameter") ? sub : nil
        }
        if let local = scope.locals[n] {
            return noArgs("parameter") ? (.local(local.slot), local.type) : nil
        }
        if let c = constantIndex[n] {
            return noArgs("constant") ? (.lit(constants[c].value), constants[c].type) : nil
        }
        if let v = variableIndex[n] {
            let info = variables[v]
            guard let ks = info.keySet else {
                return noArgs("variable") ? (.variable(v), info.domain.type) : nil
            }
            return key(of: "variable", n, keySet: ks, args, &scope, at: at).map { (.keyedVariable(v, $0, at), info.domain.type) }
        }
        if let o = observationIndex[n], observations[o].origin == .declared {
            touchedObservation = true
            observations[o].uses.append(at)
            let info = observations[o]
            guard let ks = info.keySet else {
                return noArgs("observation") ? (.observation(o), info.domain.type) : nil
            }
            return key(of: "observation", n, keySet: ks, args, &scope, at: at).map { (.keyedObservation(o, $0, at), info.domain.type) }
        }
        if let d = definitions[n] {
            return definition(d, args, e, &scope, expected: expected, atomize: atomize)
        }
        if setIndex[n] != nil {
            typeError("set '\(n)' is not a value; use it after 'in', in an aggregate, or in params/keys", e, scope)
            return nil
        }
        switch n {
        case "in_state":
            guard args.count == 1, case .string(let s) = args[0].kind else {
                bag.error(.arityMismatch, "in_state takes one state id in quotes: in_state('x')", at: at)
                return nil
            }
            guard let si = stateIndex[s] else {
                bag.error(.unknownEnumValue, "'\(s)' is not a state" + didYouMean(s, stateIndex.keys), at: loc(scope, args[0]))
                return nil
            }
            var marks = [Bool](repeating: false, count: states.count)
            for d in StateInfo.descendants(of: si, in: states) { marks[d] = true }
            return (.inState(marks), .bool)
        case "abs":
            guard args.count == 1 else {
                bag.error(.arityMismatch, "abs takes one argument", at: at)
                return nil
            }
            guard let (t, _) = check(args[0], &scope, expected: .int, atomize: false) else { return nil }
            return (.abs(t, at), .int)
        case "min", "max":
            guard args.count >= 2 else {
                bag.error(.arityMismatch, "\(n) takes two or more arguments, or the aggregate form \(n)(x in set: expr)", at: at)
                return nil
            }
            let checked = args.map { check($0, &scope, expected: .int, atomize: false) }
            var terms: [TExpr] = []
            for c in checked {
                guard let c else { return nil }
                terms.append(c.0)
            }
            // min(a, b, c) = min(min(a, b), c): every argument is evaluated.
            let folded = terms.dropFirst().reduce(terms[0]) { n == "min" ? .min2($0, $1) : .max2($0, $1) }
            return (folded, .int)
        default:
            return undeclared(n, args, e, &scope)
        }
    }

    /// The key of a keyed family's access `name(k)`, checked against its set.
    mutating func key(of kind: String, _ n: String, keySet ks: Int, _ args: [Expr], _ scope: inout Scope, at: SourceLoc) -> TExpr? {
        guard args.count == 1 else {
            bag.error(.arityMismatch, "\(kind) '\(n)' is keyed by set '\(sets[ks].name)'; write \(n)(k)", at: at)
            return nil
        }
        return check(args[0], &scope, expected: sets[ks].elementType, atomize: false)?.0
    }

    /// An undeclared observation: created on first use, its arity fixed by
    /// that use, its type inferred from all uses.
    mutating func undeclared(_ n: String, _ args: [Expr], _ e: Expr, _ scope: inout Scope) -> Typed? {
        let at = loc(scope, e)
        touchedObservation = true
        let o: Int
        if let existing = observationIndex[n] {
            o = existing
        } else {
            o = addObservation(ObservationInfo(name: n, origin: .inferred, domain: .int(nil), keySet: nil,
                                               keyType: nil, loc: at, uses: []))
            inferArity[o] = (args.count, at)
        }
        observations[o].uses.append(at)
        if let (count, first) = inferArity[o], count != args.count {
            let form = { (k: Int) in k == 0 ? "\(n)()" : "\(n)(" + Array(repeating: "_", count: k).joined(separator: ", ") + ")" }
            bag.error(.arityMismatch, "'\(n)' is used as \(form(args.count)) here but as \(form(count)) at line \(first.line)", at: at,
                      related: [.init(message: "first used as \(form(count)) here", location: first)])
            return nil
        }
        if args.count > 1 {
            bag.error(.arityMismatch, "'\(n)' is not declared; an undeclared observation takes at most one key", at: at)
            return nil
        }
        if let arg = args.first {
            guard let (k, kt) = check(arg, &scope, expected: observations[o].keyType, atomize: false) else { return nil }
            if observations[o].keyType == nil { observations[o].keyType = resolved(kt) }
            return (.keyedObservation(o, k, at), .unresolved(o))
        }
        return (.observation(o), .unresolved(o))
    }

    /// Inlines a definition: arguments are checked in the caller's scope,
    /// the body in the global scope with parameters bound to them.
    mutating func definition(_ d: DefinitionDecl, _ args: [Expr], _ e: Expr, _ scope: inout Scope,
                             expected: PType?, atomize: Bool) -> Typed? {
        let at = loc(scope, e)
        guard args.count == d.params.count else {
            bag.error(.arityMismatch, "definition '\(d.name.value)' takes \(d.params.count) argument(s), given \(args.count)", at: at)
            return nil
        }
        guard let body = d.body.expr else { return nil }
        inlinedNodes += 1
        if inlinedNodes > 200_000 {
            bag.error(.definitionTooLarge, "definitions expand to more than 200,000 uses; simplify them", at: at)
            return nil
        }
        var inner = Scope(text: d.body.text)
        inner.nextSlot = scope.nextSlot
        inner.aggregateWork = scope.aggregateWork
        for (p, a) in zip(d.params, args) {
            guard let typed = check(a, &scope, expected: nil, atomize: false) else { return nil }
            inner.substitutions[p] = typed
        }
        let result = check(body, &inner, expected: expected, atomize: atomize)
        scope.nextSlot = max(scope.nextSlot, inner.nextSlot)
        return result
    }
}
