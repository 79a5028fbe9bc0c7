/// One alternative token at a position, as in chat `top_logprobs`.
public struct TopLogprob: Sendable, Equatable, Encodable {
    /// The token's text.
    public var token: String
    /// Its natural-log probability; non-finite values are sent as -9999.0 like vLLM.
    public var logprob: Float
    /// The token's exact bytes, which may be an incomplete UTF-8 sequence that `token` cannot show.
    public var bytes: [UInt8]

    /// Creates an entry; `bytes` defaults to the UTF-8 of `token`.
    public init(token: String, logprob: Float, bytes: [UInt8]? = nil) {
        self.token = token
        self.logprob = logprob
        self.bytes = bytes ?? Array(token.utf8)
    }

    private enum Keys: String, CodingKey { case token, logprob, bytes }

    /// Encodes `{"token","logprob","bytes"}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(token, forKey: .token)
        try container.encode(OpenAIJSON.finite(logprob), forKey: .logprob)
        try container.encode(bytes.map(Int.init), forKey: .bytes)
    }
}

/// The sampled token at one position with its alternatives, as in chat `logprobs.content`.
public struct TokenLogprob: Sendable, Equatable, Encodable {
    /// The sampled token's text.
    public var token: String
    /// Its natural-log probability.
    public var logprob: Float
    /// Its exact bytes.
    public var bytes: [UInt8]
    /// The most likely tokens at this position, most likely first (empty when `top_logprobs` is 0).
    public var topLogprobs: [TopLogprob]

    /// Creates an entry; `bytes` defaults to the UTF-8 of `token`.
    public init(token: String, logprob: Float, bytes: [UInt8]? = nil, topLogprobs: [TopLogprob] = []) {
        self.token = token
        self.logprob = logprob
        self.bytes = bytes ?? Array(token.utf8)
        self.topLogprobs = topLogprobs
    }

    private enum Keys: String, CodingKey { case token, logprob, bytes, topLogprobs = "top_logprobs" }

    /// Encodes `{"token","logprob","bytes","top_logprobs"}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(token, forKey: .token)
        try container.encode(OpenAIJSON.finite(logprob), forKey: .logprob)
        try container.encode(bytes.map(Int.init), forKey: .bytes)
        try container.encode(topLogprobs, forKey: .topLogprobs)
    }
}

/// A chat choice's `logprobs` object: `{"content":[…],"refusal":null}`.
public struct ChatLogprobs: Sendable, Equatable, Encodable {
    /// One entry per generated token.
    public var content: [TokenLogprob]

    /// Creates the object from per-token entries.
    public init(content: [TokenLogprob]) {
        self.content = content
    }

    private enum Keys: String, CodingKey { case content, refusal }

    /// Encodes the content list and OpenAI's always-null `refusal`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(content, forKey: .content)
        try container.encodeNil(forKey: .refusal)
    }
}
