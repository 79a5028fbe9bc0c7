import XCTest
@testable import Scheduling

final class CancellationTests: XCTestCase {
    private func assertGone(_ s: Scheduler, _ r: Request, _ reason: FinishReason = .cancelled,
                            file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, .finished(reason), file: file, line: line)
        XCTAssertNil(s.request(r.id), file: file, line: line)
        XCTAssertTrue(r.blockIDs.isEmpty, file: file, line: line)
        XCTAssertFalse(s.runningIDs.contains(r.id), file: file, line: line)
        XCTAssertFalse(s.waitingIDs.contains(r.id), file: file, line: line)
        XCTAssertTrue(s.checkInvariants(), file: file, line: line)
    }

    func testCancelWaiting() {
        let s = Scheduler(config: config())
        let a = s.addOrFail(1, tokens(5))
        let b = s.addOrFail(2, tokens(5))
        let c = s.addOrFail(3, tokens(5))
        XCTAssertTrue(s.finish(2, reason: .cancelled))
        assertGone(s, b)
        XCTAssertEqual(s.waitingIDs, [1, 3])
        XCTAssertEqual(a.status, .waiting)
        XCTAssertEqual(c.status, .waiting)
        XCTAssertEqual(s.stats.numFinished, 1)
    }

    func testCancelMidPrefillFreesBlocksAtOnce() {
        let s = Scheduler(config: config(budget: 32, blockSize: 16))
        let r = s.addOrFail(1, tokens(100))
        FakeEngine(s).step()
        XCTAssertEqual(r.numComputedTokens, 32)
        XCTAssertEqual(s.stats.numUsedBlocks, 2)
        XCTAssertTrue(s.finish(1, reason: .cancelled))
        assertGone(s, r)
        XCTAssertEqual(s.stats.numUsedBlocks, 0)
        XCTAssertEqual(s.stats.numCachedBlocks, 2, "computed full blocks stay cached for reuse")
        XCTAssertTrue(s.checkIdleInvariant())
    }

    func testCancelWhileDecoding() {
        let s = Scheduler(config: config())
        let engine = FakeEngine(s)
        let r = s.addOrFail(1, tokens(20), maxTokens: 50)
        let other = s.addOrFail(2, tokens(20, from: 3000), maxTokens: 3)
        engine.step()
        engine.step()
        XCTAssertEqual(r.outputTokens.count, 2)
        XCTAssertTrue(s.finish(1, reason: .stop))
        assertGone(s, r, .stop)
        XCTAssertEqual(s.runningIDs, [2])
        engine.runToCompletion()
        XCTAssertEqual(other.status, .finished(.length))
        XCTAssertTrue(s.checkIdleInvariant())
    }

    func testCancelPreempted() {
        let s = Scheduler(config: config(budget: 512, blockSize: 4, blockCount: 5, contextLength: 64))
        let engine = FakeEngine(s)
        s.addOrFail(1, tokens(6), maxTokens: 3)
        let b = s.addOrFail(2, tokens(12, from: 2000), maxTokens: 2)
        engine.step()
        XCTAssertEqual(engine.step().0.preempted, [2])
        XCTAssertEqual(b.status, .preempted)
        XCTAssertTrue(s.finish(2, reason: .cancelled))
        assertGone(s, b)
        XCTAssertEqual(s.stats.numPreempted, 0)
        engine.runToCompletion()
        XCTAssertTrue(s.checkIdleInvariant())
    }

    /// The engine may cancel between `schedule` and `update`: the entry is skipped, others still advance.
    func testCancelBetweenScheduleAndUpdate() {
        let s = Scheduler(config: config())
        let engine = FakeEngine(s)
        let a = s.addOrFail(1, tokens(10))
        let b = s.addOrFail(2, tokens(10, from: 3000))
        let out = s.schedule()
        let sampled = engine.run(out)
        XCTAssertTrue(s.finish(1, reason: .cancelled))
        let finished = s.update(out, sampledTokens: sampled)
        XCTAssertTrue(finished.isEmpty)
        assertGone(s, a)
        XCTAssertTrue(a.outputTokens.isEmpty)
        XCTAssertEqual(b.outputTokens.count, 1)
        XCTAssertEqual(b.numComputedTokens, 10)
    }

    func testFinishIsIdempotentAndIgnoresUnknownIDs() {
        let s = Scheduler(config: config())
        let r = s.addOrFail(1, tokens(4))
        XCTAssertTrue(s.finish(1, reason: .cancelled))
        XCTAssertFalse(s.finish(1, reason: .error))
        XCTAssertEqual(r.status, .finished(.cancelled), "the first reason stays")
        XCTAssertFalse(s.finish(99, reason: .cancelled))
        XCTAssertEqual(s.stats.numFinished, 1)
        XCTAssertTrue(s.checkIdleInvariant())
    }

    func testCancellingEverythingLeavesPoolIdle() {
        let s = Scheduler(config: config(budget: 64, blockSize: 4, blockCount: 40, contextLength: 128))
        let engine = FakeEngine(s)
        for id in 1...12 { s.addOrFail(RequestID(id), tokens(Int(id) * 5, from: Int32(id) * 100), maxTokens: 40) }
        for _ in 0..<6 { engine.step() }
        XCTAssertGreaterThan(s.stats.numUsedBlocks, 0)
        for id in 1...12 { s.finish(RequestID(id), reason: .cancelled) }
        XCTAssertTrue(s.checkIdleInvariant())
        XCTAssertEqual(s.stats.kvUsage, 0)
        XCTAssertTrue(s.schedule().isEmpty)
    }
}
