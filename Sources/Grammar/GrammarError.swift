/// Why a schema cannot be compiled. The server answers 400 (param "response_format") with `message`.
public enum GrammarError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A keyword (or keyword value, such as an unknown `format`) the compiler does not support; `path` is a JSON
    /// pointer to the schema that holds it.
    case unsupportedKeyword(String, path: String)
    /// The schema is malformed or matches no JSON value.
    case invalidSchema(String, path: String)
    /// The schema exceeds one of `GrammarLimits`.
    case tooComplex(String)

    public var message: String {
        switch self {
        case let .unsupportedKeyword(keyword, path):
            return "unsupported JSON Schema keyword '\(keyword)' at \(path)"
        case let .invalidSchema(reason, path):
            return "invalid JSON Schema at \(path): \(reason)"
        case let .tooComplex(reason):
            return "JSON Schema too complex: \(reason)"
        }
    }

    public var description: String { message }
}
