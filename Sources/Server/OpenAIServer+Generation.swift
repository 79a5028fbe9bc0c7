import CoreMetrics
import Foundation
import Generation
import HTTP
import Inference
import OpenAI
import Tokenizers

/// The shared half of the chat and completions routes: turning settings into engine requests and waiting on them.
extension OpenAIServer {
    /// Submits `n` engine requests for one API request and waits for each one's first event, so a refusal
    /// becomes an HTTP error before any response bytes are written.
    func submit(_ model: ServedModel, prompt: [Int32], settings: GenerationSettings, reasoning: GenerationRequest.ReasoningSplit? = nil,
                promptParam: String, stream: HTTPStream, record: RequestRecord) throws(OpenAIError) -> [ChoiceStream] {
        guard !prompt.isEmpty else { throw .invalidRequest("The prompt is empty after tokenization.", param: promptParam) }
        let room = model.contextLength - prompt.count
        if let m = settings.maxTokens, m > room || room < 1 {
            throw .contextLengthExceeded(promptTokens: prompt.count, maxTokens: m, limit: model.contextLength, param: promptParam)
        }
        guard room >= 1 else {
            throw .contextLengthExceeded(promptTokens: prompt.count, maxTokens: nil, limit: model.contextLength, param: promptParam)
        }
        let vocab = model.tokenizer.vocabularySize
        if let bad = settings.logitBias.keys.first(where: { $0 < 0 || Int($0) >= vocab }) {
            throw .invalidRequest("logit_bias token id \(bad) is out of range (vocabulary size \(vocab)).", param: "logit_bias")
        }
        var choices: [ChoiceStream] = []
        for i in 0..<settings.n {
            let sampling = SamplingParameters(
                temperature: settings.temperature, topK: settings.topK, topP: settings.topP, minP: settings.minP,
                presencePenalty: settings.presencePenalty, frequencyPenalty: settings.frequencyPenalty,
                repetitionPenalty: settings.repetitionPenalty, logitBias: settings.logitBias,
                seed: settings.seed.map { $0 &+ UInt64(i) })
            let request = GenerationRequest(promptTokens: prompt, maxTokens: settings.maxTokens ?? room, sampling: sampling,
                                            stopStrings: settings.stop, ignoreEOS: settings.ignoreEOS,
                                            logprobs: settings.logprobs ? settings.topLogprobs : nil, reasoning: reasoning)
            choices.append(ChoiceStream(index: i, handle: model.engine.submit(request), promptTokens: prompt.count,
                                        interTokenLatency: metrics.interTokenLatency, captureContent: record.captureContent))
        }
        record.choices = choices
        if record.captureContent { record.prompt = model.tokenizer.decode(prompt) }
        for c in choices {
            switch c.waitFirst(stream: stream) {
            case .event(.rejected(let r)):
                // Refused before it ran: cancelled, but not counted as an aborted generation.
                choices.forEach { $0.handle.cancel() }
                record.choices = []
                throw openAIError(r, promptParam: promptParam)
            case .event:
                continue
            case .disconnected, .timeout:
                end(choices, record, .clientClosed)
                throw OpenAIError(status: 499, message: "The client closed the connection.", type: "client_closed")
            case .cutOff:
                end(choices, record, .shutdown)
                throw OpenAIError.shuttingDown
            }
        }
        return choices
    }

    /// Cancels every choice still running and notes why the request ended early, for its log line and metrics.
    func end(_ choices: [ChoiceStream], _ record: RequestRecord, _ ending: RequestRecord.Ending) {
        choices.forEach { $0.abandon() }
        if record.ending == nil { record.ending = ending }
    }

    /// Waits for every choice to finish, gathering each one's events (non-streaming responses); on failure the
    /// choices are cancelled and the error to answer is thrown (499 when the client left, 503 at the drain deadline).
    func gather(_ choices: [ChoiceStream], stream: HTTPStream, record: RequestRecord) throws(OpenAIError) -> [[GenerationEvent]] {
        var events = [[GenerationEvent]](repeating: [], count: choices.count)
        switch multiplex(choices, stream: stream, { c, e in events[c.index].append(e); return true }) {
        case .completed: return events
        case .clientGone:
            end(choices, record, .clientClosed)
            throw OpenAIError(status: 499, message: "The client closed the connection.", type: "client_closed")
        case .cutOff:
            end(choices, record, .shutdown)
            throw OpenAIError.shuttingDown
        }
    }

