import Foundation
import Generation
import HTTP
import Jinja
import OpenAI

/// POST /v1/chat/completions.
extension OpenAIServer {
    private func prepareChat(_ request: HTTPRequest, _ stream: HTTPStream, _ record: RequestRecord) throws(OpenAIError)
        -> (ChatCompletionRequest, ServedModel, String, [ChoiceStream]) {
        let body = request.bodyData
        let chat = try ChatCompletionRequest.decode(from: body)
        try checkModelName(chat.model)
        let model = try requireModel()
        let prompt = try renderPrompt(chat, rawBody: body, model: model)
        let tokens = model.tokenizer.encode(prompt, addSpecial: false, parseSpecial: true)
        let choices = try submit(model, prompt: tokens, settings: chat.settings, promptParam: "messages", stream: stream, record: record)
        return (chat, model, prompt, choices)
    }

    func chatCompletions(_ request: HTTPRequest, _ stream: HTTPStream, _ record: RequestRecord) throws -> HTTPHandlerResult {
        let chat: ChatCompletionRequest
        let model: ServedModel
        let prompt: String
        let choices: [ChoiceStream]
        do {
            (chat, model, prompt, choices) = try prepareChat(request, stream, record)
        } catch {
            return .response(self.error(error))
        }
        let opensReasoning = options.reasoningFormat == .auto && ReasoningParser.promptOpensReasoning(renderedPrompt: prompt)
        let splitReasoning = options.reasoningFormat == .auto
        for c in choices where splitReasoning { c.reasoning = ReasoningParser(startsInReasoning: opensReasoning) }
        if chat.settings.stream {
            return streamChat(choices, request: chat, model: model, stream: stream, record: record)
        }

        // Non-streaming: gather each choice, then split reasoning from the answer.
        var out: [ChatCompletionResponse.Choice] = []
        var completionTokens = 0
        var promptTokens = 0
        for c in choices {
            guard let events = c.collect(stream: stream), let summary = c.summary else { return .streamed }
            var text = ""
            var entries: [OpenAI.TokenLogprob] = []
            for case .tokens(let t, _, let lps) in events {
                text += t
                entries += logprobEntries(lps, tokenizer: model.tokenizer)
            }
            guard let reason = summary.reason.openAI else {
                if case .error(let m) = summary.reason { return .response(error(.server(m))) }
                return .streamed
            }
            let (reasoning, content): (String?, String?) = splitReasoning
                ? ReasoningParser.split(text, startsInReasoning: opensReasoning) : (nil, text)
            out.append(ChatCompletionResponse.Choice(index: c.index, content: content ?? (reasoning == nil ? "" : nil),
                                                     reasoningContent: reasoning,
                                                     logprobs: chat.settings.logprobs ? ChatLogprobs(content: entries) : nil,
                                                     finishReason: reason))
            completionTokens += summary.completionTokens
            promptTokens = summary.promptTokens
        }
        let response = ChatCompletionResponse(id: OpenAIJSON.makeID(prefix: "chatcmpl"), created: OpenAIJSON.now(), model: chat.model,
                                              choices: out, usage: Usage(promptTokens: promptTokens, completionTokens: completionTokens))
        return .response(json(response.jsonData))
    }

    /// Renders the conversation through the model's chat template into the prompt text.
    func renderPrompt(_ chat: ChatCompletionRequest, rawBody: Data, model: ServedModel) throws(OpenAIError) -> String {
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
            messages.append(.dict(dict))
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
    private func streamChat(_ choices: [ChoiceStream], request chat: ChatCompletionRequest, model: ServedModel,
                            stream: HTTPStream, record: RequestRecord) -> HTTPHandlerResult {
        let sse = ChatStream(model: chat.model, includeUsage: chat.settings.includeUsage)
        let writer = SSEWriter(stream: stream, headers: record.responseHeaders)
        guard writer.open() else { return abandon(choices) }
        for c in choices where !writer.send(sse.roleChunk(index: c.index)) { return abandon(choices) }
        var completionTokens = 0
        var promptTokens = 0
        let ok = multiplex(choices, stream: stream) { c, event in
            switch event {
            case .tokens(let text, _, let lps):
                var (reasoning, content) = ("", text)
                if c.reasoning != nil { (reasoning, content) = c.reasoning!.append(text) }
                let logprobs = chat.settings.logprobs && !lps.isEmpty ? ChatLogprobs(content: logprobEntries(lps, tokenizer: model.tokenizer)) : nil
                if content.isEmpty && reasoning.isEmpty && logprobs == nil { return true }
                return writer.send(sse.contentChunk(content.isEmpty ? nil : content, reasoning: reasoning.isEmpty ? nil : reasoning,
                                                    logprobs: logprobs, index: c.index))
            case .finished(let s):
                if let (reasoning, content) = c.reasoning?.flush(), !(reasoning.isEmpty && content.isEmpty) {
                    guard writer.send(sse.contentChunk(content.isEmpty ? nil : content, reasoning: reasoning.isEmpty ? nil : reasoning,
                                                       index: c.index)) else { return false }
                }
                completionTokens += s.completionTokens
                promptTokens = s.promptTokens
                if let reason = s.reason.openAI { return writer.send(sse.finishChunk(reason, index: c.index)) }
                if case .error(let m) = s.reason { return writer.send(OpenAIError.server(m).jsonData) }
                return false
            case .rejected(let r):
                return writer.send(openAIError(r, promptParam: "messages").jsonData)
            }
        }
        guard ok else { return abandon(choices) }
        if chat.settings.includeUsage, !writer.send(sse.usageChunk(Usage(promptTokens: promptTokens, completionTokens: completionTokens))) {
            return .streamed
        }
        writer.done()
        return .streamed
    }

    func abandon(_ choices: [ChoiceStream]) -> HTTPHandlerResult {
        choices.forEach { $0.handle.cancel() }
        return .streamed
    }

    /// Feeds every choice's events to `body` in arrival order until all are finished; false when writing failed
    /// or the client went away (the remaining requests are then cancelled by the caller).
    func multiplex(_ choices: [ChoiceStream], stream: HTTPStream, _ body: (ChoiceStream, GenerationEvent) -> Bool) -> Bool {
        while let waiting = choices.first(where: { !$0.isDone }) {
            // With one choice this blocks on it; with several, others are drained without waiting in between.
            for c in choices where !c.isDone {
                let timeout = c === waiting ? OpenAIServer.pollInterval : 0
                switch c.next(stream: stream, timeout: timeout) {
                case .event(let e): if !body(c, e) { return false }
                case .timeout: continue
                case .disconnected: return false
                }
            }
        }
        return true
    }
}
