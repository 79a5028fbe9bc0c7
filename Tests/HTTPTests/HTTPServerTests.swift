import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest
@testable import HTTP
#if canImport(Glibc)
import Glibc
#endif

/// The server over real loopback sockets: keep-alive, bodies, versions, errors and binding.
final class HTTPServerTests: XCTestCase {
    func testKeepAliveServesSeveralRequestsOnOneConnection() throws {
        try withServer(handler: echoHandler) { server in
            XCTAssertNotEqual(server.port, 0)
            let client = try TestClient(port: server.port)
            for index in 0..<5 {
                try client.send("POST /echo?n=\(index) HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello")
                let response = try client.readResponse()
                XCTAssertEqual(response.status, 200)
                XCTAssertEqual(response.text, "POST /echo?n=\(index) hello")
                XCTAssertEqual(response.headers["Content-Length"], "\(response.body.count)")
                XCTAssertEqual(response.headers["Server"], "hearth")
                XCTAssertNotNil(response.headers["Date"])
                XCTAssertNil(response.headers["Connection"])
            }
            XCTAssertEqual(server.openConnections, 1)
            client.close()
            XCTAssertTrue(eventually { server.openConnections == 0 })
        }
    }

    func testPipelinedRequestsAreAnsweredInOrder() throws {
        try withServer(handler: echoHandler) { server in
            let client = try TestClient(port: server.port)
            try client.send("GET /1 HTTP/1.1\r\nHost: t\r\n\r\nGET /2 HTTP/1.1\r\nHost: t\r\n\r\nGET /3 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            XCTAssertEqual(try client.readResponse().text, "GET /1 ")
            XCTAssertEqual(try client.readResponse().text, "GET /2 ")
            let last = try client.readResponse()
            XCTAssertEqual(last.text, "GET /3 ")
            XCTAssertEqual(last.headers["Connection"], "close")
            XCTAssertTrue(client.closesWithoutData())
        }
    }

    func testChunkedRequestBodyIsDecoded() throws {
        let trailers = Recorder<HTTPHeaders>()
        try withServer(handler: { request, _ in
            trailers.record(request.trailers)
            return .response(.text(String(decoding: request.body, as: UTF8.self)))
        }) { server in
            let client = try TestClient(port: server.port)
            try client.send("POST /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
            try client.send("4;ext=1\r\nWiki\r\n")
            try client.send("5\r\npedia\r\n0\r\nX-Sum: 9\r\n\r\n")
            XCTAssertEqual(try client.readResponse().text, "Wikipedia")
            XCTAssertEqual(trailers.all.first?["x-sum"], "9")
        }
    }

    func testExpectContinueIsAnsweredBeforeTheBody() throws {
        try withServer(handler: echoHandler) { server in
            let client = try TestClient(port: server.port)
            try client.send("PUT /up HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n")
            let interim = try client.readResponse()
            XCTAssertEqual(interim.status, 100)
            try client.send("abc")
            XCTAssertEqual(try client.readResponse().text, "PUT /up abc")
        }
    }

    func testHTTP10ClosesUnlessKeepAliveIsAsked() throws {
        try withServer(handler: echoHandler) { server in
            let plain = try TestClient(port: server.port)
            try plain.send("GET /a HTTP/1.0\r\n\r\n")
            let first = try plain.readResponse()
            XCTAssertEqual(first.text, "GET /a ")
            XCTAssertEqual(first.headers["Connection"], "close")
            XCTAssertTrue(plain.closesWithoutData())

            let keepAlive = try TestClient(port: server.port)
            for _ in 0..<2 {
                try keepAlive.send("GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                let response = try keepAlive.readResponse()
                XCTAssertEqual(response.text, "GET /b ")
                XCTAssertEqual(response.headers["Connection"], "keep-alive")
            }
        }
    }

    func testHeadResponseHasLengthButNoBody() throws {
        try withServer(handler: { _, _ in .response(.text("twelve bytes")) }) { server in
            let client = try TestClient(port: server.port)
            try client.send("HEAD / HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\r\n")
            let head = try client.readResponse(bodyless: true)
            XCTAssertEqual(head.headers["Content-Length"], "12")
            // The next response starts right away, proving HEAD sent no body bytes.
            XCTAssertEqual(try client.readResponse().text, "twelve bytes")
        }
    }

    func testNoContentResponseHasNoLengthOrBody() throws {
        try withServer(handler: { _, _ in .response(HTTPResponse(status: .noContent, body: Array("ignored".utf8))) }) { server in
            let client = try TestClient(port: server.port)
            try client.send("DELETE /x HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\r\n")
            let first = try client.readResponse()
            XCTAssertEqual(first.status, 204)
            XCTAssertNil(first.headers["Content-Length"])
            XCTAssertEqual(try client.readResponse().status, 204)
        }
    }

    func testRequestCarriesRemoteAddressAndHeaders() throws {
        let seen = Recorder<HTTPRequest>()
        try withServer(handler: { request, _ in
            seen.record(request)
            return .response(.text("ok"))
        }) { server in
            let client = try TestClient(port: server.port)
            try client.send("GET /p?q=1 HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer k\r\n\r\n")
            _ = try client.readResponse()
            let request = try XCTUnwrap(seen.all.first)
            XCTAssertEqual(request.headers["authorization"], "Bearer k")
            XCTAssertEqual(request.path, "/p")
            XCTAssertEqual(request.query, "q=1")
            XCTAssertTrue(request.remoteAddress?.hasPrefix("127.0.0.1:") ?? false, "\(String(describing: request.remoteAddress))")
        }
    }

    func testThrowingHandlerGets500() throws {
        struct Boom: Error {}
        try withServer(handler: { _, _ in throw Boom() }) { server in
            let client = try TestClient(port: server.port)
            try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = try client.readResponse()
            XCTAssertEqual(response.status, 500)
            // HTTP's own error bodies are plain text; the OpenAI server installs its JSON responder.
            XCTAssertEqual(response.headers["Content-Type"], "text/plain; charset=utf-8")
            XCTAssertFalse(response.body.isEmpty)
            // A handler error is the app's problem, not the connection's: it stays usable.
            try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            XCTAssertEqual(try client.readResponse().status, 500)
        }
    }

    func testHandlerClaimingToStreamWithoutWritingGets500() throws {
        try withServer(handler: { _, _ in .streamed }) { server in
            let client = try TestClient(port: server.port)
            try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            XCTAssertEqual(try client.readResponse().status, 500)
        }
    }

    func testIPv6Loopback() throws {
        let seen = Recorder<String>()
        try withServer(host: "::1", handler: { request, _ in
            seen.record(request.remoteAddress ?? "")
            return .response(.text("v6"))
        }) { server in
            let client = try TestClient(host: "::1", port: server.port)
            try client.send("GET / HTTP/1.1\r\nHost: [::1]\r\n\r\n")
            XCTAssertEqual(try client.readResponse().text, "v6")
            XCTAssertTrue(seen.all.first?.hasPrefix("[::1]:") ?? false, "\(seen.all)")
        }
    }

    func testWildcardIPv6IsDualStack() throws {
        let seen = Recorder<String>()
        try withServer(host: "::", handler: { request, _ in
            seen.record(request.remoteAddress ?? "")
            return .response(.text("any"))
        }) { server in
            for host in ["127.0.0.1", "::1"] {
                let client = try TestClient(host: host, port: server.port)
                try client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
                XCTAssertEqual(try client.readResponse().text, "any")
            }
            // IPv4 peers of a dual-stack socket show as IPv4, not as ::ffff:127.0.0.1.
            XCTAssertTrue(seen.all.first?.hasPrefix("127.0.0.1:") ?? false, "\(seen.all)")
        }
    }

    func testLocalhostAndAnyIPv4Bind() throws {
        for host in ["localhost", "0.0.0.0"] {
            try withServer(host: host, handler: echoHandler) { server in
                let client = try TestClient(host: "127.0.0.1", port: server.port)
                try client.send("GET /\(host) HTTP/1.1\r\nHost: h\r\n\r\n")
                XCTAssertEqual(try client.readResponse().text, "GET /\(host) ")
            }
        }
    }

    func testStartFailsWithClearErrorWhenAddressInUse() throws {
        try withServer(handler: echoHandler) { server in
            let second = HTTPServer(configuration: HTTPServerConfiguration(host: "127.0.0.1", port: server.port), handler: echoHandler)
            XCTAssertThrowsError(try second.start()) { error in
                XCTAssertEqual(error as? HTTPServerError, .bind(host: "127.0.0.1", port: server.port, errno: EADDRINUSE))
                let text = "\(error)"
                XCTAssertTrue(text.contains("127.0.0.1:\(server.port)"), text)
                XCTAssertTrue(text.contains(Posix.describe(errno: EADDRINUSE)), text)
            }
            XCTAssertThrowsError(try server.start(), "a server starts once") { error in
                XCTAssertEqual(error as? HTTPServerError, .notStartable)
            }
        }
    }

    func testUnresolvableHostIsReported() {
        let server = HTTPServer(configuration: HTTPServerConfiguration(host: "no-such-host.invalid", port: 0), handler: echoHandler)
        XCTAssertThrowsError(try server.start()) { error in
            guard case .addressResolution(let host, _, _)? = error as? HTTPServerError else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(host, "no-such-host.invalid")
        }
    }

    func testCustomErrorResponderShapesProtocolErrors() throws {
        try withServer(configure: { configuration in
            configuration.errorResponder = { status, message in
                HTTPResponse(status: status, headers: ["Content-Type": "text/x-custom"], body: Array("custom \(status.code): \(message)".utf8))
            }
            configuration.serverName = nil
            configuration.sendDateHeader = false
        }, handler: echoHandler) { server in
            let client = try TestClient(port: server.port)
            try client.send("NOT HTTP AT ALL\r\n\r\n")
            let response = try client.readResponse()
            XCTAssertEqual(response.status, 400)
            XCTAssertEqual(response.headers["Content-Type"], "text/x-custom")
            XCTAssertTrue(response.text.hasPrefix("custom 400: "), response.text)
            XCTAssertNil(response.headers["Server"])
            XCTAssertNil(response.headers["Date"])
            XCTAssertEqual(response.headers["Connection"], "close")
        }
    }

    func testURLSessionRoundTrip() async throws {
        let server = HTTPServer(configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0)) { request, _ in
            .response(try .json(["method": request.method, "body": String(decoding: request.body, as: UTF8.self)]))
        }
        try server.start()
        var request = URLRequest(url: try XCTUnwrap(URL(string: "http://127.0.0.1:\(server.port)/v1/x")))
        request.httpMethod = "POST"
        request.httpBody = Data(#"{"a":1}"#.utf8)
        let (data, response) = try await URLSession.shared.data(for: request)
        XCTAssertEqual((response as? HTTPURLResponse)?.statusCode, 200)
        let json = try JSONDecoder().decode([String: String].self, from: data)
        XCTAssertEqual(json, ["method": "POST", "body": #"{"a":1}"#])
        await server.shutdown(drainTimeout: .seconds(2))
    }
}
