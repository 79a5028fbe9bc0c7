import Glibc

/// Address resolution, listening sockets and address formatting.
enum SocketAddress {
    /// "host:port", bracketing IPv6 literals.
    static func hostPort(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Binds and listens on every address `host` resolves to (e.g. both ::1 and 127.0.0.1 for "localhost").
    ///
    /// With port 0 the first socket picks an ephemeral port and the others reuse it. Returns the fds and the port.
    static func listen(host: String, port: Int, backlog: Int32) throws(HTTPServerError) -> (fds: [Int32], port: Int) {
        let addresses = try resolve(host: host, port: port)
        var attempt = 0
        while true {
            attempt += 1
            var fds: [Int32] = []
            var boundPort = port
            var fatal: Int32?
            var skipped: Int32?
            for address in addresses {
                var address = address
                if !fds.isEmpty { setPort(&address, boundPort) }
                let dualStack = isUnspecifiedIPv6(address) && !addresses.contains { Int32($0.ss_family) == AF_INET }
                switch listenSocket(address, dualStack: dualStack, backlog: backlog) {
                case .success(let fd):
                    if fds.isEmpty { boundPort = localPort(fd) }
                    fds.append(fd)
                case .failure(let code) where code == EADDRNOTAVAIL || code == EAFNOSUPPORT:
                    // A family the machine lacks (no IPv6, say) only matters when it was the only choice.
                    skipped = code
                case .failure(let code):
                    fatal = code
                }
                if fatal != nil { break }
            }
            if fatal == nil && !fds.isEmpty { return (fds, boundPort) }
            for fd in fds { _ = close(fd) }
            let code = fatal ?? skipped ?? EADDRNOTAVAIL
            // An ephemeral port free on one family may be taken on the other: pick again.
            guard port == 0 && code == EADDRINUSE && attempt < 5 else {
                throw .bind(host: host, port: port, errno: code)
            }
        }
    }

    private static func resolve(host: String, port: Int) throws(HTTPServerError) -> [sockaddr_storage] {
        guard (0...65535).contains(port) else {
            throw .addressResolution(host: host, port: port, reason: "port out of range")
        }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Posix.sockStream
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw .addressResolution(host: host, port: port, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }
        var result: [sockaddr_storage] = []
        var seen: Set<String> = []
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let current = node {
            var storage = sockaddr_storage()
            withUnsafeMutableBytes(of: &storage) { target in
                let length = min(Int(current.pointee.ai_addrlen), target.count)
                target.copyMemory(from: UnsafeRawBufferPointer(start: current.pointee.ai_addr, count: length))
            }
            if seen.insert(describe(storage)).inserted { result.append(storage) }
            node = current.pointee.ai_next
        }
        return result
    }

    private static func listenSocket(_ address: sockaddr_storage, dualStack: Bool, backlog: Int32) -> ListenResult {
        var address = address
        let fd = socket(Int32(address.ss_family), Posix.sockStream, 0)
        guard fd >= 0 else { return .failure(errno) }
        Posix.setFlag(fd, level: SOL_SOCKET, option: SO_REUSEADDR, 1)
        if Int32(address.ss_family) == AF_INET6 {
            Posix.setFlag(fd, level: Int32(IPPROTO_IPV6), option: IPV6_V6ONLY, dualStack ? 0 : 1)
        }
        let length = socklen_t(Int32(address.ss_family) == AF_INET6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, posixListen(fd, backlog) == 0 else {
            let code = errno
            _ = close(fd)
            return .failure(code)
        }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        Posix.setNonBlocking(fd)
        return .success(fd)
    }

    private enum ListenResult {
        case success(Int32)
        case failure(Int32)
    }

    /// The local port a socket is bound to.
    static func localPort(_ fd: Int32) -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return port(of: storage)
    }

    static func port(of storage: sockaddr_storage) -> Int {
        var storage = storage
        return withUnsafeBytes(of: &storage) { raw in
            // sin_port and sin6_port share their offset (2) in both layouts, in network byte order.
            Int(raw[2]) << 8 | Int(raw[3])
        }
    }

    private static func setPort(_ storage: inout sockaddr_storage, _ port: Int) {
        withUnsafeMutableBytes(of: &storage) { raw in
            raw[2] = UInt8(truncatingIfNeeded: port >> 8)
            raw[3] = UInt8(truncatingIfNeeded: port)
        }
    }

    private static func isUnspecifiedIPv6(_ storage: sockaddr_storage) -> Bool {
        guard Int32(storage.ss_family) == AF_INET6 else { return false }
        var storage = storage
        return withUnsafeBytes(of: &storage) { raw in
            let offset = MemoryLayout<sockaddr_in6>.offset(of: \.sin6_addr) ?? 8
            return raw[offset..<offset + 16].allSatisfy { $0 == 0 }
        }
    }

    /// A numeric "address:port" for logs and `HTTPRequest.remoteAddress`; IPv4-mapped IPv6 shows as IPv4.
    static func describe(_ storage: sockaddr_storage) -> String {
        var storage = storage
        let port = port(of: storage)
        let family = Int32(storage.ss_family)
        return withUnsafeBytes(of: &storage) { raw -> String in
            guard let base = raw.baseAddress else { return "unknown" }
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
            if family == AF_INET {
                let offset = MemoryLayout<sockaddr_in>.offset(of: \.sin_addr) ?? 4
                _ = inet_ntop(AF_INET, base + offset, &text, socklen_t(text.count))
                return "\(cText(text)):\(port)"
            }
            if family == AF_INET6 {
                let offset = MemoryLayout<sockaddr_in6>.offset(of: \.sin6_addr) ?? 8
                let bytes = raw[offset..<offset + 16]
                let mappedPrefix: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]
                if bytes.prefix(12).elementsEqual(mappedPrefix) {
                    return bytes.suffix(4).map(String.init).joined(separator: ".") + ":\(port)"
                }
                _ = inet_ntop(AF_INET6, base + offset, &text, socklen_t(text.count))
                return "[\(cText(text))]:\(port)"
            }
            return "unknown"
        }
    }
}

/// The text before the NUL of a C string buffer.
private func cText(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

// File scope, because inside `SocketAddress` the name `listen` means its own method.
private func posixListen(_ fd: Int32, _ backlog: Int32) -> Int32 {
    listen(fd, backlog)
}
