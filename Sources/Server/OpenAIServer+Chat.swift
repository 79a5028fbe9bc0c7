import Foundation
import Generation
import HTTP
import Jinja
import OpenAI

/// POST /v1/chat/completions.
extension OpenAIServer {
    private func prepareChat(_ request: HTTPRequest, _ stream: HTTPStream, _ record: RequestRecord) throws(OpenAIError)
        -> (ChatCompletionRequest, ServedModel, [ChoiceStream]) {
        let body = request.bodyData
        var chat = try ChatCompletionRequest.decode(from: body)
        chat.model = try checkModelName(chat.model)
        let model = try admittingModel()
        let tokens: [Int32]
        let prompt: String
        if options.allowSpecialInContent {
            prompt = try renderPrompt(chat, rawBody: body, model: model, shield: nil)
            tokens = model.tokenizer.encode(prompt, addSpecial: false, parseSpecial: true)
        } else {
            // Special tokens are recognized only in the template's own text; see ContentShield.
            let shield = ContentShield(tokenizer: model.tokenizer)
            let literal: [Range<Int>]
            (prompt, literal) = shield.unshield(try renderPrompt(chat, rawBody: body, model: model, shield: shield))
            tokens = model.tokenizer.encode(prompt, addSpecial: false, parseSpecial: true, literalRanges: literal)
        }
        // The engine splits `<think>` output from the answer; whether the prompt already opened it decides how it starts.
        let reasoning = options.reasoningFormat == .auto
            ? GenerationRequest.ReasoningSplit(startsInReasoning: ReasoningParser.promptOpensReasoning(renderedPrompt: prompt)) : nil
        let choices = try submit(model, prompt: tokens, settings: chat.settings, reasoning: reasoning, promptParam: "messages",
                                 stream: stream, record: record)
        return (chat, model, choices)
    }

    func chatCompletions(_ request: HTTPRequest, _ stream: HTTPStream, _ record: RequestRecord) throws -> HTTPHandlerResult {
        let chat: ChatCompletionRequest
        let model: ServedModel
        let choices: [ChoiceStream]
        do {
            (chat, model, choices) = try prepareChat(request, stream, record)
        } catch {
            return .response(self.error(error))
        }
        let modelName = chat.model ?? options.modelID
        if chat.settings.stream {
            return streamChat(choices, request: chat, modelName: modelName, model: model, stream: stream, record: record)
        }

        // Non-streaming: gather every choice.
        let gathered: [[GenerationEvent]]
        do {
            gathered = try gather(choices, stream: stream, record: record)
        } catch {
            return .response(self.error(error))
        }
        var out: [ChatCompletionResponse.Choice] = []
        var completionTokens = 0
        var promptTokens = 0
        for (c, events) in zip(choices, gathered) {
            guard let summary = c.summary else { return .response(self.error(.server("A choice ended without a summary."))) }
            var text = ""
            var thought = ""
            var entries: [OpenAI.TokenLogprob] = []
            for case .tokens(let t, let r, _, let lps) in events {
                text += t
                thought += r
                entries += logprobEntries(lps, tokenizer: model.tokenizer)
            }
            guard let reason = summary.reason.openAI else {
                if case .error(let m) = summary.reason { return .response(error(.server(m))) }
                return .response(error(.server("The request was cancelled.")))
            }
            // Reasoning is null unless a section was opened, and then an empty answer is null (vLLM's `content or None`).
            let reasoning: String? = summary.openedReasoning ? thought : nil
            let content: String? = reasoning != nil && text.isEmpty ? nil : text
            out.append(ChatCompletionResponse.Choice(index: c.index, content: content ?? (reasoning == nil ? "" : nil),
                                                     reasoningContent: reasoning,
                                                     logprobs: chat.settings.logprobs ? ChatLogprobs(content: entries) : nil,
                                                     finishReason: reason))
            completionTokens += summary.completionTokens
            promptTokens = summary.promptTokens
        }
        let response = ChatCompletionResponse(id: OpenAIJSON.makeID(prefix: "chatcmpl"), created: OpenAIJSON.now(), model: modelName,
                                              choices: out, usage: Usage(promptTokens: promptTokens, completionTokens: completionTokens))
        return .response(json(response.jsonData))
    }

