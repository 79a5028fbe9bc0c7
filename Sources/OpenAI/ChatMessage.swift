/// The author of a chat message.
public enum ChatRole: String, Sendable, Equatable, CaseIterable {
    case system, developer, user, assistant, tool
}

/// One validated chat message, its content flattened to text for the chat template.
public struct ChatMessage: Sendable, Equatable {
    /// Who wrote the message.
    public var role: ChatRole
    /// The text; text parts are joined with "\n" as vLLM does; nil only for an assistant message without content.
    public var content: String?
    /// The optional participant name.
    public var name: String?
    /// Earlier reasoning of an assistant turn, from `reasoning_content` or vLLM's `reasoning`.
    public var reasoningContent: String?
    /// An assistant turn's tool calls, passed through unchanged for the template.
    public var toolCalls: [JSONValue]?
    /// The call a tool message answers.
    public var toolCallID: String?
    /// The message object as the client sent it, key order kept, for the chat template (which may read fields
    /// this type does not model).
    public var raw: JSONObject

    /// Creates a message from its parts.
    public init(
        role: ChatRole, content: String?, name: String? = nil, reasoningContent: String? = nil,
        toolCalls: [JSONValue]? = nil, toolCallID: String? = nil, raw: JSONObject = [:]
    ) {
        self.raw = raw
        self.role = role
        self.content = content
        self.name = name
        self.reasoningContent = reasoningContent
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
    }
}

extension ChatMessage {
    /// Equal when the modeled fields are; `raw` is where they were read from, not part of the message's meaning.
    public static func == (a: ChatMessage, b: ChatMessage) -> Bool {
        a.role == b.role && a.content == b.content && a.name == b.name && a.reasoningContent == b.reasoningContent
            && a.toolCalls == b.toolCalls && a.toolCallID == b.toolCallID
    }
}

extension ChatMessage {
    /// Reads the `messages` array, which must be present and non-empty.
    static func parseAll(_ reader: RequestReader) throws(OpenAIError) -> [ChatMessage] {
        guard let values = try reader.array("messages") else { throw .missingParameter("messages") }
        guard !values.isEmpty else {
            throw .invalidRequest(
                "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
                param: "messages", code: "empty_array")
        }
        var messages: [ChatMessage] = []
        messages.reserveCapacity(values.count)
        for (index, value) in values.enumerated() {
            let path = "messages[\(index)]"
            guard case .object(let fields) = value else { throw .invalidType(path, expected: "an object", got: value) }
            messages.append(try ChatMessage(RequestReader(fields, path: path)))
        }
        return messages
    }

    init(_ reader: RequestReader) throws(OpenAIError) {
        let roleName = try reader.requiredString("role")
        guard let role = ChatRole(rawValue: roleName) else {
            throw .invalidValue(reader.param("role"), roleName, supported: ChatRole.allCases.map(\.rawValue))
        }
        self.role = role
        self.raw = reader.fields
        self.name = try reader.string("name")
        self.content = try Self.content(reader)
        if content == nil && role != .assistant { throw .missingParameter(reader.param("content")) }

        if role == .assistant {
            // vLLM reads `reasoning`; DeepSeek's API and most clients send `reasoning_content`, which wins.
            if let text = try reader.string("reasoning_content") {
                reasoningContent = text
            } else {
                reasoningContent = try reader.string("reasoning")
            }
            toolCalls = try reader.array("tool_calls")
        }
        if role == .tool {
            toolCallID = try reader.requiredString("tool_call_id")
        }
    }

    /// The content as text: a string, null, or an array of `{"type":"text","text":…}` parts.
    private static func content(_ reader: RequestReader) throws(OpenAIError) -> String? {
        guard let value = reader.value("content") else { return nil }
        switch value {
        case .string(let text):
            return text
        case .array(let parts):
            var texts: [String] = []
            for (index, part) in parts.enumerated() {
                let path = reader.param("content") + "[\(index)]"
                guard case .object(let fields) = part else { throw .invalidType(path, expected: "an object", got: part) }
                let partReader = RequestReader(fields, path: path)
                let type = try partReader.requiredString("type")
                guard type == "text" else {
                    throw .invalidRequest(
                        "Content parts of type '\(type)' are not supported by this server; only 'text' parts are.",
                        param: partReader.param("type"), code: "invalid_value")
                }
                texts.append(try partReader.requiredString("text"))
            }
            return texts.joined(separator: "\n")
        default:
            throw .invalidType(reader.param("content"), expected: "a string or an array of content parts", got: value)
        }
    }
}
