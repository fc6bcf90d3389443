/// The words of `NAME.sarif`'s rules (SPEC §5.2): one rule per property
/// kind and one per diagnostic code, each with what a code-scanning alert
/// shows — a title, what the rule means, and how to fix a result of it.
enum SARIFRules {
    /// One rule's words.
    struct Words {
        /// The alert's title (`shortDescription`).
        var title: String
        /// What the rule checks (`fullDescription`).
        var meaning: String
        /// What to do about a result.
        var fix: String

        /// The help shown under an alert: the meaning, then the fix.
        var help: String { meaning + "\n\nHow to fix: " + fix }
    }

    /// Every property kind, in the order of SPEC §3.1: each is a rule of
    /// every run, whether or not a result uses it.
    static let propertyKinds: [PropertyKind] = [.stateInvariant, .globalInvariant, .forbidden, .range, .deadlock, .evalError,
                                                .determinism, .progress, .scenario]

    /// The rule of `--require-coverage`'s gaps.
    static let coverageRule = "coverage-gap"

    static let coverageWords = Words(
        title: "A state is never reached or a transition never fires",
        meaning: "With --require-coverage, every declared state must be reachable and every transition must fire in some "
            + "reachable state. After an exhaustive search a gap is certain and fails the run; when the engine explored only part "
            + "of the state space (a limit, random walks, the symbolic engine's bound) the gap may not be real and leaves the run "
            + "inconclusive.",
        fix: "A state no run reaches or a transition whose guard is never true in a reachable state is usually dead "
            + "specification: relax the guard that keeps it out, add the transition that should lead there, or delete it. If the "
            + "engine stopped early, raise its limit so the search finishes.")

