import Foundation
import XCTest
@testable import HTTP
#if canImport(Glibc)
import Glibc
#endif

/// Graceful shutdown, drain timeouts and the signal helper.
final class ShutdownTests: XCTestCase {
    private func startServer(_ handler: @escaping HTTPHandler) throws -> HTTPServer {
        let server = HTTPServer(configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0), handler: handler)
        try server.start()
        return server
    }

    func testGracefulShutdownDrainsInFlightStream() throws {
        let events = Recorder<String>()
        let server = try startServer { _, stream in
            try stream.writeHead(headers: ServerSentEvents.headers)
            for index in 0..<5 {
                try stream.write(ServerSentEvents.format(data: "\(index)"))
                usleep(100_000)
            }
            try stream.finish()
            events.record("handler finished")
            return .streamed
        }
        let port = server.port
        let client = try TestClient(port: port)
        try client.send("GET /stream HTTP/1.1\r\nHost: t\r\n\r\n")
        _ = try client.readHead()
        XCTAssertEqual(try client.readChunk(), ServerSentEvents.format(data: "0"))

        let shutdown = Thread {
            server.shutdown(drainTimeout: .seconds(5))
            events.record("shutdown returned")
        }
        shutdown.start()
        // Once shutdown has begun, nothing new is accepted.
        XCTAssertTrue(eventually { (try? TestClient(port: port)) == nil })

        var received: [UInt8] = []
        while let chunk = try client.readChunk() { received += chunk }
        XCTAssertEqual(String(decoding: received, as: UTF8.self), "data: 1\n\ndata: 2\n\ndata: 3\n\ndata: 4\n\n")
        XCTAssertTrue(client.closesWithoutData(), "the drained connection is closed after its response")
        XCTAssertNotNil(events.waitForValue())
        XCTAssertNotNil(events.waitForValue())
        XCTAssertEqual(events.all, ["handler finished", "shutdown returned"])
        XCTAssertEqual(server.openConnections, 0)
    }

    func testResponseFinishedDuringDrainSaysConnectionClose() throws {
        let entered = Recorder<Bool>()
        let release = DispatchSemaphore(value: 0)
        let server = try startServer { _, _ in
            entered.record(true)
            _ = release.wait(timeout: .now() + 5)
            return .response(.text("late"))
        }
        let port = server.port
        let client = try TestClient(port: port)
        try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(entered.waitForValue(), [true])
        let shutdown = Thread { server.shutdown(drainTimeout: .seconds(5)) }
        shutdown.start()
        XCTAssertTrue(eventually { (try? TestClient(port: port)) == nil }, "draining has begun")
        release.signal()
        let response = try client.readResponse()
        XCTAssertEqual(response.text, "late")
        XCTAssertEqual(response.headers["Connection"], "close")
        XCTAssertTrue(client.closesWithoutData())
    }

    func testDrainTimeoutCutsOffStreamsThatDoNotFinish() throws {
        let outcome = Recorder<HTTPStreamError>()
        let server = try startServer { _, stream in
            try stream.writeHead()
            do {
                for _ in 0..<1000 {
                    try stream.write("tick\n")
                    usleep(20_000)
                }
            } catch let error as HTTPStreamError {
                outcome.record(error)
                throw error
            }
            return .streamed
        }
        let client = try TestClient(port: server.port)
        try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        _ = try client.readHead()
        _ = try client.readChunk()
        server.shutdown(drainTimeout: .milliseconds(300))
        XCTAssertEqual(outcome.waitForValue(), [.clientDisconnected], "the app learns at its next write")
        XCTAssertTrue(eventually { server.openConnections == 0 })
    }

    func testShutdownClosesIdleKeepAliveConnections() throws {
        let server = try startServer(echoHandler)
        let client = try TestClient(port: server.port)
        try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 200)
        XCTAssertEqual(server.openConnections, 1)

        let finished = Recorder<Bool>()
        let shutdown = Thread {
            // A drain timeout far beyond the test's waits: only closing idle connections lets it return in time.
            server.shutdown(drainTimeout: .seconds(120))
            finished.record(true)
        }
        shutdown.start()
        XCTAssertEqual(finished.waitForValue(timeout: 5), [true])
        XCTAssertTrue(client.closesWithoutData())
        XCTAssertEqual(server.openConnections, 0)
    }

    func testWaitUntilStoppedReturnsAfterShutdown() throws {
        let server = try startServer(echoHandler)
        let stopped = Recorder<Bool>()
        let waiter = Thread {
            server.waitUntilStopped()
            stopped.record(true)
        }
        waiter.start()
        XCTAssertNil(stopped.waitForValue(timeout: 0.2), "still running")
        server.shutdown(drainTimeout: .seconds(1))
        XCTAssertEqual(stopped.waitForValue(), [true])
        server.shutdown(drainTimeout: .seconds(1))  // a second call is harmless
        XCTAssertThrowsError(try server.start())
    }

    func testShutdownOfUnstartedServerReturns() {
        let server = HTTPServer(configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0), handler: echoHandler)
        server.shutdown(drainTimeout: .seconds(1))
        XCTAssertEqual(server.port, 0)
        XCTAssertThrowsError(try server.start())
    }

    func testShutdownSignalsCallTheClosure() {
        let received = Recorder<Int32>()
        let signals = ShutdownSignals(signals: [SIGUSR2]) { received.record($0) }
        kill(getpid(), SIGUSR2)
        XCTAssertEqual(received.waitForValue(), [SIGUSR2])
        signals.cancel()
    }
}
