import XCTest
@testable import Scheduling

final class SchedulerTests: XCTestCase {
    func testTokenBudgetSplitsAcrossRequestsInArrivalOrder() {
        let s = Scheduler(config: config(budget: 512))
        for id in 1...3 { s.addOrFail(RequestID(id), tokens(300, from: Int32(id * 1000))) }
        let engine = FakeEngine(s)

        let (first, _) = engine.step()
        XCTAssertEqual(first.plan, [[1, 300], [2, 212]])
        XCTAssertEqual(first.totalTokens, 512)
        XCTAssertEqual(first.entry(1)?.sampled, true)
        XCTAssertEqual(first.entry(2)?.sampled, false)
        XCTAssertEqual(s.waitingIDs, [3])

        // Request 1 decodes, 2 finishes its prompt, 3 starts: 1 + 88 + 300 tokens.
        let (second, _) = engine.step()
        XCTAssertEqual(second.plan, [[1, 1], [2, 88], [3, 300]])
        XCTAssertEqual(second.totalTokens, 389)
        XCTAssertEqual(second.entry(2)?.start, 212)
        XCTAssertTrue(engine.failures.isEmpty, "\(engine.failures)")
    }

    func testChunkedPrefillKeepsDecodeFirstEveryStep() {
        let s = Scheduler(config: config(budget: 512, blockCount: 200, contextLength: 2048))
        s.addOrFail(1, tokens(10), maxTokens: 100)
        let engine = FakeEngine(s)
        XCTAssertEqual(engine.step().0.plan, [[1, 10]])

        s.addOrFail(2, tokens(1300, from: 5000), maxTokens: 10)
        var starts: [Int] = []
        for step in 0..<3 {
            let (out, _) = engine.step()
            XCTAssertEqual(out.scheduled.first?.id, 1, "the decode comes first in step \(step)")
            XCTAssertEqual(out.scheduled.first?.count, 1)
            XCTAssertEqual(out.scheduled.first?.sampled, true)
            XCTAssertEqual(out.scheduled.count, 2)
            XCTAssertLessThanOrEqual(out.totalTokens, 512)
            let b = out.entry(2)!
            starts.append(b.start)
            XCTAssertEqual(b.sampled, step == 2, "only the last chunk samples")
            XCTAssertGreaterThanOrEqual(b.blockTable.count * 16, b.end)
        }
        XCTAssertEqual(starts, [0, 511, 1022])
        XCTAssertEqual(s.request(2)?.numComputedTokens, 1300)
        XCTAssertEqual(s.request(2)?.outputTokens.count, 1)
        XCTAssertEqual(s.request(1)?.outputTokens.count, 4)
        XCTAssertTrue(engine.failures.isEmpty, "\(engine.failures)")
    }

    func testRunningPrefillGoesBeforeNewRequests() {
        let s = Scheduler(config: config(budget: 10))
        s.addOrFail(1, tokens(25))
        let engine = FakeEngine(s)
        XCTAssertEqual(engine.step().0.plan, [[1, 10]])
        s.addOrFail(2, tokens(5, from: 7000))
        XCTAssertEqual(engine.step().0.plan, [[1, 10]], "the ongoing prefill takes the whole budget")
        XCTAssertEqual(engine.step().0.plan, [[1, 5], [2, 5]])
        XCTAssertEqual(engine.step().0.plan, [[1, 1], [2, 1]])
    }

    func testDecodesAreNotStarvedByLongWaitingPrompt() {
        let s = Scheduler(config: config(budget: 8))
        for id in 1...3 { s.addOrFail(RequestID(id), [Int32(id)], maxTokens: 50) }
        let engine = FakeEngine(s)
        XCTAssertEqual(engine.step().0.plan, [[1, 1], [2, 1], [3, 1]])
        s.addOrFail(4, tokens(100))
        for _ in 0..<5 {
            let out = engine.step().0
            XCTAssertEqual(Array(out.plan.prefix(3)), [[1, 1], [2, 1], [3, 1]])
            XCTAssertEqual(out.entry(4)?.count, 5)
        }
    }

