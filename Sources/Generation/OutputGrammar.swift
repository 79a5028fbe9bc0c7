import Grammar
import JSON

/// A constraint on a request's output (structured output): its tokens must keep the text a prefix of a document
/// the grammar accepts, and once the document is complete only end-of-generation tokens may follow. Compiled on
/// the HTTP thread (cached by schema), shared by every request that uses it.
public struct OutputGrammar: Sendable {
    let compiled: CompiledGrammar
}

/// What a request's output must be.
public enum OutputFormat: Sendable {
    /// Any JSON object.
    case jsonObject
    /// JSON matching this JSON Schema.
    case jsonSchema(JSONValue)
}

/// A schema the grammar compiler refused: an unsupported keyword (named in the message), an invalid schema, or
/// one over the size and complexity bounds (`GrammarLimits`).
public struct OutputFormatError: Error, Sendable {
    public let message: String
}

/// Compiled grammars by schema text, bounded (LRU), so a client sending one schema a thousand times compiles it once.
final class OutputGrammarCache: Sendable {
    let cache = GrammarCache(capacity: 128)

    func grammar(for format: OutputFormat) throws(OutputFormatError) -> OutputGrammar {
        switch format {
        case .jsonObject:
            return OutputGrammar(compiled: cache.jsonObjectGrammar())
        case .jsonSchema(let schema):
            do {
                return OutputGrammar(compiled: try cache.grammar(for: Self.schemaValue(schema)))
            } catch {
                throw OutputFormatError(message: error.message)
            }
        }
    }

    /// The schema in the compiler's own terms; numbers keep a literal form, so `const`/`enum` numbers are written
    /// as the schema writes them.
    static func schemaValue(_ v: JSONValue) -> JSONSchemaValue {
        switch v {
        case .null: .null
        case .bool(let b): .bool(b)
        case .int(let i): .number(String(i))
        case .double(let d): .number(d.isFinite ? "\(d)" : "0")
        case .string(let s): .string(s)
        case .array(let a): .array(a.map(schemaValue))
        case .object(let o): .object(o.map { (key: $0.key, value: schemaValue($0.value)) })
        }
    }
}
