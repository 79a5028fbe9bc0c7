import XCTest
@testable import Scheduling

/// SplitMix64: a small seeded generator so randomized tests replay exactly.
struct SeededRNG: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func config(budget: Int = 512, maxSequences: Int = 64, blockSize: Int = 16, blockCount: Int = 256,
            contextLength: Int = 4096, maxWaiting: Int = 256, prefixCaching: Bool = true) -> SchedulerConfig {
    SchedulerConfig(maxBatchTokens: budget, maxSequences: maxSequences, blockSize: blockSize, blockCount: blockCount,
                    contextLength: contextLength, maxWaiting: maxWaiting, prefixCaching: prefixCaching)
}

/// `count` distinct-looking tokens starting at `from`.
func tokens(_ count: Int, from: Int32 = 1000) -> [Int32] { (0..<count).map { from + Int32($0) } }

/// A deterministic stand-in for the model and its paged KV storage.
///
/// The "K/V" written at position `p` is a hash of tokens `0...p`, so any block holding the wrong
/// prefix, overwritten by another request, or missing from a table is caught when a later step reads it.
/// The next token is a function of every previous token (through the K/V of the last position), so a
/// request preempted and recomputed must produce exactly the sequence an undisturbed run produces.
final class FakeEngine {
    let scheduler: Scheduler
    let blockSize: Int
    let vocab: Int32
    private(set) var kv: [UInt64]
    private(set) var steps = 0
    /// Positions checked against expected K/V, to show the checks actually ran.
    private(set) var positionsVerified = 0
    var failures: [String] = []

    init(_ scheduler: Scheduler, vocab: Int32 = 50_000) {
        self.scheduler = scheduler
        blockSize = scheduler.config.blockSize
        self.vocab = vocab
        kv = Array(repeating: 0, count: scheduler.config.blockCount * scheduler.config.blockSize)
    }

    /// Hash of `tokens[0...p]` for every `p`, never 0 (0 marks an unwritten slot).
    static func prefixHashes(_ tokens: ArraySlice<Int32>) -> [UInt64] {
        var h = seed
        return tokens.map { t in
            h = extend(h, t)
            return h | 1
        }
    }

    static let seed: UInt64 = 0xCBF2_9CE4_8422_2325

    static func extend(_ h: UInt64, _ t: Int32) -> UInt64 { mix(h ^ UInt64(UInt32(bitPattern: t))) }

    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The token the fake model produces after the K/V value of the last position.
    func sample(afterKV value: UInt64) -> Int32 { Int32(truncatingIfNeeded: (value >> 11) % UInt64(vocab)) }

    /// The output an undisturbed run produces for `prompt`, with the finish reason.
    func reference(prompt: [Int32], maxTokens: Int, stop: Set<Int32>, contextLength: Int) -> ([Int32], FinishReason) {
        var h = prompt.reduce(FakeEngine.seed, FakeEngine.extend)
        var out: [Int32] = []
        while true {
            let t = sample(afterKV: h | 1)
            h = FakeEngine.extend(h, t)
            out.append(t)
            if stop.contains(t) { return (out, .stop) }
            if out.count >= maxTokens || prompt.count + out.count >= contextLength { return (out, .length) }
        }
    }

    /// Runs the model over a planned step: checks each table covers its positions and that every position
    /// before `start` holds the right K/V, writes the new positions, and samples where asked.
    func run(_ out: SchedulerOutput) -> [RequestID: Int32] {
        steps += 1
        var sampled: [RequestID: Int32] = [:]
        for s in out.scheduled {
            guard let r = scheduler.request(s.id) else {
                failures.append("scheduled request \(s.id) is not live")
                continue
            }
            guard s.count > 0, s.end <= r.numTokens, s.blockTable.count * blockSize >= s.end else {
                failures.append("request \(s.id): bad entry start \(s.start) count \(s.count) table \(s.blockTable.count)")
                continue
            }
            let expected = FakeEngine.prefixHashes(r.tokens(0 ..< s.end))
            for p in 0 ..< s.start {
                positionsVerified += 1
                if kv[slot(s.blockTable, p)] != expected[p] {
                    failures.append("request \(s.id): wrong K/V at position \(p) (block \(s.blockTable[p / blockSize]))")
                    break
                }
            }
            for p in s.start ..< s.end { kv[slot(s.blockTable, p)] = expected[p] }
            if s.sampled { sampled[s.id] = sample(afterKV: kv[slot(s.blockTable, s.end - 1)]) }
        }
        return sampled
    }

    /// One full engine step; returns the plan and the requests it finished.
    @discardableResult
    func step() -> (SchedulerOutput, [Request]) {
        let out = scheduler.schedule()
        let tokens = run(out)
        return (out, scheduler.update(out, sampledTokens: tokens))
    }

    /// Steps until the scheduler is idle (or `limit` steps); returns every request finished by `update`.
    @discardableResult
    func runToCompletion(limit: Int = 100_000) -> [Request] {
        var finished: [Request] = []
        var n = 0
        while scheduler.hasWork, n < limit {
            finished += step().1
            n += 1
        }
        return finished
    }

    private func slot(_ table: [Int32], _ p: Int) -> Int { Int(table[p / blockSize]) * blockSize + p % blockSize }
}

extension Scheduler {
    /// Adds a request, failing the test on an admission error.
    @discardableResult
    func addOrFail(_ id: RequestID, _ prompt: [Int32], maxTokens: Int = 16, stop: Set<Int32> = [],
                   file: StaticString = #filePath, line: UInt = #line) -> Request {
        let r = Request(id: id, promptTokens: prompt, maxTokens: maxTokens, stopTokenIDs: stop)
        XCTAssertNoThrow(try add(r), file: file, line: line)
        return r
    }
}

extension SchedulerOutput {
    /// The entry for `id`, if scheduled.
    func entry(_ id: RequestID) -> ScheduledRequest? { scheduled.first { $0.id == id } }
    /// (id, count) pairs in order.
    var plan: [[Int]] { scheduled.map { [Int($0.id), $0.count] } }
}
