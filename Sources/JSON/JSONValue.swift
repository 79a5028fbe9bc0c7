/// Any JSON value, used to read request bodies field by field and to pass through free-form objects.
public enum JSONValue: Sendable, Hashable {
    /// JSON `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number written as an integer that fits in `Int64`.
    case int(Int64)
    /// Any other number (written with a fraction or an exponent, or beyond `Int64`).
    case double(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object, its keys in the order they were written.
    case object(JSONObject)

    /// The article-and-noun phrase OpenAI's type errors use, e.g. "a string" in "but got a string instead".
    public var typeDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int: "an integer"
        case .double: "a decimal"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
