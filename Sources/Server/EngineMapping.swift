import Foundation
import Generation
import OpenAI

// The one place where API types meet engine types: requests become engine requests and template input, and the
// engine's refusals, finish reasons and logprobs become wire values.

// MARK: - Requests

extension GenerationSettings {
    /// One engine request per choice; choice `i` gets seed `seed + i`, so `n` seeded choices differ but repeat.
    func engineRequests(prompt: [Int32], reasoning: GenerationRequest.ReasoningSplit?, grammar: OutputGrammar?,
                        toolCalls: ToolCallFormat? = nil, toolNames: [String] = []) -> [GenerationRequest] {
        (0..<n).map { i in
            let sampling = SamplingParameters(
                temperature: temperature, topK: topK, topP: topP, minP: minP,
                presencePenalty: presencePenalty, frequencyPenalty: frequencyPenalty,
                repetitionPenalty: repetitionPenalty, logitBias: logitBias, seed: seed.map { $0 &+ UInt64(i) })
            var request = GenerationRequest(promptTokens: prompt, maxTokens: maxTokens, sampling: sampling, stopStrings: stop,
                                     ignoreEOS: ignoreEOS, logprobs: logprobs ? topLogprobs : nil, reasoning: reasoning,
                                     grammar: grammar, toolCalls: toolCalls)
            request.toolNames = Set(toolNames)
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

extension ServedModel {
    /// How a request's tools are used: the format calls are parsed in (nil when the model may not call), and, when
    /// a call is forced (`required`, a named function), the grammar that makes the answer one call's JSON,
    /// `{"name": …, "arguments": …}` with the function's `parameters` as the arguments' schema (vLLM forces calls the
    /// same way). `auto` needs a template in a format this server parses (Hermes/Qwen); others get 400.
    func toolPlan(_ tools: Tools) throws(OpenAIError) -> (format: ToolCallFormat?, grammar: OutputGrammar?) {
        let forced: [JSONValue]
        switch tools.choice {
        case .none:
            return (nil, nil)
        case .auto:
            guard let format = prompt.toolCallFormat else {
                throw .invalidRequest("Tool calling with tool_choice 'auto' is not supported by this server yet for this model's chat "
                                      + "template (only the Hermes/Qwen <tool_call> format is); send tool_choice 'required', a named "
                                      + "function, or 'none'.", param: tools.choiceParam, code: "unsupported_parameter")
            }
            return (format, nil)
        case .required:
            forced = tools.definitions
        case .function(let name):
            forced = tools.definitions.filter { Tools.name(of: $0) == name }
        }
        let options = forced.compactMap(Self.callSchema)
        let schema: JSONValue = options.count == 1 ? options[0] : .object(["anyOf": .array(options)])
        do {
            return (.hermes, try grammar(for: .jsonSchema(schema)))
        } catch {
            throw .invalidRequest("Invalid 'parameters' schema in tools: \(error.message)", param: "tools", code: "invalid_schema")
        }
    }

    /// `{"name": <the function's name>, "arguments": <its parameters>}` as a JSON Schema.
    static func callSchema(_ tool: JSONValue) -> JSONValue? {
        guard case .object(let t) = tool, case .object(let f)? = t["function"], let name = f["name"] else { return nil }
        let parameters = f["parameters"] ?? .object(["type": .string("object")])
        return .object([
            "type": .string("object"),
            "properties": .object(["name": .object(["const": name]), "arguments": parameters]),
            "required": .array([.string("name"), .string("arguments")]),
            "additionalProperties": .bool(false),
        ])
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
