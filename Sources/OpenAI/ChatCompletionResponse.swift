import Foundation

/// A non-streamed `chat.completion` object.
public struct ChatCompletionResponse: Sendable, Equatable, Encodable {
    /// `chatcmpl-…`.
    public var id: String
    /// Unix seconds.
    public var created: Int
    /// The model id echoed back.
    public var model: String
    /// One per generated sequence.
    public var choices: [Choice]
    /// Token counts.
    public var usage: Usage
    /// Backend fingerprint; omitted when nil.
    public var systemFingerprint: String?

    /// Creates a response; `id` and `created` default to a fresh id and the current time.
    public init(
        id: String = OpenAIJSON.makeID(prefix: "chatcmpl"), created: Int = OpenAIJSON.now(), model: String,
        choices: [Choice], usage: Usage, systemFingerprint: String? = nil
    ) {
        self.id = id
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
        self.systemFingerprint = systemFingerprint
    }

    /// One choice: the assistant message, its logprobs (or null) and why it ended.
    public struct Choice: Sendable, Equatable, Encodable {
        /// The choice's position, 0…n-1.
        public var index: Int
        /// The final answer text; null when generation produced only reasoning.
        public var content: String?
        /// The reasoning text; the key is omitted when nil.
        public var reasoningContent: String?
        /// Per-token logprobs when requested, else null.
        public var logprobs: ChatLogprobs?
        /// `stop`, `length` or `tool_calls`.
        public var finishReason: FinishReason
        /// The tools the model called; the key is omitted when there are none.
        public var toolCalls: [ToolCallOutput]

        /// Creates a choice.
        public init(index: Int = 0, content: String?, reasoningContent: String? = nil, logprobs: ChatLogprobs? = nil,
                    finishReason: FinishReason, toolCalls: [ToolCallOutput] = []) {
            self.toolCalls = toolCalls
            self.index = index
            self.content = content
            self.reasoningContent = reasoningContent
            self.logprobs = logprobs
            self.finishReason = finishReason
        }

        private enum Keys: String, CodingKey { case index, message, logprobs, finishReason = "finish_reason" }
        private enum MessageKeys: String, CodingKey {
            case role, content, refusal, reasoningContent = "reasoning_content", toolCalls = "tool_calls"
        }

        /// Encodes `{"index","message":{"role","content","refusal"[,"reasoning_content"]},"logprobs","finish_reason"}`.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(index, forKey: .index)
            var message = container.nestedContainer(keyedBy: MessageKeys.self, forKey: .message)
            try message.encode("assistant", forKey: .role)
            try message.encode(content, forKey: .content)
            try message.encodeNil(forKey: .refusal)
            try message.encodeIfPresent(reasoningContent, forKey: .reasoningContent)
            if !toolCalls.isEmpty { try message.encode(toolCalls, forKey: .toolCalls) }
            try container.encode(logprobs, forKey: .logprobs)
            try container.encode(finishReason, forKey: .finishReason)
        }
    }

    private enum Keys: String, CodingKey {
        case id, object, created, model, choices, usage, systemFingerprint = "system_fingerprint"
    }

    /// Encodes the OpenAI object with `"object":"chat.completion"`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(id, forKey: .id)
        try container.encode("chat.completion", forKey: .object)
        try container.encode(created, forKey: .created)
        try container.encode(model, forKey: .model)
        try container.encode(choices, forKey: .choices)
        try container.encode(usage, forKey: .usage)
        try container.encodeIfPresent(systemFingerprint, forKey: .systemFingerprint)
    }

    /// The encoded body.
    public var jsonData: Data { OpenAIJSON.encode(self) }
}
