import Foundation
import TestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Clients that vanish or stall never hurt the others, and leave nothing behind in the engine.
final class ResilienceTests: XCTestCase {
    func testTwentyClientsDisconnectMidStream() throws {
        let h = try ServerHarness.get()
        let body = #"{"model":"smollm2","messages":[{"role":"user","content":"Tell me a very long story."}],"max_tokens":400,"stream":true,"temperature":0.7}"#
        let group = DispatchGroup()
        let failures = Mutex(0)
        for _ in 0..<20 {
            DispatchQueue.global().async(group: group) {
                do {
                    let c = try h.client()
                    c.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(ServerHarness.apiKey)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
                    try c.readHeadAndChunks(3)
                } catch {
                    failures.withLock { $0 += 1 }
                }
                // The client object closes its socket here, mid-stream.
            }
        }
        group.wait()
        XCTAssertEqual(failures.withLock { $0 }, 0)
        XCTAssertTrue(h.waitIdle(), "engine still busy after every client left: \(h.engine.stats)")
        XCTAssertEqual(h.engine.stats.running, 0)
        XCTAssertEqual(h.engine.stats.usedBlocks, 0)
        let ok = try h.client().request("POST", "/v1/chat/completions", json: ErrorTests.good, headers: h.auth)
        XCTAssertEqual(ok.status, 200)
    }

    func testSlowClientsDoNotBlockOthers() throws {
        let h = try ServerHarness.get()
        // 50 connections trickle a request head one byte at a time, once a second.
        let slow = try (0..<50).map { _ in try h.client() }
        let trickle = Array("GET /health HTTP/1.1\r\nHost: x\r\n".utf8)
        let stop = Mutex(false)
        let trickler = Thread {
            var i = 0
            while !stop.withLock({ $0 }) && i < trickle.count {
                for c in slow { c.send([trickle[i]]) }
                i += 1
                Thread.sleep(forTimeInterval: 1)
            }
        }
        trickler.start()
        defer { stop.withLock { $0 = true } }
        for _ in 0..<3 {
            let start = Date()
            let ok = try h.client().request("POST", "/v1/chat/completions", json: ErrorTests.good, headers: h.auth)
            XCTAssertEqual(ok.status, 200)
            XCTAssertLessThan(Date().timeIntervalSince(start), 20, "a normal request waited behind slow clients")
        }
    }
}

/// Runs `body(i)` for i in 0..<count on `count` threads of their own, all at once, and waits for them.
/// (DispatchQueue.concurrentPerform would run only as many at a time as there are cores.)
func runConcurrently(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for i in 0..<count {
        group.enter()
        let t = Thread {
            body(i)
            group.leave()
        }
        t.stackSize = 1 << 20
        t.start()
    }
    group.wait()
}
