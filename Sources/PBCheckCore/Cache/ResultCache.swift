import Crypto
import Foundation

/// The result cache of SPEC §5.3: `DIR/pbcheck.lock` keeps, per spec path,
/// the canonical sections of the spec (`SpecSections`), the options that can
/// change a verdict, the tool version, and the outcome they gave. A rerun
/// with all three unchanged reuses the outcome; otherwise it says what
/// changed and checks again.
public struct ResultCache: Sendable {
    public static let fileName = "pbcheck.lock"
    /// The version of the lock file's shape; a file of another shape is
    /// not read (a full re-check, with a warning).
    public static let format = 1

    /// One spec's cached result. The large parts are kept as JSON strings
    /// (`Embedded`): reading the lock file scans them, and only the entry
    /// used is decoded.
    public struct Entry: Codable, Sendable {
        /// SHA-256 over the sections, the options and the tool version.
        public var key: String
        /// `SpecSections.digest` of the spec, part of `key`.
        public var specDigest: String
        public var sections: Embedded<[SpecSections.Section]>
        /// Flag → value, for the options that can change a verdict.
        public var options: [String: String]
        public var tool: String
        /// When the result was made (ISO 8601).
        public var checkedAt: String
        /// Property id → verdict, for people reading the file.
        public var verdicts: [String: String]
        public var outcome: Embedded<CheckOutcome>
        /// The SHA-256 of the file's bytes the outcome was made from (or
        /// last carried to).
        public var fileSHA256: String? = nil
        /// The report files written from it: name → SHA-256.
        public var reports: [String: String] = [:]
        /// What loading the spec reported (a hit on the same bytes shows
        /// them without loading it again).
        public var loadDiagnostics = Embedded<[Diagnostic]>([])
        /// The §5.2.1 document written as `NAME.json`.
        public var document: Embedded<ResultJSON>? = nil
        /// The text the run printed for the spec, without colour.
        public var printed: Printed? = nil
    }

    /// The text a run printed for one spec and the status it gave, with
    /// what shaped them besides the outcome (command and flags): a hit with
    /// the same shape prints the same text without decoding the outcome.
    public struct Printed: Codable, Sendable {
        public var shape: String
        public var text: String
        public var status: Int32
        public init(shape: String, text: String, status: ExitStatus) {
            self.shape = shape
            self.text = text
            self.status = status.rawValue
        }
    }

    /// A cached result: its parts are decoded when asked for.
    public struct Hit: Sendable {
        public var entry: Entry

        /// Nil when it does not decode (a lock file edited by hand, or
        /// written by a pbcheck whose types differ).
        public var outcome: CheckOutcome? { entry.outcome.value }

        public var loadDiagnostics: [Diagnostic] { entry.loadDiagnostics.value ?? [] }
    }

    /// The file's contents.
    public struct Contents: Codable, Sendable {
        public var format = ResultCache.format
        public var specs: [String: Entry] = [:]
    }

    public let directory: String
    public private(set) var contents: Contents
    /// Why the file on disk was not used (unreadable, corrupted, another
    /// format), if so: a warning, then a full re-check.
    public private(set) var warning: String?

    public var path: String { (directory as NSString).appendingPathComponent(ResultCache.fileName) }

    /// Reads `DIR/pbcheck.lock` when there is one.
    public init(directory: String) {
        self.directory = directory
        contents = Contents()
        let path = (directory as NSString).appendingPathComponent(ResultCache.fileName)
        guard FileManager.default.fileExists(atPath: path) else { return }
        guard let data = FileManager.default.contents(atPath: path) else {
            warning = "\(path) cannot be read; checking everything again"
            return
        }
        switch ResultCache.decode(data) {
        case .success(let c): contents = c
        case .failure(let reason): warning = "\(path) is not a pbcheck lock file (\(reason)); checking everything again"
        }
    }

