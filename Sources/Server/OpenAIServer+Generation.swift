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
    func submit(_ model: ServedModel, prompt: [Int32], settings: GenerationSettings, promptParam: String,
                stream: HTTPStream, record: RequestRecord) throws(OpenAIError) -> [ChoiceStream] {
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
                                            logprobs: settings.logprobs ? settings.topLogprobs : nil)
            choices.append(ChoiceStream(index: i, handle: model.engine.submit(request), interTokenLatency: metrics.interTokenLatency,
                                        captureContent: record.captureContent))
        }
        record.choices = choices
        if record.captureContent { record.prompt = model.tokenizer.decode(prompt) }
        for c in choices {
            guard let first = c.waitFirst(stream: stream) else {
                choices.forEach { $0.handle.cancel() }
                throw OpenAIError(status: 499, message: "The client closed the connection.", type: "client_closed")
            }
            if case .rejected(let r) = first {
                choices.forEach { $0.handle.cancel() }
                throw openAIError(r, promptParam: promptParam)
            }
        }
        return choices
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

    /// OpenAI logprob entries for the sampled tokens of one event.
    func logprobEntries(_ lps: [Generation.TokenLogprob], tokenizer: Tokenizer) -> [OpenAI.TokenLogprob] {
        lps.map { lp in
            OpenAI.TokenLogprob(token: piece(lp.token, tokenizer), logprob: lp.logprob, bytes: tokenizer.tokenPieceBytes(lp.token),
                                topLogprobs: lp.top.map { OpenAI.TopLogprob(token: piece($0.token, tokenizer), logprob: $0.logprob,
                                                                             bytes: tokenizer.tokenPieceBytes($0.token)) })
        }
    }

    private func piece(_ id: Int32, _ tokenizer: Tokenizer) -> String {
        String(decoding: tokenizer.tokenPieceBytes(id), as: UTF8.self)
    }
}

/// One choice of a request: its engine handle and the event that arrived first.
final class ChoiceStream {
    let index: Int
    let handle: GenerationHandle
    private var buffered: GenerationEvent?
    private(set) var summary: GenerationSummary?
    /// The choice's reasoning splitter (chat) — kept here so streaming state lives with its choice.
    var reasoning: ReasoningParser?
    private let interTokenLatency: CoreMetrics.Timer?
    private var lastTokenTime: ContinuousClock.Instant?
    private let captureContent: Bool
    /// The generated text, kept only for `--log-content`.
    private(set) var content = ""

    init(index: Int, handle: GenerationHandle, interTokenLatency: CoreMetrics.Timer? = nil, captureContent: Bool = false) {
        self.index = index
        self.handle = handle
        self.interTokenLatency = interTokenLatency
        self.captureContent = captureContent
    }

    var isDone: Bool { summary != nil }

    /// What a wait on the engine produced.
    enum Poll {
        case event(GenerationEvent)
        case timeout
        case disconnected
    }

    /// Waits for the first event and keeps it for `next`; nil when the client went away.
    func waitFirst(stream: HTTPStream) -> GenerationEvent? {
        while true {
            switch next(stream: stream, timeout: 3600) {
            case .event(let e):
                buffered = e
                return e
            case .timeout: continue
            case .disconnected: return nil
            }
        }
    }

    /// The next event within `timeout` seconds, cancelling the request when the client has gone away.
    func next(stream: HTTPStream, timeout: Double) -> Poll {
        if let b = buffered {
            buffered = nil  // already recorded when `waitFirst` received it
            return .event(b)
        }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while true {
            if let e = handle.next(timeout: min(OpenAIServer.pollInterval, max(0, deadline.timeIntervalSinceNow))) {
                record(e)
                return .event(e)
            }
            if !stream.isClientConnected {
                handle.cancel()
                return .disconnected
            }
            if Date() >= deadline { return .timeout }
        }
    }

    /// Every event until the end; nil when the client went away first.
    func collect(stream: HTTPStream) -> [GenerationEvent]? {
        var events: [GenerationEvent] = []
        while summary == nil {
            switch next(stream: stream, timeout: 3600) {
            case .event(let e): events.append(e)
            case .timeout: continue
            case .disconnected: return nil
            }
        }
        return events
    }

    private func record(_ e: GenerationEvent) {
        switch e {
        case .finished(let s):
            summary = s
        case .tokens(let text, let tokens, _):
            if captureContent { content += text }
            // An event may carry several tokens (a stop-string hold-back released at once); each gets an equal share
            // of the gap since the previous event, as the engine produced them one step apart.
            let now = ContinuousClock.now
            if let last = lastTokenTime, let itl = interTokenLatency, !tokens.isEmpty {
                let share = (now - last) / tokens.count
                for _ in tokens { itl.recordNanoseconds(share.nanoseconds) }
            }
            if !tokens.isEmpty { lastTokenTime = now }
        case .rejected:
            break
        }
    }
}

extension GenerationFinishReason {
    /// The OpenAI finish_reason, nil for cancelled or failed requests.
    var openAI: FinishReason? {
        switch self {
        case .stop: .stop
        case .length: .length
        case .cancelled, .error: nil
        }
    }
}

/// What one API request did, for its log line: filled by the route, written by `OpenAIServer.handle`.
final class RequestRecord {
    /// The id in the log line and the X-Request-Id response header: the client's (or proxy's) own, or a new one.
    let id: String
    let start = Date()
    var choices: [ChoiceStream] = []
    /// The Access-Control-Allow-Origin value for this request, if any.
    let corsOrigin: String?
    /// Whether the prompt and output are kept for the log line (`--log-content`).
    let captureContent: Bool
    /// The prompt as text, kept only when `captureContent`.
    var prompt: String?

    init(id: String? = nil, corsOrigin: String? = nil, captureContent: Bool = false) {
        self.id = id ?? OpenAIJSON.makeID(prefix: "req")
        self.corsOrigin = corsOrigin
        self.captureContent = captureContent
    }

    /// A client-sent X-Request-Id worth keeping (nginx's $request_id, a UUID …): 1–128 visible ASCII characters
    /// without quotes or backslashes, so it can't break a log line or a header; anything else is replaced.
    static func clientID(_ header: String?) -> String? {
        guard let header, (1...128).contains(header.utf8.count),
              header.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) else { return nil }
        return header
    }

    /// Headers every response of this request carries: CORS and the request id.
    var responseHeaders: [(String, String)] {
        OpenAIServer.corsHeaders(corsOrigin) + [("X-Request-Id", id)]
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
