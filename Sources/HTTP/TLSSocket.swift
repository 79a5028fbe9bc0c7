import COpenSSL
import Glibc

/// How a server-side TLS handshake ended.
enum HandshakeResult: Equatable {
    case established
    /// The client left, stayed silent past the deadline, or the server began shutting down: close quietly.
    case abandoned
    /// The client sent a plain HTTP request to the TLS port.
    case plainHTTP
    /// The handshake failed; `reason` is OpenSSL's short text, e.g. "unsupported protocol".
    case failed(reason: String)
}

/// One server-side TLS session over a connected socket, mirroring `ConnectedSocket`'s deadlines and results.
///
/// Not thread-safe, like the `SSL` it wraps: it is used by the connection thread, or by a stream writer
/// holding the `HTTPStream` lock while the connection thread waits for the handler, never by both at once.
/// The `Connection` owns it: it closes the fd through `close()`; the session is freed with the object.
final class TLSSocket {
    /// Where the session is; only an established session may send close_notify (OpenSSL forbids
    /// SSL_shutdown during the handshake or after a fatal error).
    enum Phase: Equatable {
        case handshaking
        case established
        /// close_notify sent; reading the client's remaining bytes is still allowed.
        case shutDown
        /// A fatal error or an abandoned write: nothing but freeing the session is allowed.
        case broken
    }

    let socket: ConnectedSocket
    private let ssl: OpaquePointer
    private(set) var phase: Phase = .handshaking

    /// One BIO method for the process, made on first use and never freed: OpenSSL only reads it, from any thread.
    private nonisolated(unsafe) static let bioMethod: OpaquePointer? = hearth_socket_bio_method_new()

    /// Creates the session without any I/O; nil when OpenSSL is out of memory.
    init?(socket: ConnectedSocket, configuration: TLSConfiguration) {
        OpenSSLErrorQueue.clear()
        defer { OpenSSLErrorQueue.clear() }
        guard let method = Self.bioMethod, let ssl = SSL_new(configuration.context) else { return nil }
        guard let bio = hearth_socket_bio_new(method, socket.fd) else {
            SSL_free(ssl)
            return nil
        }
        // One BIO both ways; the session takes the single reference and frees the BIO (never the fd) with itself.
        SSL_set_bio(ssl, bio, bio)
        SSL_set_accept_state(ssl)
        self.socket = socket
        self.ssl = ssl
    }

    deinit {
        SSL_free(ssl)
    }

    /// Runs the server handshake until it completes, fails, or `deadline` passes (the header timeout, so a
    /// client that connects and says nothing cannot pin the connection's thread).
    func handshake(deadline: ContinuousClock.Instant, wakeFD: Int32?) -> HandshakeResult {
        guard phase == .handshaking else { return phase == .broken ? .abandoned : .established }
        while true {
            OpenSSLErrorQueue.clear()
            let result = SSL_accept(ssl)
            if result == 1 {
                phase = .established
                return .established
            }
            let code = SSL_get_error(ssl, result)
            let systemError = errno
            if let readiness = Self.readiness(for: code) {
                if case .ready = socket.wait(for: readiness, deadline: deadline, wakeFD: wakeFD) { continue }
                phase = .broken
                return .abandoned
            }
            phase = .broken
            switch code {
            case SSL_ERROR_ZERO_RETURN:
                return .abandoned
            case SSL_ERROR_SYSCALL:
                OpenSSLErrorQueue.clear()
                // No errno means the client closed mid-handshake; a reset is the same departure, less politely.
                if systemError == 0 || systemError == ECONNRESET || systemError == EPIPE { return .abandoned }
                return .failed(reason: Posix.describe(errno: systemError))
            default:
                let error = ERR_peek_error()
                if hearth_ERR_GET_LIB(error) == ERR_LIB_SSL && hearth_ERR_GET_REASON(error) == SSL_R_HTTP_REQUEST {
                    OpenSSLErrorQueue.clear()
                    return .plainHTTP
                }
                return .failed(reason: OpenSSLErrorQueue.takeReason(fallback: "SSL_accept error \(code)"))
            }
        }
    }

