import CSupport
import Foundation

/// Every reached state, numbered in the order found (breadth-first, so the
/// queue is a cursor), with the number of the state it was first reached
/// from; and the visited set that says whether a state was reached.
///
/// The visited set is one of two kinds:
/// - **keys** (the default): a `KeySet` of one key per state. When a state
///   packs into one word the key is the state itself (through a bijection
///   of its bits), so the set is exact, and a slot takes 4 bytes up to 41
///   bits. Otherwise the key is a 64-bit
///   fingerprint of the state (hash compaction, as in TLC): two states with
///   one fingerprint count as one, so a collision can only hide states,
///   never add a violation (every trace is replayed). The log of states is
///   then read only at the queue's head and at a trace's few states, so its
///   blocks already expanded move to a temporary file (`release(below:)`).
/// - **indexed** (`--exact` for multi-word states, and whenever the search
///   needs the number of a state seen before, as `progress` does): a table
///   of state numbers whose lookups compare full states in the log, which
///   then stays in memory.
///
/// Memory per state with keys: 4 or 8 bytes per table slot (shards at most
/// 80% full, 53–80% after growing) and the log's blocks from the queue's head
/// on. Indexed: the log (`8 × words` + 4) and 8 per table slot.
final class StateStore {
    let words: Int
    let log: StateLog
    /// Keys of `keyBits` bits in 4-byte slots when they fit, else 8.
    private let keys32: KeySet<UInt32>?
    private let keys64: KeySet<UInt64>?
    private let keyBits: Int
    private let index: IndexTable?
    /// Whether keys are fingerprints (multi-word states without `--exact`).
    let fingerprints: Bool
    static let noParent = UInt32.max
    /// States are numbered with 32 bits.
    static let maxStates = Int(UInt32.max - 1)

    /// `indexed`: lookups must give the number of a state seen before.
    /// `spillAfter`: states the log holds before expanded blocks move to
    /// disk; `blockShift`: log₂ of its block's states. `alwaysFingerprint`
    /// (for tests): one-word states get fingerprints too.
    /// `stateBits`: the bits a one-word state uses.
    init(words: Int, stateBits: Int = 64, exact: Bool, indexed: Bool, spillAfter: Int = 1 << 22, blockShift: Int = 16,
         alwaysFingerprint: Bool = false) {
        self.words = words
        let useIndex = indexed || (exact && words > 1)
        log = StateLog(words: words, spillAfter: useIndex ? Int.max : spillAfter, blockShift: blockShift)
        index = useIndex ? IndexTable() : nil
        fingerprints = !useIndex && (words > 1 || alwaysFingerprint)
        keyBits = fingerprints ? 64 : max(1, min(64, stateBits))
        let small = keyBits - min(10, keyBits) <= 31
        keys32 = !useIndex && small ? KeySet(bits: keyBits) : nil
        keys64 = !useIndex && !small ? KeySet(bits: keyBits) : nil
    }

    var count: Int { log.count }

    /// Bytes held in memory: the visited set and the log's blocks in memory.
    var bytes: Int { (keys32?.bytes ?? 0) + (keys64?.bytes ?? 0) + (index?.bytes ?? 0) + log.bytes }

    /// What the next growth holds at its peak.
    var growthPeakBytes: Int {
        bytes + (keys32?.growthBytes ?? 0) + (keys64?.growthBytes ?? 0) + (index?.growthBytes ?? 0) + log.blockBytes
    }

    /// Bytes of the log written to the temporary file.
    var spilledBytes: Int { log.spilledBytes }

    /// The state numbered `i`. The pointer stays valid until the next call
    /// that reads a spilled block (`state`, `parent`) or adds a state.
    @inline(__always) func state(_ i: Int) -> UnsafeMutablePointer<UInt64> { log.state(i) }

    @inline(__always) func parent(_ i: Int) -> Int? {
        let p = log.parent(i)
        return p == StateStore.noParent ? nil : Int(p)
    }

    /// A copy of the state numbered `i`.
    func copy(_ i: Int) -> [UInt64] { Array(UnsafeBufferPointer(start: log.state(i), count: words)) }

    /// The key of a packed state: a bijection of its `keyBits` bits when
    /// it is one word, else its 64-bit fingerprint.
    @inline(__always) private func key(_ p: UnsafePointer<UInt64>) -> UInt64 {
        fingerprints ? StateStore.hash(p, words) : StateStore.mix(p[0], bits: keyBits)
    }

