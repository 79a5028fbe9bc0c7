import Foundation
import Generation
import OpenAI

// The one place where API types meet engine types: requests become engine requests and template input, and the
// engine's refusals, finish reasons and logprobs become wire values.

// MARK: - Requests

extension GenerationSettings {
    /// One engine request per choice; choice `i` gets seed `seed + i`, so `n` seeded choices differ but repeat.
    func engineRequests(prompt: [Int32], reasoning: GenerationRequest.ReasoningSplit?, grammar: OutputGrammar?,
                        tools: ToolPlan = ToolPlan(), toolNames: [String] = []) -> [GenerationRequest] {
        (0..<n).map { i in
            let sampling = SamplingParameters(
                temperature: temperature, topK: topK, topP: topP, minP: minP,
                presencePenalty: presencePenalty, frequencyPenalty: frequencyPenalty,
                repetitionPenalty: repetitionPenalty, logitBias: logitBias, seed: seed.map { $0 &+ UInt64(i) })
            var request = GenerationRequest(promptTokens: prompt, maxTokens: maxTokens, sampling: sampling, stopStrings: stop,
                                     ignoreEOS: ignoreEOS, logprobs: logprobs ? topLogprobs : nil, reasoning: reasoning,
                                     grammar: grammar, toolCalls: tools.format)
            request.toolNames = Set(toolNames)
            request.lazyGrammar = tools.lazy
            return request
        }
    }
}

extension ChatMessage {
    /// The message as the chat template reads it: every field the client sent, in its order, with the content
    /// flattened to text (null stays null: `ChatPrompt` decides how templates see it, and parses tool-call
    /// arguments) and vLLM's `reasoning` read as `reasoning_content`.
    var templateValue: JSONValue {
        var object = JSONObject()
        for (key, value) in raw where key != "reasoning" { object[key] = value }
        object["role"] = .string(role.rawValue)
        object["content"] = content.map(JSONValue.string) ?? .null
        if let reasoningContent { object["reasoning_content"] = .string(reasoningContent) }
        return .object(object)
    }
}

extension ServedModel {
    /// The engine's constraint for `response_format` (nil for text); a schema the compiler refuses is the client's
    /// 400, naming the keyword it does not support.
    func outputGrammar(_ format: ResponseFormat) throws(OpenAIError) -> OutputGrammar? {
        let output: OutputFormat
        switch format {
        case .text: return nil
        case .jsonObject: output = .jsonObject
        case .jsonSchema(_, let schema, _): output = .jsonSchema(schema)
        }
        do {
            return try grammar(for: output)
        } catch {
            throw .invalidRequest("Invalid schema for 'response_format': \(error.message)", param: "response_format", code: "invalid_schema")
        }
    }
}

/// How a request's tools are used: the format calls are parsed in (nil when the model may not call), the grammar
/// that forces calls (`required`, a named function), and the grammar a call is held to once begun (`auto` with
/// strict tools).
struct ToolPlan {
    var format: ToolCallFormat?
    var grammar: OutputGrammar?
    var lazy: LazyGrammar?
}

extension ServedModel {
    /// The plan for `tools`. Calls are parsed and forced in the format the template teaches; a template with none
    /// has the tools described in its system message, and a call is one bare JSON object `{"name", "arguments"}`
    /// (parsed when it names an offered tool, and forced as such), as llama.cpp's generic format does.
    func toolPlan(_ tools: Tools) throws(OpenAIError) -> ToolPlan {
        let format = prompt.toolCallFormat
        let specs = tools.definitions.compactMap(Self.toolSpec)
        do {
            switch tools.choice {
            case .none:
                return ToolPlan()
            case .auto:
                return ToolPlan(format: format ?? .hermes,
                                lazy: try lazyCallGrammar(specs, format: format, parallel: tools.parallelCalls))
            case .required:
                return ToolPlan(format: format ?? .hermes,
                                grammar: try forcedCallGrammar(specs, format: format, parallel: tools.parallelCalls))
            case .function(let name):
                return ToolPlan(format: format ?? .hermes,
                                grammar: try forcedCallGrammar(specs.filter { $0.name == name }, format: format, parallel: false))
            }
        } catch {
            throw .invalidRequest("Invalid 'parameters' schema in tools: \(error.message)", param: "tools", code: "invalid_schema")
        }
    }

