/// A tool call in a response: `{"id":"call_…","type":"function","function":{"name","arguments"}}`, with its
/// position among the choice's calls (`index`, written in stream deltas only).
public struct ToolCallOutput: Sendable, Equatable, Encodable {
    public var index: Int
    public var id: String
    public var name: String
    /// The arguments as a JSON string, as OpenAI sends them.
    public var arguments: String
    /// Whether `index` is written (stream deltas).
    var inDelta = false

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
        if inDelta { try container.encode(index, forKey: .index) }
        try container.encode(id, forKey: .id)
        try container.encode("function", forKey: .type)
        var function = container.nestedContainer(keyedBy: FunctionKeys.self, forKey: .function)
        try function.encode(name, forKey: .name)
        try function.encode(arguments, forKey: .arguments)
    }
}
