import Foundation

/// Graphviz's `dot`, run as a subprocess to lay out a control graph as SVG
/// (the picture `NAME.html` inlines). Optional: without Graphviz the reports
/// are written all the same, the page saying the graph is unavailable.
public enum Graphviz {
    /// `dot -Tsvg` of `dot`: the SVG document as Graphviz writes it (XML
    /// prolog and DOCTYPE included), or nil when `dot` is not on `PATH`,
    /// fails, or runs past `timeout` seconds (then it is killed).
    public static func svg(fromDOT dot: String, timeout: Double = 20) -> String? {
        let search = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        guard let tool = Subprocess.executable(named: "dot", searchPath: search),
              let run = Subprocess.run(tool, arguments: ["-Tsvg"], input: Data(dot.utf8), timeout: timeout),
              run.status == 0 else { return nil }
        let svg = String(decoding: run.output, as: UTF8.self)
        return svg.contains("<svg") ? svg : nil
    }
}

/// A tool run to completion, its standard streams redirected to files.
///
/// Files, not pipes: the tool never blocks on a full pipe however much it
/// writes, and a write to its input cannot raise `SIGPIPE` here when it
/// exits early. Foundation's `Process` notices an exit only once every
/// process that inherited the tool's descriptors is gone, so the timeout
/// holds for tools that leave no children running, as `dot`.
struct Subprocess {
    /// The exit status; nil when the tool was killed by a signal or ran
    /// past the timeout.
    var status: Int32?
    var output: Data
    var errors: Data

    /// Runs `tool` with `arguments`, `input` as its standard input, and
    /// waits at most `timeout` seconds before killing it. SIGKILL, because
    /// a child inherits the signal mask of the thread that starts it, and
    /// pool threads often block SIGTERM (Swift Testing's do). Nil when it
    /// cannot be started.
    static func run(_ tool: URL, arguments: [String], input: Data = Data(), timeout: Double) -> Subprocess? {
        let files = FileManager.default
        let base = files.temporaryDirectory.appendingPathComponent("pbcheck-\(UUID().uuidString)")
        let paths = ["in", "out", "err"].map { base.appendingPathExtension($0) }
        defer { for p in paths { try? files.removeItem(at: p) } }
        guard files.createFile(atPath: paths[0].path, contents: input),
              files.createFile(atPath: paths[1].path, contents: nil),
              files.createFile(atPath: paths[2].path, contents: nil),
              let stdin = try? FileHandle(forReadingFrom: paths[0]),
              let stdout = try? FileHandle(forWritingTo: paths[1]),
              let stderr = try? FileHandle(forWritingTo: paths[2]) else { return nil }
        defer { for h in [stdin, stdout, stderr] { try? h.close() } }

        let process = Process()
        process.executableURL = tool
        process.arguments = arguments
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        guard (try? process.run()) != nil else { return nil }

        let timedOut = Flag()
        let deadline = DispatchWorkItem {
            guard process.isRunning else { return }
            timedOut.set()
            kill(process.processIdentifier, SIGKILL)
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: deadline)
        process.waitUntilExit()
        deadline.cancel()

        let exited = process.terminationReason == .exit && !timedOut.isSet
        return Subprocess(status: exited ? process.terminationStatus : nil,
                          output: (try? Data(contentsOf: paths[1])) ?? Data(), errors: (try? Data(contentsOf: paths[2])) ?? Data())
    }

    /// The first executable file called `name` in the `:`-separated
    /// directories of `searchPath`, as a shell looks a command up.
    static func executable(named name: String, searchPath: String) -> URL? {
        for folder in searchPath.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent(name)
            var directory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &directory), !directory.boolValue,
               FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// Set once by the timeout, read after the process exits.
    private final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        func set() { lock.lock(); value = true; lock.unlock() }
        var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    }
}
