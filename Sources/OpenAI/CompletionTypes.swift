import Foundation

/// The legacy completions `logprobs` object: parallel `tokens`, `token_logprobs`, `top_logprobs`, `text_offset` lists.
public struct CompletionLogprobs: Sendable, Equatable, Encodable {
    /// The sampled tokens' texts.
    public var tokens: [String]
    /// Their natural-log probabilities.
    public var tokenLogprobs: [Float]
    /// Per position, the alternatives to encode as one `{"token": logprob}` object (first occurrence of a text wins).
    public var topLogprobs: [[TopLogprob]]
    /// Per position, the token's character offset in the choice's text.
    public var textOffset: [Int]

    /// Creates the object from its four parallel lists.
    public init(tokens: [String], tokenLogprobs: [Float], topLogprobs: [[TopLogprob]], textOffset: [Int]) {
        self.tokens = tokens
        self.tokenLogprobs = tokenLogprobs
        self.topLogprobs = topLogprobs
        self.textOffset = textOffset
    }

    /// Builds the lists from per-token entries, counting offsets in Unicode scalars (Python characters, as vLLM
    /// does) from `textOffset`; each position's alternatives include the sampled token, as OpenAI's "logprobs + 1".
    public init(entries: [TokenLogprob], textOffset start: Int = 0) {
        var offset = start
        tokens = []
        tokenLogprobs = []
        topLogprobs = []
        textOffset = []
        for entry in entries {
            tokens.append(entry.token)
            tokenLogprobs.append(entry.logprob)
            var alternatives = entry.topLogprobs
            if !alternatives.contains(where: { $0.token == entry.token }) {
                alternatives.append(TopLogprob(token: entry.token, logprob: entry.logprob, bytes: entry.bytes))
            }
            topLogprobs.append(alternatives)
            textOffset.append(offset)
            offset += entry.token.unicodeScalars.count
        }
    }

    private enum Keys: String, CodingKey {
        case tokens, tokenLogprobs = "token_logprobs", topLogprobs = "top_logprobs", textOffset = "text_offset"
    }

    /// Encodes the four lists; each `top_logprobs` entry becomes a JSON object keyed by token text.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(tokens, forKey: .tokens)
        try container.encode(tokenLogprobs.map(OpenAIJSON.finite), forKey: .tokenLogprobs)
        let objects = topLogprobs.map { alternatives in
            var object: [String: Float] = [:]
            for alternative in alternatives where object[alternative.token] == nil {
                object[alternative.token] = OpenAIJSON.finite(alternative.logprob)
            }
            return object
        }
        try container.encode(objects, forKey: .topLogprobs)
        try container.encode(textOffset, forKey: .textOffset)
    }
}

/// One choice of a completions response or chunk: `{"text","index","logprobs","finish_reason"}`.
public struct CompletionChoice: Sendable, Equatable, Encodable {
    /// The generated text (a streamed chunk's new text).
    public var text: String
    /// The choice's position, 0…n-1.
    public var index: Int
    /// Legacy logprobs when requested, else null.
    public var logprobs: CompletionLogprobs?
    /// Why the choice ended; null in streamed chunks before the last.
    public var finishReason: FinishReason?

    /// Creates a choice.
    public init(text: String, index: Int = 0, logprobs: CompletionLogprobs? = nil, finishReason: FinishReason?) {
        self.text = text
        self.index = index
        self.logprobs = logprobs
        self.finishReason = finishReason
    }

    private enum Keys: String, CodingKey { case text, index, logprobs, finishReason = "finish_reason" }

    /// Encodes the four fields with explicit nulls.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(text, forKey: .text)
        try container.encode(index, forKey: .index)
        try container.encode(logprobs, forKey: .logprobs)
        try container.encode(finishReason, forKey: .finishReason)
    }
}

/// A `text_completion` object: a whole response, or one streamed chunk (which has the same object type).
public struct CompletionResponse: Sendable, Equatable, Encodable {
    /// `cmpl-…`, the same on every chunk of a stream.
    public var id: String
    /// Unix seconds.
    public var created: Int
    /// The model id echoed back.
    public var model: String
    /// The choices; empty in a stream's final usage chunk.
    public var choices: [CompletionChoice]
    /// Token counts: always set on a whole response; on chunks only in the final usage chunk.
    public var usage: Usage?
    /// Whether `usage` is written when nil (as null): streams with `include_usage` do so on every chunk.
    public var includesNullUsage: Bool
    /// Backend fingerprint; omitted when nil.
    public var systemFingerprint: String?

    /// Creates a response or chunk; `id` and `created` default to a fresh id and the current time.
    public init(
        id: String = OpenAIJSON.makeID(prefix: "cmpl"), created: Int = OpenAIJSON.now(), model: String,
        choices: [CompletionChoice], usage: Usage?, includesNullUsage: Bool = false, systemFingerprint: String? = nil
    ) {
        self.id = id
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
        self.includesNullUsage = includesNullUsage
        self.systemFingerprint = systemFingerprint
    }

    private enum Keys: String, CodingKey {
        case id, object, created, model, choices, usage, systemFingerprint = "system_fingerprint"
    }

    /// Encodes the OpenAI object with `"object":"text_completion"`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(id, forKey: .id)
        try container.encode("text_completion", forKey: .object)
        try container.encode(created, forKey: .created)
        try container.encode(model, forKey: .model)
        try container.encode(choices, forKey: .choices)
        if usage != nil || includesNullUsage { try container.encode(usage, forKey: .usage) }
        try container.encodeIfPresent(systemFingerprint, forKey: .systemFingerprint)
    }

    /// The encoded body.
    public var jsonData: Data { OpenAIJSON.encode(self) }
}

/// Produces the chunks of one completions stream with a shared id, creation time and model.
///
/// Per choice the server sends `textChunk`s then `finishChunk`; with `includeUsage` it ends with `usageChunk`.
public struct CompletionStream: Sendable {
    /// `cmpl-…`.
    public let id: String
    /// Unix seconds.
    public let created: Int
    /// The model id echoed back.
    public let model: String
    /// Whether chunks carry `usage` (null until `usageChunk`).
    public let includeUsage: Bool

    /// Starts a stream; `id` and `created` default to a fresh id and the current time.
    public init(id: String = OpenAIJSON.makeID(prefix: "cmpl"), model: String, created: Int = OpenAIJSON.now(), includeUsage: Bool = false) {
        self.id = id
        self.model = model
        self.created = created
        self.includeUsage = includeUsage
    }

    private func chunk(_ choices: [CompletionChoice], usage: Usage? = nil) -> Data {
        CompletionResponse(
            id: id, created: created, model: model, choices: choices, usage: usage, includesNullUsage: includeUsage
        ).jsonData
    }

    /// A chunk with new text and the logprobs of its tokens.
    public func textChunk(_ text: String, logprobs: CompletionLogprobs? = nil, index: Int = 0) -> Data {
        chunk([CompletionChoice(text: text, index: index, logprobs: logprobs, finishReason: nil)])
    }

    /// A choice's last chunk: empty text (unless given) with the finish reason.
    public func finishChunk(_ reason: FinishReason, text: String = "", logprobs: CompletionLogprobs? = nil, index: Int = 0) -> Data {
        chunk([CompletionChoice(text: text, index: index, logprobs: logprobs, finishReason: reason)])
    }

    /// The final `"choices":[]` chunk with the whole request's usage.
    public func usageChunk(_ usage: Usage) -> Data {
        chunk([], usage: usage)
    }
}
