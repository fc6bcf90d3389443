/// A property's identity (SPEC §5.2.1 ids): its kind and the parts that
/// name it, with one printer (`description`) and one parser
/// (`init?(parsing:)`). Engines, reports and tests compare these, never
/// strings built by hand.
public struct PropertyID: Hashable, Sendable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    public var kind: PropertyKind
    /// `invariant`: state, index; `global`: index; `forbidden`: from, to
    /// and (when two entries would share an id) the line; `range`: the
    /// variable; `determinism`: state, event; `scenario`: its name.
    public var parts: [String]

    public init(kind: PropertyKind, parts: [String] = []) {
        self.kind = kind
        self.parts = parts
    }

    public static func invariant(state: String, index: Int) -> PropertyID { .init(kind: .stateInvariant, parts: [state, String(index)]) }
    public static func global(_ index: Int) -> PropertyID { .init(kind: .globalInvariant, parts: [String(index)]) }
    public static func forbidden(from: String, to: String, line: Int? = nil) -> PropertyID {
        .init(kind: .forbidden, parts: [from, to] + (line.map { [String($0)] } ?? []))
    }
    public static func range(_ variable: String) -> PropertyID { .init(kind: .range, parts: [variable]) }
    public static let deadlock = PropertyID(kind: .deadlock)
    public static let evalError = PropertyID(kind: .evalError)
    public static let progress = PropertyID(kind: .progress)
    public static func determinism(state: String, event: String) -> PropertyID { .init(kind: .determinism, parts: [state, event]) }
    public static func scenario(_ name: String) -> PropertyID { .init(kind: .scenario, parts: [name]) }

    private static func prefix(_ kind: PropertyKind) -> String {
        switch kind {
        case .stateInvariant: return "invariant"
        case .globalInvariant: return "global"
        default: return kind.rawValue
        }
    }

    public var description: String {
        let head = PropertyID.prefix(kind)
        switch kind {
        case .forbidden where parts.count >= 2:
            return "\(head):\(parts[0])->\(parts[1])" + (parts.count > 2 ? "@\(parts[2])" : "")
        default:
            return parts.isEmpty ? head : ([head] + parts).joined(separator: ":")
        }
    }

    /// The id printed by `description`, read back; nil for text that is no
    /// property id.
    public init?(parsing text: String) {
        let kinds: [PropertyKind] = [.stateInvariant, .globalInvariant, .forbidden, .range, .deadlock, .evalError, .determinism,
                                     .progress, .scenario]
        let head = text.prefix { $0 != ":" }
        guard let kind = kinds.first(where: { PropertyID.prefix($0) == head }) else { return nil }
        let rest = text.dropFirst(head.count + 1)
        let hasRest = text.count > head.count
        switch kind {
        case .deadlock, .evalError, .progress:
            guard !hasRest else { return nil }
            self.init(kind: kind)
        case .stateInvariant:
            // State ids hold no ':'; the index is the last part.
            guard hasRest, let colon = rest.lastIndex(of: ":"), Int(rest[rest.index(after: colon)...]) != nil else { return nil }
            self.init(kind: kind, parts: [String(rest[..<colon]), String(rest[rest.index(after: colon)...])])
        case .globalInvariant:
            guard hasRest, Int(rest) != nil else { return nil }
            self.init(kind: kind, parts: [String(rest)])
        case .forbidden:
            guard hasRest, let arrow = rest.range(of: "->") else { return nil }
            var to = rest[arrow.upperBound...]
            var line: String?
            if let at = to.lastIndex(of: "@"), Int(to[to.index(after: at)...]) != nil {
                line = String(to[to.index(after: at)...])
                to = to[..<at]
            }
            self.init(kind: kind, parts: [String(rest[..<arrow.lowerBound]), String(to)] + (line.map { [$0] } ?? []))
        case .determinism:
            guard hasRest, let colon = rest.firstIndex(of: ":") else { return nil }
            self.init(kind: kind, parts: [String(rest[..<colon]), String(rest[rest.index(after: colon)...])])
        case .range, .scenario:
            guard hasRest else { return nil }
            self.init(kind: kind, parts: [String(rest)])
        }
    }

    /// A literal is parsed (tests and lookups write ids as people do); text
    /// that is no id becomes a scenario-less sentinel that equals nothing.
    public init(stringLiteral text: String) {
        self = PropertyID(parsing: text) ?? PropertyID(kind: .scenario, parts: ["\u{0}unparsed:" + text])
    }

    // Encoded as its printed id, the form every report uses.
    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = PropertyID(parsing: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a property id: \(text)"))
        }
        self = id
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
