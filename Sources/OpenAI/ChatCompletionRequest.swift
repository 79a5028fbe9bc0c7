import Foundation

/// A validated `POST /v1/chat/completions` body.
///
/// Decoding checks types, ranges and combinations and throws ``OpenAIError`` naming the offending param;
/// unknown fields are ignored, and `reasoning_effort` and similar hints have no effect.
public struct ChatCompletionRequest: Sendable, Equatable {
    /// The requested model id; nil when the client left it out, which means the served model (as llama-server and vLLM do).
    public var model: String?
    /// The conversation, at least one message.
    public var messages: [ChatMessage]
    /// Sampling and output options.
    public var settings: GenerationSettings
    /// Extra chat-template variables such as `enable_thinking`, passed through unchanged.
    public var chatTemplateKwargs: JSONObject
    /// The caller's end-user id, for logs only.
    public var user: String?
    /// Offered tools and the tool choice.
    public var tools = Tools()

    /// Creates a request from already-validated parts.
    public init(
        model: String?, messages: [ChatMessage], settings: GenerationSettings = GenerationSettings(),
        chatTemplateKwargs: JSONObject = [:], user: String? = nil
    ) {
        self.model = model
        self.messages = messages
        self.settings = settings
        self.chatTemplateKwargs = chatTemplateKwargs
        self.user = user
    }

    /// Parses and validates a request body.
    public static func decode(from body: Data) throws(OpenAIError) -> ChatCompletionRequest {
        try ChatCompletionRequest(RequestReader.body(body))
    }

    init(_ reader: RequestReader) throws(OpenAIError) {
        model = try reader.string("model")
        messages = try ChatMessage.parseAll(reader)
        settings = try GenerationSettings(reader, kind: .chat)
        try UnsupportedFeatures.check(reader, kind: .chat)
        chatTemplateKwargs = try reader.object("chat_template_kwargs") ?? [:]
        tools = try Tools(reader)
        user = try reader.string("user")
    }
}
