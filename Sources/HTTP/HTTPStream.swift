import Foundation
import Glibc

/// What a handler produced: a complete response, or a response it already wrote through its `HTTPStream`.
public enum HTTPHandlerResult: Sendable {
    /// Send this response.
    case response(HTTPResponse)
    /// The handler called `writeHead` (and usually `finish`) on the stream itself.
    case streamed
}

/// Serves one request; runs on the connection's own thread, so it may block (but should watch for disconnects).
public typealias HTTPHandler = @Sendable (_ request: HTTPRequest, _ stream: HTTPStream) throws -> HTTPHandlerResult

/// Why a streaming operation failed.
public enum HTTPStreamError: Error, Sendable, Equatable {
    /// The client closed or reset the connection; stop producing output.
    case clientDisconnected
    /// The client stopped reading for longer than the write timeout.
    case writeTimedOut
    /// `writeHead` was called twice, or after `finish`.
    case headAlreadyWritten
    /// `write` or `finish` was called before `writeHead`.
    case headNotWritten
    /// The response was finished, or the handler returned, so nothing more can be written.
    case closed
}

/// Facts about the request that shape how its response is written.
struct ResponseContext {
    var requestVersion: HTTPVersion
    var isHeadRequest: Bool
    /// The connection closes after this response (client asked, HTTP/1.0 without keep-alive, or a protocol error).
    var closeAfterResponse: Bool
    var options: ResponseOptions
    var writeTimeout: Duration
    /// Asked when the head is written, so a response that starts after shutdown began says `Connection: close`.
    var serverIsDraining: @Sendable () -> Bool = { false }
    /// Readable once the server starts shutting down (the server's wake pipe), so a waiting handler notices.
    var shutdownFD: Int32?
    /// Whether the drain deadline has passed and the response should end now.
    var serverIsCuttingOff: @Sendable () -> Bool = { false }

    /// Whether a response with these app headers ends the connection.
    func closesConnection(_ headers: HTTPHeaders) -> Bool {
        closeAfterResponse || ResponseHead.requestsClose(headers) || serverIsDraining()
    }
}

/// Writes a streamed response: `writeHead`, any number of `write`s (sent as chunks), then `finish`.
///
/// Thread-safe, so the handler may hand it to the thread producing the data, but it must not return before
/// that thread is done: once the handler returns, the stream is closed and further calls throw `.closed`.
///
/// `@unchecked Sendable`: `state` and every use of `transport` happen under `lock`, which also keeps a TLS
/// session to one thread at a time; the connection reads from the transport only while the handler has not yet
/// run or has returned, and closes it only after `close(handlerSucceeded:)` has moved the state to `.closed`
/// under the same lock.
public final class HTTPStream: @unchecked Sendable {
    /// Lifecycle of the streamed response.
    enum State: Equatable {
        case notStarted
        /// Head sent; `sendsBody` is false for HEAD requests and bodiless statuses, whose writes are dropped.
        case streaming(framing: BodyFraming, sendsBody: Bool, closesConnection: Bool)
        case finished(closesConnection: Bool)
        case failed(HTTPStreamError)
        case closed
    }

    /// How the stream ended, as the connection needs to know once the handler has returned.
    enum Outcome: Equatable {
        case notStarted
        /// A complete response went out; the connection may be reused unless it closes.
        case completed(closesConnection: Bool)
        /// The response is unusable (aborted or failed); the connection must close.
        case broken
    }

    private let lock = NSLock()
    private var state: State = .notStarted
    /// Whether the client has finished sending (seen by `isClientConnected`, which then probes it once).
    private var peerDoneSending = false
    private let transport: Transport
    private let context: ResponseContext

    init(transport: Transport, context: ResponseContext) {
        self.transport = transport
        self.context = context
    }

    /// A stream over a plain socket, as unit tests build over socket pairs.
    convenience init(socket: ConnectedSocket, context: ResponseContext) {
        self.init(transport: .plain(socket), context: context)
    }

    /// Sends the status line and headers; HTTP/1.1 clients get chunked encoding, HTTP/1.0 clients a close-delimited body.
    public func writeHead(status: HTTPStatus = .ok, headers: HTTPHeaders = [:]) throws(HTTPStreamError) {
        try withLock { () throws(HTTPStreamError) in
            switch state {
            case .notStarted: break
            case .failed(let error): throw error
            case .closed: throw .closed
            case .streaming, .finished: throw .headAlreadyWritten
            }
            let sendsBody = !status.forbidsBody && !context.isHeadRequest
            let framing: BodyFraming
            var closes = context.closesConnection(headers)
            if status.forbidsBody {
                framing = .none
            } else if context.requestVersion == .http1_0 {
                // HTTP/1.0 has no chunked coding; the body ends when the connection does (RFC 9112 §6.3).
                framing = .untilClose
                closes = true
            } else {
                framing = .chunked
            }
            let head = ResponseHead.serialize(
                status: status, headers: headers, framing: framing, closeConnection: closes,
                requestVersion: context.requestVersion, options: context.options)
            try send(head)
            state = .streaming(framing: framing, sendsBody: sendsBody, closesConnection: closes)
        }
    }

