import Foundation
import Testing
@testable import PBCheckCore

/// SPEC §5.2.1's one shape: every document has the same top-level fields,
/// whatever happened; `validate`'s leaves out what checking makes.
@Suite struct ResultJSONTests {
    static let loadFields: Set<String> = ["schema", "tool", "spec", "valid", "diagnostics", "observations"]
    static let checkFields: Set<String> = ["engine", "engine_note", "complete", "stop_reason", "stats", "properties", "coverage",
                                           "stalls", "walk", "obligations", "symbolic"]

    func object(_ doc: ResultJSON) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(doc.encoded().utf8)) as? [String: Any])
    }

    @Test func sha256IsOfTheBytes() {
        #expect(SpecLoader.sha256(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let v = validate(machine())
        #expect(v.sha256 == SpecLoader.sha256(Data(machine().utf8)))
        #expect(Pipeline.validate(path: "/nonexistent/x.yaml").sha256 == nil)
    }

    @Test func specNamesTheFileAndTitlesThePlaybook() {
        var v = validate(machine())
        v.path = "dir/door.yml"
        let spec = ResultJSON(validation: v).spec
        #expect(spec.name == "door" && spec.path == "dir/door.yml" && spec.title == nil)
        #expect(SpecJSON.stem("a/b.c.yaml") == "b.c" && SpecJSON.stem("plain") == "plain" && SpecJSON.stem(".yaml") == ".yaml")
        #expect(ResultJSON(validation: validate("name: Door\n" + machine())).spec.title == "Door")
    }

    @Test func validateDocumentHasOnlyWhatLoadingMade() throws {
        let doc = ResultJSON(validation: validate(machine()))
        #expect(doc.schema == 2 && doc.valid && doc.check == nil)
        let fields = try object(doc)
        #expect(Set(fields.keys) == Self.loadFields)
        #expect((fields["spec"] as? [String: Any])?.keys.sorted() == ["name", "path", "sha256", "title"])
    }

    @Test func invalidSpecHasEveryFieldAndNothingMade() throws {
        let v = validate("version: \"1.0\"\nmachine:\n")
        let doc = ResultJSON(validation: v, shown: v.diagnostics, outcome: nil)
        let fields = try object(doc)
        #expect(Set(fields.keys) == Self.loadFields.union(Self.checkFields))
        #expect(fields["valid"] as? Bool == false && fields["complete"] as? Bool == false)
        #expect((fields["properties"] as? [Any])?.isEmpty == true)
        #expect(fields["engine"] is NSNull && fields["coverage"] is NSNull)
        let stats = try #require(fields["stats"] as? [String: Any])
        #expect(stats.count == 6 && stats.values.allSatisfy { $0 is NSNull })
        #expect(doc.diagnostics.map(\.code) == v.diagnostics.map(\.code.rawValue) && !doc.diagnostics.isEmpty)
    }

    @Test func validSpecHasEveryField() throws {
        let v = validate(machine())
        let model = try #require(v.model)
        let doc = ResultJSON(validation: v, shown: [], outcome: Verifier.run(model: model, options: ExplicitOptions()))
        let fields = try object(doc)
        #expect(Set(fields.keys) == Self.loadFields.union(Self.checkFields))
        #expect(doc.valid && doc.check?.stats.states == 2 && doc.check?.stats.steps != nil)
    }

    /// A count an engine does not make is null, never 0.
    @Test func countsNotMadeAreNull() throws {
        let model = try #require(validate(machine()).model)
        let symbolic = ResultJSON.StatsJSON(Verifier.run(model: model, engine: .symbolic, options: ExplicitOptions()))
        #expect(symbolic.states == nil && symbolic.steps == nil && symbolic.bytesPerState == nil)
        #expect(symbolic.depth != nil && symbolic.seconds != nil && symbolic.solverQueries != nil)
        var walk = WalkOptions()
        walk.runs = 5
        let walked = ResultJSON.StatsJSON(Verifier.run(model: model, engine: .walk, options: ExplicitOptions(), walk: walk))
        #expect(walked.states == nil && walked.depth == nil && walked.steps != nil)
        let scenarios = Verifier.scenarios(model: model)
        let tested = ResultJSON.StatsJSON(scenarios)
        #expect(tested.states == nil && tested.steps == nil && tested.solverQueries == nil && tested.seconds != nil)
        #expect(ResultJSON.CheckJSON(scenarios).coverage == nil)
    }

    @Test func documentsRoundTrip() throws {
        let v = validate(machine())
        let model = try #require(v.model)
        for doc in [ResultJSON(validation: v), ResultJSON(validation: v, shown: [], outcome: Verifier.run(model: model, options: ExplicitOptions()))] {
            let back = try JSONDecoder().decode(ResultJSON.self, from: Data(doc.encoded().utf8))
            #expect(back.encoded() == doc.encoded())
        }
    }

    @Test func severalDocumentsAreAnArray() throws {
        let doc = ResultJSON(validation: validate(machine()))
        let one = try JSONSerialization.jsonObject(with: Data(ResultJSON.encoded([doc]).utf8))
        let two = try JSONSerialization.jsonObject(with: Data(ResultJSON.encoded([doc, doc]).utf8))
        #expect(one is [String: Any] && (two as? [[String: Any]])?.count == 2)
    }
}
