import XCTest
@testable import Scheduling

final class AdmissionTests: XCTestCase {
    private func error(_ s: Scheduler, _ r: Request) -> AdmissionError? {
        do {
            try s.add(r)
            return nil
        } catch {
            return error
        }
    }

    func testEmptyPromptAndBadMaxTokens() {
        let s = Scheduler(config: config())
        XCTAssertEqual(error(s, Request(id: 1, promptTokens: [], maxTokens: 4)), .emptyPrompt)
        XCTAssertEqual(error(s, Request(id: 2, promptTokens: [1], maxTokens: 0)), .invalidMaxTokens(0))
        XCTAssertEqual(error(s, Request(id: 3, promptTokens: [1], maxTokens: -5)), .invalidMaxTokens(-5))
        XCTAssertFalse(s.hasWork)
    }

    func testTooLongForContext() {
        let s = Scheduler(config: config(contextLength: 100))
        XCTAssertEqual(error(s, Request(id: 1, promptTokens: tokens(90), maxTokens: 11)),
                       .tooLong(promptTokens: 90, maxTokens: 11, limit: 100))
        XCTAssertEqual(error(s, Request(id: 2, promptTokens: tokens(101), maxTokens: 1)),
                       .tooLong(promptTokens: 101, maxTokens: 1, limit: 100))
        XCTAssertEqual(error(s, Request(id: 3, promptTokens: tokens(10), maxTokens: .max)),
                       .tooLong(promptTokens: 10, maxTokens: .max, limit: 100), "no overflow on huge maxTokens")
        XCTAssertNil(error(s, Request(id: 4, promptTokens: tokens(90), maxTokens: 10)))
    }

    func testExceedsKVCapacity() {
        // 4 blocks of 4 slots: 16 positions. A request needs prompt + maxTokens - 1 positions.
        let s = Scheduler(config: config(blockSize: 4, blockCount: 4, contextLength: 1000))
        XCTAssertEqual(error(s, Request(id: 1, promptTokens: tokens(10), maxTokens: 8)),
                       .exceedsKVCapacity(neededBlocks: 5, totalBlocks: 4))
        let exact = Request(id: 2, promptTokens: tokens(10), maxTokens: 7)
        XCTAssertNil(error(s, exact))
        let engine = FakeEngine(s)
        engine.runToCompletion()
        XCTAssertEqual(exact.status, .finished(.length))
        XCTAssertEqual(exact.outputTokens.count, 7)
        XCTAssertTrue(engine.failures.isEmpty, "\(engine.failures)")
    }

    func testQueueFull() {
        // Two sequence slots and a queue of 3: a burst into the idle scheduler is admitted up to 2 + 3.
        let s = Scheduler(config: config(maxSequences: 2, maxWaiting: 3))
        for id in 1...5 { s.addOrFail(RequestID(id), tokens(4)) }
        XCTAssertEqual(error(s, Request(id: 6, promptTokens: tokens(4), maxTokens: 1)), .queueFull(waiting: 5))
        XCTAssertNil(s.request(6))
        XCTAssertEqual(s.stats.numWaiting, 5)
        // Once both slots are taken, the queue alone counts.
        FakeEngine(s).step()
        XCTAssertEqual(s.stats.numRunning, 2)
        XCTAssertEqual(s.stats.numWaiting, 3)
        XCTAssertEqual(error(s, Request(id: 6, promptTokens: tokens(4), maxTokens: 8)), .queueFull(waiting: 3))
    }

    func testZeroWaitingCapacityAdmitsOnlyWhatFreeSlotsTake() {
        let s = Scheduler(config: config(maxSequences: 1, maxWaiting: 0))
        XCTAssertNil(error(s, Request(id: 1, promptTokens: [1], maxTokens: 4)))
        XCTAssertEqual(error(s, Request(id: 2, promptTokens: [1], maxTokens: 1)), .queueFull(waiting: 1))
        FakeEngine(s).step()
        XCTAssertEqual(error(s, Request(id: 2, promptTokens: [1], maxTokens: 1)), .queueFull(waiting: 0))
    }

    func testDuplicateIDs() {
        let s = Scheduler(config: config())
        let r = s.addOrFail(1, tokens(4), maxTokens: 1)
        XCTAssertEqual(error(s, Request(id: 1, promptTokens: [5], maxTokens: 1)), .duplicateID)
        XCTAssertEqual(error(s, r), .duplicateID)
        FakeEngine(s).runToCompletion()
        XCTAssertEqual(error(s, r), .duplicateID, "a request object is admitted once")
        XCTAssertNil(error(s, Request(id: 1, promptTokens: [5], maxTokens: 1)), "finished ids may be reused")
    }

    func testRejectedRequestLeavesNoTrace() {
        let s = Scheduler(config: config(blockSize: 4, blockCount: 2, contextLength: 100))
        let r = Request(id: 1, promptTokens: tokens(20), maxTokens: 1)
        XCTAssertNotNil(error(s, r))
        XCTAssertEqual(r.status, .waiting)
        XCTAssertNil(s.request(1))
        XCTAssertTrue(s.checkIdleInvariant())
    }
}