    /// Sends one piece of the body; throws `.clientDisconnected` as soon as the client is gone. Empty writes are no-ops.
    public func write(_ bytes: [UInt8]) throws(HTTPStreamError) {
        try withLock { () throws(HTTPStreamError) in
            let framing = try streamingFraming()
            guard let framing, !bytes.isEmpty else { return }
            if framing == .chunked {
                var chunk = Array(String(bytes.count, radix: 16).utf8)
                chunk.reserveCapacity(chunk.count + bytes.count + 4)
                chunk += [HTTPSyntax.cr, HTTPSyntax.lf]
                chunk += bytes
                chunk += [HTTPSyntax.cr, HTTPSyntax.lf]
                try send(chunk)
            } else {
                try send(bytes)
            }
        }
    }

    /// Sends a UTF-8 string as one piece of the body.
    public func write(_ text: String) throws(HTTPStreamError) {
        try write(Array(text.utf8))
    }

    /// Sends `Data` as one piece of the body.
    public func write(_ data: Data) throws(HTTPStreamError) {
        try write([UInt8](data))
    }

    /// Ends the body (the terminating zero-size chunk for chunked responses); later writes throw `.closed`.
    public func finish() throws(HTTPStreamError) {
        try withLock { () throws(HTTPStreamError) in
            try finishLocked()
        }
    }

    /// Whether the client still appears connected; cheap enough to poll while waiting on other work.
    ///
    /// A client that has finished sending (shut down its write side, or closed the socket: TCP cannot tell the two
    /// apart until we send something) is not yet taken as gone. Before the response starts, it is sent one
    /// `100 Continue`, which every HTTP/1.1 client skips: a closed socket answers it with a reset, which the next
    /// poll sees, while a half-closed client keeps waiting for its answer. Once streaming, the writes themselves
    /// find out.
    public var isClientConnected: Bool {
        withLock { () -> Bool in
            switch state {
            case .failed, .closed: return false
            case .notStarted, .streaming, .finished: break
            }
            let peer = transport.peerState()
            if peer == .doneSending && !peerDoneSending {
                peerDoneSending = true
                if state == .notStarted && context.requestVersion == .http1_1 {
                    return (try? transport.send(Self.continueBytes, deadline: .now + context.writeTimeout)) != nil
                }
            }
            return peer != .gone
        }
    }

    /// Blocks until one of `fds` is readable, the client's connection changes (it leaves, or finishes sending),
    /// the server starts draining, or `timeout` passes (nil: no limit). Returns at once if nothing can be waited on
    /// usefully. A handler waiting for work elsewhere (an engine's event fd) calls this between
    /// `isClientConnected` checks, so it wakes for tokens and disconnects alike and never on a timer.
    public func wait(readable fds: [Int32], timeout: Duration?) {
        let (socketFD, watch) = withLock { () -> (Int32, Int16) in
            // Once the client has finished sending, its FIN stays readable: from then on only a reset or an error
            // (always reported) means anything.
            (transport.socket.fd, peerDoneSending ? 0 : Posix.pollReadHangUp)
        }
        var timeout = timeout
        var polled = [pollfd(fd: socketFD, events: watch, revents: 0)]
        polled += fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        // While draining, the drain deadline is a flag rather than an fd: check it a few times a second.
        if context.serverIsDraining() {
            timeout = min(timeout ?? Self.drainCheckInterval, Self.drainCheckInterval)
        } else if let shutdownFD = context.shutdownFD {
            polled.append(pollfd(fd: shutdownFD, events: Int16(POLLIN), revents: 0))
        }
        let milliseconds = timeout.map { Int32(clamping: $0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000) } ?? -1
        _ = poll(&polled, nfds_t(polled.count), max(milliseconds, timeout == nil ? -1 : 0))
    }

    private static let drainCheckInterval: Duration = .milliseconds(50)

    /// Whether the server's drain deadline has passed: a handler still producing output should end its response
    /// now, with an error a client can see, before the connection is cut.
    public var isServerCuttingOff: Bool { context.serverIsCuttingOff() }

    private static let continueBytes = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// Called by the connection when the handler returns: finishes a stream the handler left open if it
    /// succeeded, abandons it if it threw, and closes the stream for good.
    func close(handlerSucceeded: Bool) -> Outcome {
        withLock { () -> Outcome in
            if handlerSucceeded, case .streaming = state {
                try? finishLocked()
            }
            let outcome: Outcome
            switch state {
            case .notStarted: outcome = .notStarted
            case .finished(let closes): outcome = .completed(closesConnection: closes)
            case .streaming, .failed, .closed: outcome = .broken
            }
            state = .closed
            return outcome
        }
    }

    // MARK: Locked helpers

    /// The framing to write with, nil when writes are silently dropped; throws when no body can be written.
    private func streamingFraming() throws(HTTPStreamError) -> BodyFraming? {
        switch state {
        case .notStarted: throw .headNotWritten
        case .streaming(let framing, let sendsBody, _): return sendsBody ? framing : nil
        case .finished, .closed: throw .closed
        case .failed(let error): throw error
        }
    }

    private func finishLocked() throws(HTTPStreamError) {
        let framing = try streamingFraming()
        guard case .streaming(_, _, let closes) = state else { return }
        if framing == .chunked {
            try send(Array("0\r\n\r\n".utf8))
        }
        state = .finished(closesConnection: closes)
    }

    /// Sends bytes; a failure poisons the stream so every later call reports the same error.
    private func send(_ bytes: [UInt8]) throws(HTTPStreamError) {
        do {
            try transport.send(bytes, deadline: .now + context.writeTimeout)
        } catch {
            let streamError: HTTPStreamError = error == .timedOut ? .writeTimedOut : .clientDisconnected
            state = .failed(streamError)
            throw streamError
        }
    }

    private func withLock<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
