import Foundation
import XCTest
@testable import HTTP
#if canImport(Glibc)
import Glibc
#endif

/// Bounds and timeouts over loopback, with limits shortened so each test takes well under a few seconds.
final class ServerLimitsTests: XCTestCase {
    /// Asserts a protocol error from the default responder: the status, a closed connection, a plain-text message.
    private func assertErrorResponse(_ response: TestResponse, status: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(response.status, status, file: file, line: line)
        XCTAssertEqual(response.headers["Connection"], "close", file: file, line: line)
        XCTAssertEqual(response.headers["Content-Type"], "text/plain; charset=utf-8", file: file, line: line)
        XCTAssertFalse(String(decoding: response.body, as: UTF8.self).trimmingCharacters(in: .whitespaces).isEmpty, file: file, line: line)
    }

    func testMalformedRequestGets400AndClose() throws {
        try withServer(handler: echoHandler) { server in
            let client = try TestClient(port: server.port)
            try client.send("GET / HTTP/1.1\r\nHost: t\r\nBad Header: x\r\n\r\n")
            try assertErrorResponse(try client.readResponse(), status: 400)
            XCTAssertTrue(client.closesWithoutData())
        }
    }

    func testOversizeHeadersGet431AndClose() throws {
        try withServer(configure: { $0.maxHeaderBytes = 1024 }, handler: echoHandler) { server in
            let client = try TestClient(port: server.port)
            try client.send("GET / HTTP/1.1\r\nHost: t\r\nX-Pad: \(String(repeating: "x", count: 2000))\r\n\r\n")
            try assertErrorResponse(try client.readResponse(), status: 431)
            XCTAssertTrue(client.closesWithoutData())
        }
    }

    func testOversizeBodyGets413AndClose() throws {
        try withServer(configure: { $0.maxBodyBytes = 100 }, handler: echoHandler) { server in
            // Refused from the head: the client need not send the body at all.
            let polite = try TestClient(port: server.port)
            try polite.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 101\r\n\r\n")
            try assertErrorResponse(try polite.readResponse(), status: 413)
            XCTAssertTrue(polite.closesWithoutData())

            // A client that sends the whole body anyway still reads the 413 (lingering close, no reset).
            let eager = try TestClient(port: server.port)
            try eager.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 200000\r\n\r\n" + String(repeating: "b", count: 200_000))
            try assertErrorResponse(try eager.readResponse(), status: 413)

            let chunked = try TestClient(port: server.port)
            try chunked.send("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n\(String(repeating: "c", count: 64))\r\n40\r\n")
            try assertErrorResponse(try chunked.readResponse(), status: 413)

            let fits = try TestClient(port: server.port)
            try fits.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n" + String(repeating: "d", count: 100))
            XCTAssertEqual(try fits.readResponse().status, 200)
        }
    }

    func testUnsupportedTransferEncodingGets501() throws {
        try withServer(handler: echoHandler) { server in
            let client = try TestClient(port: server.port)
            try client.send("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")
            try assertErrorResponse(try client.readResponse(), status: 501)
        }
    }

    func testConflictingFramingGets400() throws {
        try withServer(handler: echoHandler) { server in
            let client = try TestClient(port: server.port)
            try client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
            try assertErrorResponse(try client.readResponse(), status: 400)
            XCTAssertTrue(client.closesWithoutData())
        }
    }

    func testConnectionCapAnswers503() throws {
        try withServer(configure: { $0.maxConnections = 2 }, handler: echoHandler) { server in
            var held: [TestClient] = []
            for _ in 0..<2 {
                let client = try TestClient(port: server.port)
                try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                XCTAssertEqual(try client.readResponse().status, 200)
                held.append(client)
            }
            XCTAssertEqual(server.openConnections, 2)

            let refused = try TestClient(port: server.port)
            try refused.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            try assertErrorResponse(try refused.readResponse(), status: 503)
            XCTAssertTrue(refused.closesWithoutData())
            XCTAssertEqual(server.openConnections, 2, "refused connections are not counted")

            held[0].close()
            XCTAssertTrue(eventually { server.openConnections == 1 })
            let admitted = try TestClient(port: server.port)
            try admitted.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            XCTAssertEqual(try admitted.readResponse().status, 200)
        }
    }

    func testHeaderTimeoutGets408() throws {
        try withServer(configure: { $0.headerTimeout = .milliseconds(300) }, handler: echoHandler) { server in
            let client = try TestClient(port: server.port)
            try client.send("GET / HTTP/1.1\r\nHo")
            try assertErrorResponse(try client.readResponse(), status: 408)
            XCTAssertTrue(client.closesWithoutData())
        }
    }

    func testBodyTimeoutGets408() throws {
        try withServer(configure: { $0.bodyTimeout = .milliseconds(300) }, handler: echoHandler) { server in
            let client = try TestClient(port: server.port)
            try client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nab")
            try assertErrorResponse(try client.readResponse(), status: 408)
        }
    }

    func testSilentConnectionIsClosedAfterHeaderTimeout() throws {
        try withServer(configure: { $0.headerTimeout = .milliseconds(300) }, handler: echoHandler) { server in
            let client = try TestClient(port: server.port)
            XCTAssertTrue(client.closesWithoutData(), "a connection that never sends is dropped without a response")
            XCTAssertTrue(eventually { server.openConnections == 0 })
        }
    }

    func testIdleKeepAliveConnectionIsClosedSilently() throws {
        try withServer(configure: { $0.idleTimeout = .milliseconds(300) }, handler: echoHandler) { server in
            let client = try TestClient(port: server.port)
            try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            XCTAssertEqual(try client.readResponse().status, 200)
            XCTAssertTrue(client.closesWithoutData())
        }
    }

