/// A tool call in a response: `{"id":"call_…","type":"function","function":{"name","arguments"}}`, with its
/// position among the choice's calls (`index`, written in stream deltas only).
public struct ToolCallOutput: Sendable, Equatable, Encodable {
    public var index: Int
    public var id: String
    public var name: String
    /// The arguments as a JSON string, as OpenAI sends them.
    public var arguments: String
    /// In a stream, which delta this is: as OpenAI streams a call, the first carries `index`, `id`, `type` and the
    /// name with empty arguments, and later ones only `index` and argument text. Nil in a whole message.
    var delta: Delta?
    enum Delta { case header, arguments }

    public init(index: Int, id: String = OpenAIJSON.makeID(prefix: "call"), name: String, arguments: String) {
        self.index = index
        self.id = id
        self.name = name
        self.arguments = arguments
    }

    private enum Keys: String, CodingKey { case index, id, type, function }
    private enum FunctionKeys: String, CodingKey { case name, arguments }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        if delta != nil { try container.encode(index, forKey: .index) }
        if delta != .arguments {
            try container.encode(id, forKey: .id)
            try container.encode("function", forKey: .type)
        }
        var function = container.nestedContainer(keyedBy: FunctionKeys.self, forKey: .function)
        if delta != .arguments { try function.encode(name, forKey: .name) }
        try function.encode(delta == .header ? "" : arguments, forKey: .arguments)
    }
}
