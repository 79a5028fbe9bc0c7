import Foundation
import Glibc

/// An HTTP/1.1 server: one accept thread plus one thread per connection, never Swift's cooperative pool.
///
/// Call `start()` once, then `shutdown(drainTimeout:)` to stop; `ShutdownSignals` can trigger the latter.
public final class HTTPServer: Sendable {
    private let core: ServerCore

    /// Creates a server; nothing is bound until `start()`.
    public init(configuration: HTTPServerConfiguration = HTTPServerConfiguration(), handler: @escaping HTTPHandler) {
        core = ServerCore(configuration: configuration, handler: handler)
    }

    /// The configuration the server was created with.
    public var configuration: HTTPServerConfiguration { core.configuration }

    /// The bound port (the ephemeral one when configured with port 0); 0 before `start()`.
    public var port: Int {
        core.state.withLock { $0.lifecycle.port }
    }

    /// Connections currently being served (not counting those refused with 503).
    public var openConnections: Int {
        core.state.withLock { $0.connections.count }
    }

    /// Binds, listens and starts accepting; throws an error naming host:port on failure (e.g. address in use).
    public func start() throws(HTTPServerError) {
        try core.state.withLock { state throws(HTTPServerError) in
            guard case .created = state.lifecycle else { throw .notStartable }
            state.lifecycle = .starting
        }
        let configuration = core.configuration
        do throws(HTTPServerError) {
            let (fds, port) = try SocketAddress.listen(
                host: configuration.host, port: configuration.port, backlog: Int32(clamping: configuration.backlog))
            guard let wake = WakePipe() else {
                for fd in fds { _ = close(fd) }
                throw HTTPServerError.bind(host: configuration.host, port: configuration.port, errno: EMFILE)
            }
            core.state.withLock {
                $0.lifecycle = .running(port: port, wake: wake)
                $0.acceptorRunning = true
            }
            let acceptor = Acceptor(listeners: fds, core: core, wake: wake)
            guard PosixThread.spawn(name: "hearth-accept", { acceptor.run() }) else {
                for fd in fds { _ = close(fd) }
                core.state.withLock {
                    $0.acceptorRunning = false
                    $0.lifecycle = .created
                }
                throw HTTPServerError.bind(host: configuration.host, port: configuration.port, errno: EAGAIN)
            }
        } catch {
            core.state.withLock { if case .starting = $0.lifecycle { $0.lifecycle = .created } }
            throw error
        }
    }

    /// Stops accepting, closes idle connections, lets in-flight requests finish for up to `drainTimeout`,
    /// then cuts off what remains (their writes start failing) and returns. Blocks the calling thread.
    public func shutdown(drainTimeout: Duration = .seconds(10)) {
        let deadline = ContinuousClock.now + drainTimeout
        // A concurrent start() is given a moment to finish binding so there is something to stop.
        _ = core.state.wait(until: deadline) { if case .starting = $0.lifecycle { false } else { true } }
        let wake: WakePipe? = core.state.withLock { state in
            switch state.lifecycle {
            case .created, .starting:
                state.lifecycle = .stopped(port: 0)
                return nil
            case .running(let port, let wake):
                state.lifecycle = .draining(port: port)
                return wake
            case .draining, .stopped:
                return nil
            }
        }
        guard let wake else {
            // Another call is draining; wait for it, within this call's own budget.
            _ = core.state.wait(until: deadline + ServerCore.cutoffGrace) { $0.lifecycle.isStopped }
            return
        }
        wake.fire()
        var drained = core.state.wait(until: deadline) { !$0.acceptorRunning && $0.connections.isEmpty }
        if !drained {
            // Handlers still running are told to end their responses with an error (a stream gets a final error
            // event rather than a silent cut); they get the grace period to do so.
            core.state.withLock { $0.cuttingOff = true }
            drained = core.state.wait(until: .now + ServerCore.cutoffGrace) { !$0.acceptorRunning && $0.connections.isEmpty }
        }
        if !drained {
            core.state.withLock { state in
                core.log("drain timeout: closing \(state.connections.count) connection(s)")
                // shutdown(2), not close(2): the owning threads still close their own fds, so none is reused early.
                for fd in state.connections.values { Posix.shutdownBoth(fd) }
            }
            _ = core.state.wait(until: .now + ServerCore.cutoffGrace) { !$0.acceptorRunning && $0.connections.isEmpty }
        }
        core.state.withLock { $0.lifecycle = .stopped(port: $0.lifecycle.port) }
    }

