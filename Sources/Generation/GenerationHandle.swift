import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The HTTP side's end of one request: a blocking event queue filled by the engine thread, and cancellation.
public final class GenerationHandle: @unchecked Sendable {
    // `events` and `done` are guarded by `condition`; the engine appends, one HTTP thread consumes.
    public let id: UInt64
    private let condition = NSCondition()
    private var events: [GenerationEvent] = []
    private var head = 0
    private var done = false
    private weak var engine: Engine?
    /// The read end of a pipe that holds one byte exactly while events are queued, so a connection thread can
    /// `poll(2)` it together with its socket instead of waking on a timer; -1 if the process is out of descriptors
    /// (`next(timeout:)` still works then, and pollers fall back to their timeout).
    public let readinessFD: Int32
    private let signalFD: Int32

    init(id: UInt64, engine: Engine) {
        self.id = id
        self.engine = engine
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) == 0 {
            for fd in fds {
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            }
        }
        readinessFD = fds[0]
        signalFD = fds[1]
    }

    deinit {
        if readinessFD >= 0 { _ = close(readinessFD) }
        if signalFD >= 0 { _ = close(signalFD) }
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
        // Under the lock `push` takes too, so the fd is never left unreadable while an event waits.
        if head == events.count { clearReadiness() }
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
            case .tokens, .toolCalls: continue
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
        case .tokens, .toolCalls: break
        }
        if signalFD >= 0 && events.count - head == 1 {
            var byte: UInt8 = 1
            _ = write(signalFD, &byte, 1)
        }
        condition.signal()
        condition.unlock()
    }

    private func clearReadiness() {
        guard readinessFD >= 0 else { return }
        var byte: UInt8 = 0
        _ = read(readinessFD, &byte, 1)
    }
}
