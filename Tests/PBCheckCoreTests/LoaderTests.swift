import Foundation
import Testing
@testable import PBCheckCore

/// Marker-style tests: each puts ⟨here⟩ where the diagnostic must point.
@Suite struct LoaderTests {
    func expectDiagnostic(_ code: DiagnosticCode, _ yaml: String, severity: Severity = .error,
                          sourceLocation: SourceLocation = #_sourceLocation) {
        let (text, loc) = marked(yaml)
        let r = validate(text)
        let hits = r.diagnostics.filter { $0.code == code }
        #expect(!hits.isEmpty, "no \(code) in: \(r.diagnostics.map { "\($0.code)@\($0.location.map(\.description) ?? "-")" })",
                sourceLocation: sourceLocation)
        #expect(hits.first?.location == loc, "\(code) at \(hits.first?.location.map(\.description) ?? "-"), want \(loc)",
                sourceLocation: sourceLocation)
        #expect(hits.first?.severity == severity, sourceLocation: sourceLocation)
    }

    @Test func onOffYesNoAreStrings() {
        let r = validate("""
        version: "1.0"
        machine:
          id: "switch"
          initial: off
          states:
            off: {}
            on: {}
          transitions:
            - { id: flip_on, from: off, to: on, event: yes }
            - { id: flip_off, from: on, to: off, event: no }
        """)
        #expect(r.errorCount == 0, "\(r.diagnostics)")
        #expect(r.model?.states.map(\.id) == ["off", "on"])
        #expect(r.model?.transitions.map(\.event) == ["yes", "no"])
    }

    @Test func duplicateKeysAreErrorsAtTheSecond() {
        expectDiagnostic(.yamlDuplicateKey, """
        version: "1.0"
        machine:
          id: "m"
          initial: "a"
          states: { a: {} }
          transitions:
            - id: "t"
              from: "a"
              to: "a"
              event: "e"
              guard: "true"
              ⟨here⟩guard: "false"
        """)
    }

    @Test func unknownKeyWarnsWithSuggestion() {
        let (text, loc) = marked("""
        version: "1.0"
        machine:
          id: "m"
          initial: "a"
          states: { a: {}, b: {} }
          transitions:
            - id: "t"
              from: "a"
              to: "b"
              event: "e"
              ⟨here⟩gaurd: "true"
            - { id: "u", from: "b", to: "a", event: "f" }
        """)
        let r = validate(text)
        let d = r.diagnostics.first { $0.code == .unknownKey }
        #expect(d?.location == loc)
        #expect(d?.severity == .warning)
        #expect(d?.message.contains("did you mean 'guard'") == true)
    }

    @Test func expressionColumnsMapIntoTheFile() {
        // Plain, double-quoted and single-quoted scalars each shift differently.
        expectDiagnostic(.typeError, machine(extra: "  variables:\n    n: { type: int, init: 0 }", guardText: "n + ⟨here⟩'x' > 1"))
        let yaml = { (plain: String, quoted: String) in """
        version: "1.0"
        machine:
          id: "m"
          initial: "a"
          variables: { n: { type: int, init: 0 } }
          states: { a: {}, b: {} }
          transitions:
            - id: "t"
              from: "a"
              to: "b"
              event: "e"
              guard: \(plain)
            - id: "u"
              from: "b"
              to: "a"
              event: "f"
              guard: \(quoted)
        """ }
        expectDiagnostic(.typeError, yaml("n > 0 && ⟨here⟩n", "'n == 1'"))
        expectDiagnostic(.typeError, yaml("n > 0", "'n == 1 || ⟨here⟩''x'' == n'"))
        expectDiagnostic(.typeError, yaml("n > 0", "\"n == 1 || \\⟨here⟩\"x\\\" == n\""))
    }

    @Test func blockScalarColumns() {
        expectDiagnostic(.exprSyntax, """
        version: "1.0"
        machine:
          id: "m"
          initial: "a"
          states: { a: {}, b: {} }
          transitions:
            - id: "t"
              from: "a"
              to: "b"
              event: "e"
              guard: >
                x > 1 &&
                y < ⟨here⟩)
            - { id: "u", from: "b", to: "a", event: "f" }
        """)
    }

    @Test func inferenceConflictNamesEveryUse() {
        let r = validate(machine(guardText: "ready() && ready() > 1"))
        let d = r.diagnostics.first { $0.code == .typeError }
        #expect(d?.message.contains("'ready'") == true)
        #expect(d?.related.count == 2)
    }

    @Test func arityConflict() {
        expectDiagnostic(.arityMismatch, machine(guardText: "load() > 1 && ⟨here⟩load('x') > 2"))
    }

    @Test func observationsAreInferred() {
        let r = validate(machine(guardText: "catalog_count() >= 1 && status() == 'ready' && healthy()"))
        #expect(r.errorCount == 0)
        let byName = Dictionary(uniqueKeysWithValues: r.inferred.map { ($0.name, $0.domain) })
        #expect(byName["catalog_count"] == .int(nil))
        #expect(byName["healthy"] == .bool)
        if case .enumeration(let e)? = byName["status"] {
            #expect(r.symbolNames[e] == ["ready"])
        } else {
            Issue.record("status must be an enum")
        }
    }

    @Test func enumTypoIsCaught() {
        expectDiagnostic(.unknownEnumValue, machine(
            extra: "  variables:\n    mode: { type: enum, values: [normal, degraded], init: normal }",
            guardText: "mode == ⟨here⟩'degradd'"))
        expectDiagnostic(.unknownEnumValue, machine(guardText: "state == ⟨here⟩'c'"))
    }

    @Test func browserConditionsBecomeSharedAtoms() {
        let r = validate(machine(guardText: "display.text.contains('Error') || display.text.contains('Infinity') || (attempts() < 3 && display.text.contains('Error'))"))
        #expect(r.errorCount == 0, "\(r.diagnostics)")
        let atoms = r.inferred.filter { $0.origin == .opaque }.map(\.name)
        #expect(atoms.sorted() == ["display.text.contains('Error')", "display.text.contains('Infinity')"])
        #expect(r.inferred.first { $0.name == "display.text.contains('Error')" }?.uses.count == 2)
        #expect(r.inferred.contains { $0.name == "attempts" && $0.origin == .inferred })
        let strict = Pipeline.validate(text: machine(guardText: "a.b"), path: "x", options: ValidateOptions(strict: true))
        #expect(strict.errorCount == 1)
    }

    @Test func atomsUseCanonicalText() {
        let r = validate(machine(guardText: "page.url()  ===  '/x' && page.url() === \\\"/x\\\""))
        #expect(r.inferred.filter { $0.origin == .opaque }.map(\.name) == ["page.url() === '/x'"])
    }

    @Test func definitionsInlineAndCyclesAreRejected() {
        let ok = validate(machine(extra: """
          sets: { nodes: [n1, n2] }
          variables:
            circuit: { type: enum, values: [closed, open], keys: nodes, init: closed }
          definitions:
            "is_open(n)": "circuit(n) == 'open'"
            open_count: "count(n in nodes: is_open(n))"
        """, guardText: "open_count() < 2"))
        #expect(ok.errorCount == 0, "\(ok.diagnostics)")
        expectDiagnostic(.definitionCycle, machine(extra: """
          definitions:
            p: "q() && true"
            q: "!⟨here⟩p"
        """, guardText: "p"))
    }

    @Test func hierarchyExpandsFromSuperstates() throws {
        let r = validate("""
        version: "1.0"
        machine:
          id: "m"
          initial: "a"
          states:
            active: {}
            a: { parent: active }
            b: { parent: active }
            done: { final_state: true }
          transitions:
            - { id: "next", from: "a", to: "b", event: "e" }
            - { id: "abandon", from: "active", to: "done", event: "x" }
        """)
        let m = try #require(r.model)
        let abandon = try #require(m.transitions.first { $0.id == "abandon" })
        #expect(Set(abandon.from.map { m.states[$0].id }) == ["active", "a", "b"])
        #expect(r.diagnostics.filter { $0.code == .unreachableState }.isEmpty)
    }

    @Test func lintFindings() {
        let r = validate("""
        version: "1.0"
        machine:
          id: "m"
          initial: "a"
          states: { a: {}, b: {}, island: {} }
          transitions:
            - { id: "t1", from: "a", to: "b", event: "e" }
            - { id: "t2", from: "a", to: "a", event: "e" }
          forbidden:
            - { from: "a", to: "b" }
        """)
        let codes = Set(r.diagnostics.map(\.code))
        #expect(codes.isSuperset(of: [.unreachableState, .noOutgoing, .unguardedSelfLoop, .nondeterministicEvent, .forbiddenInTable]))
        #expect(r.errorCount == 0)
    }

    @Test func topLevelSectionsMerge() {
        let r = validate("""
        version: "1.0"
        machine:
          id: "m"
          initial: "a"
          states: { a: {} }
          transitions:
            - { id: "t1", from: "a", to: "b", event: "e" }
        states:
          b: { id: "b" }
        transitions:
          - { id: "t2", from: "b", to: "a", event: "f" }
        health: { interval_ms: 100 }
        tui: { panels: [] }
        """)
        #expect(r.errorCount == 0, "\(r.diagnostics)")
        #expect(r.model?.transitions.count == 2)
    }

    @Test func unreadableAndHostileInput() {
        #expect(Pipeline.validate(path: "/nonexistent/x.yaml").diagnostics.first?.code == .fileUnreadable)
        let nul = SpecLoader.load(data: Data("version: \"1.0\"\n\0".utf8), path: "x")
        #expect(nul.diagnostics.all.first?.code == .fileEncoding)
        let deep = "a: " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(SpecLoader.load(text: deep, path: "x").diagnostics.all.first?.code == .yamlTooDeep)
        let compact = String(repeating: "- ", count: 50_000) + "x"
        #expect(SpecLoader.load(text: compact, path: "x").diagnostics.all.first?.code == .yamlTooDeep)
        let huge = Data(count: InputLimits.maxFileBytes + 1)
        #expect(SpecLoader.load(data: huge, path: "x").diagnostics.all.first?.code == .fileTooLarge)
        #expect(validate("").diagnostics.first?.code == .missingField)
        #expect(validate("[1, 2]").diagnostics.first?.code == .wrongType)
    }
}
