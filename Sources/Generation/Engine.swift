import Foundation
import Grammar
import Inference
import Scheduling
import Tokenizers

/// The one thread that owns the model, the KV storage and the scheduler. Other threads reach it only through
/// `submit`, the handles it returns (events, `cancel`), and the published `stats`.
///
/// Each step runs one batched forward pass over every scheduled sequence (prefill chunks and decodes together),
/// samples the sequences that reached their last token, and delivers text to their handles.
public final class Engine: @unchecked Sendable {
    // The inbox and published stats are guarded by `lock`; everything else belongs to the engine thread.
    let transformer: Transformer
    public let tokenizer: Tokenizer
    /// The model's weights (immutable, shareable by several engines).
    public var weights: ModelWeights { transformer.weights }
    public let configuration: EngineConfiguration
    /// Longest prompt + completion a request may have: the model's context, or less if the configuration caps it.
    public let contextLength: Int
    let scheduler: Scheduler

    private let lock = NSCondition()
    private var inbox: [Command] = []
    private var stopping = false
    private var stopped = false
    private var published = EngineStats()
    /// Requests in `inbox` not yet seen by the engine thread, and the queue length the scheduler last reported:
    /// together they let `submit` answer a full queue at once instead of after the engine's current step.
    private var inboxSubmits = 0
    private var publishedQueue = 0
    private var nextID: UInt64 = 1
    private var thread: Thread?

    enum Command {
        case submit(GenerationRequest, GenerationHandle, ContinuousClock.Instant)
        case cancel(UInt64)
    }

    /// Per-request state that the scheduler does not keep: sampler, detokenizer, stop strings, timings.
    final class Active {
        let handle: GenerationHandle
        let request: GenerationRequest
        var sampler: Sampler
        var detokenizer: StreamingDetokenizer
        var stops: StopStringMatcher
        /// Splits `<think>` output from the answer, after stop strings are cut.
        var reasoning: ReasoningParser?
        /// Structured output: where the answer is in its grammar. It lives as long as the request, preemption
        /// included (recompute keeps the output tokens, so the state stays theirs).
        var matcher: GrammarMatcher?
        /// A tool call's grammar, applied from the call's opening marker to its end.
        var lazy: LazyGrammarState?
        /// Parses tool calls out of the answer, when the request offers tools.
        var tools: ToolCallParser?
        let submitted: ContinuousClock.Instant
        var firstScheduled: ContinuousClock.Instant?
        var firstToken: ContinuousClock.Instant?
        var pendingTokens: [Int32] = []
        var pendingLogprobs: [TokenLogprob] = []
        var stoppedByString = false
        var generated = 0
        var cachedTokens = 0

        init(handle: GenerationHandle, request: GenerationRequest, tokenizer: Tokenizer, vocabulary: TokenVocabularyIndex,
             submitted: ContinuousClock.Instant) {
            self.handle = handle
            self.request = request
            sampler = Sampler(parameters: request.sampling, prompt: request.promptTokens)
            // Control tokens the model samples (`<|im_start|>` …) are not text, as in vLLM and llama-server
            // (`skip_special_tokens`); user-defined ones such as `<think>` still are.
            detokenizer = StreamingDetokenizer(tokenizer: tokenizer, skipSpecial: true)
            stops = StopStringMatcher(stops: request.stopStrings)
            reasoning = request.reasoning.map { ReasoningParser(startsInReasoning: $0.startsInReasoning) }
            matcher = request.grammar.map { GrammarMatcher(grammar: $0.compiled, vocabulary: vocabulary) }
            if matcher == nil { lazy = request.lazyGrammar.map { LazyGrammarState(lazy: $0, vocabulary: vocabulary) } }
            tools = request.toolCalls.map { _ in ToolCallParser(names: request.toolNames) }
            self.submitted = submitted
        }
    }
    var active: [UInt64: Active] = [:]
    var counters = EngineStats()
    /// The request that owns each logit row of the current step, in row order.
    var logitOwners: [RequestID] = []
    /// A copy of one logit row for logprobs, reused across steps (vocab floats).
    var logprobScratch: [Float] = []
    /// The vocabulary as structured output's masks need it (each token's bytes), built once.
    let vocabularyIndex: TokenVocabularyIndex
    /// One row's allowed-token mask, reused across rows and steps: ((vocabulary + 63) / 64) words.
    var maskWords: [UInt64] = []