    static func decode(_ data: Data) -> Result<Contents, Failure> {
        struct Shape: Decodable { var format: Int }
        guard let shape = try? JSONDecoder().decode(Shape.self, from: data) else { return .failure(Failure("not JSON with a format")) }
        guard shape.format == format else { return .failure(Failure("format \(shape.format), this pbcheck reads \(format)")) }
        do { return .success(try JSONDecoder().decode(Contents.self, from: data)) } catch { return .failure(Failure("\(error)")) }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    /// What the cache holds for a spec.
    public enum Lookup: Sendable {
        /// Nothing changed: the cached entry and its outcome.
        case hit(Entry, CheckOutcome)
        /// What changed since the cached result, one phrase each (or why
        /// there is none).
        case miss([String])
    }

    public static func key(sections: SpecSections, options: [String: String], tool: String) -> String {
        key(specDigest: sections.digest, options: options, tool: tool)
    }

    public static func key(specDigest: String, options: [String: String], tool: String) -> String {
        var hasher = SHA256()
        hasher.update(data: Data(specDigest.utf8))
        for (flag, value) in options.sorted(by: { $0.key < $1.key }) { hasher.update(data: Data("\u{0}\(flag)=\(value)".utf8)) }
        hasher.update(data: Data("\u{0}\(tool)".utf8))
        return SpecLoader.hex(hasher.finalize())
    }

    /// Looks up `path`'s result for these sections, options and tool.
    public func lookup(path: String, sections: SpecSections, options: [String: String], tool: String = PBCheckVersion.current) -> Lookup {
        guard let entry = contents.specs[path] else { return .miss(["no cached result for \(path)"]) }
        guard let cached = entry.sections.value, let outcome = entry.outcome.value else {
            return .miss(["the cached result of \(path) cannot be read"])
        }
        if entry.key == ResultCache.key(sections: sections, options: options, tool: tool) { return .hit(entry, outcome) }
        var changes = sections.changes(from: cached)
        for flag in Set(options.keys).union(entry.options.keys).sorted() where options[flag] != entry.options[flag] {
            changes.append("\(flag) \(entry.options[flag] ?? "unset") → \(options[flag] ?? "unset")")
        }
        if entry.tool != tool { changes.append("pbcheck \(entry.tool) → \(tool)") }
        // Same sections, options and tool, another key: a lock file written by hand.
        if changes.isEmpty { changes.append("the cached key does not match") }
        return .miss(changes)
    }

    /// The entry of `path` when the file still has the bytes it was made
    /// from (`sha256`) and the options and tool are unchanged: the same
    /// bytes load to the same sections, so nothing needs loading.
    public func sameBytes(path: String, sha256: String, options: [String: String], tool: String = PBCheckVersion.current) -> Hit? {
        guard let entry = contents.specs[path], entry.fileSHA256 == sha256,
              entry.key == ResultCache.key(specDigest: entry.specDigest, options: options, tool: tool) else { return nil }
        return Hit(entry: entry)
    }

    /// Whether an outcome may be reused: not one cut short by the clock, the
    /// memory limit or Ctrl-C, which a rerun may not repeat.
    public static func reusable(_ o: CheckOutcome) -> Bool {
        func timeBound(_ r: StopReason) -> Bool {
            switch r {
            case .interrupted, .timeout, .memoryLimit: return true
            case .amongInitialStates(let inner), .whileBuilding(let inner, _): return timeBound(inner)
            default: return false
            }
        }
        guard let r = o.stopReason else { return true }
        return !timeBound(r)
    }

    /// The entry for a result just made.
    public static func entry(sections: SpecSections, options: [String: String], outcome: CheckOutcome,
                             tool: String = PBCheckVersion.current, now: Date = Date()) -> Entry {
        let formatter = ISO8601DateFormatter()
        let digest = sections.digest
        return Entry(key: key(specDigest: digest, options: options, tool: tool), specDigest: digest, sections: Embedded(sections.sections),
                     options: options, tool: tool, checkedAt: formatter.string(from: now),
                     verdicts: Dictionary(outcome.properties.map { ($0.property.id.description, $0.verdict.rawValue) }, uniquingKeysWith: { a, _ in a }),
                     outcome: Embedded(outcome))
    }

    /// Writes `updates` into the lock file: under an exclusive file lock,
    /// the file is read again, the entries replaced, and the whole written
    /// atomically, so two runs at once neither corrupt it nor lose each
    /// other's entries.
    public static func store(_ updates: [String: Entry], directory: String) throws {
        guard !updates.isEmpty else { return }
        let guardPath = (directory as NSString).appendingPathComponent(".\(fileName).flock")
        let fd = open(guardPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ReportWriter.WriteError(path: guardPath, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw ReportWriter.WriteError(path: guardPath, reason: String(cString: strerror(errno))) }
        }
        defer { flock(fd, LOCK_UN) }
        var current = ResultCache(directory: directory).contents
        for (path, entry) in updates { current.specs[path] = entry }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(current)
        let target = (directory as NSString).appendingPathComponent(fileName)
        try ReportWriter.atomicWrite(data + Data("\n".utf8), to: target, temporaryIn: directory)
    }
}

/// Carries the source locations of a result made from one file into
/// another file with the same sections (comments or blank lines added,
/// quoting changed): each location moves with the section it is in.
public struct SourceRelocation: Sendable {
    /// Start in the old file → start in the new file, by old position.
    let anchors: [(old: SourceLoc, new: SourceLoc)]

    public init(from old: [SpecSections.Section], to new: [SpecSections.Section]) {
        let now = Dictionary(new.map { ($0.path, SourceLoc(line: $0.line, column: $0.column)) }, uniquingKeysWith: { a, _ in a })
        anchors = old.compactMap { s in
            guard s.line > 0, let n = now[s.path], n.line > 0 else { return nil }
            return (SourceLoc(line: s.line, column: s.column), n)
        }.sorted { $0.old < $1.old }
    }

