import Inference

/// What the engine is asked to generate: a tokenized prompt and how to continue it.
public struct GenerationRequest: Sendable {
    public var promptTokens: [Int32]
    public var maxTokens: Int
    public var sampling: SamplingParameters
    /// Strings that end generation; they and anything after them are cut from the output.
    public var stopStrings: [String]
    /// Keep generating through end-of-generation tokens (benchmarks).
    public var ignoreEOS: Bool
    /// nil: no logprobs; k: the sampled token's logprob plus the k most likely alternatives.
    public var logprobs: Int?
    /// How `<think>` output is split from the answer; nil leaves all text as content.
    public var reasoning: ReasoningSplit?

    /// Reasoning splitting for `<think>` models: whether the prompt already opened a reasoning section.
    public struct ReasoningSplit: Sendable {
        public var startsInReasoning: Bool
        public init(startsInReasoning: Bool) { self.startsInReasoning = startsInReasoning }
    }

    public init(promptTokens: [Int32], maxTokens: Int, sampling: SamplingParameters = .greedy, stopStrings: [String] = [],
                ignoreEOS: Bool = false, logprobs: Int? = nil, reasoning: ReasoningSplit? = nil) {
        self.promptTokens = promptTokens
        self.maxTokens = maxTokens
        self.sampling = sampling
        self.stopStrings = stopStrings
        self.ignoreEOS = ignoreEOS
        self.logprobs = logprobs
        self.reasoning = reasoning
    }
}

/// One sampled token's log-probability and its most likely alternatives (from the raw logits).
public struct TokenLogprob: Sendable, Equatable {
    public var token: Int32
    public var logprob: Float
    public var top: [Alternative]

    /// One alternative token and its log-probability.
    public struct Alternative: Sendable, Equatable {
        public var token: Int32
        public var logprob: Float
    }
}

/// Why a generation ended.
public enum GenerationFinishReason: Sendable, Equatable {
    /// An end-of-generation token or a stop string.
    case stop
    /// max_tokens or the end of the context.
    case length
    /// The client went away or asked to stop.
    case cancelled
    /// The engine failed on this request.
    case error(String)
}

/// Counts and timings of a finished generation.
public struct GenerationSummary: Sendable, Equatable {
    public var reason: GenerationFinishReason
    public var promptTokens: Int
    public var completionTokens: Int
    /// Prompt tokens served from the prefix cache.
    public var cachedTokens: Int
    /// Seconds from submission to the first scheduled step.
    public var queueSeconds: Double
    /// Seconds from submission to the first token (nil if none was produced).
    public var firstTokenSeconds: Double?
    public var totalSeconds: Double
    /// Whether a reasoning section was opened (by the prompt or a leading `<think>`), so an empty one still counts.
    public var openedReasoning: Bool

    public init(reason: GenerationFinishReason, promptTokens: Int, completionTokens: Int, cachedTokens: Int,
                queueSeconds: Double, firstTokenSeconds: Double?, totalSeconds: Double, openedReasoning: Bool = false) {
        self.reason = reason
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedTokens = cachedTokens
        self.queueSeconds = queueSeconds
        self.firstTokenSeconds = firstTokenSeconds
        self.totalSeconds = totalSeconds
        self.openedReasoning = openedReasoning
    }
}

/// Why the engine refused a request before running it.
public enum GenerationRejection: Error, Sendable, Equatable {
    /// prompt + max_tokens exceed the context, or the KV cache could never hold it.
    case tooLong(promptTokens: Int, maxTokens: Int, limit: Int)
    case exceedsKVCapacity(neededBlocks: Int, totalBlocks: Int)
    /// The waiting queue is full; retry later.
    case queueFull
    case invalid(String)
    /// The engine is shutting down.
    case shuttingDown
}

/// What a request's handle receives, in order: tokens, then exactly one `finished` (or one `rejected`).
public enum GenerationEvent: Sendable, Equatable {
    /// Text that is safe to show (stop strings held back), split into answer and reasoning when the request asked
    /// for it (else `reasoning` is empty), and the tokens sampled since the last event.
    case tokens(text: String, reasoning: String, tokens: [Int32], logprobs: [TokenLogprob])
    case finished(GenerationSummary)
    case rejected(GenerationRejection)
}
