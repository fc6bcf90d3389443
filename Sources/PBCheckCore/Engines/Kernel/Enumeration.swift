/// A step's witnesses found without a solver: when every observation it
/// reads and every `:= any` it takes has a small finite domain, the step is
/// fired through `fire` with every combination of their values, and each
/// combination that shows something new becomes a witness. Exact, as Z3
/// is, and much faster: Z3 takes one query per successor (bank-account's
/// first 1,000 states, 177,000 queries).
///
/// The witnesses are those Z3 would give, in the same order of purposes
/// (evaluation errors, range per effect, successors, contracts per
/// successor), with one canonical snapshot each: the first combination in
/// odometer order, the observations' keys sorted (`Snapshot.Key`'s order),
/// then the `any` values, each value list in its domain's order (false
/// before true, integers ascending, enum values as declared), the last
/// list turning fastest. The snapshot holds the observations Z3's
/// translation of the step reads at this state, no more.
extension SnapshotOracle {
    /// The witnesses of instance `inst` at the state in `frame`, by
    /// enumeration; nil when it does not apply (a read at a key the state
    /// does not fix, an unbounded domain, or more than `enumerationLimit`
    /// combinations), and Z3 answers instead. `terms` are the observations
    /// the step's translation made.
    func enumerate(_ inst: Int, _ frame: Frame, _ terms: SnapshotTerms) throws(Failure) -> [Witness]? {
        guard enumerationLimit > 0, terms.readKeys.allSatisfy({ $0 == nil }) else { return nil }
        let model = system.model
        let instance = system.instances[inst]
        let keys = terms.keys.sorted()
        var lists: [[Int64]] = []
        var combinations = 1
        let domains = keys.map { model.observations[$0.observation].domain }
            + instance.anyEffects.map { model.variables[instance.effects[$0].variable].domain }
        for d in domains {
            guard let words = finiteWords(d, atMost: enumerationLimit / max(combinations, 1)) else { return nil }
            // An empty domain: no snapshot at all, so no witness (Z3: unsat).
            if words.isEmpty { return [] }
            combinations *= words.count
            lists.append(words)
        }
        let src = scratch.src
        for s in 0..<frame.varCount { src.vars[s] = frame.vars[s] }
        guard system.layout.pack(src.vars, into: packed) else { return nil }
        let observed = keys.count
        var any = lists[observed...].map { $0[0] }
        src.snapshot = Snapshot()
        for (j, k) in keys.enumerated() { src.snapshot.values[k] = lists[j][0] }
        defer { src.snapshot = Snapshot() }

        let words = system.layout.words
        let evalError = system.evalErrorProperty
        let contracts = system.entryContracts[instance.to]
        // Effects whose value is range-checked (Z3's `rangeChecks`).
        let bounded = instance.effects.indices.filter {
            let d = model.variables[instance.effects[$0].variable].domain
            return d != .bool && d != .int(nil)
        }
        var overflowed: Witness?, guardError: Witness?, effectError: Witness?
        var ranges = [Witness?](repeating: nil, count: instance.effects.count)
        var successors: [Witness] = []
        var seen = SuccessorTable(words: words, capacity: min(combinations, maxSuccessors))
        // Per successor, per contract: false, then undefined.
        var failures: [[Witness?]] = []
        var truncated = false
        var index = [Int](repeating: 0, count: lists.count)
        var tried = 0
        while true {
            tried += 1
            if tried & 1023 == 0, let reason = budget.exhausted { throw .unknown(reason.description) }
            var overflow: EvalError?
            let f = system.fire(inst, scratch, packed: packed, any: any, out: scratch.out, limit: &overflow)
            func witness(_ p: Witness.Purpose) -> Witness { Witness(snapshot: src.snapshot, any: any, purpose: p) }
            if overflow != nil {
                // Past 64 bits: the caller fires it again and stops there.
                if overflowed == nil { overflowed = witness(.successor) }
            } else if !f.enabled {
                if guardError == nil && f.findings.contains(where: { $0.property == evalError }) { guardError = witness(.evalError) }
            } else {
                // Enabled without a successor and an evaluation error: an
                // effect failed (contracts are evaluated only on success).
                if effectError == nil && !f.successor && f.findings.contains(where: { $0.property == evalError }) {
                    effectError = witness(.effectError)
                }
                for t in bounded where ranges[t] == nil && scratch.fields[t] >= 0 {
                    let v = instance.effects[t].variable
                    if !system.inDomain(scratch.values[t], model.variables[v].domain) { ranges[t] = witness(.range(variable: v)) }
                }
                if f.successor {
                    var n = seen.find(scratch.out)
                    if n == nil {
                        if successors.count < maxSuccessors {
                            n = seen.add(scratch.out)
                            successors.append(witness(.successor))
                            failures.append([Witness?](repeating: nil, count: contracts.count * 2))
                        } else if sampleSuccessors {
                            truncated = true
                        } else {
                            throw .unknown("'\(model.transitions[instance.transition].id)' has more than \(maxSuccessors) successors that depend on observations")
                        }
                    }
                    // `fire` left the successor and the snapshot in `post`.
                    if let n {
                        for (c, contract) in contracts.enumerated() {
                            var kind: Int?
                            do throws(EvalError) {
                                if try contract.fn(scratch.post) == 0 { kind = 0 }
                            } catch {
                                if case .overflow = error {} else { kind = 1 }
                            }
                            if let kind, failures[n][c * 2 + kind] == nil {
                                failures[n][c * 2 + kind] = witness(.contract(property: contract.property))
                            }
                        }
                    }
                }
            }
            // The next combination: the last list turns fastest.
            var k = lists.count - 1
            while k >= 0 {
                index[k] += 1
                let done = index[k] == lists[k].count
                if done { index[k] = 0 }
                let w = lists[k][index[k]]
                if k < observed { src.snapshot.values[keys[k]] = w } else { any[k - observed] = w }
                if !done { break }
                k -= 1
            }
            if k < 0 { break }
        }
        if truncated { truncatedSteps += 1 }
        snapshotsTried += tried
        var found: [Witness] = []
        for w in [overflowed, guardError, effectError] { if let w { found.append(w) } }
        found += ranges.compactMap { $0 }
        found += successors
        for f in failures { found += f.compactMap { $0 } }
        return found
    }

