import Crypto
import Foundation

/// A model compiled to native code: `CEmitter`'s C, built by the system C
/// compiler into a shared library and loaded with `dlopen`. The explicit
/// search's fast path for the common state; the kernel stays the one
/// decider of every finding (`pb_expand` returns -1 and `pb_check` 0 for
/// anything else).
///
/// Libraries are cached by the SHA-256 of the source and the compiler's
/// identity in `$XDG_CACHE_HOME/pbcheck/native` (or `~/.cache/pbcheck/native`,
/// else a private temporary directory), written atomically, so concurrent
/// runs share them safely.
final class NativeModel: @unchecked Sendable {
    /// Why a model has no native code: not compiled, no compiler, a failed
    /// or timed-out compile. Never an error of the playbook.
    struct Unavailable: Error, Sendable, Equatable {
        var reason: String
    }

    typealias ExpandFn = @convention(c) (UnsafePointer<UInt64>?, UnsafeMutablePointer<UInt64>?, UnsafeMutablePointer<UInt32>?) -> Int64
    typealias CheckFn = @convention(c) (UnsafePointer<UInt64>?) -> Int32

    /// Successors one state may have at most (the size of a `Scratch`).
    let maxSuccessors: Int
    let words: Int
    private let handle: UnsafeMutableRawPointer
    private let expandFn: ExpandFn
    private let checkFn: CheckFn
    /// Each instance's transition, read in the hot loop without touching
    /// the reference-counted `Instance`s.
    private let transitions: UnsafeMutablePointer<Int>

    private init?(library: String, source: CSource, system: TransitionSystem) {
        guard let handle = dlopen(library, RTLD_NOW | RTLD_LOCAL) else { return nil }
        guard let e = dlsym(handle, "pb_expand"), let c = dlsym(handle, "pb_check") else {
            dlclose(handle)
            return nil
        }
        self.handle = handle
        expandFn = unsafeBitCast(e, to: ExpandFn.self)
        checkFn = unsafeBitCast(c, to: CheckFn.self)
        maxSuccessors = source.maxSuccessors
        words = system.layout.words
        transitions = .allocate(capacity: max(system.instances.count, 1))
        for (i, inst) in system.instances.enumerated() { transitions[i] = inst.transition }
    }

    deinit {
        dlclose(handle)
        transitions.deallocate()
    }

    /// The model as one thread calls it, writing into `scratch`.
    func code(_ scratch: Scratch) -> NativeCode {
        NativeCode(expandFn: expandFn, checkFn: checkFn, transitions: transitions, successors: scratch.successors, instances: scratch.instances)
    }

    /// One thread's buffers for `expand`. Never shared.
    final class Scratch {
        let successors: UnsafeMutablePointer<UInt64>
        let instances: UnsafeMutablePointer<UInt32>

        init(_ model: NativeModel) {
            successors = .allocate(capacity: model.maxSuccessors * model.words)
            instances = .allocate(capacity: model.maxSuccessors)
        }

        deinit {
            successors.deallocate()
            instances.deallocate()
        }
    }

    // MARK: Building

    /// Seconds a compile may take before it is killed.
    static let compileTimeout = 60.0
    /// `auto` compiles only once the interpreter has expanded this many
    /// states (0.05–0.2 s of interpreting): a smaller playbook is done
    /// before `cc` would be (0.1–1 s of CPU on the bench models), and test
    /// suites verify hundreds of small ones.
    static let autoAfterStates = 20_000

