extension Coverage {
    /// Coverage from the control states visited and transitions fired; a
    /// superstate is covered when one of its descendants is.
    init(model: TypedModel, visited: [Bool], fired: [Bool]) {
        self.init()
        let covered = model.covered(visited: visited)
        reachableStates = model.states.indices.filter { covered[$0] }.map { model.states[$0].id }
        unreachableStates = model.states.indices.filter { !covered[$0] }.map { model.states[$0].id }
        firedTransitions = model.transitions.indices.filter { fired[$0] }.map { model.transitions[$0].id }
        neverFired = model.transitions.indices.filter { !fired[$0] }.map { model.transitions[$0].id }
    }
}
