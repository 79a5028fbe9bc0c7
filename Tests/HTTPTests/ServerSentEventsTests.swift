import XCTest
@testable import HTTP
#if canImport(Glibc)
import Glibc
#endif

/// Exact SSE wire bytes, alone and as framed by chunked encoding.
final class ServerSentEventsTests: XCTestCase {
    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    func testSingleLinePayload() {
        XCTAssertEqual(text(ServerSentEvents.format(data: #"{"choices":[{"delta":{"content":"Hi"}}]}"#)),
                       "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n")
    }

    func testDoneTerminator() {
        XCTAssertEqual(ServerSentEvents.done, Array("data: [DONE]\n\n".utf8))
    }

    func testMultiLinePayloadBecomesSeveralDataLines() {
        XCTAssertEqual(text(ServerSentEvents.format(data: "a\nb")), "data: a\ndata: b\n\n")
        // CRLF, CR and LF all end a line in the event-stream grammar.
        XCTAssertEqual(text(ServerSentEvents.format(data: "one\r\ntwo\rthree\nfour")),
                       "data: one\ndata: two\ndata: three\ndata: four\n\n")
        // A trailing newline is preserved as an empty last line, so the client rebuilds "end\n".
        XCTAssertEqual(text(ServerSentEvents.format(data: "end\n")), "data: end\ndata: \n\n")
        XCTAssertEqual(text(ServerSentEvents.format(data: "")), "data: \n\n")
        XCTAssertEqual(text(ServerSentEvents.format(data: "\n\n")), "data: \ndata: \ndata: \n\n")
    }

    func testNonASCIIPayloadIsUTF8() {
        XCTAssertEqual(ServerSentEvents.format(data: "héllo 🔥"), Array("data: héllo 🔥\n\n".utf8))
    }

    func testEventFields() {
        let event = SSEEvent(data: "payload", event: "update\nsplit", id: "7\u{0}", retry: 1500)
        XCTAssertEqual(text(event.bytes), "event: update split\nid: 7\nretry: 1500\ndata: payload\n\n")
    }

    func testComment() {
        XCTAssertEqual(text(ServerSentEvents.comment("keep-alive")), ": keep-alive\n\n")
    }

    func testEventsThroughChunkedEncodingOnTheWire() throws {
        let (stream, peer) = try makeStream(version: .http1_1)
        defer { peer.close() }
        try stream.writeHead(headers: ServerSentEvents.headers)
        try stream.write(ServerSentEvents.format(data: "hello"))
        try stream.write(ServerSentEvents.format(data: "multi\nline"))
        try stream.write(ServerSentEvents.done)
        try stream.finish()
        XCTAssertEqual(stream.close(handlerSucceeded: true), .completed(closesConnection: false))
        let expected = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-cache\r\n"
            + "X-Accel-Buffering: no\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "d\r\ndata: hello\n\n\r\n"
            + "18\r\ndata: multi\ndata: line\n\n\r\n"
            + "e\r\ndata: [DONE]\n\n\r\n"
            + "0\r\n\r\n"
        XCTAssertEqual(text(try peer.readRaw(expected.utf8.count)), expected)
    }
}

/// The reading end of a socket pair; closes both ends when done.
final class SocketPairPeer {
    private let reader: Int32
    private let writer: Int32
    private var readerOpen = true
    private var writerOpen = true

    init(reader: Int32, writerToClose: Int32) {
        self.reader = reader
        self.writer = writerToClose
        var tv = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(reader, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Exactly `count` bytes, or fewer if the writer stops sending.
    func readRaw(_ count: Int) throws -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while result.count < count {
            let got = recv(reader, &chunk, min(chunk.count, count - result.count), 0)
            guard got > 0 else { throw TestClientError.timedOut }
            result += chunk[0..<got]
        }
        return result
    }

    /// Whatever arrives within a short wait.
    func readAvailable() -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: 4096)
        var tv = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(reader, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let got = recv(reader, &chunk, chunk.count, 0)
        return got > 0 ? Array(chunk[0..<got]) : []
    }

    func closeReader() {
        if readerOpen { _ = Glibc.close(reader) }
        readerOpen = false
    }

    func close() {
        closeReader()
        if writerOpen { _ = Glibc.close(writer) }
        writerOpen = false
    }
}

/// An `HTTPStream` writing into one end of a socket pair, with a `TestClient`-like reader on the other.
func makeStream(
    version: HTTPVersion, isHead: Bool = false, close: Bool = false, writeTimeout: Duration = .seconds(2)
) throws -> (HTTPStream, SocketPairPeer) {
    var fds: [Int32] = [0, 0]
    guard socketpair(AF_UNIX, Posix.sockStream, 0, &fds) == 0 else { throw TestClientError.connect("socketpair") }
    Posix.setNonBlocking(fds[0])
    let context = ResponseContext(
        requestVersion: version, isHeadRequest: isHead, closeAfterResponse: close,
        options: ResponseOptions(serverName: nil, sendDateHeader: false), writeTimeout: writeTimeout)
    return (HTTPStream(socket: ConnectedSocket(fd: fds[0]), context: context), SocketPairPeer(reader: fds[1], writerToClose: fds[0]))
}
