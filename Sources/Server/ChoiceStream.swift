import CoreMetrics
import Generation
import HTTP
import OpenAI

/// One choice of a request: its engine handle and the event that arrived first.
final class ChoiceStream {
    let index: Int
    let handle: GenerationHandle
    private var buffered: GenerationEvent?
    private(set) var summary: GenerationSummary?
    private let interTokenLatency: CoreMetrics.Timer?
    private var lastTokenTime: ContinuousClock.Instant?
    private let captureContent: Bool
    /// The generated text, kept only for `--log-content`.
    private(set) var content = ""
    /// What was delivered so far, for the summary of a choice cancelled before the engine sent its own.
    private let promptTokens: Int
    private var deliveredTokens = 0
    private let submitted = ContinuousClock.now
    private var firstTokenAt: ContinuousClock.Instant?

    init(index: Int, handle: GenerationHandle, promptTokens: Int = 0, interTokenLatency: CoreMetrics.Timer? = nil,
         captureContent: Bool = false) {
        self.index = index
        self.handle = handle
        self.promptTokens = promptTokens
        self.interTokenLatency = interTokenLatency
        self.captureContent = captureContent
    }

    /// Cancels the engine request if it is still running, and records it as cancelled with what it had produced,
    /// so its log line and `finish_reason="abort"` count it (the engine's own summary is no longer awaited).
    func abandon() {
        guard summary == nil else { return }
        handle.cancel()
        summary = GenerationSummary(reason: .cancelled, promptTokens: promptTokens, completionTokens: deliveredTokens,
                                    cachedTokens: 0, queueSeconds: 0,
                                    firstTokenSeconds: firstTokenAt.map { ($0 - submitted).seconds },
                                    totalSeconds: (ContinuousClock.now - submitted).seconds)
    }

    var isDone: Bool { summary != nil }

    /// What a wait on the engine produced.
    enum Poll {
        case event(GenerationEvent)
        case timeout
        case disconnected
        /// The server's drain deadline passed.
        case cutOff
    }

    /// Waits for the first event and keeps it for `next`.
    func waitFirst(stream: HTTPStream) -> Poll {
        let poll = next(stream: stream, wait: true)
        if case .event(let e) = poll { buffered = e }
        return poll
    }

    /// The next event; with `wait`, blocks until one arrives, the client leaves or the drain deadline passes,
    /// woken by the handle's readiness fd and the socket rather than a timer. Without, `.timeout` means none yet.
    func next(stream: HTTPStream, wait: Bool) -> Poll {
        if let b = buffered {
            buffered = nil  // already recorded when `waitFirst` received it
            return .event(b)
        }
        while true {
            if let e = handle.next(timeout: 0) {
                record(e)
                return .event(e)
            }
            if !stream.isClientConnected { return .disconnected }
            if stream.isServerCuttingOff { return .cutOff }
            guard wait else { return .timeout }
            // Without a readiness fd (out of descriptors) the wait falls back to a short timeout.
            stream.wait(readable: handle.readinessFD >= 0 ? [handle.readinessFD] : [],
                        timeout: handle.readinessFD >= 0 ? nil : .milliseconds(20))
        }
    }

    private func record(_ e: GenerationEvent) {
        switch e {
        case .finished(let s):
            summary = s
        case .tokens(let text, let reasoning, let tokens, _):
            if captureContent { content += reasoning + text }
            deliveredTokens += tokens.count
            if firstTokenAt == nil, !tokens.isEmpty { firstTokenAt = .now }
            // An event may carry several tokens (a stop-string hold-back released at once); each gets an equal share
            // of the gap since the previous event, as the engine produced them one step apart.
            let now = ContinuousClock.now
            if let last = lastTokenTime, let itl = interTokenLatency, !tokens.isEmpty {
                let share = (now - last) / tokens.count
                for _ in tokens { itl.recordNanoseconds(share.nanoseconds) }
            }
            if !tokens.isEmpty { lastTokenTime = now }
        case .toolCalls(let calls):
            if captureContent { content += calls.map { "<tool_call>\($0.name) \($0.arguments)" }.joined() }
        case .rejected:
            break
        }
    }
}