    /// Async form of `shutdown(drainTimeout:)` that blocks a Dispatch thread instead of the caller's executor.
    public func shutdown(drainTimeout: Duration = .seconds(10)) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                self.shutdown(drainTimeout: drainTimeout)
                continuation.resume()
            }
        }
    }

    /// Blocks the calling thread until a shutdown has completed; for a `main` that has nothing else to do.
    public func waitUntilStopped() {
        _ = core.state.wait(until: nil) { $0.lifecycle.isStopped }
    }
}

/// State shared by the server object, its acceptor thread and its connection threads.
final class ServerCore: Sendable {
    /// Server lifecycle; `draining` means shutdown has begun.
    enum Lifecycle {
        case created
        case starting
        case running(port: Int, wake: WakePipe)
        case draining(port: Int)
        case stopped(port: Int)

        var port: Int {
            switch self {
            case .created, .starting: return 0
            case .running(let port, _), .draining(let port), .stopped(let port): return port
            }
        }

        var isStopped: Bool {
            if case .stopped = self { return true }
            return false
        }
    }

    struct State {
        var lifecycle: Lifecycle = .created
        var acceptorRunning = false
        /// Connection id → socket fd, kept so a drain timeout can shut the sockets down.
        var connections: [UInt64: Int32] = [:]
        /// The ids of `connections` that hold reserve slots.
        var reserve: Set<UInt64> = []
        /// Connection id → client address, and open connections per client address, for the per-client cap.
        var clients: [UInt64: String] = [:]
        var perClient: [String: Int] = [:]
        /// The drain deadline passed: handlers still running should end their responses now (see `isCuttingOff`).
        var cuttingOff = false
        var nextConnectionID: UInt64 = 0
    }

    /// After cutting connections off, how long shutdown waits for their threads to notice.
    static let cutoffGrace: Duration = .seconds(1)

    let configuration: HTTPServerConfiguration
    let handler: HTTPHandler
    let state = Guarded(State())

    init(configuration: HTTPServerConfiguration, handler: @escaping HTTPHandler) {
        self.configuration = configuration
        self.handler = handler
    }

    /// Whether the drain deadline has passed, so in-flight handlers should end their responses with an error now.
    var isCuttingOff: Bool {
        state.withLock { $0.cuttingOff }
    }

    /// Whether shutdown has begun, so responses should close their connections.
    var isDraining: Bool {
        state.withLock { if case .running = $0.lifecycle { false } else { true } }
    }

    /// How an accepted socket is admitted.
    enum Admission: Equatable {
        /// A regular connection.
        case regular(UInt64)
        /// Over the cap, in the reserve: serves one request for a reserved path, then closes.
        case reserve(UInt64)
        /// Refused with 503 and this message.
        case refused(String)
    }

    /// Records a new connection from `client` (its address without the port): a regular slot while under the cap,
    /// a reserve slot beyond it, else refused; also refused beyond the per-client cap.
    func register(_ fd: Int32, client: String) -> Admission {
        state.withLock { state in
            let perClient = configuration.maxConnectionsPerClient
            if perClient > 0, state.perClient[client, default: 0] >= perClient {
                return .refused("Too many connections from this address; retry later.")
            }
            let regular = state.connections.count - state.reserve.count < configuration.maxConnections
            let reserved = !regular && !configuration.reservedPaths.isEmpty
                && state.reserve.count < configuration.reservedConnections
            guard regular || reserved else { return .refused("The server is at its connection limit; retry later.") }
            state.nextConnectionID += 1
            let id = state.nextConnectionID
            state.connections[id] = fd
            state.clients[id] = client
            state.perClient[client, default: 0] += 1
            if reserved { state.reserve.insert(id) }
            return reserved ? .reserve(id) : .regular(id)
        }
    }

    func unregister(_ id: UInt64) {
        state.withLock { state in
            guard state.connections.removeValue(forKey: id) != nil else { return }
            state.reserve.remove(id)
            if let client = state.clients.removeValue(forKey: id) {
                let left = state.perClient[client, default: 1] - 1
                state.perClient[client] = left > 0 ? left : nil
            }
        }
    }

    func acceptorStopped() {
        state.withLock { $0.acceptorRunning = false }
    }

    func log(_ message: String) {
        configuration.logger?("[http] \(message)")
    }
}