    /// A bijection of the words of `bits` bits that spreads nearby states
    /// apart: odd multipliers and right xor-shifts, modulo 2^bits, each
    /// invertible (SplitMix64's finalizer at 64 bits).
    @inline(__always) static func mix(_ x: UInt64, bits: Int = 64) -> UInt64 {
        if bits == 64 {
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let mask = (UInt64(1) << UInt64(bits)) - 1, half = UInt64((bits + 1) / 2)
        var z = (x &* 0x9E37_79B9_7F4A_7C15) & mask
        z ^= z >> half
        z = (z &* 0xBF58_476D_1CE4_E5B9) & mask
        return z ^ (z >> half)
    }

    @inline(__always) static func hash(_ p: UnsafePointer<UInt64>, _ words: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15
        for i in 0..<words { h = mix(h ^ p[i]) }
        return h
    }

    /// Starts loading the table slot where `p` would be found.
    @inline(__always) func prefetch(_ p: UnsafePointer<UInt64>) {
        if let k = keys32 { k.prefetch(key(p)) } else if let k = keys64 { k.prefetch(key(p)) } else { index?.prefetch(StateStore.hash(p, words)) }
    }

    /// Adds a packed state reached from `parent` unless it was seen: its
    /// number, and whether it is new. With keys, the number of a state seen
    /// before is not known: -1.
    @inline(__always) func insert(_ p: UnsafePointer<UInt64>, parent: Int?) -> (index: Int, inserted: Bool) {
        if let k = keys32 {
            guard k.insert(key(p)) else { return (-1, false) }
        } else if let k = keys64 {
            guard k.insert(key(p)) else { return (-1, false) }
        } else if let index {
            let h = StateStore.hash(p, words)
            if let i = index.find(h, { equal($0, p) }) { return (i, false) }
            index.add(h, count) { StateStore.hash(log.state($0), words) }
        }
        let i = log.count
        log.append(p, parent: parent.map { UInt32($0) } ?? StateStore.noParent)
        return (i, true)
    }

    @inline(__always) private func equal(_ i: Int, _ p: UnsafePointer<UInt64>) -> Bool {
        let q = log.state(i)
        for w in 0..<words where q[w] != p[w] { return false }
        return true
    }

    /// States below `head` were expanded: with keys, their blocks may move
    /// to disk.
    func release(below head: Int) { log.spill(below: head) }

    /// TLC's estimate of the chance that two of the states reached share a
    /// fingerprint: n²/2⁶⁵ for n states (nil when keys are exact).
    var collisionProbability: Double? {
        guard fingerprints else { return nil }
        let n = Double(count)
        return min(1, n * n / 36_893_488_147_419_103_232.0)
    }
}

/// A set of keys of `bits` bits: `2^shardBits` open-addressing shards
/// (by the key's top bits) that grow one at a time by half, so growing
/// never holds two copies of the whole set. A slot holds the key's bits
/// below the shard's, plus one (0 marks an empty slot): 4 bytes when they
/// fit, so a state of up to 41 bits costs 4 bytes a slot. A shard is at
/// most 80% full.
final class KeySet<Slot: FixedWidthInteger & UnsignedInteger> {
    private struct Shard {
        var slots: UnsafeMutablePointer<Slot>
        var size: Int
        var count: Int
    }
    private let shardBits: Int
    private let restBits: Int
    private let restMask: UInt64
    private let shards: UnsafeMutablePointer<Shard>
    private(set) var bytes = 0
    /// The size of the largest shard's next table.
    private(set) var growthBytes = 0
    private static var slotBytes: Int { MemoryLayout<Slot>.stride }

    /// Keys of `bits` bits (1…64); `Slot` must hold `bits - min(10, bits)`
    /// bits plus one value.
    init(bits: Int) {
        shardBits = min(10, bits)
        restBits = bits - shardBits
        restMask = restBits == 64 ? ~0 : (UInt64(1) << UInt64(restBits)) - 1
        let n = 1 << shardBits
        shards = .allocate(capacity: n)
        for s in 0..<n {
            let slots = UnsafeMutablePointer<Slot>.allocate(capacity: 16)
            slots.initialize(repeating: 0, count: 16)
            (shards + s).initialize(to: Shard(slots: slots, size: 16, count: 0))
        }
        bytes = n * (16 * KeySet.slotBytes + MemoryLayout<Shard>.stride)
        growthBytes = 24 * KeySet.slotBytes
    }

    deinit {
        for s in 0..<(1 << shardBits) { shards[s].slots.deallocate() }
        shards.deallocate()
    }

