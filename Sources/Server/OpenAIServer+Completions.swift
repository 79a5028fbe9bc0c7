import Foundation
import Generation
import HTTP
import OpenAI

/// POST /v1/completions: a prompt as text or token ids, continued without a chat template.
extension OpenAIServer {
    private func prepareCompletion(_ request: HTTPRequest, _ stream: HTTPStream, _ record: RequestRecord) throws(OpenAIError)
        -> (CompletionRequest, ServedModel, [ChoiceStream]) {
        var completion = try CompletionRequest.decode(from: request.bodyData)
        completion.model = try checkModelName(completion.model)
        let model = try admittingModel()
        let tokens: [Int32]
        switch completion.prompt {
        case .text(let text): tokens = model.prompt.tokens(text: text)
        case .tokens(let ids): tokens = ids  // the engine checks them against the vocabulary
        }
        let grammar = try model.outputGrammar(completion.settings.responseFormat)
        let choices = try submit(completion.settings.engineRequests(prompt: tokens, reasoning: nil, grammar: grammar), to: model,
                                 promptParam: "prompt",
                                 stream: stream, record: record)
        return (completion, model, choices)
    }

    func completions(_ request: HTTPRequest, _ stream: HTTPStream, _ record: RequestRecord) throws -> HTTPHandlerResult {
        let completion: CompletionRequest
        let model: ServedModel
        let choices: [ChoiceStream]
        do {
            (completion, model, choices) = try prepareCompletion(request, stream, record)
        } catch {
            return .response(self.error(error))
        }
        let wantLogprobs = completion.settings.logprobs
        let modelName = completion.model ?? options.modelID
        if completion.settings.stream {
            let sse = CompletionStream(model: modelName, includeUsage: completion.settings.includeUsage)
            let writer = SSEWriter(stream: stream, headers: record.responseHeaders)
            guard writer.open() else { return endStream(.clientGone, choices, writer: writer, record: record) }
            var usage = Usage(promptTokens: 0, completionTokens: 0)
            var offsets = [Int](repeating: 0, count: choices.count)
            let delivery = multiplex(choices, stream: stream) { c, event in
                switch event {
                case .tokens(let text, _, _, let lps):
                    let logprobs = wantLogprobs && !lps.isEmpty
                        ? CompletionLogprobs(entries: model.logprobEntries(lps, bytesForm: true),
                                             textOffset: offsets[c.index]) : nil
                    offsets[c.index] += text.unicodeScalars.count
                    if text.isEmpty && logprobs == nil { return true }
                    return writer.send(sse.textChunk(text, logprobs: logprobs, index: c.index))
                case .finished(let s):
                    usage = Usage(promptTokens: s.promptTokens, completionTokens: usage.completionTokens + s.completionTokens)
                    if let reason = s.reason.openAI { return writer.send(sse.finishChunk(reason, index: c.index)) }
                    return s.reason == .error && writer.send(s.failure.jsonData)
                case .toolCalls:
                    return true  // completions offer no tools
                case .rejected(let r):
                    return writer.send(openAIError(r, promptParam: "prompt").jsonData)
                }
            }
            guard delivery == .completed else { return endStream(delivery, choices, writer: writer, record: record) }
            if completion.settings.includeUsage, !writer.send(sse.usageChunk(usage)) { return .streamed }
            writer.done()
            return .streamed
        }

        let collected: [CollectedChoice]
        do {
            collected = try collect(choices, model: model, bytesForm: true, stream: stream, record: record)
        } catch {
            return .response(self.error(error))
        }
        let out = collected.map {
            CompletionChoice(text: $0.text, index: $0.index, logprobs: wantLogprobs ? CompletionLogprobs(entries: $0.logprobs) : nil,
                             finishReason: $0.finishReason)
        }
        let response = CompletionResponse(id: OpenAIJSON.makeID(prefix: "cmpl"), created: OpenAIJSON.now(), model: modelName,
                                          choices: out, usage: CollectedChoice.usage(collected))
        return .response(json(response.jsonData))
    }
}
