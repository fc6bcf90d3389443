import Foundation

/// An unlinked temporary file: it disappears with the process, however the
/// process ends. Whole reads and writes at an offset; false on failure.
final class TempFile {
    let fd: Int32

    init?(prefix: String) {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(prefix)-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).bin").path
        fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { return nil }
        unlink(path)
    }

    deinit { close(fd) }

    func write(_ p: UnsafeRawPointer, _ n: Int, at offset: Int) -> Bool {
        var done = 0
        while done < n {
            let w = pwrite(fd, p + done, n - done, off_t(offset + done))
            if w <= 0 { return false }
            done += w
        }
        return true
    }

    func read(_ p: UnsafeMutableRawPointer, _ n: Int, at offset: Int) -> Bool {
        var done = 0
        while done < n {
            let r = pread(fd, p + done, n - done, off_t(offset + done))
            if r <= 0 { return false }
            done += r
        }
        return true
    }
}

/// The visited set's disk tier (TLC's disk-backed fingerprint set): every
/// key moved out of memory, sorted, in a temporary file of pages of 4,096
/// keys, with the first key of each page in memory. Keys arrive in
/// batches (`merge`, one memory shard at a time in key order, since a
/// shard is a range of keys), and are looked up in batches too
/// (`containsSorted`): a sorted batch reads each page at most once.
final class DiskKeys {
    static let pageKeys = 4096
    private var file: TempFile?
    private(set) var count = 0
    /// The first key of each page.
    private var firsts: [UInt64] = []
    private let page = UnsafeMutablePointer<UInt64>.allocate(capacity: DiskKeys.pageKeys)
    private var loaded = -1

    deinit { page.deallocate() }

    var bytes: Int { count * 8 }
    /// Memory it holds: the page index and one page.
    var memoryBytes: Int { firsts.count * 8 + DiskKeys.pageKeys * 8 }

    /// The file's keys and `next`'s, merged into a new file. `next` calls
    /// its argument with successive sorted runs, each above the last.
    /// False (and the set unchanged) when the file cannot be written.
    func merge(_ next: ((UnsafeBufferPointer<UInt64>) -> Void) -> Void) -> Bool {
        guard let out = TempFile(prefix: "pbcheck-visited") else { return false }
        let buffer = UnsafeMutablePointer<UInt64>.allocate(capacity: DiskKeys.pageKeys)
        defer { buffer.deallocate() }
        var filled = 0, written = 0, ok = true
        var newFirsts: [UInt64] = []
        func emit(_ k: UInt64) {
            if filled == 0 { newFirsts.append(k) }
            buffer[filled] = k
            filled += 1
            if filled == DiskKeys.pageKeys { flush() }
        }
        func flush() {
            guard filled > 0 else { return }
            ok = ok && out.write(UnsafeRawPointer(buffer), filled * 8, at: written * 8)
            written += filled
            filled = 0
        }
        // The old keys, read a page at a time, interleaved with the runs.
        var old = 0
        let oldPage = UnsafeMutablePointer<UInt64>.allocate(capacity: DiskKeys.pageKeys)
        defer { oldPage.deallocate() }
        var oldLoaded = -1
        func oldKey(_ i: Int) -> UInt64? {
            guard i < count, let file else { return nil }
            let p = i / DiskKeys.pageKeys
            if p != oldLoaded {
                let n = min(DiskKeys.pageKeys, count - p * DiskKeys.pageKeys)
                guard file.read(UnsafeMutableRawPointer(oldPage), n * 8, at: p * DiskKeys.pageKeys * 8) else { ok = false; return nil }
                oldLoaded = p
            }
            return oldPage[i % DiskKeys.pageKeys]
        }
        next { run in
            for k in run {
                while let o = oldKey(old), o < k { emit(o); old += 1 }
                if let o = oldKey(old), o == k { old += 1 }
                emit(k)
            }
        }
        while let o = oldKey(old) { emit(o); old += 1 }
        flush()
        guard ok else { return false }
        file = out
        count = written
        firsts = newFirsts
        loaded = -1
        return true
    }

    /// For keys sorted ascending, whether each is in the set; nil when the
    /// file cannot be read.
    func containsSorted(_ keys: [UInt64]) -> [Bool]? {
        guard let file else { return Array(repeating: false, count: keys.count) }
        var result: [Bool] = []
        result.reserveCapacity(keys.count)
        for k in keys {
            // The last page whose first key is at most k.
            var lo = 0, hi = firsts.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if firsts[mid] <= k { lo = mid + 1 } else { hi = mid }
            }
            let p = lo - 1
            guard p >= 0 else { result.append(false); continue }
            let n = min(DiskKeys.pageKeys, count - p * DiskKeys.pageKeys)
            if p != loaded {
                guard file.read(UnsafeMutableRawPointer(page), n * 8, at: p * DiskKeys.pageKeys * 8) else { return nil }
                loaded = p
            }
            var a = 0, b = n
            while a < b {
                let mid = (a + b) / 2
                if page[mid] < k { a = mid + 1 } else { b = mid }
            }
            result.append(a < n && page[a] == k)
        }
        return result
    }
}
