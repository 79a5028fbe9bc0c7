/// The tools a chat request offers and how the model may use them (`tools`, `tool_choice`, `parallel_tool_calls`,
/// and the legacy `functions` / `function_call`, read as the same).
public struct Tools: Sendable, Equatable {
    /// Each tool as the chat template's `tools` variable takes it: `{"type":"function","function":{…}}`.
    public var definitions: [JSONValue] = []
    public var choice: ToolChoice = .none
    public var parallelCalls = true
    /// The field that decided `choice`, for errors about it: `tool_choice`, `function_call`, `tools` or `functions`.
    public var choiceParam = "tool_choice"

    /// Whether the model may or must call a tool.
    public enum ToolChoice: Sendable, Equatable {
        case none, auto, required
        case function(String)
    }

    /// Function names: letters, digits, `_` and `-`, at most 64 (OpenAI's rule).
    static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.count) && name.unicodeScalars.allSatisfy {
            switch $0 {
            case "a"..."z", "A"..."Z", "0"..."9", "_", "-": true
            default: false
            }
        }
    }

    init() {}

    init(_ reader: RequestReader) throws(OpenAIError) {
        let legacy = try reader.array("functions")
        if let tools = try reader.array("tools") {
            for (i, tool) in tools.enumerated() {
                let path = "tools[\(i)]"
                guard case .object(let fields) = tool else { throw .invalidType(path, expected: "an object", got: tool) }
                let r = RequestReader(fields, path: path)
                let type = try r.requiredString("type")
                guard type == "function" else { throw .invalidValue(r.param("type"), type, supported: ["function"]) }
                guard case .object(let function)? = r.value("function") else {
                    throw r.value("function").map { .invalidType(r.param("function"), expected: "an object", got: $0) }
                        ?? .missingParameter(r.param("function"))
                }
                try Self.checkFunction(function, path: r.param("function"))
                definitions.append(tool)
            }
        } else if let legacy {
            for (i, function) in legacy.enumerated() {
                guard case .object(let fields) = function else { throw .invalidType("functions[\(i)]", expected: "an object", got: function) }
                try Self.checkFunction(fields, path: "functions[\(i)]")
                definitions.append(.object(["type": .string("function"), "function": function]))
            }
        }
        choice = definitions.isEmpty ? .none : .auto
        choiceParam = reader.value("tools") != nil ? "tools" : "functions"
        if let value = reader.value("tool_choice") ?? reader.value("function_call") {
            choiceParam = reader.value("tool_choice") != nil ? "tool_choice" : "function_call"
            choice = try Self.choice(value, param: choiceParam)
        }
        if case .function(let name) = choice, !definitions.contains(where: { Self.name(of: $0) == name }) {
            throw .invalidRequest("Invalid 'tool_choice': no function named '\(name)' is among the tools.", param: "tool_choice",
                                  code: "invalid_value")
        }
        if definitions.isEmpty {
            // "auto" with no tools asks for nothing (some clients always send it); a required call needs tools.
            guard choice == .auto || choice == .none else {
                throw .invalidRequest("Invalid 'tool_choice': 'tools' must be given when tool_choice requires a call.",
                                      param: "tool_choice", code: "invalid_value")
            }
            choice = .none
        }
        parallelCalls = try reader.bool("parallel_tool_calls") ?? true
    }

    private static func checkFunction(_ fields: JSONObject, path: String) throws(OpenAIError) {
        let r = RequestReader(fields, path: path)
        let name = try r.requiredString("name")
        guard isValidName(name) else {
            throw .invalidRequest("Invalid '\(r.param("name"))': '\(name)'. Expected 1 to 64 letters, digits, underscores or dashes.",
                                  param: r.param("name"), code: "invalid_value")
        }
        _ = try r.string("description")
        _ = try r.object("parameters")
        _ = try r.bool("strict")
    }

    private static func choice(_ value: JSONValue, param: String) throws(OpenAIError) -> ToolChoice {
        switch value {
        case .string("none"): return .none
        case .string("auto"): return .auto
        case .string("required") where param == "tool_choice": return .required
        case .string(let other):
            throw .invalidValue(param, other, supported: param == "tool_choice" ? ["none", "auto", "required"] : ["none", "auto"])
        case .object(let fields):
            // tool_choice: {"type":"function","function":{"name":…}}; function_call: {"name":…}.
            let r = RequestReader(fields, path: param)
            if param == "tool_choice" {
                guard case .object(let function)? = r.value("function") else { throw .missingParameter("tool_choice.function") }
                return .function(try RequestReader(function, path: "tool_choice.function").requiredString("name"))
            }
            return .function(try r.requiredString("name"))
        default:
            throw .invalidType(param, expected: "a string or an object", got: value)
        }
    }

    /// The offered functions' names.
    public var names: [String] { definitions.compactMap(Self.name(of:)) }

    public static func name(of tool: JSONValue) -> String? {
        guard case .object(let t) = tool, case .object(let f)? = t["function"], case .string(let n)? = f["name"] else { return nil }
        return n
    }
}
