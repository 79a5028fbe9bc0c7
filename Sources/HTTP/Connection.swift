/// Serves one accepted socket on its own thread: reads requests, calls the handler, writes responses,
/// and enforces the header, body and idle timeouts. Owned by that thread alone, so it needs no locks.
final class Connection {
    /// Which wait the connection is in, each with the deadline that ends it.
    enum State: Equatable {
        /// Just accepted: the header timeout runs from accept, so silent connections can't linger.
        case fresh(deadline: ContinuousClock.Instant)
        /// Between keep-alive requests: the idle timeout runs.
        case idle(deadline: ContinuousClock.Instant)
        /// Receiving a request line and headers: the header timeout runs from the first byte.
        case head(deadline: ContinuousClock.Instant)
        /// Receiving a body: the body timeout runs from the end of the headers.
        case body(deadline: ContinuousClock.Instant)

        var deadline: ContinuousClock.Instant {
            switch self {
            case .fresh(let deadline), .idle(let deadline), .head(let deadline), .body(let deadline): return deadline
            }
        }

        /// No byte of a request is pending, so the connection may close quietly (on timeout or drain).
        var isBetweenRequests: Bool {
            switch self {
            case .fresh, .idle: return true
            case .head, .body: return false
            }
        }
    }

    /// What moves the connection between states.
    enum Trigger {
        case parsed(HTTPRequestParser.Phase)
        case responded
    }

    private static let continueBytes = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
    private static let readSize = 64 * 1024
    /// Bodies up to this size are sent in the same write as the head.
    private static let coalesceLimit = 16 * 1024

    private let id: UInt64
    private let socket: ConnectedSocket
    private let remoteAddress: String
    private let core: ServerCore
    private let wake: WakePipe
    private var parser: HTTPRequestParser
    private var state: State

    init(id: UInt64, fd: Int32, remoteAddress: String, core: ServerCore, wake: WakePipe) {
        self.id = id
        self.socket = ConnectedSocket(fd: fd)
        self.remoteAddress = remoteAddress
        self.core = core
        self.wake = wake
        self.parser = HTTPRequestParser(limits: core.configuration.parserLimits)
        self.state = .fresh(deadline: .now + core.configuration.headerTimeout)
    }

    private var configuration: HTTPServerConfiguration { core.configuration }

    /// Serves until the connection ends, then releases it; the socket is closed only after it leaves the registry.
    func run() {
        serve()
        core.unregister(id)
        socket.close()
    }

    /// The single place where the connection's state changes.
    private func transition(_ trigger: Trigger) {
        let now = ContinuousClock.now
        switch (state, trigger) {
        case (_, .responded):
            state = .idle(deadline: now + configuration.idleTimeout)
        case (.fresh(let deadline), .parsed(.head)):
            state = .head(deadline: deadline)
        case (.idle, .parsed(.head)):
            state = .head(deadline: now + configuration.headerTimeout)
        case (.fresh, .parsed(.body)), (.idle, .parsed(.body)), (.head, .parsed(.body)):
            state = .body(deadline: now + configuration.bodyTimeout)
        case (_, .parsed):
            break
        }
    }

    private func serve() {
        var buffer = [UInt8](repeating: 0, count: Self.readSize)
        while true {
            while let event = parser.next() {
                switch event {
                case .continueExpected:
                    guard (try? socket.send(Self.continueBytes, deadline: writeDeadline)) != nil else { return }
                case .request(let request):
                    guard respond(to: request) else { return lingeringClose() }
                    transition(.responded)
                case .error(let error):
                    sendError(error.status, error.message)
                    return lingeringClose()
                }
            }
            transition(.parsed(parser.phase))
            // Only a connection between requests heeds a shutdown; in-flight requests get to finish.
            let wakeFD = state.isBetweenRequests ? wake.readFD : nil
            let deadline = state.deadline
            let result = buffer.withUnsafeMutableBytes { socket.receive(into: $0, deadline: deadline, wakeFD: wakeFD) }
            switch result {
            case .bytes(let count):
                parser.append(buffer[0..<count])
            case .endOfStream, .failed, .woken:
                return
            case .timedOut:
                if state.isBetweenRequests { return }
                sendError(.requestTimeout, "Timed out waiting for the request.")
                return lingeringClose()
            }
        }
    }

