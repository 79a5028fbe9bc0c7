/// Serves one accepted socket on its own thread: completes the TLS handshake on a TLS server, reads requests,
/// calls the handler, writes responses, and enforces the header, body and idle timeouts. Owned by that thread
/// alone, so it needs no locks.
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
    private let transport: Transport
    private let remoteAddress: String
    private let core: ServerCore
    private let wake: WakePipe
    /// A reserve connection (over the cap) serves one request for a reserved path, then closes.
    private let reserve: Bool
    private var parser: HTTPRequestParser
    private var state: State

    /// How long a reserve connection waits for its request head: probes send theirs at once.
    static let reserveHeaderTimeout: Duration = .seconds(2)

    /// Serves an accepted socket over TLS or plain TCP, as the server is configured; the fd is closed in every case.
    static func run(id: UInt64, fd: Int32, remoteAddress: String, reserve: Bool = false, core: ServerCore, wake: WakePipe) {
        let socket = ConnectedSocket(fd: fd)
        let transport: Transport
        if let tls = core.configuration.tls {
            guard let session = TLSSocket(socket: socket, configuration: tls) else {
                core.log("cannot create a TLS session for \(remoteAddress); closing the connection")
                core.unregister(id)
                socket.close()
                return
            }
            transport = .tls(session)
        } else {
            transport = .plain(socket)
        }
        Connection(id: id, transport: transport, remoteAddress: remoteAddress, reserve: reserve, core: core, wake: wake).run()
    }

    private init(id: UInt64, transport: Transport, remoteAddress: String, reserve: Bool, core: ServerCore, wake: WakePipe) {
        self.id = id
        self.transport = transport
        self.remoteAddress = remoteAddress
        self.core = core
        self.wake = wake
        self.reserve = reserve
        self.parser = HTTPRequestParser(limits: core.configuration.parserLimits)
        let headerTimeout = reserve ? min(core.configuration.headerTimeout, Self.reserveHeaderTimeout) : core.configuration.headerTimeout
        self.state = .fresh(deadline: .now + headerTimeout)
    }

    private var configuration: HTTPServerConfiguration { core.configuration }

    /// Serves until the connection ends, then releases it; the socket is closed only after it leaves the registry.
    private func run() {
        if handshake() { serve() }
        core.unregister(id)
        transport.close()
    }

    /// Completes the TLS handshake within the header timeout; returns whether HTTP may follow.
    /// A silent, departed or shut-down-interrupted client is dropped quietly, like a silent plain connection.
    private func handshake() -> Bool {
        switch transport.handshake(deadline: state.deadline, wakeFD: wake.readFD) {
        case .established:
            return true
        case .abandoned:
            return false
        case .plainHTTP:
            core.log("plain HTTP request from \(remoteAddress) on the TLS port; answered 400")
            answerPlainHTTP()
            return false
        case .failed(let reason):
            core.log("TLS handshake with \(remoteAddress) failed: \(reason)")
            return false
        }
    }

    /// Answers a plain-HTTP request on the TLS port in plain text, as nginx and Go do, so the client's mistake is
    /// obvious rather than a bare disconnect. OpenSSL consumed the start of the request; the rest is drained.
    private func answerPlainHTTP() {
        let raw = Transport.plain(transport.socket)
        let response = configuration.errorResponder(.badRequest, "This port expects HTTPS; the request was sent as plain HTTP.")
        var bytes = ResponseHead.serialize(
            status: response.status, headers: response.headers, framing: .contentLength(response.body.count),
            closeConnection: true, requestVersion: .http1_1, options: configuration.responseOptions)
        bytes += response.body
        guard (try? raw.send(bytes, deadline: writeDeadline)) != nil else { return }
        lingeringClose(over: raw)
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
                case .head(let request, let expectsContinue):
                    // Refused on its head: answered without reading the body, and the connection closes.
                    if let refusal = refusal(of: request) {
                        _ = send(refusal, context: closingContext(request))
                        return lingeringClose()
                    }
                    if expectsContinue {
                        guard (try? transport.send(Self.continueBytes, deadline: writeDeadline)) != nil else { return }
                    }
                case .request(let request):
                    if let refusal = refusal(of: request) {
                        _ = send(refusal, context: closingContext(request))
                        return lingeringClose()
                    }
                    guard respond(to: request) else { return lingeringClose() }
                    if reserve { return }
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
            let result = buffer.withUnsafeMutableBytes { transport.receive(into: $0, deadline: deadline, wakeFD: wakeFD) }
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

    /// The response that refuses `request` before its body is read or its handler runs, if any: a reserve
    /// connection serves only reserved paths, then the server's head filter decides.
    private func refusal(of request: HTTPRequest) -> HTTPResponse? {
        if reserve, !((request.method == "GET" || request.method == "HEAD") && configuration.reservedPaths.contains(request.path)) {
            return configuration.errorResponder(.serviceUnavailable, "The server is at its connection limit; retry later.")
        }
        var request = request
        request.remoteAddress = remoteAddress
        return configuration.headFilter?(request)
    }

    /// A context for a response after which the connection closes.
    private func closingContext(_ request: HTTPRequest) -> ResponseContext {
        ResponseContext(requestVersion: request.version, isHeadRequest: request.method == "HEAD", closeAfterResponse: true,
                        options: configuration.responseOptions, writeTimeout: configuration.writeTimeout)
    }

    /// Runs the handler and writes its response; returns whether the connection stays open.
    private func respond(to request: HTTPRequest) -> Bool {
        var request = request
        request.remoteAddress = remoteAddress
        let context = ResponseContext(
            requestVersion: request.version, isHeadRequest: request.method == "HEAD",
            closeAfterResponse: !request.keepAlive || reserve, options: configuration.responseOptions,
            writeTimeout: configuration.writeTimeout, serverIsDraining: { [core] in core.isDraining },
            shutdownFD: wake.readFD, serverIsCuttingOff: { [core] in core.isCuttingOff })
        let stream = HTTPStream(transport: transport, context: context)
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
                try transport.send(bytes, deadline: writeDeadline)
            } else {
                try transport.send(bytes, deadline: writeDeadline)
                if includesBody { try transport.send(response.body, deadline: writeDeadline) }
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
        lingeringClose(over: transport)
    }

    private func lingeringClose(over transport: Transport) {
        transport.shutdownWrite()
        let deadline = ContinuousClock.now + configuration.lingerTimeout
        var scratch = [UInt8](repeating: 0, count: Self.readSize)
        while case .bytes = scratch.withUnsafeMutableBytes({ transport.receive(into: $0, deadline: deadline, wakeFD: wake.readFD) }) {}
    }
}
