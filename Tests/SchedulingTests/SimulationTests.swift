import XCTest
@testable import Scheduling

/// Randomized end-to-end runs against the fake model: 1,000 requests with random lengths, shared prefixes,
/// random cancellations in every state and a pool small enough to force preemption.
final class SimulationTests: XCTestCase {
    struct Tally {
        var cancelledWaiting = 0, cancelledPrefill = 0, cancelledDecode = 0, cancelledPreempted = 0
        var completed = 0, rejectedFull = 0, abandonedSteps = 0, steps = 0
    }

    func testRandomizedThousandRequests() {
        for (seed, caching) in [(UInt64(1), true), (2, true), (3, false)] {
            let tally = simulate(seed: seed, prefixCaching: caching, requests: 1000)
            XCTAssertEqual(tally.completed + tally.cancelledWaiting + tally.cancelledPrefill + tally.cancelledDecode
                           + tally.cancelledPreempted, 1000)
        }
    }

    @discardableResult
    private func simulate(seed: UInt64, prefixCaching: Bool, requests total: Int) -> Tally {
        var rng = SeededRNG(seed: seed)
        let contextLength = 160
        let cfg = config(budget: 48, maxSequences: 12, blockSize: 4, blockCount: 64, contextLength: contextLength,
                         maxWaiting: 24, prefixCaching: prefixCaching)
        let s = Scheduler(config: cfg)
        let engine = FakeEngine(s, vocab: 64)
        let stop: Set<Int32> = [0]
        // A few shared system prompts so requests hit each other's blocks.
        let prefixes: [[Int32]] = (0..<4).map { p in (0..<Int.random(in: 4...40, using: &rng)).map { _ in Int32(100 + p) } }
        var pending: [Request] = []
        var prompts: [RequestID: [Int32]] = [:]
        var nextID: RequestID = 1
        var tally = Tally()

        while nextID <= RequestID(total) || s.hasWork || !pending.isEmpty {
            tally.steps += 1
            XCTAssertLessThan(tally.steps, 200_000, "seed \(seed): no progress")
            if tally.steps >= 200_000 { break }

            // Arrivals: retry refused ones first, in order.
            for _ in 0..<Int.random(in: 0...2, using: &rng) where nextID <= RequestID(total) {
                var prompt = Bool.random(using: &rng) ? prefixes.randomElement(using: &rng)! : []
                prompt += (0..<Int.random(in: 1...50, using: &rng)).map { _ in Int32.random(in: 1..<64, using: &rng) }
                let maxTokens = Int.random(in: 1...min(48, contextLength - prompt.count), using: &rng)
                pending.append(Request(id: nextID, promptTokens: prompt, maxTokens: maxTokens, stopTokenIDs: stop))
                prompts[nextID] = prompt
                nextID += 1
            }
            while let r = pending.first {
                do {
                    try s.add(r)
                    pending.removeFirst()
                } catch .queueFull {
                    tally.rejectedFull += 1
                    break
                } catch {
                    XCTFail("seed \(seed): unexpected \(error)")
                    pending.removeFirst()
                }
            }

            // Random cancellations, from whatever state the request is in.
            if Int.random(in: 0..<100, using: &rng) < 5 {
                let candidates = s.runningIDs + s.waitingIDs
                if let id = candidates.randomElement(using: &rng), let r = s.request(id) {
                    switch r.status {
                    case .waiting: tally.cancelledWaiting += 1
                    case .preempted: tally.cancelledPreempted += 1
                    case .running where r.numComputedTokens < r.promptTokens.count: tally.cancelledPrefill += 1
                    case .running: tally.cancelledDecode += 1
                    case .finished: XCTFail("a live request is finished")
                    }
                    XCTAssertTrue(s.finish(id, reason: .cancelled))
                    XCTAssertTrue(r.outputTokens.elementsEqual(reference(engine, r, prompts[id]!, contextLength).0.prefix(r.outputTokens.count)))
                }
            }

            let out = s.schedule()
            check(out, s, seed: seed)
            if Int.random(in: 0..<100, using: &rng) == 0 {
                // The engine lost this step (e.g. a failed forward): plan again without updating.
                tally.abandonedSteps += 1
                _ = engine.run(out)
                continue
            }
            let sampled = engine.run(out)
            for r in s.update(out, sampledTokens: sampled) {
                let (ref, reason) = reference(engine, r, prompts[r.id]!, contextLength)
                XCTAssertEqual(r.outputTokens, ref, "seed \(seed) request \(r.id)")
                XCTAssertEqual(r.status, .finished(reason), "seed \(seed) request \(r.id)")
                tally.completed += 1
            }
            XCTAssertTrue(s.checkInvariants(), "seed \(seed) step \(tally.steps)")
            if !engine.failures.isEmpty { break }
        }

        XCTAssertTrue(engine.failures.isEmpty, "seed \(seed): \(engine.failures.prefix(5))")
        XCTAssertTrue(s.checkIdleInvariant(), "seed \(seed)")
        let stats = s.stats
        XCTAssertEqual(stats.numUsedBlocks, 0)
        XCTAssertEqual(stats.numFreeBlocks, cfg.blockCount)
        // The run must have exercised what it claims to test.
        XCTAssertGreaterThan(stats.numPreemptions, 0, "seed \(seed)")
        XCTAssertGreaterThan(tally.cancelledWaiting, 0, "seed \(seed)")
        XCTAssertGreaterThan(tally.cancelledPrefill, 0, "seed \(seed)")
        XCTAssertGreaterThan(tally.cancelledDecode, 0, "seed \(seed)")
        XCTAssertGreaterThan(tally.cancelledPreempted, 0, "seed \(seed)")
        XCTAssertGreaterThan(tally.rejectedFull, 0, "seed \(seed)")
        XCTAssertGreaterThan(tally.abandonedSteps, 0, "seed \(seed)")
        XCTAssertGreaterThan(engine.positionsVerified, 100_000, "seed \(seed)")
        if prefixCaching {
            XCTAssertGreaterThan(stats.prefixCacheHits, 0, "seed \(seed)")
            XCTAssertGreaterThan(stats.numCachedBlocks, 0, "seed \(seed)")
        } else {
            XCTAssertEqual(stats.numCachedBlocks, 0)
        }
        return tally
    }

