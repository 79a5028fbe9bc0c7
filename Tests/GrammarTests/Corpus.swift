import Foundation
import Grammar

/// The schema corpus (Fixtures/corpus.json): each case a schema (or json_object mode), documents the grammar must
/// accept whole, and documents it must reject exactly where a ⟦ marker stands (a marker at the end: the document
/// is a valid prefix but not complete).
struct CorpusCase {
    let name: String
    let schema: JSONSchemaValue?
    let valid: [String]
    /// The document without its marker, and the byte index of the first byte that must be rejected.
    let invalid: [(bytes: [UInt8], rejectAt: Int)]

    func compile() throws -> CompiledGrammar {
        guard let schema else { return GrammarCompiler.jsonObject() }
        return try GrammarCompiler.compile(schema: schema)
    }
}

enum Corpus {
    static let marker = "\u{27E6}"

    static func load() throws -> [CorpusCase] {
        guard let url = Bundle.module.url(forResource: "corpus", withExtension: "json", subdirectory: "Fixtures") else {
            throw TestJSON.Failure(description: "Fixtures/corpus.json is missing")
        }
        let text = try String(contentsOf: url, encoding: .utf8)
        guard case .array(let entries) = try TestJSON.parse(text) else {
            throw TestJSON.Failure(description: "corpus.json is not an array")
        }
        return try entries.map { entry in
            guard case .string(let name)? = entry["name"], case .array(let valid)? = entry["valid"],
                  case .array(let invalid)? = entry["invalid"] else {
                throw TestJSON.Failure(description: "malformed corpus entry \(entry)")
            }
            var schema: JSONSchemaValue?
            if case .string("json_object")? = entry["mode"] {
                schema = nil
            } else {
                guard let s = entry["schema"] else { throw TestJSON.Failure(description: "\(name): no schema") }
                schema = s
            }
            return CorpusCase(name: name, schema: schema, valid: try valid.map(string), invalid: try invalid.map { v in
                let doc = try string(v)
                guard let r = doc.range(of: marker) else { throw TestJSON.Failure(description: "\(name): no marker in \(doc)") }
                let at = doc.utf8.distance(from: doc.utf8.startIndex, to: r.lowerBound.samePosition(in: doc.utf8) ?? doc.utf8.startIndex)
                return (Array(doc.replacingOccurrences(of: marker, with: "").utf8), at)
            })
        }
    }

    private static func string(_ v: JSONSchemaValue) throws -> String {
        guard case .string(let s) = v else { throw TestJSON.Failure(description: "expected a string, got \(v)") }
        return s
    }
}
