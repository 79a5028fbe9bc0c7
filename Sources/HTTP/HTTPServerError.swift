/// Why the server could not start.
public enum HTTPServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The host name did not resolve to any address.
    case addressResolution(host: String, port: Int, reason: String)
    /// socket/bind/listen failed, e.g. with EADDRINUSE.
    case bind(host: String, port: Int, errno: Int32)
    /// `start()` was called on a server that is running or has shut down.
    case notStartable

    public var description: String {
        switch self {
        case let .addressResolution(host, port, reason):
            return "Cannot resolve \(SocketAddress.hostPort(host, port)): \(reason)"
        case let .bind(host, port, code):
            return "Cannot listen on \(SocketAddress.hostPort(host, port)): \(Posix.describe(errno: code))"
        case .notStartable:
            return "The server was already started; a server starts once."
        }
    }
}