    private func reference(_ engine: FakeEngine, _ r: Request, _ prompt: [Int32], _ contextLength: Int) -> ([Int32], FinishReason) {
        XCTAssertEqual(r.promptTokens, prompt)
        return engine.reference(prompt: prompt, maxTokens: r.maxTokens, stop: r.stopTokenIDs, contextLength: contextLength)
    }

    /// Test-side checks of a plan, independent of the scheduler's own invariant check: budget and sequence
    /// limits; tables cover positions; a block in two tables is the same cached prefix block of both.
    private func check(_ out: SchedulerOutput, _ s: Scheduler, seed: UInt64) {
        let bs = s.config.blockSize
        XCTAssertLessThanOrEqual(out.totalTokens, s.config.maxBatchTokens)
        XCTAssertEqual(out.totalTokens, out.scheduled.reduce(0) { $0 + $1.count })
        XCTAssertLessThanOrEqual(out.scheduled.count, s.config.maxSequences)
        XCTAssertEqual(Set(out.scheduled.map(\.id)).count, out.scheduled.count)
        for e in out.scheduled {
            XCTAssertGreaterThanOrEqual(e.blockTable.count * bs, e.end, "seed \(seed) request \(e.id)")
            XCTAssertEqual(Set(e.blockTable).count, e.blockTable.count)
        }
        // Owners of every held block, across all running requests (scheduled or not).
        var owners: [Int32: [(Request, Int)]] = [:]
        for id in s.runningIDs {
            let r = s.request(id)!
            for (i, b) in r.blockIDs.enumerated() { owners[b, default: []].append((r, i)) }
        }
        for (b, list) in owners {
            XCTAssertEqual(s.kvCache.pool.refCount(b), list.count, "seed \(seed) block \(b)")
            guard list.count > 1 else { continue }
            XCTAssertTrue(s.kvCache.pool.isCached(b), "seed \(seed): shared block \(b) is not cached")
            let (first, i) = list[0]
            for (other, j) in list.dropFirst() {
                XCTAssertEqual(i, j, "seed \(seed): block \(b) at different positions")
                XCTAssertEqual(first.tokens(0 ..< (i + 1) * bs), other.tokens(0 ..< (j + 1) * bs),
                               "seed \(seed): block \(b) shared by different prefixes")
            }
        }
        for id in s.waitingIDs { XCTAssertTrue(s.request(id)!.blockIDs.isEmpty) }
    }
}