    /// Reads decrypted bytes, waiting until `deadline` or until `wakeFD` becomes readable.
    func receive(into buffer: UnsafeMutableRawBufferPointer, deadline: ContinuousClock.Instant?, wakeFD: Int32?) -> ReceiveResult {
        guard phase == .established || phase == .shutDown else { return .failed(EPROTO) }
        while true {
            OpenSSLErrorQueue.clear()
            // SSL_read returns bytes OpenSSL already holds (SSL_pending) before touching the socket, so the
            // socket is polled only when nothing is buffered; polling first could sleep on data already read.
            let count = SSL_read(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
            if count > 0 { return .bytes(Int(count)) }
            let code = SSL_get_error(ssl, count)
            let systemError = errno
            if let readiness = Self.readiness(for: code) {
                switch socket.wait(for: readiness, deadline: deadline, wakeFD: wakeFD) {
                case .ready: continue
                case .timedOut: return .timedOut
                case .woken: return .woken
                case .failed(let error): return .failed(error)
                }
            }
            switch code {
            case SSL_ERROR_ZERO_RETURN:
                return .endOfStream
            case SSL_ERROR_SYSCALL:
                phase = .broken
                OpenSSLErrorQueue.clear()
                return systemError == 0 ? .endOfStream : .failed(systemError)
            default:
                phase = .broken
                OpenSSLErrorQueue.clear()
                return .failed(EPROTO)
            }
        }
    }

    /// Encrypts and sends every byte or fails.
    func send(_ bytes: UnsafeRawBufferPointer, deadline: ContinuousClock.Instant) throws(SendFailure) {
        guard let base = bytes.baseAddress else { return }
        guard phase == .established else { throw .disconnected }
        var offset = 0
        while offset < bytes.count {
            OpenSSLErrorQueue.clear()
            // After WANT_WRITE, OpenSSL requires the retry to pass the same bytes, which this loop does.
            let written = SSL_write(ssl, base + offset, Int32(clamping: bytes.count - offset))
            if written > 0 {
                offset += Int(written)
                continue
            }
            let code = SSL_get_error(ssl, written)
            if let readiness = Self.readiness(for: code) {
                if case .timedOut = socket.wait(for: readiness, deadline: deadline, wakeFD: nil) {
                    // A record may be half sent, so the session cannot carry anything else.
                    phase = .broken
                    throw .timedOut
                }
                continue
            }
            phase = .broken
            OpenSSLErrorQueue.clear()
            throw .disconnected
        }
    }

    /// Whether the client still has its side open: the TCP check, plus a close_notify already read counts as gone.
    ///
    /// Reads no TLS data, so it cannot disturb a request the connection has yet to parse.
    func peerState() -> PeerState {
        guard phase == .established else { return .gone }
        // TLS clients do not half-close: close_notify or a FIN means the client has left.
        if SSL_get_shutdown(ssl) & SSL_RECEIVED_SHUTDOWN != 0 { return .gone }
        return socket.peerState() == .open ? .open : .gone
    }

    /// Sends close_notify and FIN but keeps reading possible, for a lingering close.
    func shutdownWrite() {
        sendCloseNotify()
        socket.shutdownWrite()
    }

    /// Sends close_notify if the session allows it, then closes the fd.
    func close() {
        sendCloseNotify()
        socket.close()
    }

    /// Best effort and never blocking: if the send buffer is full the alert is dropped; the TCP close that
    /// follows still ends the stream, and HTTP framing, not close_notify, tells the client the response is whole.
    private func sendCloseNotify() {
        guard phase == .established else { return }
        phase = .shutDown
        OpenSSLErrorQueue.clear()
        _ = SSL_shutdown(ssl)
        OpenSSLErrorQueue.clear()
    }

    /// What to wait for when OpenSSL asks to retry an operation; nil for errors that end the session.
    private static func readiness(for code: Int32) -> Readiness? {
        switch code {
        case SSL_ERROR_WANT_READ: return .readable
        case SSL_ERROR_WANT_WRITE: return .writable
        default: return nil
        }
    }
}