    func testTricklingClientsDoNotBlockNormalRequests() throws {
        try withServer(configure: { configuration in
            configuration.headerTimeout = .milliseconds(1500)
            // Tricklers keep sending after their 408; a long linger keeps their sockets readable until the test reads it.
            configuration.lingerTimeout = .seconds(10)
        }, handler: echoHandler) { server in
            let tricklers = try (0..<50).map { _ in try TestClient(port: server.port) }
            let fds = tricklers.map(\.fd)
            let request = Array("GET /slow HTTP/1.1\r\nHost: t\r\nX-Padding: make it long enough\r\n\r\n".utf8)
            let stop = Recorder<Bool>()
            let trickle = Thread {
                // One byte per connection every 100 ms: never a complete head before the timeout.
                for byte in request where stop.all.isEmpty {
                    var value = byte
                    for fd in fds { _ = send(fd, &value, 1, Int32(MSG_NOSIGNAL)) }
                    usleep(100_000)
                }
            }
            trickle.start()

            for index in 0..<20 {
                let client = try TestClient(port: server.port)
                try client.send("GET /fast/\(index) HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                XCTAssertEqual(try client.readResponse().text, "GET /fast/\(index) ")
            }
            stop.record(true)

            for client in tricklers {
                try assertErrorResponse(try client.readResponse(), status: 408)
            }
        }
    }

    func testReservedPathsAreAnsweredAtTheConnectionCap() throws {
        try withServer(configure: {
            $0.maxConnections = 2
            $0.reservedPaths = ["/health"]
            $0.reservedConnections = 1
        }, handler: echoHandler) { server in
            // Two clients hold every regular slot without sending anything (slowloris).
            let held = try (0..<2).map { _ in try TestClient(port: server.port) }
            XCTAssertTrue(eventually { server.openConnections == 2 })

            let probe = try TestClient(port: server.port)
            try probe.send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
            let health = try probe.readResponse()
            XCTAssertEqual(health.status, 200)
            XCTAssertEqual(health.headers["Connection"], "close", "a reserve connection serves one request")
            XCTAssertTrue(probe.closesWithoutData())

            let other = try TestClient(port: server.port)
            try other.send("POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\n{}")
            try assertErrorResponse(try other.readResponse(), status: 503)
            XCTAssertTrue(eventually { server.openConnections == 2 }, "reserve slots are released")
            withExtendedLifetime(held) {}
        }
    }

    func testPerClientConnectionCap() throws {
        try withServer(configure: { $0.maxConnectionsPerClient = 2 }, handler: echoHandler) { server in
            let held = try (0..<2).map { _ in try TestClient(port: server.port) }
            for client in held {
                try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                XCTAssertEqual(try client.readResponse().status, 200)
            }
            XCTAssertEqual(server.openConnections, 2)
            let third = try TestClient(port: server.port)
            try third.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            let refused = try third.readResponse()
            try assertErrorResponse(refused, status: 503)
            XCTAssertTrue(String(decoding: refused.body, as: UTF8.self).contains("Too many connections from this address"))
            held[0].close()
            // Once the server has seen the close, the address has a free slot again.
            XCTAssertTrue(eventually {
                guard let again = try? TestClient(port: server.port) else { return false }
                try? again.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                return (try? again.readResponse().status) == 200
            })
            withExtendedLifetime(held) {}
        }
    }

    func testHeadFilterRefusesBeforeTheBodyIsRead() throws {
        let handled = Recorder<String>()
        try withServer(configure: {
            $0.bodyTimeout = .seconds(30)
            $0.headFilter = { request in request.headers["X-Key"] == "ok" ? nil : .text("no", status: .unauthorized) }
        }, handler: { request, _ in
            handled.record(request.path)
            return .response(.text("yes"))
        }) { server in
            let client = try TestClient(port: server.port)
            try client.send("POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n")
            let start = Date()
            XCTAssertEqual(try client.readResponse().status, 401)
            XCTAssertLessThan(Date().timeIntervalSince(start), 2, "no wait for the 100000-byte body")
            let allowed = try TestClient(port: server.port)
            try allowed.send("POST /b HTTP/1.1\r\nHost: t\r\nX-Key: ok\r\nContent-Length: 2\r\n\r\nhi")
            XCTAssertEqual(try allowed.readResponse().status, 200)
            let bodiless = try TestClient(port: server.port)
            try bodiless.send("GET /c HTTP/1.1\r\nHost: t\r\n\r\n")
            XCTAssertEqual(try bodiless.readResponse().status, 401, "requests without a body are filtered too")
            XCTAssertEqual(handled.all, ["/b"])
        }
    }

    func testDrainDeadlineLetsHandlersEndTheirResponses() throws {
        let configuration = HTTPServerConfiguration(host: "127.0.0.1", port: 0)
        let server = HTTPServer(configuration: configuration, handler: { _, stream in
            try stream.writeHead()
            while !stream.isServerCuttingOff { try stream.write("tick\n"); usleep(20_000) }
            try stream.write("cut off\n")
            return .streamed
        })
        try server.start()
        let client = try TestClient(port: server.port)
        try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        _ = try client.readHead()
        let started = Date()
        server.shutdown(drainTimeout: .milliseconds(200))
        XCTAssertLessThan(Date().timeIntervalSince(started), 1.2, "the handler ended within the grace period")
        let body = String(decoding: try client.readToEnd(), as: UTF8.self)
        XCTAssertTrue(body.contains("cut off"), body)
        XCTAssertTrue(body.hasSuffix("0\r\n\r\n"), "the response was finished, not cut: \(body.suffix(40))")
    }
}
