import Foundation
import Generation
import HTTP
import OpenAI

/// POST /v1/chat/completions.
extension OpenAIServer {
    private func prepareChat(_ request: HTTPRequest, _ stream: HTTPStream, _ record: RequestRecord) throws(OpenAIError)
        -> (ChatCompletionRequest, ServedModel, [ChoiceStream]) {
        var chat = try ChatCompletionRequest.decode(from: request.bodyData)
        chat.model = try checkModelName(chat.model)
        let model = try admittingModel()
        let prompt: ChatPrompt.Built
        do {
            prompt = try model.prompt.build(messages: chat.messages.map(\.templateValue), tools: chat.tools.definitions,
                                            variables: chat.chatTemplateKwargs,
                                            specialInContent: options.allowSpecialInContent)
        } catch {
            throw error.openAI
        }
        // The engine splits `<think>` output from the answer; whether the prompt already opened it decides how it starts.
        let reasoning = options.reasoningFormat == .auto ? GenerationRequest.ReasoningSplit(startsInReasoning: prompt.opensReasoning) : nil
        let tools = try model.toolPlan(chat.tools)
        if tools.grammar != nil, chat.settings.responseFormat != .text {
            throw .invalidRequest("A forced tool call's arguments follow the tool's parameters; 'response_format' cannot be combined with it.",
                                  param: "response_format", code: "invalid_value")
        }
        var grammar = tools.grammar
        if grammar == nil { grammar = try model.outputGrammar(chat.settings.responseFormat) }
        let requests = chat.settings.engineRequests(prompt: prompt.tokens, reasoning: reasoning, grammar: grammar, tools: tools,
                                                    toolNames: chat.tools.names)
        let choices = try submit(requests, to: model,
                                 promptParam: "messages", stream: stream, record: record)
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
        let collected: [CollectedChoice]
        do {
            collected = try collect(choices, model: model, bytesForm: false, parallelToolCalls: chat.tools.parallelCalls,
                                    stream: stream, record: record)
        } catch {
            return .response(self.error(error))
        }
        let out = collected.map { c in
            // Reasoning is null unless a section was opened, and then an empty answer is null (vLLM's `content or None`).
            let reasoning: String? = c.summary.openedReasoning ? c.reasoning : nil
            // With tool calls and no text, content is null, as OpenAI sends it.
            let content: String? = (reasoning != nil || !c.toolCalls.isEmpty) && c.text.isEmpty ? nil : c.text
            return ChatCompletionResponse.Choice(index: c.index, content: content ?? (reasoning == nil && c.toolCalls.isEmpty ? "" : nil),
                                                 reasoningContent: reasoning,
                                                 logprobs: chat.settings.logprobs ? ChatLogprobs(content: c.logprobs) : nil,
                                                 finishReason: c.finishReason, toolCalls: c.toolCalls)
        }
        let response = ChatCompletionResponse(id: OpenAIJSON.makeID(prefix: "chatcmpl"), created: OpenAIJSON.now(), model: modelName,
                                              choices: out, usage: CollectedChoice.usage(collected))
        return .response(json(response.jsonData))
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
        var calls = [Int](repeating: 0, count: choices.count)
        let delivery = multiplex(choices, stream: stream) { c, event in
            switch event {
            case .tokens(let content, let reasoning, _, let lps):
                let logprobs = chat.settings.logprobs && !lps.isEmpty ? ChatLogprobs(content: model.logprobEntries(lps)) : nil
                if content.isEmpty && reasoning.isEmpty && logprobs == nil { return true }
                return writer.send(sse.contentChunk(content.isEmpty ? nil : content, reasoning: reasoning.isEmpty ? nil : reasoning,
                                                    logprobs: logprobs, index: c.index))
            case .finished(let s):
                completionTokens += s.completionTokens
                promptTokens = s.promptTokens
                if let reason = s.reason.openAI {
                    return writer.send(sse.finishChunk(calls[c.index] > 0 && reason == .stop ? .toolCalls : reason, index: c.index))
                }
                return s.reason == .error && writer.send(s.failure.jsonData)
            case .toolCalls(let made):
                let outputs = CollectedChoice.outputs(made, after: calls[c.index], parallel: chat.tools.parallelCalls)
                calls[c.index] += outputs.count
                return sse.toolCallChunks(outputs, index: c.index).allSatisfy { writer.send($0) }
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
