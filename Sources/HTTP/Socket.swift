import Glibc

/// Platform constants that differ between Glibc and Darwin.
enum Posix {
    #if os(Linux)
    static let sockStream = Int32(SOCK_STREAM.rawValue)
    static let sendFlags = Int32(MSG_NOSIGNAL)
    /// POLLRDHUP from <poll.h>; Glibc's module doesn't export it without _GNU_SOURCE.
    static let pollReadHangUp = Int16(0x2000)
    #else
    static let sockStream = SOCK_STREAM
    static let sendFlags: Int32 = 0  // SO_NOSIGPIPE is set on each socket instead.
    static let pollReadHangUp = Int16(0)
    #endif

    /// `strerror` text for an errno value.
    static func describe(errno code: Int32) -> String {
        String(cString: strerror(code))
    }

    /// Milliseconds until `deadline` for poll(2), rounded up so a wait never ends early; -1 waits forever.
    static func pollTimeout(until deadline: ContinuousClock.Instant?) -> Int32 {
        guard let deadline else { return -1 }
        let remaining = ContinuousClock.now.duration(to: deadline)
        if remaining <= .zero { return 0 }
        let (seconds, attoseconds) = remaining.components
        let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: milliseconds)
    }

    static func setFlag(_ fd: Int32, level: Int32, option: Int32, _ value: Int32) {
        var value = value
        _ = setsockopt(fd, level, option, &value, socklen_t(MemoryLayout<Int32>.size))
    }

    static func setNonBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
    }

    /// Ends both directions of a socket without closing its fd, waking any thread blocked on it.
    static func shutdownBoth(_ fd: Int32) {
        _ = shutdown(fd, Int32(SHUT_RDWR))
    }

    static func isWouldBlock(_ code: Int32) -> Bool { code == EAGAIN || code == EWOULDBLOCK }
}

/// What a wait-and-read on a connected socket produced.
enum ReceiveResult: Equatable {
    case bytes(Int)
    case endOfStream
    case timedOut
    /// The server's wake pipe fired while no bytes were waiting.
    case woken
    case failed(Int32)
}

/// What `ConnectedSocket.wait` waits for.
enum Readiness: Equatable {
    case readable
    case writable
}

/// How a wait for readiness ended.
enum WaitResult: Equatable {
    /// The socket may be ready; retry the I/O.
    case ready
    case timedOut
    /// The server's wake pipe fired while the socket was not ready.
    case woken
    case failed(Int32)
}

/// Why bytes could not be sent.
enum SendFailure: Error, Equatable {
    case disconnected
    case timedOut
}

/// A connected non-blocking TCP socket; the `Connection` that owns it is the only one to close it.
struct ConnectedSocket {
    let fd: Int32

    /// Reads whatever is available, waiting until `deadline` or until `wakeFD` becomes readable.
    func receive(into buffer: UnsafeMutableRawBufferPointer, deadline: ContinuousClock.Instant?, wakeFD: Int32?) -> ReceiveResult {
        while true {
            let count = recv(fd, buffer.baseAddress, buffer.count, 0)
            if count > 0 { return .bytes(count) }
            if count == 0 { return .endOfStream }
            let code = errno
            if code == EINTR { continue }
            guard Posix.isWouldBlock(code) else { return .failed(code) }
            switch wait(for: .readable, deadline: deadline, wakeFD: wakeFD) {
            case .ready: continue
            case .timedOut: return .timedOut
            case .woken: return .woken
            case .failed(let code): return .failed(code)
            }
        }
    }

    /// Waits until the socket is readable or writable, `deadline` passes, or `wakeFD` becomes readable.
    ///
    /// `.ready` also covers a poll that ended early (EINTR or rounding); the caller retries its I/O and the
    /// next wait sees the deadline.
    func wait(for readiness: Readiness, deadline: ContinuousClock.Instant?, wakeFD: Int32?) -> WaitResult {
        let timeout = Posix.pollTimeout(until: deadline)
        if timeout == 0 { return .timedOut }
        let events = readiness == .readable ? Int16(POLLIN) : Int16(POLLOUT)
        var fds = [pollfd(fd: fd, events: events, revents: 0)]
        if let wakeFD { fds.append(pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)) }
        let ready = poll(&fds, nfds_t(fds.count), timeout)
        if ready < 0 && errno != EINTR { return .failed(errno) }
        if fds.count > 1 && fds[1].revents != 0 && fds[0].revents == 0 { return .woken }
        return .ready
    }

    /// Sends every byte or fails; MSG_NOSIGNAL keeps a vanished peer from raising SIGPIPE.
    func send(_ bytes: UnsafeRawBufferPointer, deadline: ContinuousClock.Instant) throws(SendFailure) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let sent = posixSend(fd, base + offset, bytes.count - offset, Posix.sendFlags)
            if sent >= 0 {
                offset += sent
                continue
            }
            let code = errno
            if code == EINTR { continue }
            guard Posix.isWouldBlock(code) else { throw .disconnected }
            if case .timedOut = wait(for: .writable, deadline: deadline, wakeFD: nil) { throw .timedOut }
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

    /// Whether the peer is there, has finished sending (a pending end-of-stream with no data before it), or is gone.
    func peerState() -> PeerState {
        var fds = pollfd(fd: fd, events: Int16(POLLIN) | Posix.pollReadHangUp, revents: 0)
        guard poll(&fds, 1, 0) >= 0 else { return .gone }
        // POLLHUP means both directions are shut (a reset, or our own shutdown); a FIN alone is POLLRDHUP.
        let gone = Int16(POLLHUP) | Int16(POLLERR) | Int16(POLLNVAL)
        if fds.revents & gone != 0 { return .gone }
        // A FIN with data still unread before it (a pipelined request, a TLS alert) has still ended the sending side.
        if fds.revents & Posix.pollReadHangUp != 0 { return .doneSending }
        if fds.revents & Int16(POLLIN) != 0 {
            var byte: UInt8 = 0
            let peeked = recv(fd, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT))
            if peeked == 0 { return .doneSending }
            if peeked < 0 && !Posix.isWouldBlock(errno) { return .gone }
        }
        return .open
    }

    /// Sends FIN but keeps reading possible, for a lingering close.
    func shutdownWrite() {
        _ = shutdown(fd, Int32(SHUT_WR))
    }

    func close() {
        _ = posixClose(fd)
    }
}

// File-scope wrappers, because inside `ConnectedSocket` the names `send` and `close` mean its own methods.
private func posixSend(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int, _ flags: Int32) -> Int {
    send(fd, buffer, count, flags)
}

private func posixClose(_ fd: Int32) -> Int32 {
    close(fd)
}

/// What a poll of a connected socket says about the peer.
enum PeerState: Equatable {
    /// Connected; it may still send.
    case open
    /// It sent FIN (or close_notify): it has finished sending, and may or may not still read.
    case doneSending
    /// Reset, errored or fully shut: nothing more can be delivered.
    case gone
}
