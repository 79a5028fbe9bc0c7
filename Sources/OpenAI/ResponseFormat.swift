/// `response_format`: free text, any JSON object, or JSON matching a schema (structured output).
public enum ResponseFormat: Sendable, Equatable {
    case text
    case jsonObject
    /// `json_schema.schema`, as the client sent it (key order kept: it is the order properties are written in).
    case jsonSchema(name: String, schema: JSONValue, strict: Bool)

    /// Reads `response_format`; absent or null means text.
    static func read(_ reader: RequestReader) throws(OpenAIError) -> ResponseFormat {
        guard let format = try reader.object("response_format") else { return .text }
        let r = RequestReader(format, path: "response_format")
        let type = try r.requiredString("type")
        switch type {
        case "text": return .text
        case "json_object": return .jsonObject
        case "json_schema":
            guard let spec = try r.object("json_schema") else { throw .missingParameter("response_format.json_schema") }
            let s = RequestReader(spec, path: "response_format.json_schema")
            let name = try s.requiredString("name")
            // OpenAI's rule for the name, which clients derive from a class name.
            guard (1...64).contains(name.count),
                  name.unicodeScalars.allSatisfy(isNameScalar) else {
                throw .invalidRequest("Invalid 'response_format.json_schema.name': '\(name)'. Expected 1 to 64 letters, digits, "
                                      + "underscores or dashes.", param: "response_format.json_schema.name", code: "invalid_value")
            }
            _ = try s.string("description")
            // Without a schema any JSON object will do, as with json_object.
            guard let schema = s.value("schema") else { return .jsonObject }
            guard case .object = schema else { throw .invalidType(s.param("schema"), expected: "an object", got: schema) }
            return .jsonSchema(name: name, schema: schema, strict: try s.bool("strict") ?? false)
        default:
            throw .invalidValue("response_format.type", type, supported: ["text", "json_object", "json_schema"])
        }
    }
}

/// Letters, digits, `_` and `-`: what OpenAI allows in a schema's name.
private func isNameScalar(_ s: Unicode.Scalar) -> Bool {
    switch s {
    case "a"..."z", "A"..."Z", "0"..."9", "_", "-": true
    default: false
    }
}