    /// Builds the engine's KV storage and scheduler around `weights`; call `start()` to run it.
    public init(weights: ModelWeights, tokenizer: Tokenizer, configuration: EngineConfiguration) throws(ModelError) {
        self.tokenizer = tokenizer
        self.configuration = configuration
        let c = configuration
        contextLength = min(c.contextLength ?? weights.config.contextLength, weights.config.contextLength)
        let kv = try KVStorage(config: weights.config, blockCount: c.blockCount, blockSize: c.blockSize,
                           precision: c.kvPrecision)
        transformer = Transformer(weights: weights, kv: kv, maxBatchTokens: c.maxBatchTokens,
                                  maxSequences: c.maxSequences, threads: c.threads)
        scheduler = Scheduler(config: SchedulerConfig(
            maxBatchTokens: c.maxBatchTokens, maxSequences: c.maxSequences, blockSize: c.blockSize,
            blockCount: c.blockCount, contextLength: contextLength, maxWaiting: c.maxWaiting,
            prefixCaching: c.prefixCaching))
        logprobScratch = Array(repeating: 0, count: weights.config.vocabSize)
        vocabularyIndex = Self.vocabularyIndex(tokenizer)
        maskWords = Array(repeating: 0, count: vocabularyIndex.wordCount)
        published.totalBlocks = c.blockCount
        published.freeBlocks = c.blockCount
    }

    /// Starts the engine thread.
    public func start() {
        let t = Thread { [weak self] in self?.run() }
        t.name = "hearth-engine"
        t.stackSize = 8 << 20
        thread = t
        t.start()
    }

    /// Stops the engine: requests still alive are finished as cancelled. Returns when the thread has exited.
    public func stop() {
        lock.lock()
        stopping = true
        lock.signal()
        while thread != nil && !stopped { lock.wait() }
        lock.unlock()
    }

    /// Queues a request; its events arrive on the returned handle (a refusal arrives as `.rejected`).
    public func submit(_ request: GenerationRequest) -> GenerationHandle {
        lock.lock()
        defer { lock.unlock() }
        let handle = GenerationHandle(id: nextID, engine: self)
        nextID += 1
        if stopping {
            handle.push(.rejected(.shuttingDown))
        } else if isSurelyFull {
            handle.push(.rejected(.queueFull(waiting: publishedQueue + inboxSubmits)))
        } else {
            inbox.append(.submit(request, handle, .now))
            inboxSubmits += 1
            lock.signal()
        }
        return handle
    }

    /// Whether a request submitted now would surely be refused for a full queue: lets a route answer 429 before it
    /// spends CPU on rendering and tokenizing a prompt the engine cannot take.
    public var isQueueSurelyFull: Bool {
        lock.lock()
        defer { lock.unlock() }
        return isSurelyFull
    }

    /// Whether the waiting queue is full even if every free sequence slot took a request (under `lock`). The
    /// scheduler still decides every request this lets through; this only spares a rejection the wait for the
    /// engine's current step, which can be a long prefill.
    private var isSurelyFull: Bool {
        let freeSlots = max(0, configuration.maxSequences - published.running)
        return publishedQueue + inboxSubmits >= configuration.maxWaiting + freeSlots
    }

    func cancel(_ id: UInt64) {
        lock.lock()
        inbox.append(.cancel(id))
        lock.signal()
        lock.unlock()
    }

