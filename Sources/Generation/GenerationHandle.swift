import Foundation

/// The HTTP side's end of one request: a blocking event queue filled by the engine thread, and cancellation.
public final class GenerationHandle: @unchecked Sendable {
    // `events` and `done` are guarded by `condition`; the engine appends, one HTTP thread consumes.
    public let id: UInt64
    private let condition = NSCondition()
    private var events: [GenerationEvent] = []
    private var head = 0
    private var done = false
    private weak var engine: Engine?

    init(id: UInt64, engine: Engine) {
        self.id = id
        self.engine = engine
    }

    /// The next event, waiting up to `timeout` seconds; nil on timeout.
    public func next(timeout: Double) -> GenerationEvent? {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while head == events.count {
            if done { return nil }
            if !condition.wait(until: deadline), head == events.count { return nil }
        }
        let e = events[head]
        head += 1
        if head > 64 && head * 2 > events.count {
            events.removeFirst(head)
            head = 0
        }
        return e
    }

    /// Every remaining event until the request ends (for non-streaming callers and tests).
    public func collect(timeout: Double = 600) -> [GenerationEvent] {
        var all: [GenerationEvent] = []
        while let e = next(timeout: timeout) {
            all.append(e)
            switch e {
            case .finished, .rejected: return all
            case .tokens: continue
            }
        }
        return all
    }

    /// Asks the engine to stop this request; its blocks are freed at the next step boundary.
    public func cancel() { engine?.cancel(id) }

    /// Engine thread: deliver an event.
    func push(_ event: GenerationEvent) {
        condition.lock()
        events.append(event)
        switch event {
        case .finished, .rejected: done = true
        case .tokens: break
        }
        condition.signal()
        condition.unlock()
    }
}
