/// Random numbers for the walks: xoshiro256** seeded through SplitMix64.
/// Fast, and the same sequence on every machine, so a seed reproduces a run.
struct WalkRandom {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// The generator of run `run` of a walk seeded with `seed`: every run
    /// has its own stream, so runs do not depend on which thread ran them.
    init(seed: UInt64, run: UInt64 = 0) {
        var x = seed ^ (run &* 0x9E37_79B9_7F4A_7C15)
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitmix(); s1 = splitmix(); s2 = splitmix(); s3 = splitmix()
    }

    @inline(__always) mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Uniform in `0..<n` (`n > 0`), by Lemire's multiply-shift; the tiny
    /// bias for huge `n` does not matter for sampling steps.
    @inline(__always) mutating func below(_ n: Int) -> Int {
        Int(UInt64(n).multipliedFullWidth(by: next()).high)
    }

    /// An integer for an unbounded domain, as a choice rank: small
    /// magnitudes are likely (a geometric number of bits), large ones possible.
    mutating func unboundedRank() -> UInt64 {
        // 3 bits (-4...3) half the time, 7 bits a quarter, 11 an eighth, ...
        let bits = min(63, 3 + 4 * next().trailingZeroBitCount)
        return next() & (bits == 63 ? UInt64.max >> 1 : (UInt64(1) << UInt64(bits)) - 1)
    }
}

/// How a value of a domain is written in a choice sequence: as its *rank*,
/// where 0 is the simplest value (false, 0 or the value nearest 0 in a
/// range, the first enum value) and larger ranks are less simple. Lowering a
/// rank while shrinking therefore simplifies the value, and every rank
/// decodes to some value of the domain, so no candidate is out of range.
struct ValueRanks {
    let model: TypedModel

    func rank(_ w: Int64, _ domain: Domain) -> UInt64 {
        switch domain {
        case .bool: return w != 0 ? 1 : 0
        case .int(let r):
            let base = r.map { min(max(0, $0.lowerBound), $0.upperBound) } ?? 0
            return zigzag(w &- base)
        case .enumeration(let e):
            let values = model.enums[e].values
            if let i = values.firstIndex(where: { Int64($0) == w }) { return UInt64(i) }
            return UInt64(values.count)
        }
    }

    /// The value of a rank (an open string's universe is its enum's values).
    func value(_ rank: UInt64, _ domain: Domain) -> Int64 {
        switch domain {
        case .bool: return rank == 0 ? 0 : 1
        case .int(let r):
            guard let r else { return unzigzag(rank) }
            let base = min(max(0, r.lowerBound), r.upperBound)
            let (v, o) = base.addingReportingOverflow(unzigzag(rank))
            if o { return rank & 1 == 0 ? r.upperBound : r.lowerBound }
            return min(max(v, r.lowerBound), r.upperBound)
        case .enumeration(let e):
            let values = model.enums[e].values
            if rank < UInt64(values.count) { return Int64(values[Int(rank)]) }
            return values.last.map { Int64($0) } ?? 0
        }
    }

    /// 0, -1, 1, -2, 2, ... as 0, 1, 2, 3, 4, ...
    func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }
    func unzigzag(_ r: UInt64) -> Int64 { Int64(bitPattern: r >> 1) ^ -Int64(bitPattern: r & 1) }
}

/// Shortlex order on choice sequences: shorter first, then lexicographic.
/// The shrinker only ever moves to a smaller sequence, so it terminates.
func shortlexLess(_ a: [UInt64], _ b: [UInt64]) -> Bool {
    if a.count != b.count { return a.count < b.count }
    for i in a.indices where a[i] != b[i] { return a[i] < b[i] }
    return false
}