    /// No location moves.
    public var isIdentity: Bool { anchors.allSatisfy { $0.old == $0.new } }

    /// `loc` in the new file: shifted as the last section starting at or
    /// before it was (by lines; on the section's first line by columns too).
    public func map(_ loc: SourceLoc) -> SourceLoc {
        guard loc.line > 0 else { return loc }
        var lo = 0, hi = anchors.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if anchors[mid].old <= loc { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else { return loc }
        let (old, new) = anchors[lo - 1]
        if loc.line == old.line { return SourceLoc(line: new.line, column: max(1, loc.column + new.column - old.column)) }
        return SourceLoc(line: loc.line + new.line - old.line, column: loc.column)
    }

    /// `outcome` with every source location moved: the structured ones,
    /// and the `line N` and `at L:C` that messages spell out.
    public func apply(_ outcome: CheckOutcome) -> CheckOutcome {
        guard !isIdentity else { return outcome }
        var o = outcome
        for i in o.properties.indices {
            o.properties[i].property.location = o.properties[i].property.location.map(map)
            o.properties[i].detail = o.properties[i].detail.map(text)
            if var t = o.properties[i].trace {
                for k in t.steps.indices { t.steps[k].location = map(t.steps[k].location) }
                o.properties[i].trace = t
            }
            if var more = o.properties[i].moreCounterexamples {
                for j in more.indices {
                    more[j].detail = more[j].detail.map(text)
                    for k in more[j].trace.steps.indices { more[j].trace.steps[k].location = map(more[j].trace.steps[k].location) }
                }
                o.properties[i].moreCounterexamples = more
            }
        }
        o.diagnostics = o.diagnostics.map(diagnostic)
        if var report = o.obligations {
            for k in report.obligations.indices {
                report.obligations[k].location = report.obligations[k].location.map(map)
                report.obligations[k].message = report.obligations[k].message.map(text)
            }
            o.obligations = report
        }
        o.stopReason = o.stopReason.map(stop)
        o.stalls = o.stalls.map(text)
        if var why = o.coverage.why {
            for k in why.transitions.indices {
                why.transitions[k].line = map(SourceLoc(line: why.transitions[k].line, column: 1_000_000)).line
                if case .deadGuard(let core) = why.transitions[k].reason { why.transitions[k].reason = .deadGuard(text(core)) }
            }
            for k in why.states.indices {
                for e in why.states[k].entering.indices { why.states[k].entering[e].noSuccessor = why.states[k].entering[e].noSuccessor.map(text) }
            }
            o.coverage.why = why
        }
        return o
    }

    func diagnostic(_ d: Diagnostic) -> Diagnostic {
        var d = d
        d.location = d.location.map(map)
        d.message = text(d.message)
        d.related = d.related.map { Diagnostic.Related(message: text($0.message), location: map($0.location)) }
        return d
    }

    func stop(_ r: StopReason) -> StopReason {
        switch r {
        case .overflow(let loc): return .overflow(map(loc))
        case .amongInitialStates(let inner): return .amongInitialStates(stop(inner))
        case .whileBuilding(let inner, let n): return .whileBuilding(stop(inner), instances: n)
        default: return r
        }
    }

    /// `line 12` and `at 12:5` in a message, moved.
    func text(_ s: String) -> String {
        guard s.contains("line ") || s.contains("at ") else { return s }
        var out = ""
        var rest = Substring(s)
        while let r = rest.range(of: #"(line |at )[0-9]+(:[0-9]+)?"#, options: .regularExpression) {
            out += rest[..<r.lowerBound]
            let match = rest[r]
            let prefix = match.hasPrefix("line ") ? "line " : "at "
            let numbers = match.dropFirst(prefix.count).split(separator: ":").compactMap { Int($0) }
            if prefix == "line ", numbers.count == 1 {
                out += prefix + String(map(SourceLoc(line: numbers[0], column: 1_000_000)).line)
            } else if numbers.count == 2 {
                out += prefix + map(SourceLoc(line: numbers[0], column: numbers[1])).description
            } else {
                out += match
            }
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}

/// A value kept inside another JSON document as its own JSON text, in
/// base64: a reader of the outer document skips it as one string with no
/// escapes to undo, and it is decoded only when `value` is asked for.
public struct Embedded<Value: Codable & Sendable>: Codable, Sendable {
    /// The value's JSON text.
    public let json: Data

    public init(_ value: Value) {
        json = (try? JSONEncoder().encode(value)) ?? Data("null".utf8)
    }

    /// Nil when the text does not decode to a `Value`.
    public var value: Value? { try? JSONDecoder().decode(Value.self, from: json) }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        guard let data = Data(base64Encoded: try c.decode(String.self)) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not base64")
        }
        json = data
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(json.base64EncodedString())
    }
}
