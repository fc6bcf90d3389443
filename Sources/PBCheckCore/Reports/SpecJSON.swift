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

/// `validate --format json`: one entry per file.
public struct ValidationJSON: Codable, Sendable {
    public struct ObservationJSON: Codable, Sendable {
        public var name: String
        public var origin: String
        public var type: String
        public var values: [String]?
        public var keyed: Bool
        public var line: Int
        public var column: Int
    }
    public struct SpecJSON: Codable, Sendable {
        public var path: String
        public var name: String?
        public var sha256: String?
    }
    public struct FileJSON: Codable, Sendable {
        public var spec: SpecJSON
        public var valid: Bool
        public var diagnostics: [DiagnosticJSON]
        public var observations: [ObservationJSON]
    }

    public var schema = 1
    public var tool = ToolJSON()
    public var files: [FileJSON]

    /// `spec.sha256` stays absent until the project has a SHA-256 (issue 3).
    public init(_ results: [ValidationResult]) {
        files = results.map { r in
            FileJSON(
                spec: SpecJSON(path: r.path, name: r.model?.name, sha256: nil),
                valid: r.errorCount == 0,
                diagnostics: r.diagnostics.map(DiagnosticJSON.init),
                observations: r.inferred.map { o in
                    let (type, values): (String, [String]?) = {
                        switch o.domain {
                        case .bool: return ("bool", nil)
                        case .int: return ("int", nil)
                        case .enumeration(let e): return ("enum", r.symbolNames[e])
                        }
                    }()
                    return ObservationJSON(name: o.name, origin: o.origin == .opaque ? "opaque" : "inferred", type: type,
                                           values: values, keyed: o.keyType != nil, line: o.loc.line, column: o.loc.column)
                })
        }
    }

    public func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self), let s = String(data: data, encoding: .utf8) else { return "{}" }
        return s
    }
}
