import CSupport

/// The visited set: every reached state packed, in the order found (so in
/// breadth-first order, and the queue is just a cursor into it), with the
/// index of the state it was first reached from.
///
/// Memory per state: `8 × words` for the state, 4 for its parent, and 8 per
/// table slot (the open-addressing table is kept at most 3/4 full).
final class StateStore {
    let words: Int
    private(set) var count = 0
    private var capacity: Int
    private var data: UnsafeMutablePointer<UInt64>
    private var parents: UnsafeMutablePointer<UInt32>
    /// Each slot: the hash's high 32 bits (a tag that spares most data
    /// comparisons) and index + 1 in the low 32; 0 is empty.
    private var table: UnsafeMutablePointer<UInt64>
    private var tableSize: Int
    static let noParent = UInt32.max

    init(words: Int, expected: Int = 1 << 16) {
        self.words = words
        // A first allocation of at most 64 MiB, however large a state is.
        capacity = max(16, min(expected, (1 << 26) / max(1, words * 8)))
        data = .allocate(capacity: capacity * words)
        parents = .allocate(capacity: capacity)
        tableSize = 1
        while tableSize < capacity * 4 / 3 + 1 { tableSize <<= 1 }
        table = .allocate(capacity: tableSize)
        table.initialize(repeating: 0, count: tableSize)
    }

    deinit {
        data.deallocate()
        parents.deallocate()
        table.deallocate()
    }

    var bytes: Int { capacity * (words * 8 + 4) + tableSize * 8 }

    /// What the next growth holds at its peak: the old and the new arrays
    /// side by side, and the doubled table.
    var growthPeakBytes: Int {
        let perState = words * 8 + 4
        return (capacity + capacity + capacity / 2) * perState + tableSize * 16
    }

    @inline(__always) func state(_ i: Int) -> UnsafeMutablePointer<UInt64> { data + i * words }
    @inline(__always) func parent(_ i: Int) -> Int? {
        let p = parents[i]
        return p == StateStore.noParent ? nil : Int(p)
    }

    @inline(__always) private func hash(_ p: UnsafePointer<UInt64>) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15
        for i in 0..<words { h = (h ^ p[i]) &* 0xFF51_AFD7_ED55_8CCD; h ^= h >> 32 }
        h ^= h >> 33
        h = h &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        return h
    }

    @inline(__always) private func equal(_ i: Int, _ p: UnsafePointer<UInt64>) -> Bool {
        let q = data + i * words
        for w in 0..<words where q[w] != p[w] { return false }
        return true
    }

    /// Starts loading the table slot where `p` would be found.
    @inline(__always) func prefetch(_ p: UnsafePointer<UInt64>) {
        pbcheck_prefetch(table + (Int(truncatingIfNeeded: hash(p)) & (tableSize - 1)))
    }

    /// Adds a packed state reached from `parent` unless it was seen.
    /// Invalidates pointers from `state(_:)` when it grows.
    @inline(__always) func insert(_ p: UnsafePointer<UInt64>, parent: Int?) -> (index: Int, inserted: Bool) {
        let mask = tableSize - 1
        let h = hash(p)
        let tag = h & 0xFFFF_FFFF_0000_0000
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let e = table[slot]
            if e == 0 { break }
            let i = Int(e & 0xFFFF_FFFF) - 1
            if e & 0xFFFF_FFFF_0000_0000 == tag && equal(i, p) { return (i, false) }
            slot = (slot + 1) & mask
        }
        if count == capacity || (count + 1) * 4 > tableSize * 3 { grow(); return insert(p, parent: parent) }
        let i = count
        (data + i * words).update(from: p, count: words)
        parents[i] = parent.map { UInt32($0) } ?? StateStore.noParent
        table[slot] = tag | UInt64(i + 1)
        count += 1
        return (i, true)
    }

    /// States are numbered with 32 bits.
    static let maxStates = Int(UInt32.max - 1)

    private func grow() {
        if (count + 1) * 4 > tableSize * 3 { rehash() }
        guard count == capacity else { return }
        let newCapacity = capacity + capacity / 2
        let d = UnsafeMutablePointer<UInt64>.allocate(capacity: newCapacity * words)
        d.moveInitialize(from: data, count: count * words)
        data.deallocate()
        data = d
        let p = UnsafeMutablePointer<UInt32>.allocate(capacity: newCapacity)
        p.moveInitialize(from: parents, count: count)
        parents.deallocate()
        parents = p
        capacity = newCapacity
    }

    private func rehash() {
        do {
            table.deallocate()
            tableSize *= 2
            table = .allocate(capacity: tableSize)
            table.initialize(repeating: 0, count: tableSize)
            let mask = tableSize - 1
            for i in 0..<count {
                let h = hash(data + i * words)
                var slot = Int(truncatingIfNeeded: h) & mask
                while table[slot] != 0 { slot = (slot + 1) & mask }
                table[slot] = (h & 0xFFFF_FFFF_0000_0000) | UInt64(i + 1)
            }
        }
    }
}