    /// The slot where a key's `rest` starts its probe in a table of `size`
    /// slots: the rest's bits scaled to the size.
    @inline(__always) private func home(_ rest: UInt64, _ size: Int) -> Int {
        Int((rest << UInt64(64 - restBits)).multipliedFullWidth(by: UInt64(size)).high)
    }

    @inline(__always) func prefetch(_ key: UInt64) {
        let s = shards[Int(truncatingIfNeeded: key >> UInt64(restBits))]
        pbcheck_prefetch(s.slots + home(key & restMask, s.size))
    }

    /// Adds `key`; false when it was there.
    @inline(__always) func insert(_ key: UInt64) -> Bool {
        let shard = shards + Int(truncatingIfNeeded: key >> UInt64(restBits))
        let rest = key & restMask
        let stored = Slot(truncatingIfNeeded: rest &+ 1)
        let size = shard.pointee.size, slots = shard.pointee.slots
        var slot = home(rest, size)
        while true {
            let e = slots[slot]
            if e == stored { return false }
            if e == 0 { break }
            slot += 1
            if slot == size { slot = 0 }
        }
        slots[slot] = stored
        shard.pointee.count += 1
        if shard.pointee.count * 5 > size * 4 { grow(shard) }
        return true
    }

    private func grow(_ shard: UnsafeMutablePointer<Shard>) {
        let old = shard.pointee
        let size = old.size + old.size / 2
        let slots = UnsafeMutablePointer<Slot>.allocate(capacity: size)
        slots.initialize(repeating: 0, count: size)
        for i in 0..<old.size where old.slots[i] != 0 {
            let stored = old.slots[i]
            var slot = home(UInt64(stored) &- 1, size)
            while slots[slot] != 0 {
                slot += 1
                if slot == size { slot = 0 }
            }
            slots[slot] = stored
        }
        old.slots.deallocate()
        shard.pointee = Shard(slots: slots, size: size, count: old.count)
        bytes += (size - old.size) * KeySet.slotBytes
        growthBytes = max(growthBytes, (size + size / 2) * KeySet.slotBytes)
    }
}

/// The indexed visited set: open addressing over state numbers, each slot
/// the hash's high 32 bits (a tag that spares most comparisons) and the
/// number + 1 in the low 32; 0 is empty. Kept at most 3/4 full.
final class IndexTable {
    private var table: UnsafeMutablePointer<UInt64>
    private var size = 1 << 16
    private var count = 0

    init() {
        table = .allocate(capacity: size)
        table.initialize(repeating: 0, count: size)
    }

    deinit { table.deallocate() }

    var bytes: Int { size * 8 }
    var growthBytes: Int { size * 16 }

    @inline(__always) func prefetch(_ h: UInt64) {
        pbcheck_prefetch(table + (Int(truncatingIfNeeded: h) & (size - 1)))
    }

    /// The number of the state with hash `h` that `same` accepts.
    @inline(__always) func find(_ h: UInt64, _ same: (Int) -> Bool) -> Int? {
        let mask = size - 1, tag = h & 0xFFFF_FFFF_0000_0000
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let e = table[slot]
            if e == 0 { return nil }
            let i = Int(e & 0xFFFF_FFFF) - 1
            if e & 0xFFFF_FFFF_0000_0000 == tag && same(i) { return i }
            slot = (slot + 1) & mask
        }
    }

    /// Adds state number `i` with hash `h` (not there: `find` said so).
    /// `rehash` gives the hash of a state number when the table grows.
    @inline(__always) func add(_ h: UInt64, _ i: Int, rehash: (Int) -> UInt64) {
        if (count + 1) * 4 > size * 3 {
            table.deallocate()
            size *= 2
            table = .allocate(capacity: size)
            table.initialize(repeating: 0, count: size)
            for j in 0..<count { place(rehash(j), j) }
        }
        place(h, i)
        count += 1
    }

    @inline(__always) private func place(_ h: UInt64, _ i: Int) {
        let mask = size - 1
        var slot = Int(truncatingIfNeeded: h) & mask
        while table[slot] != 0 { slot = (slot + 1) & mask }
        table[slot] = (h & 0xFFFF_FFFF_0000_0000) | UInt64(i + 1)
    }
}

