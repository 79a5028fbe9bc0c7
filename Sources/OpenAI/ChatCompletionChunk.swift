import Foundation

/// One streamed `chat.completion.chunk` object.
public struct ChatCompletionChunk: Sendable, Equatable, Encodable {
    /// The stream's id, the same on every chunk.
    public var id: String
    /// The stream's creation time, the same on every chunk.
    public var created: Int
    /// The model id echoed back.
    public var model: String
    /// Zero or more choice deltas; empty in the final usage chunk.
    public var choices: [Choice]
    /// Whether the stream reports usage: then every chunk carries `usage`, null except in the final one.
    public var includeUsage: Bool
    /// The usage of the final chunk.
    public var usage: Usage?
    /// Backend fingerprint; omitted when nil.
    public var systemFingerprint: String?

    /// Creates a chunk.
    public init(
        id: String, created: Int, model: String, choices: [Choice], includeUsage: Bool = false, usage: Usage? = nil,
        systemFingerprint: String? = nil
    ) {
        self.id = id
        self.created = created
        self.model = model
        self.choices = choices
        self.includeUsage = includeUsage
        self.usage = usage
        self.systemFingerprint = systemFingerprint
    }

    /// One choice's increment; nil delta fields are omitted, as OpenAI omits them.
    public struct Choice: Sendable, Equatable, Encodable {
        /// The choice's position, 0…n-1.
        public var index: Int
        /// `"assistant"` in a choice's first delta only.
        public var role: String?
        /// New answer text.
        public var content: String?
        /// New reasoning text.
        public var reasoningContent: String?
        /// Logprobs of the tokens behind this delta, else null.
        public var logprobs: ChatLogprobs?
        /// Set in a choice's last delta, else null.
        public var finishReason: FinishReason?
        /// Tool calls, each whole in one delta.
        public var toolCalls: [ToolCallOutput]?

        /// Creates a choice delta.
        public init(
            index: Int = 0, role: String? = nil, content: String? = nil, reasoningContent: String? = nil,
            logprobs: ChatLogprobs? = nil, finishReason: FinishReason? = nil
        ) {
            self.index = index
            self.role = role
            self.content = content
            self.reasoningContent = reasoningContent
            self.logprobs = logprobs
            self.finishReason = finishReason
        }

        private enum Keys: String, CodingKey { case index, delta, logprobs, finishReason = "finish_reason" }
        private enum DeltaKeys: String, CodingKey { case role, content, reasoningContent = "reasoning_content", toolCalls = "tool_calls" }

        /// Encodes `{"index","delta":{…},"logprobs","finish_reason"}` with explicit nulls for the last two.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(index, forKey: .index)
            var delta = container.nestedContainer(keyedBy: DeltaKeys.self, forKey: .delta)
            try delta.encodeIfPresent(role, forKey: .role)
            try delta.encodeIfPresent(content, forKey: .content)
            try delta.encodeIfPresent(reasoningContent, forKey: .reasoningContent)
            try delta.encodeIfPresent(toolCalls, forKey: .toolCalls)
            try container.encode(logprobs, forKey: .logprobs)
            try container.encode(finishReason, forKey: .finishReason)
        }
    }

    private enum Keys: String, CodingKey {
        case id, object, created, model, choices, usage, systemFingerprint = "system_fingerprint"
    }

    /// Encodes the OpenAI object with `"object":"chat.completion.chunk"`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(id, forKey: .id)
        try container.encode("chat.completion.chunk", forKey: .object)
        try container.encode(created, forKey: .created)
        try container.encode(model, forKey: .model)
        try container.encode(choices, forKey: .choices)
        if includeUsage { try container.encode(usage, forKey: .usage) }
        try container.encodeIfPresent(systemFingerprint, forKey: .systemFingerprint)
    }

    /// The encoded JSON object, to be framed as one `data:` event.
    public var jsonData: Data { OpenAIJSON.encode(self) }
}

/// Produces the chunks of one chat stream with a shared id, creation time and model.
///
/// Per choice the server sends `roleChunk`, then `contentChunk`s, then `finishChunk`; with `includeUsage`
/// it ends with `usageChunk`, and the HTTP layer frames each as `data: …\n\n` and appends `data: [DONE]`.
public struct ChatStream: Sendable {
    /// `chatcmpl-…`.
    public let id: String
    /// Unix seconds.
    public let created: Int
    /// The model id echoed back.
    public let model: String
    /// Whether chunks carry `usage` (null until `usageChunk`).
    public let includeUsage: Bool
    /// Backend fingerprint; omitted when nil.
    public let systemFingerprint: String?

    /// Starts a stream; `id` and `created` default to a fresh id and the current time.
    public init(
        id: String = OpenAIJSON.makeID(prefix: "chatcmpl"), model: String, created: Int = OpenAIJSON.now(),
        includeUsage: Bool = false, systemFingerprint: String? = nil
    ) {
        self.id = id
        self.model = model
        self.created = created
        self.includeUsage = includeUsage
        self.systemFingerprint = systemFingerprint
    }

    /// A chunk of these choices with this stream's header fields.
    public func chunk(_ choices: [ChatCompletionChunk.Choice], usage: Usage? = nil) -> ChatCompletionChunk {
        ChatCompletionChunk(
            id: id, created: created, model: model, choices: choices, includeUsage: includeUsage, usage: usage,
            systemFingerprint: systemFingerprint)
    }

    /// The opening delta `{"role":"assistant","content":""}`, as OpenAI sends first.
    public func roleChunk(index: Int = 0) -> Data {
        chunk([.init(index: index, role: "assistant", content: "")]).jsonData
    }

    /// A delta with new answer and/or reasoning text and the logprobs of its tokens.
    public func contentChunk(_ content: String?, reasoning: String? = nil, logprobs: ChatLogprobs? = nil, index: Int = 0) -> Data {
        chunk([.init(index: index, content: content, reasoningContent: reasoning, logprobs: logprobs)]).jsonData
    }

    /// The deltas of complete tool calls, two per call as OpenAI streams them: `index`, `id`, `type` and the name
    /// with empty arguments, then the arguments.
    public func toolCallChunks(_ calls: [ToolCallOutput], index: Int = 0) -> [Data] {
        calls.flatMap { call in
            [ToolCallOutput.Delta.header, .arguments].map { part in
                var choice = ChatCompletionChunk.Choice(index: index)
                var c = call
                c.delta = part
                choice.toolCalls = [c]
                return chunk([choice]).jsonData
            }
        }
    }

    /// A choice's last chunk: an empty delta carrying the finish reason.
    public func finishChunk(_ reason: FinishReason, index: Int = 0) -> Data {
        chunk([.init(index: index, finishReason: reason)]).jsonData
    }

    /// The final `"choices":[]` chunk with the whole request's usage.
    public func usageChunk(_ usage: Usage) -> Data {
        ChatCompletionChunk(
            id: id, created: created, model: model, choices: [], includeUsage: true, usage: usage,
            systemFingerprint: systemFingerprint
        ).jsonData
    }
}
