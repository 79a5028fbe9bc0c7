import Glibc

/// The accept loop: one dedicated thread polls the listening sockets and the wake pipe, hands each accepted
/// socket to a new connection thread, and answers 503 to connections beyond the cap and its reserve.
///
/// The listening fds and the list of rejected sockets belong to the acceptor thread alone.
struct Acceptor: Sendable {
    let listeners: [Int32]
    let core: ServerCore
    let wake: WakePipe

    /// A rejected socket that got its 503 and is being drained until the client closes or the deadline passes.
    private struct Rejected {
        var fd: Int32
        var deadline: ContinuousClock.Instant
    }

    /// At most this many rejected sockets linger at once; beyond that they are closed right after the 503.
    private static let maxRejected = 256
    /// Connections accepted per readiness event, so one busy listener can't starve the others.
    private static let acceptBatch = 64
    /// How long accepting pauses after the process runs out of descriptors or memory.
    private static let resourcePause: Duration = .milliseconds(100)

    /// Accepts until the wake pipe fires, then closes the listeners and reports that accepting stopped.
    func run() {
        var rejected: [Rejected] = []
        var pausedUntil: ContinuousClock.Instant?
        defer {
            for fd in listeners { _ = close(fd) }
            for entry in rejected { _ = close(entry.fd) }
            core.acceptorStopped()
        }
        while true {
            let now = ContinuousClock.now
            if let pause = pausedUntil, pause <= now { pausedUntil = nil }
            rejected.removeAll { entry in
                guard entry.deadline <= now else { return false }
                _ = close(entry.fd)
                return true
            }

            let polledListeners = pausedUntil == nil ? listeners : []
            var fds = [pollfd(fd: wake.readFD, events: Int16(POLLIN), revents: 0)]
            fds += polledListeners.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            fds += rejected.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            let wakeAt = ([pausedUntil].compactMap { $0 } + rejected.map(\.deadline)).min()
            let ready = poll(&fds, nfds_t(fds.count), Posix.pollTimeout(until: wakeAt))
            if ready < 0 {
                if errno != EINTR {
                    core.log("poll on listening sockets failed: \(Posix.describe(errno: errno))")
                    pausedUntil = .now + Self.resourcePause
                }
                continue
            }
            if fds[0].revents != 0 { return }

            let rejectedBase = 1 + polledListeners.count
            var stillLingering: [Rejected] = []
            for (index, entry) in rejected.enumerated() {
                if fds[rejectedBase + index].revents == 0 || !discardInput(entry.fd) {
                    stillLingering.append(entry)
                } else {
                    _ = close(entry.fd)
                }
            }
            rejected = stillLingering

            for (index, listener) in polledListeners.enumerated() where fds[1 + index].revents != 0 {
                acceptAll(listener, rejected: &rejected, pausedUntil: &pausedUntil)
            }
        }
    }

    /// Reads and drops what a rejected client sent; returns true once it has closed (or failed).
    private func discardInput(_ fd: Int32) -> Bool {
        var scratch = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &scratch, scratch.count, 0)
            if count > 0 { continue }
            if count < 0 && errno == EINTR { continue }
            return count == 0 || !Posix.isWouldBlock(errno)
        }
    }

    private func acceptAll(_ listener: Int32, rejected: inout [Rejected], pausedUntil: inout ContinuousClock.Instant?) {
        for _ in 0..<Self.acceptBatch {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { acceptSocket(listener, $0, &length) }
            }
            guard fd >= 0 else {
                let code = errno
                switch code {
                case EAGAIN, EWOULDBLOCK:
                    return
                case EINTR, ECONNABORTED, EPROTO:
                    continue
                default:
                    // EMFILE, ENFILE, ENOBUFS, ENOMEM: the pending connection stays queued; retry shortly
                    // instead of spinning on a listener that stays readable.
                    core.log("accept failed: \(Posix.describe(errno: code)); pausing")
                    pausedUntil = .now + Self.resourcePause
                    return
                }
            }
            Posix.setFlag(fd, level: Int32(IPPROTO_TCP), option: TCP_NODELAY, 1)
            let remoteAddress = SocketAddress.describe(storage)
            // The address without its port: "10.0.0.7" or "[::1]".
            let client = remoteAddress.lastIndex(of: ":").map { String(remoteAddress[..<$0]) } ?? remoteAddress
            let id: UInt64, reserve: Bool
            switch core.register(fd, client: client) {
            case .regular(let regular): (id, reserve) = (regular, false)
            case .reserve(let reserved): (id, reserve) = (reserved, true)
            case .refused(let message):
                reject(fd, message: message, rejected: &rejected)
                continue
            }
            let core = self.core, wake = self.wake
            let started = PosixThread.spawn(name: "hearth-http") {
                Connection.run(id: id, fd: fd, remoteAddress: remoteAddress, reserve: reserve, core: core, wake: wake)
            }
            if !started {
                core.log("cannot start a connection thread; answering 503")
                core.unregister(id)
                reject(fd, message: "The server cannot take more connections now; retry later.", rejected: &rejected)
            }
        }
    }

    /// Answers 503 without waiting on the client, then lets the socket linger in the poll set.
    ///
    /// A TLS server just closes: a plain 503 would be noise to a TLS client, and a handshake would stall this thread.
    private func reject(_ fd: Int32, message: String, rejected: inout [Rejected]) {
        guard core.configuration.tls == nil else {
            ConnectedSocket(fd: fd).close()
            return
        }
        let response = core.configuration.errorResponder(.serviceUnavailable, message)
        var bytes = ResponseHead.serialize(
            status: response.status, headers: response.headers, framing: .contentLength(response.body.count),
            closeConnection: true, requestVersion: .http1_1, options: core.configuration.responseOptions)
        bytes += response.body
        let socket = ConnectedSocket(fd: fd)
        // A fresh socket's send buffer is empty, so a small response goes out without blocking.
        try? socket.send(bytes, deadline: .now)
        socket.shutdownWrite()
        if rejected.count < Self.maxRejected {
            rejected.append(Rejected(fd: fd, deadline: .now + min(core.configuration.lingerTimeout, .seconds(1))))
        } else {
            socket.close()
        }
    }
}

/// accept(2) returning a non-blocking, close-on-exec socket that can't raise SIGPIPE.
///
/// Glibc's module doesn't export accept4, hence the separate fcntl calls.
private func acceptSocket(_ listener: Int32, _ address: UnsafeMutablePointer<sockaddr>, _ length: inout socklen_t) -> Int32 {
    let fd = accept(listener, address, &length)
    guard fd >= 0 else { return fd }
    _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    Posix.setNonBlocking(fd)
    #if !os(Linux)
    Posix.setFlag(fd, level: SOL_SOCKET, option: SO_NOSIGPIPE, 1)
    #endif
    return fd
}