    /// `state-invariant` → `StateInvariant`: the rule's `name`.
    static func name(_ id: String) -> String {
        id.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    static func words(_ kind: PropertyKind) -> Words {
        switch kind {
        case .stateInvariant:
            return Words(
                title: "A state invariant fails in a reachable state",
                meaning: "Each condition under a state's `invariants` must hold in every reachable configuration of that state and of "
                    + "its descendant states. An invariant that reads observations is a contract: every step entering the state must "
                    + "establish it for the snapshot the step fired with. The counterexample is a shortest run from the initial state "
                    + "to a state where the condition is false (for a contract, including the step that enters it).",
                fix: "Walk the counterexample to its last step. If a guard lets the machine into the state too early, strengthen that "
                    + "guard; if an effect computes the wrong value, correct the effect; if the invariant says more than intended, "
                    + "weaken it or give it `severity: warning`. For a contract, make a guard of the entering transition imply it, or "
                    + "declare the observed value as a variable and set it with an effect.")
        case .globalInvariant:
            return Words(
                title: "A global invariant fails in a reachable state",
                meaning: "Each condition under `machine.invariants` must hold in every reachable state of the machine. An invariant "
                    + "that reads observations is a contract, established by every step. The counterexample is a shortest run from "
                    + "the initial state to a state where the condition is false.",
                fix: "Find the step of the counterexample that makes the condition false and constrain it: strengthen its guard or "
                    + "correct its effects. If the condition is meant to hold only in some states, move it under those states' "
                    + "`invariants`.")
        case .forbidden:
            return Words(
                title: "A forbidden edge is taken",
                meaning: "A `forbidden` entry says that no reachable step goes from a state matching its `from` to a state matching "
                    + "its `to`. The counterexample ends with the step that takes the edge.",
                fix: "Remove or re-target the transition that takes the edge, or add a guard that rules it out in the states the "
                    + "counterexample reaches. If the edge is legitimate, delete the forbidden entry or narrow its `from` or `to`.")
        case .range:
            return Words(
                title: "An effect assigns a value outside the variable's domain",
                meaning: "Every effect must assign a value within the variable's declared `range`, or one of its enum `values`. The "
                    + "last step of the counterexample makes the assignment; that step has no successor.",
                fix: "Guard the transition so the effect stays in range (for example `failures < 5` before `failures := failures + 1`), "
                    + "saturate the effect (`min(failures + 1, 5)`), or widen the declared range if the value is legitimate.")
        case .deadlock:
            return Words(
                title: "A reachable non-final state has no enabled step",
                meaning: "In every reachable state that is not a `final_state`, some transition must be able to fire for some "
                    + "snapshot. The counterexample is a shortest run into a state where none can: the machine is stuck there.",
                fix: "Add a transition out of the stuck state (a retry, a timeout, a reset), relax the guards that are all false "
                    + "there, or mark the state `final_state: true` if the machine is meant to stop in it.")
        case .evalError:
            return Words(
                title: "An expression cannot be evaluated in a reachable state",
                meaning: "No reachable step or state may divide or take a modulo by zero, index a keyed variable or observation with "
                    + "a key outside its set, or take `min`/`max` of an empty set. A guard that fails to evaluate disables its step. "
                    + "The counterexample ends where the evaluation fails; the message names the expression and its position.",
                fix: "Protect the expression with a condition that is evaluated first (`d != 0 && x / d > 1`: `&&` stops as soon as "
                    + "the result is known), keep the key inside its set, or handle the empty set before taking `min` or `max`.")
        case .determinism:
            return Words(
                title: "Two transitions on one event are enabled together",
                meaning: "In a reachable state, two distinct transitions on the same event are enabled by one snapshot, so the "
                    + "playbook does not say which of them the event triggers. Two bindings of one parameterised transition do not "
                    + "count. A warning: it fails the run only in strict mode.",
                fix: "Make the guards mutually exclusive (add the negation of one guard to the other), merge the two transitions, or "
                    + "give them different events.")
        case .progress:
            return Words(
                title: "A reachable state can no longer reach a final state",
                meaning: "From every reachable state some `final_state` must still be reachable; otherwise the machine can be trapped "
                    + "or loop forever without finishing. The counterexample is a shortest run into a state from which no final "
                    + "state is reachable. A warning: it fails the run only in strict mode.",
                fix: "Give the trapped states a way towards a final state (a retry limit, a timeout, a cancel transition), or relax "
                    + "the guards that close every path out of them.")
        case .scenario:
            return Words(
                title: "A scenario fails",
                meaning: "A scenario under `scenarios` (or probar's scripted run, `playbook.steps` with `assertions.path`) is played "
                    + "from the initial state; it fails when an action names no enabled transition or an assertion is false. The "
                    + "message says which step failed and why; browser actions are skipped, never passed.",
                fix: "If the scenario describes the intended behaviour, fix the machine: the guard that disables the action or the "
                    + "effect that makes the assertion false. Otherwise update the scenario to the machine's behaviour.")
        }
    }

    /// The words of a diagnostic code's rule; a code without its own words
    /// (one added after this table) still gets a valid rule.
    static func words(_ code: DiagnosticCode) -> Words {
        diagnostics[code] ?? Words(
            title: "A finding about the playbook (\(code))",
            meaning: "pbcheck reported `\(code)` about the playbook itself, not about its behaviour.",
            fix: "Read the message at the reported line and column; `pbcheck validate` prints it with the offending line.")
    }

    private static let diagnostics: [DiagnosticCode: Words] = [
        .fileUnreadable: Words(
            title: "The playbook file cannot be read",
            meaning: "pbcheck could not open or read the file given on the command line.",
            fix: "Check the path and the file's permissions."),
        .fileTooLarge: Words(
            title: "The playbook file is too large",
            meaning: "Playbooks are bounded to 16 MiB before they are parsed, so hostile input cannot exhaust memory.",
            fix: "Split the playbook, or generate a smaller one."),
        .fileEncoding: Words(
            title: "The playbook is not UTF-8 text",
            meaning: "A playbook must be UTF-8 text without NUL bytes; the position is the first byte that is not.",
            fix: "Re-save the file as UTF-8 and remove the offending bytes."),
        .yamlSyntax: Words(
            title: "YAML syntax error",
            meaning: "The file is not well-formed YAML (bad indentation, an unclosed flow collection or quote, a tab used for "
                + "indentation).",
            fix: "Correct the YAML at the reported position; the text before it often holds the real cause (an unclosed `[` or quote)."),
        .yamlDuplicateKey: Words(
            title: "A YAML mapping repeats a key",
            meaning: "YAML parsers silently keep the last of two equal keys; pbcheck refuses, because the first definition would be "
                + "lost without a trace.",
            fix: "Remove one of the two entries or rename it."),
        .yamlAliasLimit: Words(
            title: "YAML aliases expand too far",
            meaning: "Expanding the file's aliases (`*name`) would create more than 100,000 nodes (a \"billion laughs\" document).",
            fix: "Write the repeated parts out, or use fewer nested aliases."),
        .yamlTooDeep: Words(
            title: "YAML nesting is too deep",
            meaning: "The file nests collections more than 512 levels deep; pbcheck bounds nesting before it reads the tree.",
            fix: "Flatten the structure."),
        .badVersion: Words(
            title: "Unsupported or missing version",
            meaning: "A playbook must declare `version: \"1.0\"`.",
            fix: "Set `version: \"1.0\"` at the top level."),
        .versionUnquoted: Words(
            title: "The version is a number, not a string",
            meaning: "`version: 1.0` is a YAML number; probar's format wants the string \"1.0\". It is accepted with this warning.",
            fix: "Quote it: `version: \"1.0\"`."),
        .missingField: Words(
            title: "A required field is missing",
            meaning: "The playbook lacks a field the format requires (`machine.id`, `initial`, `states`, `transitions`, a "
                + "transition's `id`, `from`, `to` or `event`, ...), or a required list is empty.",
            fix: "Add the field named in the message."),
        .wrongType: Words(
            title: "A field has the wrong kind of value",
            meaning: "A field holds a different kind of YAML node than the format expects (a list where a mapping is required, a "
                + "string where a list is, ...).",
            fix: "Rewrite the value in the shape the message names."),
        .unknownKey: Words(
            title: "Unknown key",
            meaning: "A key where pbcheck defines the schema is not one it knows, usually a typo (`gaurd:`); it is ignored, so the "
                + "intended setting has no effect.",
            fix: "Use the suggested spelling, or remove the key."),
        .unknownState: Words(
            title: "A name refers to no state",
            meaning: "An `initial`, `from`, `to`, `parent` or forbidden endpoint, or a comparison with `state`, names a state that "
                + "is not declared.",
            fix: "Use the suggested state id, or declare the state."),
        .stateIDMismatch: Words(
            title: "A state's id differs from its key",
            meaning: "A state's optional `id` must equal the key it is declared under.",
            fix: "Make `id` equal to the key, or remove `id` (it defaults to the key)."),
        .duplicateState: Words(
            title: "A state is declared twice",
            meaning: "State ids are unique across the machine, including top-level `states` sections merged into it.",
            fix: "Rename or remove one of the declarations."),
        .duplicateTransition: Words(
            title: "A transition id is used twice",
            meaning: "Transition ids are unique; reports, scenarios and traces name transitions by id.",
            fix: "Rename one of the transitions."),
        .duplicateName: Words(
            title: "A name is declared twice",
            meaning: "Constants, variables, observations, definitions and sets share one namespace; a name may be declared once.",
            fix: "Rename one of the declarations."),
        .parentCycle: Words(
            title: "Superstates form a cycle",
            meaning: "Following `parent` from a state leads back to it; the hierarchy must be a tree.",
            fix: "Remove one `parent` link of the cycle."),
        .unknownSet: Words(
            title: "A name refers to no set",
            meaning: "A parameter, an aggregate, `in`, or `keys` names a set that is not declared under `sets`.",
            fix: "Use the suggested set name, or declare the set."),
        .badRange: Words(
            title: "Invalid range",
            meaning: "A range is empty (its lower bound above its upper bound) or holds more than 1,000,000 elements.",
            fix: "Correct the bounds."),
        .initOutOfRange: Words(
            title: "An initial value is outside its domain",
            meaning: "A variable's `init` lies outside its `range` or is not one of its enum `values`.",
            fix: "Change `init`, or widen the domain."),
        .badAssignmentTarget: Words(
            title: "An effect assigns something that is not a variable",
            meaning: "The left-hand side of `:=` must be a declared variable (or a keyed variable with its key), not a constant, an "
                + "observation, a definition or an expression.",
            fix: "Assign a declared variable; declare the value under `variables` if the machine owns it."),
        .duplicateAssignment: Words(
            title: "A transition assigns one location twice",
            meaning: "Effects are simultaneous, so two assignments to the same location in one transition contradict each other.",
            fix: "Keep one assignment, or combine them into one expression."),
        .badScenario: Words(
            title: "Malformed scenario",
            meaning: "A scenario step needs `action` or `assert`, and a `repeat` count between 0 and 1,000,000.",
            fix: "Correct the step as the message says."),
        .exprSyntax: Words(
            title: "Expression syntax error",
            meaning: "A guard, invariant, effect, definition or assertion does not parse (a missing operand, unbalanced "
                + "parentheses, an unknown operator). The column points into the expression.",
            fix: "Correct the expression at the reported column."),
        .exprTooDeep: Words(
            title: "An expression nests too deeply",
            meaning: "Expressions are bounded to 256 levels of nesting, counting chains of operators.",
            fix: "Split the expression into definitions."),
        .intLiteralRange: Words(
            title: "An integer literal does not fit in 64 bits",
            meaning: "Integer literals are bounded to 64 bits.",
            fix: "Use a smaller constant."),
        .typeError: Words(
            title: "Type error",
            meaning: "An expression combines values of the wrong types (`'a' + 1`, a non-boolean guard, an enum compared with a "
                + "value it does not have), or an inferred observation is used with conflicting types.",
            fix: "Correct the expression; the message names the expected and the found type and every conflicting use."),
        .arityMismatch: Words(
            title: "Wrong number of arguments",
            meaning: "A definition, keyed variable or observation, or built-in is called with a different number of arguments "
                + "than it takes.",
            fix: "Pass the number of arguments it is declared with."),
        .unknownEnumValue: Words(
            title: "A value is not one of the enum's values",
            meaning: "An enum is compared with, or assigned, a string literal that is not among its `values`: usually a typo.",
            fix: "Use one of the declared values, or add the value to the enum."),
        .definitionCycle: Words(
            title: "Definitions refer to each other in a cycle",
            meaning: "Definitions are macros expanded where they are used; a definition that refers back to itself never finishes "
                + "expanding.",
            fix: "Break the cycle, for example by writing one definition out in full."),
        .definitionTooLarge: Words(
            title: "Definitions expand too far",
            meaning: "Expanding definitions inside definitions would produce more than 200,000 uses.",
            fix: "Simplify the definitions or nest them less."),
        .aggregateTooLarge: Words(
            title: "Nested aggregates are too expensive",
            meaning: "Nested aggregates (`all`, `any`, `count`, `sum`, `min`, `max`) would evaluate their body more than 1,000,000 "
                + "times per evaluation.",
            fix: "Range over smaller sets, or nest fewer aggregates."),
        .opaqueAtom: Words(
            title: "A browser condition is checked as an opaque boolean",
            meaning: "A condition written for the web page (`display.text.len() > 0`) cannot be evaluated by pbcheck; it is "
                + "checked as a free boolean observation, so every verdict holds for both of its values.",
            fix: "Nothing, if that is intended. To check it for real, replace it with a declared observation or variable that "
                + "models what the page shows."),
        "open-string-contains": Words(
            title: "`contains` between two undeclared strings is approximated",
            meaning: "Undeclared string observations may hold any string; `contains` between two of them is decided over "
                + "representative strings, which show only some of the ways real strings contain each other.",
            fix: "Declare one of the two observations as an enum to check it exactly."),
        "model-too-large": Words(
            title: "Undeclared string observations need too many cases",
            meaning: "Deciding `contains` and comparisons over undeclared string observations would need more representative "
                + "strings than pbcheck searches.",
            fix: "Declare the observations as enums with the values they can take."),
        .unreachableState: Words(
            title: "A state is unreachable in the transition graph",
            meaning: "No chain of transitions leads from the initial state to this state, whatever the guards.",
            fix: "Add a transition into the state, or remove the state."),
        .noOutgoing: Words(
            title: "A non-final state has no outgoing transition",
            meaning: "Once entered, the machine can never leave this state, yet it is not a `final_state`: reaching it is a "
                + "deadlock.",
            fix: "Add a transition out of the state, or mark it `final_state: true`."),
        .unguardedSelfLoop: Words(
            title: "An unguarded self-loop changes nothing",
            meaning: "A transition from a state to itself has no guard and no effects: it can always fire and does nothing, which "
                + "hides deadlocks and makes progress loops.",
            fix: "Give it a guard or an effect, or remove it."),
        .nondeterministicEvent: Words(
            title: "Two unguarded transitions share an event",
            meaning: "In one state, two transitions fire on the same event and neither has a guard, so the playbook does not say "
                + "which one the event triggers.",
            fix: "Add guards that tell them apart, or give them different events."),
        .forbiddenInTable: Words(
            title: "A forbidden edge is also a transition",
            meaning: "The transition table contains a transition that takes an edge the `forbidden` section forbids; if it can "
                + "fire, the forbidden property is violated.",
            fix: "Remove or guard the transition, or delete the forbidden entry if the edge is allowed."),
        .internalError: Words(
            title: "Internal error",
            meaning: "pbcheck found an inconsistency in its own work (for example a counterexample that does not replay); the "
                + "affected verdicts are not trusted.",
            fix: "Report it with the playbook and the command line; until then, treat the run's verdicts as unsettled."),
        .deadTransition: Words(
            title: "A transition can never fire",
            meaning: "Z3 proved that no snapshot satisfies this transition's guard in any reachable state it leaves from (the "
                + "feasibility obligation fails), so the transition is dead.",
            fix: "Relax the guard, or remove the transition; the message names the conditions that contradict each other."),
        .scenarioSkipped: Words(
            title: "A browser step is skipped",
            meaning: "A probar section, action or assertion that drives a web page is outside the model; it is reported as "
                + "skipped, never as passed.",
            fix: "Nothing to fix in the model; run the playbook with probar to check the browser steps."),
    ]
}