    func testMaxNumSeqsLimitsRunningRequests() {
        let s = Scheduler(config: config(maxSequences: 2))
        s.addOrFail(1, tokens(4), maxTokens: 2)
        s.addOrFail(2, tokens(4, from: 2000), maxTokens: 5)
        s.addOrFail(3, tokens(4, from: 3000), maxTokens: 5)
        let engine = FakeEngine(s)
        let (out1, _) = engine.step()
        XCTAssertEqual(out1.scheduled.map(\.id), [1, 2])
        XCTAssertEqual(s.stats.numRunning, 2)
        XCTAssertEqual(s.stats.numWaiting, 1)
        let (out2, finished) = engine.step()
        XCTAssertEqual(out2.scheduled.map(\.id), [1, 2], "still two running while 1 decodes its last token")
        XCTAssertEqual(finished.map(\.id), [1])
        XCTAssertEqual(engine.step().0.scheduled.map(\.id), [2, 3])
    }

    func testMaxTokensFinishesWithLength() {
        let s = Scheduler(config: config())
        let r = s.addOrFail(1, tokens(5), maxTokens: 3)
        let engine = FakeEngine(s)
        let finished = engine.runToCompletion()
        XCTAssertEqual(finished.map(\.id), [1])
        XCTAssertEqual(r.status, .finished(.length))
        XCTAssertEqual(r.outputTokens.count, 3)
        XCTAssertEqual(r.allTokens, r.promptTokens + r.outputTokens)
        XCTAssertEqual(engine.steps, 3)
        XCTAssertNil(s.request(1))
        XCTAssertTrue(s.checkIdleInvariant())
    }

    func testStopTokenFinishesWithStopAndIsKept() {
        let s = Scheduler(config: config())
        let engine = FakeEngine(s)
        let (ref, _) = engine.reference(prompt: tokens(5), maxTokens: 50, stop: [], contextLength: 4096)
        let stop = ref[3]
        let cut = ref.firstIndex(of: stop)!
        let r = s.addOrFail(1, tokens(5), maxTokens: 50, stop: [stop])
        engine.runToCompletion()
        XCTAssertEqual(r.status, .finished(.stop))
        XCTAssertEqual(r.outputTokens, Array(ref[...cut]), "the stop token is appended and counted")
    }

    func testStopTokenOnLastAllowedTokenReportsStop() {
        let s = Scheduler(config: config())
        let engine = FakeEngine(s)
        let (ref, _) = engine.reference(prompt: tokens(5), maxTokens: 4, stop: [], contextLength: 4096)
        guard !ref[0..<3].contains(ref[3]) else { return XCTFail("fixture: pick a prompt whose 4th token is new") }
        let r = s.addOrFail(1, tokens(5), maxTokens: 4, stop: [ref[3]])
        engine.runToCompletion()
        XCTAssertEqual(r.outputTokens.count, 4)
        XCTAssertEqual(r.status, .finished(.stop))
    }

    func testContextEndFinishesWithLength() {
        let s = Scheduler(config: config(contextLength: 12))
        let r = s.addOrFail(1, tokens(8), maxTokens: 4)
        FakeEngine(s).runToCompletion()
        XCTAssertEqual(r.numTokens, 12)
        XCTAssertEqual(r.status, .finished(.length))
    }

    func testMissingSampledTokenFinishesWithError() {
        let s = Scheduler(config: config())
        s.addOrFail(1, tokens(5))
        s.addOrFail(2, tokens(5, from: 3000))
        let out = s.schedule()
        let finished = s.update(out, sampledTokens: [2: 7])
        XCTAssertEqual(finished.map(\.id), [1])
        XCTAssertEqual(finished.first?.status, .finished(.error))
        XCTAssertEqual(s.request(2)?.outputTokens, [7])
        XCTAssertTrue(s.checkInvariants())
    }