    /// The words of a domain in its order, when there are at most `limit`.
    private func finiteWords(_ d: Domain, atMost limit: Int) -> [Int64]? {
        switch d {
        case .bool: return limit >= 2 ? [0, 1] : nil
        case .int(nil): return nil
        case .int(let r?):
            let (span, overflow) = r.upperBound.subtractingReportingOverflow(r.lowerBound)
            guard !overflow, span < Int64(limit) else { return nil }
            return Array(r)
        case .enumeration(let e):
            let values = system.model.enums[e].values
            return values.count <= limit ? values.map { Int64($0) } : nil
        }
    }
}

/// The distinct successors of one step, numbered in the order first seen:
/// the packed states in one flat buffer, found again by open addressing
/// (cheaper than a dictionary keyed by arrays, in the enumeration's loop).
private struct SuccessorTable {
    let words: Int
    private var states: [UInt64] = []
    private var count = 0
    /// Per slot, the successor's number plus one; 0 for an empty slot.
    private var slots: [Int32]
    private let mask: Int

    init(words: Int, capacity: Int) {
        self.words = words
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Int32](repeating: 0, count: size)
        mask = size - 1
    }

    private func hash(_ p: UnsafePointer<UInt64>) -> Int {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15
        for w in 0..<words { h = (h ^ p[w]) &* 0xBF58_476D_1CE4_E5B9; h ^= h >> 31 }
        return Int(truncatingIfNeeded: h)
    }

    private func equal(_ n: Int, _ p: UnsafePointer<UInt64>) -> Bool {
        for w in 0..<words where states[n * words + w] != p[w] { return false }
        return true
    }

    /// The number of the successor `p`, if it was added.
    func find(_ p: UnsafePointer<UInt64>) -> Int? {
        var i = hash(p) & mask
        while slots[i] != 0 {
            let n = Int(slots[i]) - 1
            if equal(n, p) { return n }
            i = (i + 1) & mask
        }
        return nil
    }

    /// Adds `p` (not yet added) and returns its number. The table holds at
    /// most `capacity` successors.
    mutating func add(_ p: UnsafePointer<UInt64>) -> Int {
        let n = count
        count += 1
        states.append(contentsOf: UnsafeBufferPointer(start: p, count: words))
        var i = hash(p) & mask
        while slots[i] != 0 { i = (i + 1) & mask }
        slots[i] = Int32(n + 1)
        return n
    }
}
