import Foundation
import XCTest
@testable import HTTP

/// Response serialization, helpers, headers and `HTTPStream` framing without a server.
final class ResponseTests: XCTestCase {
    private let plain = ResponseOptions(serverName: "hearth", sendDateHeader: false)

    private func head(
        _ status: HTTPStatus = .ok, _ headers: HTTPHeaders = [:], framing: BodyFraming = .contentLength(0),
        close: Bool = false, version: HTTPVersion = .http1_1, options: ResponseOptions? = nil
    ) -> String {
        String(decoding: ResponseHead.serialize(
            status: status, headers: headers, framing: framing, closeConnection: close,
            requestVersion: version, options: options ?? plain), as: UTF8.self)
    }

    func testHeadSerialization() {
        XCTAssertEqual(head(.ok, ["Content-Type": "application/json"], framing: .contentLength(42)),
                       "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nServer: hearth\r\nContent-Length: 42\r\n\r\n")
        XCTAssertEqual(head(.notFound, framing: .contentLength(0), close: true),
                       "HTTP/1.1 404 Not Found\r\nServer: hearth\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        XCTAssertEqual(head(.ok, framing: .chunked, version: .http1_0),
                       "HTTP/1.1 200 OK\r\nServer: hearth\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n")
        XCTAssertEqual(head(.noContent, framing: .none, options: ResponseOptions(serverName: nil, sendDateHeader: false)),
                       "HTTP/1.1 204 No Content\r\n\r\n")
        XCTAssertEqual(head(HTTPStatus(code: 299), framing: .none, options: ResponseOptions(serverName: nil, sendDateHeader: false)),
                       "HTTP/1.1 299 \r\n\r\n")
    }

    func testServerOwnsFramingHeadersAndAppMayOverrideServerAndDate() {
        let headers: HTTPHeaders = [
            "Content-Length": "999", "Transfer-Encoding": "gzip", "connection": "keep-alive",
            "Server": "custom", "Date": "Thu, 01 Jan 1970 00:00:00 GMT",
        ]
        XCTAssertEqual(head(.ok, headers, framing: .contentLength(3), options: ResponseOptions(serverName: "hearth", sendDateHeader: true)),
                       "HTTP/1.1 200 OK\r\nServer: custom\r\nDate: Thu, 01 Jan 1970 00:00:00 GMT\r\nContent-Length: 3\r\n\r\n")
    }

    func testHeaderInjectionIsNeutralized() {
        let headers: HTTPHeaders = ["X-Model": "evil\r\nSet-Cookie: a=b", "Bad Name": "dropped"]
        XCTAssertEqual(head(.ok, headers, framing: .contentLength(0)),
                       "HTTP/1.1 200 OK\r\nX-Model: evil  Set-Cookie: a=b\r\nServer: hearth\r\nContent-Length: 0\r\n\r\n")
    }