    func testAbandonedStepIsRecomputedAndStaleUpdateIgnored() {
        let s = Scheduler(config: config(budget: 8))
        let r = s.addOrFail(1, tokens(20))
        let first = s.schedule()
        XCTAssertEqual(first.plan, [[1, 8]])
        // The engine failed this step and plans again: the same positions come back.
        let second = s.schedule()
        XCTAssertEqual(second.entry(1)?.start, 0)
        XCTAssertEqual(second.entry(1)?.count, 8)
        XCTAssertEqual(second.entry(1)?.blockTable, first.entry(1)?.blockTable)
        XCTAssertEqual(s.update(first, sampledTokens: [:]).count, 0)
        XCTAssertEqual(r.numComputedTokens, 0, "a stale output changes nothing")
        s.update(second, sampledTokens: [:])
        XCTAssertEqual(r.numComputedTokens, 8)
        s.update(second, sampledTokens: [:])
        XCTAssertEqual(r.numComputedTokens, 8, "an output is applied once")
        XCTAssertTrue(s.checkInvariants())
    }

    func testIdleScheduleIsEmpty() {
        let s = Scheduler(config: config())
        let out = s.schedule()
        XCTAssertTrue(out.isEmpty)
        XCTAssertEqual(out.totalTokens, 0)
        XCTAssertFalse(s.hasWork)
        XCTAssertTrue(s.update(out, sampledTokens: [:]).isEmpty)
        XCTAssertTrue(s.checkIdleInvariant())
    }

    func testBlockTablesGrowWithPositions() {
        let s = Scheduler(config: config(budget: 512, blockSize: 16))
        s.addOrFail(1, tokens(20), maxTokens: 20)
        let engine = FakeEngine(s)
        let (out, _) = engine.step()
        XCTAssertEqual(out.entry(1)?.blockTable.count, 2)
        var tables: [[Int32]] = []
        for _ in 0..<13 { tables.append(engine.step().0.entry(1)!.blockTable) }
        // Positions 20...32: the table gains its third block at position 32 and never changes earlier ids.
        XCTAssertEqual(tables[11].count, 2)
        XCTAssertEqual(tables[12].count, 3)
        XCTAssertEqual(Array(tables[12].prefix(2)), out.entry(1)!.blockTable)
        XCTAssertEqual(s.stats.numUsedBlocks, 3)
        XCTAssertEqual(s.stats.kvUsage, 3.0 / 256.0, accuracy: 1e-12)
    }

    func testCountersAndStatuses() {
        let s = Scheduler(config: config(budget: 4))
        let a = s.addOrFail(1, tokens(6))
        let b = s.addOrFail(2, tokens(6, from: 3000))
        XCTAssertEqual(a.arrivalOrder, 0)
        XCTAssertEqual(b.arrivalOrder, 1)
        XCTAssertEqual(a.status, .waiting)
        XCTAssertEqual(s.stats.numWaiting, 2)
        let engine = FakeEngine(s)
        engine.step()
        XCTAssertEqual(a.status, .running)
        XCTAssertEqual(a.numComputedTokens, 4)
        XCTAssertEqual(b.status, .waiting)
        XCTAssertEqual(s.stats.numRunning, 1)
        XCTAssertEqual(s.stats.numWaiting, 1)
        XCTAssertEqual(s.runningIDs, [1])
        XCTAssertTrue(s.hasWork)
    }

    func testConfigValidation() {
        XCTAssertNil(config().invalidReason)
        XCTAssertNotNil(config(budget: 0).invalidReason)
        XCTAssertNotNil(config(maxSequences: 0).invalidReason)
        XCTAssertNotNil(config(blockSize: 0).invalidReason)
        XCTAssertNotNil(config(blockCount: 0).invalidReason)
        XCTAssertNotNil(config(contextLength: 1).invalidReason)
        XCTAssertNotNil(config(maxWaiting: -1).invalidReason)
    }
}
