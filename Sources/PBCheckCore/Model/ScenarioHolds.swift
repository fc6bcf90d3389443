extension ModelBuilder {
    /// A scenario's `holds: ID` must name a property this machine can have:
    /// an invariant that exists, a forbidden entry, a declared variable, a
    /// state and an event, `progress` only with a final state. An id that
    /// cannot is a load error at the step. Whether the property is numbered
    /// in a run (a variable no effect assigns has no `range` property, one
    /// transition per event no `determinism` one) is the runner's concern:
    /// a property the run does not have cannot be broken.
    mutating func checkHoldsSteps(_ model: TypedModel) {
        for sc in model.spec.scenarios {
            for step in sc.steps {
                guard case .holds(let id) = step, let why = unknownProperty(id.value, model) else { continue }
                bag.error(.badScenario, "holds: '\(id.value)' \(why)", at: id.loc)
            }
        }
    }

    /// Why `id` names no property of `model`, or nil when it names one.
    private func unknownProperty(_ id: PropertyID, _ model: TypedModel) -> String? {
        let states = model.states.map(\.id)
        func state(_ name: String) -> String? {
            states.contains(name) ? nil : "names no state '\(name)' of this machine\(didYouMean(name, states))"
        }
        switch id.kind {
        case .stateInvariant:
            guard id.parts.count == 2, let index = Int(id.parts[1]) else { return "is not a property id" }
            if let why = state(id.parts[0]) { return why }
            let count = model.states.first { $0.id == id.parts[0] }?.invariants.count ?? 0
            return index >= 0 && index < count ? nil
                : "names no invariant: state '\(id.parts[0])' has \(count) invariant\(count == 1 ? "" : "s"), numbered from 0"
        case .globalInvariant:
            guard let index = id.parts.first.flatMap({ Int($0) }) else { return "is not a property id" }
            let count = model.globalInvariants.count
            return index >= 0 && index < count ? nil
                : "names no invariant: the machine has \(count) global invariant\(count == 1 ? "" : "s"), numbered from 0"
        case .forbidden:
            guard id.parts.count >= 2 else { return "is not a property id" }
            let line = id.parts.count > 2 ? Int(id.parts[2]) : nil
            let found = model.forbidden.contains {
                $0.fromText == id.parts[0] && $0.toText == id.parts[1] && (line == nil || $0.loc.line == line)
            }
            let known = model.forbidden.map { "\($0.fromText)->\($0.toText)" }
            return found ? nil : "names no forbidden entry of this machine\(didYouMean("\(id.parts[0])->\(id.parts[1])", known))"
        case .range:
            let names = model.variables.map(\.name)
            guard let v = id.parts.first else { return "is not a property id" }
            return names.contains(v) ? nil : "names no variable '\(v)' of this machine\(didYouMean(v, names))"
        case .deadlock, .evalError:
            return nil
        case .determinism:
            guard id.parts.count == 2 else { return "is not a property id" }
            if let why = state(id.parts[0]) { return why }
            let events = Set(model.transitions.map(\.event))
            return events.contains(id.parts[1]) ? nil
                : "names no event '\(id.parts[1])' of this machine\(didYouMean(id.parts[1], events.sorted()))"
        case .progress:
            return model.states.contains(where: \.isFinal) ? nil : "is checked only in a machine with a final state; this one has none"
        case .scenario:
            return "is a scenario, which cannot be a step of another scenario"
        }
    }
}
