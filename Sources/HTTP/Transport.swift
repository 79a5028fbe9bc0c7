/// The byte stream a connection speaks HTTP over, so `Connection` and `HTTPStream` need not know whether it is encrypted.
enum Transport {
    case plain(ConnectedSocket)
    case tls(TLSSocket)

    /// The TCP socket underneath, for writing plain bytes past TLS (answering a plain-HTTP request on a TLS port).
    var socket: ConnectedSocket {
        switch self {
        case .plain(let socket): return socket
        case .tls(let session): return session.socket
        }
    }

    /// Completes the TLS handshake; a plain socket is established from the start.
    func handshake(deadline: ContinuousClock.Instant, wakeFD: Int32?) -> HandshakeResult {
        switch self {
        case .plain: return .established
        case .tls(let session): return session.handshake(deadline: deadline, wakeFD: wakeFD)
        }
    }

    /// Reads whatever is available, waiting until `deadline` or until `wakeFD` becomes readable.
    func receive(into buffer: UnsafeMutableRawBufferPointer, deadline: ContinuousClock.Instant?, wakeFD: Int32?) -> ReceiveResult {
        switch self {
        case .plain(let socket): return socket.receive(into: buffer, deadline: deadline, wakeFD: wakeFD)
        case .tls(let session): return session.receive(into: buffer, deadline: deadline, wakeFD: wakeFD)
        }
    }

    /// Sends every byte or fails, without raising SIGPIPE.
    func send(_ bytes: UnsafeRawBufferPointer, deadline: ContinuousClock.Instant) throws(SendFailure) {
        switch self {
        case .plain(let socket): try socket.send(bytes, deadline: deadline)
        case .tls(let session): try session.send(bytes, deadline: deadline)
        }
    }

    /// Sends a byte array; see `send(_:deadline:)`.
    func send(_ bytes: [UInt8], deadline: ContinuousClock.Instant) throws(SendFailure) {
        guard !bytes.isEmpty else { return }
        let result: Result<Void, SendFailure> = bytes.withUnsafeBytes { raw in
            Result { () throws(SendFailure) in try send(raw, deadline: deadline) }
        }
        try result.get()
    }

    /// Whether the peer is still there; see `ConnectedSocket.peerState()`.
    func peerState() -> PeerState {
        switch self {
        case .plain(let socket): return socket.peerState()
        case .tls(let session): return session.peerState()
        }
    }

    /// Ends the sending side (after close_notify, under TLS) but keeps reading possible, for a lingering close.
    func shutdownWrite() {
        switch self {
        case .plain(let socket): socket.shutdownWrite()
        case .tls(let session): session.shutdownWrite()
        }
    }

    /// Closes the fd (after a best-effort close_notify, under TLS).
    func close() {
        switch self {
        case .plain(let socket): socket.close()
        case .tls(let session): session.close()
        }
    }
}
