/// Which endpoint a body was sent to; a few parameters differ in type or default between the two.
enum RequestKind {
    case chat, completion
}

extension GenerationSettings {
    /// Largest `n` accepted; OpenAI allows 128, but each choice costs a full sequence of KV cache on a CPU.
    static let maxChoices = 8
    /// OpenAI's limit on stop sequences.
    static let maxStopStrings = 4
    /// OpenAI's default `max_tokens` for the legacy completions endpoint (vLLM keeps it too); chat has none.
    static let defaultCompletionMaxTokens = 16

    /// Reads and range-checks the sampling and output parameters both endpoints share.
    init(_ reader: RequestReader, kind: RequestKind) throws(OpenAIError) {
        self.init()
        let maxTokens = try reader.int("max_tokens", in: 1...Int.max)
        switch kind {
        case .chat:
            // max_completion_tokens superseded max_tokens in OpenAI's chat API, so it wins when both are sent.
            self.maxTokens = try reader.int("max_completion_tokens", in: 1...Int.max) ?? maxTokens
        case .completion:
            self.maxTokens = maxTokens ?? Self.defaultCompletionMaxTokens
        }
        if let value = try reader.number("temperature", min: 0, max: 2) { temperature = Float(value) }
        if let value = try reader.number("top_p", min: 0, minExclusive: true, max: 1) { topP = Float(value) }
        if let value = try reader.int("top_k", in: -1...Int.max) { topK = max(value, 0) }
        if let value = try reader.number("min_p", min: 0, max: 1) { minP = Float(value) }
        if let value = try reader.number("presence_penalty", min: -2, max: 2) { presencePenalty = Float(value) }
        if let value = try reader.number("frequency_penalty", min: -2, max: 2) { frequencyPenalty = Float(value) }
        // vLLM only requires > 0; values below 1 encourage repetition but are legal.
        if let value = try reader.number("repetition_penalty", min: 0, minExclusive: true) { repetitionPenalty = Float(value) }
        if let value = try reader.int("seed", in: Int(Int64.min)...Int(Int64.max)) { seed = UInt64(bitPattern: Int64(value)) }
        stop = try Self.stopStrings(reader)
        n = try reader.int("n", in: 1...Self.maxChoices) ?? 1
        try readLogprobs(reader, kind: kind)
        logitBias = try Self.logitBias(reader)
        ignoreEOS = try reader.bool("ignore_eos") ?? false
        responseFormat = try ResponseFormat.read(reader)
        stream = try reader.bool("stream") ?? false
        if let options = try reader.object("stream_options") {
            guard stream else {
                throw .invalidRequest(
                    "The 'stream_options' parameter is only allowed when 'stream' is enabled.", param: "stream_options")
            }
            includeUsage = try RequestReader(options, path: "stream_options").bool("include_usage") ?? false
        }
    }

    /// Chat takes `logprobs: bool` plus `top_logprobs` 0…20; completions take OpenAI's legacy `logprobs: int` 0…5.
    private mutating func readLogprobs(_ reader: RequestReader, kind: RequestKind) throws(OpenAIError) {
        switch kind {
        case .chat:
            logprobs = try reader.bool("logprobs") ?? false
            let top = try reader.int("top_logprobs", in: 0...20) ?? 0
            // A zero top_logprobs asks for nothing, so it is accepted without logprobs, as vLLM does.
            if top > 0 && !logprobs {
                throw .invalidRequest(
                    "Invalid value for 'top_logprobs': 'logprobs' must be set to true when 'top_logprobs' is used.",
                    param: "top_logprobs", code: "invalid_value")
            }
            topLogprobs = top
        case .completion:
            if let top = try reader.int("logprobs", in: 0...5) {
                logprobs = true
                topLogprobs = top
            }
        }
    }

    /// `stop` as a string or an array of at most four strings; empty strings can never match and are dropped.
    private static func stopStrings(_ reader: RequestReader) throws(OpenAIError) -> [String] {
        guard let value = reader.value("stop") else { return [] }
        var strings: [String]
        switch value {
        case .string(let string):
            strings = [string]
        case .array(let array):
            guard array.count <= maxStopStrings else {
                throw .invalidRequest(
                    "Invalid 'stop': array too long. Expected an array with maximum length \(maxStopStrings), "
                        + "but got an array with length \(array.count) instead.",
                    param: "stop", code: "array_above_max_length")
            }
            strings = []
            for (index, element) in array.enumerated() {
                guard case .string(let string) = element else {
                    throw .invalidType("stop[\(index)]", expected: "a string", got: element)
                }
                strings.append(string)
            }
        default:
            throw .invalidType("stop", expected: "a string or an array of strings", got: value)
        }
        var seen = Set<String>()
        return strings.filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    /// `logit_bias` as an object of token-id strings to biases in [-100, 100].
    private static func logitBias(_ reader: RequestReader) throws(OpenAIError) -> [Int32: Float] {
        guard let object = try reader.object("logit_bias") else { return [:] }
        var biases: [Int32: Float] = [:]
        for (key, value) in object {
            guard let token = Int32(key), token >= 0 else {
                throw .invalidRequest(
                    "Invalid key in 'logit_bias': '\(key)'. Keys must be token ids (non-negative integers as strings).",
                    param: "logit_bias", code: "invalid_value")
            }
            biases[token] = Float(try RequestReader.number(value, param: "logit_bias.\(key)", min: -100, max: 100))
        }
        return biases
    }
}

/// Rejections of parameters whose features are not implemented yet, so clients never get silently ignored output.
enum UnsupportedFeatures {
    /// Completions-only legacy options.
    static func check(_ reader: RequestReader, kind: RequestKind) throws(OpenAIError) {
        if kind == .completion {
            if try reader.bool("echo") == true { throw .unsupported("echo", "Echoing the prompt ('echo') is") }
            if let bestOf = try reader.int("best_of", in: 1...Int.max), bestOf > 1 {
                throw .unsupported("best_of", "Server-side candidate ranking ('best_of' > 1) is")
            }
            if let suffix = try reader.string("suffix"), !suffix.isEmpty {
                throw .unsupported("suffix", "Insertion ('suffix') is")
            }
        }
    }
}
