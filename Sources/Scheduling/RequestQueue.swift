/// The waiting queue: a ring buffer of requests, FCFS, with preempted requests pushed back at the front.
///
/// Not `Sendable`: part of `Scheduler`'s state. Removal from the middle (a cancelled waiting request)
/// is O(n), which is fine for a queue bounded by `maxWaiting` plus preempted requests.
struct RequestQueue {
    private var storage: [Request?]
    private var head = 0
    private(set) var count = 0

    init(capacity: Int = 16) {
        storage = Array(repeating: nil, count: max(capacity, 4))
    }

    var isEmpty: Bool { count == 0 }

    var first: Request? { count == 0 ? nil : storage[head] }

    /// The request at queue position `i` (0 is the front).
    subscript(i: Int) -> Request {
        storage[(head + i) % storage.count]!
    }

    mutating func pushBack(_ r: Request) {
        growIfFull()
        storage[(head + count) % storage.count] = r
        count += 1
    }

    mutating func pushFront(_ r: Request) {
        growIfFull()
        head = (head + storage.count - 1) % storage.count
        storage[head] = r
        count += 1
    }

    @discardableResult
    mutating func popFront() -> Request? {
        guard count > 0 else { return nil }
        let r = storage[head]
        storage[head] = nil
        head = (head + 1) % storage.count
        count -= 1
        return r
    }

    /// Removes `r` if queued, keeping the others in order; returns whether it was there.
    @discardableResult
    mutating func remove(_ r: Request) -> Bool {
        guard let i = (0..<count).first(where: { self[$0] === r }) else { return false }
        for j in i ..< count - 1 {
            storage[(head + j) % storage.count] = storage[(head + j + 1) % storage.count]
        }
        storage[(head + count - 1) % storage.count] = nil
        count -= 1
        return true
    }

    private mutating func growIfFull() {
        guard count == storage.count else { return }
        var bigger: [Request?] = Array(repeating: nil, count: storage.count * 2)
        for i in 0..<count { bigger[i] = storage[(head + i) % storage.count] }
        storage = bigger
        head = 0
    }
}