    func testDateHeaderFormat() {
        XCTAssertEqual(HTTPDate.format(secondsSince1970: 784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT")
        XCTAssertEqual(HTTPDate.format(secondsSince1970: 0), "Thu, 01 Jan 1970 00:00:00 GMT")
        let now = head(.ok, framing: .none, options: ResponseOptions(serverName: nil, sendDateHeader: true))
        XCTAssertTrue(now.contains("\r\nDate: ") && now.contains(" GMT\r\n"), now)
    }

    func testJSONAndTextHelpers() throws {
        struct Model: Encodable { var id: String }
        let json = try HTTPResponse.json(Model(id: "m1"), status: .created)
        XCTAssertEqual(json.status.code, 201)
        XCTAssertEqual(String(decoding: json.body, as: UTF8.self), #"{"id":"m1"}"#)
        XCTAssertEqual(HTTPResponse.text("hi").headers["content-type"], "text/plain; charset=utf-8")
        XCTAssertEqual(HTTPResponse.json("[]").body, Array("[]".utf8))
    }

    func testStatusPhrases() {
        XCTAssertEqual(HTTPStatus.requestHeaderFieldsTooLarge.description, "431 Request Header Fields Too Large")
        XCTAssertEqual((413 as HTTPStatus).reasonPhrase, "Content Too Large")
        XCTAssertTrue(HTTPStatus.notModified.forbidsBody)
        XCTAssertFalse(HTTPStatus.ok.forbidsBody)
    }

    func testHeadersLookupIsCaseInsensitiveAndOrdered() {
        var headers: HTTPHeaders = ["Accept": "a", "X-Multi": "1"]
        headers.add(name: "x-multi", value: "2")
        XCTAssertEqual(headers["ACCEPT"], "a")
        XCTAssertEqual(headers.values(for: "X-MULTI"), ["1", "2"])
        XCTAssertTrue(headers.contains("x-Multi"))
        headers["X-Multi"] = "3"
        XCTAssertEqual(headers.fields.map(\.name), ["Accept", "X-Multi"])
        XCTAssertEqual(headers["x-multi"], "3")
        headers["accept"] = nil
        XCTAssertNil(headers["Accept"])
        let connection: HTTPHeaders = ["Connection": "Keep-Alive , Upgrade,,"]
        XCTAssertEqual(connection.tokens(for: "connection"), ["keep-alive", "upgrade"])
        XCTAssertFalse(HTTPHeaders.namesEqual("Host", "Hos"))
        XCTAssertFalse(HTTPHeaders.namesEqual("a-b", "A_B"))
    }

    func testStreamFramingForHeadAndHTTP10() throws {
        let (headStream, headPeer) = try makeStream(version: .http1_1, isHead: true)
        defer { headPeer.close() }
        try headStream.writeHead()
        try headStream.write("dropped")
        try headStream.finish()
        XCTAssertEqual(String(decoding: headPeer.readAvailable(), as: UTF8.self),
                       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "HEAD gets no body, not even the last chunk")

        let (oldStream, oldPeer) = try makeStream(version: .http1_0)
        defer { oldPeer.close() }
        try oldStream.writeHead()
        try oldStream.write("raw")
        try oldStream.finish()
        XCTAssertEqual(oldStream.close(handlerSucceeded: true), .completed(closesConnection: true))
        XCTAssertEqual(String(decoding: oldPeer.readAvailable(), as: UTF8.self),
                       "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nraw")
    }

    func testStreamReportsDisconnectAndStaysFailed() throws {
        let (stream, peer) = try makeStream(version: .http1_1)
        defer { peer.close() }
        try stream.writeHead()
        XCTAssertTrue(stream.isClientConnected)
        peer.closeReader()
        XCTAssertFalse(stream.isClientConnected)
        XCTAssertThrowsError(try stream.write("x")) { XCTAssertEqual($0 as? HTTPStreamError, .clientDisconnected) }
        XCTAssertThrowsError(try stream.finish()) { XCTAssertEqual($0 as? HTTPStreamError, .clientDisconnected) }
        XCTAssertEqual(stream.close(handlerSucceeded: true), .broken)
    }

    func testStreamWriteTimesOutWhenClientStopsReading() throws {
        let (stream, peer) = try makeStream(version: .http1_1, writeTimeout: .milliseconds(200))
        defer { peer.close() }
        try stream.writeHead()
        let block = [UInt8](repeating: 0x61, count: 64 * 1024)
        var failure: HTTPStreamError?
        // The socket buffer fills within a few writes; the bound only keeps a broken build from looping forever.
        for _ in 0..<10_000 {
            do { try stream.write(block) } catch { failure = error; break }
        }
        XCTAssertEqual(failure, .writeTimedOut)
        XCTAssertFalse(stream.isClientConnected, "a timed-out stream is abandoned, so the app should stop too")
        XCTAssertThrowsError(try stream.write("more")) { XCTAssertEqual($0 as? HTTPStreamError, .writeTimedOut) }
    }

    func testStreamClosedAfterHandlerReturns() throws {
        let (stream, peer) = try makeStream(version: .http1_1)
        defer { peer.close() }
        XCTAssertEqual(stream.close(handlerSucceeded: true), .notStarted)
        XCTAssertThrowsError(try stream.writeHead()) { XCTAssertEqual($0 as? HTTPStreamError, .closed) }
        XCTAssertFalse(stream.isClientConnected, "a closed stream never touches the socket again")
    }

    func testRequestTargetSplitting() {
        XCTAssertEqual(HTTPRequest(method: "GET", target: "/a/b?c=d?e").query, "c=d?e")
        XCTAssertEqual(HTTPRequest(method: "GET", target: "/a?").query, "")
        XCTAssertNil(HTTPRequest(method: "GET", target: "/a").query)
        XCTAssertEqual(HTTPRequest(method: "GET", target: "http://h").path, "/")
        XCTAssertEqual(HTTPRequest(method: "GET", target: "https://h:1?x=1").path, "/")
        XCTAssertEqual(HTTPRequest(method: "GET", target: "https://h:1?x=1").query, "x=1")
    }
}
