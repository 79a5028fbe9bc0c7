import Foundation
import Glibc

/// A value guarded by a condition lock; waiters can sleep until it changes.
///
/// `@unchecked Sendable`: `value` is only touched inside `withLock`/`wait`, which hold `condition`.
final class Guarded<Value>: @unchecked Sendable {
    private let condition = NSCondition()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    /// Runs `body` with exclusive access and wakes every waiter afterwards.
    @discardableResult
    func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        return try body(&value)
    }

    /// Waits until `predicate` holds or `deadline` passes; returns whether it holds.
    func wait(until deadline: ContinuousClock.Instant?, for predicate: (Value) -> Bool) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !predicate(value) {
            guard let deadline else {
                condition.wait()
                continue
            }
            let remaining = ContinuousClock.now.duration(to: deadline)
            if remaining <= .zero { return false }
            let seconds = Double(remaining.components.seconds) + Double(remaining.components.attoseconds) * 1e-18
            _ = condition.wait(until: Date(timeIntervalSinceNow: seconds))
        }
        return true
    }
}

/// A one-way "something happened" signal that poll(2) can watch: the read end of a pipe that becomes
/// readable forever once `fire()` writes a byte, so any number of threads polling it all wake.
final class WakePipe: Sendable {
    let readFD: Int32
    private let writeFD: Int32

    /// Creates the pipe, or returns nil when the process is out of descriptors.
    init?() {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return nil }
        readFD = fds[0]
        writeFD = fds[1]
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            Posix.setNonBlocking(fd)
        }
    }

    /// Makes `readFD` readable; repeated calls are harmless.
    func fire() {
        var byte: UInt8 = 1
        _ = write(writeFD, &byte, 1)
    }

    // Every poller holds a reference, so the fds stay valid until the last one is done.
    deinit {
        _ = close(readFD)
        _ = close(writeFD)
    }
}

/// Starts detached POSIX threads, so connection I/O never runs on Swift concurrency's cooperative pool.
enum PosixThread {
    private final class Box {
        let name: String
        let body: @Sendable () -> Void
        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }

    /// Runs `body` on a new detached thread; returns false if the system refused to create one.
    static func spawn(name: String, _ body: @escaping @Sendable () -> Void) -> Bool {
        let box = Unmanaged.passRetained(Box(name: name, body: body))
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        #if os(Linux)
        var thread = pthread_t()
        #else
        var thread: pthread_t?
        #endif
        let status = pthread_create(&thread, &attributes, { argument in
            #if os(Linux)
            guard let argument else { return nil }
            #endif
            let box = Unmanaged<Box>.fromOpaque(argument).takeRetainedValue()
            Thread.current.name = box.name
            box.body()
            return nil
        }, box.toOpaque())
        if status != 0 {
            box.release()
            return false
        }
        return true
    }
}