    /// The latest published counters.
    public var stats: EngineStats {
        lock.lock()
        defer { lock.unlock() }
        return published
    }

    // MARK: - Engine thread

    private func run() {
        while true {
            let commands = takeCommands()
            guard let commands else { break }
            for command in commands { apply(command) }
            if scheduler.hasWork { step() }
            publish()
        }
        for id in Array(active.keys) { finish(id, reason: .cancelled) }
        publish()
        lock.lock()
        stopped = true
        lock.broadcast()
        lock.unlock()
    }

    /// Waits for commands while idle; nil when stopping.
    private func takeCommands() -> [Command]? {
        lock.lock()
        defer { lock.unlock() }
        while inbox.isEmpty && !stopping && !scheduler.hasWork { lock.wait() }
        if stopping { return nil }
        let taken = inbox
        inbox.removeAll(keepingCapacity: true)
        // Until the next publish these requests count as queued (an upper bound, as some will start at once).
        publishedQueue += inboxSubmits
        inboxSubmits = 0
        return taken
    }

    private func apply(_ command: Command) {
        switch command {
        case .submit(let request, let handle, let submitted):
            admit(request, handle: handle, submitted: submitted)
        case .cancel(let id):
            if active[id] != nil { finish(id, reason: .cancelled) }
        }
    }

    /// Every check a request passes before it runs, in one place: token ids here, then the scheduler's context,
    /// KV-capacity and queue checks. A refusal is the request's only event.
    private func admit(_ request: GenerationRequest, handle: GenerationHandle, submitted: ContinuousClock.Instant) {
        do {
            let r = try schedulerRequest(request, id: handle.id)
            try scheduler.add(r)
        } catch {
            handle.push(.rejected(error))
            return
        }
        active[handle.id] = Active(handle: handle, request: request, tokenizer: tokenizer, vocabulary: vocabularyIndex,
                                   submitted: submitted)
        counters.promptTokens += request.promptTokens.count
    }

    private func schedulerRequest(_ request: GenerationRequest, id: UInt64) throws(AdmissionError) -> Request {
        let vocab = transformer.config.vocabSize
        if let bad = request.promptTokens.first(where: { $0 < 0 || Int($0) >= vocab }) {
            throw .tokenOutOfRange(bad, vocabularySize: vocab, inLogitBias: false)
        }
        if let bad = request.sampling.logitBias.keys.sorted().first(where: { $0 < 0 || Int($0) >= vocab }) {
            throw .tokenOutOfRange(bad, vocabularySize: vocab, inLogitBias: true)
        }
        let prompt = request.promptTokens.count
        guard prompt > 0 else { throw .emptyPrompt }
        let maxTokens = request.maxTokens ?? (contextLength - prompt)
        guard maxTokens >= 1 || request.maxTokens != nil else {
            throw .tooLong(promptTokens: prompt, maxTokens: nil, limit: contextLength)
        }
        let stopIDs = request.ignoreEOS ? [] : tokenizer.endOfGenerationIDs
        return Request(id: id, promptTokens: request.promptTokens, maxTokens: maxTokens, stopTokenIDs: stopIDs)
    }

    private func publish() {
        let s = scheduler.stats
        var p = counters
        p.running = s.numRunning
        p.waiting = s.numWaiting + s.numPreempted
        p.kvUsage = s.kvUsage
        p.usedBlocks = s.numUsedBlocks
        p.freeBlocks = s.numFreeBlocks
        p.cachedBlocks = s.numCachedBlocks
        p.totalBlocks = s.blockCount
        p.preemptions = s.numPreemptions
        p.prefixCacheQueries = s.prefixCacheQueries
        p.prefixCacheHits = s.prefixCacheHits
        p.idleAndClean = active.isEmpty && !scheduler.hasWork && scheduler.checkIdleInvariant()
        lock.lock()
        published = p
        publishedQueue = s.numWaiting
        lock.unlock()
    }
}
