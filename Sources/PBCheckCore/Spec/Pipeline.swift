import Foundation

/// What `validate` produces for one file: every diagnostic, the inferred
/// observations and opaque atoms, and the typed model when there were no
/// errors.
public struct ValidationResult: Sendable {
    public var path: String
    public var file: SourceFile?
    public var diagnostics: [Diagnostic]
    public var inferred: [ObservationInfo]
    public var model: TypedModel?
    /// The playbook's `name:`, when it was read.
    public var title: String? = nil
    /// The SHA-256 (lowercase hex) of the file's bytes; nil when it could
    /// not be read.
    public var sha256: String? = nil
    /// Enum value names for describing inferred observations.
    public var symbolNames: [Int: [String]] = [:]

    public init(path: String, file: SourceFile?, diagnostics: [Diagnostic], inferred: [ObservationInfo] = [], model: TypedModel? = nil,
                title: String? = nil, sha256: String? = nil) {
        self.path = path
        self.file = file
        self.diagnostics = diagnostics
        self.inferred = inferred
        self.model = model
        self.title = title
        self.sha256 = sha256
    }

    public var errorCount: Int { diagnostics.filter { $0.severity == .error }.count }
    public var warningCount: Int { diagnostics.filter { $0.severity == .warning }.count }
}

public struct ValidateOptions: Sendable {
    /// Opaque browser conditions become errors (SPEC §2.1 `--strict`).
    public var strict: Bool
    public init(strict: Bool = false) { self.strict = strict }
}

/// The loading stages in order: bytes → `LoadedSpec` → `TypedModel`.
public enum Pipeline {
    public static func validate(path: String, options: ValidateOptions = .init()) -> ValidationResult {
        finish(SpecLoader.load(path: path), path: path, options: options)
    }

    public static func validate(text: String, path: String, options: ValidateOptions = .init()) -> ValidationResult {
        finish(SpecLoader.load(text: text, path: path), path: path, options: options)
    }

    static func finish(_ loaded: SpecLoader.Output, path: String, options: ValidateOptions) -> ValidationResult {
        guard let spec = loaded.spec else {
            return ValidationResult(path: path, file: loaded.file, diagnostics: loaded.diagnostics.sorted, inferred: [], model: nil,
                                    sha256: loaded.sha256)
        }
        let built = ModelBuilder.build(spec, diagnostics: loaded.diagnostics)
        var diagnostics = built.diagnostics.sorted
        if options.strict {
            for i in diagnostics.indices where diagnostics[i].code == .opaqueAtom {
                diagnostics[i].severity = .error
            }
        }
        let hasErrors = diagnostics.contains { $0.severity == .error }
        var result = ValidationResult(path: path, file: loaded.file, diagnostics: diagnostics, inferred: built.inferred,
                                      model: hasErrors ? nil : built.model, title: spec.name, sha256: loaded.sha256)
        if let m = built.model {
            for o in built.inferred {
                if case .enumeration(let e) = o.domain { result.symbolNames[e] = (m.enums[e].isOpen ? m.enums[e].literals : m.enums[e].values).map { m.symbols.name($0) } }
            }
        }
        return result
    }
}