/// The states in the order found, with their parents, in blocks of 2¹⁶
/// (by default).
/// Blocks wholly below the queue's head may move to an unlinked temporary
/// file (`spill`), once the log holds `spillAfter` states; they are read
/// back one block at a time (a trace's states, the final pass over the
/// reached control states). When the file cannot be written the blocks
/// stay in memory.
final class StateLog {
    let words: Int
    private let shift: Int
    private let size: Int
    private var states: [UnsafeMutablePointer<UInt64>?] = []
    private var parents: [UnsafeMutablePointer<UInt32>?] = []
    private(set) var count = 0
    private let spillAfter: Int
    /// Blocks `0..<spilled` are in the file.
    private var spilled = 0
    private var file: Int32 = -1
    private var fileFailed = false
    /// The spilled block read last, and its copy.
    private var cached = -1
    private let cacheStates: UnsafeMutablePointer<UInt64>
    private let cacheParents: UnsafeMutablePointer<UInt32>

    init(words: Int, spillAfter: Int, blockShift: Int) {
        self.words = words
        self.spillAfter = spillAfter
        shift = blockShift
        size = 1 << blockShift
        cacheStates = .allocate(capacity: size * words)
        cacheParents = .allocate(capacity: size)
    }

    deinit {
        for p in states { p?.deallocate() }
        for p in parents { p?.deallocate() }
        cacheStates.deallocate()
        cacheParents.deallocate()
        if file >= 0 { close(file) }
    }

    var blockBytes: Int { size * (words * 8 + 4) }
    /// Blocks in memory (the read-back copy only once used).
    var bytes: Int { (states.count - spilled + (cached >= 0 ? 1 : 0)) * blockBytes }
    var spilledBytes: Int { spilled * blockBytes }

    @inline(__always) func append(_ p: UnsafePointer<UInt64>, parent: UInt32) {
        let offset = count & (size - 1)
        if offset == 0 {
            states.append(.allocate(capacity: size * words))
            parents.append(.allocate(capacity: size))
        }
        let b = count >> shift
        guard let s = states[b], let q = parents[b] else { return }
        (s + offset * words).update(from: p, count: words)
        q[offset] = parent
        count += 1
    }

    @inline(__always) func state(_ i: Int) -> UnsafeMutablePointer<UInt64> {
        let b = i >> shift, offset = i & (size - 1)
        if let s = states[b] { return s + offset * words }
        load(b)
        return cacheStates + offset * words
    }

    @inline(__always) func parent(_ i: Int) -> UInt32 {
        let b = i >> shift, offset = i & (size - 1)
        if let q = parents[b] { return q[offset] }
        load(b)
        return cacheParents[offset]
    }

    /// Moves the blocks wholly below `head` to the file.
    func spill(below head: Int) {
        guard count >= spillAfter, !fileFailed else { return }
        while spilled < head >> shift {
            guard let s = states[spilled], let q = parents[spilled], openFile(),
                  write(UnsafeRawPointer(s), size * words * 8, at: spilled * blockBytes),
                  write(UnsafeRawPointer(q), size * 4, at: spilled * blockBytes + size * words * 8)
            else { fileFailed = true; return }
            s.deallocate()
            q.deallocate()
            states[spilled] = nil
            parents[spilled] = nil
            spilled += 1
        }
    }

    private func openFile() -> Bool {
        if file >= 0 { return true }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pbcheck-states-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).bin").path
        file = open(path, O_RDWR | O_CREAT | O_EXCL, 0o600)
        guard file >= 0 else { return false }
        unlink(path)
        return true
    }

    private func write(_ p: UnsafeRawPointer, _ n: Int, at offset: Int) -> Bool {
        var done = 0
        while done < n {
            let w = pwrite(file, p + done, n - done, off_t(offset + done))
            if w <= 0 { return false }
            done += w
        }
        return true
    }

    private func read(_ p: UnsafeMutableRawPointer, _ n: Int, at offset: Int) -> Bool {
        var done = 0
        while done < n {
            let r = pread(file, p + done, n - done, off_t(offset + done))
            if r <= 0 { return false }
            done += r
        }
        return true
    }

    private func load(_ b: Int) {
        guard cached != b else { return }
        let base = b * blockBytes
        if read(UnsafeMutableRawPointer(cacheStates), size * words * 8, at: base),
           read(UnsafeMutableRawPointer(cacheParents), size * 4, at: base + size * words * 8) {
            cached = b
        } else {
            // A file written by this process that cannot be read back: the
            // copy is zeroed, so a trace through it fails to rebuild and
            // says so, rather than trapping.
            cacheStates.update(repeating: 0, count: size * words)
            cacheParents.update(repeating: StateStore.noParent, count: size)
            cached = -1
        }
    }
}
