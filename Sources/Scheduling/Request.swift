/// A request's identifier, unique among the requests alive in one scheduler.
public typealias RequestID = UInt64

/// Why a request stopped producing tokens.
public enum FinishReason: Sendable, Equatable {
    /// A stop token was sampled, or the engine matched a stop string.
    case stop
    /// `maxTokens` output tokens were produced, or the context (`contextLength`) is full.
    case length
    /// The client went away or asked to stop.
    case cancelled
    /// The engine failed while serving the request.
    case error
}

/// Where a request is in its life; every change goes through `Request.transition(to:)`.
public enum RequestStatus: Sendable, Equatable {
    /// Admitted, waiting for its first schedule.
    case waiting
    /// Holds KV blocks and is scheduled every step until it finishes or is preempted.
    case running
    /// Lost its KV blocks to a running request; waits at the front of the queue to recompute.
    case preempted
    /// Done; holds nothing.
    case finished(FinishReason)

}

/// One generation request: its tokens, limits and scheduling state.
///
/// Not `Sendable`: owned by the engine thread that drives the `Scheduler`; only the scheduler mutates it.
/// There is no separate prefill/decode phase: the scheduler only moves `numComputedTokens` towards `numTokens`.
public final class Request {
    /// The request's identifier.
    public let id: RequestID
    /// The prompt's token ids.
    public let promptTokens: [Int32]
    /// Tokens sampled so far, including a final stop token if one ended the request.
    public private(set) var outputTokens: [Int32]
    /// The prompt followed by the output, kept as one array so steps can slice it without copying.
    public private(set) var allTokens: [Int32]
    /// The most output tokens to produce; a sampled stop token counts as one of them.
    public let maxTokens: Int
    /// Token ids (EOS, end-of-turn) whose sampling finishes the request with `.stop`.
    public let stopTokenIDs: Set<Int32>
    /// Admission order, assigned by `Scheduler.add`; lower came first.
    public internal(set) var arrivalOrder: UInt64 = 0
    /// Where the request is in its life.
    public private(set) var status: RequestStatus = .waiting
    /// Leading tokens whose K/V are in the request's blocks (computed by a step or served from the prefix cache).
    public internal(set) var numComputedTokens = 0
    /// Prompt tokens served from the prefix cache when the request was first scheduled (0 before).
    public internal(set) var numCachedTokens = 0
    /// How many times the request was preempted.
    public internal(set) var numPreemptions = 0

    // KV bookkeeping, owned by KVCacheManager.
    /// Block ids covering positions `0..<blockIDs.count * blockSize`, in position order.
    var blockIDs: [Int32] = []
    /// Chained content hashes of the request's full blocks, computed once and kept across preemption.
    var blockHashes: [UInt64] = []
    /// Leading blocks of `blockIDs` that are registered in the prefix cache.
    var numRegisteredBlocks = 0
    /// Set by `Scheduler.add`, so one object cannot be admitted twice.
    var admitted = false

    /// A new request; `maxTokens` and the prompt are validated by `Scheduler.add`.
    public init(id: RequestID, promptTokens: [Int32], maxTokens: Int, stopTokenIDs: Set<Int32> = []) {
        self.id = id
        self.promptTokens = promptTokens
        self.maxTokens = maxTokens
        self.stopTokenIDs = stopTokenIDs
        self.outputTokens = []
        self.allTokens = promptTokens
    }

    /// Prompt plus output tokens.
    public var numTokens: Int { allTokens.count }

    /// The token at `position` (prompt first, then output).
    @inlinable public func token(at position: Int) -> Int32 { allTokens[position] }

    /// The tokens at `range` of the prompt-then-output sequence, without copying.
    @inlinable public func tokens(_ range: Range<Int>) -> ArraySlice<Int32> { allTokens[range] }

    /// Whether the request is waiting or preempted (in the waiting queue).
    var isQueued: Bool { status == .waiting || status == .preempted }

    /// Appends a sampled token.
    func append(_ token: Int32) {
        outputTokens.append(token)
        allTokens.append(token)
    }

    /// The only place a status changes: checks the transition is legal and applies its effect on counts.
    func transition(to next: RequestStatus) {
        switch (status, next) {
        case (.waiting, .running), (.preempted, .running):
            break
        case (.running, .preempted):
            // Preemption by recompute (vLLM v1): the KV is dropped, the output kept, so resuming
            // recomputes prompt + output and continues exactly where it stopped.
            numComputedTokens = 0
            numPreemptions += 1
        case (.waiting, .finished), (.running, .finished), (.preempted, .finished):
            break
        default:
            preconditionFailure("illegal request transition \(status) -> \(next) for request \(id)")
        }
        status = next
    }
}
