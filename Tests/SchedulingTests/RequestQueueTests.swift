import XCTest
@testable import Scheduling

final class RequestQueueTests: XCTestCase {
    func testFrontBackRemoveAndGrowthAcrossWrap() {
        var q = RequestQueue(capacity: 4)
        let rs = (0..<10).map { Request(id: RequestID($0), promptTokens: [1], maxTokens: 1) }
        var model: [RequestID] = []
        var rng = SeededRNG(seed: 7)
        for step in 0..<2000 {
            let r = rs[step % rs.count]
            switch Int.random(in: 0..<5, using: &rng) {
            case 0 where !model.contains(r.id):
                q.pushBack(r); model.append(r.id)
            case 1 where !model.contains(r.id):
                q.pushFront(r); model.insert(r.id, at: 0)
            case 2:
                XCTAssertEqual(q.popFront()?.id, model.first)
                if !model.isEmpty { model.removeFirst() }
            case 3:
                let had = model.contains(r.id)
                XCTAssertEqual(q.remove(r), had)
                model.removeAll { $0 == r.id }
            default:
                XCTAssertEqual(q.first?.id, model.first)
            }
            XCTAssertEqual(q.count, model.count)
            XCTAssertEqual((0..<q.count).map { q[$0].id }, model)
        }
    }
}
