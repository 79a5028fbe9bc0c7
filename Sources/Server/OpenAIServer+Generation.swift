import CoreMetrics
import Foundation
import Generation
import HTTP
import OpenAI

/// The shared half of the chat and completions routes: turning settings into engine requests and waiting on them.
extension OpenAIServer {
    /// Submits one API request's engine requests (one per choice) and waits for each one's first event, so a
    /// refusal becomes an HTTP error before any response bytes are written. The engine checks every request once,
    /// as it admits it; here its refusal is only mapped.
    func submit(_ requests: [GenerationRequest], to model: ServedModel, promptParam: String, stream: HTTPStream,
                record: RequestRecord) throws(OpenAIError) -> [ChoiceStream] {
        let choices = requests.enumerated().map { i, request in
            ChoiceStream(index: i, handle: model.engine.submit(request), promptTokens: request.promptTokens.count,
                         interTokenLatency: metrics.interTokenLatency, captureContent: record.captureContent)
        }
        record.choices = choices
        if record.captureContent, let prompt = requests.first?.promptTokens { record.prompt = model.text(of: prompt) }
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

    /// Waits for every choice to finish and gathers each one's text, reasoning and logprobs (non-streaming
    /// responses); on failure the choices are cancelled and the error to answer is thrown (499 when the client left,
    /// 503 at the drain deadline, 500 when a choice failed).
    func collect(_ choices: [ChoiceStream], model: ServedModel, bytesForm: Bool, parallelToolCalls: Bool = true, stream: HTTPStream,
                 record: RequestRecord) throws(OpenAIError) -> [CollectedChoice] {
        var collected = choices.map { CollectedChoice(index: $0.index) }
        let delivery = multiplex(choices, stream: stream) { c, event in
            switch event {
            case .tokens(let text, let reasoning, _, let lps):
                collected[c.index].text += text
                collected[c.index].reasoning += reasoning
                collected[c.index].logprobs += model.logprobEntries(lps, bytesForm: bytesForm)
            case .toolCalls(let made):
                collected[c.index].toolCalls += CollectedChoice.outputs(made, after: collected[c.index].toolCalls.count, parallel: parallelToolCalls)
            case .finished, .rejected:
                break
            }
            return true
        }
        switch delivery {
        case .completed: break
        case .clientGone:
            end(choices, record, .clientClosed)
            throw OpenAIError(status: 499, message: "The client closed the connection.", type: "client_closed")
        case .cutOff:
            end(choices, record, .shutdown)
            throw OpenAIError.shuttingDown
        }
        for c in choices {
            guard let summary = c.summary else { throw .server("A choice ended without a summary.") }
            guard let reason = summary.reason.openAI else { throw summary.failure }
            collected[c.index].summary = summary
            // A choice that ended on its own after calling tools ends for them (OpenAI's "tool_calls").
            collected[c.index].finishReason = reason == .stop && !collected[c.index].toolCalls.isEmpty ? .toolCalls : reason
        }
        return collected
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
}

/// One finished choice of a non-streaming response.
struct CollectedChoice {
    let index: Int
    var text = ""
    var reasoning = ""
    var logprobs: [OpenAI.TokenLogprob] = []
    var summary = GenerationSummary(reason: .error, promptTokens: 0, completionTokens: 0, cachedTokens: 0, queueSeconds: 0,
                                    firstTokenSeconds: nil, totalSeconds: 0)
    var finishReason = OpenAI.FinishReason.stop
    var toolCalls: [ToolCallOutput] = []

    init(index: Int) { self.index = index }

    /// Wire tool calls for `calls`, numbered after the `earlier` ones of the choice; without parallel calls, only a
    /// choice's first call is kept.
    static func outputs(_ calls: [Generation.ToolCall], after earlier: Int, parallel: Bool) -> [ToolCallOutput] {
        let kept = parallel ? calls : Array(calls.prefix(max(0, 1 - earlier)))
        return kept.enumerated().map { ToolCallOutput(index: earlier + $0, name: $1.name, arguments: $1.arguments) }
    }

    /// Usage over all choices: the prompt once, the completions summed.
    static func usage(_ choices: [CollectedChoice]) -> Usage {
        Usage(promptTokens: choices.first?.summary.promptTokens ?? 0, completionTokens: choices.reduce(0) { $0 + $1.summary.completionTokens })
    }
}
