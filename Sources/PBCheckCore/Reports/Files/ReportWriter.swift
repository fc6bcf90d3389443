import Foundation

/// Writes one spec's report files into the report directory (SPEC §5.2).
/// Each file is written atomically: a temporary file in the same
/// directory, flushed to disk, then renamed over the old one, so a crash,
/// SIGKILL or Ctrl-C leaves either the old report or the new one, never
/// half of one.
public struct ReportWriter: Sendable {
    public var directory: String

    /// The directory is made when missing.
    public init(directory: String) throws {
        self.directory = directory
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw WriteError(path: directory, reason: "exists and is not a directory") }
        } else {
            do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
            catch { throw WriteError(path: directory, reason: "cannot be created (\(error.localizedDescription))") }
        }
        removeAbandonedTemporaries()
    }

    /// A report file that could not be written, and why.
    public struct WriteError: Error, CustomStringConvertible, Sendable {
        public var path: String
        public var reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// Every report of one spec: the JSON document, JUnit, SARIF, the
    /// Markdown summary, the control graph, the HTML page, and for a spec
    /// that loaded, one ITF file per counterexample and one regression
    /// scenario per violation.
    public static func files(for input: ReportInput, now: Date = Date(),
                             workingDirectory: String = FileManager.default.currentDirectoryPath) -> [ReportFile] {
        var files = [ReportFile(name: "\(input.name).json", text: input.document.encoded() + "\n")]
        files.append(JUnitReport.file(input, timestamp: now, hostname: ProcessInfo.processInfo.hostName))
        files.append(SARIFReport.file(input, workingDirectory: workingDirectory))
        files.append(MarkdownReport.file(input))
        let dot = DOTReport.file(input)
        files.append(dot)
        // The page's graph is the same DOT, laid out by Graphviz when it is
        // installed (the page says so when it is not).
        let svg = input.model == nil ? nil : Graphviz.svg(fromDOT: String(decoding: dot.contents, as: UTF8.self))
        files.append(HTMLReport.file(input, graphSVG: svg))
        files += itfFiles(input)
        files += scenarioFiles(input)
        return files
    }

    /// Each property with a counterexample, and the name its trace files
    /// take: `NAME.PROPERTY`; two ids that make the same name get `-2`,
    /// `-3`, … in property order.
    static func traced(_ input: ReportInput) -> [(result: PropertyResult, trace: Trace, base: String)] {
        guard let outcome = input.outcome else { return [] }
        var used = Set<String>()
        var out: [(PropertyResult, Trace, String)] = []
        for r in outcome.properties {
            guard let trace = r.trace else { continue }
            let base = "\(input.name).\(ITFTrace.fileSafe(r.property.id.description))"
            var name = base, n = 1
            while !used.insert(name).inserted { n += 1; name = "\(base)-\(n)" }
            out.append((r, trace, name))
        }
        return out
    }

    /// `NAME.PROPERTY.itf.json`, one per counterexample: a property's
    /// first (shortest), then with `--counterexamples` its K-th as
    /// `NAME.PROPERTY.K.itf.json` (K from 2).
    static func itfFiles(_ input: ReportInput) -> [ReportFile] {
        guard let model = input.model else { return [] }
        return traced(input).flatMap { r, _, base in
            r.counterexamples.enumerated().map { k, cx in
                let itf = ITFTrace(model: model, trace: cx.trace, property: r.property.id, specPath: input.path, sha256: input.validation.sha256)
                return ReportFile(name: k == 0 ? "\(base).itf.json" : "\(base).\(k + 1).itf.json", contents: itf.encoded())
            }
        }
    }

    /// `NAME.PROPERTY.scenario.yaml`, one per violated property with a
    /// counterexample (a failing scenario needs none: it is one already).
    static func scenarioFiles(_ input: ReportInput) -> [ReportFile] {
        guard let model = input.model else { return [] }
        return traced(input).filter { $0.result.verdict == .violated && $0.result.property.kind != .scenario }.map { r, trace, base in
            ReportFile(name: "\(base).scenario.yaml", text: ScenarioYAML.file(model: model, result: r, trace: trace, specPath: input.path))
        }
    }

    /// What trace files are called: the ITF trace, the regression scenario.
    static let traceSuffixes = [".itf.json", ".scenario.yaml"]

    /// The trace files (ITF, scenario) of an earlier run of spec `name`
    /// that this run did not write (a counterexample that is gone must not
    /// stay behind).
    public func staleTraces(of name: String, keeping written: [ReportFile]) -> [String] {
        let keep = Set(written.map(\.name))
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.filter { f in
            guard f.hasPrefix("\(name)."), !keep.contains(f), let suffix = ReportWriter.traceSuffixes.first(where: { f.hasSuffix($0) }) else {
                return false
            }
            // Another spec's name may extend this one's (`a` and `a.b`);
            // a property's part of the name has no `.`, but may be followed
            // by one counterexample number (`PROPERTY.2`).
            let parts = f.dropFirst(name.count + 1).dropLast(suffix.count).split(separator: ".", omittingEmptySubsequences: false)
            return parts.count == 1 || (parts.count == 2 && !parts[1].isEmpty && parts[1].allSatisfy { $0.isASCII && $0.isNumber })
        }.sorted()
    }

    /// Writes every file, then removes the traces an earlier run left that
    /// this one did not write.
    public func write(_ files: [ReportFile], spec name: String) throws {
        for f in files { try write(f) }
        for stale in staleTraces(of: name, keeping: files) {
            try? FileManager.default.removeItem(atPath: path(stale))
        }
    }

    /// Every file of `digests` (name → SHA-256) is in the directory with
    /// those bytes.
    public func intact(_ digests: [String: String]) -> Bool {
        !digests.isEmpty && digests.allSatisfy { name, digest in
            FileManager.default.contents(atPath: path(name)).map(SpecLoader.sha256) == digest
        }
    }

    func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    static let temporaryMarker = ".pbcheck-tmp."

    /// Writes `file` atomically: `.NAME.pbcheck-tmp.PID.N` in the directory,
    /// every byte written and flushed, then renamed to `NAME`.
    public func write(_ file: ReportFile) throws {
        try ReportWriter.atomicWrite(file.contents, to: path(file.name), temporaryIn: directory)
    }

    /// Writes `data` to a file the user named (`--output`, `explore`'s
    /// `save`) atomically, by way of a temporary file beside it.
    public static func atomicWrite(_ data: Data, to target: String) throws {
        let directory = (target as NSString).deletingLastPathComponent
        try atomicWrite(data, to: target, temporaryIn: directory.isEmpty ? "." : directory)
    }

    /// Whether two paths name one file (the check that keeps pbcheck from
    /// writing over the playbook).
    public static func sameFile(_ a: String, _ b: String) -> Bool {
        URL(fileURLWithPath: a).standardizedFileURL == URL(fileURLWithPath: b).standardizedFileURL
    }

    /// Writes `data` to `target` by way of a temporary file in `directory`
    /// (the same file system, so the rename is atomic), flushed before the
    /// rename and the directory flushed after it.
    public static func atomicWrite(_ data: Data, to target: String, temporaryIn directory: String) throws {
        let name = (target as NSString).lastPathComponent
        let temporary = (directory as NSString).appendingPathComponent(".\(name)\(temporaryMarker)\(getpid()).\(UInt32.random(in: 0 ... .max))")
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw WriteError(path: target, reason: "cannot create a temporary file (\(String(cString: strerror(errno))))") }
        var failure: String?
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return
                }
                offset += n
            }
        }
        if failure == nil && fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        close(fd)
        if failure == nil && rename(temporary, target) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary)
            throw WriteError(path: target, reason: failure)
        }
        let dirFD = open(directory, O_RDONLY | O_CLOEXEC)
        if dirFD >= 0 {
            fsync(dirFD)
            close(dirFD)
        }
    }

    /// Temporary files of runs that were killed before their rename (their
    /// process is gone): removed, so killed runs leave no litter. Those of a
    /// run still going are left alone.
    func removeAbandonedTemporaries() {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for f in files where f.hasPrefix(".") {
            guard let marker = f.range(of: ReportWriter.temporaryMarker) else { continue }
            let rest = f[marker.upperBound...].split(separator: ".")
            guard let pidText = rest.first, let pid = Int32(pidText) else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { unlink(path(f)) }
        }
    }
}
