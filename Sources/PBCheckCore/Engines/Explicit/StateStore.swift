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
    /// The visited set's disk tier, once keys moved out of memory.
    private var disk: DiskKeys?
    /// With a disk tier, states new to the keys in memory but perhaps on
    /// disk, in the order found: packed back to back, with their parents
    /// and keys. `settle` decides them.
    private var candidates: [UInt64] = []
    private var candidateParents: [UInt32] = []
    private var candidateKeys: [UInt64] = []
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
    var bytes: Int {
        keyBytes + (index?.bytes ?? 0) + log.bytes + (disk?.memoryBytes ?? 0) + candidateKeys.count * (words * 8 + 12)
    }

    /// Bytes of the keys in memory.
    var keyBytes: Int { (keys32?.bytes ?? 0) + (keys64?.bytes ?? 0) }

    /// Whether the visited set can move keys to disk (it holds keys, not
    /// state numbers).
    var canSpillKeys: Bool { keys32 != nil || keys64 != nil }

    /// Whether states wait for `settle`.
    var hasCandidates: Bool { !candidateKeys.isEmpty }

    /// What the next growth holds at its peak.
    var growthPeakBytes: Int {
        bytes + (keys32?.growthBytes ?? 0) + (keys64?.growthBytes ?? 0) + (index?.growthBytes ?? 0) + log.blockBytes
    }

    /// Bytes of the log written to its temporary file.
    var spilledBytes: Int { log.spilledBytes }
    /// Bytes of the visited set on disk.
    var diskKeyBytes: Int { disk?.bytes ?? 0 }

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

    /// What the visited set looks a packed state up by: its key, or with
    /// the indexed set its hash. Computed once for `prefetch` and `insert`.
    @inline(__always) func probe(_ p: UnsafePointer<UInt64>) -> UInt64 {
        keys32 != nil || keys64 != nil ? key(p) : StateStore.hash(p, words)
    }

    /// Starts loading the table slot where the state with `probe` would be found.
    @inline(__always) func prefetch(probe: UInt64) {
        if let k = keys32 { k.prefetch(probe) } else if let k = keys64 { k.prefetch(probe) } else { index?.prefetch(probe) }
    }

    /// Starts loading the table slot where `p` would be found.
    @inline(__always) func prefetch(_ p: UnsafePointer<UInt64>) { prefetch(probe: probe(p)) }

    /// Adds a packed state reached from `parent` unless it was seen: its
    /// number, and whether it is new. With keys, the number of a state seen
    /// before is not known: -1.
    @inline(__always) func insert(_ p: UnsafePointer<UInt64>, parent: Int?) -> (index: Int, inserted: Bool) {
        insert(p, probe: probe(p), parent: parent)
    }

    /// `insert` with the state's `probe` already computed.
    @inline(__always) func insert(_ p: UnsafePointer<UInt64>, probe k: UInt64, parent: Int?) -> (index: Int, inserted: Bool) {
        let parentWord = parent.map { UInt32($0) } ?? StateStore.noParent
        if keys32 != nil || keys64 != nil {
            if let s = keys32 { guard s.insert(k) else { return (-1, false) } }
            else if let s = keys64 { guard s.insert(k) else { return (-1, false) } }
            if disk != nil {
                candidates.append(contentsOf: UnsafeBufferPointer(start: p, count: words))
                candidateParents.append(parentWord)
                candidateKeys.append(k)
                return (-1, false)
            }
        } else if let index {
            if let i = index.find(k, { equal($0, p) }) { return (i, false) }
            index.add(k, count) { StateStore.hash(log.state($0), words) }
        }
        return (add(p, parentWord: parentWord), true)
    }

    /// Whether threads may decide states at once (`claim`): keys in
    /// memory only, no state numbers wanted.
    var claimsConcurrently: Bool { (keys32 != nil || keys64 != nil) && disk == nil }

    /// Which of `threads` threads decides the state with `probe`: each
    /// owns a run of the key set's shards (a run, so that no cache line of
    /// shard counts is written by two threads).
    @inline(__always) func owner(ofProbe probe: UInt64, threads: Int) -> Int {
        if let k = keys32 { return k.shard(of: probe) * threads / k.shardCount }
        if let k = keys64 { return k.shard(of: probe) * threads / k.shardCount }
        return 0
    }

    /// The first part of `insert` for the thread that owns `probe`'s shard:
    /// whether the state is new to the visited set, which then holds it.
    /// `add` (on one thread, in the order found) puts the new ones in the log.
    @inline(__always) func claim(probe: UInt64, tally: inout (KeySet<UInt32>.Tally, KeySet<UInt64>.Tally)) -> Bool {
        if let s = keys32 { return s.insert(probe, tally: &tally.0) }
        if let s = keys64 { return s.insert(probe, tally: &tally.1) }
        preconditionFailure("claim needs keys in memory (claimsConcurrently)")
    }

    func apply(_ tally: (KeySet<UInt32>.Tally, KeySet<UInt64>.Tally)) {
        keys32?.apply(tally.0)
        keys64?.apply(tally.1)
    }

    /// Puts a state `claim` found new in the log: its number.
    @inline(__always) func add(_ p: UnsafePointer<UInt64>, parent: Int) -> Int { add(p, parentWord: UInt32(parent)) }

    @inline(__always) private func add(_ p: UnsafePointer<UInt64>, parentWord: UInt32) -> Int {
        log.append(p, parent: parentWord)
        return log.count - 1
    }

    @inline(__always) private func equal(_ i: Int, _ p: UnsafePointer<UInt64>) -> Bool {
        let q = log.state(i)
        for w in 0..<words where q[w] != p[w] { return false }
        return true
    }

    /// Decides the candidates against the disk tier: those not there are
    /// added, in the order found, and `onNew` is called with each one's
    /// number. False when the disk tier cannot be read (states may then be
    /// missing: the search must stop).
    func settle(_ onNew: (Int) -> Void) -> Bool {
        guard let disk, !candidateKeys.isEmpty else { return true }
        let order = candidateKeys.indices.sorted { candidateKeys[$0] < candidateKeys[$1] }
        guard let present = disk.containsSorted(order.map { candidateKeys[$0] }) else { return false }
        var known = [Bool](repeating: false, count: order.count)
        for (j, i) in order.enumerated() { known[i] = present[j] }
        candidates.withUnsafeBufferPointer { buf in
            for i in known.indices where !known[i] {
                log.append(buf.baseAddress! + i * words, parent: candidateParents[i])
                onNew(log.count - 1)
            }
        }
        candidates.removeAll()
        candidateParents.removeAll()
        candidateKeys.removeAll()
        return true
    }

    /// Moves every key in memory to the disk tier (settle first: the
    /// candidates' keys must stay in memory until they are decided).
    /// False when the file cannot be written; nothing is lost then.
    func spillKeys() -> Bool {
        guard !hasCandidates else { return false }
        let tier = disk ?? DiskKeys()
        var run: [UInt64] = []
        func merge<Slot>(_ set: KeySet<Slot>) -> Bool {
            let ok = tier.merge { next in
                for s in 0..<set.shardCount {
                    run.removeAll(keepingCapacity: true)
                    set.forEachKey(inShard: s) { run.append($0) }
                    run.sort()
                    run.withUnsafeBufferPointer { next($0) }
                }
            }
            if ok { set.removeAll() }
            return ok
        }
        let ok = keys32.map(merge) ?? keys64.map(merge) ?? false
        if ok { disk = tier }
        return ok
    }

    /// States below `head` were expanded: with keys, their blocks may move
    /// to disk (once the log is long, or now when `force`d).
    func release(below head: Int, force: Bool = false) { log.spill(below: head, force: force) }

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
    /// `count` zeroed slots (huge pages for large tables: `pbcheck_table_alloc`).
    private static func slots(_ count: Int) -> UnsafeMutablePointer<Slot> {
        guard let raw = pbcheck_table_alloc(count * slotBytes) else {
            fatalError("out of memory for \(count * slotBytes) bytes of the visited set")
        }
        return raw.bindMemory(to: Slot.self, capacity: count)
    }

    private static func free(_ slots: UnsafeMutablePointer<Slot>, _ count: Int) {
        pbcheck_table_free(UnsafeMutableRawPointer(slots), count * slotBytes)
    }

    init(bits: Int) {
        shardBits = min(10, bits)
        restBits = bits - shardBits
        restMask = restBits == 64 ? ~0 : (UInt64(1) << UInt64(restBits)) - 1
        let n = 1 << shardBits
        shards = .allocate(capacity: n)
        for s in 0..<n { (shards + s).initialize(to: Shard(slots: KeySet.slots(16), size: 16, count: 0)) }
        bytes = n * (16 * KeySet.slotBytes + MemoryLayout<Shard>.stride)
        growthBytes = 24 * KeySet.slotBytes
    }

    deinit {
        for s in 0..<(1 << shardBits) { KeySet.free(shards[s].slots, shards[s].size) }
        shards.deallocate()
    }

    var shardCount: Int { 1 << shardBits }
    /// Keys held (in memory).
    private(set) var count = 0

    /// Calls `body` with every key of shard `s`, in no order.
    func forEachKey(inShard s: Int, _ body: (UInt64) -> Void) {
        let shard = shards[s], top = UInt64(s) << UInt64(restBits)
        for i in 0..<shard.size where shard.slots[i] != 0 { body(top | (UInt64(shard.slots[i]) &- 1)) }
    }

    /// Forgets every key, giving their memory back.
    func removeAll() {
        for s in 0..<shardCount {
            KeySet.free(shards[s].slots, shards[s].size)
            shards[s] = Shard(slots: KeySet.slots(16), size: 16, count: 0)
        }
        bytes = shardCount * (16 * KeySet.slotBytes + MemoryLayout<Shard>.stride)
        count = 0
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

    /// What inserts by several threads change besides their own shards,
    /// added up per thread and applied after (`apply`).
    struct Tally {
        var count = 0
        var bytes = 0
        var growthBytes = 0
    }

    /// The shard a key lives in: threads that own disjoint sets of shards
    /// may insert at once (`insert(_:tally:)`).
    @inline(__always) func shard(of key: UInt64) -> Int { Int(truncatingIfNeeded: key >> UInt64(restBits)) }

    func apply(_ t: Tally) {
        count += t.count
        bytes += t.bytes
        growthBytes = max(growthBytes, t.growthBytes)
    }

    /// Adds `key`; false when it was there.
    @inline(__always) func insert(_ key: UInt64) -> Bool {
        var t = Tally()
        let inserted = insert(key, tally: &t)
        if inserted { apply(t) }
        return inserted
    }

    /// Adds `key`, touching only its shard; what else changes goes to `t`.
    @inline(__always) func insert(_ key: UInt64, tally t: inout Tally) -> Bool {
        let shard = shards + shard(of: key)
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
        t.count += 1
        if shard.pointee.count * 5 > size * 4 { grow(shard, &t) }
        return true
    }

    private func grow(_ shard: UnsafeMutablePointer<Shard>, _ t: inout Tally) {
        let old = shard.pointee
        let size = old.size + old.size / 2
        let slots = KeySet.slots(size)
        for i in 0..<old.size where old.slots[i] != 0 {
            let stored = old.slots[i]
            var slot = home(UInt64(stored) &- 1, size)
            while slots[slot] != 0 {
                slot += 1
                if slot == size { slot = 0 }
            }
            slots[slot] = stored
        }
        KeySet.free(old.slots, old.size)
        shard.pointee = Shard(slots: slots, size: size, count: old.count)
        t.bytes += (size - old.size) * KeySet.slotBytes
        t.growthBytes = max(t.growthBytes, (size + size / 2) * KeySet.slotBytes)
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
    /// Blocks in the file (at `b × blockBytes`), and the first that may
    /// still be in memory.
    private var spilled = 0
    private var firstInMemory = 0
    private var file: TempFile?
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

    /// Moves the blocks wholly below `head` to the file. `force`: also
    /// when the log is short, and every full block above `head` too (the
    /// queue, read back a block at a time as the search reaches it).
    func spill(below head: Int, force: Bool) {
        guard count >= spillAfter || (force && spillAfter < Int.max), !fileFailed else { return }
        while firstInMemory < head >> shift {
            guard spillBlock(firstInMemory) else { return }
            firstInMemory += 1
        }
        if force {
            for b in firstInMemory..<max(firstInMemory, count >> shift) where states[b] != nil {
                guard spillBlock(b) else { return }
            }
        }
    }

    private func spillBlock(_ b: Int) -> Bool {
        guard let s = states[b], let q = parents[b] else { return true }
        if file == nil { file = TempFile(prefix: "pbcheck-states") }
        guard let file, file.write(UnsafeRawPointer(s), size * words * 8, at: b * blockBytes),
              file.write(UnsafeRawPointer(q), size * 4, at: b * blockBytes + size * words * 8)
        else { fileFailed = true; return false }
        s.deallocate()
        q.deallocate()
        states[b] = nil
        parents[b] = nil
        spilled += 1
        return true
    }

    private func load(_ b: Int) {
        guard cached != b else { return }
        let base = b * blockBytes
        if let file, file.read(UnsafeMutableRawPointer(cacheStates), size * words * 8, at: base),
           file.read(UnsafeMutableRawPointer(cacheParents), size * 4, at: base + size * words * 8) {
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
