import Foundation

/// The `diagnostics` entries of SPEC §5.2.1.
public struct DiagnosticJSON: Codable, Sendable, Equatable {
    public var severity: String
    public var code: String
    public var message: String
    public var line: Int?
    public var column: Int?
    public var related: [RelatedJSON]?

    public struct RelatedJSON: Codable, Sendable, Equatable {
        public var message: String
        public var line: Int
        public var column: Int
    }

    public init(_ d: Diagnostic) {
        severity = d.severity.rawValue
        code = d.code.rawValue
        message = d.message
        line = d.location?.line
        column = d.location?.column
        related = d.related.isEmpty ? nil : d.related.map { RelatedJSON(message: $0.message, line: $0.location.line, column: $0.location.column) }
    }
}

public struct ToolJSON: Codable, Sendable {
    public var name = "pbcheck"
    public var version = PBCheckVersion.current
}

public enum PBCheckVersion {
    public static let current = "0.1.0"
}

/// The `spec` of SPEC §5.2.1: which file, under which name.
public struct SpecJSON: Codable, Sendable, Equatable {
    /// As given on the command line.
    public var path: String
    /// The file name without `.yaml`/`.yml`; report files are named after it.
    public var name: String
    /// The playbook's `name:`, when it has one and it was read.
    @Nullable public var title: String?
    /// SHA-256 of the file's bytes (lowercase hex); null when it could not be read.
    @Nullable public var sha256: String?

    public init(_ v: ValidationResult) {
        path = v.path
        name = SpecJSON.stem(v.path)
        title = v.title
        sha256 = v.sha256
    }

    /// `specs/x.yaml` → `x`.
    public static func stem(_ path: String) -> String {
        let file = (path as NSString).lastPathComponent
        for ext in [".yaml", ".yml"] where file.hasSuffix(ext) && file.count > ext.count {
            return String(file.dropLast(ext.count))
        }
        return file
    }
}

/// An observation `validate` inferred from use, or an opaque browser
/// condition checked as a free boolean.
public struct ObservationJSON: Codable, Sendable, Equatable {
    public var name: String
    public var origin: String
    public var type: String
    public var values: [String]?
    public var keyed: Bool
    public var line: Int
    public var column: Int

    /// Every observation of `v` that was not declared.
    static func all(_ v: ValidationResult) -> [ObservationJSON] {
        v.inferred.map { o in
            let (type, values): (String, [String]?) = {
                switch o.domain {
                case .bool: return ("bool", nil)
                case .int: return ("int", nil)
                case .enumeration(let e): return ("enum", v.symbolNames[e])
                }
            }()
            return ObservationJSON(name: o.name, origin: o.origin == .opaque ? "opaque" : "inferred", type: type,
                                   values: values, keyed: o.keyType != nil, line: o.loc.line, column: o.loc.column)
        }
    }
}