    private var writeDeadline: ContinuousClock.Instant { .now + configuration.writeTimeout }

    /// Runs the handler and writes its response; returns whether the connection stays open.
    private func respond(to request: HTTPRequest) -> Bool {
        var request = request
        request.remoteAddress = remoteAddress
        let context = ResponseContext(
            requestVersion: request.version, isHeadRequest: request.method == "HEAD",
            closeAfterResponse: !request.keepAlive, options: configuration.responseOptions,
            writeTimeout: configuration.writeTimeout, serverIsDraining: { [core] in core.isDraining })
        let stream = HTTPStream(socket: socket, context: context)
        let result = Result { try core.handler(request, stream) }
        let succeeded = if case .success = result { true } else { false }

        switch stream.close(handlerSucceeded: succeeded) {
        case .completed(let closesConnection):
            if case .success(.response) = result {
                core.log("\(request.method) \(request.path): handler returned a response after streaming one; it was dropped")
            }
            return !closesConnection
        case .broken:
            if case .failure(let error) = result {
                core.log("\(request.method) \(request.path): handler failed mid-stream: \(error)")
            }
            return false
        case .notStarted:
            break
        }

        let response: HTTPResponse
        switch result {
        case .success(.response(let value)):
            response = value
        case .success(.streamed):
            core.log("\(request.method) \(request.path): handler returned .streamed without writing a response")
            response = configuration.errorResponder(.internalServerError, "The server produced no response.")
        case .failure(let error):
            core.log("\(request.method) \(request.path): handler failed: \(error)")
            response = configuration.errorResponder(.internalServerError, "The server had an error while processing the request.")
        }
        return send(response, context: context)
    }

    /// Writes a complete response; returns whether the connection stays open.
    private func send(_ response: HTTPResponse, context: ResponseContext) -> Bool {
        let closes = context.closesConnection(response.headers)
        let framing: BodyFraming = response.status.forbidsBody ? .none : .contentLength(response.body.count)
        var bytes = ResponseHead.serialize(
            status: response.status, headers: response.headers, framing: framing, closeConnection: closes,
            requestVersion: context.requestVersion, options: context.options)
        let includesBody = !context.isHeadRequest && !response.status.forbidsBody && !response.body.isEmpty
        do {
            if includesBody && response.body.count <= Self.coalesceLimit {
                bytes += response.body
                try socket.send(bytes, deadline: writeDeadline)
            } else {
                try socket.send(bytes, deadline: writeDeadline)
                if includesBody { try socket.send(response.body, deadline: writeDeadline) }
            }
        } catch {
            return false
        }
        return !closes
    }

    /// Answers a protocol error with the app's error body; the connection closes afterwards.
    private func sendError(_ status: HTTPStatus, _ message: String) {
        let context = ResponseContext(
            requestVersion: .http1_1, isHeadRequest: false, closeAfterResponse: true,
            options: configuration.responseOptions, writeTimeout: configuration.writeTimeout)
        _ = send(configuration.errorResponder(status, message), context: context)
    }

    /// Half-closes and discards input for a moment, so a client still sending (say, a too-large body) reads
    /// our response instead of losing it to the reset that closing with unread data causes (RFC 9112 §9.6).
    /// A shutdown ends the lingering early, since it is courtesy rather than an in-flight request.
    private func lingeringClose() {
        socket.shutdownWrite()
        let deadline = ContinuousClock.now + configuration.lingerTimeout
        var scratch = [UInt8](repeating: 0, count: Self.readSize)
        while case .bytes = scratch.withUnsafeMutableBytes({ socket.receive(into: $0, deadline: deadline, wakeFD: wake.readFD) }) {}
    }
}