    /// The native code of `system`: the cached library, or one compiled
    /// now, in at most `compileTimeout` seconds.
    static func make(_ system: TransitionSystem) throws(Unavailable) -> NativeModel {
        let source = try CEmitter.emit(system)
        let compiler = try Compiler.find()
        // -O1: as fast as -O2 on the bench models (the visited set, not
        // this code, bounds the search) and 40% less time compiling.
        let flags = ["-O1", "-shared", "-fPIC", "-w"]
        var hasher = SHA256()
        hasher.update(data: Data((compiler.identity + "\n" + flags.joined(separator: " ") + "\n").utf8))
        hasher.update(data: Data(source.text.utf8))
        let key = SpecLoader.hex(hasher.finalize())
        guard let dir = cacheDirectory() else { throw Unavailable(reason: "no private cache directory for compiled models") }
        let library = dir.appendingPathComponent("\(key).so").path
        if FileManager.default.fileExists(atPath: library),
           let model = NativeModel(library: library, source: source, system: system) {
            // Used now: the last to go when the cache is pruned.
            try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: library)
            return model
        }
        removeStaleTemporaries(in: dir)
        pruneCache(in: dir, keeping: cacheLimit - 1)
        let src = dir.appendingPathComponent("\(key).c")
        let temp = dir.appendingPathComponent(".tmp-\(UUID().uuidString)")
        let log = temp.appendingPathExtension("log")
        defer { try? FileManager.default.removeItem(at: log) }
        do {
            try Data(source.text.utf8).write(to: src, options: .atomic)
        } catch {
            throw Unavailable(reason: "cannot write \(src.path): \(error.localizedDescription)")
        }
        // The script renames the library into place itself, so a compile
        // that outlives this process (the search ended first) still fills
        // the cache.
        let script = #"tmp=$1; out=$2; shift 2; "$@" -o "$tmp" && mv -f "$tmp" "$out"; s=$?; rm -f "$tmp"; exit $s"#
        let arguments = ["/bin/sh", "-c", script, "sh", temp.path, library, compiler.path] + compiler.arguments + flags + [src.path]
        guard let status = run(arguments, log: log.path, timeout: compileTimeout) else {
            throw Unavailable(reason: "the C compiler did not finish within \(Int(compileTimeout)) s")
        }
        guard status == 0 else {
            let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            let first = output.split(separator: "\n").prefix(3).joined(separator: "; ")
            throw Unavailable(reason: "the C compiler failed (exit \(status))\(first.isEmpty ? "" : ": \(first)")")
        }
        guard let model = NativeModel(library: library, source: source, system: system) else {
            throw Unavailable(reason: "cannot load \(library): \(dlerror().map { String(cString: $0) } ?? "unknown error")")
        }
        return model
    }

    /// The C compiler: `CC` (a command, possibly with arguments), else the
    /// first of `cc`, `gcc`, `clang` on `PATH`; its identity (resolved
    /// path, size and modification time) keys the cache.
    struct Compiler {
        var path: String
        var arguments: [String]
        var identity: String

        static func find() throws(Unavailable) -> Compiler {
            let env = ProcessInfo.processInfo.environment
            let search = env["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
            var names = ["cc", "gcc", "clang"]
            var arguments: [String] = []
            if let cc = env["CC"], let first = cc.split(separator: " ").first {
                names = [String(first)]
                arguments = cc.split(separator: " ").dropFirst().map(String.init)
            }
            for name in names {
                let url = name.contains("/") ? URL(fileURLWithPath: name) : Subprocess.executable(named: name, searchPath: search)
                guard let url, FileManager.default.isExecutableFile(atPath: url.path) else { continue }
                let resolved = url.resolvingSymlinksInPath().path
                let attributes = (try? FileManager.default.attributesOfItem(atPath: resolved)) ?? [:]
                let size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
                let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
                return Compiler(path: url.path, arguments: arguments,
                                identity: "\(resolved) \(size) \(modified) \(arguments.joined(separator: " ")) \(architecture)")
            }
            throw Unavailable(reason: env["CC"] != nil ? "CC=\(env["CC"] ?? "") was not found" : "no C compiler (cc, gcc, clang) on PATH")
        }

        private static var architecture: String {
            #if arch(x86_64)
            return "x86_64"
            #elseif arch(arm64)
            return "arm64"
            #else
            return "other"
            #endif
        }
    }

    /// The first usable cache directory: created private (0700), owned by
    /// this user and writable by nobody else, since a library found there
    /// is loaded into this process.
    static func cacheDirectory() -> URL? {
        let env = ProcessInfo.processInfo.environment
        var candidates: [URL] = []
        if let xdg = env["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            candidates.append(URL(fileURLWithPath: xdg).appendingPathComponent("pbcheck/native"))
        } else if let home = env["HOME"], home.hasPrefix("/") {
            candidates.append(URL(fileURLWithPath: home).appendingPathComponent(".cache/pbcheck/native"))
        }
        candidates.append(FileManager.default.temporaryDirectory.appendingPathComponent("pbcheck-native-\(getuid())"))
        for dir in candidates {
            try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            var info = stat()
            guard lstat(dir.path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR, info.st_uid == getuid(),
                  info.st_mode & 0o022 == 0, access(dir.path, W_OK) == 0 else { continue }
            return dir
        }
        return nil
    }

    /// Temporaries of compiles killed an hour ago or more.
    /// Compiled models the cache keeps (a few kilobytes each), the most
    /// recently used.
    static let cacheLimit = 256

    /// Removes all but the `keeping` most recently used libraries of the
    /// cache, with their sources. (A library another process has loaded
    /// stays mapped there: removing a file unlinks only its name.)
    static func pruneCache(in dir: URL, keeping: Int) {
        let files = FileManager.default
        let libraries = ((try? files.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".so") && !$0.hasPrefix(".") }
        guard libraries.count > keeping else { return }
        let used = libraries.map { name -> (name: String, modified: Date) in
            let modified = (try? files.attributesOfItem(atPath: dir.appendingPathComponent(name).path))?[.modificationDate] as? Date
            return (name, modified ?? .distantPast)
        }.sorted { ($0.modified, $0.name) > ($1.modified, $1.name) }
        for old in used.dropFirst(max(0, keeping)) {
            try? files.removeItem(at: dir.appendingPathComponent(old.name))
            try? files.removeItem(at: dir.appendingPathComponent(String(old.name.dropLast(3)) + ".c"))
        }
    }

    private static func removeStaleTemporaries(in dir: URL) {
        let files = FileManager.default
        let hourAgo = Date().addingTimeInterval(-3600)
        for name in (try? files.contentsOfDirectory(atPath: dir.path)) ?? [] where name.hasPrefix(".tmp-") {
            let path = dir.appendingPathComponent(name).path
            if let modified = (try? files.attributesOfItem(atPath: path))?[.modificationDate] as? Date, modified < hourAgo {
                try? files.removeItem(atPath: path)
            }
        }
    }

    /// Runs `arguments` (the first is the program's path) in a process
    /// group of its own, output and errors to `log`, and waits at most
    /// `timeout` seconds before killing the whole group (the compiler's
    /// own children too). The exit status; nil when it could not start,
    /// was killed, or ran past the timeout.
    static func run(_ arguments: [String], log: String, timeout: Double) -> Int32? {
        #if os(Linux)
        var attributes = posix_spawnattr_t()
        var actions = posix_spawn_file_actions_t()
        #else
        var attributes: posix_spawnattr_t?
        var actions: posix_spawn_file_actions_t?
        #endif
        guard posix_spawnattr_init(&attributes) == 0 else { return nil }
        defer { posix_spawnattr_destroy(&attributes) }
        guard posix_spawn_file_actions_init(&actions) == 0 else { return nil }
        defer { posix_spawn_file_actions_destroy(&actions) }
        // A fresh signal mask and default handlers: pool threads often
        // block signals, and a child inherits that.
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid: pid_t = 0
        guard let program = arguments.first, posix_spawn(&pid, program, &actions, &attributes, argv, envp) == 0 else { return nil }
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 && errno != EINTR { return nil }
            if Date() >= deadline {
                kill(-pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                return nil
            }
            usleep(2_000)
        }
        // Exited (not signalled): the low 7 bits are 0, the status above them.
        return status & 0x7f == 0 ? (status >> 8) & 0xff : nil
    }
}

/// One thread's view of a `NativeModel`, as plain values (C function
/// pointers and its scratch buffers): the hot loop copies it without a
/// retain or a release. Valid while the model and the scratch live.
struct NativeCode {
    fileprivate let expandFn: NativeModel.ExpandFn
    fileprivate let checkFn: NativeModel.CheckFn
    fileprivate let transitions: UnsafeMutablePointer<Int>
    /// Where `expand` writes the successors, back to back, and their instances.
    let successors: UnsafeMutablePointer<UInt64>
    let instances: UnsafeMutablePointer<UInt32>

    /// The successors of `state` (packed), written to `successors` in
    /// `forEachStep`'s order with each one's instance; their count, or -1
    /// when the interpreter must expand this state.
    @inline(__always) func expand(_ state: UnsafePointer<UInt64>) -> Int { Int(expandFn(state, successors, instances)) }

    /// True when every state property of `state` holds; false: ask `checkState`.
    @inline(__always) func check(_ state: UnsafePointer<UInt64>) -> Bool { checkFn(state) == 1 }

    /// The transition of the successor `expand` wrote at `k`.
    @inline(__always) func transition(_ k: Int) -> Int { transitions[Int(instances[k])] }
}

/// A native model being made on another thread while the interpreter
/// searches (`auto`): the search asks `result` between states and adopts
/// the model once it is there.
final class NativeBuild: @unchecked Sendable {
    private let lock = NSLock()
    private var outcome: Result<NativeModel, NativeModel.Unavailable>?

    init(_ system: TransitionSystem) {
        Thread.detachNewThread { [self] in
            let r: Result<NativeModel, NativeModel.Unavailable>
            do throws(NativeModel.Unavailable) { r = .success(try NativeModel.make(system)) } catch { r = .failure(error) }
            lock.lock()
            outcome = r
            lock.unlock()
        }
    }

    /// The model or why there is none; nil while it is being made.
    var result: Result<NativeModel, NativeModel.Unavailable>? {
        lock.lock()
        defer { lock.unlock() }
        return outcome
    }
}