    /// A tool definition's function: name, `parameters` (any object when absent) and `strict`.
    static func toolSpec(_ tool: JSONValue) -> ToolSpec? {
        guard case .object(let t) = tool, case .object(let f)? = t["function"], case .string(let name)? = f["name"] else { return nil }
        return ToolSpec(name: name, parameters: f["parameters"] ?? .object(["type": .string("object")]), strict: f["strict"] == .bool(true))
    }
}

// MARK: - Refusals

extension OpenAIServer {
    /// The error a client gets for an engine refusal. `promptParam` names where the prompt came from
    /// (`messages` or `prompt`).
    func openAIError(_ refusal: AdmissionError, promptParam: String) -> OpenAIError {
        switch refusal {
        case .tooLong(let p, let m, let l):
            .contextLengthExceeded(promptTokens: p, maxTokens: m, limit: l, param: promptParam)
        case .exceedsKVCapacity(let n, let t):
            .invalidRequest("This request needs \(n) KV-cache blocks but the server has \(t) in all; reduce the prompt or max_tokens.",
                            param: "max_tokens")
        case .queueFull: .queueFull(retryAfter: options.retryAfterSeconds)
        case .emptyPrompt: .invalidRequest("The prompt is empty after tokenization.", param: promptParam)
        case .tokenOutOfRange(let id, let vocab, inLogitBias: true):
            .invalidRequest("logit_bias token id \(id) is out of range (vocabulary size \(vocab)).", param: "logit_bias")
        case .tokenOutOfRange(let id, let vocab, inLogitBias: false):
            .invalidRequest("Token id \(id) in the prompt is out of range (vocabulary size \(vocab)).", param: promptParam)
        case .shuttingDown: .unavailable("The server is shutting down.")
        // The API validates max_tokens and ids are the server's own: either would be our bug.
        case .invalidMaxTokens(let m): .server("The engine refused max_tokens \(m).")
        case .duplicateID: .server("The engine saw a duplicate request id.")
        }
    }
}

extension PromptError {
    /// A template that refuses the messages is the client's 400.
    var openAI: OpenAIError { .invalidRequest(message, param: "messages") }
}

// MARK: - Results

extension Generation.FinishReason {
    /// The wire finish_reason; nil for cancelled or failed requests, which get no finish chunk.
    var openAI: OpenAI.FinishReason? {
        switch self {
        case .stop: .stop
        case .length: .length
        case .cancelled, .error: nil
        }
    }

    /// The label in request logs.
    var logLabel: String {
        switch self {
        case .stop: "stop"
        case .length: "length"
        case .cancelled: "cancelled"
        case .error: "error"
        }
    }

    /// vLLM's `finished_reason` label of `request_success_total`.
    var metricLabel: String {
        switch self {
        case .stop: "stop"
        case .length: "length"
        case .cancelled, .error: "abort"
        }
    }
}

extension GenerationSummary {
    /// The error a choice that ended without a finish reason answers with.
    var failure: OpenAIError {
        reason == .error ? .server(errorMessage ?? "The request failed.") : .server("The request was cancelled.")
    }
}

extension ServedModel {
    /// OpenAI logprob entries for the sampled tokens of one event. With `bytesForm` (the completions API, whose
    /// `top_logprobs` are keyed by token text), a token that is not valid UTF-8 alone is written as OpenAI writes
    /// it, `bytes:\xe2\x80`, so distinct partial characters don't all collapse to one "\u{FFFD}" key.
    func logprobEntries(_ lps: [Generation.TokenLogprob], bytesForm: Bool = false) -> [OpenAI.TokenLogprob] {
        lps.map { lp in
            let bytes = tokenBytes(lp.token)
            return OpenAI.TokenLogprob(
                token: Self.piece(bytes, bytesForm: bytesForm), logprob: lp.logprob, bytes: bytes,
                topLogprobs: lp.top.map {
                    let alt = tokenBytes($0.token)
                    return OpenAI.TopLogprob(token: Self.piece(alt, bytesForm: bytesForm), logprob: $0.logprob, bytes: alt)
                })
        }
    }

    static func piece(_ bytes: [UInt8], bytesForm: Bool) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        guard bytesForm else { return String(decoding: bytes, as: UTF8.self) }
        return "bytes:" + bytes.map { "\\x" + String($0, radix: 16).leftPadded(to: 2) }.joined()
    }
}
