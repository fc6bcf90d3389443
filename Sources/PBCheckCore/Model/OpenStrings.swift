/// Substring on strings as Z3's `str.contains` defines it: over Unicode
/// code points, and the empty string is in every string. (Swift's
/// `String.contains` works on grapheme clusters and Foundation's says no to
/// the empty string; the engines must agree with each other and with SPEC.)
public func stringContains(_ s: String, _ t: String) -> Bool {
    if t.isEmpty { return true }
    let a = Array(s.unicodeScalars), b = Array(t.unicodeScalars)
    guard b.count <= a.count else { return false }
    var i = 0
    while i + b.count <= a.count {
        if a[i] == b[0] && Array(a[i..<(i + b.count)]) == b { return true }
        i += 1
    }
    return false
}

/// The finite set of strings that stands, exactly, for every string an
/// undeclared string observation may hold (SPEC §2).
///
/// Strings reach the model only through `==`/`!=`/`in` with a known string
/// (a literal, a state id, an enum or set value), assignment into a closed
/// enum (a membership test), and `contains`. So a string matters only by
/// which known string it equals, which `contains` patterns it contains, and
/// which known strings contain it. The universe holds every known string,
/// every substring of a known string that some observation is looked for
/// in, and one representative per set of patterns a string can contain: the
/// maximal patterns joined by a separator that no known string contains (so
/// no pattern can match across a join, and no representative equals or is
/// contained in a known string). Every engine then treats an open
/// observation as an enum over this universe, and every answer is the one
/// some real string gives.
///
/// Not exact in one case, which the builder reports as a warning: `contains`
/// between two open observations (their representatives realize only some
/// of the containments real strings can have).
struct OpenStringUniverse {
    /// Patterns sought in an open string (`u contains 'p'`).
    var patterns: Set<String> = []
    /// Known strings an open string is sought in (`'text' contains u`).
    var hosts: Set<String> = []
    /// Distinct representatives per pattern set: more than one when open
    /// strings are compared with each other (`u == v` can be false for two
    /// strings with the same patterns).
    var variants = 1

    static let maxProfiles = 4096

    static let maxHostSubstrings = 50_000

    enum Failure: Error {
        case tooManyPatterns(Int)
        case hostsTooLong
    }

    /// Every string of the universe not already in `known`, in a fixed order.
    func extraStrings(known: [String]) throws(Failure) -> [String] {
        var seen = Set(known)
        var out: [String] = []
        func add(_ s: String) { if seen.insert(s).inserted { out.append(s) } }
        let work = hosts.reduce(0) { n, h in let k = h.unicodeScalars.count; return n + k * (k + 1) / 2 }
        if work > OpenStringUniverse.maxHostSubstrings { throw .hostsTooLong }
        for h in hosts.sorted() {
            let scalars = Array(h.unicodeScalars)
            add("")
            for i in scalars.indices {
                for j in (i + 1)...scalars.count {
                    var s = String.UnicodeScalarView()
                    s.append(contentsOf: scalars[i..<j])
                    add(String(s))
                }
            }
        }
        let all = known + out
        let separator = OpenStringUniverse.separator(avoiding: all)
        // Patterns by length, so a pattern's sub-patterns come first.
        let ps = patterns.sorted { ($0.unicodeScalars.count, $0) < ($1.unicodeScalars.count, $1) }
        let below: [[Int]] = ps.indices.map { i in ps.indices.filter { j in j < i && stringContains(ps[i], ps[j]) } }
        // Down-closed sets of patterns: a string containing a pattern
        // contains every pattern inside it.
        var profiles: [[Int]] = []
        var current: [Int] = []
        var included = [Bool](repeating: false, count: ps.count)
        var overflow = false
        func walk(_ i: Int) {
            if overflow { return }
            if i == ps.count {
                profiles.append(current)
                if profiles.count > OpenStringUniverse.maxProfiles { overflow = true }
                return
            }
            walk(i + 1)
            if below[i].allSatisfy({ included[$0] }) {
                included[i] = true
                current.append(i)
                walk(i + 1)
                current.removeLast()
                included[i] = false
            }
        }
        walk(0)
        if overflow { throw .tooManyPatterns(ps.count) }
        for p in profiles {
            let maximal = p.filter { i in !p.contains { j in j != i && stringContains(ps[j], ps[i]) } }
            let body = maximal.map { ps[$0] }.sorted().joined(separator: separator)
            for v in 1...max(variants, 1) { add(body + String(repeating: separator, count: v)) }
        }
        return out
    }

    /// A character no known string contains: readable ones first.
    static func separator(avoiding strings: [String]) -> String {
        var used = Set<Unicode.Scalar>()
        for s in strings { used.formUnion(s.unicodeScalars) }
        for c in "~|#^_+@%&*=!?;:/".unicodeScalars where !used.contains(c) { return String(c) }
        var v: UInt32 = 0xE000
        while let c = Unicode.Scalar(v), used.contains(c) { v += 1 }
        return String(Unicode.Scalar(v) ?? "~")
    }
}
