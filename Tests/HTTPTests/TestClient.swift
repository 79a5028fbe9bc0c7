import Foundation
import XCTest
@testable import HTTP
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A response as a raw-socket client saw it.
struct TestResponse {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
}

enum TestClientError: Error, CustomStringConvertible {
    case connect(String)
    case timedOut
    case closed
    case malformed(String)

    var description: String {
        switch self {
        case .connect(let reason): return "connect failed: \(reason)"
        case .timedOut: return "timed out"
        case .closed: return "connection closed by server"
        case .malformed(let reason): return "malformed response: \(reason)"
        }
    }
}

/// A blocking raw-socket HTTP client for tests, with receive/send timeouts so a broken server fails the
/// test instead of hanging it. Used from one thread at a time.
final class TestClient {
    let fd: Int32
    private var buffer: [UInt8] = []
    private var isClosed = false

    /// Connects to `host`:`port` (numeric IPv4 or IPv6).
    init(host: String = "127.0.0.1", port: Int, timeout: Double = 5) throws {
        let isIPv6 = host.contains(":")
        fd = socket(isIPv6 ? AF_INET6 : AF_INET, Posix.sockStream, 0)
        guard fd >= 0 else { throw TestClientError.connect(Posix.describe(errno: errno)) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        Posix.setFlag(fd, level: Int32(IPPROTO_TCP), option: TCP_NODELAY, 1)
        let result: Int32
        if isIPv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET6, host, &address.sin6_addr)
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET, host, &address.sin_addr)
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        guard result == 0 else {
            let reason = Posix.describe(errno: errno)
            _ = Glibc.close(fd)
            throw TestClientError.connect(reason)
        }
    }

    deinit { close() }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        _ = Glibc.close(fd)
    }

    /// Ends the sending side (a half-close) while still reading.
    func shutdownWrite() {
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    /// Closes with SO_LINGER 0, so the server sees a reset rather than an orderly FIN.
    func reset() {
        var option = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
        close()
    }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw TestClientError.closed }
            offset += sent
        }
    }

    func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    /// Reads more bytes into the buffer; throws on timeout or EOF.
    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = recv(fd, &chunk, chunk.count, 0)
        if count > 0 {
            buffer += chunk[0..<count]
            return
        }
        if count == 0 { throw TestClientError.closed }
        if errno == EAGAIN || errno == EWOULDBLOCK { throw TestClientError.timedOut }
        throw TestClientError.closed
    }

    private func take(_ count: Int) throws -> [UInt8] {
        while buffer.count < count { try fill() }
        let bytes = Array(buffer[0..<count])
        buffer.removeFirst(count)
        return bytes
    }

    private func readLine() throws -> String {
        while true {
            if let lf = buffer.firstIndex(of: 0x0A) {
                let line = buffer[0..<lf]
                buffer.removeFirst(lf + 1)
                return String(decoding: line.last == 0x0D ? line.dropLast() : line, as: UTF8.self)
            }
            try fill()
        }
    }

    /// Reads a status line and header section.
    func readHead() throws -> (status: Int, headers: HTTPHeaders) {
        let statusLine = try readLine()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0] == "HTTP/1.1", let status = Int(parts[1]) else {
            throw TestClientError.malformed("status line \(statusLine.debugDescription)")
        }
        var headers = HTTPHeaders()
        while true {
            let line = try readLine()
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { throw TestClientError.malformed("header \(line)") }
            headers.add(name: String(line[..<colon]), value: line[line.index(after: colon)...].trimmingOWS())
        }
        return (status, headers)
    }

    /// Reads one complete response; `bodyless` for responses to HEAD; `skipInterim` skips 1xx responses first,
    /// as HTTP clients do.
    func readResponse(bodyless: Bool = false, skipInterim: Bool = false) throws -> TestResponse {
        var (status, headers) = try readHead()
        while skipInterim && (100..<200).contains(status) { (status, headers) = try readHead() }
        var body: [UInt8] = []
        if bodyless || status == 204 || status == 304 || (100..<200).contains(status) {
            // no body
        } else if headers["Transfer-Encoding"]?.lowercased() == "chunked" {
            while let chunk = try readChunk() { body += chunk }
        } else if let length = headers["Content-Length"].flatMap(Int.init) {
            body = try take(length)
        } else {
            body = try readToEnd()
        }
        return TestResponse(status: status, headers: headers, body: body)
    }

    /// Reads one chunk of a chunked body; nil at the terminating chunk (whose trailers are skipped).
    func readChunk() throws -> [UInt8]? {
        let sizeLine = try readLine()
        guard let size = Int(sizeLine.split(separator: ";")[0], radix: 16) else {
            throw TestClientError.malformed("chunk size \(sizeLine.debugDescription)")
        }
        if size == 0 {
            while try !readLine().isEmpty {}
            return nil
        }
        let data = try take(size)
        guard try take(2) == [0x0D, 0x0A] else { throw TestClientError.malformed("chunk terminator") }
        return data
    }

    /// Exactly `count` raw bytes from the connection.
    func readRaw(_ count: Int) throws -> [UInt8] {
        try take(count)
    }

    /// Everything until the server closes.
    func readToEnd() throws -> [UInt8] {
        while true {
            do { try fill() } catch TestClientError.closed { break }
        }
        defer { buffer = [] }
        return buffer
    }

    /// Whether the server closes the connection (EOF or reset) without sending more bytes, within the receive timeout.
    func closesWithoutData() -> Bool {
        guard buffer.isEmpty else { return false }
        var byte: UInt8 = 0
        let count = recv(fd, &byte, 1, 0)
        return count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }
}

/// Runs `body` against a started server on an ephemeral loopback port, shutting it down afterwards.
func withServer(
    host: String = "127.0.0.1",
    configure: (inout HTTPServerConfiguration) -> Void = { _ in },
    handler: @escaping HTTPHandler,
    _ body: (HTTPServer) throws -> Void
) throws {
    var configuration = HTTPServerConfiguration(host: host, port: 0)
    configure(&configuration)
    let server = HTTPServer(configuration: configuration, handler: handler)
    try server.start()
    defer { server.shutdown(drainTimeout: .seconds(2)) }
    try body(server)
}

/// Polls `condition` until it holds or `timeout` passes; for state that settles asynchronously.
func eventually(timeout: Double = 5, _ condition: () -> Bool) -> Bool {
    let deadline = Date(timeIntervalSinceNow: timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(5_000)
    }
    return condition()
}

/// A handler answering `<METHOD> <path> <body>` as plain text, for round-trip checks.
let echoHandler: HTTPHandler = { request, _ in
    let query = request.query.map { "?\($0)" } ?? ""
    return .response(.text("\(request.method) \(request.path)\(query) \(String(decoding: request.body, as: UTF8.self))"))
}

/// A thread-safe box for values a handler reports back to the test.
final class Recorder<Value>: @unchecked Sendable {
    // `values` is guarded by `lock`.
    private let lock = NSLock()
    private var values: [Value] = []
    private let semaphore = DispatchSemaphore(value: 0)

    func record(_ value: Value) {
        lock.lock()
        values.append(value)
        lock.unlock()
        semaphore.signal()
    }

    /// Waits for the next recorded value (up to `timeout` seconds) and returns all values so far.
    func waitForValue(timeout: Double = 5) -> [Value]? {
        guard semaphore.wait(timeout: .now() + timeout) == .success else { return nil }
        lock.lock()
        defer { lock.unlock() }
        return values
    }

    var all: [Value] {
        lock.lock()
        defer { lock.unlock() }
        return values
    }
}