    /// Renders the conversation through the model's chat template into the prompt text.
    /// With a `shield`, every string of the messages is shielded first (see ContentShield).
    func renderPrompt(_ chat: ChatCompletionRequest, rawBody: Data, model: ServedModel, shield: ContentShield?) throws(OpenAIError) -> String {
        // Messages go to the template as the client sent them (key order kept), with content flattened to text
        // and vLLM's `reasoning` accepted as `reasoning_content`.
        var messages: [Value] = []
        let raw: [Value]
        if case .dict(let object)? = try? Value.parseJSON(rawBody), case .list(let list)? = object["messages"] {
            raw = list
        } else {
            raw = []
        }
        for (i, m) in chat.messages.enumerated() {
            var dict = OrderedDict()
            if i < raw.count, case .dict(let original) = raw[i] {
                for (k, v) in zip(original.keys, original.values) {
                    guard case .string(let key) = k, key != "reasoning" else { continue }
                    dict[key] = v
                }
            }
            dict["role"] = .string(m.role.rawValue)
            dict["content"] = m.content.map(Value.string) ?? Value.none
            if let r = m.reasoningContent { dict["reasoning_content"] = .string(r) }
            messages.append(shield?.shield(.dict(dict)) ?? .dict(dict))
        }
        var variables = OrderedDict()
        for (k, v) in chat.chatTemplateKwargs.sorted(by: { $0.key < $1.key }) { variables[k] = Self.jinjaValue(v) }
        do {
            return try model.template.render(messages: .list(messages), variables: variables, tokenizer: model.tokenizer)
        } catch let e as TemplateError {
            throw .invalidRequest("The chat template could not render these messages: \(e)", param: "messages")
        } catch {
            throw .invalidRequest("The chat template could not render these messages: \(error)", param: "messages")
        }
    }

    static func jinjaValue(_ v: JSONValue) -> Value {
        switch v {
        case .null: .none
        case .bool(let b): .bool(b)
        case .int(let i): .int(Int(i))
        case .double(let d): .float(d)
        case .string(let s): .string(s)
        case .array(let a): .list(a.map(jinjaValue))
        case .object(let o): .dict(OrderedDict(pairs: o.sorted { $0.key < $1.key }.map { ($0.key, jinjaValue($0.value)) }))
        }
    }

    /// SSE: a role chunk per choice, content deltas as tokens arrive, a finish chunk each, usage if asked, [DONE].
    private func streamChat(_ choices: [ChoiceStream], request chat: ChatCompletionRequest, modelName: String, model: ServedModel,
                            stream: HTTPStream, record: RequestRecord) -> HTTPHandlerResult {
        let sse = ChatStream(model: modelName, includeUsage: chat.settings.includeUsage)
        let writer = SSEWriter(stream: stream, headers: record.responseHeaders)
        guard writer.open() else { return endStream(.clientGone, choices, writer: writer, record: record) }
        for c in choices where !writer.send(sse.roleChunk(index: c.index)) {
            return endStream(.clientGone, choices, writer: writer, record: record)
        }
        var completionTokens = 0
        var promptTokens = 0
        let delivery = multiplex(choices, stream: stream) { c, event in
            switch event {
            case .tokens(let content, let reasoning, _, let lps):
                let logprobs = chat.settings.logprobs && !lps.isEmpty ? ChatLogprobs(content: logprobEntries(lps, tokenizer: model.tokenizer)) : nil
                if content.isEmpty && reasoning.isEmpty && logprobs == nil { return true }
                return writer.send(sse.contentChunk(content.isEmpty ? nil : content, reasoning: reasoning.isEmpty ? nil : reasoning,
                                                    logprobs: logprobs, index: c.index))
            case .finished(let s):
                completionTokens += s.completionTokens
                promptTokens = s.promptTokens
                if let reason = s.reason.openAI { return writer.send(sse.finishChunk(reason, index: c.index)) }
                if case .error(let m) = s.reason { return writer.send(OpenAIError.server(m).jsonData) }
                return false
            case .rejected(let r):
                return writer.send(openAIError(r, promptParam: "messages").jsonData)
            }
        }
        guard delivery == .completed else { return endStream(delivery, choices, writer: writer, record: record) }
        if chat.settings.includeUsage, !writer.send(sse.usageChunk(Usage(promptTokens: promptTokens, completionTokens: completionTokens))) {
            return .streamed
        }
        writer.done()
        return .streamed
    }
}
