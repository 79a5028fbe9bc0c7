/// The validated, normalized sampling and output options the engine consumes, shared by chat and completions.
public struct GenerationSettings: Sendable, Equatable {
    /// The completion budget per choice (`max_completion_tokens`, else `max_tokens`); nil means "until the context is full".
    public var maxTokens: Int?
    /// Softmax temperature in [0, 2]; 0 means greedy.
    public var temperature: Float
    /// Nucleus sampling mass in (0, 1].
    public var topP: Float
    /// Top-k cutoff; 0 disables it (the wire's -1 and 0 both mean off).
    public var topK: Int
    /// Min-p cutoff relative to the most likely token, in [0, 1]; 0 disables it.
    public var minP: Float
    /// OpenAI presence penalty in [-2, 2].
    public var presencePenalty: Float
    /// OpenAI frequency penalty in [-2, 2].
    public var frequencyPenalty: Float
    /// vLLM/HF multiplicative repetition penalty, > 0; 1 disables it.
    public var repetitionPenalty: Float
    /// The sampling seed (the wire's int64, bit-cast), or nil for a random one.
    public var seed: UInt64?
    /// Stop strings, non-empty and de-duplicated, at most four.
    public var stop: [String]
    /// Choices to generate, 1…8.
    public var n: Int
    /// Whether to return log-probabilities of the sampled tokens.
    public var logprobs: Bool
    /// Alternatives per position to return with them: chat `top_logprobs` 0…20, completions `logprobs` 0…5.
    public var topLogprobs: Int
    /// Additive logit biases by token id, each in [-100, 100].
    public var logitBias: [Int32: Float]
    /// vLLM's `ignore_eos`: keep generating past end-of-sequence tokens until the budget or a stop string.
    public var ignoreEOS: Bool
    /// Whether to answer as server-sent events.
    public var stream: Bool
    /// Whether a streamed response ends with a usage chunk (`stream_options.include_usage`).
    public var includeUsage: Bool
    /// Free text, any JSON object, or JSON matching a schema.
    public var responseFormat: ResponseFormat = .text

    /// OpenAI's defaults: temperature 1, top_p 1, no penalties, one choice, no logprobs.
    public init(
        maxTokens: Int? = nil, temperature: Float = 1, topP: Float = 1, topK: Int = 0, minP: Float = 0,
        presencePenalty: Float = 0, frequencyPenalty: Float = 0, repetitionPenalty: Float = 1, seed: UInt64? = nil,
        stop: [String] = [], n: Int = 1, logprobs: Bool = false, topLogprobs: Int = 0, logitBias: [Int32: Float] = [:],
        ignoreEOS: Bool = false, stream: Bool = false, includeUsage: Bool = false
    ) {
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.minP = minP
        self.presencePenalty = presencePenalty
        self.frequencyPenalty = frequencyPenalty
        self.repetitionPenalty = repetitionPenalty
        self.seed = seed
        self.stop = stop
        self.n = n
        self.logprobs = logprobs
        self.topLogprobs = topLogprobs
        self.logitBias = logitBias
        self.ignoreEOS = ignoreEOS
        self.stream = stream
        self.includeUsage = includeUsage
    }
}
