import Foundation
import XCTest
@testable import HTTP
#if canImport(Glibc)
import Glibc
#endif

/// Streamed (chunked) responses, SSE on the wire, and noticing clients that go away.
final class StreamingTests: XCTestCase {
    /// A handler streaming three SSE events and the [DONE] terminator.
    private let sseHandler: HTTPHandler = { _, stream in
        try stream.writeHead(status: .ok, headers: ServerSentEvents.headers)
        try stream.write(ServerSentEvents.format(data: #"{"n":1}"#))
        try stream.write(ServerSentEvents.format(data: "two\nlines"))
        try stream.write(SSEEvent(data: "x", event: "note").bytes)
        try stream.write(ServerSentEvents.done)
        try stream.finish()
        return .streamed
    }

    func testStreamedSSEWireBytesThroughChunkedEncoding() throws {
        try withServer(configure: { $0.sendDateHeader = false }, handler: sseHandler) { server in
            let client = try TestClient(port: server.port)
            try client.send("POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\n\r\n")
            let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-cache\r\n"
                + "X-Accel-Buffering: no\r\nServer: hearth\r\nTransfer-Encoding: chunked\r\n\r\n"
            let body = "f\r\ndata: {\"n\":1}\n\n\r\n"
                + "17\r\ndata: two\ndata: lines\n\n\r\n"
                + "15\r\nevent: note\ndata: x\n\n\r\n"
                + "e\r\ndata: [DONE]\n\n\r\n"
                + "0\r\n\r\n"
            let expected = Array((head + body).utf8)
            XCTAssertEqual(String(decoding: try client.readRaw(expected.count), as: UTF8.self), head + body)
            // Keep-alive survives a streamed response.
            try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            let again = try client.readResponse()
            XCTAssertEqual(again.status, 200)
            XCTAssertTrue(again.text.hasSuffix("data: [DONE]\n\n"))
        }
    }

    func testStreamToHTTP10ClientIsCloseDelimited() throws {
        try withServer(handler: sseHandler) { server in
            let client = try TestClient(port: server.port)
            try client.send("GET /stream HTTP/1.0\r\n\r\n")
            let response = try client.readResponse()
            XCTAssertNil(response.headers["Transfer-Encoding"])
            XCTAssertEqual(response.headers["Connection"], "close")
            XCTAssertEqual(response.text, "data: {\"n\":1}\n\ndata: two\ndata: lines\n\nevent: note\ndata: x\n\ndata: [DONE]\n\n")
        }
    }

    func testHandlerReturningWithoutFinishIsFinishedForIt() throws {
        try withServer(handler: { _, stream in
            try stream.writeHead()
            try stream.write("partial")
            return .streamed
        }) { server in
            let client = try TestClient(port: server.port)
            try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            XCTAssertEqual(try client.readResponse().text, "partial")
        }
    }

    func testHandlerThrowingMidStreamAbortsTheResponse() throws {
        struct Failure: Error {}
        try withServer(handler: { _, stream in
            try stream.writeHead()
            try stream.write("half")
            throw Failure()
        }) { server in
            let client = try TestClient(port: server.port)
            try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            _ = try client.readHead()
            XCTAssertEqual(try client.readChunk(), Array("half".utf8))
            // No terminating chunk: the client can tell the stream was cut short.
            XCTAssertThrowsError(try client.readChunk())
        }
    }

    func testStreamMisuseIsReported() throws {
        let errors = Recorder<HTTPStreamError>()
        try withServer(handler: { _, stream in
            do { try stream.write("early") } catch let error as HTTPStreamError { errors.record(error) }
            try stream.writeHead()
            do { try stream.writeHead() } catch let error as HTTPStreamError { errors.record(error) }
            try stream.finish()
            do { try stream.write("late") } catch let error as HTTPStreamError { errors.record(error) }
            return .streamed
        }) { server in
            let client = try TestClient(port: server.port)
            try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            XCTAssertEqual(try client.readResponse().body, [])
            // The handler's last check runs after the client may already have the response.
            XCTAssertTrue(eventually { errors.all.count == 3 })
            XCTAssertEqual(errors.all, [.headNotWritten, .headAlreadyWritten, .closed])
        }
    }

    func testClientDisconnectMidStreamMakesWriteFailPromptly() throws {
        let outcome = Recorder<HTTPStreamError>()
        try withServer(handler: { _, stream in
            try stream.writeHead(headers: ServerSentEvents.headers)
            do {
                // Bounded so a broken implementation fails the test instead of streaming forever.
                for index in 0..<2000 {
                    try stream.write(ServerSentEvents.format(data: "token \(index)"))
                    usleep(5_000)
                }
            } catch let error as HTTPStreamError {
                outcome.record(error)
                throw error
            }
            outcome.record(.closed)
            return .streamed
        }) { server in
            let client = try TestClient(port: server.port)
            try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            _ = try client.readHead()
            _ = try client.readChunk()
            client.close()
            XCTAssertEqual(outcome.waitForValue(timeout: 5), [.clientDisconnected])
            XCTAssertTrue(eventually { server.openConnections == 0 })
        }
    }

    func testIsClientConnectedNoticesAClosedClientBeforeTheResponse() throws {
        let observations = Recorder<Bool>()
        try withServer(handler: { _, stream in
            observations.record(stream.isClientConnected)
            // Waits as an app would while generation is queued, polling for the client leaving. The FIN alone could
            // be a half-close; the server's 100 Continue probe draws the closed socket's reset.
            for _ in 0..<500 where stream.isClientConnected {
                usleep(10_000)
            }
            observations.record(stream.isClientConnected)
            return .response(.text("too late"))
        }) { server in
            let client = try TestClient(port: server.port)
            try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            XCTAssertEqual(observations.waitForValue(), [true])
            client.close()
            XCTAssertEqual(observations.waitForValue(timeout: 2), [true, false])
        }
    }

    func testHalfClosedClientStaysConnectedAndGetsTheResponse() throws {
        let observations = Recorder<Bool>()
        try withServer(handler: { _, stream in
            var connected = true
            for _ in 0..<30 { connected = connected && stream.isClientConnected; usleep(10_000) }
            observations.record(connected)
            return .response(.text("answer"))
        }) { server in
            let client = try TestClient(port: server.port)
            try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            client.shutdownWrite()
            let response = try client.readResponse(skipInterim: true)
            XCTAssertEqual(response.status, 200, "the 100 Continue probe is skipped like any interim response")
            XCTAssertEqual(String(decoding: response.body, as: UTF8.self), "answer")
            XCTAssertEqual(observations.waitForValue(), [true])
        }
    }

    func testStreamNoticesAClosedClientAtItsNextWrite() throws {
        let observations = Recorder<Bool>()
        try withServer(handler: { _, stream in
            try stream.writeHead()
            observations.record(stream.isClientConnected)
            for _ in 0..<500 where stream.isClientConnected {
                try? stream.write("x")
                usleep(10_000)
            }
            observations.record(stream.isClientConnected)
            return .streamed
        }) { server in
            let client = try TestClient(port: server.port)
            try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            _ = try client.readHead()
            XCTAssertEqual(observations.waitForValue(), [true])
            client.close()
            XCTAssertEqual(observations.waitForValue(timeout: 2), [true, false])
        }
    }

    func testIsClientConnectedSeesReset() throws {
        let observations = Recorder<Bool>()
        try withServer(handler: { _, stream in
            observations.record(stream.isClientConnected)
            for _ in 0..<500 where stream.isClientConnected {
                usleep(10_000)
            }
            observations.record(stream.isClientConnected)
            return .response(.text("too late"))
        }) { server in
            let client = try TestClient(port: server.port)
            try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            XCTAssertEqual(observations.waitForValue(), [true])
            client.reset()
            XCTAssertEqual(observations.waitForValue(), [true, false])
        }
    }

    func testStreamCanBeFedFromAnotherThread() throws {
        try withServer(handler: { _, stream in
            try stream.writeHead(headers: ServerSentEvents.headers)
            let done = DispatchSemaphore(value: 0)
            let producer = Thread {
                for index in 0..<3 { try? stream.write(ServerSentEvents.format(data: "\(index)")) }
                try? stream.write(ServerSentEvents.done)
                done.signal()
            }
            producer.start()
            done.wait()
            try stream.finish()
            return .streamed
        }) { server in
            let client = try TestClient(port: server.port)
            try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            XCTAssertEqual(try client.readResponse().text, "data: 0\n\ndata: 1\n\ndata: 2\n\ndata: [DONE]\n\n")
        }
    }

    func testWaitWakesForAnFdAndForTheClientLeavingNotOnATimer() throws {
        let woke = Recorder<Double>()
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        defer { _ = Glibc.close(fds[0]); _ = Glibc.close(fds[1]) }
        let (readFD, writeFD) = (fds[0], fds[1])
        try withServer(handler: { _, stream in
            // Woken by the fd another thread makes readable.
            var start = Date()
            stream.wait(readable: [readFD], timeout: nil)
            woke.record(Date().timeIntervalSince(start))
            var byte: UInt8 = 0
            _ = read(readFD, &byte, 1)
            // Then, with nothing to wake it but the socket, by the client leaving.
            start = Date()
            while stream.isClientConnected { stream.wait(readable: [readFD], timeout: nil) }
            woke.record(Date().timeIntervalSince(start))
            return .response(.text("late"))
        }) { server in
            let client = try TestClient(port: server.port)
            try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            usleep(200_000)
            var byte: UInt8 = 1
            _ = write(writeFD, &byte, 1)
            let first = try XCTUnwrap(woke.waitForValue()?.first)
            XCTAssertGreaterThan(first, 0.15, "it slept until the fd was written")
            XCTAssertLessThan(first, 1.0)
            usleep(300_000)
            client.close()
            let all = try XCTUnwrap(woke.waitForValue(timeout: 5))
            XCTAssertEqual(all.count, 2)
            XCTAssertGreaterThan(all[1], 0.25, "it slept until the client left")
            XCTAssertLessThan(all[1], 2.0)
        }
    }
}
