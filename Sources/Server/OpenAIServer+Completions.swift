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
        // A raw prompt is the caller's own template: special-token text in it is parsed, as llama-server does.
        case .text(let text): tokens = model.tokenizer.encode(text, addSpecial: true, parseSpecial: true)
        case .tokens(let ids):
            let vocab = model.tokenizer.vocabularySize
            if let bad = ids.first(where: { $0 < 0 || Int($0) >= vocab }) {
                throw .invalidRequest("Token id \(bad) in the prompt is out of range (vocabulary size \(vocab)).", param: "prompt")
            }
            tokens = ids
        }
        let choices = try submit(model, prompt: tokens, settings: completion.settings, promptParam: "prompt", stream: stream, record: record)
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
                        ? CompletionLogprobs(entries: logprobEntries(lps, tokenizer: model.tokenizer, bytesForm: true),
                                             textOffset: offsets[c.index]) : nil
                    offsets[c.index] += text.unicodeScalars.count
                    if text.isEmpty && logprobs == nil { return true }
                    return writer.send(sse.textChunk(text, logprobs: logprobs, index: c.index))
                case .finished(let s):
                    usage = Usage(promptTokens: s.promptTokens, completionTokens: usage.completionTokens + s.completionTokens)
                    if let reason = s.reason.openAI { return writer.send(sse.finishChunk(reason, index: c.index)) }
                    if case .error(let m) = s.reason { return writer.send(OpenAIError.server(m).jsonData) }
                    return false
                case .rejected(let r):
                    return writer.send(openAIError(r, promptParam: "prompt").jsonData)
                }
            }
            guard delivery == .completed else { return endStream(delivery, choices, writer: writer, record: record) }
            if completion.settings.includeUsage, !writer.send(sse.usageChunk(usage)) { return .streamed }
            writer.done()
            return .streamed
        }

        let gathered: [[GenerationEvent]]
        do {
            gathered = try gather(choices, stream: stream, record: record)
        } catch {
            return .response(self.error(error))
        }
        var out: [CompletionChoice] = []
        var usage = Usage(promptTokens: 0, completionTokens: 0)
        for (c, events) in zip(choices, gathered) {
            guard let summary = c.summary else { return .response(self.error(.server("A choice ended without a summary."))) }
            var text = ""
            var entries: [OpenAI.TokenLogprob] = []
            for case .tokens(let t, _, _, let lps) in events {
                text += t
                entries += logprobEntries(lps, tokenizer: model.tokenizer, bytesForm: true)
            }
            guard let reason = summary.reason.openAI else {
                if case .error(let m) = summary.reason { return .response(error(.server(m))) }
                return .response(error(.server("The request was cancelled.")))
            }
            out.append(CompletionChoice(text: text, index: c.index,
                                        logprobs: wantLogprobs ? CompletionLogprobs(entries: entries) : nil, finishReason: reason))
            usage = Usage(promptTokens: summary.promptTokens, completionTokens: usage.completionTokens + summary.completionTokens)
        }
        let response = CompletionResponse(id: OpenAIJSON.makeID(prefix: "cmpl"), created: OpenAIJSON.now(), model: modelName,
                                          choices: out, usage: usage)
        return .response(json(response.jsonData))
    }
}
