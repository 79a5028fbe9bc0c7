import Foundation

/// A value guarded by a mutex, for the few counters shared between loader threads.
final class LockedBox<Value>: @unchecked Sendable {
    // All access goes through `lock`.
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
