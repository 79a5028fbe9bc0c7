import Inference
import Scheduling

/// Why a generation ended (the scheduler's reason; a failure's message is in the summary).
public typealias FinishReason = Scheduling.FinishReason
/// Why the engine refused a request before running it: the one refusal type, from the scheduler's admission checks
/// and the engine's own (token ids, shutdown).
public typealias AdmissionError = Scheduling.AdmissionError
/// How a request samples (temperature, top-k/p, penalties, bias, seed).
public typealias SamplingParameters = Inference.SamplingParameters

/// What the engine is asked to generate: a tokenized prompt and how to continue it.
public struct GenerationRequest: Sendable {
    public var promptTokens: [Int32]
    /// The completion budget; nil runs to the end of the context.
    public var maxTokens: Int?
    public var sampling: SamplingParameters
    /// Strings that end generation; they and anything after them are cut from the output.
    public var stopStrings: [String]
    /// Keep generating through end-of-generation tokens (benchmarks).
    public var ignoreEOS: Bool
    /// nil: no logprobs; k: the sampled token's logprob plus the k most likely alternatives.
    public var logprobs: Int?
    /// How `<think>` output is split from the answer; nil leaves all text as content.
    public var reasoning: ReasoningSplit?
    /// Structured output: the grammar the answer must follow (after any reasoning section); nil is free text.
    public var grammar: OutputGrammar?
    /// A grammar that holds a tool call to its tools' schemas once the model begins one (`tool_choice` auto with
    /// strict tools); ignored when `grammar` is set.
    public var lazyGrammar: LazyGrammar?
    /// Tool calls in the answer are parsed out of it in this format; nil leaves the answer as text.
    public var toolCalls: ToolCallFormat?
    /// The offered tools' names (an answer that is only a call's JSON counts as a call when it names one).
    public var toolNames: Set<String> = []

    /// Reasoning splitting for `<think>` models: whether the prompt already opened a reasoning section.
    public struct ReasoningSplit: Sendable {
        public var startsInReasoning: Bool
        public init(startsInReasoning: Bool) { self.startsInReasoning = startsInReasoning }
    }

    public init(promptTokens: [Int32], maxTokens: Int?, sampling: SamplingParameters = .greedy, stopStrings: [String] = [],
                ignoreEOS: Bool = false, logprobs: Int? = nil, reasoning: ReasoningSplit? = nil, grammar: OutputGrammar? = nil,
                toolCalls: ToolCallFormat? = nil) {
        self.toolCalls = toolCalls
        self.grammar = grammar
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

/// Counts and timings of a finished generation.
public struct GenerationSummary: Sendable, Equatable {
    public var reason: FinishReason
    /// What failed, when `reason` is `.error`.
    public var errorMessage: String?
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
    /// Tool calls that did not parse and were returned as content.
    public var failedToolCalls = 0

    public init(reason: FinishReason, errorMessage: String? = nil, promptTokens: Int, completionTokens: Int, cachedTokens: Int,
                queueSeconds: Double, firstTokenSeconds: Double?, totalSeconds: Double, openedReasoning: Bool = false,
                failedToolCalls: Int = 0) {
        self.failedToolCalls = failedToolCalls
        self.reason = reason
        self.errorMessage = errorMessage
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedTokens = cachedTokens
        self.queueSeconds = queueSeconds
        self.firstTokenSeconds = firstTokenSeconds
        self.totalSeconds = totalSeconds
        self.openedReasoning = openedReasoning
    }
}

/// What a request's handle receives, in order: tokens, then exactly one `finished` (or one `rejected`).
public enum GenerationEvent: Sendable, Equatable {
    /// Text that is safe to show (stop strings held back), split into answer and reasoning when the request asked
    /// for it (else `reasoning` is empty), and the tokens sampled since the last event.
    case tokens(text: String, reasoning: String, tokens: [Int32], logprobs: [TokenLogprob])
    /// Tool calls parsed out of the answer (their text is not in any `tokens` event).
    case toolCalls([ToolCall])
    case finished(GenerationSummary)
    case rejected(AdmissionError)
}
