import XCTest
@testable import HTTP

/// Byte fixtures fed to the parser in every possible chunking (see `assertEverySplit`).
final class HTTPRequestParserTests: XCTestCase {
    // MARK: Well-formed requests

    func testGetWithQueryKeepsHeaderOrderAndCase() {
        let bytes = fixture("GET /v1/models?limit=2&x=%20y HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: test\r\nX-Dup: 1\r\nx-dup: 2\r\n\r\n")
        assertEverySplit(bytes, [request("GET", "/v1/models?limit=2&x=%20y", headers: [
            ("Host", "localhost:8080"), ("User-Agent", "test"), ("X-Dup", "1"), ("x-dup", "2"),
        ])])
        guard case .request(let parsed)? = parse([bytes[...]], limits: .init()).first else { return XCTFail("no request") }
        XCTAssertEqual(parsed.path, "/v1/models")
        XCTAssertEqual(parsed.query, "limit=2&x=%20y")
        XCTAssertEqual(parsed.headers["user-agent"], "test")
        XCTAssertEqual(parsed.headers["X-DUP"], "1")
        XCTAssertEqual(parsed.headers.values(for: "x-dup"), ["1", "2"])
        XCTAssertTrue(parsed.keepAlive)
    }

    func testContentLengthBody() {
        let body = #"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#
        let bytes = fixture("POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        assertEverySplit(bytes, [request("POST", "/v1/chat/completions", headers: [
            ("Host", "a"), ("Content-Type", "application/json"), ("Content-Length", "\(body.utf8.count)"),
        ], body: body)])
    }

    func testLargerBinaryBodySurvivesEveryChunking() {
        let body = (0..<1500).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let bytes = fixture("PUT /blob HTTP/1.1\r\nHost: a\r\nContent-Length: 1500\r\n\r\n") + body
        guard case .request(var expected) = request("PUT", "/blob", headers: [("Host", "a"), ("Content-Length", "1500")]) else {
            return XCTFail("fixture")
        }
        expected.body = body
        assertEverySplit(bytes, [.request(expected)])
    }

    func testPipelinedRequests() {
        let bytes = fixture(
            "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
                + "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nxyz"
                + "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"
                + "GET /d HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        assertEverySplit(bytes, [
            request("GET", "/a", headers: [("Host", "h")]),
            request("POST", "/b", headers: [("Host", "h"), ("Content-Length", "3")], body: "xyz"),
            request("POST", "/c", headers: [("Host", "h"), ("Transfer-Encoding", "chunked")], body: "ok"),
            request("GET", "/d", headers: [("Host", "h"), ("Connection", "close")]),
        ])
    }

    func testChunkedBodyWithExtensionsAndTrailers() {
        let bytes = fixture(
            "POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;name=value\r\nhello\r\n"
                + "6 ; quoted=\"a \\\"b\\\" c\" ; flag\r\n world\r\n"
                + "000A\r\n0123456789\r\n"
                + "0;last\r\nX-Checksum: abc\r\nX-Count: 3\r\n\r\n")
        assertEverySplit(bytes, [request(
            "POST", "/upload", headers: [("Host", "h"), ("Transfer-Encoding", "chunked")],
            body: "hello world0123456789", trailers: [("X-Checksum", "abc"), ("X-Count", "3")])])
    }

    func testEmptyChunkedBody() {
        let bytes = fixture("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n")
        assertEverySplit(bytes, [request("POST", "/", headers: [("Host", "h"), ("Transfer-Encoding", "Chunked")])])
    }

    func testRepeatedIdenticalContentLengthIsAccepted() {
        let bytes = fixture("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nab")
        assertEverySplit(bytes, [request("POST", "/", headers: [
            ("Host", "h"), ("Content-Length", "2, 2"), ("Content-Length", "2"),
        ], body: "ab")])
    }

    func testLeadingEmptyLinesBareLFAndOWSAreTolerated() {
        // RFC 9112 §2.2: empty lines before a request may be ignored, and a bare LF may end a line.
        let bytes = fixture("\r\n\n\r\nGET /x HTTP/1.1\nHost:h\nX-Pad: \t padded value \t\n\n")
        assertEverySplit(bytes, [request("GET", "/x", headers: [("Host", "h"), ("X-Pad", "padded value")])])
    }

    func testHTTP10WithoutHostAndKeepAliveRules() {
        let bytes = fixture("GET /old HTTP/1.0\r\n\r\nGET /old2 HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
        assertEverySplit(bytes, [
            request("GET", "/old", version: .http1_0, headers: []),
            request("GET", "/old2", version: .http1_0, headers: [("Connection", "Keep-Alive")]),
        ])
        let events = parse([bytes[...]], limits: .init())
        guard case .request(let first) = events[0], case .request(let second) = events[1] else { return XCTFail() }
        XCTAssertFalse(first.keepAlive)
        XCTAssertTrue(second.keepAlive)
    }

    func testAbsoluteFormAndAsteriskTargets() {
        let bytes = fixture("GET http://example.com:80/p/q?z=1 HTTP/1.1\r\nHost: example.com\r\n\r\nOPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n")
        let events = parse([bytes[...]], limits: .init())
        XCTAssertEqual(events.count, 2)
        guard case .request(let absolute) = events[0], case .request(let asterisk) = events[1] else { return XCTFail() }
        XCTAssertEqual(absolute.path, "/p/q")
        XCTAssertEqual(absolute.query, "z=1")
        XCTAssertEqual(asterisk.path, "*")
        XCTAssertNil(asterisk.query)
        assertEverySplit(bytes, events)
    }

    func testObsTextInHeaderValueIsKept() {
        let bytes = fixture("GET / HTTP/1.1\r\nHost: h\r\nX-Name: caf\u{e9}\r\n\r\n")
        assertEverySplit(bytes, [request("GET", "/", headers: [("Host", "h"), ("X-Name", "caf\u{e9}")])])
    }

    // MARK: Malformed requests

    func testHeaderFoldingIsRejected() {
        assertEverySplit(fixture("GET / HTTP/1.1\r\nHost: h\r\nX-Long: part one\r\n part two\r\n\r\n"), [.error(400)])
        assertEverySplit(fixture("GET / HTTP/1.1\r\n\tHost: h\r\n\r\n"), [.error(400)])
    }

    func testMalformedRequestLines() {
        let cases = [
            "GET  / HTTP/1.1\r\nHost: h\r\n\r\n",       // double space
            "GET / HTTP/1.1 \r\nHost: h\r\n\r\n",       // trailing space
            "GET /\r\nHost: h\r\n\r\n",                 // HTTP/0.9 style
            "G(T / HTTP/1.1\r\nHost: h\r\n\r\n",        // non-token method
            "GET / http/1.1\r\nHost: h\r\n\r\n",        // lowercase version
            "GET / HTTP/1.10\r\nHost: h\r\n\r\n",       // multi-digit version
            "GET /a#frag HTTP/1.1\r\nHost: h\r\n\r\n",  // fragment
            "GET a/b HTTP/1.1\r\nHost: h\r\n\r\n",      // no leading slash
            "GET * HTTP/1.1\r\nHost: h\r\n\r\n",        // asterisk outside OPTIONS
            "GET /\u{1}x HTTP/1.1\r\nHost: h\r\n\r\n",  // control character in target
            "GET /\r HTTP/1.1\r\nHost: h\r\n\r\n",      // bare CR
        ]
        for text in cases {
            assertEverySplit(fixture(text), [.error(400)])
        }
    }

    func testUnsupportedVersionIs505() {
        assertEverySplit(fixture("GET / HTTP/2.0\r\nHost: h\r\n\r\n"), [.error(505)])
    }

    func testMalformedHeaderLines() {
        let cases = [
            "GET / HTTP/1.1\r\nHost : h\r\n\r\n",           // whitespace before colon
            "GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n", // no colon
            "GET / HTTP/1.1\r\nHost: h\r\n: empty\r\n\r\n", // empty name
            "GET / HTTP/1.1\r\nHost: h\r\nX: a\u{0}b\r\n\r\n", // NUL in value
            "GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n", // bare CR in value
            "GET / HTTP/1.1\r\nHo(st: h\r\n\r\n",           // non-token name
            "GET / HTTP/1.1\r\n\r\n",                       // HTTP/1.1 without Host
            "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", // two Hosts
        ]
        for text in cases {
            assertEverySplit(fixture(text), [.error(400)])
        }
    }

    func testContentLengthAndTransferEncodingTogetherIs400() {
        assertEverySplit(fixture("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), [.error(400)])
        assertEverySplit(fixture("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n"), [.error(400)])
    }

    func testTransferEncodingRules() {
        assertEverySplit(fixture("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"), [.error(501)])
        assertEverySplit(fixture("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n"), [.error(501)])
        assertEverySplit(fixture("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"), [.error(400)])
        assertEverySplit(fixture("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: \r\n\r\n"), [.error(400)])
        assertEverySplit(fixture("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), [.error(400)])
    }

    func testInvalidContentLength() {
        for value in ["abc", "-1", "+5", "5 5", "1,2", "0x10", ""] {
            assertEverySplit(fixture("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: \(value)\r\n\r\n"), [.error(400)])
        }
        assertEverySplit(fixture("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"), [.error(400)])
    }

    func testBadChunkSizes() {
        let head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        let bodies = [
            "zz\r\nhello\r\n0\r\n\r\n",                  // not hex
            "-5\r\nhello\r\n0\r\n\r\n",                  // sign
            " 5\r\nhello\r\n0\r\n\r\n",                  // leading space
            "\r\nhello\r\n0\r\n\r\n",                    // empty size
            "5\nhello\r\n0\r\n\r\n",                     // bare LF after size
            "5;\r\nhello\r\n0\r\n\r\n",                  // extension without name
            "5;a=\"open\r\nhello\r\n0\r\n\r\n",          // unterminated quoted extension
            "5\r\nhelloXX0\r\n\r\n",                     // data not followed by CRLF
            "5\r\nhello\n0\r\n\r\n",                     // data followed by bare LF
            "10000000000000000\r\n",                     // 17 hex digits
        ]
        for body in bodies {
            assertEverySplit(fixture(head + body), [.error(400)])
        }
    }

    func testBareCRInTrailersIs400() {
        let bytes = fixture("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: a\rb\r\n\r\n")
        assertEverySplit(bytes, [.error(400)])
    }

    func testUnsupportedExpectationIs417() {
        assertEverySplit(fixture("POST / HTTP/1.1\r\nHost: h\r\nExpect: teapot\r\nContent-Length: 1\r\n\r\nx"), [.error(417)])
    }

    func testErrorAfterPipelinedRequestKeepsTheGoodOne() {
        let bytes = fixture("GET /ok HTTP/1.1\r\nHost: h\r\n\r\nBROKEN\r\n\r\nGET /never HTTP/1.1\r\nHost: h\r\n\r\n")
        assertEverySplit(bytes, [request("GET", "/ok", headers: [("Host", "h")]), .error(400)])
    }

    // MARK: Limits

    func testOversizeHeadersAre431() {
        let limits = HTTPRequestParser.Limits(maxHeaderBytes: 64, maxBodyBytes: 1024)
        let fits = "GET / HTTP/1.1\r\nHost: h\r\nX: \(String(repeating: "a", count: 32))\r\n\r\n"
        XCTAssertEqual(fits.utf8.count, 64)
        assertEverySplit(fixture(fits), [request("GET", "/", headers: [("Host", "h"), ("X", String(repeating: "a", count: 32))])], limits: limits)
        let tooBig = "GET / HTTP/1.1\r\nHost: h\r\nX: \(String(repeating: "a", count: 33))\r\n\r\n"
        assertEverySplit(fixture(tooBig), [.error(431)], limits: limits)
        // Without a terminator the parser must not buffer past the limit.
        assertEverySplit(fixture("GET / HTTP/1.1\r\nX: " + String(repeating: "b", count: 200)), [.error(431)], limits: limits)
    }

    func testDefaultHeaderLimitIs16KiB() {
        let padding = String(repeating: "p", count: 16 * 1024)
        let bytes = fixture("GET / HTTP/1.1\r\nHost: h\r\nX-Pad: \(padding)\r\n\r\n")
        XCTAssertEqual(parse([bytes[...]], limits: .init()), [.error(431)])
        XCTAssertEqual(parse(bytes.indices.map { bytes[$0..<$0 + 1] }, limits: .init()), [.error(431)])
        let justFits = String(repeating: "p", count: 16 * 1024 - 36)
        let fitting = fixture("GET / HTTP/1.1\r\nHost: h\r\nX-Pad: \(justFits)\r\n\r\n")
        XCTAssertEqual(fitting.count, 16 * 1024)
        XCTAssertEqual(parse([fitting[...]], limits: .init()), [request("GET", "/", headers: [("Host", "h"), ("X-Pad", justFits)])])
    }

    func testOversizeTrailersAre431() {
        let limits = HTTPRequestParser.Limits(maxHeaderBytes: 80, maxBodyBytes: 1024)
        let bytes = fixture("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: \(String(repeating: "t", count: 100))\r\n\r\n")
        assertEverySplit(bytes, [.error(431)], limits: limits)
    }

    func testOversizeBodyIs413() {
        let limits = HTTPRequestParser.Limits(maxHeaderBytes: 1024, maxBodyBytes: 10)
        assertEverySplit(fixture("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789"),
                         [request("POST", "/", headers: [("Host", "h"), ("Content-Length", "10")], body: "0123456789")], limits: limits)
        // Refused from the head alone, before any body byte is read.
        assertEverySplit(fixture("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n"), [.error(413)], limits: limits)
        assertEverySplit(fixture("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n"), [.error(413)], limits: limits)
        // Chunked: refused once the declared chunks pass the limit.
        let chunked = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n5\r\n6789a\r\n0\r\n\r\n"
        assertEverySplit(fixture(chunked), [.error(413)], limits: limits)
        assertEverySplit(fixture("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nfffffff\r\n"), [.error(413)], limits: limits)
    }

    // MARK: Phases and 100-continue

    func testPhasesFollowTheRequest() {
        var parser = HTTPRequestParser()
        XCTAssertEqual(parser.phase, .idle)
        parser.append(fixture("\r\n"))
        XCTAssertNil(parser.next())
        XCTAssertEqual(parser.phase, .idle, "empty lines before a request don't start one")
        parser.append(fixture("POST / HTTP/1.1\r\nHost: h\r\n"))
        XCTAssertNil(parser.next())
        XCTAssertEqual(parser.phase, .head)
        parser.append(fixture("Content-Length: 4\r\n\r\nab"))
        guard case .head(_, expectsContinue: false)? = parser.next() else { return XCTFail("expected the head") }
        XCTAssertNil(parser.next())
        XCTAssertEqual(parser.phase, .body)
        parser.append(fixture("cdGET"))
        guard case .request(let request)? = parser.next() else { return XCTFail("expected a request") }
        XCTAssertEqual(request.body, Array("abcd".utf8))
        XCTAssertNil(parser.next())
        XCTAssertEqual(parser.phase, .head)
        XCTAssertTrue(parser.hasUnparsedBytes)
        parser.append(fixture(" / HTTP/1.1\r\n\r\n"))
        XCTAssertEqual(parser.next(), .error(HTTPParseError(.badRequest, "Request must have exactly one Host header.")))
        XCTAssertEqual(parser.phase, .failed)
        parser.append(fixture("GET / HTTP/1.1\r\nHost: h\r\n\r\n"))
        XCTAssertNil(parser.next(), "a failed parser stays failed")
    }

    func testContinueExpectedOnlyBeforeBodyBytes() {
        let head = fixture("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n")
        var parser = HTTPRequestParser()
        parser.append(head)
        guard case .head(let early, expectsContinue: true)? = parser.next() else { return XCTFail("expected the head first") }
        XCTAssertEqual(early.method, "POST")
        XCTAssertTrue(early.body.isEmpty, "the head comes before any body byte is read")
        XCTAssertNil(parser.next())
        parser.append(fixture("hi"))
        guard case .request(let request)? = parser.next() else { return XCTFail("expected a request") }
        XCTAssertEqual(request.body, Array("hi".utf8))

        var eager = HTTPRequestParser()
        eager.append(head + fixture("hi"))
        guard case .head(_, expectsContinue: false)? = eager.next() else { return XCTFail("client that didn't wait gets no 100") }
        guard case .request? = eager.next() else { return XCTFail("expected the request") }

        var bodiless = HTTPRequestParser()
        bodiless.append(fixture("GET / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\r\n"))
        guard case .request? = bodiless.next() else { return XCTFail("no body, so nothing to continue") }
    }

    /// HTTP/0.9 has no version and no headers: refused the moment its line ends, not after the header timeout.
    func testVersionlessRequestLineIsRefusedAtOnce() {
        var parser = HTTPRequestParser()
        parser.append(fixture("GET /v1/models\r\n"))
        XCTAssertEqual(parser.next(), .error(HTTPParseError(.badRequest, "Malformed request line.")))
        var bareLF = HTTPRequestParser()
        bareLF.append(fixture("GET /v1/models\n"))
        XCTAssertEqual(bareLF.next(), .error(HTTPParseError(.badRequest, "Malformed request line.")))
        var partial = HTTPRequestParser()
        partial.append(fixture("GET /v1/models HTTP/1.1\r\nHost: h\r\n"))
        XCTAssertNil(partial.next(), "a valid request line keeps waiting for its headers")
        XCTAssertEqual(partial.phase, .head)
    }
}
