import XCTest
@testable import Scheduling

final class PreemptionTests: XCTestCase {
    /// Two requests outgrow a 6-block pool: the newer one is preempted, keeps its output, goes back to the
    /// front of the queue ahead of a newer arrival, and later finishes with exactly the undisturbed sequence.
    func testNewestRunningRequestIsPreemptedAndResumesIdentically() {
        let s = Scheduler(config: config(budget: 512, blockSize: 4, blockCount: 6, contextLength: 64))
        let engine = FakeEngine(s)
        let a = s.addOrFail(1, tokens(8), maxTokens: 12)
        let b = s.addOrFail(2, tokens(8, from: 2000), maxTokens: 12)

        var preemptingStep: SchedulerOutput?
        for _ in 0..<12 {
            let (out, _) = engine.step()
            if !out.preempted.isEmpty { preemptingStep = out; break }
        }
        guard let out = preemptingStep else { return XCTFail("the pool never ran out") }
        XCTAssertEqual(out.preempted, [2])
        XCTAssertEqual(out.scheduled.map(\.id), [1], "the preempted request is not scheduled")
        XCTAssertEqual(b.status, .preempted)
        XCTAssertEqual(b.numComputedTokens, 0)
        XCTAssertEqual(b.numPreemptions, 1)
        XCTAssertFalse(b.outputTokens.isEmpty, "output is kept across preemption")
        XCTAssertTrue(b.blockIDs.isEmpty)
        XCTAssertEqual(s.waitingIDs, [2])
        XCTAssertEqual(s.stats.numPreemptions, 1)
        XCTAssertEqual(s.stats.numPreempted, 1)
        XCTAssertTrue(s.checkInvariants())

        // A newer request queues behind the preempted one.
        let c = s.addOrFail(3, tokens(4, from: 3000), maxTokens: 2)
        XCTAssertEqual(s.waitingIDs, [2, 3])
        var firstScheduled: [RequestID: Int] = [:]
        var step = 0
        while s.hasWork, step < 200 {
            let (o, _) = engine.step()
            for e in o.scheduled where firstScheduled[e.id] == nil { firstScheduled[e.id] = step }
            XCTAssertTrue(s.checkInvariants())
            step += 1
        }
        XCTAssertLessThanOrEqual(firstScheduled[2]!, firstScheduled[3]!, "FCFS: the preempted request resumes first")

        for (r, prompt) in [(a, tokens(8)), (b, tokens(8, from: 2000)), (c, tokens(4, from: 3000))] {
            let (ref, reason) = engine.reference(prompt: prompt, maxTokens: r.maxTokens, stop: [], contextLength: 64)
            XCTAssertEqual(r.outputTokens, ref, "request \(r.id)")
            XCTAssertEqual(r.status, .finished(reason))
        }
        XCTAssertTrue(engine.failures.isEmpty, "\(engine.failures)")
        XCTAssertGreaterThan(engine.positionsVerified, 0)
        XCTAssertTrue(s.checkIdleInvariant())
    }

    /// When the request that needs a block is itself the newest, it preempts itself; nothing is admitted
    /// in that step; on resume it finds its own computed blocks in the prefix cache.
    func testSelfPreemptionBlocksAdmissionAndResumesFromCache() {
        let s = Scheduler(config: config(budget: 512, blockSize: 4, blockCount: 5, contextLength: 64))
        let engine = FakeEngine(s)
        let a = s.addOrFail(1, tokens(6), maxTokens: 3)
        let b = s.addOrFail(2, tokens(12, from: 2000), maxTokens: 2)
        XCTAssertEqual(engine.step().0.plan, [[1, 6], [2, 12]])
        XCTAssertEqual(s.stats.numFreeBlocks, 0)
        s.addOrFail(3, [42], maxTokens: 1)

        let (out, _) = engine.step()
        XCTAssertEqual(out.preempted, [2])
        XCTAssertEqual(out.plan, [[1, 1]], "request 3 is not admitted in a step that preempted")
        XCTAssertEqual(s.waitingIDs, [2, 3])
        XCTAssertEqual(s.stats.numCachedBlocks, 4, "a's first block, and b's three computed blocks stay cached")

        // b must wait for a to finish (3 hits + 1 new block > 3 free), then finds its blocks again.
        var resume: ScheduledRequest?
        for _ in 0..<5 where resume == nil { resume = engine.step().0.entry(2) }
        XCTAssertEqual(a.status, .finished(.length))
        XCTAssertEqual(resume?.start, 12, "b recomputes only its last token")
        XCTAssertEqual(resume?.count, 1)
        XCTAssertEqual(b.numCachedTokens, 0, "numCachedTokens records the first schedule only")
        engine.runToCompletion()
        XCTAssertEqual(a.status, .finished(.length))
        XCTAssertEqual(b.outputTokens, engine.reference(prompt: tokens(12, from: 2000), maxTokens: 2, stop: [],
                                                        contextLength: 64).0)
        XCTAssertTrue(engine.failures.isEmpty, "\(engine.failures)")
        XCTAssertTrue(s.checkIdleInvariant())
    }

    /// A preempted request goes ahead of requests that were already waiting (here held back by maxSequences).
    func testPreemptedRequestJumpsAheadOfEarlierWaiting() {
        let s = Scheduler(config: config(budget: 512, maxSequences: 2, blockSize: 4, blockCount: 6, contextLength: 64))
        let engine = FakeEngine(s)
        s.addOrFail(1, tokens(8), maxTokens: 12)
        s.addOrFail(2, tokens(8, from: 2000), maxTokens: 12)
        s.addOrFail(3, tokens(4, from: 3000), maxTokens: 2)
        var victims: [RequestID] = []
        for _ in 0..<12 where victims.isEmpty {
            let (out, _) = engine.step()
            XCTAssertNil(out.entry(3))
            victims = out.preempted
        }
        XCTAssertEqual(victims, [2])
        XCTAssertEqual(s.waitingIDs, [2, 3])
        XCTAssertEqual(s.request(2)?.status, .preempted)
        XCTAssertEqual(s.request(3)?.status, .waiting)
        engine.runToCompletion()
        XCTAssertTrue(engine.failures.isEmpty, "\(engine.failures)")
        XCTAssertTrue(s.checkIdleInvariant())
    }
}