    /// How feeding a request's events to its client ended.
    enum Delivery {
        case completed
        /// The client went away or a write failed.
        case clientGone
        /// The server's drain deadline passed.
        case cutOff
    }

    /// Feeds every choice's events to `body` in arrival order until all are finished. `body` returns false when a
    /// write failed. The caller cancels the remaining choices when this does not complete.
    func multiplex(_ choices: [ChoiceStream], stream: HTTPStream, _ body: (ChoiceStream, GenerationEvent) -> Bool) -> Delivery {
        while choices.contains(where: { !$0.isDone }) {
            // Every choice's queued events first; then one wait on all of their readiness fds and the socket.
            var idle = true
            for c in choices where !c.isDone {
                switch c.next(stream: stream, wait: false) {
                case .event(let e):
                    idle = false
                    if !body(c, e) { return .clientGone }
                case .timeout: continue
                case .disconnected: return .clientGone
                case .cutOff: return .cutOff
                }
            }
            if idle {
                let fds = choices.filter { !$0.isDone }.map(\.handle.readinessFD)
                stream.wait(readable: fds.filter { $0 >= 0 }, timeout: fds.contains { $0 < 0 } ? .milliseconds(20) : nil)
            }
        }
        return .completed
    }

    /// Ends a streamed response early: at the drain deadline the client gets an error event, so it can tell a cut
    /// stream from a finished one; when the client is gone there is no one to tell.
    func endStream(_ delivery: Delivery, _ choices: [ChoiceStream], writer: SSEWriter, record: RequestRecord) -> HTTPHandlerResult {
        switch delivery {
        case .completed:
            break
        case .clientGone:
            end(choices, record, .clientClosed)
        case .cutOff:
            end(choices, record, .shutdown)
            if writer.send(OpenAIError.shuttingDown.jsonData) { writer.finish() }
        }
        return .streamed
    }

    /// The loaded model, or the error a generation route answers at once: 503 while loading, 429 when the engine's
    /// queue is full (checked before the prompt is rendered, so an overload costs little besides the JSON parse).
    func admittingModel() throws(OpenAIError) -> ServedModel {
        let model = try requireModel()
        if model.engine.isQueueSurelyFull { throw .queueFull(retryAfter: options.retryAfterSeconds) }
        return model
    }

    func openAIError(_ r: GenerationRejection, promptParam: String) -> OpenAIError {
        switch r {
        case .tooLong(let p, let m, let l): .contextLengthExceeded(promptTokens: p, maxTokens: m, limit: l, param: promptParam)
        case .exceedsKVCapacity(let n, let t):
            .invalidRequest("This request needs \(n) KV-cache blocks but the server has \(t) in all; reduce the prompt or max_tokens.", param: "max_tokens")
        case .queueFull: .queueFull(retryAfter: options.retryAfterSeconds)
        case .invalid(let m): .invalidRequest(m, param: promptParam)
        case .shuttingDown: .unavailable("The server is shutting down.")
        }
    }

    /// OpenAI logprob entries for the sampled tokens of one event. With `bytesForm` (the completions API, whose
    /// `top_logprobs` are keyed by token text), a token that is not valid UTF-8 alone is written as OpenAI writes
    /// it, `bytes:\xe2\x80`, so distinct partial characters don't all collapse to one "\u{FFFD}" key.
    func logprobEntries(_ lps: [Generation.TokenLogprob], tokenizer: Tokenizer, bytesForm: Bool = false) -> [OpenAI.TokenLogprob] {
        lps.map { lp in
            OpenAI.TokenLogprob(token: piece(lp.token, tokenizer, bytesForm), logprob: lp.logprob, bytes: tokenizer.tokenPieceBytes(lp.token),
                                topLogprobs: lp.top.map { OpenAI.TopLogprob(token: piece($0.token, tokenizer, bytesForm), logprob: $0.logprob,
                                                                             bytes: tokenizer.tokenPieceBytes($0.token)) })
        }
    }

    static func piece(_ bytes: [UInt8], bytesForm: Bool) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        guard bytesForm else { return String(decoding: bytes, as: UTF8.self) }
        return "bytes:" + bytes.map { "\\x" + String($0, radix: 16).leftPadded(to: 2) }.joined()
    }

    private func piece(_ id: Int32, _ tokenizer: Tokenizer, _ bytesForm: Bool) -> String {
        Self.piece(tokenizer.tokenPieceBytes(id), bytesForm: bytesForm)
    }
}
